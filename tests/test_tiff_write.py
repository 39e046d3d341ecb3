"""The TIFF writer (decoders/tiff/tiff_write.cpp, libtiff): every element
type x channel layout x compression read back exactly by tifffile (the
oracle), by our reader and, where Pillow holds the layout, by Pillow; the
predictor, pages, ICC and resolution, strided inputs, the errors, and the
CLI. The wheel, built without libtiff, writes TIFF through Pillow
(tests/test_install.py)."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import SAMPLES

tifffile = pytest.importorskip("tifffile")

if not any(f["name"] == "tiff" and f["writer"] == "tiff" for f in mediaview.formats()):
    pytest.skip("built without libtiff: TIFF is written through Pillow", allow_module_level=True)

DTYPES = ["uint8", "uint16", "uint32", "int16", "int32", "float16", "float32", "float64"]
CHANNELS = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
COMPRESSIONS = ["none", "lzw", "deflate", "zstd", "lzma", "packbits"]
TIFFFILE_COMPRESSION = {"none": 1, "lzw": 5, "deflate": 8, "zstd": 50000, "lzma": 34925, "packbits": 32773}


def pixels(dtype: str, channels: int, height: int = 37, width: int = 53, seed: int = 0) -> np.ndarray:
    """Values over the type's whole range (extremes included) with smooth
    parts, so the predictor and every compression have work to do."""
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels == 1 else (height, width, channels)
    t = np.dtype(dtype)
    if t.kind == "f":
        a = rng.standard_normal(shape).astype(t) * t.type(100)
        a.flat[:3] = [np.finfo(t).max, np.finfo(t).min, np.finfo(t).tiny]
        return a
    info = np.iinfo(t)
    a = rng.integers(info.min, info.max, size=shape, dtype=t, endpoint=True)
    ramp = np.linspace(info.min, info.max, width).astype(t)  # a smooth half
    a[: height // 2] = ramp[None, :] if channels == 1 else ramp[None, :, None]
    return a


def read_back(data: bytes):
    with tifffile.TiffFile(io.BytesIO(data)) as t:
        return [p.asarray() for p in t.pages], t.pages


def ours(data: bytes, **kw) -> np.ndarray:
    """Our reader, in the stored layout (decode_image gives RGB unless told)."""
    mode = kw.pop("mode", None) or mediaview.probe(data).as_dict()["mode"]
    view = np.asarray(mediaview.decode_image(data, mode=mode, **kw))
    return view[..., 0] if mode == "L" and view.ndim == 3 else view


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("channels", sorted(CHANNELS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_type_layout_and_compression_reads_back_exactly(dtype, channels, compression):
    a = pixels(dtype, channels)
    data = mediaview.encode_image(a, "tiff", compression=compression)
    (back,), pages = read_back(data)
    assert back.dtype == a.dtype and back.shape == a.shape
    np.testing.assert_array_equal(back, a)  # NaN-free data: exact, bit for bit
    page = pages[0]
    assert page.compression == TIFFFILE_COMPRESSION[compression]
    assert page.photometric == (1 if channels < 3 else 2)  # min-is-black or RGB
    if channels in (2, 4):
        assert tuple(page.extrasamples) == (2,)  # unassociated alpha
    # Strips of about 64 KiB (the whole of these small images: one strip).
    assert page.rowsperstrip == min(a.shape[0], max(1, 65536 // (a[0].nbytes)))
    np.testing.assert_array_equal(ours(data), a)


# The layouts Pillow holds: 8-bit L/LA/RGB/RGBA, 16-bit grey, 32-bit signed and float grey.
PILLOW = [("uint8", 1), ("uint8", 2), ("uint8", 3), ("uint8", 4), ("uint16", 1), ("int32", 1), ("float32", 1)]


@pytest.mark.parametrize("compression", ["none", "lzw", "deflate", "packbits"])
@pytest.mark.parametrize("dtype,channels", PILLOW)
def test_pillow_reads_what_it_holds(dtype, channels, compression):
    a = pixels(dtype, channels)
    data = mediaview.encode_image(a, "tiff", compression=compression)
    with Image.open(io.BytesIO(data)) as im:
        np.testing.assert_array_equal(np.asarray(im), a)


@pytest.mark.parametrize("compression", ["lzw", "deflate", "zstd", "lzma"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_predictor_is_2_for_integers_and_3_for_floats(dtype, compression):
    a = pixels(dtype, 3)
    data = mediaview.encode_image(a, "tiff", compression=compression, predictor=True)
    (back,), pages = read_back(data)
    assert pages[0].predictor == (3 if np.dtype(dtype).kind == "f" else 2)
    np.testing.assert_array_equal(back, a)
    np.testing.assert_array_equal(ours(data), a)


def test_predictor_and_level_make_a_photo_smaller():
    photo = np.asarray(mediaview.decode_image(SAMPLES / "chelsea_420.jpg"))
    plain = mediaview.encode_image(photo, "tiff", compression="deflate")
    predicted = mediaview.encode_image(photo, "tiff", compression="deflate", predictor=True)
    fastest = mediaview.encode_image(photo, "tiff", compression="deflate", predictor=True, compress_level=1)
    smallest = mediaview.encode_image(photo, "tiff", compression="deflate", predictor=True, compress_level=12)
    assert len(predicted) < len(plain) and len(smallest) < len(fastest)
    for data in (plain, predicted, fastest, smallest):
        np.testing.assert_array_equal(ours(data), photo)


def test_pillow_compression_names_are_accepted():
    a = pixels("uint8", 3)
    for name, code in (("raw", 1), ("tiff_lzw", 5), ("tiff_adobe_deflate", 8), ("tiff_deflate", 32946)):
        (back,), pages = read_back(mediaview.encode_image(a, "tiff", compression=name))
        assert pages[0].compression == code
        np.testing.assert_array_equal(back, a)


def test_large_images_are_cut_into_64_kib_strips():
    a = pixels("uint16", 3, height=300, width=700)  # 4200 bytes a row: 15 rows a strip
    data = mediaview.encode_image(a, "tiff", compression="lzw", predictor=True)
    (back,), pages = read_back(data)
    assert pages[0].rowsperstrip == 15 and len(pages[0].dataoffsets) == 20
    np.testing.assert_array_equal(back, a)
    np.testing.assert_array_equal(ours(data, crop=(100, 33, 250, 171)), a[33:204, 100:350])


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32"])
def test_strided_inputs_are_written_as_they_look(dtype):
    base = pixels(dtype, 4, height=80, width=90)
    views = {
        "every other row and third column": base[::2, ::3, :3],
        "flipped both ways": base[::-1, ::-1],
        "transposed": base.transpose(1, 0, 2),
        "channels reversed": base[..., ::-1],
        "one channel of four": base[..., 2],
        "a Fortran-ordered copy": np.asfortranarray(base[..., :3]),
    }
    for what, view in views.items():
        assert not view.flags.c_contiguous or what == "a Fortran-ordered copy"
        data = mediaview.encode_image(view, "tiff", compression="deflate", predictor=True)
        (back,), _ = read_back(data)
        np.testing.assert_array_equal(back, view, err_msg=what)


def test_bgr_and_cmyk_views_are_stored_as_rgb_and_separated():
    bgr = mediaview.decode_image(SAMPLES / "astronaut_444.jpg", mode="BGR")
    rgb = np.asarray(mediaview.decode_image(SAMPLES / "astronaut_444.jpg", mode="RGB"))
    (back,), pages = read_back(mediaview.encode_image(bgr, "tiff"))
    assert pages[0].photometric == 2
    np.testing.assert_array_equal(back, rgb)
    bgra = np.concatenate([np.asarray(bgr), np.full(rgb.shape[:2] + (1,), 77, np.uint8)], axis=2)
    (back,), _ = read_back(mediaview.encode_image(bgra, "tiff", mode="BGRA"))
    np.testing.assert_array_equal(back[..., :3], rgb)
    assert (back[..., 3] == 77).all()
    cmyk = mediaview.decode_image(SAMPLES / "chelsea_cmyk.jpg", mode="CMYK")
    data = mediaview.encode_image(cmyk, "tiff", compression="lzw")
    (back,), pages = read_back(data)
    assert pages[0].photometric == 5  # separated
    np.testing.assert_array_equal(back, np.asarray(cmyk))
    with Image.open(io.BytesIO(data)) as im:
        assert im.mode == "CMYK" and np.array_equal(np.asarray(im), np.asarray(cmyk))


def test_icc_resolution_and_orientation_round_trip(tmp_path):
    src = mediaview.decode_image(SAMPLES / "chelsea_adobergb.jpg")
    assert src.obj.icc
    out = tmp_path / "c.tif"
    mediaview.write_image(out, src, dpi=(300, 150), compression="zstd")
    with tifffile.TiffFile(out) as t:
        tags = t.pages[0].tags
        assert tags["InterColorProfile"].value == src.obj.icc
        assert tags["XResolution"].value == (300, 1) and tags["YResolution"].value == (150, 1)
        assert tags["ResolutionUnit"].value == 2  # inch
    back = mediaview.decode_image(out)
    assert back.obj.icc == src.obj.icc and back.obj.dpi == (300.0, 150.0)
    with Image.open(out) as im:
        assert im.info["icc_profile"] == src.obj.icc and tuple(im.info["dpi"]) == (300, 150)
    # EXIF: its orientation is kept (an upright view says 1).
    rotated = mediaview.decode_image(SAMPLES / "rocket_orient6.jpg", orient=False)
    mediaview.write_image(out, rotated)
    assert mediaview.probe(out).orientation == 6
    np.testing.assert_array_equal(np.asarray(mediaview.decode_image(out, orient=True)),
                                  np.asarray(mediaview.decode_image(SAMPLES / "rocket_orient6.jpg", orient=True)))
    mediaview.write_image(out, mediaview.decode_image(SAMPLES / "rocket_orient6.jpg", orient=True))
    assert mediaview.probe(out).orientation == 1
    with tifffile.TiffFile(out) as t:
        assert t.pages[0].tags["Orientation"].value == 1  # stated, as the view's EXIF says
    # IFD0's text tags go to the page's IFD (as Pillow's writer stored them).
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0132], exif[0x8298] = "Maker", "Model X", "2024:01:02 03:04:05", "me"
    exif[0x0112] = 3
    mediaview.write_image(out, pixels("uint8", 3), exif=exif.tobytes()[6:] if exif.tobytes().startswith(b"Exif")
                          else exif.tobytes())
    with tifffile.TiffFile(out) as t:
        tags = t.pages[0].tags
        assert tags["Make"].value == "Maker" and tags["Model"].value == "Model X"
        assert tags["DateTime"].value == "2024:01:02 03:04:05" and tags["Copyright"].value == "me"
        assert tags["Orientation"].value == 3
    with Image.open(out) as im:
        assert im.getexif()[0x0110] == "Model X"
    # The sub-IFDs are not stored, and that is said once a file, not lost in silence.
    exif.get_ifd(0x8769)[0x9003] = "2024:01:02 03:04:05"
    exif.get_ifd(0x8825)[0x0002] = (1.0, 2.0, 3.0)
    block = exif.tobytes()  # Pillow's form, "Exif\0\0" first: every writer takes it
    frames = np.zeros((3, 8, 8, 3), np.uint8)
    for write in (lambda: mediaview.write_image(out, pixels("uint8", 3), exif=block),
                  lambda: mediaview.write_frames(out, frames, exif=block)):
        with pytest.warns(mediaview.MetadataWarning, match="EXIF block's Exif, GPS sub-IFDs are not stored") as caught:
            write()
        assert len(caught) == 1
        with tifffile.TiffFile(out) as t:
            assert t.pages[0].tags["Make"].value == "Maker" and "ExifTag" not in t.pages[0].tags
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mediaview.write_image(out, pixels("uint8", 3), exif=None)
        mediaview.write_image(tmp_path / "kept.jpg", pixels("uint8", 3), exif=block)  # JPEG keeps it all
    # None writes none of it.
    mediaview.write_image(out, src, icc=None, dpi=None)
    with tifffile.TiffFile(out) as t:
        assert "InterColorProfile" not in t.pages[0].tags and "XResolution" not in t.pages[0].tags


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32"])
def test_write_frames_writes_one_page_per_frame(tmp_path, dtype):
    block = np.stack([pixels(dtype, 3, seed=k) for k in range(4)])
    out = tmp_path / "p.tif"
    mediaview.write_frames(out, block, compression="lzw", predictor=True)
    with tifffile.TiffFile(out) as t:
        assert len(t.pages) == 4
        assert [p.tags["PageNumber"].value for p in t.pages] == [(k, 4) for k in range(4)]
        np.testing.assert_array_equal(t.asarray(), block)
    frames, durations = mediaview.decode_frames(out)
    np.testing.assert_array_equal(np.asarray(frames), block)
    assert durations == [0, 0, 0, 0] and mediaview.probe(out).as_dict()["pages"] == 4
    if dtype != "float32":  # Pillow opens no float RGB
        with Image.open(out) as im:
            assert im.n_frames == 4
    # Durations, when given, must be one a frame; they are not stored.
    with pytest.raises(ValueError, match="4 frames but 3 durations"):
        mediaview.write_frames(out, block, [1, 2, 3])


def test_pages_of_different_sizes_and_types_from_a_list(tmp_path):
    pages = [pixels("uint8", 3), pixels("uint16", 1, height=10, width=7), pixels("float32", 4, height=5, width=9)]
    strided = pixels("uint8", 3, height=40, width=40)[::2, ::-1]
    out = tmp_path / "p.tif"
    mediaview.write_frames(out, pages + [strided], format="tiff", compression="deflate")
    with tifffile.TiffFile(out) as t:
        for page, expected in zip(t.pages, pages + [strided]):
            np.testing.assert_array_equal(page.asarray(), expected)
    for k, expected in enumerate(pages + [strided]):
        mode = CHANNELS[expected.shape[2] if expected.ndim == 3 else 1]
        np.testing.assert_array_equal(ours(out.read_bytes(), frame=k, mode=mode), expected)


def test_a_file_object_gets_the_bytes():
    out = io.BytesIO()
    a = pixels("uint16", 1)
    mediaview.write_frames(out, np.stack([a, a + 1]), format="tif")
    with tifffile.TiffFile(io.BytesIO(out.getvalue())) as t:
        np.testing.assert_array_equal(t.pages[1].asarray(), a + 1)


def test_formats_says_who_writes_tiff():
    (tiff,) = [f for f in mediaview.formats() if f["name"] == "tiff"]
    assert tiff["writer"] == "tiff" and tiff["pages"] and tiff["via"] is None and tiff["can_write"]
    assert {o["name"] for o in tiff["options"]} == {"compression", "compress_level", "predictor"}
    assert set(tiff["dtypes"]) == set(DTYPES) and {"L", "LA", "RGB", "RGBA", "CMYK"} <= set(tiff["modes"])
    (jpeg,) = [f for f in mediaview.formats() if f["name"] == "jpeg"]
    assert jpeg["writer"] == "jpeg" and not jpeg["pages"]
    bmp = [f for f in mediaview.formats() if "bmp" in f["extensions"]]
    assert all(f["writer"] == "pillow" for f in bmp)


def test_errors_name_the_option_in_the_users_terms():
    a = pixels("uint8", 3)
    with pytest.raises(ValueError, match="predictor needs lzw, deflate, zstd or lzma") as e:
        mediaview.encode_image(a, "tiff", predictor=True)
    assert e.value.argument == "predictor"
    with pytest.raises(ValueError, match="compress_level is for deflate, zstd and lzma") as e:
        mediaview.encode_image(a, "tiff", compression="lzw", compress_level=5)
    assert e.value.argument == "compress_level"
    with pytest.raises(ValueError, match="compress_level for deflate must be 1 to 12, not 13"):
        mediaview.encode_image(a, "tiff", compression="deflate", compress_level=13)
    with pytest.raises(ValueError, match="compression must be one of"):
        mediaview.encode_image(a, "tiff", compression="jpeg")
    with pytest.raises(TypeError, match="takes no option 'quality'"):
        mediaview.encode_image(a, "tiff", quality=90)
    with pytest.raises(TypeError):
        mediaview.encode_image(a, "tiff", compression=8)
    with pytest.raises(ValueError, match="cannot store mode P"):
        mediaview.encode_image(a[..., 0], "tiff", mode="P")
    with pytest.raises(ValueError, match="mode RGB has 3 channel"):
        mediaview.encode_image(a[..., :2], "tiff", mode="RGB")
    with pytest.raises(ValueError, match=r"shape \(N, H, W\) or \(N, H, W, C\)"):
        mediaview.write_frames(io.BytesIO(), a.reshape(-1), format="tiff")
    with pytest.raises(ValueError, match="no pages"):
        mediaview.write_frames(io.BytesIO(), [], format="tiff")
    with pytest.raises(mediaview.UnsupportedFormatError, match="hold one image"):
        mediaview._core.encode_pages("png", np.stack([a, a]), None, None, None, None, {})


def test_no_libtiff_message_reaches_stderr(tmp_path):
    script = (
        "import mediaview, numpy as np, io\n"
        "a = np.zeros((4, 4, 3), np.uint8)\n"
        "for bad in ({'predictor': True}, {'compression': 'lzw', 'compress_level': 3}):\n"
        "    try: mediaview.encode_image(a, 'tiff', **bad)\n"
        "    except ValueError: pass\n"
        "mediaview.write_frames(io.BytesIO(), [a, a[:2]], format='tiff', compression='zstd', predictor=True)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def run_cli(*argv):
    return subprocess.run([sys.executable, "-m", "mediaview", *map(str, argv)], capture_output=True, text=True,
                          timeout=120)


def test_cli_keeps_every_page_and_frame(tmp_path):
    block = np.stack([pixels("uint16", 3, seed=k) for k in range(3)])
    src = tmp_path / "in.tif"
    tifffile.imwrite(src, block, photometric="rgb")
    result = run_cli("convert", src, SAMPLES / "camera_pages.tif", SAMPLES / "coffee_animated.gif", "-o",
                     tmp_path / "out", "--to", "tif", "--compression", "deflate", "--predictor")
    assert result.returncode == 0, result.stderr
    with tifffile.TiffFile(tmp_path / "out" / "in.tif") as t:
        assert len(t.pages) == 3 and t.pages[0].predictor == 2 and t.pages[0].compression == 8
        np.testing.assert_array_equal(t.asarray(), block)  # 16 bits kept
    pages, _ = mediaview.decode_frames(SAMPLES / "camera_pages.tif")
    np.testing.assert_array_equal(tifffile.imread(tmp_path / "out" / "camera_pages.tif"), np.asarray(pages))
    frames, _ = mediaview.decode_frames(SAMPLES / "coffee_animated.gif")
    with tifffile.TiffFile(tmp_path / "out" / "coffee_animated.tif") as t:
        assert len(t.pages) == frames.shape[0]
        np.testing.assert_array_equal(t.asarray(), np.asarray(frames))
    notes = [line for line in result.stderr.splitlines() if "note:" in line]
    assert len(notes) == 1 and "coffee_animated.gif" in notes[0] and "without their durations" in notes[0]
