"""JPEG decoding against independent oracles: Pillow, libjpeg-turbo's own
TurboJPEG API (oracle_turbojpeg), and numpy slicing/transposition."""

from __future__ import annotations

import io
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps, JpegImagePlugin

import mediaview
import oracle_turbojpeg as tj
from conftest import COLOR_SAMPLES, JPEG_SAMPLES, SAMPLES, corpus_files

MODES = ["RGB", "BGR", "RGBA", "BGRA", "RGBX", "L"]
ALL_SCALES = list(range(1, 17))  # k/8
COMMON_SCALES = [1, 2, 3, 4, 5, 6, 7, 8, 12, 16]


def pillow_pixels(path_or_bytes, mode=None):
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with Image.open(src) as im:
        im.load()
        return np.asarray(im if mode is None else im.convert(mode))


# ---- equality with Pillow -----------------------------------------------------


@pytest.mark.parametrize("path", [p for p in JPEG_SAMPLES if "cmyk" not in p.name], ids=lambda p: p.name)
def test_samples_equal_pillow(path):
    native = "L" if "gray" in path.name else "RGB"
    assert np.array_equal(np.asarray(mediaview.decode_image(path, mode=native)), pillow_pixels(path))


@pytest.mark.parametrize("path", corpus_files("jpeg", "test*.jpg"))
def test_libjpeg_turbo_test_images_equal_pillow(path):
    # testorig (baseline), testimgint (progressive), testimgari (arithmetic):
    # Debian's libjpeg-turbo 2.1.5 is built with arithmetic decoding.
    assert np.array_equal(np.asarray(mediaview.decode_image(path)), pillow_pixels(path))


@pytest.mark.parametrize("path", corpus_files("jpeg", "monkey12.jpg"))
def test_12_bit_jpeg_is_a_clear_unsupported_error(path):
    with pytest.raises(mediaview.UnsupportedFormatError, match="precision 12"):
        mediaview.decode_image(path)
    with pytest.raises(mediaview.UnsupportedFormatError):
        mediaview.probe(path)


@pytest.mark.parametrize("path", corpus_files("exif", "Landscape_*.jpg"))
def test_exif_corpus_oriented_equals_pillow_exif_transpose(path):
    with Image.open(path) as im:
        expected = np.asarray(ImageOps.exif_transpose(im))
    assert np.array_equal(np.asarray(mediaview.decode_image(path, orient=True)), expected)
    assert np.array_equal(np.asarray(mediaview.decode_image(path)), pillow_pixels(path))


def test_cmyk_equals_pillow_cmyk():
    path = SAMPLES / "chelsea_cmyk.jpg"
    view = mediaview.decode_image(path, mode="CMYK")
    assert view.shape == (300, 451, 4)
    assert np.array_equal(np.asarray(view), pillow_pixels(path))


def test_rgb_jpeg_refuses_cmyk():
    # CMYK JPEGs in the other modes: tests/test_colour.py (as Pillow converts them).
    with pytest.raises(mediaview.UnsupportedFormatError, match="CMYK"):
        mediaview.decode_image(SAMPLES / "chelsea_420.jpg", mode="CMYK")


# ---- modes and scales against TurboJPEG ------------------------------------------


@pytest.mark.parametrize("path", [p for p in JPEG_SAMPLES if "cmyk" not in p.name], ids=lambda p: p.name)
@pytest.mark.parametrize("mode", MODES)
def test_every_mode_and_scale_equals_turbojpeg(path, mode):
    data = path.read_bytes()
    scales = ALL_SCALES if path.name == "chelsea_420.jpg" else COMMON_SCALES
    for k in scales:
        view = mediaview.decode_image(data, mode=mode, scale=Fraction(k, 8))
        expected = tj.decode(data, mode, k)
        assert view.shape == expected.shape, (mode, k)
        assert np.array_equal(np.asarray(view), expected), (mode, k)


def test_scale_spellings_agree():
    data = (SAMPLES / "coffee_422.jpg").read_bytes()
    reference = np.asarray(mediaview.decode_image(data, scale=Fraction(1, 4)))
    assert reference.shape == (100, 150, 3)
    for spelling in ("1/4", 0.25, (1, 4), (2, 8)):
        assert np.array_equal(np.asarray(mediaview.decode_image(data, scale=spelling)), reference)


@pytest.mark.parametrize("scale", ["1/3", (3, 5), 3, 0.1, 0, "-1/2"])
def test_unsupported_scales_are_value_errors(scale):
    with pytest.raises(ValueError, match="k/8|positive"):
        mediaview.decode_image(SAMPLES / "coffee_422.jpg", scale=scale)


@pytest.mark.parametrize(
    "wanted, shape",
    [((100, 60), (75, 113, 3)), ((451, 300), (300, 451, 3)), ((1000, 1000), (300, 451, 3)), ((57, 1), (38, 57, 3)),
     ((0, 150), (150, 226, 3)), ((0, 0), (38, 57, 3))],
)
def test_min_size_picks_the_smallest_scale_covering_it(wanted, shape):
    view = mediaview.decode_image(SAMPLES / "chelsea_420.jpg", scale=mediaview.MinSize(*wanted))
    assert view.shape == shape
    k = next(k for k in range(1, 9) if (451 * k + 7) // 8 >= wanted[0] and (300 * k + 7) // 8 >= wanted[1]) \
        if shape != (300, 451, 3) else 8
    assert np.array_equal(np.asarray(view), tj.decode((SAMPLES / "chelsea_420.jpg").read_bytes(), "RGB", k))


def test_min_size_is_in_the_displayed_frame_when_oriented():
    path = SAMPLES / "rocket_orient6.jpg"  # stored 427x640, shown 640x427
    assert mediaview.decode_image(path, orient=True, scale=mediaview.MinSize(300, 200)).shape == (214, 320, 3)
    assert mediaview.decode_image(path, scale=mediaview.MinSize(300, 200)).shape == (480, 321, 3)


# ---- crop -------------------------------------------------------------------------


def random_crops(rng, width, height, count):
    for _ in range(count):
        w = rng.randint(1, width)
        h = rng.randint(1, height)
        yield rng.randint(0, width - w), rng.randint(0, height - h), w, h
    yield 0, 0, width, height
    yield width - 1, height - 1, 1, 1
    yield 0, height // 2, width, 1


@pytest.mark.parametrize("path", JPEG_SAMPLES, ids=lambda p: p.name)
def test_crop_equals_full_decode_sliced(path):
    rng = random.Random(path.name)
    data = path.read_bytes()
    mode = "CMYK" if "cmyk" in path.name else "RGB"
    for k in (8, 4, 3):
        full = np.asarray(mediaview.decode_image(data, mode=mode, scale=Fraction(k, 8)))
        height, width = full.shape[:2]
        for x, y, w, h in random_crops(rng, width, height, 25):
            crop = np.asarray(mediaview.decode_image(data, mode=mode, scale=Fraction(k, 8), crop=(x, y, w, h)))
            assert np.array_equal(crop, full[y:y + h, x:x + w]), (k, x, y, w, h)


@pytest.mark.parametrize("mode", MODES)
def test_crop_every_mode_on_iMCU_boundaries(mode):
    data = (SAMPLES / "coffee_422.jpg").read_bytes()
    full = np.asarray(mediaview.decode_image(data, mode=mode))
    for x in (0, 1, 15, 16, 17, 31, 32, 33):
        for y in (0, 7, 8, 9, 16):
            crop = np.asarray(mediaview.decode_image(data, mode=mode, crop=(x, y, 37, 21)))
            assert np.array_equal(crop, full[y:y + 21, x:x + 37]), (x, y)


@pytest.mark.parametrize("crop", [(-1, 0, 5, 5), (0, 0, 0, 5), (450, 0, 2, 2), (0, 299, 1, 2), (0, 0, 452, 300)])
def test_crop_outside_the_image_is_a_value_error(crop):
    with pytest.raises(ValueError, match="does not lie inside"):
        mediaview.decode_image(SAMPLES / "chelsea_420.jpg", crop=crop)


# ---- orientation ----------------------------------------------------------------------


def test_orient_sample_is_a_view_equal_to_pillow():
    path = SAMPLES / "rocket_orient6.jpg"
    assert mediaview.probe(path).orientation == 6
    view = mediaview.decode_image(path, orient=True)
    assert view.shape == (427, 640, 3) and not view.c_contiguous
    with Image.open(path) as im:
        assert np.array_equal(np.asarray(view), np.asarray(ImageOps.exif_transpose(im)))


@pytest.mark.parametrize("path", corpus_files("exif", "Landscape_[1-8].jpg"))
def test_oriented_crop_scale_and_mode_combinations(path):
    rng = random.Random(path.name)
    data = path.read_bytes()
    for mode in ("RGB", "L", "BGRA"):
        for k in (8, 2):
            # libjpeg-turbo's own decode, turned with Pillow's transpose operations.
            stored = tj.decode(data, mode, k)
            full = np.asarray(mediaview.decode_image(data, mode=mode, scale=Fraction(k, 8), orient=True))
            expected = _orient_like_pillow(stored, mediaview.probe(data).orientation)
            assert np.array_equal(full, expected), (mode, k)
            height, width = full.shape[:2]
            for x, y, w, h in random_crops(rng, width, height, 6):
                crop = mediaview.decode_image(data, mode=mode, scale=Fraction(k, 8), orient=True, crop=(x, y, w, h))
                assert np.array_equal(np.asarray(crop), full[y:y + h, x:x + w]), (mode, k, x, y, w, h)


def _orient_like_pillow(pixels, orientation):
    """Applies an EXIF orientation with Pillow's own transpose operations."""
    method = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}.get(orientation)
    if method is None:
        return pixels
    planes = [pixels] if pixels.ndim == 2 else [pixels[..., c] for c in range(pixels.shape[2])]
    turned = [np.asarray(Image.fromarray(np.ascontiguousarray(p)).transpose(method)) for p in planes]
    return turned[0] if pixels.ndim == 2 else np.stack(turned, axis=-1)


# ---- out= ----------------------------------------------------------------------------


def test_out_batch_slot_padded_rows_and_oriented():
    data = (SAMPLES / "chelsea_420.jpg").read_bytes()
    expected = np.asarray(mediaview.decode_image(data))
    batch = np.zeros((3, 300, 451, 3), np.uint8)
    view = mediaview.decode_image(data, out=batch[1])
    assert np.shares_memory(np.asarray(view), batch) and view.shape == (300, 451, 3)
    assert np.array_equal(batch[1], expected) and not batch[0].any() and not batch[2].any()

    canvas = np.zeros((320, 500, 3), np.uint8)
    mediaview.decode_image(data, out=canvas[10:310, 20:471])
    assert np.array_equal(canvas[10:310, 20:471], expected)
    assert not canvas[:10].any() and not canvas[:, :20].any() and not canvas[:, 471:].any()

    rocket = SAMPLES / "rocket_orient6.jpg"
    upright = np.asarray(mediaview.decode_image(rocket, orient=True))
    slot = np.zeros((427, 640, 3), np.uint8)
    view = mediaview.decode_image(rocket, orient=True, out=slot)
    assert np.array_equal(slot, upright) and np.shares_memory(np.asarray(view), slot)

    gray = np.zeros((512, 512), np.uint8)
    mediaview.decode_image(SAMPLES / "camera_gray.jpg", mode="L", out=gray)
    assert np.array_equal(gray, pillow_pixels(SAMPLES / "camera_gray.jpg"))


@pytest.mark.parametrize(
    "out, message",
    [
        (np.zeros((300, 451, 4), np.uint8), "shape"),
        (np.zeros((451, 300, 3), np.uint8), "shape"),
        (np.zeros((300, 451, 3), np.uint16), "uint8"),
        (np.zeros((300, 451, 3), np.float32), "uint8"),
        (np.zeros((300, 451 * 3), np.uint8), "shape"),
        (np.zeros((300, 451, 3), np.uint8, order="F"), "adjacent"),
        (bytes(300 * 451 * 3), "writable"),
    ],
)
def test_out_errors_are_clear(out, message):
    with pytest.raises(ValueError, match=message):
        mediaview.decode_image(SAMPLES / "chelsea_420.jpg", out=out)


# ---- sources, probe, registry --------------------------------------------------------


def test_every_kind_of_source_decodes_the_same():
    path = SAMPLES / "coffee_422.jpg"
    data = path.read_bytes()
    expected = np.asarray(mediaview.decode_image(data))
    for src in (str(path), path, bytearray(data), memoryview(data), np.frombuffer(data, np.uint8)):
        assert np.array_equal(np.asarray(mediaview.decode_image(src)), expected)
    with open(path, "rb") as f:
        assert np.array_equal(np.asarray(mediaview.decode_image(f)), expected)
    assert np.array_equal(np.asarray(mediaview.decode_image(io.BytesIO(data))), expected)


def test_bad_sources_are_typed_errors(tmp_path):
    with pytest.raises(TypeError):
        mediaview.decode_image(12345)
    with open(SAMPLES / "coffee_422.jpg", "r", encoding="latin-1") as text:
        with pytest.raises(TypeError, match="binary"):
            mediaview.decode_image(text)
    with pytest.raises(FileNotFoundError):
        mediaview.decode_image(tmp_path / "missing.jpg")
    with pytest.raises(IsADirectoryError):
        mediaview.decode_image(tmp_path)
    with pytest.raises(ValueError, match="mode"):
        mediaview.decode_image(SAMPLES / "coffee_422.jpg", mode="HSV")


@pytest.mark.parametrize("path", JPEG_SAMPLES, ids=lambda p: p.name)
def test_probe_agrees_with_pillow(path):
    info = mediaview.probe(path)
    with Image.open(path) as im:
        assert (info.width, info.height) == im.size
        assert info.progressive == bool(im.info.get("progressive", 0))
        assert info.components == len(im.getbands())
        sampling = JpegImagePlugin.get_sampling(im)
    expected = {-1: "gray", 0: "444", 1: "422", 2: "420"}[sampling]
    if "cmyk" in path.name:
        expected = "444"
        assert info.colorspace == "CMYK"
    assert info.subsampling == expected
    assert info.orientation == (6 if "orient6" in path.name else 1)
    assert info.as_dict()["width"] == info.width


def test_decoders_lists_jpeg_with_its_library_version():
    entries = {d["name"]: d for d in mediaview.decoders()}
    jpeg = entries["jpeg"]
    assert jpeg["kind"] == "image" and "jpg" in jpeg["extensions"]
    assert jpeg["library_version"] == "libjpeg-turbo 2.1.5"


# ---- threads and Pillow ----------------------------------------------------------------


def test_threads_decoding_at_once_match_one_thread():
    jobs = [(p, mode) for p in COLOR_SAMPLES for mode in ("RGB", "L")] * 4
    serial = [mediaview.decode_image(p, mode=m).tobytes() for p, m in jobs]
    start = threading.Barrier(4)

    def decode_share(share):
        start.wait()  # all four threads enter the decoder together
        return [mediaview.decode_image(p, mode=m).tobytes() for p, m in share]

    shares = [jobs[i::4] for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(decode_share, shares))
    for i, share_result in enumerate(results):
        assert share_result == serial[i::4]


@pytest.mark.parametrize("mode, pil_mode", [("L", "L"), ("RGBA", "RGBA"), ("RGBX", "RGBX")])
def test_to_pil_shares_memory_for_mapped_modes(mode, pil_mode):
    path = SAMPLES / ("camera_gray.jpg" if mode == "L" else "chelsea_420.jpg")
    view = mediaview.decode_image(path, mode=mode)
    image = mediaview.to_pil(view, mode)
    assert image.mode == pil_mode and image.size == (view.shape[1], view.shape[0])
    assert np.array_equal(np.asarray(image), np.asarray(view))
    np.asarray(view)[5, 7] = 0
    np.asarray(view)[5, 8] = 255
    assert image.getpixel((7, 5)) in (0, (0, 0, 0, 0))
    assert image.getpixel((8, 5)) in (255, (255, 255, 255, 255))


def test_to_pil_shares_cmyk_and_copies_rgb():
    cmyk = mediaview.decode_image(SAMPLES / "chelsea_cmyk.jpg", mode="CMYK")
    image = mediaview.to_pil(cmyk, "CMYK")
    np.asarray(cmyk)[0, 0] = (1, 2, 3, 4)
    assert image.getpixel((0, 0)) == (1, 2, 3, 4)

    rgb = mediaview.decode_image(SAMPLES / "chelsea_420.jpg")
    copy = mediaview.to_pil(rgb)
    assert copy.mode == "RGB" and np.array_equal(np.asarray(copy), np.asarray(rgb))
    before = copy.getpixel((0, 0))
    np.asarray(rgb)[0, 0] = [(v + 1) % 256 for v in before]
    assert copy.getpixel((0, 0)) == before, "RGB cannot be mapped by Pillow, so it is a copy"

    bgr = mediaview.decode_image(SAMPLES / "chelsea_420.jpg", mode="BGR")
    fresh = mediaview.decode_image(SAMPLES / "chelsea_420.jpg")
    assert np.array_equal(np.asarray(mediaview.to_pil(bgr, "BGR")), np.asarray(fresh))
    oriented = mediaview.decode_image(SAMPLES / "rocket_orient6.jpg", orient=True)
    with Image.open(SAMPLES / "rocket_orient6.jpg") as im:
        assert np.array_equal(np.asarray(mediaview.to_pil(oriented)), np.asarray(ImageOps.exif_transpose(im)))
