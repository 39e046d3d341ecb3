#!/usr/bin/env python3
"""Makes the bundled PNG samples from the bundled JPEG photographs, reproducibly.

Every file is written by a library other than the one mediaview decodes with
(libspng): Pillow for 8-bit files, OpenCV for 16-bit RGB (Pillow cannot hold
it), and a few lines of zlib below for the Adam7-interlaced file (neither
Pillow nor OpenCV writes interlaced PNG). Run with the project venv:

    .venv/bin/python samples/make_png_samples.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageCms

HERE = Path(__file__).resolve().parent


def photo(name: str, size: tuple[int, int]) -> Image.Image:
    image = Image.open(HERE / name)
    image.draft(image.mode, size)  # deterministic: libjpeg's DCT scaling, then a fixed resample
    return image.convert("RGB" if image.mode != "L" else "L").resize(size, Image.Resampling.LANCZOS)


def report(name: str) -> None:
    path = HERE / name
    with Image.open(path) as im:
        print(f"{name}: {im.size[0]}x{im.size[1]} {im.mode}, {path.stat().st_size} bytes")


def save(image: Image.Image, name: str, **options) -> None:
    image.save(HERE / name, "PNG", **options)
    report(name)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_adam7_rgb(pixels: np.ndarray, name: str) -> None:
    """An interlaced 8-bit RGB PNG: the seven Adam7 passes, filter type 0."""
    h, w, _ = pixels.shape
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        sub = pixels[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        for row in sub:
            raw += b"\x00" + row.tobytes()
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    (HERE / name).write_bytes(data + chunk(b"IEND", b""))
    report(name)


def main() -> None:
    chelsea = photo("chelsea_420.jpg", (226, 150))
    coffee = photo("coffee_422.jpg", (200, 133))
    astronaut = photo("astronaut_444.jpg", (160, 160))
    camera = photo("camera_gray.jpg", (192, 192))
    rocket = photo("rocket_orient6.jpg", (120, 180))

    srgb = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    srgb[24:36] = bytes(12)  # the ICC header's creation time: fixed, so reruns give the same file
    srgb[84:100] = bytes(16)  # profile ID (an MD5 over the header) left unset, as the ICC spec allows
    srgb = bytes(srgb)
    save(chelsea, "chelsea_rgb8.png", icc_profile=srgb)
    save(camera, "camera_gray8.png")

    # Palette with a tRNS chunk: 64 colours, the darkest fully transparent.
    palette = astronaut.quantize(64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    rgb = np.array(palette.getpalette()[: 64 * 3]).reshape(64, 3)
    save(palette, "astronaut_palette.png", transparency=int(rgb.sum(axis=1).argmin()))

    # RGBA: a radial alpha ramp over the photo.
    yy, xx = np.mgrid[0:160, 0:160]
    alpha = np.clip(255 - np.hypot(yy - 80, xx - 80) * 3, 0, 255).astype(np.uint8)
    save(Image.fromarray(np.dstack([np.array(astronaut), alpha]), "RGBA"), "astronaut_rgba.png")

    # EXIF orientation 6 in an eXIf chunk.
    exif = Image.Exif()
    exif[0x0112] = 6
    save(rocket, "rocket_orient6.png", exif=exif.tobytes())

    # 16-bit RGB with real 16-bit content: the photo resampled in floating
    # point (area averaging), so the low bytes carry information.
    big = np.asarray(Image.open(HERE / "coffee_422.jpg").convert("RGB"), dtype=np.float32) * 257.0
    small = cv2.resize(big, (150, 100), interpolation=cv2.INTER_AREA)
    rgb16 = np.clip(np.rint(small), 0, 65535).astype(np.uint16)
    cv2.imwrite(str(HERE / "coffee_rgb16.png"), rgb16[..., ::-1])
    report("coffee_rgb16.png")

    write_adam7_rgb(np.array(chelsea.resize((113, 75), Image.Resampling.LANCZOS)), "chelsea_interlaced.png")


if __name__ == "__main__":
    main()
