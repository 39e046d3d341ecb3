#!/usr/bin/env python3
"""AVIF, JPEG XL and HEIC decoding beside the peers, on a 1024x768 mosaic of
the sample photos encoded once per format (Pillow for AVIF, cjxl for JPEG
XL, heif-enc for HEIC), one run, side by side:

- mediaview.decode_image against Pillow (AVIF), pillow-jxl-plugin,
  pillow-heif, and the library's own CLI (djxl --num_threads=0,
  heif-convert; these include process start and writing a file, so they are
  an upper bound on the direct call);
- decode_images over a batch of 16 with threads=1 and threads=2.

Threads: a lone decode_image lets the library use the machine's cores
(dav1d maxThreads, libjxl's thread runner for images of 4 groups or more;
libheif keeps its default), as Pillow's AVIF plugin (max_threads =
os.cpu_count()), pillow-jxl-plugin and pillow-heif do. In a batch the
libraries run single-threaded, so threads= owns the cores: threads=2 runs
two decodes, one a core.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_seconds_each, mosaic, print_rates  # noqa: E402

import mediaview  # noqa: E402

WIDTH, HEIGHT = 1024, 768
BATCH = 16


def encoded(tmp: Path) -> dict:
    pixels = mosaic(WIDTH, HEIGHT)
    Image.fromarray(pixels).save(tmp / "m.png")
    out = {}
    Image.fromarray(pixels).save(tmp / "m.avif", quality=60)
    out["avif"] = tmp / "m.avif"
    if shutil.which("cjxl"):
        subprocess.run(["cjxl", tmp / "m.png", tmp / "m.jxl", "-d", "1.5"], check=True, capture_output=True)
        out["jxl"] = tmp / "m.jxl"
    if shutil.which("heif-enc"):
        subprocess.run(["heif-enc", "-q", "60", "-o", tmp / "m.heic", tmp / "m.png"], check=True, capture_output=True)
        out["heic"] = tmp / "m.heic"
    return out


def peers(fmt: str, path: Path, tmp: Path) -> dict:
    data = path.read_bytes()
    fns = {"mediaview": lambda: mediaview.decode_image(data)}
    if fmt == "avif":
        fns["Pillow"] = lambda: np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    if fmt == "jxl":
        try:
            import pillow_jxl  # noqa: F401

            fns["pillow-jxl-plugin"] = lambda: np.asarray(Image.open(io.BytesIO(data)))
        except ImportError:
            pass
        fns["djxl CLI (1 thread)"] = lambda: subprocess.run(
            ["djxl", path, tmp / "o.ppm", "--num_threads=0"], check=True, capture_output=True)
    if fmt == "heic":
        try:
            import pillow_heif

            fns["pillow-heif"] = lambda: np.asarray(pillow_heif.open_heif(data, convert_hdr_to_8bit=True)[0])
        except ImportError:
            pass
        if shutil.which("heif-convert"):
            fns["heif-convert CLI"] = lambda: subprocess.run(
                ["heif-convert", path, tmp / "o.png"], check=True, capture_output=True)
    return fns


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        files = encoded(tmp)
        mp = WIDTH * HEIGHT / 1e6
        for fmt, path in files.items():
            print(f"\n{fmt.upper()} {WIDTH}x{HEIGHT} ({path.stat().st_size} bytes), one image:")
            seconds = best_seconds_each(peers(fmt, path, tmp), budget=1.0)
            print_rates({peer: mp / s for peer, s in seconds.items()})
            batch = [path.read_bytes()] * BATCH
            seconds = best_seconds_each({
                "threads=1": lambda: mediaview.decode_images(batch, threads=1),
                "threads=2": lambda: mediaview.decode_images(batch, threads=2),
            }, budget=1.0)
            print(f"  batch of {BATCH}: threads=1 {BATCH * mp / seconds['threads=1']:.1f} MP/s, "
                  f"threads=2 {BATCH * mp / seconds['threads=2']:.1f} MP/s, "
                  f"ratio {seconds['threads=1'] / seconds['threads=2']:.2f}x (target >= 1.8x)")


if __name__ == "__main__":
    main()
