"""WebP decoding and encoding against independent oracles: Pillow (its own
bundled libwebp: still images, modes, animation frames and durations),
dwebp from Debian's webp package (libwebp's scaled decodes, which Pillow
cannot make) and numpy slicing; damaged and hostile files."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import warnings

import numpy as np
import pytest
from PIL import Image, ImageOps

import mediaview
from capped import run_capped
from conftest import SAMPLES

WEBP_SAMPLES = sorted(SAMPLES.glob("*.webp"))
STILLS = [p for p in WEBP_SAMPLES if "animated" not in p.name]
ANIMATED = SAMPLES / "coffee_animated.webp"
MODES = ["RGB", "BGR", "RGBA", "BGRA", "L", "LA"]


def pillow_pixels(src, mode=None, frame=0):
    src = io.BytesIO(src) if isinstance(src, bytes) else src
    with Image.open(src) as im:
        im.seek(frame)
        im.load()
        return np.asarray(im if mode is None else im.convert(mode))


def pillow_mode(mode):
    """Pillow's pixels for one of our modes: BGR(A) are RGB(A) reversed."""
    return {"BGR": "RGB", "BGRA": "RGBA"}.get(mode, mode)


def as_mode(pixels, mode):
    if mode == "BGR":
        return pixels[..., ::-1]
    if mode == "BGRA":
        return pixels[..., [2, 1, 0, 3]]
    return pixels


def read_pam(data: bytes) -> np.ndarray:
    """dwebp's PAM output (Pillow does not read PAM)."""
    end = data.index(b"ENDHDR\n") + 7
    header = dict(line.split(b" ", 1) for line in data[:end].split(b"\n")[1:-2])
    shape = int(header[b"HEIGHT"]), int(header[b"WIDTH"]), int(header[b"DEPTH"])
    return np.frombuffer(data[end:], np.uint8).reshape(shape)


def decode(src, **kw):
    return np.asarray(mediaview.decode_image(src, **kw))


# ---- equality with Pillow -----------------------------------------------------


@pytest.mark.parametrize("path", STILLS, ids=lambda p: p.name)
@pytest.mark.parametrize("mode", MODES)
def test_every_mode_equals_pillow(path, mode):
    expected = as_mode(pillow_pixels(path, pillow_mode(mode)), mode)
    got = decode(path, mode=mode)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("path", STILLS, ids=lambda p: p.name)
def test_own_layout_is_pillows(path):
    view = mediaview.decode_image(path, mode=None)
    expected = pillow_pixels(path)
    assert view.obj.mode == ("RGBA" if expected.shape[2] == 4 else "RGB")
    assert np.array_equal(np.asarray(view), expected)


def test_probe_describes_the_file():
    lossy = mediaview.probe(SAMPLES / "chelsea_lossy.webp")
    assert (lossy.format, lossy.width, lossy.height, lossy.components) == ("WEBP", 451, 300, 3)
    d = lossy.as_dict()
    assert d["lossless"] is False and d["alpha"] is False and d["animated"] is False and d["frames"] == 1
    assert mediaview.probe(SAMPLES / "coffee_lossless.webp").as_dict()["lossless"] is True
    assert mediaview.probe(SAMPLES / "chelsea_alpha.webp").as_dict()["alpha"] is True
    rocket = mediaview.probe(SAMPLES / "rocket_orient6.webp")
    assert rocket.orientation == 6 and rocket.has_icc
    anim = mediaview.probe(ANIMATED).as_dict()
    with Image.open(ANIMATED) as im:
        assert anim["frames"] == im.n_frames and anim["loop_count"] == im.info["loop"]
        assert (anim["width"], anim["height"]) == im.size
    assert anim["animated"] is True


def test_icc_and_exif_are_the_files():
    view = mediaview.decode_image(SAMPLES / "rocket_orient6.webp")
    with Image.open(SAMPLES / "rocket_orient6.webp") as im:
        assert view.obj.icc == im.info["icc_profile"]
        exif = im.info["exif"]
        assert view.obj.exif == (exif[6:] if exif.startswith(b"Exif\0\0") else exif)


def test_orient_equals_pillow_exif_transpose():
    path = SAMPLES / "rocket_orient6.webp"
    with Image.open(path) as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    assert np.array_equal(decode(path, orient=True), expected)


# ---- scale and crop -----------------------------------------------------------


@pytest.mark.parametrize("path", STILLS, ids=lambda p: p.name)
def test_crops_equal_the_full_decode_sliced(path):
    rng = random.Random(path.name)
    for mode in ("RGBA", "L"):
        full = decode(path, mode=mode)
        h, w = full.shape[:2]
        crops = [(0, 0, 1, 1), (w - 1, h - 1, 1, 1), (1, 1, w - 2, h - 2), (7, 0, 3, h)]
        for _ in range(40):
            x, y = rng.randrange(w), rng.randrange(h)
            crops.append((x, y, rng.randint(1, w - x), rng.randint(1, h - y)))
        for x, y, cw, ch in crops:
            got = decode(path, mode=mode, crop=(x, y, cw, ch))
            assert np.array_equal(got, full[y:y + ch, x:x + cw]), (mode, x, y, cw, ch)


@pytest.mark.skipif(shutil.which("dwebp") is None, reason="dwebp (Debian package webp) is not installed")
@pytest.mark.parametrize("path", STILLS, ids=lambda p: p.name)
@pytest.mark.parametrize("scale", ["1/2", "1/3", "3/4", "1/8"])
def test_scale_equals_dwebp_resize(path, scale, tmp_path):
    num, den = map(int, scale.split("/"))
    info = mediaview.probe(path)
    w, h = -(-info.width * num // den), -(-info.height * num // den)
    out = tmp_path / "scaled.pam"
    subprocess.run(["dwebp", str(path), "-resize", str(w), str(h), "-pam", "-o", str(out)], check=True,
                   capture_output=True)
    expected = read_pam(out.read_bytes())
    assert np.array_equal(decode(path, mode="RGBA", scale=scale), expected)
    # A crop of the scaled image is that image sliced.
    got = decode(path, mode="RGBA", scale=scale, crop=(w // 4, h // 3, w // 2, h // 2))
    assert np.array_equal(got, expected[h // 3:h // 3 + h // 2, w // 4:w // 4 + w // 2])


# ---- animation ------------------------------------------------------------------


def test_animation_frames_and_durations_equal_pillow():
    view, durations = mediaview.decode_frames(ANIMATED, mode="RGBA")
    frames = np.asarray(view)
    with Image.open(ANIMATED) as im:
        assert frames.shape == (im.n_frames, im.size[1], im.size[0], 4)
        expected_durations = []
        for k in range(im.n_frames):
            im.seek(k)
            im.load()
            expected_durations.append(im.info["duration"])
            assert np.array_equal(frames[k], np.asarray(im.convert("RGBA"))), k
    assert list(durations) == expected_durations
    assert len(set(expected_durations)) > 1  # the sample's frames differ in length


@pytest.mark.parametrize("mode", MODES)
def test_one_frame_equals_pillow(mode):
    for k in (0, 3, 5):
        expected = as_mode(pillow_pixels(ANIMATED, pillow_mode(mode), frame=k), mode)
        assert np.array_equal(decode(ANIMATED, mode=mode, frame=k), expected), k


def test_decode_frames_of_a_still_image_is_one_frame():
    view, durations = mediaview.decode_frames(SAMPLES / "chelsea_lossy.webp", mode="RGB")
    assert np.asarray(view).shape == (1, 300, 451, 3)
    assert np.array_equal(np.asarray(view)[0], pillow_pixels(SAMPLES / "chelsea_lossy.webp"))
    assert list(durations) == [0]


def test_frame_out_of_range_and_scaled_animation_are_refused():
    with pytest.raises(ValueError, match="frame 6"):
        mediaview.decode_image(ANIMATED, frame=6)
    with pytest.raises(ValueError, match="frame 1"):
        mediaview.decode_image(SAMPLES / "chelsea_lossy.webp", frame=1)
    with pytest.raises(ValueError, match="scale"):
        mediaview.decode_image(ANIMATED, scale="1/2")


def test_frame_of_a_jpeg_is_refused_not_ignored():
    with pytest.raises(ValueError, match="jpeg images have one frame"):
        mediaview.decode_image(SAMPLES / "chelsea_420.jpg", frame=1)
    with pytest.raises(ValueError, match="frame must be 0 or more"):
        mediaview.decode_image(SAMPLES / "chelsea_420.jpg", frame=-1)


def test_decode_frames_of_a_jpeg_is_refused():
    with pytest.raises(mediaview.UnsupportedFormatError, match="no frames"):
        mediaview.decode_frames(SAMPLES / "chelsea_420.jpg")


# ---- damage ---------------------------------------------------------------------


@pytest.mark.parametrize("path", STILLS, ids=lambda p: p.name)
def test_truncated_file_is_refused_or_partial_on_request(path):
    data = path.read_bytes()
    full = decode(data, mode="RGB")
    cut = data[: len(data) * 3 // 4]
    with pytest.raises(mediaview.DecodeError, match="truncated"):
        mediaview.decode_image(cut)
    with pytest.warns(mediaview.DecodeWarning, match="truncated") as caught:
        partial = decode(cut, mode="RGB", allow_truncated=True)
    rows = int(str(caught[0].message).split(": ")[1].split(" of ")[0])
    assert 0 < rows < full.shape[0]
    assert np.array_equal(partial[:rows], full[:rows])
    assert not partial[rows:].any()
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_image(cut, allow_truncated=True, strict=True)


def test_damaged_files_raise_typed_errors():
    rng = random.Random(5)
    for path in WEBP_SAMPLES:
        data = path.read_bytes()
        for _ in range(40):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                damaged[rng.randrange(12, len(data))] ^= rng.randint(1, 255)
            for call in (lambda: mediaview.decode_image(bytes(damaged)),
                         lambda: mediaview.decode_image(bytes(damaged), mode="L", crop=(3, 3, 20, 20)),
                         lambda: mediaview.decode_frames(bytes(damaged))):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", mediaview.DecodeWarning)
                        call()
                except mediaview.Error:
                    pass


def vp8l_header(width: int, height: int, payload: bytes = b"\0" * 16) -> bytes:
    bits = (width - 1) | (height - 1) << 14
    body = b"\x2f" + bits.to_bytes(4, "little") + payload
    chunk = b"VP8L" + len(body).to_bytes(4, "little") + body + b"\0" * (len(body) & 1)
    return b"RIFF" + (4 + len(chunk)).to_bytes(4, "little") + b"WEBP" + chunk


def vp8x_animation(width: int, height: int) -> bytes:
    vp8x = b"VP8X" + (10).to_bytes(4, "little") + bytes([0x02, 0, 0, 0]) + \
        (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    anim = b"ANIM" + (6).to_bytes(4, "little") + b"\0" * 6
    body = b"WEBP" + vp8x + anim
    return b"RIFF" + len(body).to_bytes(4, "little") + body


HOSTILE_CALLS = {
    "probe": "mediaview.probe(data)",
    "decode": "mediaview.decode_image(data)",
    "frames": "mediaview.decode_frames(data)",
    "truncated": "mediaview.decode_image(data, allow_truncated=True, mode='L')",
}


def run_hostile(data: bytes, tmp_path, cap_mb: int) -> dict:
    return run_capped(tmp_path / "hostile.webp", data, cap_mb, HOSTILE_CALLS, expected=["MemoryError"])


def test_absurd_dimensions_are_a_limit_error_before_any_allocation(tmp_path):
    # 16384 x 16384 (the format's largest) is above the default pixel limit;
    # under a 600 MB address-space cap a 805 MB buffer could not be made, so
    # LimitError means the limit was checked first.
    result = run_hostile(vp8l_header(16384, 16384), tmp_path, 600)
    assert result["probe"] == "ok", result
    assert result["decode"] == result["truncated"] == result["frames"] == "LimitError", result
    # An animation canvas of 2^24 x 2^24.
    result = run_hostile(vp8x_animation(1 << 24, 1 << 24), tmp_path, 600)
    assert not [v for v in result.values() if v.startswith("UNEXPECTED")], result
    assert result["decode"] in ("LimitError", "DecodeError"), result


def test_a_modest_header_without_data_fails_typed(tmp_path):
    result = run_hostile(vp8l_header(9000, 9000), tmp_path, 1500)
    assert result["decode"] == "DecodeError", result
    assert result["truncated"] in ("ok", "DecodeError"), result


@pytest.mark.parametrize("path", WEBP_SAMPLES, ids=lambda p: p.name)
def test_every_truncation_is_typed_under_a_memory_cap(path, tmp_path):
    data = path.read_bytes()
    for cut in sorted({0, 4, 11, 12, 20, 30, 40, 64, *range(100, len(data), max(1, len(data) // 12))}):
        result = run_hostile(data[:cut], tmp_path, 1500)
        assert not [v for v in result.values() if v.startswith("UNEXPECTED")], (cut, result)
        if cut < 12:
            assert result["decode"] == "UnsupportedFormatError", (cut, result)
        else:
            assert result["decode"] in ("DecodeError", "ok"), (cut, result)


# ---- encoding --------------------------------------------------------------------


def test_write_image_lossless_round_trips_exactly(tmp_path):
    pixels = decode(SAMPLES / "chelsea_lossy.webp", mode="RGB")
    out = tmp_path / "out.webp"
    mediaview.write_image(out, pixels, lossless=True)
    assert np.array_equal(pillow_pixels(out), pixels)
    assert mediaview.probe(out).as_dict()["lossless"] is True


def test_write_image_lossy_quality(tmp_path):
    pixels = decode(SAMPLES / "chelsea_lossy.webp", mode="RGB")
    sizes = {}
    for q in (20, 80, 95):
        out = tmp_path / f"q{q}.webp"
        mediaview.write_image(out, pixels, quality=q)
        sizes[q] = out.stat().st_size
        back = pillow_pixels(out).astype(float)
        psnr = 10 * np.log10(255 ** 2 / np.mean((back - pixels) ** 2))
        assert psnr > (28 if q == 20 else 35), (q, psnr)
    assert sizes[20] < sizes[80] < sizes[95]


def test_write_image_keeps_alpha_icc_and_exif(tmp_path):
    view = mediaview.decode_image(SAMPLES / "rocket_orient6.webp", mode="RGB")
    out = tmp_path / "meta.webp"
    mediaview.write_image(out, view)
    with Image.open(out) as im:
        assert im.info["icc_profile"] == view.obj.icc
        assert im.getexif()[0x0112] == 6
    rgba = decode(SAMPLES / "chelsea_alpha.webp", mode="RGBA")
    mediaview.write_image(tmp_path / "alpha.webp", rgba, lossless=True)
    back = pillow_pixels(tmp_path / "alpha.webp")
    assert np.array_equal(back[..., 3], rgba[..., 3])
    visible = rgba[..., 3] > 0
    assert np.array_equal(back[visible], rgba[visible])


def test_write_image_refuses_bad_options(tmp_path):
    pixels = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="quality"):
        mediaview.write_image(tmp_path / "x.webp", pixels, quality=101)
    with pytest.raises(TypeError, match="webp takes no option 'subsampling'"):
        mediaview.write_image(tmp_path / "x.webp", pixels, subsampling="420")
