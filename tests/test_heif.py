"""HEIF/HEIC decoding against pillow-heif (its own libheif build: within 2
of ours), with libheif opened at run time: 8/10-bit, alpha, the primary
image and a collection's other images, crops and modes; the message on a
machine without libheif; damaged and hostile files."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

import mediaview
from capped import run_capped
from conftest import SAMPLES

HEIC_SAMPLES = sorted(SAMPLES.glob("*.heic"))
COLLECTION = SAMPLES / "collection.heic"


def have_libheif() -> bool:
    try:
        mediaview.probe(SAMPLES / "chelsea.heic")
        return True
    except mediaview.UnsupportedFormatError:
        return False


needs_libheif = pytest.mark.skipif(not have_libheif(), reason="libheif1 is not installed")


def pillow_heif_pixels(path, frame=0):
    pillow_heif = pytest.importorskip("pillow_heif")
    heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=True)
    return np.asarray(heif[frame])


def decode(src, **kw):
    return np.asarray(mediaview.decode_image(src, **kw))


@needs_libheif
@pytest.mark.parametrize("path", HEIC_SAMPLES, ids=lambda p: p.name)
def test_own_layout_is_pillow_heifs_within_two(path):
    expected = pillow_heif_pixels(path)
    got = decode(path, mode=None)
    assert got.shape == expected.shape and got.dtype == np.uint8
    # Two libheif builds (Debian's 1.15 with libde265, pillow-heif's own):
    # measured differences of at most 1 (8-bit) and 2 (10-bit to 8).
    assert np.abs(got.astype(int) - expected).max() <= 2


@needs_libheif
@pytest.mark.parametrize("mode", ["RGB", "BGR", "RGBA", "BGRA", "RGBX", "L", "LA"])
def test_every_mode_is_the_own_layout_converted(mode):
    rgba = decode(SAMPLES / "chelsea_alpha.heic", mode="RGBA")
    grey = np.asarray(Image.fromarray(rgba[..., :3]).convert("L"))
    expected = {
        "RGB": rgba[..., :3], "BGR": rgba[..., 2::-1], "RGBA": rgba, "BGRA": rgba[..., [2, 1, 0, 3]],
        "RGBX": np.dstack([rgba[..., :3], np.full(rgba.shape[:2], 255, np.uint8)]),
        "L": grey, "LA": np.dstack([grey, rgba[..., 3]]),
    }[mode]
    assert np.array_equal(decode(SAMPLES / "chelsea_alpha.heic", mode=mode), expected)


@needs_libheif
def test_ten_bits_as_uint16_are_full_scale():
    path = SAMPLES / "coffee_10bit.heic"
    assert mediaview.probe(path).precision == 10
    wide = decode(path, dtype="uint16")
    assert wide.dtype == np.uint16 and wide.max() > 255
    # x * 65535 / 1023: the 10-bit values come back with a right shift.
    ten = (wide.astype(np.uint32) * 1023 + 32767) // 65535
    assert np.array_equal((ten * 65535 + 511) // 1023, wide)
    assert len(np.unique(ten)) > len(np.unique(decode(path)))
    pillow_heif = pytest.importorskip("pillow_heif")
    raw = np.asarray(pillow_heif.open_heif(path, convert_hdr_to_8bit=False)[0])  # 10-bit values << 6
    assert np.abs((raw >> 6).astype(int) - ten).max() <= 2


@needs_libheif
def test_collection_frames_primary_first():
    info = mediaview.probe(COLLECTION)
    assert info.as_dict()["frames"] == 2
    view, durations = mediaview.decode_frames(COLLECTION)
    frames = np.asarray(view)
    assert frames.shape == (2, 100, 160, 3) and list(durations) == [0, 0]
    for k in range(2):
        assert np.abs(frames[k].astype(int) - pillow_heif_pixels(COLLECTION, k)).max() <= 2
        assert np.array_equal(decode(COLLECTION, frame=k), frames[k])
    assert not np.array_equal(frames[0], frames[1])
    with pytest.raises(ValueError, match="frame 2"):
        mediaview.decode_image(COLLECTION, frame=2)


@needs_libheif
def test_crops_equal_the_full_decode_sliced():
    rng = random.Random(2)
    full = decode(SAMPLES / "coffee_10bit.heic", dtype="uint16", mode="BGR")
    h, w = full.shape[:2]
    for _ in range(15):
        x, y = rng.randrange(w), rng.randrange(h)
        cw, ch = rng.randint(1, w - x), rng.randint(1, h - y)
        got = decode(SAMPLES / "coffee_10bit.heic", dtype="uint16", mode="BGR", crop=(x, y, cw, ch))
        assert np.array_equal(got, full[y:y + ch, x:x + cw])


def test_without_libheif_the_error_names_it_and_its_package():
    # The loader opens MEDIAVIEW_LIBHEIF instead when set: a missing file
    # stands for a machine without libheif1 (it is loaded once a process).
    code = ("import mediaview\n"
            f"try:\n    mediaview.decode_image({str(SAMPLES / 'chelsea.heic')!r})\n"
            "except mediaview.UnsupportedFormatError as e:\n    print('UFE', e)\n"
            f"print(mediaview.decode_image({str(SAMPLES / 'chelsea_420.jpg')!r}).shape)\n")
    env = dict(os.environ, MEDIAVIEW_LIBHEIF="libheif-missing-for-test.so.1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "UFE HEIF/HEIC images need libheif" in out.stdout
    assert "apt-get install libheif1" in out.stdout
    assert "(300, 451, 3)" in out.stdout  # every other format still works
    assert out.stderr == ""


@needs_libheif
def test_truncated_and_damaged_files_raise_typed_errors():
    rng = random.Random(9)
    for path in HEIC_SAMPLES:
        data = path.read_bytes()
        with pytest.raises(mediaview.DecodeError):
            mediaview.decode_image(data[: len(data) * 2 // 3])
        for _ in range(20):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                damaged[rng.randrange(12, len(data))] ^= rng.randint(1, 255)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", mediaview.DecodeWarning)
                    mediaview.decode_image(bytes(damaged))
            except mediaview.Error:
                pass


def with_ispe(data: bytes, width: int, height: int) -> bytes:
    out = bytearray(data)
    at = out.find(b"ispe")
    while at >= 0:
        out[at + 8:at + 16] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
        at = out.find(b"ispe", at + 4)
    return bytes(out)


@needs_libheif
def test_limits_are_checked_from_the_header(tmp_path):
    with pytest.raises(mediaview.LimitError, match="max_pixels=1000"):
        mediaview.decode_image(SAMPLES / "chelsea.heic", max_pixels=1000)
    data = with_ispe((SAMPLES / "chelsea.heic").read_bytes(), 15000, 15000)
    calls = {"decode": "mediaview.decode_image(data)", "frames": "mediaview.decode_frames(data)"}
    result = run_capped(tmp_path / "big.heic", data, 600, calls, expected=["MemoryError"])
    assert result["decode"] in ("LimitError", "DecodeError"), result
    assert result["frames"] in ("LimitError", "DecodeError"), result


@needs_libheif
@pytest.mark.parametrize("path", HEIC_SAMPLES[:2], ids=lambda p: p.name)
def test_every_truncation_is_typed_under_a_memory_cap(path, tmp_path):
    data = path.read_bytes()
    calls = {"probe": "mediaview.probe(data)", "decode": "mediaview.decode_image(data)"}
    for cut in sorted({0, 4, 12, 40, *range(100, len(data), max(1, len(data) // 6))}):
        result = run_capped(tmp_path / "cut.heic", data[:cut], 1500, calls, expected=["MemoryError"])
        assert not [v for v in result.values() if v.startswith("UNEXPECTED")], (cut, result)
