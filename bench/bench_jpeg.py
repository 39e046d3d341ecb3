#!/usr/bin/env python3
"""JPEG decode speed, side by side in one process: mediaview against
libjpeg-turbo called directly (the floor), simplejpeg, Pillow, OpenCV and
PyTurboJPEG, on the same bytes, single thread. Prints megapixels per second
and the ratios the project's targets are stated in.

    python bench/bench_jpeg.py [more.jpg ...]
    python bench/bench_jpeg.py --small    # only the small-image section

Besides the bundled samples it measures a 12-megapixel baseline photo (a
4032x3024 mosaic of the real sample photos at their native resolution,
re-encoded at quality 90, 4:2:0, as a phone would), made in memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Optional

import numpy as np
from PIL import Image

import mediaview

from _common import SAMPLES, best_seconds, mosaic, opencv_peer, print_rates, print_targets  # noqa: E402


# ---- the direct libjpeg-turbo floor ---------------------------------------------------


class DirectTurboJPEG:
    """tjDecompress2 through ctypes into a preallocated array: the library's
    own speed with nothing around it."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(ctypes.util.find_library("turbojpeg") or "libturbojpeg.so.0")
        lib.tjInitDecompress.restype = ctypes.c_void_p
        lib.tjDecompressHeader3.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong] + [
            ctypes.POINTER(ctypes.c_int)] * 4
        lib.tjDecompress2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p] + [
            ctypes.c_int] * 5
        self.lib = lib
        self.handle = lib.tjInitDecompress()

    def size(self, data: bytes):
        w, h, s, c = (ctypes.c_int() for _ in range(4))
        self.lib.tjDecompressHeader3(self.handle, data, len(data), *(ctypes.byref(v) for v in (w, h, s, c)))
        return w.value, h.value

    def decoder(self, data: bytes) -> Callable[[], object]:
        w, h = self.size(data)
        out = np.empty((h, w, 3), np.uint8)
        ptr = out.ctypes.data

        def run():
            if self.lib.tjDecompress2(self.handle, data, len(data), ptr, w, 0, h, 0, 0) != 0:
                raise RuntimeError("tjDecompress2 failed")
            return out

        return run


# ---- peers ----------------------------------------------------------------------------


def peers(data: bytes) -> Dict[str, Optional[Callable[[], object]]]:
    found: Dict[str, Optional[Callable[[], object]]] = {}
    found["mediaview"] = lambda: np.asarray(mediaview.decode_image(data))
    found["libjpeg-turbo direct"] = DirectTurboJPEG().decoder(data)
    try:
        import simplejpeg

        found["simplejpeg"] = lambda: simplejpeg.decode_jpeg(data)
    except ImportError as e:
        print(f"  (simplejpeg missing: {e})")
    found["Pillow"] = lambda: np.asarray(Image.open(io.BytesIO(data)))
    opencv = opencv_peer(data, "IMREAD_COLOR")
    if opencv:
        found["OpenCV imdecode"] = opencv
    try:
        from turbojpeg import TJPF_RGB, TurboJPEG

        tj = TurboJPEG()
        tj.decode(data, pixel_format=TJPF_RGB)
        found["PyTurboJPEG"] = lambda: tj.decode(data, pixel_format=TJPF_RGB)
    except Exception as e:  # ImportError, or a library it cannot use
        print(f"  (PyTurboJPEG unavailable: {type(e).__name__}: {e})")
    return found




def mosaic_photo() -> bytes:
    """A 4032x3024 baseline JPEG tiled from the real sample photos."""
    buf = io.BytesIO()
    Image.fromarray(mosaic(4032, 3024)).save(buf, "JPEG", quality=90, subsampling="4:2:0")
    return buf.getvalue()


def measure(name: str, data: bytes) -> Dict[str, float]:
    w, h = DirectTurboJPEG().size(data)
    megapixels = w * h / 1e6
    print(f"\n{name}: {w}x{h} ({megapixels:.1f} MP, {len(data) / 1e6:.2f} MB)")
    rates = {peer: megapixels / best_seconds(fn) for peer, fn in peers(data).items()}
    print_rates(rates)
    return rates


def measure_scale(data: bytes) -> None:
    full = best_seconds(lambda: np.asarray(mediaview.decode_image(data)))
    quarter = best_seconds(lambda: np.asarray(mediaview.decode_image(data, scale="1/4")))
    floor = DirectTurboJPEG()
    w, h = floor.size(data)
    lib = floor.lib
    out = np.empty(((h + 3) // 4, (w + 3) // 4, 3), np.uint8)
    direct_quarter = best_seconds(
        lambda: lib.tjDecompress2(floor.handle, data, len(data), out.ctypes.data, out.shape[1], 0, out.shape[0], 0, 0))
    direct_full = best_seconds(floor.decoder(data))
    print(f"\n1/4 scale: mediaview full {full * 1e3:.1f} ms, 1/4 {quarter * 1e3:.1f} ms -> {full / quarter:.2f}x faster "
          f"(libjpeg-turbo direct: {direct_full / direct_quarter:.2f}x)")


def small_photo(side: int) -> bytes:
    """A real photo (chelsea) resized to side x side, q90 4:4:4 as in the issue."""
    with Image.open(SAMPLES / "chelsea_420.jpg") as im:
        small = im.convert("RGB").resize((side, side), Image.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=90, subsampling="4:4:4")
    return buf.getvalue()


def measure_small(rounds: int = 9) -> None:
    """Per-call time of bytes -> numpy for small images, where the fixed
    costs of a call (wrapper, binding, decompressor setup, buffer export)
    show. Each round times a loop of calls for each decoder in turn, so load
    elsewhere on the machine hits them alike; best round per decoder."""
    import simplejpeg

    print("\nSmall images (a real photo, q90 4:4:4, bytes in memory, single thread), us per call:")
    print(f"  {'size':>9} {'mediaview':>10} {'simplejpeg':>11} {'direct':>8}   vs simplejpeg   vs direct")
    for side in (32, 64, 128, 256, 512):
        data = small_photo(side)
        fns = {"mediaview": lambda: np.asarray(mediaview.decode_image(data)),
               "simplejpeg": lambda: simplejpeg.decode_jpeg(data),
               "direct": DirectTurboJPEG().decoder(data)}
        loops = max(20, 400_000 // (side * side))
        best = {k: float("inf") for k in fns}
        for _ in range(rounds):
            for k, fn in fns.items():
                start = time.perf_counter()
                for _ in range(loops):
                    fn()
                best[k] = min(best[k], (time.perf_counter() - start) / loops)
        us = {k: v * 1e6 for k, v in best.items()}
        print(f"  {side:>4}x{side:<4} {us['mediaview']:10.1f} {us['simplejpeg']:11.1f} {us['direct']:8.1f}"
              f"   {us['simplejpeg'] / us['mediaview']:8.2f}x   {us['direct'] / us['mediaview']:8.2f}x")


def main(argv) -> None:
    if argv[:1] == ["--small"]:
        measure_small()
        return
    files = [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.jpg")) if "cmyk" not in p.name]
    files += [(Path(a).name, Path(a).read_bytes()) for a in argv]
    large = ("12 MP baseline photo mosaic", mosaic_photo())
    print(f"mediaview {mediaview.__version__}, {mediaview.decoders()[0]['library_version']}, single thread")
    results = {name: measure(name, data) for name, data in files + [large]}
    big = results[large[0]]
    print_targets("large baseline photo", big, (("libjpeg-turbo direct", 0.95), ("simplejpeg", 1.0), ("Pillow", 5.0)))
    small = [r["mediaview"] / r["libjpeg-turbo direct"] for n, r in results.items() if n != large[0]]
    print(f"  samples: mediaview / direct median {statistics.median(small):.2f}x")
    measure_scale(large[1])
    measure_small()


if __name__ == "__main__":
    main(sys.argv[1:])
