#!/usr/bin/env python3
"""Makes the bundled AVIF, HEIC and JPEG XL samples from the bundled photos.

Written by tools independent of mediaview: Pillow (its own libavif and aom)
for 8-bit AVIF, heif-enc (libheif-examples: aom for AVIF, x265 for HEIC) for
10/12-bit AVIF and every HEIC, cjxl (libjxl-tools) for JPEG XL. Each file
exercises one feature the decoders must handle. Run with the project venv:

    .venv/bin/python samples/make_modern_samples.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
EXIF_ORIENTATION = 0x0112


def photo(name: str, size: tuple[int, int] | None = None) -> Image.Image:
    with Image.open(HERE / name) as im:
        im = im.convert("RGB")
    return im.resize(size, Image.Resampling.LANCZOS) if size else im


def vignette(size: tuple[int, int]) -> Image.Image:
    """An alpha mask: opaque in an ellipse, fading to fully transparent."""
    w, h = size
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    for step in range(64):
        inset = step * min(w, h) // 160
        draw.ellipse((inset, inset, w - 1 - inset, h - 1 - inset), fill=min(255, step * 8))
    return mask


def with_alpha(im: Image.Image) -> Image.Image:
    rgba = im.copy()
    rgba.putalpha(vignette(im.size))
    return rgba


def report(name: str) -> None:
    print(f"{name}: {(HERE / name).stat().st_size} bytes")


def run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True)


def orient6_exif() -> bytes:
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    return exif.tobytes()


def pan_frames(base: Image.Image, count: int, size: tuple[int, int]) -> list[Image.Image]:
    """A window panning over `base`, with a disc moving across it."""
    frames = []
    for i in range(count):
        frame = base.crop((i * 10, i * 5, i * 10 + size[0], i * 5 + size[1]))
        ImageDraw.Draw(frame).ellipse((i * 20, 20, i * 20 + 40, 60), fill=(255, 40, 40))
        frames.append(frame)
    return frames


def make_avif(tmp: Path) -> None:
    chelsea = photo("chelsea_420.jpg")  # 451x300: odd width
    chelsea.save(HERE / "chelsea.avif", quality=55)
    report("chelsea.avif")
    with_alpha(photo("chelsea_420.jpg", (225, 150))).save(HERE / "chelsea_alpha.avif", quality=55)
    report("chelsea_alpha.avif")
    # Pillow turns the EXIF orientation into irot/imir.
    photo("rocket_orient6.jpg", (160, 120)).save(HERE / "rocket_orient6.avif", quality=55, exif=orient6_exif())
    report("rocket_orient6.avif")
    small = photo("coffee_422.jpg", (300, 200))
    frames = pan_frames(small, 4, (120, 80))
    frames[0].save(HERE / "coffee_sequence.avif", save_all=True, append_images=frames[1:],
                   duration=[50, 70, 90, 110], quality=50)
    report("coffee_sequence.avif")
    # 10 and 12 bits from the 16-bit PNG: 10-bit 4:2:0 through ffmpeg
    # (libaom), 12-bit 4:4:4 through heif-enc (libheif + aom; its 10-bit
    # path trips an assertion in Debian's aom).
    src = tmp / "coffee16.png"
    write_png16(rgb16(), src)
    run("ffmpeg", "-v", "error", "-y", "-i", src, "-c:v", "libaom-av1", "-still-picture", "1",
        "-pix_fmt", "yuv420p10le", "-crf", "30", HERE / "coffee_10bit.avif")
    report("coffee_10bit.avif")
    run("heif-enc", "--avif", "-b", "12", "-q", "60", "-p", "chroma=444", "-o", HERE / "coffee_12bit.avif", src)
    report("coffee_12bit.avif")


def rgb16() -> np.ndarray:
    """coffee_rgb16.png's 16-bit samples (Pillow reads 16-bit RGB as 8-bit)."""
    import mediaview

    return np.asarray(mediaview.decode_image(HERE / "coffee_rgb16.png", dtype="uint16"))


def write_png16(rgb: np.ndarray, path: Path) -> None:
    """A 16-bit RGB PNG (Pillow writes 16-bit RGB only through this route)."""
    import zlib
    import struct

    h, w, _ = rgb.shape
    raw = b"".join(b"\0" + rgb[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    path.write_bytes(png)


def write_pfm(rgb: np.ndarray, path: Path) -> None:
    """A colour PFM (float32, bottom row first), which cjxl reads."""
    h, w, _ = rgb.shape
    path.write_bytes(b"PF\n%d %d\n-1.0\n" % (w, h) + np.ascontiguousarray(rgb[::-1], "<f4").tobytes())


def make_jxl(tmp: Path) -> None:
    photo("chelsea_420.jpg").save(tmp / "chelsea.png")
    run("cjxl", tmp / "chelsea.png", HERE / "chelsea.jxl", "-d", "2")
    report("chelsea.jxl")
    with_alpha(photo("chelsea_420.jpg", (225, 150))).save(tmp / "alpha.png")
    run("cjxl", tmp / "alpha.png", HERE / "chelsea_alpha.jxl", "-d", "2")
    report("chelsea_alpha.jxl")
    photo("camera_gray.jpg", (128, 128)).convert("L").save(tmp / "gray.png")
    run("cjxl", tmp / "gray.png", HERE / "camera_gray_lossless.jxl", "-d", "0")
    report("camera_gray_lossless.jxl")
    write_png16(rgb16(), tmp / "coffee16.png")
    run("cjxl", tmp / "coffee16.png", HERE / "coffee_16bit.jxl", "-d", "1")
    report("coffee_16bit.jxl")
    write_pfm(rgb16()[:64, :96].astype(np.float32) / 65535 * 1.5, tmp / "float.pfm")  # values above 1.0 too
    run("cjxl", tmp / "float.pfm", HERE / "coffee_float.jxl", "-d", "0")
    report("coffee_float.jxl")
    # A JPEG with EXIF orientation 6, recompressed losslessly: the
    # codestream carries orientation 6.
    small = photo("rocket_orient6.jpg", (120, 180))
    small.save(tmp / "rocket.jpg", quality=85, exif=orient6_exif())
    run("cjxl", tmp / "rocket.jpg", HERE / "rocket_orient6.jxl")
    report("rocket_orient6.jxl")
    frames = pan_frames(photo("coffee_422.jpg", (300, 200)), 4, (120, 80))
    frames[0].save(tmp / "anim.png", save_all=True, append_images=frames[1:], duration=[50, 70, 90, 110], loop=2)
    run("cjxl", tmp / "anim.png", HERE / "coffee_animated.jxl", "-d", "2")
    report("coffee_animated.jxl")


def make_heic(tmp: Path) -> None:
    photo("chelsea_420.jpg").save(tmp / "chelsea.png")
    run("heif-enc", "-q", "50", "-o", HERE / "chelsea.heic", tmp / "chelsea.png")
    report("chelsea.heic")
    with_alpha(photo("chelsea_420.jpg", (226, 150))).save(tmp / "alpha.png")
    run("heif-enc", "-q", "50", "-o", HERE / "chelsea_alpha.heic", tmp / "alpha.png")
    report("chelsea_alpha.heic")
    write_png16(rgb16(), tmp / "coffee16.png")
    run("heif-enc", "-q", "60", "-b", "10", "-o", HERE / "coffee_10bit.heic", tmp / "coffee16.png")
    report("coffee_10bit.heic")
    # A JPEG with EXIF orientation 6: heif-enc stores the pixels as they are
    # and the rotation as irot.
    photo("rocket_orient6.jpg", (120, 180)).save(tmp / "rocket.jpg", quality=90, exif=orient6_exif())
    run("heif-enc", "-q", "50", "-o", HERE / "rocket_orient6.heic", tmp / "rocket.jpg")
    report("rocket_orient6.heic")
    # Two top-level images of one size (a collection; the first is primary).
    photo("coffee_422.jpg", (160, 100)).save(tmp / "a.png")
    photo("chelsea_420.jpg", (160, 100)).save(tmp / "b.png")
    run("heif-enc", "-q", "50", "-o", HERE / "collection.heic", tmp / "a.png", tmp / "b.png")
    report("collection.heic")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        make_avif(Path(tmp))
        make_jxl(Path(tmp))
        make_heic(Path(tmp))


if __name__ == "__main__":
    main()
