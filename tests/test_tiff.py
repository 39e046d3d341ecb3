"""TIFF decoding (libtiff) against tifffile and Pillow, on a set of files
made from the bundled photographs by scripts/make_tiff_samples.py (tifffile
for the layouts, tiffcp for each compression): pixels of every layout,
sample type and colour type; modes; crops that decode only the tiles they
touch; pages; metadata; truncated, damaged and hostile files."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mediaview
from capped import run_capped
from conftest import SAMPLES

tifffile = pytest.importorskip("tifffile")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import make_tiff_samples  # noqa: E402

# Pillow is the oracle where tifffile gives the raw samples and Pillow the
# picture: min-is-white (inverted) and palette (looked up) pages.
PILLOW_ONLY = {"bilevel": "L", "miniswhite8": "L", "palette": "RGB"}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return make_tiff_samples.make_set(tmp_path_factory.mktemp("tiff"))


def tifffile_pixels(path, page=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with tifffile.TiffFile(path) as tif:
            p = tif.pages[page]
            data = p.asarray()
            if p.planarconfig == 2 and data.ndim == 3:  # (samples, H, W)
                data = np.moveaxis(data, 0, 2)
            return data


def ours(path, **kw):
    kw.setdefault("mode", None)
    return np.asarray(mediaview.decode_image(path, **kw))


ALL_NAMES = [
    "rgb8_strips", "rgb16_tiled_deflate", "grey16_lzma", "rgba8", "rgb8_planar", "rgb16_planar_tiled",
    "grey_float32", "grey_float64", "grey_int16", "grey_int32", "bilevel", "miniswhite8", "palette", "cmyk",
    "pages_rgb8", "bigtiff_grey16", "icc_resolution",
] + [f"{base}_{codec}{tiled}" for codec in make_tiff_samples.TIFFCP_CODECS for base in ("rgb8_strips", "grey16_lzma")
     for tiled in ("", "_tiled") if not (base.startswith("grey16") and codec in ("jpeg", "webp"))]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_pixels_equal_the_oracle(files, name):
    if name not in files:
        pytest.skip(f"tiffcp could not make {name} here")
    path = files[name]
    got = ours(path)
    if name in PILLOW_ONLY:
        expected = np.asarray(Image.open(path).convert(PILLOW_ONLY[name]))
    else:
        expected = tifffile_pixels(path)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("name", ["rgb8_strips", "grey16_lzma", "grey_float32", "grey_int16", "cmyk", "rgba8",
                                  "rgb8_strips_lzw_tiled", "rgb8_strips_jpeg", "rgb8_planar"])
def test_pillow_agrees(files, name):
    path = files[name]
    with Image.open(path) as im:
        expected = np.asarray(im)
    got = ours(path)
    assert np.array_equal(got.astype(expected.dtype), expected)


def test_modes(files):
    grey, rgb = files["grey16_lzma"], files["rgb8_strips"]
    g = ours(grey)
    assert np.array_equal(ours(grey, mode="RGB"), np.dstack([g, g, g]))
    rgba = ours(grey, mode="RGBA")
    assert np.array_equal(rgba[..., :3], np.dstack([g, g, g])) and (rgba[..., 3] == 65535).all()
    c = ours(rgb)
    assert np.array_equal(ours(rgb, mode="BGR"), c[..., ::-1])
    assert np.array_equal(ours(rgb, mode="RGBX")[..., 3], np.full(c.shape[:2], 255))
    assert np.array_equal(ours(rgb, mode="L"), np.asarray(Image.open(rgb).convert("L")))
    assert np.array_equal(ours(files["rgba8"], mode="RGB"), ours(files["rgba8"])[..., :3])
    assert np.asarray(mediaview.decode_image(grey)).shape == (*g.shape, 3)  # the default mode is RGB
    with pytest.raises(ValueError, match="CMYK"):
        ours(files["cmyk"], mode="RGB")
    with pytest.raises(ValueError, match="uint8 samples only"):
        ours(files["rgb16_tiled_deflate"], mode="L")
    with pytest.raises(ValueError, match="uint16"):
        ours(grey, dtype="uint8")


@pytest.mark.parametrize("name", ["rgb8_strips", "rgb16_tiled_deflate", "rgb16_planar_tiled", "grey_int16",
                                  "bilevel", "rgb8_strips_jpeg_tiled", "grey16_lzma_zstd_tiled"])
def test_crop_is_the_image_sliced(files, name):
    if name not in files:
        pytest.skip("not made here")
    full = ours(files[name])
    for x, y, w, h in [(0, 0, 5, 5), (31, 15, 2, 3), (40, 33, 20, 20), (3, 50, 60, 15)]:
        assert np.array_equal(ours(files[name], crop=(x, y, w, h)), full[y:y + h, x:x + w]), (x, y, w, h)


def test_crop_decodes_only_the_tiles_it_touches(files):
    path = files["rgb16_tiled_deflate"]
    data = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        offsets, counts = page.dataoffsets, page.databytecounts
    # The last tile (bottom right) is garbage; a crop in the first tile never reads it.
    data[offsets[-1]:offsets[-1] + counts[-1]] = bytes([0x5A]) * counts[-1]
    full = ours(path)
    assert np.array_equal(ours(bytes(data), crop=(0, 0, 30, 30)), full[:30, :30])
    with pytest.raises(mediaview.DecodeError, match="tile 11 of page 0 is damaged"):
        ours(bytes(data))


def test_pages(files):
    path = files["pages_rgb8"]
    assert mediaview.probe(path).pages == 3
    frames, durations = mediaview.decode_frames(path, mode=None)
    frames = np.asarray(frames)
    assert frames.shape == (3, 65, 97, 3) and list(durations) == [0, 0, 0]
    for k in range(3):
        assert np.array_equal(frames[k], tifffile_pixels(path, k))
        assert np.array_equal(ours(path, frame=k), frames[k])
    with pytest.raises(ValueError, match="page 3 does not exist"):
        ours(path, frame=3)
    part, _ = mediaview.decode_frames(path, mode="L", crop=(5, 6, 20, 10))
    assert np.asarray(part).shape == (3, 10, 20)
    with pytest.raises(mediaview.LimitError):
        mediaview.decode_frames(path, max_pixels=65 * 97 * 2)
    sample = SAMPLES / "camera_pages.tif"
    assert np.array_equal(np.asarray(mediaview.decode_frames(sample, mode=None)[0]), tifffile.imread(sample))


def test_pages_of_different_shapes_are_refused_together(tmp_path):
    path = tmp_path / "mixed.tif"
    with tifffile.TiffWriter(path) as w:
        w.write(np.zeros((10, 10), np.uint8))
        w.write(np.zeros((20, 10), np.uint8))
    with pytest.raises(ValueError, match="one at a time"):
        mediaview.decode_frames(path)
    assert ours(path, frame=1).shape == (20, 10)


def test_probe_and_metadata(files):
    info = mediaview.probe(files["icc_resolution"])
    assert info.format == "TIFF" and info.has_icc and (info.dpi_x, info.dpi_y) == (300, 150)
    view = mediaview.decode_image(files["icc_resolution"])
    assert view.obj.icc == tifffile.TiffFile(files["icc_resolution"]).pages[0].tags["InterColorProfile"].value
    assert view.obj.dpi == (300, 150)
    big = mediaview.probe(files["bigtiff_grey16"])
    assert big.bigtiff and big.tiled and big.dtype == "uint16" and big.precision == 16
    assert mediaview.probe(files["rgb8_strips_lzw"]).compression == "LZW"
    assert mediaview.probe(files["rgb16_planar_tiled"]).planar
    listed = [f for f in mediaview.formats() if f["name"] == "tiff"]
    assert listed and listed[0]["can_read"]


# ---- damage ---------------------------------------------------------------------


def test_truncated_file(files):
    path = files["rgb8_strips"]  # 5 strips of 16 rows, uncompressed
    data = path.read_bytes()
    full = ours(path)
    with tifffile.TiffFile(path) as tif:
        offsets = tif.pages[0].dataoffsets
    cut = data[:offsets[3] + 10]
    if min(offsets) < offsets[3]:  # the directory comes first (tifffile writes it so)
        with pytest.raises(mediaview.DecodeError, match="truncated"):
            ours(cut)
        with pytest.warns(mediaview.DecodeWarning, match="2 of 5 strips"):
            part = ours(cut, allow_truncated=True)
        assert np.array_equal(part[:48], full[:48]) and not part[48:].any()
        with pytest.raises(mediaview.DecodeError):
            ours(cut, allow_truncated=True, strict=True)


def tiff_header(width, height, extra=b"", tiles=None, ifd_next=0, bits=8) -> bytes:
    """A little-endian TIFF with one IFD, no pixel data behind its offsets."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, bits), (259, 3, 1, 1), (262, 3, 1, 1),
               (277, 3, 1, 1)]
    if tiles:
        entries += [(322, 4, 1, tiles[0]), (323, 4, 1, tiles[1]), (324, 4, 1, 1 << 30), (325, 4, 1, 1 << 30)]
    else:
        entries += [(273, 4, 1, 1 << 30), (278, 4, 1, height), (279, 4, 1, 1 << 30)]
    entries.sort()
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries)
    return b"II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<I", ifd_next) + extra


HOSTILE_CALLS = {
    "probe": "mediaview.probe(data)",
    "decode": "mediaview.decode_image(data, mode=None)",
    "frames": "mediaview.decode_frames(data, mode=None)",
    "truncated": "mediaview.decode_image(data, mode=None, allow_truncated=True)",
}


def test_hostile_headers_are_refused_before_allocation(tmp_path):
    def run(data):
        return run_capped(tmp_path / "h.tif", data, 600, HOSTILE_CALLS, ["MemoryError"])
    # 2^20 x 2^20: above the pixel limit.
    r = run(tiff_header(1 << 20, 1 << 20))
    assert r["decode"] == r["frames"] == "LimitError", r
    # Tiles of 2^16 x 2^16 over a 16 x 16 page.
    r = run(tiff_header(16, 16, tiles=(1 << 16, 1 << 16)))
    assert r["decode"] == "LimitError", r
    # A strip whose offset lies past the end.
    r = run(tiff_header(64, 64))
    assert r["decode"] == "DecodeError" and r["truncated"] == "ok", r
    # An IFD pointing back at itself: one page, not a loop.
    r = run(tiff_header(8, 8, ifd_next=8))
    assert not [v for v in r.values() if v.startswith("UNEXPECTED")], r


def test_nothing_reaches_stderr(files, tmp_path):
    data = bytearray(files["rgb8_strips_lzw"].read_bytes())
    for i in range(200, len(data) - 200, 97):
        data[i] ^= 0x55
    path = tmp_path / "damaged.tif"
    path.write_bytes(bytes(data))
    script = ("import mediaview, warnings\nwarnings.simplefilter('ignore')\n"
              f"for call in (lambda: mediaview.decode_image({str(path)!r}), lambda: mediaview.probe({str(path)!r})):\n"
              "    try: call()\n    except mediaview.Error: pass\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_damaged_files_raise_typed_errors(files):
    rng = random.Random(11)
    for name in ("rgb8_strips_lzw", "rgb16_tiled_deflate", "pages_rgb8", "bigtiff_grey16", "rgb8_strips_jpeg"):
        data = files[name].read_bytes()
        for _ in range(25):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                damaged[rng.randrange(4, len(data))] ^= rng.randint(1, 255)
            for call in (lambda: mediaview.decode_image(bytes(damaged), mode=None),
                         lambda: mediaview.decode_image(bytes(damaged), crop=(3, 3, 20, 20), allow_truncated=True),
                         lambda: mediaview.decode_frames(bytes(damaged)),
                         lambda: mediaview.probe(bytes(damaged))):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        call()
                except (mediaview.Error, ValueError):
                    pass


@pytest.mark.parametrize("name", ["rgb16_tiled_deflate", "pages_rgb8"])
def test_every_truncation_is_typed_under_a_memory_cap(files, name, tmp_path):
    data = files[name].read_bytes()
    for cut in sorted({0, 3, 4, 8, 16, 100, *range(200, len(data), max(1, len(data) // 8))}):
        r = run_capped(tmp_path / "cut.tif", data[:cut], 1500, HOSTILE_CALLS, ["MemoryError"])
        assert not [v for v in r.values() if v.startswith("UNEXPECTED")], (cut, r)


@pytest.mark.parametrize("dtype, code", [("uint32", "I"), ("float16", "e"), ("int32", "i"), ("float32", "f")])
def test_sample_types_have_their_format_codes(tmp_path, dtype, code):
    rng = np.random.default_rng(7)
    data = (rng.random((9, 11, 3)) * 60000).astype(dtype)
    path = tmp_path / f"{dtype}.tif"
    tifffile.imwrite(path, data, photometric="rgb", compression="zlib", tile=(16, 16) if dtype == "uint32" else None)
    view = mediaview.decode_image(path, mode=None, dtype=None)
    assert view.format == code
    np.testing.assert_array_equal(np.asarray(view), tifffile_pixels(path))
    # The type named, as the refusal of another one advises, is the same.
    np.testing.assert_array_equal(np.asarray(mediaview.decode_image(path, mode=None, dtype=dtype)), np.asarray(view))
    with pytest.raises(ValueError, match=f"this TIFF holds {dtype} samples: pass dtype=None or '{dtype}'"):
        mediaview.decode_image(path, dtype="uint8")
    # An added alpha is the type's full value: 1.0 for floats, the maximum for integers.
    rgba = np.asarray(mediaview.decode_image(path, mode="RGBA", dtype=None))
    full = 1 if dtype.startswith("float") else np.iinfo(dtype).max
    assert (rgba[..., 3] == full).all() and (rgba[..., :3] == data).all()


def test_exif_is_a_standalone_block_pillow_reads(tmp_path):
    from PIL import TiffImagePlugin

    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[0x010F] = "Canon"
    ifd[0x0112] = 6
    ifd[0x8769] = {0x9003: "2020:01:01 00:00:00", 0x829A: TiffImagePlugin.IFDRational(1, 250), 0x8827: 400}
    path = tmp_path / "exif.tif"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(path, "TIFF", tiffinfo=ifd)
    exif = mediaview.decode_image(path).obj.exif
    assert exif is not None and exif[:4] == b"II*\x00"
    ours_, oracle = Image.Exif(), Image.open(path).getexif()
    ours_.load(exif)
    assert ours_[0x010F] == "Canon" and ours_[0x0112] == 6
    assert ours_.get_ifd(0x8769) == oracle.get_ifd(0x8769) != {}
    # A page without an EXIF IFD has none.
    tifffile.imwrite(tmp_path / "plain.tif", np.zeros((4, 4), np.uint8))
    assert mediaview.decode_image(tmp_path / "plain.tif").obj.exif is None


def test_mode_p_gives_a_palette_pages_indices(files):
    path = files["palette"]
    view = mediaview.decode_image(path, mode="P")
    with Image.open(path) as im:
        assert im.mode == "P"
        np.testing.assert_array_equal(np.asarray(view), np.asarray(im))
        palette = np.asarray(view.obj.palette)
        assert palette.shape == (256, 3)
        np.testing.assert_array_equal(palette.ravel()[: len(im.getpalette())], im.getpalette())
    np.testing.assert_array_equal(np.asarray(tifffile_pixels(path)), np.asarray(view))
    # The indices looked up are the RGB decode; a crop is the indices sliced.
    rgb = ours(path, mode="RGB")
    np.testing.assert_array_equal(palette[np.asarray(view)], rgb)
    np.testing.assert_array_equal(ours(path, mode="P", crop=(3, 5, 40, 30)), np.asarray(view)[5:35, 3:43])
    with pytest.raises(ValueError) as e:
        mediaview.decode_image(files["rgb8_strips"], mode="P")
    assert e.value.argument == "mode" and "palette" in str(e.value)


def test_formats_lists_what_tiff_reads():
    tiff = next(f for f in mediaview.formats() if f["name"] == "tiff")
    assert set(tiff["read_dtypes"]) == {"uint8", "uint16", "uint32", "int16", "int32", "float16", "float32", "float64"}
    assert {"RGB", "RGBA", "L", "LA", "CMYK", "P"} <= set(tiff["read_modes"])
    if not tiff["can_write"]:
        assert tiff["modes"] == [] and tiff["dtypes"] == []
