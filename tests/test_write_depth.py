"""16-bit pixels written to a format that stores fewer bits (issue 26, section
2): converted with the rounding of decoding with dtype="uint8" (each value's
high byte), never refused, for our codecs and the formats Pillow writes; a
layout Pillow cannot store is converted without loss (grey+alpha as RGBA),
never a Pillow-internal error."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mediaview as mv

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def deep():
    """A real 16-bit RGB photo and its layouts: {mode: uint16 array}."""
    rgb = np.asarray(mv.decode_image(SAMPLES / "coffee_rgb16.png", dtype="uint16"))
    grey = rgb[..., 1].copy()
    alpha = (256 + np.arange(rgb.shape[1], dtype=np.uint32) * 65279 // rgb.shape[1]).astype(np.uint16)
    alpha = np.broadcast_to(alpha, grey.shape)
    return {"RGB": rgb, "L": grey, "LA": np.dstack([grey, alpha]), "RGBA": np.dstack([rgb, alpha])}


def high_bytes(a):
    return (a >> 8).astype(np.uint8)


def test_the_rounding_is_the_decoders():
    # Decoding the 16-bit PNG with dtype="uint8" gives the high bytes.
    rgb16 = np.asarray(mv.decode_image(SAMPLES / "coffee_rgb16.png", dtype="uint16"))
    rgb8 = np.asarray(mv.decode_image(SAMPLES / "coffee_rgb16.png", dtype="uint8"))
    np.testing.assert_array_equal(high_bytes(rgb16), rgb8)


EIGHT_BIT_CODECS = [f["name"] for f in mv.formats()
                    if f["kind"] == "image" and f["can_write"] and "uint16" not in f["dtypes"]]


@pytest.mark.parametrize("fmt", EIGHT_BIT_CODECS)
@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_our_8_bit_codecs_store_16_bit_data_as_its_high_bytes(deep, fmt, mode):
    writer = next(f for f in mv.formats() if f["name"] == fmt)
    if mode not in writer["modes"]:
        pytest.skip(f"{fmt} does not store {mode}")
    options = {"lossless": True} if "lossless" in [o["name"] for o in writer["options"]] else {}
    assert mv.encode_image(deep[mode], fmt, mode=mode, **options) == \
        mv.encode_image(high_bytes(deep[mode]), fmt, mode=mode, **options)


def test_a_16_bit_view_written_to_jpeg_and_webp(deep, tmp_path):
    view = mv.decode_image(SAMPLES / "coffee_rgb16.png", dtype="uint16")
    mv.write_image(tmp_path / "x.webp", view, lossless=True)
    np.testing.assert_array_equal(np.asarray(mv.decode_image(tmp_path / "x.webp")), high_bytes(deep["RGB"]))
    mv.write_image(tmp_path / "x.jpg", view)
    assert mv.probe(tmp_path / "x.jpg").width == deep["RGB"].shape[1]
    # grey+alpha, which JPEG does not store: as RGBA, then as JPEG stores it
    mv.write_image(tmp_path / "la.webp", deep["LA"], mode="LA", lossless=True)
    got = np.asarray(mv.decode_image(tmp_path / "la.webp", mode="RGBA"))
    la8 = high_bytes(deep["LA"])
    np.testing.assert_array_equal(got[..., 0], la8[..., 0])
    np.testing.assert_array_equal(got[..., 3], la8[..., 1])


# TIFF goes through Pillow only where no codec of ours writes it (the wheel,
# built without libtiff); libtiff's writer keeps 16 bits (tests/test_tiff_write.py).
TIFF_BY_PILLOW = not any(f["name"] == "tiff" and f["writer"] == "tiff" for f in mv.formats())
PILLOW_FORMATS = (["tiff"] if TIFF_BY_PILLOW else []) + ["bmp", "ppm", "tga", "gif", "pcx"]


def as_written(image):
    """(colour as (H, W, 3) or grey (H, W), alpha or None) of what Pillow reads back."""
    if image.mode in ("I;16", "I;16B", "I"):
        return np.asarray(image).astype(np.uint16), None
    if image.mode in ("L", "LA"):
        a = np.asarray(image)
        return (a, None) if a.ndim == 2 else (a[..., 0], a[..., 1])
    rgba = np.asarray(image.convert("RGBA"))
    return rgba[..., :3], (rgba[..., 3] if "A" in image.mode or image.mode == "P" else None)


@pytest.mark.parametrize("ext", PILLOW_FORMATS)
@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
def test_pillow_written_formats_take_16_bit_data(deep, tmp_path, ext, mode):
    path = tmp_path / f"x.{ext}"
    try:
        mv.write_image(path, deep[mode], mode=mode)
    except ValueError as e:
        # A format that cannot hold the layout even converted (alpha in
        # PPM): said in our words, naming the format and the mode.
        assert "cannot store" in str(e) and mode in str(e)
        assert "A" in mode
        return
    with Image.open(path) as image:
        image.load()
        colour, alpha = as_written(image)
        sixteen = image.mode in ("I;16", "I;16B", "I")
    data = deep[mode] if sixteen else high_bytes(deep[mode])
    grey = mode in ("L", "LA")
    wanted = data[..., 0] if grey and data.ndim == 3 else data if grey else data[..., :3]
    if colour.ndim == 3 and grey:
        colour = colour[..., 0]
    if ext == "gif" and not grey:  # a palette of 256 colours: only grey survives exactly
        return
    np.testing.assert_array_equal(colour, wanted)
    if alpha is not None and "A" in mode and ext != "gif":  # (GIF: one transparent palette entry at most)
        np.testing.assert_array_equal(alpha, data[..., -1])


def test_sixteen_bit_grey_alpha_to_tiff_and_bmp_is_no_pillow_internal_error(deep, tmp_path):
    if not TIFF_BY_PILLOW:  # libtiff's writer keeps all 16 bits of both channels
        mv.write_image(tmp_path / "la.tiff", deep["LA"], mode="LA")
        back = np.asarray(mv.decode_image(tmp_path / "la.tiff", mode="LA"))
        np.testing.assert_array_equal(back, deep["LA"])
    for ext in ("tiff", "bmp") if TIFF_BY_PILLOW else ("bmp",):
        mv.write_image(tmp_path / f"la.{ext}", deep["LA"], mode="LA")
        with Image.open(tmp_path / f"la.{ext}") as image:
            assert image.mode in ("LA", "RGBA", "RGB")  # (Pillow reads its own 32-bit BMP as RGB)
