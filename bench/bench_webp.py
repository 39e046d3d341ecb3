#!/usr/bin/env python3
"""WebP decode speed, side by side in one process: mediaview against
libwebp called directly (WebPDecodeRGBInto through ctypes: the floor),
Pillow, OpenCV and imagecodecs (where it installs), on the same bytes,
single thread. Prints megapixels per second and the ratios the project's
targets are stated in.

    python bench/bench_webp.py [more.webp ...]

Besides the bundled samples it measures a 12-megapixel photo (a 4032x3024
mosaic of the real sample photos at their native resolution) saved as lossy
WebP (quality 90) and as lossless WebP, made in memory by Pillow.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import statistics
import sys
from pathlib import Path
from typing import Callable, Dict, Optional

import numpy as np
from PIL import Image

import mediaview

from _common import SAMPLES, best_seconds_each as best_seconds, mosaic, opencv_peer, print_rates, print_targets  # noqa: E402


# ---- the direct libwebp floor -----------------------------------------------------------


class DirectLibwebp:
    """WebPDecodeRGBInto through ctypes into a preallocated array: the
    library's own speed with nothing around it (Debian's libwebp, the one
    mediaview links)."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(ctypes.util.find_library("webp") or "libwebp.so.7")
        lib.WebPGetInfo.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int),
                                    ctypes.POINTER(ctypes.c_int)]
        lib.WebPDecodeRGBInto.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
                                          ctypes.c_int]
        lib.WebPDecodeRGBInto.restype = ctypes.c_void_p
        lib.WebPGetDecoderVersion.restype = ctypes.c_int
        self.lib = lib

    def version(self) -> str:
        v = self.lib.WebPGetDecoderVersion()
        return f"{v >> 16}.{v >> 8 & 255}.{v & 255}"

    def size(self, data: bytes):
        w, h = ctypes.c_int(), ctypes.c_int()
        if not self.lib.WebPGetInfo(data, len(data), ctypes.byref(w), ctypes.byref(h)):
            raise ValueError("not a WebP")
        return w.value, h.value

    def decoder(self, data: bytes) -> Callable[[], object]:
        w, h = self.size(data)
        out = np.empty((h, w, 3), np.uint8)
        ptr = out.ctypes.data

        def run():
            if not self.lib.WebPDecodeRGBInto(data, len(data), ptr, out.nbytes, w * 3):
                raise RuntimeError("WebPDecodeRGBInto failed")
            return out

        return run


# ---- peers ----------------------------------------------------------------------------


def peers(data: bytes) -> Dict[str, Optional[Callable[[], object]]]:
    found: Dict[str, Optional[Callable[[], object]]] = {}
    found["mediaview"] = lambda: np.asarray(mediaview.decode_image(data, mode="RGB"))
    # Into a buffer made once, as the direct call below: the decode without
    # the fresh allocation (and its page faults) every call pays.
    w, h = DirectLibwebp().size(data)
    out = np.empty((h, w, 3), np.uint8)
    found["mediaview out="] = lambda: mediaview.decode_image(data, mode="RGB", out=out)
    found["libwebp direct"] = DirectLibwebp().decoder(data)
    found["Pillow"] = lambda: np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    opencv = opencv_peer(data, "IMREAD_COLOR", "WebP")
    if opencv:
        found["OpenCV imdecode"] = opencv
    try:
        import imagecodecs

        found["imagecodecs"] = lambda: imagecodecs.webp_decode(data)
    except ImportError as e:
        print(f"  (imagecodecs missing: {e})")
    return found






def webp_bytes(pixels: np.ndarray, **options) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "WEBP", **options)
    return buf.getvalue()


def measure(name: str, data: bytes) -> Dict[str, float]:
    w, h = DirectLibwebp().size(data)
    megapixels = w * h / 1e6
    print(f"\n{name}: {w}x{h} ({megapixels:.1f} MP, {len(data) / 1e6:.2f} MB)")
    rates = {peer: megapixels / seconds for peer, seconds in best_seconds(peers(data)).items()}
    print_rates(rates)
    return rates


def measure_scale(data: bytes) -> None:
    times = best_seconds({
        "full": lambda: mediaview.decode_image(data, mode="RGB"),
        "quarter": lambda: mediaview.decode_image(data, mode="RGB", scale="1/4"),
        "crop": lambda: mediaview.decode_image(data, mode="RGB", crop=(1000, 1000, 512, 512)),
    })
    full, quarter, crop = times["full"], times["quarter"], times["crop"]
    print(f"\nlossy 12 MP: full {full * 1e3:.1f} ms, 1/4 scale {quarter * 1e3:.1f} ms ({full / quarter:.2f}x faster), "
          f"512x512 crop {crop * 1e3:.1f} ms ({full / crop:.2f}x faster)")


def main(argv) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.webp")) if "animated" not in p.name]
    files += [(Path(a).name, Path(a).read_bytes()) for a in argv]
    photo = mosaic(4032, 3024)
    large = {
        "12 MP photo mosaic, lossy q90": webp_bytes(photo, quality=90),
        "12 MP photo mosaic, lossless": webp_bytes(photo, lossless=True, quality=50, method=2),
    }
    versions = [f"Debian libwebp {DirectLibwebp().version()} (mediaview, direct)"]
    try:
        from PIL import features

        versions.append(f"Pillow's bundled {features.version('webp')}")
    except Exception:
        pass
    try:
        import imagecodecs

        versions.append(f"imagecodecs' {imagecodecs.webp_version()}")
    except ImportError:
        pass
    print(f"mediaview {mediaview.__version__}; libwebp: {', '.join(versions)}; single thread")
    results = {name: measure(name, data) for name, data in files + list(large.items())}
    for name in large:
        big = results[name]
        print_targets(name, big, (("libwebp direct", 0.95), ("Pillow", 1.0), ("OpenCV imdecode", 1.0)))
        if "libwebp direct" in big:
            print(f"  mediaview out= vs libwebp direct (both into a buffer made once): "
                  f"{big['mediaview out='] / big['libwebp direct']:.2f}x")
    small = [r["mediaview"] / r["libwebp direct"] for n, r in results.items() if n not in large]
    print(f"  samples: mediaview / direct median {statistics.median(small):.2f}x")
    measure_scale(large["12 MP photo mosaic, lossy q90"])


if __name__ == "__main__":
    main(sys.argv[1:])
