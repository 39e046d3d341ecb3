"""What a new user trips on (issue 14), each item with its siblings in the
API and the CLI: paths that are not UTF-8, wrong types, metadata, CLI
flags the API has, output limits found before decoding, unknown values in
info, warning floods, a run reading its own output, and API/CLI corners."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image

import mediaview
from conftest import SAMPLES

JPEG = SAMPLES / "chelsea_420.jpg"
FLAC = SAMPLES / "music_stereo.flac"


def run(*args, env=None, cwd=None):
    # Paths that are not UTF-8 are printed as their bytes, as ls does.
    return subprocess.run([sys.executable, *(["-W", "ignore"] if env == "W" else []), "-m", "mediaview",
                           *map(str, args)], capture_output=True, text=True, errors="surrogateescape", timeout=120,
                          cwd=cwd, env=env if isinstance(env, dict) else None)


def no_binding_text(message: str) -> bool:
    return "incompatible function arguments" not in message and "Unable to cast" not in message


# ---- 1. paths that are not UTF-8, and wrong types ----------------------------------------------------

@pytest.fixture
def odd_names(tmp_path):
    """A JPEG and a FLAC whose names hold byte 0xff, as os.listdir returns them."""
    folder = tmp_path / "in"
    folder.mkdir()
    jpg = os.path.join(os.fsencode(folder), b"\xffphoto.jpg")
    flac = os.path.join(os.fsencode(folder), b"\xffsong.flac")
    with open(jpg, "wb") as f:
        f.write(JPEG.read_bytes())
    with open(flac, "wb") as f:
        f.write(FLAC.read_bytes())
    names = sorted(os.listdir(folder))
    assert all("\udcff" in n for n in names)  # surrogate escapes, as Python gives them
    return folder, os.path.join(folder, names[0]), os.path.join(folder, names[1])


def test_non_utf8_paths_open_everywhere(odd_names, tmp_path):
    folder, jpg, flac = odd_names
    for path in (jpg, Path(jpg), os.fsencode(jpg).decode("utf-8", "surrogateescape")):
        assert mediaview.decode_image(path).shape == (300, 451, 3)
        assert mediaview.probe(path).width == 451
    for path in (flac, Path(flac)):
        assert mediaview.audio_info(path).frames == 44100
        assert mediaview.read_audio(path)[1] == 11025
        assert next(iter(mediaview.stream_audio(path, 1000))).shape == (1000, 2)
    out_jpg = os.path.join(os.fsencode(tmp_path), b"\xfeout.png")
    out_wav = os.fsdecode(os.path.join(os.fsencode(tmp_path), b"\xfeout.wav"))
    mediaview.write_image(os.fsdecode(out_jpg), mediaview.decode_image(jpg))
    mediaview.write_audio(out_wav, *mediaview.read_audio(flac))
    assert os.path.exists(out_jpg) and os.path.exists(out_wav)
    info = run("info", folder)
    assert info.returncode == 0, info.stderr
    assert "451x300" in info.stdout and "11025 Hz" in info.stdout
    converted = run("convert", folder, "-o", tmp_path / "out")  # each keeps its own format
    assert converted.returncode == 0, converted.stderr
    assert len(os.listdir(tmp_path / "out")) == 2


@pytest.mark.parametrize("call, argument", [
    (lambda: mediaview.decode_image(JPEG, mode=5), "mode"),
    (lambda: mediaview.decode_image(JPEG, orient="yes"), "orient"),
    (lambda: mediaview.decode_image(JPEG, crop=(0, 0, "10", 10)), "crop"),
    (lambda: mediaview.decode_image(JPEG, max_pixels="many"), "max_pixels"),
    (lambda: mediaview.decode_image(JPEG, dtype=3.5), "dtype"),
    (lambda: mediaview.read_audio(FLAC, dtype=object()), "dtype"),
    (lambda: mediaview.read_audio(FLAC, layout=1), "layout"),
    (lambda: mediaview.read_audio(FLAC, always_2d="no"), "always_2d"),
    (lambda: mediaview.read_audio(FLAC, start=1.5), "start"),
    (lambda: mediaview.stream_audio(FLAC, "100"), "blocksize"),
    (lambda: mediaview.write_audio("/tmp/x.wav", np.zeros(4, np.float32), "fast"), "samplerate"),
    (lambda: mediaview.write_audio("/tmp/x.wav", np.zeros(4, np.float32), 8000, tags={"title": 5}), "tags"),
    (lambda: mediaview.write_audio("/tmp/x.wav", np.zeros(4, np.float32), 8000, subtype=16), "subtype"),
    (lambda: mediaview.write_image("/tmp/x.png", np.zeros((4, 4), np.uint8), format=1), "format"),
    (lambda: mediaview.encode_jpeg(np.zeros((4, 4), np.uint8), quality=9.5), "quality"),
    (lambda: mediaview.encode_jpeg("pixels"), "data"),
])
def test_wrong_types_are_type_errors_naming_the_argument(call, argument):
    with pytest.raises(TypeError) as raised:
        call()
    assert argument in str(raised.value) and no_binding_text(str(raised.value))


def test_dtypes_however_numpy_spells_them_and_integral_rates(tmp_path):
    expected = np.asarray(mediaview.read_audio(FLAC, dtype="float32")[0])
    for dtype in ("float32", "f4", "<f4", np.float32, np.dtype("float32")):
        assert np.array_equal(np.asarray(mediaview.read_audio(FLAC, dtype=dtype)[0]), expected), dtype
    assert next(iter(mediaview.stream_audio(FLAC, 100, dtype=np.int16))).format == "h"
    assert mediaview.decode_image(SAMPLES / "coffee_rgb16.png", dtype=np.uint8).format == "B"
    mediaview.write_audio(tmp_path / "a.wav", expected, 11025.0)
    assert soundfile.info(tmp_path / "a.wav").samplerate == 11025
    with pytest.raises(TypeError, match="samplerate"):
        mediaview.write_audio(tmp_path / "b.wav", expected, 11025.5)


def test_dtype_errors_list_only_what_is_taken():
    with pytest.raises(ValueError) as raised:
        mediaview.read_audio(FLAC, dtype="int8")
    assert "uint8" not in str(raised.value) and "int16" in str(raised.value)
    with pytest.raises(ValueError) as raised:
        mediaview.decode_image(JPEG, dtype="float32")
    assert "uint8" in str(raised.value) and " int16" not in str(raised.value)


# ---- 2. metadata ----------------------------------------------------------------------------------

def _photo_with_metadata(path: Path, orientation: int = 6) -> tuple:
    """A JPEG with a 390 KB ICC profile (several APP2 chunks), ten EXIF tags
    and a resolution, like a camera's."""
    rng = np.random.default_rng(7)
    header = bytearray(128)
    header[36:40] = b"acsp"
    icc = bytes(header) + rng.integers(0, 256, 390_000, dtype=np.uint8).tobytes()
    icc = len(icc).to_bytes(4, "big") + icc[4:]
    exif = Image.Exif()
    tags = {0x010F: "Maker", 0x0110: "Model X", 0x0131: "firmware 1.2", 0x0132: "2026:11:30 07:00:00",
            0x013B: "A. Photographer", 0x8298: "(c) nobody", 0x010E: "a cat", 0x011A: 300.0, 0x011B: 300.0,
            0x0112: orientation}
    for tag, value in tags.items():
        exif[tag] = value
    with Image.open(SAMPLES / "rocket_orient6.jpg") as im:
        im.save(path, "JPEG", quality=92, icc_profile=icc, exif=exif.tobytes(), dpi=(300, 300))
    return icc, tags


def test_convert_keeps_icc_and_exif_and_resets_orientation_only_when_rotating(tmp_path):
    src = tmp_path / "camera.jpg"
    icc, tags = _photo_with_metadata(src)
    assert run("convert", src, tmp_path / "upright.jpg").returncode == 0
    assert run("convert", src, tmp_path / "stored.jpg", "--no-orient").returncode == 0
    assert run("convert", src, tmp_path / "upright.png").returncode == 0
    assert run("convert", src, tmp_path / "upright.tiff").returncode == 0
    for name in ("upright.jpg", "upright.png", "upright.tiff", "stored.jpg"):
        with Image.open(tmp_path / name) as im:
            assert im.info.get("icc_profile") == icc, name
            exif = im.getexif()
            for tag in (0x010F, 0x0110, 0x013B, 0x010E):
                assert exif.get(tag) == tags[tag], (name, hex(tag))
            assert exif.get(0x0112) == (6 if name == "stored.jpg" else 1), name
            assert tuple(round(v) for v in im.info.get("dpi", (0, 0))) == (300, 300), name
    with Image.open(tmp_path / "upright.jpg") as im:
        assert im.size == (640, 427)  # stored 427x640: the pixels were rotated, and the tag says so
    assert run("convert", src, tmp_path / "bare.jpg", "--strip").returncode == 0
    with Image.open(tmp_path / "bare.jpg") as im:
        assert "icc_profile" not in im.info and not im.getexif()
        assert tuple(round(v) for v in im.info["dpi"]) == (300, 300)  # resolution is no private metadata


# ---- 3. CLI flags for what the API has ------------------------------------------------------------

def _truncated_jpeg(tmp_path) -> Path:
    data = JPEG.read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def test_damage_flags_and_messages_in_cli_terms(tmp_path):
    cut = _truncated_jpeg(tmp_path)
    failed = run("convert", cut, tmp_path / "a.png")
    assert failed.returncode == 1
    assert "--allow-truncated" in failed.stderr and "allow_truncated=True" not in failed.stderr
    partial = run("convert", cut, tmp_path / "b.png", "--allow-truncated")
    assert partial.returncode == 0 and "warning" in partial.stderr
    assert Image.open(tmp_path / "b.png").size == (451, 300)
    damaged = _restart_junk(tmp_path)
    assert run("convert", damaged, tmp_path / "c.png").returncode == 0
    strict = run("convert", damaged, tmp_path / "d.png", "--strict")
    assert strict.returncode == 1 and not (tmp_path / "d.png").exists()


def test_damage_flags_reach_audio_too(tmp_path):
    cut = tmp_path / "cut.flac"
    cut.write_bytes(FLAC.read_bytes()[: FLAC.stat().st_size // 2])
    failed = run("convert", cut, tmp_path / "a.wav")
    assert failed.returncode == 1 and "--allow-truncated" in failed.stderr and not (tmp_path / "a.wav").exists()
    partial = run("convert", cut, tmp_path / "b.wav", "--allow-truncated")
    assert partial.returncode == 0 and "warning" in partial.stderr
    frames = soundfile.info(tmp_path / "b.wav").frames
    assert 0 < frames < 44100
    strict = run("convert", cut, tmp_path / "c.wav", "--allow-truncated", "--strict")
    assert strict.returncode == 1


def test_limit_flags(tmp_path):
    small = run("convert", JPEG, tmp_path / "a.png", "--max-pixels", "1000")
    assert small.returncode == 1 and "--max-pixels" in small.stderr and "max_pixels=" not in small.stderr
    assert run("convert", JPEG, tmp_path / "b.png", "--max-pixels", "none").returncode == 0
    few = run("convert", FLAC, tmp_path / "a.wav", "--max-samples", "100")
    assert few.returncode == 1 and "--max-samples" in few.stderr and "max_samples=" not in few.stderr
    assert run("convert", FLAC, tmp_path / "b.wav", "--max-samples", "none").returncode == 0
    assert run("convert", JPEG, tmp_path / "c.png", "--max-pixels", "0").returncode == 2


def test_probe_does_not_point_at_an_argument_it_lacks(tmp_path):
    header_cut = tmp_path / "h.jpg"
    header_cut.write_bytes(JPEG.read_bytes()[:200])
    with pytest.raises(mediaview.DecodeError) as raised:
        mediaview.probe(header_cut)
    assert "allow_truncated" not in str(raised.value)
    info = run("info", header_cut)
    assert info.returncode == 1 and "allow" not in info.stderr


# ---- 4. output limits found before decoding ---------------------------------------------------------

def _wav(path: Path, rate: int, channels: int) -> Path:
    t = np.arange(rate // 10) / rate
    soundfile.write(path, np.stack([np.sin(2 * np.pi * 440 * t)] * channels, axis=1) * 0.3, rate)
    return path


@pytest.mark.parametrize("make, target, extra, said", [
    (lambda d: _wav(d / "cd.wav", 44100, 2), "x.opus", [], "48000"),
    (lambda d: _wav(d / "hi.wav", 96000, 2), "x.mp3", [], "96000"),
    (lambda d: _wav(d / "surround.wav", 48000, 6), "x.mp3", [], "channels"),
    (lambda d: FLAC, "x.wav", ["--subtype", "NOPE"], "NOPE"),
    (lambda d: FLAC, "x.ogg", ["--subtype", "PCM_16"], "PCM_16"),
])
def test_audio_outputs_a_format_cannot_store_are_usage_errors(tmp_path, make, target, extra, said):
    src = make(tmp_path)
    result = run("convert", src, tmp_path / target, *extra)
    assert result.returncode == 2, result.stderr
    assert said in result.stderr and "mediaview-tmp" not in result.stderr
    assert not (tmp_path / target).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if src == FLAC else [src.name])


def test_rate_channels_and_bits_convert_instead_of_failing(tmp_path):
    src = _wav(tmp_path / "cd.wav", 44100, 2)
    assert run("convert", src, tmp_path / "a.opus").returncode == 2  # Opus stores no 44.1 kHz
    done = run("convert", src, tmp_path / "a.opus", "--rate", "48000")
    assert done.returncode == 0, done.stderr
    assert soundfile.info(tmp_path / "a.opus").samplerate == 48000
    mono = run("convert", src, tmp_path / "m.wav", "--rate", "16000", "--channels", "1", "--bits", "24")
    assert mono.returncode == 0, mono.stderr
    info = soundfile.info(tmp_path / "m.wav")
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_24")
    expected = np.asarray(mediaview.read_audio(src, samplerate=16000, channels=1, dtype="float64")[0])
    got = soundfile.read(tmp_path / "m.wav", dtype="float64")[0]
    assert len(got) == len(expected) and np.abs(got - expected).max() < 2 ** -22
    assert run("convert", src, tmp_path / "x.ogg", "--bits", "16").returncode == 2  # Ogg stores no PCM
    assert run("convert", JPEG, tmp_path / "x.png", "--rate", "16000").returncode == 2  # audio only
    assert "--rate" in run("convert", "--help").stdout


def test_write_errors_name_the_users_path(tmp_path):
    with pytest.raises(mediaview.Error) as raised:
        mediaview.write_audio(tmp_path / "x.mp3", np.zeros((100, 6), np.float32), 48000)
    assert "mediaview-tmp" not in str(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# ---- 5. unknown values in info ---------------------------------------------------------------------

def _flac_of_unknown_length(tmp_path) -> Path:
    data = bytearray(FLAC.read_bytes())
    # STREAMINFO: total samples are the low 36 bits ending at byte 8+18 of the block.
    at = 4 + 4 + 13  # "fLaC", block header, then 13 bytes into STREAMINFO
    data[at] &= 0xF0
    data[at + 1:at + 5] = b"\0\0\0\0"
    path = tmp_path / "unknown.flac"
    path.write_bytes(bytes(data))
    assert mediaview.audio_info(path).frames == -1
    return path


def test_info_json_is_valid_and_says_null_for_unknown(tmp_path):
    path = _flac_of_unknown_length(tmp_path)

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    doc = json.loads(run("info", "--json", path, JPEG).stdout, parse_constant=refuse)
    assert doc[0]["frames"] is None and doc[0]["duration"] is None
    assert doc[0]["format"] == "FLAC" and doc[1]["format"] == "JPEG"  # one spelling for both kinds
    text = run("info", path).stdout
    assert "unknown length" in text and "nan" not in text and "-1 frames" not in text


# ---- 6. warning floods -----------------------------------------------------------------------------

def _restart_junk(tmp_path) -> Path:
    """coffee_restart.jpg with junk bytes before every restart marker: libjpeg
    warns 'Corrupt JPEG data: N extraneous bytes' at each one."""
    data = bytearray(SAMPLES.joinpath("coffee_restart.jpg").read_bytes())
    out = bytearray()
    i = data.index(b"\xff\xda")
    out += data[:i]
    while i < len(data):
        if data[i] == 0xFF and i + 1 < len(data) and 0xD0 <= data[i + 1] <= 0xD7:
            out += b"\x12\x34\x56"
        out.append(data[i])
        i += 1
    path = tmp_path / "junk.jpg"
    path.write_bytes(bytes(out))
    return path


def test_one_warning_per_kind_per_call_with_a_count(tmp_path):
    path = _restart_junk(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mediaview.decode_image(path)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert "extraneous bytes" in messages[0] and "times)" in messages[0]


def test_cli_warnings_once_per_file_quiet_and_python_filters(tmp_path):
    path = _restart_junk(tmp_path)
    loud = run("convert", path, tmp_path / "a.png")
    assert loud.returncode == 0 and loud.stderr.count("DecodeWarning") == 1
    quiet = run("convert", path, tmp_path / "b.png", "-q")
    assert quiet.returncode == 0 and quiet.stderr == ""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    assert run("convert", path, tmp_path / "c.png", env=env).stderr == ""
    assert run("convert", path, tmp_path / "d.png", env="W").stderr == ""


# ---- 7. a run never reads its own output -----------------------------------------------------------

def test_recursive_convert_into_its_own_tree(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("a.jpg", "b.jpg"):
        (src / name).write_bytes(JPEG.read_bytes())
    first = run("convert", src, "-o", src / "out", "-r", "--to", "png")
    assert first.returncode == 0, first.stderr
    again = run("convert", src, "-o", src / "out", "-r", "--to", "png", "--overwrite")
    assert again.returncode == 0, again.stderr
    assert sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file()) == [
        "a.jpg", "b.jpg", "out/a.png", "out/b.png"]


# ---- 8. API corners --------------------------------------------------------------------------------

def test_writers_are_alike(tmp_path):
    view = mediaview.decode_image(JPEG)
    buffer = io.BytesIO()
    mediaview.write_image(buffer, view, format="png")
    assert Image.open(io.BytesIO(buffer.getvalue())).size == (451, 300)
    with pytest.raises(ValueError, match="format="):
        mediaview.write_image(io.BytesIO(), view)
    target = tmp_path / "keep.wav"
    target.write_bytes(b"keep")
    with pytest.raises(FileExistsError):
        mediaview.write_audio(target, *mediaview.read_audio(FLAC), overwrite=False)
    assert target.read_bytes() == b"keep"


@pytest.mark.parametrize("ext", ["jpg", "png"])
def test_a_misspelled_option_is_a_type_error_for_every_codec(tmp_path, ext):
    with pytest.raises(TypeError, match="qualty"):
        mediaview.write_image(tmp_path / f"x.{ext}", mediaview.decode_image(JPEG), qualty=80)
    assert list(tmp_path.iterdir()) == []


def test_none_is_no_limit_and_the_default_is_the_setting(monkeypatch):
    monkeypatch.setattr(mediaview, "MAX_IMAGE_PIXELS", 1000)
    monkeypatch.setattr(mediaview, "MAX_AUDIO_SAMPLES", 1000)
    with pytest.raises(mediaview.LimitError):
        mediaview.decode_image(JPEG)
    with pytest.raises(mediaview.LimitError):
        mediaview.decode_image(JPEG, max_pixels=mediaview.DEFAULT)
    assert mediaview.decode_image(JPEG, max_pixels=None).shape == (300, 451, 3)
    with pytest.raises(mediaview.LimitError):
        mediaview.read_audio(FLAC)
    assert mediaview.read_audio(FLAC, max_samples=None)[0].shape == (44100, 2)


def test_an_int16_wav_read_is_writable_unless_a_map_is_asked_for():
    data, _ = mediaview.read_audio(SAMPLES / "clip_pcm16.wav", dtype="int16")
    array = np.asarray(data)
    array *= 2  # writable by default
    mapped, _ = mediaview.read_audio(SAMPLES / "clip_pcm16.wav", dtype="int16", mmap=True)
    assert mapped.readonly


# ---- 9. CLI corners --------------------------------------------------------------------------------

def test_info_lists_a_folder_and_recurses_with_r(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.jpg").write_bytes(JPEG.read_bytes())
    (tmp_path / "sub" / "b.flac").write_bytes(FLAC.read_bytes())
    flat = run("info", tmp_path)
    assert flat.returncode == 0 and "a.jpg" in flat.stdout and "b.flac" not in flat.stdout
    deep = run("info", tmp_path, "-r")
    assert deep.returncode == 0 and "a.jpg" in deep.stdout and "b.flac" in deep.stdout


def test_cli_corner_messages(tmp_path):
    quality = run("convert", JPEG, tmp_path / "x.jpg", "--quality", "0")
    assert quality.returncode == 2 and "1 to 100" in quality.stderr and "100" not in quality.stderr.split("1 to")[0]
    assert quality.stderr.count("\n") <= 3
    unknown = run("convert", JPEG, tmp_path / "x.jpg", "--bogus")
    assert unknown.returncode == 2 and "usage: mediaview convert" in unknown.stderr
    assert "sox" in run("convert", "--help").stdout
    out_dir = tmp_path / "folder"
    out_dir.mkdir()
    into = run("convert", JPEG, out_dir)
    assert into.returncode == 0, into.stderr
    assert (out_dir / "chelsea_420.jpg").exists()


# ---- long recordings convert in bounded memory (issue 12) ---------------------------------------

PEAK = """
import sys
import mediaview.cli
rc = mediaview.cli.main(sys.argv[1:])
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(rc, peak // 1024)
"""


def _long_wav(path: Path, minutes: float) -> Path:
    rate, block = 44100, 44100 * 10
    with soundfile.SoundFile(path, "w", rate, 2, "PCM_16") as f:
        rng = np.random.default_rng(1)
        for _ in range(int(minutes * 6)):
            f.write((rng.standard_normal((block, 2)) * 0.1).astype(np.float32))
    return path


def test_long_recordings_convert_in_memory_independent_of_length(tmp_path):
    peaks = {}
    for minutes in (1, 12):
        src = _long_wav(tmp_path / f"{minutes}.wav", minutes)
        out = subprocess.run([sys.executable, "-c", PEAK, "convert", src, tmp_path / f"{minutes}.flac",
                              "--rate", "16000", "--channels", "1"],
                             capture_output=True, text=True, timeout=600)
        rc, peak = map(int, out.stdout.splitlines()[-1].split())  # after the CLI's own line
        assert rc == 0, out.stderr
        assert soundfile.info(tmp_path / f"{minutes}.flac").frames == -(-minutes * 60 * 44100 * 16000 // 44100)
        peaks[minutes] = peak
    # 12 minutes decoded whole would be 254 MB as float32 and 508 MB as the float64
    # the converter reads in: the peak grows by far less than one of them.
    print("peak RSS (MB) by minutes:", peaks)
    assert peaks[12] - peaks[1] < 40, peaks
