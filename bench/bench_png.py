#!/usr/bin/env python3
"""PNG decode speed, side by side in one process: mediaview against libspng
called directly (spng_decode_image through ctypes: the floor), pyspng (also
libspng), imagecodecs, Pillow and OpenCV, on the same bytes, single thread.
Prints megapixels per second and the ratios the project's targets are
stated in.

    python bench/bench_png.py [more.png ...]

The large photos are made in memory: a 2560x1440 mosaic of the real sample
photos at their native resolution, saved as 8-bit RGB by Pillow (level 6,
its default) and as 16-bit RGB by OpenCV (with 16-bit content: a 5120x2880
mosaic averaged 2x2 in floating point).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import sys
from pathlib import Path
from typing import Callable, Dict

import numpy as np
from PIL import Image

import mediaview

from _common import SAMPLES, best_seconds, mosaic, opencv_peer, print_rates, print_targets  # noqa: E402  (bench/ is on sys.path when run)
SPNG_FMT_PNG = 256


class DirectSpng:
    """spng_decode_image into a preallocated array, in the file's own layout
    (SPNG_FMT_PNG: what mediaview produces with mode=None), context created
    and freed each run as any caller must."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(ctypes.util.find_library("spng") or "libspng.so.0")
        lib.spng_ctx_new.restype = ctypes.c_void_p
        lib.spng_ctx_new.argtypes = [ctypes.c_int]
        lib.spng_ctx_free.argtypes = [ctypes.c_void_p]
        lib.spng_set_png_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        lib.spng_decoded_image_size.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_size_t)]
        lib.spng_decode_image.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                                          ctypes.c_int]
        self.lib = lib

    def decoder(self, data: bytes) -> Callable[[], object]:
        lib = self.lib
        ctx = lib.spng_ctx_new(0)
        lib.spng_set_png_buffer(ctx, data, len(data))
        size = ctypes.c_size_t()
        lib.spng_decoded_image_size(ctx, SPNG_FMT_PNG, ctypes.byref(size))
        lib.spng_ctx_free(ctx)
        out = np.empty(size.value, np.uint8)
        ptr = out.ctypes.data

        def run():
            c = lib.spng_ctx_new(0)
            try:
                lib.spng_set_png_buffer(c, data, len(data))
                if lib.spng_decode_image(c, ptr, out.size, SPNG_FMT_PNG, 0) != 0:
                    raise RuntimeError("spng_decode_image failed")
            finally:
                lib.spng_ctx_free(c)
            return out

        return run


def peers(data: bytes) -> Dict[str, Callable[[], object]]:
    found: Dict[str, Callable[[], object]] = {}
    found["mediaview"] = lambda: np.asarray(mediaview.decode_image(data, mode=None))
    found["libspng direct"] = DirectSpng().decoder(data)
    try:
        import pyspng

        found["pyspng"] = lambda: pyspng.load(data)
    except ImportError as e:
        print(f"  (pyspng missing: {e})")
    try:
        import imagecodecs

        if imagecodecs.PNG.available:
            found["imagecodecs png"] = lambda: imagecodecs.png_decode(data)
        if getattr(imagecodecs, "SPNG", None) is not None and imagecodecs.SPNG.available:
            try:
                imagecodecs.spng_decode(data)
                found["imagecodecs spng"] = lambda: imagecodecs.spng_decode(data)
            except imagecodecs.SpngError as e:  # its spng_decode refuses 16-bit RGB
                print(f"  (imagecodecs spng cannot decode this: {e})")
    except ImportError as e:
        print(f"  (imagecodecs missing: {e})")
    # Pillow holds 16-bit colour as 8-bit (it keeps the high bytes).
    found["Pillow"] = lambda: np.asarray(Image.open(io.BytesIO(data)))
    opencv = opencv_peer(data, "IMREAD_UNCHANGED")
    if opencv:
        found["OpenCV"] = opencv
    return found






def photo_8bit() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(mosaic(2560, 1440)).save(buf, "PNG")
    return buf.getvalue()


def photo_16bit() -> bytes:
    import cv2

    big = mosaic(5120, 2880).astype(np.float32) * 257.0
    small = cv2.resize(big, (2560, 1440), interpolation=cv2.INTER_AREA)
    rgb16 = np.clip(np.rint(small), 0, 65535).astype(np.uint16)
    ok, encoded = cv2.imencode(".png", rgb16[..., ::-1])
    assert ok
    return encoded.tobytes()


def measure(name: str, data: bytes) -> Dict[str, float]:
    info = mediaview.probe(data)
    megapixels = info.width * info.height / 1e6
    print(f"\n{name}: {info.width}x{info.height} {info.precision}-bit ({megapixels:.1f} MP, {len(data) / 1e6:.2f} MB)")
    rates = {peer: megapixels / best_seconds(fn) for peer, fn in peers(data).items()}
    print_rates(rates, 18)
    return rates



def main(argv) -> None:
    print(f"mediaview {mediaview.__version__}, single thread")
    files = [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.png"))]
    files += [(Path(a).name, Path(a).read_bytes()) for a in argv]
    eight = measure("2560x1440 photo mosaic, 8-bit RGB (Pillow)", photo_8bit())
    sixteen = measure("2560x1440 photo mosaic, 16-bit RGB (OpenCV)", photo_16bit())
    for name, data in files:
        measure(name, data)
    print_targets("8-bit photo", eight, (("libspng direct", 0.95), ("Pillow", 1.2), ("OpenCV", 1.2)), 18)
    print_targets("16-bit photo", sixteen, (("libspng direct", 0.95), ("Pillow", 1.0), ("OpenCV", 1.0)), 18)


if __name__ == "__main__":
    main(sys.argv[1:])
