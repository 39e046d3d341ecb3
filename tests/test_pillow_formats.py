"""Every image Pillow reads and no codec of ours does (BMP, TGA, PNM, QOI,
PCX, SGI, DDS, ICO, XBM, DCX...), read through Pillow into our buffer:
Pillow itself is the oracle (exact), and every option and entry point must
treat these files as it treats our own codecs' (samples from
scripts/make_pillow_samples.py)."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import SAMPLES
from mediaview._batch import plan_images

PILLOW = SAMPLES / "pillow"
FILES = sorted(PILLOW.iterdir())
STILLS = [p for p in FILES if p.suffix != ".dcx"]


def pillow_pixels(path, mode=None, frame=0) -> np.ndarray:
    """Pillow's decode, in the layout we give by default (or `mode`)."""
    with Image.open(path) as im:
        im.seek(frame)
        if im.mode in ("I", "I;16", "I;16B"):
            return np.asarray(im.convert("I"), dtype=np.int64).clip(0, 65535).astype(np.uint16)
        if mode is None:
            mode = {"1": "L", "P": "RGBA" if "transparency" in im.info else "RGB"}.get(im.mode, im.mode)
        return np.asarray(im.convert(mode))


def test_the_samples_cover_the_format_groups():
    found = {Image.open(p).format for p in FILES}
    assert {"BMP", "TGA", "PPM", "QOI", "PCX", "SGI", "DDS", "ICO", "XBM", "DCX"} <= found


@pytest.mark.parametrize("path", STILLS, ids=lambda p: p.name)
def test_pixels_equal_pillows(path):
    view = mediaview.decode_image(path, mode=None, dtype=None)
    ours = np.asarray(view)
    theirs = pillow_pixels(path)
    assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs), path.name
    info = mediaview.probe(path)
    assert (info.width, info.height) == (ours.shape[1], ours.shape[0])
    assert info.via == "Pillow" and info.format == Image.open(path).format


@pytest.mark.parametrize("mode", ["RGB", "BGR", "RGBA", "BGRA", "L", "LA"])
@pytest.mark.parametrize("name", ["chelsea.bmp", "coffee_rle_rgba.tga", "camera.pgm", "chelsea_palette.pcx"])
def test_every_mode_as_for_our_codecs(name, mode):
    view = mediaview.decode_image(PILLOW / name, mode=mode)
    assert view.obj.mode == mode
    base = {"BGR": "RGB", "BGRA": "RGBA"}.get(mode, mode)
    expected = pillow_pixels(PILLOW / name, base)
    if mode in ("BGR", "BGRA"):
        expected = expected[..., [2, 1, 0, 3][: len(mode)]]
    assert np.array_equal(np.asarray(view), expected)


def test_dtype_crop_out_and_16_bits():
    path = PILLOW / "chelsea.sgi"
    full = np.asarray(mediaview.decode_image(path))
    assert np.array_equal(np.asarray(mediaview.decode_image(path, dtype="uint16")), full.astype(np.uint16) * 257)
    assert np.array_equal(np.asarray(mediaview.decode_image(path, crop=(5, 7, 20, 11))), full[7:18, 5:25])
    out = np.zeros_like(full)
    view = mediaview.decode_image(path, out=out)
    assert np.array_equal(out, full) and np.asarray(view).ctypes.data == out.ctypes.data
    deep = mediaview.decode_image(PILLOW / "camera16.pgm", mode=None)  # the file's own depth by default
    assert deep.format == "H" and np.array_equal(np.asarray(deep), pillow_pixels(PILLOW / "camera16.pgm"))
    assert np.array_equal(np.asarray(mediaview.decode_image(PILLOW / "camera16.pgm", mode="L", dtype="uint8")),
                          (pillow_pixels(PILLOW / "camera16.pgm") >> 8).astype(np.uint8))


def test_what_a_whole_frame_codec_cannot_do_is_refused_as_for_ours():
    path = PILLOW / "chelsea.bmp"
    with pytest.raises(ValueError, match="scale has no meaning for"):
        mediaview.decode_image(path, scale=0.5)
    with pytest.raises(ValueError, match="not mode CMYK"):
        mediaview.decode_image(path, mode="CMYK")
    with pytest.raises(ValueError, match="frame 1 does not exist"):
        mediaview.decode_image(path, frame=1)
    with pytest.raises(ValueError, match="crop"):
        mediaview.decode_image(path, crop=(0, 0, 1000, 10))
    # The same refusals, the same classes, as a native whole-frame codec's.
    with pytest.raises(ValueError, match="not mode CMYK"):
        mediaview.decode_image(SAMPLES / "chelsea.avif", mode="CMYK")


def test_resize_on_load_matches_a_resize_of_the_decode():
    path = PILLOW / "chelsea.qoi"
    resized = np.asarray(mediaview.decode_image(path, size=(32, 20), filter="bilinear"))
    assert resized.shape == (20, 32, 3)
    full = mediaview.decode_image(path)
    again = np.asarray(mediaview.decode_images([np.asarray(full).tobytes()] * 0 + [path], size=(32, 20),
                                               filter="bilinear"))[0]
    assert np.array_equal(resized, again)


def test_formats_and_decoders_say_via_pillow():
    via = {f["name"]: f for f in mediaview.formats() if f.get("via") == "Pillow"}
    for name in ("BMP", "TGA", "PPM", "QOI", "PCX", "SGI", "DDS", "ICO"):
        assert via[name]["can_read"] and via[name]["kind"] == "image", name
    assert "bmp" in via["BMP"]["extensions"] and "tga" in via["TGA"]["extensions"]
    ours = [f for f in mediaview.formats() if f["kind"] == "image" and not f.get("via")]
    assert ours and all(f["via"] is None for f in ours)
    assert not set(via) & {f["name"] for f in ours}
    pillow = [d for d in mediaview.decoders() if d["name"] == "pillow"]
    assert pillow and "bmp" in pillow[0]["extensions"] and pillow[0]["library_version"].startswith("Pillow")


# ---- limits and damage ------------------------------------------------------------------

def bomb_header(width: int, height: int) -> bytes:
    data = bytearray((PILLOW / "chelsea.bmp").read_bytes()[:54])
    struct.pack_into("<ii", data, 18, width, height)
    return bytes(data)


def test_max_pixels_is_checked_from_the_header():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning either
        with pytest.raises(mediaview.LimitError, match="100000x100000"):
            mediaview.decode_image(bomb_header(100000, 100000))
        with pytest.raises(mediaview.LimitError, match="max_pixels=1000"):
            mediaview.decode_image(PILLOW / "chelsea.bmp", max_pixels=1000)
        info = mediaview.probe(bomb_header(100000, 100000))  # the header alone: no limit, no decode
        assert (info.width, info.height) == (100000, 100000)
        plans = plan_images([bomb_header(100000, 100000)])
        assert isinstance(plans[0], mediaview.LimitError)


def test_pillows_own_bomb_guard_does_not_apply(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # the file is 64x43: a bomb to Pillow
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view = mediaview.decode_image(PILLOW / "chelsea.bmp")
    assert view.shape == (43, 64, 3)


def test_readers_applying_pillows_limit_give_our_limit_error(monkeypatch):
    # DCX pages are checked by Pillow's reader itself, after our max_pixels.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(mediaview.LimitError, match="Pillow's own pixel limit"):
        mediaview.decode_frames(PILLOW / "pages.dcx")


PILLOW_WORDS = ("image file is truncated", "broken data stream", "Traceback", "PIL", "not enough image data")


def test_truncated_file_follows_the_damage_policy():
    data = (PILLOW / "chelsea.bmp").read_bytes()
    cut = data[: len(data) // 2]
    with pytest.raises(mediaview.DecodeError, match="truncated BMP data") as error:
        mediaview.decode_image(cut)
    assert "allow_truncated" in str(error.value) and not any(w in str(error.value) for w in PILLOW_WORDS)
    with pytest.warns(mediaview.DecodeWarning, match="truncated BMP data"):
        partial = np.asarray(mediaview.decode_image(cut, allow_truncated=True))
    full = np.asarray(mediaview.decode_image(data))
    assert partial.shape == full.shape and not np.array_equal(partial, full)
    # BMP stores the bottom row first: what was read is the bottom half.
    assert np.array_equal(partial[-10:], full[-10:]) and not partial[:5].any()
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_image(cut, allow_truncated=True, strict=True)


@pytest.mark.parametrize("name", ["chelsea.qoi", "coffee_rle_rgba.tga", "chelsea.sgi", "chelsea.pcx"])
def test_damaged_files_give_our_decode_error(name):
    data = bytearray((PILLOW / name).read_bytes())
    for at in range(40, len(data) - 40, max(1, len(data) // 7)):
        data[at:at + 24] = b"\xff\x00" * 12
    cut = bytes(data[: len(data) * 2 // 3])
    for damaged in (bytes(data), cut):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                mediaview.decode_image(damaged)
        except mediaview.DecodeError as e:
            assert not any(w in str(e) for w in PILLOW_WORDS), str(e)
        except mediaview.DecodeWarning:
            pytest.fail("a warning without allow_truncated")
        # or decoded: damage inside pixel data may still decode to wrong pixels


def test_damaged_header_and_unknown_data():
    data = (PILLOW / "chelsea.qoi").read_bytes()
    with pytest.raises(mediaview.DecodeError, match="QOI"):
        mediaview.decode_image(data[:10])
    with pytest.raises(mediaview.UnsupportedFormatError, match="no image decoder recognises"):
        mediaview.decode_image(b"\x01\x02 definitely not an image, of any kind at all" * 3)


def test_a_format_pillow_only_identifies_is_unsupported():
    mpeg_header = b"\x00\x00\x01\xb3" + bytes([0x14, 0x00, 0xF0, 0x13]) + bytes(200)  # 320x240
    assert mediaview.probe(mpeg_header).width == 320
    with pytest.raises(mediaview.UnsupportedFormatError, match="cannot be decoded"):
        mediaview.decode_image(mpeg_header)


# ---- frames -----------------------------------------------------------------------------

def test_decode_frames_of_a_multi_page_file():
    path = PILLOW / "pages.dcx"
    frames, durations = mediaview.decode_frames(path)
    assert frames.shape == (2, 43, 64, 3) and durations == [0, 0]
    for k in range(2):
        assert np.array_equal(np.asarray(frames)[k], pillow_pixels(path, frame=k))
        assert np.array_equal(np.asarray(mediaview.decode_image(path, frame=k)), pillow_pixels(path, frame=k))
    assert mediaview.probe(path).frames == 2
    with pytest.raises(ValueError, match="frame 2 does not exist"):
        mediaview.decode_image(path, frame=2)
    with pytest.raises(mediaview.LimitError):
        mediaview.decode_frames(path, max_pixels=64 * 43 + 1)  # both frames count


def test_an_icons_sizes_are_its_frames():
    path = PILLOW / "chelsea.ico"
    with Image.open(path) as im:
        sizes = sorted(im.ico.sizes(), key=lambda s: s[0] * s[1], reverse=True)
        assert len(sizes) >= 2 and tuple(im.size) == sizes[0]  # Pillow opens the largest
    assert mediaview.probe(path).frames == len(sizes)
    for k, size in enumerate(sizes):
        with Image.open(path) as im:
            im.size = size
            expected = np.asarray(im.convert("RGBA" if im.mode == "RGBA" else "RGB"))
        assert np.array_equal(np.asarray(mediaview.decode_image(path, frame=k, mode=None)), expected)
    with pytest.raises(mediaview.UnsupportedFormatError, match="differ in size"):
        mediaview.decode_frames(path)  # one (T, H, W, C) block needs one size


# ---- batches, plans, and the other entry points -------------------------------------------

def mixed_folder(tmp_path):
    for name in ("chelsea.bmp", "chelsea.tga", "chelsea.qoi", "camera.pgm", "coffee_rgba.dds"):
        shutil.copy(PILLOW / name, tmp_path / name)
    for name in ("chelsea_420.jpg", "chelsea_rgb8.png", "chelsea_lossy.webp"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    return sorted(tmp_path.iterdir())


def test_a_folder_mixing_native_and_pillow_formats(tmp_path):
    paths = mixed_folder(tmp_path)
    batch = mediaview.decode_images(paths, size=(40, 30), threads=2)
    assert batch.shape == (len(paths), 30, 40, 3)
    for k, path in enumerate(paths):
        assert np.array_equal(np.asarray(batch)[k], np.asarray(mediaview.decode_image(path, size=(40, 30)))), path
    one_thread = mediaview.decode_images(paths, size=(40, 30), threads=1)
    assert np.array_equal(np.asarray(one_thread), np.asarray(batch))
    plans = plan_images(paths, size=(40, 30))
    assert all(plan == ((30, 40, 3), "uint8") for plan in plans)
    listed = mediaview.decode_images(paths, stack=False)
    assert [np.asarray(v).shape[:2] for v in listed] == [mediaview.decode_image(p).shape[:2] for p in paths]


def test_a_bad_pillow_file_in_a_batch_is_a_batch_error(tmp_path):
    paths = mixed_folder(tmp_path)
    bad = tmp_path / "broken.bmp"
    bad.write_bytes((PILLOW / "chelsea.bmp").read_bytes()[:300])
    with pytest.raises(mediaview.BatchError) as error:
        mediaview.decode_images(paths + [bad], size=(40, 30))
    [(index, source, exception)] = error.value.failures
    assert index == len(paths) and isinstance(exception, mediaview.DecodeError)
    assert np.array_equal(np.asarray(error.value.result)[0], np.asarray(mediaview.decode_image(paths[0], size=(40, 30))))


def test_dask_reads_pillow_formats(tmp_path):
    pytest.importorskip("dask")
    import mediaview.dask as mvdask

    paths = [p for p in mixed_folder(tmp_path)]
    array = mvdask.read_images(paths, size=(40, 30))
    assert np.array_equal(np.asarray(array.compute()), np.asarray(mediaview.decode_images(paths, size=(40, 30))))


def test_the_torch_loader_reads_pillow_formats(tmp_path):
    pytest.importorskip("torch")
    import mediaview.torch as mvtorch

    paths = mixed_folder(tmp_path)
    batch = mvtorch.decode_images(paths, size=(40, 30))
    assert tuple(batch.shape) == (len(paths), 30, 40, 3)
    assert np.array_equal(batch.numpy(), np.asarray(mediaview.decode_images(paths, size=(40, 30))))


# ---- the command line -------------------------------------------------------------------

@pytest.mark.parametrize("name, target", [("chelsea.bmp", "out.png"), ("coffee_rle_rgba.tga", "out.png"),
                                          ("chelsea.tga", "out.bmp")])
def test_cli_converts_pillow_formats(tmp_path, name, target):
    out = tmp_path / target
    done = subprocess.run([sys.executable, "-m", "mediaview", "convert", str(PILLOW / name), str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with Image.open(out) as im:
        mode = "RGBA" if "rgba" in name else "RGB"
        assert np.array_equal(np.asarray(im.convert(mode)), pillow_pixels(PILLOW / name, mode))


def test_cli_info_on_a_pillow_format():
    done = subprocess.run([sys.executable, "-m", "mediaview", "info", str(PILLOW / "chelsea.pcx")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "PCX 64x43" in done.stdout
