"""The CLI on a real user's messy folder (issue 26): files nothing reads are
named by what they are and counted, never passed over in silence; resuming
with --skip-existing; a folder converted into itself; --format that
disagrees with the extension; the whole mixed folder of
scripts/make_messy_folder.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import ROOT, SAMPLES


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mediaview", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def summary(stdout: str) -> dict:
    """The counts of the summary line: {'of': total, 'converted': n, 'skipped': n, 'failed': n}."""
    line = stdout.strip().splitlines()[-1]
    match = re.match(r"(\d+) of (\d+) converted(?:, (\d+) skipped)?, (\d+) failed", line)
    assert match, line
    done, total, skipped, failed = match.groups()
    return {"converted": int(done), "of": int(total), "skipped": int(skipped or 0), "failed": int(failed)}


NOT_MEDIA = {"notes.txt": (b"a shopping list\n", "a text file"),
             "scan.pdf": (b"%PDF-1.4\n%%EOF\n", "a PDF document"),
             "archive.zip": (b"PK\x05\x06" + bytes(18), "a ZIP archive"),
             "README": (b"plain words\n", "a text file"),
             "blob.bin": (bytes(range(256)), "data of no known format")}


def photos(folder: Path, names=("chelsea_420.jpg", "coffee_422.jpg")) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SAMPLES / name, folder / name)
    return list(names)


# ---- inputs nothing reads -----------------------------------------------------------------

def test_every_unsupported_file_of_a_folder_is_named_by_what_it_is_and_fails(tmp_path):
    photos(tmp_path / "in")
    for name, (data, _) in NOT_MEDIA.items():
        (tmp_path / "in" / name).write_bytes(data)
    result = run("convert", tmp_path / "in", "-o", tmp_path / "out", "--to", "png")
    assert result.returncode == 1
    assert summary(result.stdout) == {"converted": 2, "of": 7, "skipped": 0, "failed": 5}
    for name, (_, what) in NOT_MEDIA.items():
        assert f"in/{name}: UnsupportedFormatError: {what}" in result.stderr, name
    assert "cannot convert audio" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["chelsea_420.png", "coffee_422.png"]


def test_skip_unsupported_counts_them_as_skipped_and_still_names_them(tmp_path):
    photos(tmp_path / "in")
    (tmp_path / "in" / "scan.pdf").write_bytes(NOT_MEDIA["scan.pdf"][0])
    result = run("convert", tmp_path / "in", "-o", tmp_path / "out", "--to", "png", "--skip-unsupported")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == {"converted": 2, "of": 3, "skipped": 1, "failed": 0}
    assert "scan.pdf: skipped: a PDF document" in result.stderr
    quiet = run("convert", tmp_path / "in", "-o", tmp_path / "out2", "--to", "png", "--skip-unsupported", "-q")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_an_input_of_the_wrong_kind_fails_alone_and_the_rest_is_converted(tmp_path):
    photos(tmp_path / "in")
    shutil.copy(SAMPLES / "music_stereo.flac", tmp_path / "in" / "song.flac")
    result = run("convert", tmp_path / "in", "-o", tmp_path / "out", "--to", "png")
    assert result.returncode == 1
    assert "song.flac: UnsupportedFormatError: cannot convert audio to image" in result.stderr
    assert summary(result.stdout) == {"converted": 2, "of": 3, "skipped": 0, "failed": 1}
    # Named on the command line with -o, a GIF-named text file is sniffed, not taken for audio or a GIF.
    (tmp_path / "fake.gif").write_bytes(b"just words, not a picture\n")
    named = run("convert", tmp_path / "fake.gif", SAMPLES / "chelsea_420.jpg", "-o", tmp_path / "o2", "--to", "png")
    assert named.returncode == 1 and "fake.gif: UnsupportedFormatError: no image decoder" in named.stderr
    assert summary(named.stdout)["converted"] == 1


@pytest.mark.parametrize("name,what", [("scan.pdf", "a PDF document"), ("notes.txt", "a text file")])
def test_one_unsupported_input_is_a_failure_naming_it(tmp_path, name, what):
    (tmp_path / name).write_bytes(NOT_MEDIA[name][0])
    result = run("convert", tmp_path / name, tmp_path / "out.png")
    assert result.returncode == 1 and f"{what}, not a format mediaview reads" in result.stderr
    assert not (tmp_path / "out.png").exists()


def test_an_input_format_that_is_read_but_not_written_fails_alone_without_to(tmp_path):
    photos(tmp_path / "in")
    shutil.copy(SAMPLES / "chelsea.heic", tmp_path / "in" / "phone.heic")
    result = run("convert", tmp_path / "in", "-o", tmp_path / "out")  # each keeps its own format
    assert result.returncode == 1
    assert "phone.heic: UnsupportedFormatError: 'heic' is read but not written" in result.stderr
    assert "choose one with --to" in result.stderr and summary(result.stdout)["converted"] == 2


# ---- resuming -------------------------------------------------------------------------------

def test_skip_existing_keeps_complete_outputs_and_converts_the_rest(tmp_path):
    names = photos(tmp_path / "in", ("chelsea_420.jpg", "coffee_422.jpg", "astronaut_444.jpg", "camera_gray.jpg"))
    out = tmp_path / "out"
    first = run("convert", tmp_path / "in" / names[0], tmp_path / "in" / names[1], "-o", out, "--to", "png")
    assert first.returncode == 0
    kept = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    # What an interrupted run leaves: one of our temporaries, never complete.
    (out / ".astronaut_444.png.mediaview-tmp-abcd1234").write_bytes(b"\x89PNG\r\n\x1a\n half")
    refused = run("convert", tmp_path / "in", "-o", out, "--to", "png")
    assert refused.returncode == 2 and "--skip-existing" in refused.stderr
    result = run("convert", tmp_path / "in", "-o", out, "--to", "png", "--skip-existing")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == {"converted": 2, "of": 4, "skipped": 2, "failed": 0}
    assert {n: (out / n).stat().st_mtime_ns for n in kept} == kept  # untouched
    for name in names:
        with Image.open(out / name.replace(".jpg", ".png")) as im:
            assert np.array_equal(np.asarray(im), np.asarray(mediaview.decode_image(tmp_path / "in" / name,
                                                                                    mode=None)))


def test_an_incomplete_existing_output_is_never_taken_as_complete(tmp_path):
    photos(tmp_path / "in")
    out = tmp_path / "out"
    run("convert", tmp_path / "in", "-o", out, "--to", "png")
    whole = (out / "coffee_422.png").read_bytes()
    (out / "coffee_422.png").write_bytes(whole[:len(whole) // 2])  # cut short by another tool
    result = run("convert", tmp_path / "in", "-o", out, "--to", "png", "--skip-existing")
    assert result.returncode == 1
    assert "coffee_422.png exists but is incomplete" in result.stderr and "--overwrite" in result.stderr
    assert summary(result.stdout) == {"converted": 0, "of": 2, "skipped": 1, "failed": 1}
    replaced = run("convert", tmp_path / "in", "-o", out, "--to", "png", "--skip-existing", "--overwrite")
    assert replaced.returncode == 0 and summary(replaced.stdout)["converted"] == 1
    assert (out / "coffee_422.png").read_bytes() == whole


def test_skip_existing_for_audio_reads_the_output_to_its_end(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SAMPLES / "music_stereo.flac", src / "a.flac")
    shutil.copy(SAMPLES / "speech_mono.wav", src / "b.wav")
    out = tmp_path / "out"
    run("convert", src, "-o", out, "--to", "flac")
    data = (out / "a.flac").read_bytes()
    (out / "a.flac").write_bytes(data[:len(data) * 2 // 3])
    result = run("convert", src, "-o", out, "--to", "flac", "--skip-existing")
    assert result.returncode == 1 and "a.flac exists but is incomplete" in result.stderr
    assert summary(result.stdout) == {"converted": 0, "of": 2, "skipped": 1, "failed": 1}


# ---- a folder into itself -------------------------------------------------------------------

def test_a_folder_converted_into_itself(tmp_path):
    folder = tmp_path / "photos"
    photos(folder)
    result = run("convert", folder, "-o", folder, "--to", "png")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == {"converted": 2, "of": 2, "skipped": 0, "failed": 0}
    # Again: its PNGs are not read as new inputs to convert onto themselves.
    again = run("convert", folder, "-o", folder, "--to", "png", "--skip-existing")
    assert again.returncode == 0, again.stderr
    assert summary(again.stdout) == {"converted": 0, "of": 4, "skipped": 4, "failed": 0}
    assert sorted(p.name for p in folder.iterdir()) == ["chelsea_420.jpg", "chelsea_420.png", "coffee_422.jpg",
                                                        "coffee_422.png"]
    # Into the parent of the folder, from inside it, and into a folder inside it.
    photos(tmp_path / "album")
    parent = run("convert", "album", "-o", ".", "--to", "webp", cwd=tmp_path)
    assert parent.returncode == 0 and (tmp_path / "chelsea_420.webp").exists(), parent.stderr
    inner = run("convert", tmp_path / "album", "-o", tmp_path / "album" / "small", "--to", "jpg", "-r")
    assert inner.returncode == 0 and summary(inner.stdout)["of"] == 2, inner.stderr
    again = run("convert", tmp_path / "album", "-o", tmp_path / "album" / "small", "--to", "jpg", "-r",
                "--skip-existing")
    assert again.stdout.startswith("0 of 2 converted, 2 skipped"), again.stdout  # small/ is never an input


# ---- content under the extension ------------------------------------------------------------

def test_format_without_to_names_the_outputs_extension(tmp_path):
    shutil.copy(SAMPLES / "chelsea_alpha.webp", tmp_path / "x.webp")
    result = run("convert", tmp_path / "x.webp", "-o", tmp_path / "out", "--format", "png")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["x.png"]
    with Image.open(tmp_path / "out" / "x.png") as im:
        assert im.format == "PNG"


@pytest.mark.parametrize("args", [["-o", "OUT", "--format", "png", "--to", "webp"],
                                  ["OUT/x.webp", "--format", "png"],
                                  ["OUT/x.jpg", "--format", "webp"]])
def test_format_that_disagrees_with_the_extension_is_a_usage_error(tmp_path, args):
    (tmp_path / "OUT").mkdir()
    args = [a.replace("OUT", str(tmp_path / "OUT")) for a in args]
    result = run("convert", SAMPLES / "chelsea_420.jpg", *args)
    assert result.returncode == 2 and "disagree" in result.stderr, result.stderr
    assert list((tmp_path / "OUT").iterdir()) == []


@pytest.mark.parametrize("args,fmt", [(["x.jpeg", "--format", "jpg"], "JPEG"), (["x.png", "--format", "PNG"], "PNG"),
                                      (["x.bak", "--format", "png"], "PNG")])
def test_format_that_agrees_or_names_an_unknown_extension_is_taken(tmp_path, args, fmt):
    result = run("convert", SAMPLES / "chelsea_420.jpg", tmp_path / args[0], *args[1:])
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / args[0]) as im:
        assert im.format == fmt


# ---- the whole messy folder -----------------------------------------------------------------

@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("messy") / "folder"
    made = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_messy_folder.py"), str(folder)],
                          capture_output=True, text=True, check=True)
    return folder, made.stdout


@pytest.mark.parametrize("to", ["png", "flac"])
def test_the_messy_folder_every_input_is_accounted_for(tmp_path, messy, to):
    folder, _ = messy
    inputs = sorted(p.name for p in folder.iterdir())
    result = run("convert", folder, "-o", tmp_path / "out", "--to", to, "-j", "2")
    assert result.returncode == 1  # damaged and unsupported files fail; the rest is converted
    counts = summary(result.stdout)
    assert counts["of"] == len(inputs) and counts["converted"] + counts["failed"] == len(inputs)
    written = {p.stem for p in (tmp_path / "out").iterdir()}
    assert len(written) == counts["converted"]
    assert not any(p.name.startswith(".") for p in (tmp_path / "out").iterdir())
    failed_lines = [line for line in result.stderr.splitlines()
                    if not line.split(": ", 2)[1].startswith(("warning", "note"))]
    assert len(failed_lines) == counts["failed"]
    for name in inputs:  # converted, or named on stderr: nothing silent
        assert Path(name).stem in written or f"{folder / name}: " in result.stderr, name
    # The not-media files by what they are.
    for name, what in [("notes.txt", "a text file"), ("scan.pdf", "a PDF document"), ("old_scan.bmp", "a BMP image")]:
        if (folder / name).exists() and "bmp" not in {e for d in mediaview.decoders() for e in d["extensions"]}:
            assert f"{name}: UnsupportedFormatError: {what}" in result.stderr
    skipping = run("convert", folder, "-o", tmp_path / "out2", "--to", to, "--skip-unsupported")
    other = summary(skipping.stdout)
    assert other["converted"] == counts["converted"] and other["of"] == len(inputs)
    assert other["skipped"] + other["failed"] == counts["failed"] and other["skipped"] > 0


def test_info_names_a_file_nothing_reads_by_what_it_is(tmp_path):
    photos(tmp_path)
    (tmp_path / "notes.txt").write_bytes(NOT_MEDIA["notes.txt"][0])
    result = run("info", tmp_path)
    assert result.returncode == 1
    assert "notes.txt: UnsupportedFormatError: a text file, not a format mediaview reads" in result.stderr
    assert "Format not recognised" not in result.stderr and result.stdout.count("JPEG") == 2
