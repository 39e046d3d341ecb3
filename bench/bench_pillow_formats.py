#!/usr/bin/env python3
"""The formats read through Pillow, beside Pillow itself (issue 22's target:
>= 0.95x Pillow), in one run, the peers taking turns.

Per format, a 1024x768 photo mosaic written by Pillow and read back from its
path: ``numpy.asarray(Image.open(path))`` (Pillow, as its users read into an
array) against ``mediaview.decode_image(path)`` (Pillow's decode, then our
one copy into our buffer). Then a batch of 16 files of each format (but QOI and DDS, which Pillow decodes
in Python, a second an image): a loop
of Pillow against decode_images(threads=1) and decode_images(threads=2)
(Pillow releases the GIL in its C decoders, so the native pool runs Pillow's
decodes in parallel where they are long enough), and Pillow in a thread pool
of 2 as the parallel peer. Figures are best-of times (the machine may be shared).

    .venv/bin/python bench/bench_pillow_formats.py
"""

from __future__ import annotations

import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_seconds_each, mosaic  # noqa: E402

import mediaview  # noqa: E402

FORMATS = [("BMP", "bmp", {}), ("TGA", "tga", {}), ("TGA", "rle.tga", {"compression": "tga_rle"}),
           ("PPM", "ppm", {}), ("QOI", "qoi", {}), ("PCX", "pcx", {}), ("SGI", "sgi", {}), ("DDS", "dds", {})]


# Decoded by Pillow in Python (about a second an image): left out of the batches.
SLOW = {"QOI", "DDS"}


def pillow(path):
    with Image.open(path) as im:
        return np.asarray(im)


def main() -> None:
    image = Image.fromarray(mosaic(1024, 768))
    with tempfile.TemporaryDirectory() as tmp:
        print("one 1024x768 image from its path, best-of (ms); ratio = Pillow's time / ours (>= 0.95: target met)")
        ratios = []
        for fmt, ext, options in FORMATS:
            path = Path(tmp) / f"photo.{ext}"
            image.save(path, fmt, **options)
            assert np.array_equal(np.asarray(mediaview.decode_image(path, mode=None)), pillow(path))
            t = best_seconds_each({"pillow": lambda: pillow(path), "ours": lambda: mediaview.decode_image(path)})
            ratio = t["pillow"] / t["ours"]
            ratios.append(ratio)
            print(f"  {ext:8s} Pillow {t['pillow'] * 1e3:7.2f}  mediaview {t['ours'] * 1e3:7.2f}  ratio {ratio:5.2f}")
        print(f"  median ratio {np.median(ratios):.2f}, lowest {min(ratios):.2f}")

        print("a batch of 16 files per format, best-of (ms); ratios against Pillow's loop")
        for fmt, ext, options in FORMATS:
            if fmt in SLOW:
                continue
            paths = []
            for k in range(16):
                path = Path(tmp) / f"batch{k}.{ext}"
                image.save(path, fmt, **options)
                paths.append(path)
            with ThreadPoolExecutor(2) as pool:
                t = best_seconds_each({
                    "loop": lambda: [pillow(p) for p in paths],
                    "pool2": lambda: list(pool.map(pillow, paths)),
                    "ours1": lambda: mediaview.decode_images(paths, threads=1),
                    "ours2": lambda: mediaview.decode_images(paths, threads=2),
                }, budget=2.0)
            print(f"  {ext:8s} Pillow loop {t['loop'] * 1e3:7.1f}  Pillow 2 threads {t['pool2'] * 1e3:7.1f}  "
                  f"decode_images 1 thread {t['ours1'] * 1e3:7.1f} ({t['loop'] / t['ours1']:.2f}x)  "
                  f"2 threads {t['ours2'] * 1e3:7.1f} ({t['loop'] / t['ours2']:.2f}x; "
                  f"{t['pool2'] / t['ours2']:.2f}x Pillow's 2 threads)")


if __name__ == "__main__":
    main()
