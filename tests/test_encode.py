"""encode_jpeg and write_image against independent oracles: Pillow's own JPEG
encoder (libjpeg-turbo bundled in its wheel) and Pillow's decoder."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

import mediaview
from mediaview import _atomic
from conftest import SAMPLES

COLOR = ["chelsea_420.jpg", "astronaut_444.jpg", "rocket_orient6.jpg"]
PIL_SUBSAMPLING = {"444": 0, "422": 1, "420": 2}


def rgb(name, **kw):
    return np.asarray(mediaview.decode_image(SAMPLES / name, **kw))


def pillow_jpeg(pixels, mode=None, **options):
    buf = io.BytesIO()
    Image.fromarray(pixels, mode).save(buf, "JPEG", **options)
    return buf.getvalue()


def pillow_decode(data):
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im)


def psnr(a, b):
    mse = np.mean((np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / mse)


# ---- encode_jpeg -------------------------------------------------------------------

@pytest.mark.parametrize("name", COLOR)
@pytest.mark.parametrize("quality", [10, 50, 75, 90, 100])
@pytest.mark.parametrize("subsampling", ["444", "422", "420"])
@pytest.mark.parametrize("progressive", [False, True])
def test_byte_identical_to_pillow(name, quality, subsampling, progressive):
    # Same library (libjpeg-turbo, Pillow's bundled 3.x vs Debian's 2.1.5),
    # same defaults (JFIF, jpeg_set_quality with baseline tables, islow DCT):
    # the bytes are identical, not merely close.
    pixels = rgb(name)
    ours = mediaview.encode_jpeg(pixels, quality=quality, subsampling=subsampling, progressive=progressive)
    theirs = pillow_jpeg(pixels, quality=quality, subsampling=PIL_SUBSAMPLING[subsampling], progressive=progressive)
    assert ours == theirs


def test_grayscale_identical_to_pillow_and_gray_subsampling_drops_colour():
    gray = rgb("camera_gray.jpg", mode="L")
    assert gray.ndim == 2
    assert mediaview.encode_jpeg(gray, quality=80) == pillow_jpeg(gray, quality=80)
    colour = rgb("chelsea_420.jpg")
    data = mediaview.encode_jpeg(colour, subsampling="gray", quality=95)
    info = mediaview.probe(data)
    assert (info.components, info.colorspace, info.subsampling) == (1, "Gray", "gray")
    # libjpeg's RGB->Y in the encoder vs Pillow's convert("L"): within rounding.
    luma = np.asarray(Image.fromarray(colour).convert("L"), dtype=np.int16)
    assert psnr(pillow_decode(data), luma) > 40


def test_default_options_and_header():
    pixels = rgb("coffee_422.jpg")
    data = mediaview.encode_jpeg(pixels)
    assert data == pillow_jpeg(pixels, quality=90, subsampling=2)
    info = mediaview.probe(data)
    assert (info.width, info.height, info.subsampling, info.progressive) == (600, 400, "420", False)
    assert mediaview.probe(mediaview.encode_jpeg(pixels, progressive=True)).progressive


@pytest.mark.parametrize("subsampling", ["444", "422", "420"])
def test_pillow_decodes_our_output_like_our_decoder(subsampling):
    data = mediaview.encode_jpeg(rgb("coffee_422.jpg"), quality=85, subsampling=subsampling)
    assert np.array_equal(np.asarray(mediaview.decode_image(data)), pillow_decode(data))


def test_quality_orders_size_and_fidelity():
    pixels = rgb("chelsea_420.jpg")
    sizes, quality_db = [], []
    for q in (30, 50, 75, 90, 95):
        data = mediaview.encode_jpeg(pixels, quality=q)
        sizes.append(len(data))
        quality_db.append(psnr(np.asarray(mediaview.decode_image(data)), pixels))
    assert sizes == sorted(sizes) and quality_db == sorted(quality_db)
    # Measured: 32.6, 34.6, 38.5, 45.0, 50.5 dB for this photo.
    assert quality_db[0] > 30 and quality_db[-1] > 48


def test_strided_inputs_equal_their_contiguous_copies():
    oriented = memoryview(mediaview.decode_image(SAMPLES / "rocket_orient6.jpg", orient=True))
    assert not oriented.c_contiguous and oriented.strides[1] < 0  # transposed and flipped
    dense = np.ascontiguousarray(np.asarray(oriented))
    assert mediaview.encode_jpeg(oriented) == mediaview.encode_jpeg(dense) == pillow_jpeg(dense, quality=90)

    pixels = rgb("astronaut_444.jpg")
    views = {
        "every other pixel": pixels[::2, ::2],
        "flipped rows": pixels[::-1],
        "transposed": pixels.transpose(1, 0, 2),
        "padded rows": np.pad(pixels, ((0, 0), (0, 7), (0, 0)))[:, :512],
        "planar": np.ascontiguousarray(pixels.transpose(2, 0, 1)).transpose(1, 2, 0),
    }
    for what, view in views.items():
        expected = pillow_jpeg(np.ascontiguousarray(view), quality=90)
        assert mediaview.encode_jpeg(view) == expected, what


def test_channel_layouts():
    pixels = rgb("chelsea_420.jpg")
    expected = pillow_jpeg(pixels, quality=90)
    rgba = rgb("chelsea_420.jpg", mode="RGBA")
    assert mediaview.encode_jpeg(rgba) == expected  # alpha ignored
    assert mediaview.encode_jpeg(rgb("chelsea_420.jpg", mode="RGBX"), mode="RGBX") == expected
    assert mediaview.encode_jpeg(rgb("chelsea_420.jpg", mode="BGR"), mode="BGR") == expected
    assert mediaview.encode_jpeg(rgb("chelsea_420.jpg", mode="BGRA"), mode="BGRA") == expected
    assert mediaview.encode_jpeg(pixels[:, :, ::-1], mode="BGR") == expected
    # Any buffer: a memoryview of a bytearray, shaped by cast.
    raw = memoryview(bytearray(pixels.tobytes())).cast("B", pixels.shape)
    assert mediaview.encode_jpeg(raw) == expected
    # (H, W, 1) is grayscale.
    gray = rgb("camera_gray.jpg", mode="L")
    assert mediaview.encode_jpeg(gray[:, :, None]) == mediaview.encode_jpeg(gray)


def test_cmyk_round_trip_with_our_decoder_and_pillow():
    cmyk = rgb("chelsea_cmyk.jpg", mode="CMYK")
    data = mediaview.encode_jpeg(cmyk, mode="CMYK", quality=95, subsampling="444")
    assert mediaview.probe(data).colorspace == "YCCK"
    ours = np.asarray(mediaview.decode_image(data, mode="CMYK"))
    with Image.open(io.BytesIO(data)) as im:
        assert im.mode == "CMYK"
        assert np.array_equal(np.asarray(im), ours)
    assert psnr(ours, cmyk) > 40  # inks inverted exactly once


@pytest.mark.parametrize("bad, kwargs, error", [
    (np.zeros((4, 4, 3), np.float32), {}, ValueError),  # (uint16 is stored as its high bytes: test_write_depth)
    (np.zeros(48, np.uint8), {}, ValueError),
    (np.zeros((4, 4, 2), np.uint8), {}, ValueError),
    (np.zeros((0, 4, 3), np.uint8), {}, ValueError),
    (np.zeros((4, 4, 3), np.uint8), {"quality": 0}, ValueError),
    (np.zeros((4, 4, 3), np.uint8), {"quality": 101}, ValueError),
    (np.zeros((4, 4, 3), np.uint8), {"quality": 9.5}, TypeError),
    (np.zeros((4, 4, 3), np.uint8), {"subsampling": "411"}, ValueError),
    (np.zeros((4, 4, 3), np.uint8), {"mode": "RGBA"}, ValueError),
    (np.zeros((4, 4, 3), np.uint8), {"mode": "YUV"}, ValueError),
    (np.zeros((4, 4, 4), np.uint8), {"mode": "CMYK", "subsampling": "gray"}, ValueError),
    ("not a buffer", {}, TypeError),
])
def test_bad_input_raises(bad, kwargs, error):
    with pytest.raises(error):
        mediaview.encode_jpeg(bad, **kwargs)


# ---- write_image ---------------------------------------------------------------------

def test_write_image_jpeg_goes_through_our_encoder(tmp_path):
    view = mediaview.decode_image(SAMPLES / "chelsea_420.jpg")
    mediaview.write_image(tmp_path / "a.jpg", view, quality=70, subsampling="444")
    assert (tmp_path / "a.jpg").read_bytes() == mediaview.encode_jpeg(view, quality=70, subsampling="444")
    mediaview.write_image(tmp_path / "b.bin", view, format="jpeg")
    assert (tmp_path / "b.bin").read_bytes() == mediaview.encode_jpeg(view)


@pytest.mark.parametrize("ext, options", [("png", {}), ("bmp", {}), ("tiff", {}), ("webp", {"lossless": True})])
@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA"])
def test_write_image_pillow_formats_keep_pixels(tmp_path, ext, options, mode):
    view = mediaview.decode_image(SAMPLES / "rocket_orient6.jpg", mode=mode, orient=True)
    out = tmp_path / f"x.{ext}"
    mediaview.write_image(out, view, mode=mode, **options)
    with Image.open(out) as im:
        assert im.format == {"tiff": "TIFF", "webp": "WEBP"}.get(ext, ext.upper())
        back = np.asarray(im.convert(mode) if im.mode != mode else im)
    assert np.array_equal(back, np.asarray(view))


def test_write_image_cmyk(tmp_path):
    view = mediaview.decode_image(SAMPLES / "chelsea_cmyk.jpg", mode="CMYK")
    mediaview.write_image(tmp_path / "c.tiff", view, mode="CMYK")
    with Image.open(tmp_path / "c.tiff") as im:
        assert im.mode == "CMYK" and np.array_equal(np.asarray(im), np.asarray(view))
    mediaview.write_image(tmp_path / "c.png", view, mode="CMYK")  # PNG has no CMYK: converted to RGB
    with Image.open(tmp_path / "c.png") as im, Image.open(SAMPLES / "chelsea_cmyk.jpg") as src:
        assert im.mode == "RGB" and np.array_equal(np.asarray(im), np.asarray(src.convert("RGB")))


def test_write_image_refuses_unknown_format_and_existing_target(tmp_path):
    view = mediaview.decode_image(SAMPLES / "chelsea_420.jpg")
    with pytest.raises(ValueError, match="unknown image format"):
        mediaview.write_image(tmp_path / "x.xyz", view)
    target = tmp_path / "keep.png"
    target.write_bytes(b"keep")
    with pytest.raises(FileExistsError):
        mediaview.write_image(target, view, overwrite=False)
    assert target.read_bytes() == b"keep"
    mediaview.write_image(target, view)  # overwrite is the library default
    assert Image.open(target).size == (451, 300)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.png"]


def test_write_image_failure_mid_write_leaves_nothing(tmp_path, monkeypatch):
    view = mediaview.decode_image(SAMPLES / "chelsea_420.jpg")
    target = tmp_path / "x.bmp"  # written through Pillow
    real_save = Image.Image.save

    def failing_save(self, fp, *args, **kwargs):
        fp.write(b"\x89PNG partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", failing_save)
    with pytest.raises(OSError, match="No space"):
        mediaview.write_image(target, view)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(Image.Image, "save", real_save)


# ---- the atomic-output helper -------------------------------------------------------------

def test_atomic_output_temporary_name_and_cleanup_on_interrupt(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(KeyboardInterrupt):
        with _atomic.atomic_output(target) as f:
            f.write(b"half")
            temps = list(tmp_path.iterdir())
            assert len(temps) == 1 and temps[0].name.startswith(".out.bin.mediaview-tmp-")
            assert _atomic.is_temporary(temps[0])
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with _atomic.atomic_output(target) as f:
        f.write(b"whole")
    assert target.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [target]
    assert (target.stat().st_mode & 0o777) == 0o666 & ~_atomic._UMASK


def test_atomic_output_never_clobbers_a_file_that_appears_meanwhile(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(FileExistsError):
        with _atomic.atomic_output(target, overwrite=False) as f:
            f.write(b"new")
            target.write_bytes(b"someone else's")
    assert target.read_bytes() == b"someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_check_writable_dir(tmp_path):
    _atomic.check_writable_dir(tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OSError):
        _atomic.check_writable_dir(tmp_path / "missing")
    if os.path.isdir("/proc/self"):
        with pytest.raises(OSError):
            _atomic.check_writable_dir("/proc/self")


def test_threads_encoding_at_once_give_the_same_bytes():
    from concurrent.futures import ThreadPoolExecutor

    pixels = rgb("astronaut_444.jpg")
    expected = mediaview.encode_jpeg(pixels, quality=85, progressive=True)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: mediaview.encode_jpeg(pixels, quality=85, progressive=True), range(16)))
    assert all(r == expected for r in results)


def test_atomic_path_for_name_based_writers(tmp_path):
    target = tmp_path / "a.wav"
    with pytest.raises(RuntimeError):
        with _atomic.atomic_path(target) as temp:
            assert temp.parent == tmp_path and _atomic.is_temporary(temp)
            temp.write_bytes(b"partial")
            raise RuntimeError("writer failed")
    assert list(tmp_path.iterdir()) == []
    with _atomic.atomic_path(target) as temp:
        temp.write_bytes(b"done")
    assert target.read_bytes() == b"done"
    with pytest.raises(FileExistsError):
        with _atomic.atomic_path(target, overwrite=False) as temp:
            temp.write_bytes(b"new")
    assert target.read_bytes() == b"done" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("ext", ["jpg", "png", "webp", "avif", "jxl", "tif"])
@pytest.mark.parametrize("prefixed", [False, True], ids=["tiff structure", "Exif prefix"])
def test_every_writer_takes_exif_as_pillow_gives_it(tmp_path, ext, prefixed):
    # Pillow's Exif.tobytes() (and a JPEG APP1 segment) put "Exif\0\0" before
    # the TIFF structure: taken as the structure itself, never written with
    # its prefix (EXIF no reader parses) nor refused.
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F], exif[0x0112] = "Maker", 6
    block = exif.tobytes()
    assert block.startswith(b"Exif\0\0")
    out = tmp_path / f"x.{ext}"
    mediaview.write_image(out, np.zeros((8, 8, 3), np.uint8), exif=block if prefixed else block[6:])
    assert mediaview.probe(out).orientation == 6
