"""Resize on load (size=, fit=, filter=, fill=) against Pillow's resize of the
full-size decode: PSNR on real photos, exact shapes and fill colours."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import CORPUS, SAMPLES

PILLOW_FILTERS = {"area": Image.BOX, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}
PHOTOS = [SAMPLES / n for n in ("chelsea_420.jpg", "astronaut_444.jpg", "coffee_422.jpg", "astronaut_progressive.jpg")]
PHOTOS += sorted((CORPUS / "jpeg").glob("testorig.jpg")) + sorted((CORPUS / "exif").glob("Landscape_1.jpg"))
SIZES = [(224, 224), (160, 96), (64, 200)]


def psnr(a, b, peak=255.0):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(peak**2 / mse)


def half_up(x):
    return int(math.floor(x + 0.5))


def resized_size(w, h, tw, th, fit):
    """The whole image's size before cover's crop or contain's padding."""
    if fit == "fill":
        return tw, th
    sx, sy = tw / w, th / h
    if fit == "cover":
        s = max(sx, sy)
        return max(tw, half_up(w * s)), max(th, half_up(h * s))
    s = min(sx, sy)
    return min(tw, max(1, half_up(w * s))), min(th, max(1, half_up(h * s)))


def pillow_oracle(full, size, fit, filt, fill=0):
    """Pillow's resize of the full-size decode, then the centre crop or pad."""
    h, w = full.shape[:2]
    tw, th = size
    rw, rh = resized_size(w, h, tw, th, fit)
    resized = np.asarray(Image.fromarray(full).resize((rw, rh), PILLOW_FILTERS[filt]))
    if fit == "cover":
        x, y = (rw - tw) // 2, (rh - th) // 2
        return resized[y:y + th, x:x + tw]
    if fit == "contain":
        out = np.empty((th, tw) + full.shape[2:], full.dtype)
        out[...] = fill
        x, y = (tw - rw) // 2, (th - rh) // 2
        out[y:y + rh, x:x + rw] = resized
        return out
    return resized


@pytest.mark.parametrize("photo", PHOTOS, ids=lambda p: p.name)
@pytest.mark.parametrize("fit", ["fill", "cover", "contain"])
@pytest.mark.parametrize("filt", list(PILLOW_FILTERS))
def test_every_filter_and_fit_matches_pillow(photo, fit, filt):
    full = np.asarray(mediaview.decode_image(photo))
    for size in SIZES:
        ours = np.asarray(mediaview.decode_image(photo, size=size, fit=fit, filter=filt))
        assert ours.shape == (size[1], size[0], 3)
        ref = pillow_oracle(full, size, fit, filt)
        assert psnr(ours, ref) >= 35, (photo.name, size, fit, filt, psnr(ours, ref))


@pytest.mark.parametrize("fit", ["fill", "cover", "contain"])
def test_upscaling_a_small_image(fit):
    small = SAMPLES / "chelsea_420.jpg"
    full = np.asarray(mediaview.decode_image(small, scale="1/8"))  # 57 x 38
    data = mediaview.encode_jpeg(full, quality=95) if hasattr(mediaview, "encode_jpeg") else None
    ours = np.asarray(mediaview.decode_image(data, size=(120, 100), fit=fit, filter="bicubic"))
    ref = pillow_oracle(np.asarray(mediaview.decode_image(data)), (120, 100), fit, "bicubic")
    assert ours.shape == (100, 120, 3) and psnr(ours, ref) >= 35


def test_contain_pads_with_the_fill_colour():
    photo = SAMPLES / "chelsea_420.jpg"  # 451 x 300: wider than tall
    out = np.asarray(mediaview.decode_image(photo, size=(200, 200), fit="contain", fill=(10, 200, 30)))
    rw, rh = resized_size(451, 300, 200, 200, "contain")
    assert (rw, rh) == (200, 133)
    top = (200 - rh) // 2
    assert (out[:top] == (10, 200, 30)).all() and (out[top + rh:] == (10, 200, 30)).all()
    assert not (out[top:top + rh] == (10, 200, 30)).all(axis=-1).any(axis=-1).all()
    grey = np.asarray(mediaview.decode_image(photo, size=(200, 200), fit="contain", fill=255, mode="L"))
    assert grey.shape == (200, 200) and (grey[:top] == 255).all()


def test_cover_and_fill_have_no_padding():
    photo = SAMPLES / "chelsea_420.jpg"
    for fit in ("cover", "fill"):
        out = np.asarray(mediaview.decode_image(photo, size=(300, 50), fit=fit))
        assert out.shape == (50, 300, 3)
        assert out.reshape(-1, 3).std(axis=0).min() > 5  # image everywhere, no constant band


@pytest.mark.parametrize("mode,channels", [("L", None), ("RGBA", 4), ("BGR", 3), ("LA", 2), ("RGBX", 4)])
def test_every_layout_resizes(mode, channels):
    photo = SAMPLES / "astronaut_rgba.png" if "A" in mode else SAMPLES / "astronaut_444.jpg"
    full = np.asarray(mediaview.decode_image(photo, mode=mode))
    ours = np.asarray(mediaview.decode_image(photo, mode=mode, size=(100, 80), filter="bilinear"))
    assert ours.shape == ((80, 100) if channels is None else (80, 100, channels))
    planes = [full] if channels is None else [full[..., c] for c in range(channels)]
    for c, plane in enumerate(planes):
        ref = np.asarray(Image.fromarray(np.ascontiguousarray(plane)).resize((100, 80), Image.BILINEAR))
        got = ours if channels is None else ours[..., c]
        assert psnr(got, ref) >= 35, (mode, c)


def test_sixteen_bit_images_resize_as_sixteen_bit():
    png16 = SAMPLES / "coffee_rgb16.png"
    ours = np.asarray(mediaview.decode_image(png16, size=(128, 96), filter="bilinear"))
    assert ours.dtype == np.uint16 and ours.shape == (96, 128, 3)
    # The oracle: Pillow's resize, channel by channel in 32-bit float, of the full 16-bit decode.
    full = np.asarray(mediaview.decode_image(png16)).astype(np.float32)
    ref = np.stack([np.asarray(Image.fromarray(full[..., c], mode="F").resize((128, 96), Image.BILINEAR))
                    for c in range(3)], axis=-1)
    assert psnr(ours, ref, peak=65535.0) >= 35


def test_orient_resizes_the_upright_image():
    rocket = SAMPLES / "rocket_orient6.jpg"
    upright = np.asarray(mediaview.decode_image(rocket, orient=True))
    ours = np.asarray(mediaview.decode_image(rocket, orient=True, size=(90, 160), fit="cover"))
    assert ours.shape == (160, 90, 3)
    assert psnr(ours, pillow_oracle(np.ascontiguousarray(upright), (90, 160), "cover", "area")) >= 35


def test_crop_then_resize():
    photo = SAMPLES / "astronaut_444.jpg"
    full = np.asarray(mediaview.decode_image(photo))
    ours = np.asarray(mediaview.decode_image(photo, crop=(100, 50, 300, 200), size=(150, 100), filter="lanczos"))
    ref = np.asarray(Image.fromarray(full[50:250, 100:400]).resize((150, 100), Image.LANCZOS))
    assert psnr(ours, ref) >= 35


def test_out_receives_the_resized_image():
    out = np.zeros((64, 80, 3), np.uint8)
    view = mediaview.decode_image(SAMPLES / "coffee_422.jpg", size=(80, 64), out=out)
    assert np.shares_memory(np.asarray(view), out)
    np.testing.assert_array_equal(out, np.asarray(mediaview.decode_image(SAMPLES / "coffee_422.jpg", size=(80, 64))))


@pytest.mark.parametrize("size", [(1, 1), (1, 300), (3, 2), (2000, 3)])
def test_extreme_sizes(size):
    out = np.asarray(mediaview.decode_image(SAMPLES / "chelsea_420.jpg", size=size, fit="cover"))
    assert out.shape == (size[1], size[0], 3)


def test_bad_resize_arguments():
    photo = SAMPLES / "chelsea_420.jpg"
    with pytest.raises(ValueError, match="size"):
        mediaview.decode_image(photo, size=(0, 10))
    with pytest.raises(ValueError, match="size"):
        mediaview.decode_image(photo, size=224)
    with pytest.raises(ValueError, match="fit"):
        mediaview.decode_image(photo, size=(10, 10), fit="stretch")
    with pytest.raises(ValueError, match="filter"):
        mediaview.decode_image(photo, size=(10, 10), filter="nearest-ish")
    with pytest.raises(ValueError, match="fill"):
        mediaview.decode_image(photo, size=(10, 10), fill=(1, 2, 3, 4, 5))
    with pytest.raises(ValueError, match="scale and size"):
        mediaview.decode_image(photo, size=(10, 10), scale="1/2")
    with pytest.raises(mediaview.LimitError):
        mediaview.decode_image(photo, size=(100_000, 100_000))


def test_shrink_on_load_uses_the_dct_scale():
    """reducing_gap=1: the decode before the resize is the largest DCT
    reduction that keeps the target size; here exactly the target, so the
    result is the 1/8 decode itself."""
    photo = SAMPLES / "astronaut_444.jpg"  # 512 x 512 -> 64 x 64: scale 1/8
    ours = np.asarray(mediaview.decode_image(photo, size=(64, 64), filter="bilinear", reducing_gap=1.0))
    eighth = np.asarray(mediaview.decode_image(photo, scale="1/8"))
    assert eighth.shape[:2] == (64, 64)
    np.testing.assert_array_equal(ours, eighth)


def test_reducing_gap_trades_closeness_for_speed():
    """The larger the gap, the closer to Pillow's resize of the full decode;
    None (no reduction) closest of all."""
    photo = SAMPLES / "astronaut_444.jpg"
    full = np.asarray(mediaview.decode_image(photo))
    ref = pillow_oracle(full, (100, 100), "fill", "area")
    scores = [psnr(np.asarray(mediaview.decode_image(photo, size=(100, 100), reducing_gap=gap)), ref)
              for gap in (1.0, 2.0, None)]
    assert scores[0] < scores[1] < scores[2]
    assert scores[2] >= 38
    with pytest.raises(ValueError, match="reducing_gap"):
        mediaview.decode_image(photo, size=(10, 10), reducing_gap=0.5)


def test_cli_resize_and_fit(tmp_path):
    import subprocess
    import sys

    src, dst = SAMPLES / "chelsea_420.jpg", tmp_path / "small.png"
    run = lambda *a: subprocess.run([sys.executable, "-m", "mediaview", "convert", *map(str, a)],
                                    capture_output=True, text=True)
    done = run(src, dst, "--resize", "100x80", "--fit", "contain")
    assert done.returncode == 0, done.stderr
    with Image.open(dst) as im:
        written = np.asarray(im)
    np.testing.assert_array_equal(written, np.asarray(mediaview.decode_image(src, size=(100, 80), fit="contain")))
    bad = run(src, tmp_path / "x.png", "--resize", "100")
    assert bad.returncode == 2 and "--resize" in bad.stderr
    bad = run(src, tmp_path / "x.png", "--fit", "cover")
    assert bad.returncode == 2 and "--fit needs --resize" in bad.stderr
