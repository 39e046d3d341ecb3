"""JPEG XL decoding and encoding against djxl (Debian's libjxl-tools, the
same libjxl 0.7: exact) and pillow-jxl-plugin (another libjxl build: within
1 for lossy files); 8/16-bit, float, alpha, grey, orientation, animation;
our writer read back by djxl; damaged and hostile files."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import warnings

import numpy as np
import pytest
from PIL import Image

import mediaview
from capped import run_capped
from conftest import SAMPLES
from quiet_stderr import assert_damaged_decodes_print_nothing
from threaded_decode import assert_lone_decode_equals_a_batch_item

JXL_SAMPLES = sorted(SAMPLES.glob("*.jxl"))
STILLS = [p for p in JXL_SAMPLES if "animated" not in p.name]
ANIMATED = SAMPLES / "coffee_animated.jxl"
needs_djxl = pytest.mark.skipif(shutil.which("djxl") is None, reason="djxl (Debian libjxl-tools) is not installed")


def read_pnm(data: bytes) -> np.ndarray:
    """djxl's PGM/PPM/PAM/PFM output, at its own depth."""
    if data.startswith(b"P7"):
        end = data.index(b"ENDHDR\n") + 7
        header = dict(line.split(b" ", 1) for line in data[:end].split(b"\n")[1:-2])
        w, h, d, maxval = (int(header[k]) for k in (b"WIDTH", b"HEIGHT", b"DEPTH", b"MAXVAL"))
        body = data[end:]
    else:
        fields = data.split(maxsplit=4)
        kind, w, h, scale, body = fields[0], int(fields[1]), int(fields[2]), fields[3], fields[4]
        if kind in (b"PF", b"Pf"):
            d = 3 if kind == b"PF" else 1
            pixels = np.frombuffer(body, "<f4" if float(scale) < 0 else ">f4").reshape(h, w, d)[::-1]
            return pixels.astype(np.float32)
        d, maxval = (3 if kind == b"P6" else 1), int(scale)
    pixels = np.frombuffer(body, ">u2" if maxval > 255 else np.uint8).reshape(h, w, d)
    return pixels.astype(np.uint16 if maxval > 255 else np.uint8)


def djxl(path, tmp_path, suffix) -> np.ndarray:
    out = tmp_path / f"out{suffix}"
    subprocess.run(["djxl", str(path), str(out)], check=True, capture_output=True)
    pixels = read_pnm(out.read_bytes())
    return pixels[..., 0] if pixels.shape[2] == 1 else pixels


def decode(src, **kw):
    return np.asarray(mediaview.decode_image(src, **kw))


# ---- equality with djxl -----------------------------------------------------------


@needs_djxl
@pytest.mark.parametrize("name, suffix, kw", [
    ("chelsea.jxl", ".ppm", {}),
    ("chelsea_alpha.jxl", ".pam", {"mode": "RGBA"}),
    ("camera_gray_lossless.jxl", ".pgm", {"mode": "L"}),
    ("coffee_16bit.jxl", ".ppm", {"dtype": "uint16"}),
    ("rocket_orient6.jxl", ".ppm", {}),
])
def test_own_depth_equals_djxl(name, suffix, kw, tmp_path):
    path = SAMPLES / name
    expected = djxl(path, tmp_path, suffix)
    if name.startswith("rocket"):
        # djxl shows the image oriented; we decode as stored unless asked.
        assert np.array_equal(decode(path, orient=True), expected)
        assert decode(path).shape == (180, 120, 3) and mediaview.probe(path).orientation == 6
        return
    got = decode(path, **kw)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("path", [SAMPLES / "chelsea.jxl", SAMPLES / "chelsea_alpha.jxl"], ids=lambda p: p.name)
def test_pillow_jxl_plugin_agrees_within_one(path):
    pytest.importorskip("pillow_jxl")
    with Image.open(path) as im:
        expected = np.asarray(im)
    got = decode(path, mode=None)
    assert got.shape == expected.shape and np.abs(got.astype(int) - expected).max() <= 1


@pytest.mark.parametrize("mode", ["RGB", "BGR", "RGBA", "BGRA", "RGBX", "L", "LA"])
def test_every_mode_is_the_own_layout_converted(mode):
    path = SAMPLES / "chelsea_alpha.jxl"
    rgba = decode(path, mode="RGBA")
    got = decode(path, mode=mode)
    expected = {
        "RGB": rgba[..., :3], "BGR": rgba[..., 2::-1], "RGBA": rgba, "BGRA": rgba[..., [2, 1, 0, 3]],
        "RGBX": np.dstack([rgba[..., :3], np.full(rgba.shape[:2], 255, np.uint8)]),
        "L": np.asarray(Image.fromarray(rgba[..., :3]).convert("L")),
        "LA": np.dstack([np.asarray(Image.fromarray(rgba[..., :3]).convert("L")), rgba[..., 3]]),
    }[mode]
    assert np.array_equal(got, expected)


def test_depths_agree():
    path = SAMPLES / "coffee_16bit.jxl"
    wide = decode(path, dtype="uint16")
    assert wide.max() > 255 and (wide % 257 != 0).mean() > 0.5
    assert np.abs((wide / 257.0).round() - decode(path)).max() <= 1
    assert decode(SAMPLES / "coffee_float.jxl", dtype="uint16").dtype == np.uint16


@needs_djxl
def test_float32_equals_djxl_pfm(tmp_path):
    # dtype="float32": libjxl's float output, as djxl writes a float file to
    # a PFM (the same library: exact); values past 1.0 are kept, not clipped.
    view = mediaview.decode_image(SAMPLES / "coffee_float.jxl", dtype="float32")
    assert view.format == "f"
    expected = djxl(SAMPLES / "coffee_float.jxl", tmp_path, ".pfm")
    assert expected.max() > 1.0
    np.testing.assert_array_equal(np.asarray(view), expected)


@pytest.mark.parametrize("name,dtype,top", [("coffee_16bit.jxl", "uint16", 65535), ("chelsea.jxl", "uint8", 255)])
def test_float32_of_an_integer_file_rounds_to_its_integer_decode(name, dtype, top):
    # djxl writes no PFM for integer files: the oracle is libjxl's own
    # integer output, which is the float one clipped, scaled and rounded.
    floats = decode(SAMPLES / name, dtype="float32")
    integers = decode(SAMPLES / name, dtype=dtype)
    np.testing.assert_array_equal(np.round(np.clip(floats, 0, 1) * top).astype(integers.dtype), integers)


def test_float32_in_batches_frames_and_the_refusals():
    paths = [SAMPLES / "coffee_float.jxl", SAMPLES / "coffee_float.jxl"]
    batch = np.asarray(mediaview.decode_images(paths, dtype="float32"))
    assert batch.dtype == np.float32 and batch.shape == (2, 64, 96, 3)
    np.testing.assert_array_equal(batch[0], decode(paths[0], dtype="float32"))
    frames, _ = mediaview.decode_frames(ANIMATED, dtype="float32")
    assert frames.format == "f" and frames.shape == (4, 80, 120, 3)
    grey = decode(SAMPLES / "chelsea.jxl", dtype="float32", mode="L")
    assert grey.ndim == 2 and grey.dtype == np.float32
    with pytest.raises(ValueError, match="JPEG XL decodes float32 as L, LA, RGB or RGBA, not mode BGR"):
        decode(paths[0], dtype="float32", mode="BGR")
    with pytest.raises(ValueError, match="JPEG XL decodes to uint8 or uint16 or float32, not float64"):
        decode(paths[0], dtype="float64")


def test_probe_reports_the_colour_encoding():
    info = mediaview.probe(SAMPLES / "chelsea.jxl")
    d = info.as_dict()
    assert (info.format, info.width, info.height, info.components, info.precision) == ("JXL", 451, 300, 3, 8)
    assert (d["color_primaries"], d["transfer_characteristics"], d["white_point"]) == (1, 13, 1)  # sRGB
    assert d["lossless"] is False and d["alpha"] is False
    assert mediaview.probe(SAMPLES / "coffee_float.jxl").as_dict()["float"] is True
    assert mediaview.probe(SAMPLES / "camera_gray_lossless.jxl").colorspace == "Gray"
    assert mediaview.probe(ANIMATED).as_dict()["frames"] == 4


def test_crops_equal_the_full_decode_sliced():
    rng = random.Random(3)
    for path, kw in ((SAMPLES / "chelsea_alpha.jxl", {"mode": "LA"}), (SAMPLES / "coffee_16bit.jxl", {"dtype": "uint16"})):
        full = decode(path, **kw)
        h, w = full.shape[:2]
        for _ in range(15):
            x, y = rng.randrange(w), rng.randrange(h)
            cw, ch = rng.randint(1, w - x), rng.randint(1, h - y)
            assert np.array_equal(decode(path, crop=(x, y, cw, ch), **kw), full[y:y + ch, x:x + cw])


# ---- animation ----------------------------------------------------------------


@needs_djxl
def test_animation_frames_and_durations(tmp_path):
    view, durations = mediaview.decode_frames(ANIMATED, mode="RGB")
    frames = np.asarray(view)
    assert frames.shape == (4, 80, 120, 3)
    assert list(durations) == [50, 70, 90, 110]
    # djxl writes one file a frame, out-<k>.ppm.
    subprocess.run(["djxl", str(ANIMATED), str(tmp_path / "out.ppm")], check=True, capture_output=True)
    for k in range(4):
        expected = read_pnm((tmp_path / f"out-{k}.ppm").read_bytes())
        assert np.array_equal(frames[k], expected), k
        assert np.array_equal(decode(ANIMATED, frame=k), frames[k]), k
    assert not np.array_equal(frames[0], frames[3])
    with pytest.raises(ValueError, match="frame 4"):
        mediaview.decode_image(ANIMATED, frame=4)


# ---- damage ---------------------------------------------------------------------


def test_truncated_file_is_refused_or_partial_on_request():
    data = (SAMPLES / "chelsea.jxl").read_bytes()
    full = decode(data)
    cut = data[: len(data) * 2 // 3]
    with pytest.raises(mediaview.DecodeError, match="truncated"):
        mediaview.decode_image(cut)
    with pytest.warns(mediaview.DecodeWarning, match="truncated") as caught:
        partial = decode(cut, allow_truncated=True)
    rows = int(str(caught[0].message).split(": ")[1].split(" of ")[0])
    assert rows < 300  # libjxl 0.7 hands over a frame's rows when it completes: measured 0 here
    complete = [y for y in range(300) if np.array_equal(partial[y], full[y])]
    assert len(complete) >= rows
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_image(cut, allow_truncated=True, strict=True)
    anim = ANIMATED.read_bytes()
    # JPEG XL states no frame count: a cut file has as many as its frame headers show.
    with pytest.warns(mediaview.DecodeWarning, match=r"\d of \d frames"):
        mediaview.decode_frames(anim[: len(anim) // 2], allow_truncated=True)


def test_damaged_files_raise_typed_errors():
    rng = random.Random(11)
    for path in JXL_SAMPLES:
        data = path.read_bytes()
        for _ in range(25):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                damaged[rng.randrange(2, len(data))] ^= rng.randint(1, 255)
            for call in (lambda: mediaview.decode_image(bytes(damaged)),
                         lambda: mediaview.decode_image(bytes(damaged), mode="L", crop=(3, 3, 20, 20)),
                         lambda: mediaview.decode_frames(bytes(damaged))):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", mediaview.DecodeWarning)
                        call()
                except mediaview.Error:
                    pass


HOSTILE_CALLS = {
    "probe": "mediaview.probe(data)",
    "decode": "mediaview.decode_image(data)",
    "frames": "mediaview.decode_frames(data)",
    "truncated": "mediaview.decode_image(data, allow_truncated=True, mode='L')",
}


def test_limits_are_checked_from_the_header():
    with pytest.raises(mediaview.LimitError, match="max_pixels=1000"):
        mediaview.decode_image(SAMPLES / "chelsea.jxl", max_pixels=1000)
    with pytest.raises(mediaview.LimitError, match="all frames"):
        mediaview.decode_frames(ANIMATED, max_pixels=120 * 80 * 3)


@pytest.mark.parametrize("path", JXL_SAMPLES, ids=lambda p: p.name)
def test_every_truncation_is_typed_under_a_memory_cap(path, tmp_path):
    data = path.read_bytes()
    for cut in sorted({0, 1, 2, 5, 12, 40, *range(100, len(data), max(1, len(data) // 6))}):
        result = run_capped(tmp_path / "cut.jxl", data[:cut], 1500, HOSTILE_CALLS, expected=["MemoryError"])
        assert not [v for v in result.values() if v.startswith("UNEXPECTED")], (cut, result)


# ---- encoding -------------------------------------------------------------------


def psnr(a, b, peak=255.0):
    return 10 * np.log10(peak ** 2 / np.mean((a.astype(float) - b.astype(float)) ** 2))


@needs_djxl
def test_lossless_round_trips_exactly_through_djxl(tmp_path):
    for kw, suffix in (({"mode": "RGBA"}, ".pam"), ({"dtype": "uint16"}, ".ppm")):
        src = SAMPLES / ("chelsea_alpha.jxl" if "mode" in kw else "coffee_16bit.jxl")
        pixels = decode(src, **kw)
        out = tmp_path / "lossless.jxl"
        mediaview.write_image(out, pixels, lossless=True, effort=3)
        assert np.array_equal(djxl(out, tmp_path, suffix), pixels)
        assert np.array_equal(decode(out, **kw), pixels)


def test_quality_and_effort(tmp_path):
    pixels = decode(SAMPLES / "chelsea.jxl")
    sizes = {}
    for q in (40, 75, 95):
        data = mediaview.encode_image(pixels, "jxl", quality=q, effort=3)
        sizes[q] = len(data)
        assert psnr(decode(data), pixels) > (30 if q == 40 else 36), q
    assert sizes[40] < sizes[75] < sizes[95]
    assert mediaview.encode_image(pixels, "jxl", effort=1) != mediaview.encode_image(pixels, "jxl", effort=7)


def test_orientation_and_modes_are_stored():
    exif = Image.Exif()
    exif[0x0112] = 6
    pixels = decode(SAMPLES / "chelsea_alpha.jxl", mode="BGRA")
    data = mediaview.encode_image(pixels, "jxl", mode="BGRA", exif=exif.tobytes(), lossless=True, effort=2)
    assert mediaview.probe(data).orientation == 6
    assert np.array_equal(decode(data, mode="BGRA"), pixels)
    grey = decode(SAMPLES / "camera_gray_lossless.jxl", mode="L")
    assert np.array_equal(decode(mediaview.encode_image(grey, "jxl", lossless=True), mode="L"), grey)


def test_bad_options_are_refused():
    pixels = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="effort"):
        mediaview.encode_image(pixels, "jxl", effort=10)
    with pytest.raises(TypeError, match="jxl takes no option 'speed'"):
        mediaview.encode_image(pixels, "jxl", speed=3)


def test_damaged_files_print_nothing_on_stderr():
    # Debian's libjxl 0.7 prints "./lib/jxl/...: JXL_FAILURE" lines on damaged
    # input (no run-time switch); src/stderr_filter.hpp drops them while it decodes.
    assert_damaged_decodes_print_nothing(SAMPLES / "chelsea.jxl", 10)


def test_a_lone_decode_threaded_by_the_library_equals_a_batch_item(tmp_path):
    assert_lone_decode_equals_a_batch_item(tmp_path / "large.jxl")
