"""PNG through libspng, against independent oracles: Pillow for every 8-bit
result (exactly equal) and OpenCV (IMREAD_UNCHANGED, channels reordered) for
16-bit colour, which Pillow cannot hold. Covers PngSuite (../shared/corpus/png)
and the bundled samples (samples/make_png_samples.py), damaged files, bombs
under an address-space cap, and the encoder.

Where Pillow itself departs from the PNG specification the oracle says so:
a tRNS grey key of a 1/2/4-bit image is compared by Pillow with the value
already scaled to 8 bits, so it never matches (PngSuite ftbbn0g04); mediaview
compares stored samples, as the specification (and libpng, libspng) do.
Gamma (gAMA) is applied by neither.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mediaview
from capped import UNDER_ASAN, run_capped
from conftest import CORPUS, SAMPLES, corpus_files

cv2 = pytest.importorskip("cv2")

PNG_SAMPLES = sorted(SAMPLES.glob("*.png"))
SUITE = corpus_files("png", "*.png")
MODES = [None, "RGB", "RGBA", "L", "LA"]


def ihdr(path: Path) -> tuple:
    data = path.read_bytes()
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    return width, height, depth, color_type, interlace


def has_trns(path: Path) -> bool:
    return b"tRNS" in path.read_bytes().split(b"IDAT")[0]


def own_mode(path: Path) -> str:
    _, _, _, color_type, _ = ihdr(path)
    alpha = color_type in (4, 6) or has_trns(path)
    grey = color_type in (0, 4)
    return ("LA" if alpha else "L") if grey else ("RGBA" if alpha else "RGB")


def arr(view) -> np.ndarray:
    a = np.asarray(view)
    return a[..., None] if a.ndim == 2 else a


def pillow_8bit(path: Path, mode: str) -> np.ndarray:
    """Pillow's 8-bit pixels of `path` in `mode`."""
    im = Image.open(path)
    _, _, depth, color_type, _ = ihdr(path)
    trns = im.info.get("transparency")
    if im.mode.startswith("I"):
        # 16-bit grey: Pillow holds it as I;16; 8 bits are its high byte.
        wide = np.array(im).astype(np.uint16)
        base = Image.fromarray((wide >> 8).astype(np.uint8), "L")
        if trns is not None:
            alpha = np.where(wide == trns, 0, 255).astype(np.uint8)
            base = Image.fromarray(np.dstack([np.array(base), alpha]), "LA")
        im = base
    elif color_type == 0 and trns is not None:
        # Pillow compares the key with 8-bit values; the key is in stored units.
        grey = np.array(im.convert("L"))
        alpha = np.where(grey == trns * (255 // (2**depth - 1)), 0, 255).astype(np.uint8)
        im = Image.fromarray(np.dstack([grey, alpha]), "LA")
    return arr(np.array(im.convert(mode)))


def opencv_16bit(path: Path) -> np.ndarray:
    a = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if a.ndim == 2:
        return a[..., None]
    return a[..., [2, 1, 0]] if a.shape[2] == 3 else a[..., [2, 1, 0, 3]]


# ---- pixels against the oracles ---------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", SUITE)
def test_pngsuite_8bit_equals_pillow(path, mode):
    view = mediaview.decode_image(path, mode=mode, dtype="uint8")
    expected_mode = mode or own_mode(path)
    assert view.obj.mode == expected_mode
    assert view.format == "B"
    np.testing.assert_array_equal(arr(view), pillow_8bit(path, expected_mode))


@pytest.mark.parametrize("path", SUITE)
def test_pngsuite_own_depth(path):
    _, _, depth, color_type, _ = ihdr(path)
    view = mediaview.decode_image(path, mode=None)
    if depth != 16:
        assert view.format == "B"
        return
    assert view.format == "H"
    got = arr(view)
    if color_type in (2, 6):
        np.testing.assert_array_equal(got, opencv_16bit(path))
    elif color_type == 0:
        wide = np.array(Image.open(path)).astype(np.uint16)
        if has_trns(path):
            key = Image.open(path).info["transparency"]
            np.testing.assert_array_equal(got[..., 0], wide)
            np.testing.assert_array_equal(got[..., 1], np.where(wide == key, 0, 65535))
        else:
            np.testing.assert_array_equal(got[..., 0], wide)
    else:  # grey + alpha: OpenCV gives BGRA with B = G = R
        ref = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(got, ref[..., [0, 3]])


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name) for p in PNG_SAMPLES])
def test_samples_equal_the_oracles(path):
    _, _, depth, _, _ = ihdr(path)
    for mode in MODES:
        got = arr(mediaview.decode_image(path, mode=mode, dtype="uint8"))
        np.testing.assert_array_equal(got, pillow_8bit(path, mode or own_mode(path)), err_msg=str(mode))
    if depth == 16:
        np.testing.assert_array_equal(arr(mediaview.decode_image(path, mode=None)), opencv_16bit(path))


def test_dtype_converts_both_ways():
    wide = SAMPLES / "coffee_rgb16.png"
    ref = opencv_16bit(wide)
    np.testing.assert_array_equal(arr(mediaview.decode_image(wide, dtype="uint8")), ref >> 8)
    narrow = SAMPLES / "chelsea_rgb8.png"
    got = arr(mediaview.decode_image(narrow, dtype="uint16"))
    assert got.dtype == np.uint16
    np.testing.assert_array_equal(got, np.array(Image.open(narrow)).astype(np.uint16) * 257)


def test_sixteen_bit_grey_is_native_uint16_and_maps_to_pil_without_copy():
    path = CORPUS / "png" / "basn0g16.png"
    if not path.is_file():
        pytest.skip("conformance corpus absent")
    view = mediaview.decode_image(path, mode=None)
    assert view.format == "H" and view.ndim == 2
    image = mediaview.to_pil(view)
    assert image.mode == "I;16"
    np.testing.assert_array_equal(np.array(image), np.array(Image.open(path)))
    # Shared memory: a write through the view shows in the image.
    writable = mediaview.decode_image(path, mode=None)
    pil = mediaview.to_pil(writable)
    np.asarray(writable)[0, 0] = 12345
    assert pil.getpixel((0, 0)) == 12345


# ---- header, orientation, crop --------------------------------------------------


def test_probe_fields():
    info = mediaview.probe(SAMPLES / "astronaut_palette.png")
    assert (info.format, info.width, info.height) == ("PNG", 160, 160)
    assert info.components == 4 and info.precision == 8
    assert info.palette is True and info.alpha is True and info.color_type == "palette"
    assert info.interlaced is False
    wide = mediaview.probe(SAMPLES / "coffee_rgb16.png")
    assert wide.precision == 16 and wide.components == 3 and wide.colorspace == "RGB"
    assert mediaview.probe(SAMPLES / "chelsea_interlaced.png").interlaced is True
    assert mediaview.probe(SAMPLES / "chelsea_rgb8.png").has_icc is True
    assert mediaview.probe(SAMPLES / "rocket_orient6.png").orientation == 6
    grey = mediaview.probe(SAMPLES / "camera_gray8.png")
    assert grey.colorspace == "Gray" and grey.components == 1


def test_orientation_from_exif_is_a_strided_view():
    path = SAMPLES / "rocket_orient6.png"
    stored = arr(mediaview.decode_image(path))
    shown = np.asarray(mediaview.decode_image(path, orient=True))
    np.testing.assert_array_equal(shown, np.rot90(stored, k=-1))
    np.testing.assert_array_equal(shown, np.array(Image.open(path).transpose(Image.Transpose.ROTATE_270)))


@pytest.mark.parametrize("name", ["chelsea_rgb8.png", "chelsea_interlaced.png", "coffee_rgb16.png",
                                  "astronaut_palette.png", "camera_gray8.png"])
def test_crop_equals_the_full_decode_sliced(name):
    path = SAMPLES / name
    full = arr(mediaview.decode_image(path, mode=None))
    for x, y, w, h in [(0, 0, 1, 1), (5, 9, 40, 30), (0, 20, full.shape[1], 7), (full.shape[1] - 3, full.shape[0] - 2, 3, 2)]:
        part = arr(mediaview.decode_image(path, mode=None, crop=(x, y, w, h)))
        np.testing.assert_array_equal(part, full[y:y + h, x:x + w])


def test_oriented_crop_is_given_in_the_displayed_frame():
    path = SAMPLES / "rocket_orient6.png"
    shown = np.asarray(mediaview.decode_image(path, orient=True))
    part = np.asarray(mediaview.decode_image(path, orient=True, crop=(10, 20, 50, 40)))
    np.testing.assert_array_equal(part, shown[20:60, 10:60])


def test_scale_is_refused():
    with pytest.raises(ValueError):
        mediaview.decode_image(SAMPLES / "chelsea_rgb8.png", scale="1/2")


def test_metadata_is_carried():
    path = SAMPLES / "chelsea_rgb8.png"
    view = mediaview.decode_image(path)
    assert view.obj.icc == Image.open(path).info["icc_profile"]
    rocket = SAMPLES / "rocket_orient6.png"
    assert mediaview.decode_image(rocket).obj.exif == Image.open(rocket).info["exif"][6:]  # Pillow adds Exif\0\0


# ---- damage ------------------------------------------------------------------------


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_ancillary_crc_error_is_a_warning_and_strict_makes_it_an_error():
    data = bytearray((SAMPLES / "chelsea_rgb8.png").read_bytes())
    at = data.find(b"iCCP")
    data[at + 8] ^= 0xFF
    with pytest.warns(mediaview.DecodeWarning, match="iCCP"):
        view = mediaview.decode_image(bytes(data))
    np.testing.assert_array_equal(arr(view), arr(mediaview.decode_image(SAMPLES / "chelsea_rgb8.png")))
    with pytest.raises(mediaview.DecodeError, match="iCCP"):
        mediaview.decode_image(bytes(data), strict=True)


def test_critical_crc_error_is_an_error():
    data = bytearray((SAMPLES / "camera_gray8.png").read_bytes())
    data[29] ^= 0x01  # IHDR's CRC
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_image(bytes(data))


def test_truncated_image_data():
    data = (SAMPLES / "chelsea_rgb8.png").read_bytes()
    full = arr(mediaview.decode_image(data))
    cut = data[: len(data) * 2 // 3]
    with pytest.raises(mediaview.DecodeError, match="truncated"):
        mediaview.decode_image(cut)
    with pytest.warns(mediaview.DecodeWarning, match="truncated"):
        part = arr(mediaview.decode_image(cut, allow_truncated=True))
    whole = [np.array_equal(part[y], full[y]) for y in range(full.shape[0])]
    zero = [not part[y].any() for y in range(full.shape[0])]
    first_zero = whole.index(False)
    assert first_zero > 10 and all(whole[:first_zero]) and all(zero[first_zero:])
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_image(cut, allow_truncated=True, strict=True)


def test_truncated_interlaced_gives_the_passes_read():
    data = (SAMPLES / "chelsea_interlaced.png").read_bytes()
    with pytest.warns(mediaview.DecodeWarning):
        part = arr(mediaview.decode_image(data[: len(data) // 2], allow_truncated=True))
    full = arr(mediaview.decode_image(data))
    # Adam7's first pass (every 8th pixel of every 8th row) is in the first half.
    np.testing.assert_array_equal(part[::8, ::8], full[::8, ::8])


def test_missing_iend_warns_with_every_pixel():
    data = (SAMPLES / "camera_gray8.png").read_bytes()
    with pytest.warns(mediaview.DecodeWarning, match="IEND"):
        view = mediaview.decode_image(data[:-12])
    np.testing.assert_array_equal(arr(view), arr(mediaview.decode_image(data)))


# ---- hostile input, in a subprocess under an address-space cap ------------------

HOSTILE_CALLS = {
    "probe": "mediaview.probe(data)",
    "decode": "mediaview.decode_image(data, mode=None)",
    "truncated": "mediaview.decode_image(data, allow_truncated=True, orient=True, dtype='uint16')",
    "strict_l": "mediaview.decode_image(data, mode='L', strict=True)",
}


def hostile(tmp_path: Path, data: bytes, cap_mb: int = 1200) -> dict:
    return run_capped(tmp_path / "input.png", data, cap_mb, HOSTILE_CALLS, expected=["ValueError"], rss=True)


def test_ihdr_bomb_is_a_limit_error_before_any_allocation(tmp_path):
    # 60000 x 60000 RGBA16: 28.8 GB; the 1.2 GB cap makes any attempt fail.
    body = struct.pack(">IIBBBBB", 60000, 60000, 16, 6, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", body) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")
    out = hostile(tmp_path, data)
    assert out["probe"] == "ok"
    assert out["decode"] == "LimitError" and out["strict_l"] == "LimitError", out


def test_ztxt_bomb_is_a_limit_error(tmp_path):
    # 200 KB of zTXt inflating to 200 MB: stopped at the chunk limit.
    sample = (SAMPLES / "camera_gray8.png").read_bytes()
    bomb = chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"\0" * (200 << 20), 9))
    at = sample.find(b"IDAT") - 4
    out = hostile(tmp_path, sample[:at] + bomb + sample[at:], cap_mb=1200)
    assert out["decode"] == "LimitError", out
    assert UNDER_ASAN or out["rss_mb"] < 400, out


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name) for p in PNG_SAMPLES])
def test_truncations_and_flipped_bytes_give_typed_errors(tmp_path, path):
    data = path.read_bytes()
    rng = np.random.default_rng(len(data))
    cuts = sorted({0, 7, 8, 20, 33, 40, len(data) // 3, len(data) // 2, len(data) - 13, len(data) - 1})
    inputs = [data[:c] for c in cuts]
    for _ in range(6):
        flipped = bytearray(data)
        for at in rng.integers(0, len(data), 3):
            flipped[at] ^= int(rng.integers(1, 256))
        inputs.append(bytes(flipped))
    for i, damaged in enumerate(inputs):
        out = hostile(tmp_path, damaged)
        assert not [v for v in out.values() if isinstance(v, str) and v.startswith("UNEXPECTED")], (i, out)
        if i < len(cuts) and cuts[i] < 8:
            assert out["decode"] == "UnsupportedFormatError", (cuts[i], out)


# ---- the encoder ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["chelsea_rgb8.png", "coffee_rgb16.png", "astronaut_rgba.png", "camera_gray8.png",
                                  "astronaut_palette.png"])
def test_write_image_round_trips(tmp_path, name):
    view = mediaview.decode_image(SAMPLES / name, mode=None)
    out = tmp_path / "out.png"
    mediaview.write_image(out, view)
    back = mediaview.decode_image(out, mode=None)
    assert back.format == view.format and back.obj.mode == view.obj.mode
    np.testing.assert_array_equal(arr(back), arr(view))
    if view.format == "B":
        np.testing.assert_array_equal(arr(view), arr(np.array(Image.open(out))))
    else:
        np.testing.assert_array_equal(arr(view), opencv_16bit(out))


def test_write_image_sixteen_bit_grey_and_la(tmp_path):
    grey = np.arange(0, 65536, 7, dtype=np.uint16)[: 64 * 100].reshape(64, 100)
    out = tmp_path / "g16.png"
    mediaview.write_image(out, memoryview(grey))
    assert Image.open(out).mode.startswith("I;16")
    np.testing.assert_array_equal(np.array(Image.open(out)), grey)
    la = np.dstack([grey, grey[::-1]])
    mediaview.write_image(tmp_path / "la16.png", memoryview(la), mode="LA")
    np.testing.assert_array_equal(np.asarray(mediaview.decode_image(tmp_path / "la16.png", mode=None)), la)


def test_write_image_from_a_strided_view(tmp_path):
    view = mediaview.decode_image(SAMPLES / "rocket_orient6.png", orient=True)
    mediaview.write_image(tmp_path / "o.png", view)
    np.testing.assert_array_equal(np.array(Image.open(tmp_path / "o.png")), np.asarray(view))


def test_compress_level_option(tmp_path):
    view = mediaview.decode_image(SAMPLES / "chelsea_rgb8.png")
    pixels = np.asarray(view)
    for level in (0, 1, 6, 9, 12):
        mediaview.write_image(tmp_path / f"{level}.png", view, compress_level=level)
        np.testing.assert_array_equal(np.array(Image.open(tmp_path / f"{level}.png")), pixels)
    size = {level: (tmp_path / f"{level}.png").stat().st_size for level in (0, 1, 6, 9, 12)}
    # Level 0 stores: every pixel byte plus a filter byte per row, and
    # deflate's 5-byte stored-block headers; nothing smaller.
    assert size[0] >= pixels.nbytes + pixels.shape[0]
    assert size[0] < pixels.nbytes + pixels.shape[0] + 2000 + len(view.obj.icc or b"")
    assert size[12] <= size[6] < size[1] < size[0] / 1.5
    with pytest.raises(ValueError):
        mediaview.write_image(tmp_path / "x.png", view, compress_level=13)
    with pytest.raises(TypeError, match="quality"):  # not a PNG option: like any unexpected keyword
        mediaview.write_image(tmp_path / "x.png", view, quality=90)


def test_writer_output_against_pillow_and_zlib(tmp_path):
    """Every chunk's CRC and the zlib stream are checked by Pillow's decoder
    with its CRC checks on; a 16-bit RGBA image goes through OpenCV."""
    from PIL import ImageFile

    assert not ImageFile.LOAD_TRUNCATED_IMAGES
    rng = np.random.default_rng(3)
    rgba16 = rng.integers(0, 65536, (37, 53, 4), dtype=np.uint16)
    mediaview.write_image(tmp_path / "rgba16.png", memoryview(rgba16), mode="RGBA")
    ref = cv2.imread(str(tmp_path / "rgba16.png"), cv2.IMREAD_UNCHANGED)[..., [2, 1, 0, 3]]
    np.testing.assert_array_equal(ref, rgba16)
    for name in ("chelsea_rgb8.png", "astronaut_rgba.png", "camera_gray8.png"):
        view = mediaview.decode_image(SAMPLES / name, mode=None)
        mediaview.write_image(tmp_path / name, view)
        data = (tmp_path / name).read_bytes()
        assert data.endswith(b"IEND\xaeB`\x82")
        with Image.open(tmp_path / name) as im:
            im.load()
            np.testing.assert_array_equal(arr(np.array(im)), arr(view))


def test_metadata_survives_a_png_to_png_write(tmp_path):
    view = mediaview.decode_image(SAMPLES / "chelsea_rgb8.png")
    mediaview.write_image(tmp_path / "icc.png", view)
    assert Image.open(tmp_path / "icc.png").info["icc_profile"] == view.obj.icc
    rocket = mediaview.decode_image(SAMPLES / "rocket_orient6.png")
    mediaview.write_image(tmp_path / "exif.png", rocket)
    assert mediaview.probe(tmp_path / "exif.png").orientation == 6
