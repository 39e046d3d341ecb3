#!/usr/bin/env python3
"""Makes the GIF samples from the bundled photographs (samples/*.jpg).

Two come from Pillow's own writer (a still image and an animation as the web
has them); three are written here byte by byte, with a small LZW encoder, so
that each feature of the format the compositor must honour is there on
purpose: frames on sub-rectangles, local colour tables, every disposal
method (including an unspecified one and a frame without a control
extension, which keep the previous method), transparent pixels in frame 0
and later frames, interlacing, a grey-ramp palette (read by Pillow as L).
Pillow reads them back here, and tests/test_gif.py takes Pillow's composited
frames as the oracle. Run with the project venv:

    .venv/bin/python scripts/make_gif_samples.py
"""

from __future__ import annotations

import struct
from pathlib import Path

from PIL import Image, ImageDraw

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def photo(name: str, size: tuple[int, int]) -> Image.Image:
    with Image.open(SAMPLES / name) as im:
        return im.convert("RGB").resize(size, Image.Resampling.LANCZOS)


# ---- a minimal GIF writer ------------------------------------------------------


def lzw(indices: bytes, min_size: int) -> bytes:
    """GIF's variable-length LZW, codes packed from the low bit; the table is
    cleared when full."""
    clear, end = 1 << min_size, (1 << min_size) + 1
    out, acc, nbits = bytearray(), 0, 0

    def emit(code: int, size: int) -> None:
        nonlocal acc, nbits
        acc |= code << nbits
        nbits += size
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8

    def reset() -> tuple[dict, int, int]:
        return {bytes([i]): i for i in range(clear)}, end + 1, min_size + 1

    table, next_code, size = reset()
    emit(clear, size)
    w = b""
    for k in indices:
        wk = w + bytes([k])
        if wk in table:
            w = wk
            continue
        emit(table[w], size)
        if next_code < 4096:
            table[wk] = next_code
            next_code += 1
            if next_code > (1 << size) and size < 12:
                size += 1
        else:
            emit(clear, size)
            table, next_code, size = reset()
        w = bytes([k])
    if w:
        emit(table[w], size)
    emit(end, size)
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def sub_blocks(data: bytes) -> bytes:
    return b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255)) + b"\0"


def colour_table(palette: list[int]) -> tuple[bytes, int]:
    """The table padded to a power of two; its size field."""
    entries = max(2, len(palette) // 3)
    bits = max(1, (entries - 1).bit_length())
    return bytes(palette) + bytes(3 * (1 << bits) - len(palette)), bits - 1


def gif(size, global_palette, frames, background=0, loop=0) -> bytes:
    table, bits = colour_table(global_palette)
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", *size, 0x80 | 0x70 | bits, background, 0) + table)
    if loop is not None:
        out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", loop) + b"\0"
    for f in frames:
        if f.get("control", True):
            t = f.get("transparency")
            flags = (f.get("disposal", 0) << 2) | (1 if t is not None else 0)
            out += b"\x21\xf9\x04" + struct.pack("<BHB", flags, f.get("delay", 10), t or 0) + b"\0"
        x, y, im = f["x"], f["y"], f["image"]
        w, h = im.size
        flags, local = 0, b""
        if f.get("palette"):
            local, lbits = colour_table(f["palette"])
            flags = 0x80 | lbits
        rows = [im.tobytes()[r * w:(r + 1) * w] for r in range(h)]
        if f.get("interlaced"):
            flags |= 0x40
            order = [r for start, step in ((0, 8), (4, 8), (2, 4), (1, 2)) for r in range(start, h, step)]
            rows = [rows[r] for r in order]
        out += b"\x2c" + struct.pack("<HHHHB", x, y, w, h, flags) + local
        out += b"\x08" + sub_blocks(lzw(b"".join(rows), 8))
    return bytes(out + b"\x3b")


def quantised(im: Image.Image, colours: int) -> tuple[Image.Image, list[int]]:
    q = im.quantize(colours, dither=Image.Dither.NONE)
    return q, q.getpalette()[:3 * colours]


def with_hole(im: Image.Image, index: int, box) -> Image.Image:
    """`im` (P) with an ellipse of the transparent index."""
    im = im.copy()
    ImageDraw.Draw(im).ellipse(box, fill=index)
    return im


# ---- the samples ---------------------------------------------------------------


def handmade_disposals() -> bytes:
    """A 160x120 screen: frame 0 full size with a transparent hole, then
    sub-rectangles with each disposal method, local tables, interlacing."""
    screen = photo("astronaut_444.jpg", (160, 120))
    base, palette = quantised(screen, 255)  # index 255 left for transparency
    palette = palette + [255, 0, 255]
    chelsea = photo("chelsea_420.jpg", (60, 40))
    local, local_palette = quantised(chelsea, 200)
    coffee = photo("coffee_422.jpg", (70, 50)).quantize(palette=base, dither=Image.Dither.NONE)
    rocket = photo("rocket_orient6.jpg", (40, 40)).quantize(palette=base, dither=Image.Dither.NONE)
    frames = [
        {"x": 0, "y": 0, "image": with_hole(base, 255, (60, 30, 100, 80)), "transparency": 255, "disposal": 1,
         "delay": 20},
        {"x": 20, "y": 10, "image": with_hole(local, 199, (10, 10, 30, 30)), "palette": local_palette,
         "transparency": 199, "disposal": 2, "delay": 15},
        {"x": 50, "y": 40, "image": coffee, "disposal": 3, "interlaced": True, "delay": 30},
        {"x": 10, "y": 60, "image": rocket, "control": False},  # no extension: disposal 3 stays
        {"x": 0, "y": 0, "image": with_hole(base, 255, (20, 20, 140, 100)), "transparency": 255, "disposal": 0,
         "delay": 0},
        {"x": 100, "y": 70, "image": with_hole(rocket, 255, (5, 5, 35, 35)), "transparency": 255, "disposal": 2,
         "delay": 40},
        {"x": 30, "y": 30, "image": coffee.crop((0, 0, 40, 30)), "disposal": 1, "delay": 10},
    ]
    return gif((160, 120), palette, frames, background=7, loop=2)


def handmade_opaque_first() -> bytes:
    """Frame 0 smaller than the screen and opaque (Pillow's canvas is RGB
    after it); later frames transparent, disposed to the background."""
    coffee = photo("coffee_422.jpg", (120, 80))
    base, palette = quantised(coffee, 128)
    palette = palette + [0, 0, 0] * 0
    small = base.crop((10, 10, 90, 60))
    frames = [
        {"x": 20, "y": 15, "image": small, "disposal": 2, "delay": 5},
        {"x": 0, "y": 0, "image": with_hole(base, 127, (30, 20, 90, 60)), "transparency": 127, "disposal": 2},
        {"x": 40, "y": 20, "image": with_hole(base.crop((0, 0, 50, 40)), 3, (0, 0, 50, 40)), "transparency": 3,
         "disposal": 3},
        {"x": 5, "y": 5, "image": base.crop((60, 30, 100, 70)), "disposal": 1},
    ]
    return gif((120, 80), palette, frames, background=40, loop=None)


def handmade_grey() -> bytes:
    """A grey-ramp palette (Pillow reads it as L), transparent in frame 0."""
    camera = photo("camera_gray.jpg", (96, 96)).convert("L")
    grey = list(range(256))
    palette = [v for g in grey for v in (g, g, g)]
    frames = [
        {"x": 0, "y": 0, "image": with_hole(camera.point(lambda v: min(v, 254)), 255, (30, 30, 60, 60)),
         "transparency": 255, "disposal": 2},
        {"x": 16, "y": 16, "image": camera.crop((0, 0, 48, 48)), "disposal": 1},
    ]
    return gif((96, 96), palette, frames, loop=0)


def pillow_written() -> None:
    chelsea = photo("chelsea_420.jpg", (226, 150))
    chelsea.quantize(256).save(SAMPLES / "chelsea_still.gif", interlace=True)
    coffee = photo("coffee_422.jpg", (300, 200))
    frames = []
    for i in range(6):
        frame = coffee.crop((i * 12, i * 6, i * 12 + 150, i * 6 + 100))
        ImageDraw.Draw(frame).ellipse((i * 20, 30, i * 20 + 40, 70), fill=(255, 40, 40))
        frames.append(frame)
    frames[0].save(SAMPLES / "coffee_animated.gif", save_all=True, append_images=frames[1:],
                   duration=[60 + 20 * i for i in range(6)], loop=0, disposal=2)


def report(name: str) -> None:
    with Image.open(SAMPLES / name) as im:
        for i in range(im.n_frames):
            im.seek(i)
            im.load()
        print(f"{name}: {im.size[0]}x{im.size[1]}, {im.n_frames} frame(s), {(SAMPLES / name).stat().st_size} bytes")


def main() -> None:
    (SAMPLES / "astronaut_disposal.gif").write_bytes(handmade_disposals())
    (SAMPLES / "coffee_opaque_first.gif").write_bytes(handmade_opaque_first())
    (SAMPLES / "camera_grey.gif").write_bytes(handmade_grey())
    pillow_written()
    for name in ("astronaut_disposal.gif", "coffee_opaque_first.gif", "camera_grey.gif", "chelsea_still.gif",
                 "coffee_animated.gif"):
        report(name)


if __name__ == "__main__":
    main()
