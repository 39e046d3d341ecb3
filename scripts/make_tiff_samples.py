#!/usr/bin/env python3
"""Makes TIFF samples from the bundled photographs (samples/*.jpg): tifffile
writes every layout (strips and tiles, chunky and planar, each sample type,
grey/RGB/RGBA/CMYK/palette/min-is-white, pages, BigTIFF, ICC and
resolution), and Debian's tiffcp recompresses one RGB and one 16-bit file
with each codec libtiff has (LZW, Deflate, PackBits, JPEG, ZSTD, WebP,
LZMA). tests/test_tiff.py builds the whole set into a temporary folder
with make_set(); run as a script, it writes the two small samples kept in
samples/ (seeds for the fuzzer, and what the bench reads):

    .venv/bin/python scripts/make_tiff_samples.py
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image, ImageCms

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
# tiffcp's name for each compression (and its options: predictor 2).
TIFFCP_CODECS = {"lzw": "lzw:2", "deflate": "zip:2", "packbits": "packbits", "jpeg": "jpeg:90", "zstd": "zstd",
                 "webp": "webp", "lzma": "lzma"}


def photo(name: str, size: tuple[int, int], mode: str = "RGB") -> np.ndarray:
    with Image.open(SAMPLES / name) as im:
        return np.asarray(im.convert(mode).resize(size, Image.Resampling.LANCZOS))


def widen(rgb: np.ndarray) -> np.ndarray:
    """16-bit from 8-bit with distinct low bytes (not just v * 257)."""
    return rgb.astype(np.uint16) * 256 + (np.arange(rgb.size, dtype=np.uint16).reshape(rgb.shape) * 37 % 256)


def tifffile_set(folder: Path) -> dict:
    """name -> path of every layout tifffile writes."""
    rgb = photo("chelsea_420.jpg", (97, 65))  # odd sizes: partial strips and tiles
    grey = photo("camera_gray.jpg", (90, 70), "L")
    alpha = (np.hypot(*np.mgrid[-32:33, -48:49]) * 4).clip(0, 255).astype(np.uint8)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    cases = {
        "rgb8_strips": (rgb, dict(rowsperstrip=16)),
        "rgb16_tiled_deflate": (widen(rgb), dict(tile=(32, 32), compression="zlib", predictor=True)),
        "grey16_lzma": (widen(grey), dict(compression="lzma", rowsperstrip=20)),
        "rgba8": (np.dstack([rgb, alpha]), dict(extrasamples=["unassalpha"])),
        "rgb8_planar": (np.moveaxis(rgb, 2, 0).copy(), dict(planarconfig="separate", photometric="rgb",
                                                            rowsperstrip=10)),
        "rgb16_planar_tiled": (np.moveaxis(widen(rgb), 2, 0).copy(), dict(planarconfig="separate",
                                                                          photometric="rgb", tile=(16, 32))),
        "grey_float32": ((grey / 255.0).astype(np.float32), dict(compression="zlib")),
        "grey_float64": ((grey / 255.0 - 0.5).astype(np.float64), {}),
        "grey_int16": ((grey.astype(np.int16) - 128) * 200, dict(tile=(16, 16))),
        "grey_int32": ((grey.astype(np.int32) - 100) * 100000, {}),
        "bilevel": (grey > 120, dict(rowsperstrip=7)),
        "miniswhite8": (grey, dict(photometric="miniswhite")),
        "palette": (grey // 2, dict(photometric="palette", colormap=np.stack(
            [np.arange(256) * 257, (255 - np.arange(256)) * 257, (np.arange(256) * 7 % 256) * 257]).astype(np.uint16))),
        "cmyk": (np.dstack([255 - rgb, rgb.min(axis=2)]), dict(photometric="separated")),
        "pages_rgb8": (np.stack([rgb, rgb[::-1], rgb[:, ::-1]]), dict(photometric="rgb")),
        "bigtiff_grey16": (widen(grey), dict(bigtiff=True, tile=(32, 48))),
        "icc_resolution": (rgb, dict(iccprofile=icc, resolution=(300, 150), resolutionunit="inch")),
    }
    out = {}
    for name, (array, options) in cases.items():
        path = folder / f"{name}.tif"
        tifffile.imwrite(path, array, **options)
        out[name] = path
    return out


def tiffcp_set(folder: Path, sources: dict) -> dict:
    """Each libtiff codec over an 8-bit RGB and a 16-bit grey file (JPEG and
    WebP take 8 bits only); a tiled copy of each."""
    if not shutil.which("tiffcp"):
        return {}
    out = {}
    for codec, spec in TIFFCP_CODECS.items():
        for base in ("rgb8_strips", "grey16_lzma"):
            if base.startswith("grey16") and codec in ("jpeg", "webp"):
                continue
            for tiled in (False, True):
                name = f"{base}_{codec}{'_tiled' if tiled else ''}"
                path = folder / f"{name}.tif"
                layout = ["-t", "-w", "32", "-l", "16"] if tiled else ["-r", "16"]
                done = subprocess.run(["tiffcp", "-c", spec, *layout, str(sources[base]), str(path)],
                                      capture_output=True)
                if done.returncode == 0:
                    out[name] = path
    return out


def make_set(folder: Path) -> dict:
    """Every sample in `folder`: name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    files = tifffile_set(folder)
    files.update(tiffcp_set(folder, files))
    return files


def main() -> None:
    rgb = photo("coffee_422.jpg", (128, 96))
    tifffile.imwrite(SAMPLES / "coffee_rgb16_tiled.tif", widen(rgb), tile=(32, 32), compression="zlib",
                     predictor=True)
    grey = photo("camera_gray.jpg", (64, 48), "L")
    tifffile.imwrite(SAMPLES / "camera_pages.tif", np.stack([grey, 255 - grey, grey[::-1]]),
                     photometric="minisblack", rowsperstrip=16)
    for name in ("coffee_rgb16_tiled.tif", "camera_pages.tif"):
        print(name, (SAMPLES / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
