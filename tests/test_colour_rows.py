"""Colour converted inside the JPEG decoder, band by band as libjpeg writes
the rows (our matrix/TRC fast path, src/colour_matrix.cpp): the same result
as Pillow's ImageCms on the decoded pixels (within 1 level), on every route
through the decoder (whole rows, a crop and a strided out= buffer through
the scratch band, other layouts, orientation), and the same bytes from the
scalar kernel as from the SIMD one (MEDIAVIEW_COLOUR_KERNEL=scalar, in a
child process: the kernel is chosen once per process)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings

import numpy as np
from PIL import Image, ImageCms

import mediaview
from conftest import SAMPLES

P3_JPEG = SAMPLES / "chelsea_p3.jpg"


def decode(path, **options) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return np.asarray(mediaview.decode_image(path, **options))


def pillow_srgb(raw: np.ndarray, profile: bytes) -> np.ndarray:
    transform = ImageCms.buildTransform(ImageCms.ImageCmsProfile(io.BytesIO(profile)), ImageCms.createProfile("sRGB"),
                                        "RGB", "RGB", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
    return np.asarray(ImageCms.applyTransform(Image.fromarray(raw), transform))


def test_converted_rows_match_pillow_on_every_route():
    with Image.open(P3_JPEG) as im:
        profile = im.info["icc_profile"]
    raw = decode(P3_JPEG)
    full = decode(P3_JPEG, colorspace="srgb")
    reference = pillow_srgb(raw, profile)
    diff = np.abs(full.astype(int) - reference.astype(int))
    assert diff.max() <= 1
    assert np.abs(full.astype(int) - raw.astype(int)).mean() > 1  # the profile moved the pixels
    image = mediaview.decode_image(P3_JPEG, colorspace="srgb")
    assert image.obj.icc != profile and len(image.obj.icc) > 0  # tagged with the target
    # A crop goes through the scratch band: converted there, before the copy.
    assert np.array_equal(decode(P3_JPEG, colorspace="srgb", crop=(3, 5, 101, 37)), full[5:42, 3:104])
    # A strided out= buffer: through the band too.
    h, w = full.shape[:2]
    out = np.full((h, 2 * w, 3), 9, np.uint8)
    mediaview.decode_image(P3_JPEG, colorspace="srgb", out=out[:, ::2])
    assert np.array_equal(out[:, ::2], full) and (out[:, 1::2] == 9).all()
    # Other layouts: BGR swaps, RGBA/RGBX keep their fourth byte.
    assert np.array_equal(decode(P3_JPEG, colorspace="srgb", mode="BGR"), full[..., ::-1])
    rgba = decode(P3_JPEG, colorspace="srgb", mode="RGBA")
    assert np.array_equal(rgba[..., :3], full) and (rgba[..., 3] == 255).all()
    # A batch (each image converted on its own worker) gives the same pixels.
    batch = np.asarray(mediaview.decode_images([P3_JPEG, P3_JPEG], threads=2, colorspace="srgb"))
    assert np.array_equal(batch[1], full)


def test_scalar_kernel_gives_the_same_bytes():
    script = ("import sys, numpy as np, mediaview; "
              "sys.stdout.buffer.write(np.asarray(mediaview.decode_image(sys.argv[1], colorspace='srgb')).tobytes())")
    results = {}
    for kernel in ("scalar", "default"):
        env = dict(os.environ, MEDIAVIEW_COLOUR_KERNEL=kernel)
        results[kernel] = subprocess.run([sys.executable, "-c", script, str(P3_JPEG)], env=env, check=True,
                                         capture_output=True, timeout=120).stdout
    assert len(results["scalar"]) > 0
    assert results["scalar"] == results["default"]
    assert results["scalar"] == decode(P3_JPEG, colorspace="srgb").tobytes()


def test_large_image_converted_on_another_core_matches_the_inline_route(tmp_path):
    """Above a megapixel the bands are converted by a worker while the
    decoder goes on (where a core is free): every row converted once, as the
    crop route (converted inline in the scratch band) and Pillow give it."""
    with Image.open(P3_JPEG) as im:
        profile = im.info["icc_profile"]
        tile = np.asarray(im.convert("RGB"))
    reps = (-(-1100 // tile.shape[0]), -(-1300 // tile.shape[1]), 1)
    big = np.tile(tile, reps)[:1100, :1300]  # 1.43 MP
    assert big.shape[0] * big.shape[1] > 1 << 20
    path = tmp_path / "big_p3.jpg"
    Image.fromarray(big).save(path, quality=90, icc_profile=profile)
    raw = decode(path)
    full = decode(path, colorspace="srgb")
    assert np.abs(full.astype(int) - pillow_srgb(raw, profile).astype(int)).max() <= 1
    h, w = full.shape[:2]
    assert np.array_equal(decode(path, colorspace="srgb", crop=(1, 0, w - 1, h)), full[:, 1:])
    for _ in range(5):  # the hand-off between the threads, again and again
        assert np.array_equal(decode(path, colorspace="srgb"), full)
    batch = np.asarray(mediaview.decode_images([path] * 4, threads=2, colorspace="srgb"))
    assert all(np.array_equal(b, full) for b in batch)
