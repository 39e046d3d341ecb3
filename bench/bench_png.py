#!/usr/bin/env python3
"""PNG decode and encode speed, side by side in one process: mediaview (its
own path: libdeflate and a SIMD unfilter) against Debian's libspng called
directly (spng_decode_image through ctypes), pyspng (its own optimised
libspng), imagecodecs, Pillow and OpenCV, on the same bytes, single thread,
the peers taking turns (best_seconds_each). Then issue 20's other targets:
peak RSS growth of one decode against output + compressed + 1 MiB, the
writer against Pillow's save at both defaults, and decode_images scaling
from 1 to 2 threads. Prints megapixels per second and every target's ratio,
met or not.

    python bench/bench_png.py [more.png ...]

The large inputs are made in memory from a 2560x1440 mosaic of the real
sample photos at their native resolution, saved by Pillow at its default
(level 6): 8-bit RGB; RGBA (a gradient alpha); palette (256 colours); grey;
a 3200x2000 "smoother photo" (a 1600x1000 mosaic upscaled 2x, bicubic); and
16-bit RGB saved by OpenCV (16-bit content: a 5120x2880 mosaic averaged 2x2
in floating point).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import sys
from pathlib import Path
import subprocess
import time
from typing import Callable, Dict, List

import numpy as np
from PIL import Image

import mediaview

from _common import (SAMPLES, best_seconds_each, mosaic, opencv_peer, print_rates,  # noqa: E402
                     print_targets)  # (bench/ is on sys.path when run)
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
    seconds = best_seconds_each(peers(data), 1.0)
    rates = {peer: megapixels / t for peer, t in seconds.items()}
    print_rates(rates, 18)
    return rates



def save_pillow(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def inputs() -> Dict[str, bytes]:
    import cv2

    photo = mosaic(2560, 1440)
    ramp = np.tile(np.linspace(0, 255, 2560).astype(np.uint8), (1440, 1))
    smooth = cv2.resize(mosaic(1600, 1000), (3200, 2000), interpolation=cv2.INTER_CUBIC)
    return {
        "photo": photo_8bit(),
        "smoother photo": save_pillow(Image.fromarray(smooth)),
        "RGBA": save_pillow(Image.fromarray(np.dstack([photo, ramp]), "RGBA")),
        "16-bit RGB": photo_16bit(),
        "palette": save_pillow(Image.fromarray(photo).quantize(256)),
        "grey": save_pillow(Image.fromarray(photo).convert("L")),
    }


def fastest_peer(rates: Dict[str, float]) -> str:
    others = {k: v for k, v in rates.items() if k not in ("mediaview", "libspng direct")}
    return max(others, key=others.get)


MEMORY_PROBE = """
import sys, numpy as np, mediaview
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
data = open(sys.argv[1], "rb").read()
kwargs = eval(sys.argv[2])
# No decode before: a warm one leaves freed buffers resident, which the
# measured one would reuse without growing.
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets VmHWM, the peak RSS, to the current RSS
before = status("VmRSS:")
view = mediaview.decode_image(data, **kwargs)
print(status("VmHWM:") - before, np.asarray(view).nbytes)
"""


def memory(name: str, data: bytes, tmp: Path, kwargs: str = "dict(mode=None)") -> None:
    """Peak RSS growth of one decode in a fresh interpreter (VmHWM after
    clear_refs, against VmRSS before)."""
    path = tmp / "memory_probe.png"
    path.write_bytes(data)
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path), kwargs], capture_output=True, text=True,
                         check=True)
    growth, output = (int(x) for x in out.stdout.split())
    budget = output + len(data) + (1 << 20)
    print(f"  {name:16} peak RSS growth {growth / 2**20:7.1f} MiB; output {output / 2**20:6.1f} MiB, "
          f"compressed {len(data) / 2**20:5.1f} MiB: {growth / budget:4.2f}x the budget "
          f"({'met' if growth <= budget else 'NOT met'})")


def writer(photo: bytes) -> None:
    pixels = np.asarray(mediaview.decode_image(photo, mode=None))
    image = Image.fromarray(pixels)
    fns = {"Pillow (level 6)": lambda: save_pillow(image)}
    for level in (0, 1, 5, 6, 9, 12):
        fns[f"mediaview level {level}"] = (lambda lv: lambda: mediaview.encode_image(pixels, "png", compress_level=lv))(level)
    seconds = best_seconds_each(fns, 1.0)
    pillow_size = len(save_pillow(image))
    print("\nWriting the 2560x1440 photo (8-bit RGB):")
    for name, fn in fns.items():
        size = len(fn())
        print(f"  {name:20} {seconds[name] * 1e3:8.1f} ms {size / 1e6:7.3f} MB  "
              f"{seconds['Pillow (level 6)'] / seconds[name]:5.2f}x Pillow's speed, {size / pillow_size:5.3f}x its size")
    ratio = seconds["Pillow (level 6)"] / seconds["mediaview level 6"]
    small = len(fns["mediaview level 6"]()) <= pillow_size
    print(f"  target (default level >= 3x Pillow, no larger): {ratio:.2f}x, "
          f"{'no larger' if small else 'LARGER'}: {'met' if ratio >= 3 and small else 'NOT met'}")


def batch(photo: bytes) -> None:
    sources: List[bytes] = [photo] * 8
    times = {}
    for threads in (1, 2):
        mediaview.decode_images(sources, threads=threads, mode=None)
        times[threads] = min(_timed(lambda: mediaview.decode_images(sources, threads=threads, mode=None))
                             for _ in range(3))
    scaling = times[1] / times[2]
    print(f"\ndecode_images, 8 photos: 1 thread {times[1] * 1e3:.0f} ms, 2 threads {times[2] * 1e3:.0f} ms: "
          f"{scaling:.2f}x (target >= 1.8x: {'met' if scaling >= 1.8 else 'NOT met'}; the machine's other load counts)")


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv) -> None:
    import tempfile

    print(f"mediaview {mediaview.__version__}, single thread")
    files = [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.png"))]
    files += [(Path(a).name, Path(a).read_bytes()) for a in argv]
    made = inputs()
    rates = {name: measure(name, data) for name, data in made.items()}
    for name, data in files:
        measure(name, data)
    print_targets("8-bit photo", rates["photo"], (("pyspng", 1.4), ("OpenCV", 2.0)), 18)
    print_targets("smoother photo", rates["smoother photo"], (("pyspng", 1.5),), 18)
    for name in ("RGBA", "16-bit RGB"):
        peer = "pyspng" if "pyspng" in rates[name] else fastest_peer(rates[name])
        print_targets(name + " photo", rates[name], ((peer, 1.3),), 18)
    for name in ("palette", "grey"):
        print_targets(name + " photo", rates[name], ((fastest_peer(rates[name]), 1.2),), 18)
    print("\nMemory (one decode, own layout unless said, fresh process):")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("photo", "RGBA", "16-bit RGB", "palette", "grey"):
            memory(name, made[name], Path(tmp))
        # Rows shorter than the file's: one-call inflate holds the filtered
        # stream, larger than the output, so this budget cannot hold.
        memory("RGBA as RGB", made["RGBA"], Path(tmp), "dict(mode='RGB')")
        memory("16-bit as uint8", made["16-bit RGB"], Path(tmp), "dict(dtype='uint8')")
    writer(made["photo"])
    batch(made["photo"])


if __name__ == "__main__":
    main(sys.argv[1:])
