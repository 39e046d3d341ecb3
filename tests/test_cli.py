"""The command-line tool, run as a subprocess like a user would."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from pathlib import Path

from PIL import Image, ImageOps

import mediaview
from conftest import SAMPLES


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mediaview", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_info_text_and_json():
    files = [SAMPLES / "rocket_orient6.jpg", SAMPLES / "camera_gray.jpg"]
    text = run("info", *files)
    assert text.returncode == 0 and text.stderr == ""
    assert "427x640" in text.stdout and "orientation 6" in text.stdout and "gray" in text.stdout
    doc = json.loads(run("info", "--json", *files).stdout)
    assert [d["path"] for d in doc] == [str(f) for f in files]
    for entry, path in zip(doc, files):
        # One spelling for image and audio formats: upper case, as soundfile's "FLAC".
        assert entry == {**mediaview.probe(path).as_dict(), "path": str(path), "kind": "image", "format": "JPEG"}


def test_info_reports_a_bad_file_and_exits_1(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    result = run("info", SAMPLES / "chelsea_420.jpg", bad)
    assert result.returncode == 1
    assert "bad.jpg" in result.stderr and "UnsupportedFormatError" in result.stderr
    assert "451x300" in result.stdout


def test_convert_jpeg_to_png_equals_pillow(tmp_path):
    out = tmp_path / "chelsea.png"
    result = run("convert", SAMPLES / "chelsea_420.jpg", out)
    assert result.returncode == 0, result.stderr
    with Image.open(out) as png, Image.open(SAMPLES / "chelsea_420.jpg") as jpg:
        assert png.format == "PNG" and np.array_equal(np.asarray(png), np.asarray(jpg))


def test_convert_orients_by_default_and_takes_decode_options(tmp_path):
    src = SAMPLES / "rocket_orient6.jpg"
    with Image.open(src) as im:
        upright = np.asarray(ImageOps.exif_transpose(im))
    run("convert", src, tmp_path / "a.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png")), upright)
    run("convert", src, tmp_path / "b.png", "--no-orient")
    assert np.asarray(Image.open(tmp_path / "b.png")).shape == (640, 427, 3)
    run("convert", src, tmp_path / "c.bmp", "--crop", "10,20,100,50", "--mode", "L")
    expected = np.asarray(mediaview.decode_image(src, mode="L", orient=True))[20:70, 10:110]
    assert np.array_equal(np.asarray(Image.open(tmp_path / "c.bmp")), expected)
    run("convert", src, tmp_path / "d.tiff", "--scale", "1/4")
    assert Image.open(tmp_path / "d.tiff").size == (160, 107)


def test_convert_refuses_to_overwrite_without_the_flag(tmp_path):
    out = tmp_path / "x.png"
    out.write_bytes(b"keep me")
    result = run("convert", SAMPLES / "chelsea_420.jpg", out)
    assert result.returncode == 2 and "--overwrite" in result.stderr
    assert out.read_bytes() == b"keep me"
    assert run("convert", SAMPLES / "chelsea_420.jpg", out, "--overwrite").returncode == 0
    assert Image.open(out).size == (451, 300)


def test_usage_errors_exit_2_before_decoding(tmp_path):
    assert run("convert", SAMPLES / "chelsea_420.jpg", tmp_path / "x.xyz").returncode == 2
    assert run("convert", SAMPLES / "chelsea_420.jpg", tmp_path / "no" / "dir.png").returncode == 2
    assert run("convert", SAMPLES / "chelsea_420.jpg", tmp_path / "x.png", "--crop", "1,2").returncode == 2
    assert run("frobnicate").returncode == 2
    assert run("--help").returncode == 0 and "exit status" in run("--help").stdout


def test_failed_convert_leaves_no_output_or_temporary(tmp_path):
    src = tmp_path / "broken.jpg"
    src.write_bytes((SAMPLES / "chelsea_420.jpg").read_bytes()[:5000])
    result = run("convert", src, tmp_path / "out.png")
    assert result.returncode == 1 and "truncated" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.jpg"]


# ---- issue 4: the full tool ------------------------------------------------------------

import io
import os
import fcntl
import pty
import struct
import termios
import shutil
import signal
import time

from mediaview._atomic import TEMP_MARKER

PIL_SUBSAMPLING = {"444": 0, "422": 1, "420": 2}


def psnr(a, b):
    mse = np.mean((np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / mse)


def pillow_pixels(path):
    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im))


def temporaries(root):
    return [p for p in root.rglob("*") if TEMP_MARKER in p.name]


@pytest.mark.parametrize("quality", [40, 75, 95])
@pytest.mark.parametrize("subsampling", ["444", "420"])
def test_convert_jpeg_to_jpeg_at_quality(tmp_path, quality, subsampling):
    src = SAMPLES / "coffee_422.jpg"
    out = tmp_path / "q.jpg"
    result = run("convert", src, out, "--quality", quality, "--subsampling", subsampling)
    assert result.returncode == 0, result.stderr
    original = pillow_pixels(src)
    # Oracle: Pillow's encoder, fed Pillow's decode, at the same settings.
    buf = io.BytesIO()
    Image.fromarray(original).save(buf, "JPEG", quality=quality, subsampling=PIL_SUBSAMPLING[subsampling])
    assert out.read_bytes() == buf.getvalue()
    ours_db = psnr(pillow_pixels(out), original)
    # Measured on this photo (420/444): q40 30.15/30.73 dB, q75 34.41/35.84, q95 43.08/48.32;
    # Pillow at the same settings: the same bytes, so the same sizes and PSNR.
    assert ours_db > {40: 29, 75: 33, 95: 42}[quality]
    info = mediaview.probe(out)
    assert info.subsampling == subsampling and not info.progressive


def test_convert_progressive_and_gray_jpeg(tmp_path):
    src = SAMPLES / "chelsea_420.jpg"
    assert run("convert", src, tmp_path / "p.jpg", "--progressive").returncode == 0
    assert mediaview.probe(tmp_path / "p.jpg").progressive
    assert np.array_equal(pillow_pixels(tmp_path / "p.jpg"),
                          np.asarray(mediaview.decode_image(tmp_path / "p.jpg")))
    assert run("convert", src, tmp_path / "g.jpg", "--subsampling", "gray").returncode == 0
    assert mediaview.probe(tmp_path / "g.jpg").colorspace == "Gray"
    # A CMYK JPEG stays CMYK (YCCK) and decodes as Pillow decodes the source.
    assert run("convert", SAMPLES / "chelsea_cmyk.jpg", tmp_path / "c.jpg", "--quality", "98",
               "--subsampling", "444").returncode == 0
    with Image.open(tmp_path / "c.jpg") as im, Image.open(SAMPLES / "chelsea_cmyk.jpg") as ref:
        assert im.mode == "CMYK" and psnr(np.asarray(im), np.asarray(ref)) > 40


def test_convert_format_override_webp_quality_and_mode(tmp_path):
    src = SAMPLES / "astronaut_444.jpg"
    assert run("convert", src, tmp_path / "x.data", "--format", "png").returncode == 0
    with Image.open(tmp_path / "x.data") as im:
        assert im.format == "PNG" and np.array_equal(np.asarray(im), pillow_pixels(src))
    assert run("convert", src, tmp_path / "lo.webp", "--quality", "20").returncode == 0
    assert run("convert", src, tmp_path / "hi.webp", "--quality", "95").returncode == 0
    assert (tmp_path / "lo.webp").stat().st_size < (tmp_path / "hi.webp").stat().st_size
    assert Image.open(tmp_path / "hi.webp").format == "WEBP"
    assert run("convert", src, tmp_path / "l.png", "--mode", "L").returncode == 0
    with Image.open(tmp_path / "l.png") as im:
        assert im.mode == "L" and np.array_equal(np.asarray(im), np.asarray(mediaview.decode_image(src, mode="L")))


@pytest.mark.parametrize("options", [
    ["--quality", "80"],          # PNG has no quality
    ["--subsampling", "444"],     # JPEG only
    ["--progressive"],
    ["--subtype", "PCM_16"],      # audio only
    ["--start", "1s"],
    ["--scale", "1/3"],           # not k/8
    ["--crop", "0,0,0,5"],
    ["--quality", "101"],
    ["--to", "png"],              # needs -o
    ["-j", "0"],
])
def test_option_misuse_is_a_usage_error(tmp_path, options):
    result = run("convert", SAMPLES / "chelsea_420.jpg", tmp_path / "x.png", *options)
    assert result.returncode == 2, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_target_problems_are_found_before_decoding(tmp_path):
    # A corrupt input would exit 1 if it were decoded; these exit 2 first.
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    for target in ["/proc/mediaview.png", tmp_path / "none" / "x.png", tmp_path / "x.unknown"]:
        result = run("convert", bad, target)
        assert result.returncode == 2, (target, result.stderr)
    assert "cannot write" in run("convert", bad, "/proc/mediaview.png").stderr
    assert "unknown output format" in run("convert", bad, tmp_path / "x.unknown").stderr
    assert run("convert", bad, tmp_path / "x.png").returncode == 1  # decoded: fails as an input


def make_batch(root, names=("chelsea_420.jpg", "coffee_422.jpg", "astronaut_444.jpg", "rocket_orient6.jpg",
                             "camera_gray.jpg")):
    (root / "sub" / "deeper").mkdir(parents=True)
    for name in names:
        shutil.copy(SAMPLES / name, root / name)
    shutil.copy(SAMPLES / "coffee_restart.jpg", root / "sub" / "restart.jpg")
    shutil.copy(SAMPLES / "chelsea_cmyk.jpg", root / "sub" / "deeper" / "cmyk.jpeg")
    (root / "notes.txt").write_text("not media: reported, never passed over in silence")
    (root / "broken.jpg").write_bytes((SAMPLES / "coffee_422.jpg").read_bytes()[:4000])
    return names


def test_batch_directory_with_a_corrupt_file(tmp_path):
    names = make_batch(tmp_path / "in")
    result = run("convert", tmp_path / "in", "-o", tmp_path / "out", "--to", "png")
    assert result.returncode == 1
    assert "broken.jpg" in result.stderr and "truncated" in result.stderr
    # The bad file and the text file, each on one line, the text file by what it is.
    assert result.stderr.count("mediaview:") == 2
    assert "notes.txt: UnsupportedFormatError: a text file" in result.stderr
    assert result.stdout.startswith(f"{len(names)} of {len(names) + 2} converted, 2 failed")
    produced = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert produced == sorted(n.replace(".jpg", ".png") for n in names)  # no subfolders without -r
    for name in names:
        assert np.array_equal(np.asarray(Image.open(tmp_path / "out" / name.replace(".jpg", ".png"))),
                              pillow_pixels(tmp_path / "in" / name)), name
    assert temporaries(tmp_path) == []


def test_batch_recursive_mirrors_folders_and_j2_equals_j1(tmp_path):
    make_batch(tmp_path / "in")
    one = run("convert", tmp_path / "in", "-r", "-o", tmp_path / "j1", "--to", "jpg", "--quality", "80", "-j", "1")
    two = run("convert", tmp_path / "in", "-r", "-o", tmp_path / "j2", "--to", "jpg", "--quality", "80", "-j", "2")
    assert one.returncode == two.returncode == 1
    assert "with 2 workers" in two.stdout
    files1 = sorted(p.relative_to(tmp_path / "j1") for p in (tmp_path / "j1").rglob("*.jpg"))
    files2 = sorted(p.relative_to(tmp_path / "j2") for p in (tmp_path / "j2").rglob("*.jpg"))
    assert files1 == files2
    assert Path("sub/restart.jpg") in files1 and Path("sub/deeper/cmyk.jpg") in files1
    for rel in files1:
        assert (tmp_path / "j1" / rel).read_bytes() == (tmp_path / "j2" / rel).read_bytes()


def test_batch_of_named_files_keeps_format_and_refuses_overwrite(tmp_path):
    a, b = SAMPLES / "chelsea_420.jpg", SAMPLES / "camera_gray.jpg"
    assert run("convert", a, b, "-o", tmp_path / "out", "-q").stdout == ""
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["camera_gray.jpg", "chelsea_420.jpg"]
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    again = run("convert", a, b, "-o", tmp_path / "out", "--quality", "30")
    assert again.returncode == 2 and "2 outputs exist" in again.stderr and "--overwrite" in again.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before
    forced = run("convert", a, b, "-o", tmp_path / "out", "--quality", "30", "--overwrite")
    assert forced.returncode == 0
    assert (tmp_path / "out" / "chelsea_420.jpg").read_bytes() != before["chelsea_420.jpg"]


def test_batch_name_clash_is_a_usage_error(tmp_path):
    (tmp_path / "a").mkdir()
    shutil.copy(SAMPLES / "chelsea_420.jpg", tmp_path / "a" / "x.jpg")
    shutil.copy(SAMPLES / "coffee_422.jpg", tmp_path / "a" / "x.jpeg")
    result = run("convert", tmp_path / "a", "-o", tmp_path / "out", "--to", "png")
    assert result.returncode == 2 and "both be written" in result.stderr
    assert not (tmp_path / "out" / "x.png").exists()


def run_on_pty(*args):
    """Runs the CLI with stderr on a pseudo-terminal; returns (rc, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    proc = subprocess.Popen([sys.executable, "-m", "mediaview", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=slave, text=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    out = proc.stdout.read()
    rc = proc.wait(timeout=120)
    os.close(master)
    return rc, out, b"".join(chunks).decode(errors="replace")


def test_progress_bar_only_on_a_terminal_and_not_quiet(tmp_path):
    make_batch(tmp_path / "in")
    rc, out, terminal = run_on_pty("convert", tmp_path / "in", "-o", tmp_path / "a", "--to", "bmp")
    assert rc == 1 and "/6 [" in terminal and "file/s]" in terminal, terminal  # tqdm's bar
    assert "broken.jpg" in terminal and "5 of 7 converted" in out  # and notes.txt failed
    rc, out, terminal = run_on_pty("convert", tmp_path / "in", "-o", tmp_path / "b", "--to", "bmp", "--quiet")
    assert rc == 1 and "file/s" not in terminal and out == ""
    assert "broken.jpg" in terminal  # failures are always reported
    piped = run("convert", tmp_path / "in", "-o", tmp_path / "c", "--to", "bmp")
    assert "file/s" not in piped.stderr and "%|" not in piped.stderr


INJECT = """
import os, sys
import mediaview._atomic as atomic
from mediaview.cli import main

class Failing:
    # Writes the first half of what it is given, then fails like a full disk.
    def __init__(self, f):
        self.f = f
    def write(self, data):
        self.f.write(bytes(data)[: len(data) // 2])
        self.f.flush()
        raise OSError(28, "No space left on device")
    def __getattr__(self, name):
        return getattr(self.f, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.f.__exit__(*exc)

real_fdopen = os.fdopen
victim = os.environ["VICTIM"]
def fdopen(fd, *args, **kwargs):
    f = real_fdopen(fd, *args, **kwargs)
    return Failing(f) if victim in os.readlink(f"/proc/self/fd/{fd}") else f
atomic.os.fdopen = fdopen
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("ext", ["jpg", "png"])
def test_failure_injected_mid_write_leaves_no_partial_output(tmp_path, ext):
    make_batch(tmp_path / "in")
    env = {**os.environ, "VICTIM": "coffee_422"}
    result = subprocess.run([sys.executable, "-c", INJECT, "convert", tmp_path / "in", "-o", tmp_path / "out",
                             "--to", ext, "-j", "2"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert "coffee_422.jpg: OSError" in result.stderr and "No space left" in result.stderr
    assert not (tmp_path / "out" / f"coffee_422.{ext}").exists()
    assert (tmp_path / "out" / f"chelsea_420.{ext}").exists()  # the others were written
    assert temporaries(tmp_path) == []


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory):
    """40 copies of a 2400x3600 JPEG made from a real photo (slow enough to
    interrupt: each PNG takes a good fraction of a second)."""
    root = tmp_path_factory.mktemp("big")
    with Image.open(SAMPLES / "rocket_orient6.jpg") as im:
        big = im.resize((2400, 3600), Image.LANCZOS)
    big.save(root / "photo.jpg", quality=92)
    for i in range(1, 40):
        os.link(root / "photo.jpg", root / f"photo{i:02}.jpg")
    return root, pillow_pixels(root / "photo.jpg")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigint_mid_batch_leaves_only_complete_outputs(tmp_path, big_batch, jobs):
    src, expected = big_batch
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "mediaview", "convert", src, "-o", out, "--to", "png",
                             "-j", jobs, "--no-orient"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait (not a timing assertion) until the batch is under way: one output done.
    deadline = time.monotonic() + 120
    while not any(p.suffix == ".png" for p in out.glob("*.png")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "no partial output" in stderr
    finished = sorted(out.glob("*.png"))
    assert 1 <= len(finished) < 40
    assert temporaries(tmp_path) == []
    for png in finished:
        with Image.open(png) as im:
            assert np.array_equal(np.asarray(im), expected), png


def test_info_json_lists_every_file_with_errors(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\x00 broken")
    good = SAMPLES / "astronaut_progressive.jpg"
    result = run("info", "--json", good, bad, tmp_path / "missing.jpg")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert [d["path"] for d in doc] == [str(good), str(bad), str(tmp_path / "missing.jpg")]
    assert doc[0]["progressive"] is True and doc[0]["width"] == 512 and doc[0]["kind"] == "image"
    assert doc[1]["error"].startswith("DecodeError") and doc[2]["error"].startswith("FileNotFoundError")
    assert "bad.jpg" in result.stderr and "missing.jpg" in result.stderr


def test_help_documents_exit_codes_and_temp_pattern():
    for args in (["--help"], ["convert", "--help"]):
        text = run(*args).stdout
        assert "130" in text and "usage error" in text and "mediaview-tmp-" in text
    # info writes nothing: its help is its own, not convert's.
    text = run("info", "--help").stdout
    assert "130" in text and "usage error" in text and "mediaview-tmp-" not in text
    assert "Print what each file holds" in text


# ---- audio ---------------------------------------------------------------------------

import soundfile

from conftest import corpus_files

FLAC = SAMPLES / "music_stereo.flac"


def test_audio_flac_to_wav_equals_soundfile(tmp_path):
    out = tmp_path / "m.wav"
    result = run("convert", FLAC, out)
    assert result.returncode == 0, result.stderr
    expected, rate = soundfile.read(FLAC, dtype="int16")
    got, got_rate = soundfile.read(out, dtype="int16")
    assert got_rate == rate and np.array_equal(got, expected)
    assert soundfile.info(out).subtype == "PCM_16" and soundfile.info(out).format == "WAV"


@pytest.mark.parametrize("flac", corpus_files("flac", "*24-bit.flac") + corpus_files("flac", "*8 bit*.flac"))
def test_audio_corpus_flac_to_wav_keeps_bit_depth(tmp_path, flac):
    out = tmp_path / "x.wav"
    assert run("convert", flac, out).returncode == 0
    src_subtype = soundfile.info(flac).subtype
    assert soundfile.info(out).subtype == ("PCM_U8" if src_subtype == "PCM_S8" else src_subtype)  # WAV 8-bit
    assert np.array_equal(soundfile.read(out, dtype="int32")[0], soundfile.read(flac, dtype="int32")[0])


def test_audio_start_end_in_seconds_and_frames(tmp_path):
    rate = soundfile.info(FLAC).samplerate  # 11025
    full = soundfile.read(FLAC, dtype="int16")[0]
    assert run("convert", FLAC, tmp_path / "s.wav", "--start", "0.5", "--end", "1.5s").returncode == 0
    assert np.array_equal(soundfile.read(tmp_path / "s.wav", dtype="int16")[0],
                          full[round(0.5 * rate):round(1.5 * rate)])
    assert run("convert", FLAC, tmp_path / "f.wav", "--start", "1000f", "--end", "5000f").returncode == 0
    assert np.array_equal(soundfile.read(tmp_path / "f.wav", dtype="int16")[0], full[1000:5000])
    bad = run("convert", FLAC, tmp_path / "b.wav", "--start", "2s", "--end", "1s")
    assert bad.returncode == 1 and "--end" in bad.stderr and not (tmp_path / "b.wav").exists()
    assert run("convert", FLAC, tmp_path / "c.wav", "--start", "soon").returncode == 2


def test_audio_subtype_format_and_tags(tmp_path):
    tags = {"title": "Night", "artist": "Someone", "album": "An album", "date": "2020", "genre": "Test",
            "tracknumber": "3", "comment": "made by the test"}
    data, rate = soundfile.read(FLAC, dtype="int16")
    src = tmp_path / "tagged.flac"
    with soundfile.SoundFile(src, "w", rate, 2, "PCM_16", format="FLAC") as f:
        for key, value in tags.items():
            setattr(f, key, value)
        f.write(data)
    assert run("convert", src, tmp_path / "f.wav", "--subtype", "FLOAT").returncode == 0
    assert soundfile.info(tmp_path / "f.wav").subtype == "FLOAT"
    assert np.array_equal(soundfile.read(tmp_path / "f.wav", dtype="float32")[0],
                          soundfile.read(src, dtype="float32")[0])
    assert run("convert", src, tmp_path / "v.ogg").returncode == 0
    for out in (tmp_path / "f.wav", tmp_path / "v.ogg"):
        with soundfile.SoundFile(out) as f:
            assert {k: getattr(f, k) for k in tags} == tags, out
    assert soundfile.info(tmp_path / "v.ogg").subtype == "VORBIS"
    assert run("convert", src, tmp_path / "x.data", "--format", "flac").returncode == 0
    assert soundfile.info(tmp_path / "x.data").format == "FLAC"
    assert run("convert", src, tmp_path / "x.png").returncode == 2  # audio to image: usage error
    assert run("convert", SAMPLES / "chelsea_420.jpg", tmp_path / "x.wav").returncode == 2


def test_audio_info_text_and_json():
    files = [SAMPLES / "clip_pcm16.wav", FLAC]
    text = run("info", *files)
    assert text.returncode == 0, text.stderr
    assert "WAV PCM_16, 11025 Hz, 2 channel(s), 22050 frames" in text.stdout
    doc = json.loads(run("info", "--json", SAMPLES / "chelsea_420.jpg", *files).stdout)
    assert [d["kind"] for d in doc] == ["image", "audio", "audio"]
    for entry, path in zip(doc[1:], files):
        sf_info = soundfile.info(path)
        assert (entry["samplerate"], entry["channels"], entry["frames"], entry["format"], entry["subtype"]) == (
            sf_info.samplerate, sf_info.channels, sf_info.frames, sf_info.format, sf_info.subtype)
        assert entry["duration"] == pytest.approx(sf_info.duration)


def test_audio_batch_with_a_corrupt_file(tmp_path):
    (tmp_path / "in").mkdir()
    for name in ("music_stereo.flac", "speech_mono.wav", "clip_pcm24.aiff"):
        shutil.copy(SAMPLES / name, tmp_path / "in" / name)
    (tmp_path / "in" / "broken.flac").write_bytes(FLAC.read_bytes()[:100])
    result = run("convert", tmp_path / "in", "-o", tmp_path / "out", "--to", "wav", "-j", "2")
    assert result.returncode == 1 and "broken.flac" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["clip_pcm24.wav", "music_stereo.wav",
                                                                     "speech_mono.wav"]
    for name in ("music_stereo", "speech_mono", "clip_pcm24"):
        src = next((tmp_path / "in").glob(name + ".*"))
        assert np.array_equal(soundfile.read(tmp_path / "out" / f"{name}.wav", dtype="int32")[0],
                              soundfile.read(src, dtype="int32")[0])
    assert soundfile.info(tmp_path / "out" / "clip_pcm24.wav").subtype == "PCM_24"
    assert temporaries(tmp_path) == []


def test_recoverable_damage_is_one_warning_line(tmp_path):
    data = (SAMPLES / "coffee_422.jpg").read_bytes()
    damaged = tmp_path / "damaged.jpg"
    damaged.write_bytes(data[: len(data) // 2] + b"\xff\xd9")  # entropy data cut, EOI present
    result = run("convert", damaged, tmp_path / "d.png")
    assert result.returncode == 0
    assert result.stderr.startswith(f"mediaview: {damaged}: warning: DecodeWarning:") and ".py" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert Image.open(tmp_path / "d.png").size == (600, 400)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_damaged_file_of_a_batch_is_named_in_its_warning(tmp_path, jobs):
    data = (SAMPLES / "coffee_422.jpg").read_bytes()
    (tmp_path / "in").mkdir()
    for name in ("a", "b", "c"):  # the same damage, so the same warning text
        (tmp_path / "in" / f"{name}.jpg").write_bytes(data[: len(data) // 2] + b"\xff\xd9")
    result = run("convert", tmp_path / "in", "-o", tmp_path / "out", "--to", "png", "-j", jobs)
    assert result.returncode == 0, result.stderr
    warned = sorted(line.split(": warning:")[0] for line in result.stderr.splitlines() if ": warning:" in line)
    assert warned == [f"mediaview: {tmp_path / 'in' / name}.jpg" for name in ("a", "b", "c")], result.stderr


def test_a_conversion_reads_each_audio_header_once(tmp_path, monkeypatch):
    from mediaview import cli

    calls = []
    real = mediaview.audio_info

    def counting(src, **kwargs):
        calls.append(src)
        return real(src, **kwargs)

    from mediaview import conversion

    # Every name it is called by: the package's, and the conversion module's own import.
    monkeypatch.setattr(mediaview, "audio_info", counting)
    monkeypatch.setattr(conversion, "audio_info", counting)
    sources = [SAMPLES / "music_stereo.flac", SAMPLES / "speech_mono.wav"]
    assert cli.main(["convert", *map(str, sources), "-o", str(tmp_path), "--to", "wav", "-q"]) == 0
    assert sorted(map(str, calls)) == sorted(map(str, sources))  # planning reads it; converting does not again
    back, rate = mediaview.read_audio(tmp_path / "music_stereo.wav", dtype="int16")
    source, source_rate = mediaview.read_audio(sources[0], dtype="int16")
    assert rate == source_rate and np.array_equal(np.asarray(back), np.asarray(source))
