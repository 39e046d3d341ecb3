"""Colour conversion on decode (colorspace=, intent=) against lcms2's own
tificc (liblcms2-utils) and Pillow's ImageCms, with the same profiles and
intent: within 1 level at 8 bits, 2 at 16. Samples: samples/make_colour_samples.py.
CMYK/YCCK JPEGs in RGB, L and RGBA modes without a profile: exactly Pillow's
conversion."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import sys
import warnings

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms

import mediaview
from conftest import CORPUS, SAMPLES

sys.path.insert(0, str(SAMPLES))
import make_colour_samples as icc  # noqa: E402  (the hand-written ICC profiles)

needs_tificc = pytest.mark.skipif(shutil.which("tificc") is None, reason="tificc (liblcms2-utils) is not installed")
INTENTS = {"perceptual": 0, "relative": 1, "saturation": 2, "absolute": 3}
SWOP = icc.SWOP_CMYK


def embedded(path) -> bytes:
    with Image.open(path) as im:
        return im.info["icc_profile"]


def decode(path, **options) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a conversion that silently did not happen fails here
        return np.asarray(mediaview.decode_image(path, **options))


def tificc(raw: np.ndarray, tmp_path, source: bytes, target: bytes | None = None, intent: str = "relative",
           bpc: bool = True) -> np.ndarray:
    """lcms2's tificc over the decoded (unconverted) pixels, written to a TIFF
    without a profile and converted with -i (and -o; default its sRGB)."""
    src, out, prof = tmp_path / "in.tif", tmp_path / "out.tif", tmp_path / "in.icc"
    prof.write_bytes(source)
    if raw.ndim == 3 and raw.shape[2] == 4:  # CMYK: Pillow writes separated TIFF, 0 = no ink
        Image.fromarray(raw, "CMYK").save(src)
    else:
        assert cv2.imwrite(str(src), raw[..., ::-1] if raw.ndim == 3 else raw)
    command = ["tificc", "-n", f"-w{8 * raw.itemsize}", f"-i{prof}", f"-t{INTENTS[intent]}"] + (["-b"] if bpc else [])
    if target is not None:
        (tmp_path / "out.icc").write_bytes(target)
        command.append(f"-o{tmp_path / 'out.icc'}")
    subprocess.run(command + [str(src), str(out)], check=True, capture_output=True)
    result = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    return result[..., ::-1] if result.ndim == 3 else result


def pillow(image: Image.Image, source: bytes, out_mode: str, target: bytes | None = None,
           intent: str = "relative", bpc: bool = True) -> np.ndarray:
    src = ImageCms.ImageCmsProfile(io.BytesIO(source))
    dst = ImageCms.createProfile("sRGB") if target is None else ImageCms.ImageCmsProfile(io.BytesIO(target))
    flags = ImageCms.Flags.BLACKPOINTCOMPENSATION if bpc else ImageCms.Flags.NONE
    transform = ImageCms.buildTransform(src, dst, image.mode, out_mode, renderingIntent=INTENTS[intent], flags=flags)
    return np.asarray(ImageCms.applyTransform(image, transform))


def assert_close(ours: np.ndarray, reference: np.ndarray, levels: int) -> None:
    assert ours.shape == reference.shape and ours.dtype == reference.dtype
    diff = np.abs(ours.astype(np.int64) - reference.astype(np.int64))
    assert diff.max() <= levels, f"max difference {diff.max()} at {np.unravel_index(diff.argmax(), diff.shape)}"


def assert_changed(ours: np.ndarray, raw: np.ndarray) -> None:
    """A test that cannot fail is a defect: the profile must move the pixels."""
    assert np.abs(ours.astype(np.int64) - raw.astype(np.int64)).mean() > 1


# ---- ICC-tagged RGB and grey against tificc and Pillow ----------------------------

RGB_SAMPLES = ["chelsea_p3.jpg", "chelsea_adobergb.jpg"]


@needs_tificc
@pytest.mark.parametrize("name", RGB_SAMPLES)
@pytest.mark.parametrize("intent", ["relative", "perceptual"])
def test_rgb_profile_to_srgb_matches_tificc_and_pillow(name, intent, tmp_path):
    path = SAMPLES / name
    raw = decode(path)
    ours = decode(path, colorspace="srgb", intent=intent)
    assert_changed(ours, raw)
    assert_close(ours, tificc(raw, tmp_path, embedded(path), intent=intent), 1)
    assert_close(ours, pillow(Image.fromarray(raw), embedded(path), "RGB", intent=intent), 1)


@needs_tificc
def test_grey_gamma22_to_srgb_and_to_a_grey_profile(tmp_path):
    path = SAMPLES / "camera_gray22.jpg"
    raw = decode(path, mode="L")
    view = mediaview.decode_image(path, mode="L", colorspace="srgb")
    ours = np.asarray(view)
    assert_changed(ours, raw)
    # "srgb" for grey pixels: a grey profile with sRGB's curve, which the view carries.
    assert ImageCms.ImageCmsProfile(io.BytesIO(view.obj.icc)).profile.xcolor_space.strip() == "GRAY"
    assert_close(ours, tificc(raw, tmp_path, embedded(path), view.obj.icc), 1)
    sgray = (icc.ICC / "ghostscript/sgray.icc").read_bytes()
    to_sgray = decode(path, mode="L", colorspace=sgray)
    assert_close(to_sgray, tificc(raw, tmp_path, embedded(path), sgray), 1)
    assert_close(to_sgray, pillow(Image.fromarray(raw), embedded(path), "L", sgray), 1)


def test_grey_profile_on_rgb_pixels_gives_neutral_rgb():
    path = SAMPLES / "camera_gray22.jpg"
    grey = decode(path, mode="L", colorspace="srgb")
    rgb = decode(path, mode="RGB", colorspace="srgb")
    assert (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all()
    assert_close(rgb[..., 0], grey, 1)


@needs_tificc
def test_16_bit_prophoto_png_matches_tificc(tmp_path):
    path = SAMPLES / "coffee_prophoto16.png"
    raw = decode(path, mode=None)
    assert raw.dtype == np.uint16
    ours = decode(path, mode=None, colorspace="srgb")
    assert_changed(ours, raw)
    assert_close(ours, tificc(raw, tmp_path, embedded(path)), 2)
    # 8-bit output of the same file against Pillow (8-bit only).
    raw8 = decode(path, dtype="uint8")
    assert_close(decode(path, dtype="uint8", colorspace="srgb"), pillow(Image.fromarray(raw8), embedded(path), "RGB"), 1)


def test_alpha_is_carried_through_untouched():
    path = SAMPLES / "astronaut_adobergb_rgba.png"
    raw = decode(path, mode="RGBA")
    for mode in ("RGBA", "BGRA"):
        ours = decode(path, mode=mode, colorspace="srgb")
        assert np.array_equal(ours[..., 3], raw[..., 3])
    ours = decode(path, mode="RGBA", colorspace="srgb")
    assert_changed(ours[..., :3], raw[..., :3])
    assert_close(ours[..., :3], pillow(Image.fromarray(raw[..., :3]), embedded(path), "RGB"), 1)
    assert np.array_equal(decode(path, mode="BGRA", colorspace="srgb")[..., 2::-1], ours[..., :3])


# ---- CMYK ----------------------------------------------------------------------------------


@needs_tificc
@pytest.mark.parametrize("intent", ["relative", "perceptual"])
def test_cmyk_with_press_profile_matches_tificc_and_pillow(intent, tmp_path):
    path = SAMPLES / "chelsea_cmyk_swop.jpg"
    cmyk = decode(path, mode="CMYK")
    view = mediaview.decode_image(path, mode="RGB", colorspace="srgb", intent=intent)
    ours = np.asarray(view)
    assert_close(ours, tificc(cmyk, tmp_path, embedded(path), intent=intent), 1)
    with Image.open(path) as im:
        assert_close(ours, pillow(im, embedded(path), "RGB", intent=intent), 1)
    # Without the colour option: Pillow's profile-less conversion, and no CMYK profile on RGB pixels.
    plain = mediaview.decode_image(path, mode="RGB")
    assert plain.obj.icc is None
    assert np.abs(np.asarray(plain).astype(int) - ours.astype(int)).mean() > 5  # the profile matters
    assert view.obj.icc == mediaview.decode_image(SAMPLES / "chelsea_p3.jpg", colorspace="srgb").obj.icc


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "RGBX", "BGR", "BGRA"])
@pytest.mark.parametrize("name", ["chelsea_cmyk.jpg", "chelsea_cmyk_swop.jpg"])
def test_cmyk_without_colour_option_is_pillows_conversion(name, mode):
    with Image.open(SAMPLES / name) as im:
        rgb = np.asarray(im.convert("RGB"))
        grey = np.asarray(im.convert("L"))
    ours = decode(SAMPLES / name, mode=mode)
    if mode == "L":
        assert np.array_equal(ours, grey)
        return
    order = [2, 1, 0] if mode.startswith("BGR") else [0, 1, 2]
    assert np.array_equal(ours[..., order], rgb)
    if len(mode) == 4:
        assert (ours[..., 3] == 255).all()


def test_cmyk_crop_scale_and_strided_out_agree_with_full_decode():
    path = SAMPLES / "chelsea_cmyk.jpg"
    full = decode(path)
    assert np.array_equal(decode(path, crop=(33, 20, 100, 50)), full[20:70, 33:133])
    out = np.zeros(full.shape[:2] + (6,), np.uint8)
    mediaview.decode_image(path, out=out[:, :, 1:4])
    assert np.array_equal(out[:, :, 1:4], full)
    half = decode(path, scale=(1, 2))
    assert half.shape == (150, 226, 3)


def test_batch_with_a_cmyk_file_decodes_every_image():
    files = [SAMPLES / "chelsea_420.jpg", SAMPLES / "chelsea_cmyk.jpg", SAMPLES / "chelsea_p3.jpg"]
    batch = np.asarray(mediaview.decode_images(files, size=(64, 48), threads=2))
    for i, f in enumerate(files):
        assert np.array_equal(batch[i], decode(f, size=(64, 48)))
    converted = np.asarray(mediaview.decode_images(files, size=(64, 48), threads=2, colorspace="srgb"))
    for i, f in enumerate(files):
        assert np.array_equal(converted[i], decode(f, size=(64, 48), colorspace="srgb"))
    assert not np.array_equal(converted[2], batch[2]) and np.array_equal(converted[0], batch[0])


def test_cmyk_with_mode_none_and_colour_option_gives_rgb():
    view = mediaview.decode_image(SAMPLES / "chelsea_cmyk_swop.jpg", mode=None, colorspace="srgb")
    assert view.obj.mode == "RGB" and view.shape[2] == 3
    with pytest.raises(ValueError, match="CMYK"):
        mediaview.decode_image(SAMPLES / "chelsea_cmyk_swop.jpg", mode="CMYK", colorspace="srgb")


# ---- profiles built from PNG chunks and CICP ------------------------------------------------


@needs_tificc
def test_cicp_display_p3_matches_the_hand_written_p3_profile(tmp_path):
    path = SAMPLES / "chelsea_cicp_p3.png"
    raw = decode(path)
    ours = decode(path, colorspace="srgb")
    assert_changed(ours, raw)
    assert_close(ours, tificc(raw, tmp_path, icc.display_p3()), 1)


@needs_tificc
def test_gama_chrm_matches_a_profile_with_those_values(tmp_path):
    path = SAMPLES / "chelsea_gama_chrm.png"
    raw = decode(path)
    ours = decode(path, colorspace="srgb")
    assert_changed(ours, raw)
    profile = icc.rgb_profile("gAMA+cHRM", [(0.64, 0.33), (0.21, 0.71), (0.15, 0.06)], (0.3127, 0.3290),
                              b"para\0\0\0\0" + struct.pack(">HH", 0, 0) + icc.s15(1.8))
    assert_close(ours, tificc(raw, tmp_path, profile), 1)


def corpus_gamma_pngs():
    folder = CORPUS / "png"
    found = []
    for p in sorted(folder.glob("*.png")) if folder.is_dir() else []:
        try:
            with Image.open(p) as im:
                if "gamma" in im.info and im.mode in ("RGB", "L") and "icc_profile" not in im.info:
                    found.append(pytest.param(p, id=p.name))
        except Exception:
            pass
    return found[:12] or [pytest.param(None, marks=pytest.mark.skip(reason="no gAMA PNG in the corpus"))]


@needs_tificc
@pytest.mark.parametrize("path", corpus_gamma_pngs())
def test_corpus_pngs_with_gama_match_tificc(path, tmp_path):
    with Image.open(path) as im:
        gamma, mode = im.info["gamma"], im.mode
    raw = decode(path, mode=mode, dtype="uint8")
    curve = b"para\0\0\0\0" + struct.pack(">HH", 0, 0) + icc.s15(1 / gamma)
    if mode == "L":
        profile = icc.icc_profile(b"GRAY", "gAMA", {b"wtpt": icc.xyz_tag(*icc.D50), b"kTRC": curve})
        target = mediaview.decode_image(path, mode="L", dtype="uint8", colorspace="srgb").obj.icc
    else:
        profile = icc.rgb_profile("gAMA", [(0.64, 0.33), (0.30, 0.60), (0.15, 0.06)], (0.3127, 0.3290), curve)
        target = None
    ours = decode(path, mode=mode, dtype="uint8", colorspace="srgb")
    assert_close(ours, tificc(raw, tmp_path, profile, target), 1)


def test_linear_srgb_is_the_srgb_curve_undone():
    path = SAMPLES / "chelsea_420.jpg"  # untagged: sRGB
    raw = decode(path).astype(np.float64) / 255
    linear = np.where(raw <= 0.04045, raw / 12.92, ((raw + 0.055) / 1.055) ** 2.4)
    ours = decode(path, colorspace="linear-srgb")
    assert_close(ours, np.round(linear * 255).astype(np.uint8), 1)


def test_untagged_to_srgb_leaves_pixels_and_tags_srgb():
    path = SAMPLES / "chelsea_420.jpg"
    view = mediaview.decode_image(path, colorspace="srgb")
    assert np.array_equal(np.asarray(view), decode(path))
    assert ImageCms.ImageCmsProfile(io.BytesIO(view.obj.icc)).profile.xcolor_space.strip() == "RGB"
    assert mediaview.decode_image(path).obj.icc is None


def test_target_given_as_icc_bytes():
    adobe = icc.ADOBE_RGB.read_bytes()
    path = SAMPLES / "chelsea_p3.jpg"
    view = mediaview.decode_image(path, colorspace=adobe)
    assert view.obj.icc == adobe
    assert_close(np.asarray(view), pillow(Image.fromarray(decode(path)), embedded(path), "RGB", adobe), 1)


# ---- every entry point, and the view's profile ----------------------------------------------


def test_frames_crop_orient_and_resize_agree():
    anim = SAMPLES / "coffee_animated.webp"
    frames, _ = mediaview.decode_frames(anim, mode="RGB", colorspace="linear-srgb")
    frames = np.asarray(frames)
    for i in range(frames.shape[0]):
        assert np.array_equal(frames[i], decode(anim, frame=i, colorspace="linear-srgb"))
    path = SAMPLES / "chelsea_p3.jpg"
    full = decode(path, colorspace="srgb")
    assert np.array_equal(decode(path, colorspace="srgb", crop=(10, 20, 50, 40)), full[20:60, 10:60])
    padded = decode(path, colorspace="srgb", size=(100, 100), fit="contain", fill=7)
    assert (padded[:10] == 7).all()  # the padding is not converted


def test_writers_embed_the_target_profile(tmp_path):
    view = mediaview.decode_image(SAMPLES / "chelsea_p3.jpg", colorspace="srgb")
    mediaview.write_image(tmp_path / "x.png", view)
    with Image.open(tmp_path / "x.png") as im:
        assert im.info["icc_profile"] == view.obj.icc
        assert np.array_equal(np.asarray(im), np.asarray(view))


def test_cli_colorspace(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "mediaview", *map(str, args)], capture_output=True, text=True,
                              timeout=120)

    src = SAMPLES / "chelsea_p3.jpg"
    done = run("convert", src, tmp_path / "a.png", "--colorspace", "srgb")
    assert done.returncode == 0, done.stderr
    expected = mediaview.decode_image(src, colorspace="srgb")
    with Image.open(tmp_path / "a.png") as im:
        assert np.array_equal(np.asarray(im), np.asarray(expected)) and im.info["icc_profile"] == expected.obj.icc
    assert run("convert", src, tmp_path / "b.png", "--colorspace", "srgb", "--strip").returncode == 0
    with Image.open(tmp_path / "b.png") as im:
        assert "icc_profile" not in im.info and np.array_equal(np.asarray(im), np.asarray(expected))
    bad = run("convert", src, tmp_path / "c.png", "--colorspace", tmp_path / "missing.icc")
    assert bad.returncode == 2 and "--colorspace" in bad.stderr


# ---- bad profiles and bad arguments -------------------------------------------------------------


def jpeg_with_profile(profile: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(SAMPLES / "chelsea_p3.jpg").save(out, "JPEG", quality=90, icc_profile=profile)
    return out.getvalue()


@pytest.mark.parametrize("damage", ["garbage", "cut", "huge"])
def test_bad_profile_warns_and_leaves_pixels_or_fails_strict(damage):
    good = embedded(SAMPLES / "chelsea_p3.jpg")
    profile = {"garbage": good[:128] + b"\xff" * (len(good) - 128), "cut": good[:200],
               "huge": good + b"\0" * (9 << 20)}[damage]
    if damage == "huge":
        profile = struct.pack(">I", len(profile)) + profile[4:]
    data = jpeg_with_profile(profile)
    raw = decode(data)
    with pytest.warns(mediaview.DecodeWarning, match="colour not converted"):
        view = mediaview.decode_image(data, colorspace="srgb")
    assert np.array_equal(np.asarray(view), raw) and view.obj.icc == profile
    with pytest.raises(mediaview.DecodeError, match="colour not converted"):
        mediaview.decode_image(data, colorspace="srgb", strict=True)


@pytest.mark.parametrize("value, error", [("adobe", ValueError), (b"not a profile", ValueError), (3, TypeError)])
def test_bad_colorspace_argument(value, error):
    with pytest.raises(error):
        mediaview.decode_image(SAMPLES / "chelsea_p3.jpg", colorspace=value)


def test_bad_intent_and_mismatched_target():
    with pytest.raises(ValueError, match="intent"):
        mediaview.decode_image(SAMPLES / "chelsea_p3.jpg", colorspace="srgb", intent="vivid")
    with pytest.raises(ValueError, match="grey"):
        mediaview.decode_image(SAMPLES / "camera_gray22.jpg", mode="L", colorspace=icc.ADOBE_RGB.read_bytes())


def test_dask_read_images_converts_like_decode_images():
    pytest.importorskip("dask")
    import mediaview.dask

    files = [SAMPLES / "chelsea_p3.jpg", SAMPLES / "chelsea_cmyk_swop.jpg", SAMPLES / "chelsea_420.jpg"]
    lazy = mediaview.dask.read_images(files, chunk=2, size=(64, 48), colorspace="srgb")
    expected = np.asarray(mediaview.decode_images(files, size=(64, 48), colorspace="srgb"))
    assert np.array_equal(lazy.compute(scheduler="sync"), expected)
    assert not np.array_equal(expected, np.asarray(mediaview.decode_images(files, size=(64, 48))))
