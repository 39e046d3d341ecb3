"""mediaview convert --depth 8|16 (issue 26, section 2): the output's bits per
channel; a 16-bit source to an 8-bit format is converted, not refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mediaview as mv

ROOT = Path(__file__).resolve().parent.parent
DEEP = ROOT / "samples" / "coffee_rgb16.png"
PHOTO = ROOT / "samples" / "chelsea_420.jpg"


def convert(*args):
    run = subprocess.run([sys.executable, "-m", "mediaview", "convert", *map(str, args), "--overwrite"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return run


@pytest.mark.parametrize("depth,dtype", [(None, np.uint16), (16, np.uint16), (8, np.uint8)])
def test_depth_of_a_16_bit_source(tmp_path, depth, dtype):
    out = tmp_path / "out.png"
    convert(DEEP, out, *(["--depth", depth] if depth else []))
    got = np.asarray(mv.decode_image(out, mode=None))
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.asarray(mv.decode_image(DEEP, dtype=np.dtype(dtype).name)))


def test_a_16_bit_source_to_an_8_bit_format_is_converted(tmp_path):
    from PIL import Image

    for ext in ("jpg", "webp"):
        convert(DEEP, tmp_path / f"out.{ext}")
        assert mv.decode_image(tmp_path / f"out.{ext}").shape == (100, 150, 3)
    convert(DEEP, tmp_path / "out.bmp")  # written by Pillow
    with Image.open(tmp_path / "out.bmp") as bmp:
        np.testing.assert_array_equal(np.asarray(bmp), np.asarray(mv.decode_image(DEEP, dtype="uint8")))


def test_depth_16_widens_8_bit_pixels_as_the_decoders_do(tmp_path):
    convert(PHOTO, tmp_path / "out.png", "--depth", 16)
    got = np.asarray(mv.decode_image(tmp_path / "out.png", mode=None))
    assert got.dtype == np.uint16
    np.testing.assert_array_equal(got, np.asarray(mv.decode_image(PHOTO)).astype(np.uint16) * 257)
