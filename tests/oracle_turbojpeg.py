"""An independent oracle: the system libjpeg-turbo through its TurboJPEG 2
API (tjDecompress2), called with ctypes. mediaview uses the libjpeg API, so
agreement checks our colour conversion, scaling and pixel formats against the
library's own other front end."""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

# TJPF_* pixel formats of TurboJPEG 2.
PIXEL_FORMATS = {"RGB": 0, "BGR": 1, "RGBX": 2, "L": 6, "RGBA": 7, "BGRA": 8, "CMYK": 11}
CHANNELS = {"RGB": 3, "BGR": 3, "RGBX": 4, "L": 1, "RGBA": 4, "BGRA": 4, "CMYK": 4}


def _load():
    name = ctypes.util.find_library("turbojpeg") or "libturbojpeg.so.0"
    lib = ctypes.CDLL(name)
    lib.tjInitDecompress.restype = ctypes.c_void_p
    lib.tjDestroy.argtypes = [ctypes.c_void_p]
    lib.tjDecompressHeader3.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong] + [
        ctypes.POINTER(ctypes.c_int)
    ] * 4
    lib.tjDecompress2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p] + [
        ctypes.c_int
    ] * 5
    lib.tjGetErrorStr2.restype = ctypes.c_char_p
    lib.tjGetErrorStr2.argtypes = [ctypes.c_void_p]
    return lib


_lib = _load()


class TurboJPEGError(Exception):
    pass


def header(data: bytes) -> tuple[int, int]:
    handle = _lib.tjInitDecompress()
    try:
        w, h, ss, cs = (ctypes.c_int() for _ in range(4))
        if _lib.tjDecompressHeader3(handle, data, len(data), *(ctypes.byref(v) for v in (w, h, ss, cs))) != 0:
            raise TurboJPEGError(_lib.tjGetErrorStr2(handle).decode())
        return w.value, h.value
    finally:
        _lib.tjDestroy(handle)


def decode(data: bytes, mode: str = "RGB", eighths: int = 8) -> np.ndarray:
    """Decodes at scale eighths/8 into the given pixel format."""
    width, height = header(data)
    w = (width * eighths + 7) // 8
    h = (height * eighths + 7) // 8
    channels = CHANNELS[mode]
    out = np.empty((h, w, channels), np.uint8)
    handle = _lib.tjInitDecompress()
    try:
        rc = _lib.tjDecompress2(handle, data, len(data), out.ctypes.data, w, 0, h, PIXEL_FORMATS[mode], 0)
        if rc != 0:
            raise TurboJPEGError(_lib.tjGetErrorStr2(handle).decode())
    finally:
        _lib.tjDestroy(handle)
    return out[:, :, 0] if channels == 1 else out
