#!/usr/bin/env python3
"""Makes the samples of the formats read through Pillow (tests/test_pillow_formats.py)
from the bundled photographs (samples/*.jpg), small (about 120 KB in all):
one file per format group and layout Pillow writes, plus a multi-page DCX
written here (Pillow reads DCX but cannot write it: a DCX is a directory of
offsets followed by PCX pages). Run with the project venv:

    .venv/bin/python scripts/make_pillow_samples.py
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
OUT = SAMPLES / "pillow"


def photo(name: str, size: tuple, mode: str = "RGB") -> Image.Image:
    with Image.open(SAMPLES / name) as im:
        return im.convert("RGB").resize(size, Image.Resampling.LANCZOS).convert(mode)


def with_alpha(im: Image.Image) -> Image.Image:
    """A horizontal alpha ramp, so that alpha is checked everywhere."""
    rgba = im.convert("RGBA")
    ramp = Image.linear_gradient("L").rotate(90).resize(im.size)
    rgba.putalpha(ramp)
    return rgba


def dcx(pages: list) -> bytes:
    """A DCX file: the magic, up to 1024 page offsets (0-terminated), then the PCX pages."""
    encoded = []
    for page in pages:
        out = io.BytesIO()
        page.save(out, "PCX")
        encoded.append(out.getvalue())
    offset = 4 + 4 * (len(pages) + 1)
    table = []
    for data in encoded:
        table.append(offset)
        offset += len(data)
    return struct.pack("<I", 987654321) + struct.pack(f"<{len(pages) + 1}I", *table, 0) + b"".join(encoded)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    cat = photo("chelsea_420.jpg", (64, 43))
    coffee = photo("coffee_422.jpg", (48, 32))
    grey = photo("camera_gray.jpg", (48, 48), "L")
    cat.save(OUT / "chelsea.bmp")
    cat.save(OUT / "chelsea.tga")
    with_alpha(coffee).save(OUT / "coffee_rle_rgba.tga", compression="tga_rle")
    grey.save(OUT / "camera_grey_rle.tga", compression="tga_rle")
    cat.save(OUT / "chelsea.ppm")
    grey.save(OUT / "camera.pgm")
    grey.convert("1").save(OUT / "camera.pbm")
    grey.convert("I").point(lambda v: v * 257).convert("I;16").save(OUT / "camera16.pgm")
    with_alpha(coffee).save(OUT / "coffee_rgba.qoi")
    cat.save(OUT / "chelsea.qoi")
    cat.quantize(64).save(OUT / "chelsea_palette.pcx")
    cat.save(OUT / "chelsea.pcx")
    cat.save(OUT / "chelsea.sgi")
    grey.save(OUT / "camera.sgi")
    with_alpha(coffee).save(OUT / "coffee_rgba.dds")
    cat.save(OUT / "chelsea.ico", sizes=[(48, 48), (32, 32), (16, 16)])
    grey.convert("1").save(OUT / "camera.xbm")
    (OUT / "pages.dcx").write_bytes(dcx([cat, cat.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]))
    for path in sorted(OUT.iterdir()):
        with Image.open(path) as im:  # each must read back
            im.load()
            print(f"{path.name}: {im.format} {im.mode} {im.size} {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
