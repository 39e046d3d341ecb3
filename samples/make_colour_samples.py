#!/usr/bin/env python3
"""Makes the colour-managed samples (issue 21) from the bundled photographs, reproducibly.

Profiles come from Debian packages where they ship: Adobe RGB (1998)
compatible and ProPhoto from colord-data, the SWOP CMYK press profile from
libgs-common (ghostscript). No package ships Display P3 or a plain grey
gamma 2.2 profile, so those two are written below by hand (a v2 matrix/TRC
profile: colorants Bradford-adapted to D50, P3 with the sRGB curve as a
`para` tag, grey as a gamma 2.2 `curv`). Pixel values are made with Pillow's
ImageCms (its own lcms2), never with mediaview. Run with the project venv:

    .venv/bin/python samples/make_colour_samples.py
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import cv2  # 16-bit RGB PNG (Pillow cannot hold it)
import numpy as np
from PIL import Image, ImageCms

HERE = Path(__file__).resolve().parent
ICC = Path("/usr/share/color/icc")
ADOBE_RGB = ICC / "colord/AdobeRGB1998.icc"
PROPHOTO = ICC / "colord/ProPhotoRGB.icc"
SWOP_CMYK = ICC / "ghostscript/default_cmyk.icc"

D50 = (0.9642, 1.0, 0.8249)
BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])
SRGB_CURVE = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)


# ---- a minimal ICC v2 writer ---------------------------------------------------

def s15(v: float) -> bytes:
    return struct.pack(">i", int(round(v * 65536)))


def xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)


def desc_tag(text: str) -> bytes:
    ascii_ = text.encode() + b"\0"
    return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_ + b"\0" * 8 + b"\0\0\0" + b"\0" * 67


def text_tag(text: str) -> bytes:
    return b"text\0\0\0\0" + text.encode() + b"\0"


def para_tag(g: float, a: float, b: float, c: float, d: float) -> bytes:
    return b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(s15(v) for v in (g, a, b, c, d))


def gamma_tag(gamma: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, int(round(gamma * 256))) + b"\0\0"


def sf32_tag(m: np.ndarray) -> bytes:
    return b"sf32\0\0\0\0" + b"".join(s15(v) for v in m.flatten())


def xyz_of(x: float, y: float) -> np.ndarray:
    return np.array([x / y, 1.0, (1 - x - y) / y])


def adaptation(white: np.ndarray) -> np.ndarray:
    """Bradford from `white` to D50, as ICC v2.4+ profiles store in `chad`."""
    src, dst = BRADFORD @ white, BRADFORD @ np.array(D50)
    return np.linalg.inv(BRADFORD) @ np.diag(dst / src) @ BRADFORD


def icc_profile(space: bytes, description: str, tags: dict[bytes, bytes]) -> bytes:
    tags = {b"desc": desc_tag(description), b"cprt": text_tag("No copyright, use freely"), **tags}
    table = struct.pack(">I", len(tags))
    offset = 128 + 4 + 12 * len(tags)
    body = b""
    for sig, data in tags.items():
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    size = 128 + len(table) + len(body)
    header = (struct.pack(">I", size) + b"\0\0\0\0" + struct.pack(">I", 0x02100000) + b"mntr" + space + b"XYZ "
              + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
              + b"".join(s15(v) for v in D50) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128
    return header + table + body


def rgb_profile(description: str, primaries, white_xy, curve: bytes) -> bytes:
    white = xyz_of(*white_xy)
    columns = np.stack([xyz_of(*p) for p in primaries], axis=1)
    scale = np.linalg.solve(columns, white)
    to_xyz = adaptation(white) @ (columns * scale)  # D50-adapted colorants, as ICC v2 stores them
    tags = {b"wtpt": xyz_tag(*D50), b"chad": sf32_tag(adaptation(white))}
    for sig, column in zip((b"rXYZ", b"gXYZ", b"bXYZ"), to_xyz.T):
        tags[sig] = xyz_tag(*column)
    for sig in (b"rTRC", b"gTRC", b"bTRC"):
        tags[sig] = curve
    return icc_profile(b"RGB ", description, tags)


def display_p3() -> bytes:
    return rgb_profile("Display P3 (mediaview samples)", [(0.680, 0.320), (0.265, 0.690), (0.150, 0.060)],
                       (0.3127, 0.3290), para_tag(*SRGB_CURVE))


def grey_gamma22() -> bytes:
    return icc_profile(b"GRAY", "Grey gamma 2.2 D50 (mediaview samples)",
                       {b"wtpt": xyz_tag(*D50), b"kTRC": gamma_tag(2.2)})


# ---- the samples -----------------------------------------------------------------

def photo(name: str, size: tuple[int, int]) -> Image.Image:
    image = Image.open(HERE / name)
    image.draft(image.mode, size)
    mode = {"L": "L", "CMYK": "CMYK"}.get(image.mode, "RGB")
    return image.convert(mode).resize(size, Image.Resampling.LANCZOS)


def into(image: Image.Image, profile: bytes | Path) -> Image.Image:
    """The sRGB photo's colours expressed in `profile` (Pillow's lcms2, relative colorimetric)."""
    source = ImageCms.createProfile("sRGB")
    target = ImageCms.getOpenProfile(io.BytesIO(profile) if isinstance(profile, bytes) else str(profile))
    return ImageCms.profileToProfile(image, source, target, renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)


def report(name: str) -> None:
    path = HERE / name
    with Image.open(path) as im:
        print(f"{name}: {im.size[0]}x{im.size[1]} {im.mode}, {path.stat().st_size} bytes")


def png_with_chunks(image: Image.Image, chunks: list[tuple[bytes, bytes]]) -> bytes:
    """Pillow's PNG with extra chunks inserted before the first IDAT."""
    out = io.BytesIO()
    image.save(out, "PNG")
    data = out.getvalue()
    at = data.index(b"IDAT") - 4
    extra = b"".join(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
                     for kind, body in chunks)
    return data[:at] + extra + data[at:]


def main() -> None:
    cat = photo("chelsea_420.jpg", (240, 160))
    p3 = display_p3()
    into(cat, p3).save(HERE / "chelsea_p3.jpg", quality=92, icc_profile=p3)
    report("chelsea_p3.jpg")
    into(cat, ADOBE_RGB).save(HERE / "chelsea_adobergb.jpg", quality=92, icc_profile=ADOBE_RGB.read_bytes())
    report("chelsea_adobergb.jpg")
    grey = photo("camera_gray.jpg", (192, 192))
    grey.save(HERE / "camera_gray22.jpg", quality=92, icc_profile=grey_gamma22())
    report("camera_gray22.jpg")
    cmyk = photo("chelsea_cmyk.jpg", (240, 160))
    cmyk.save(HERE / "chelsea_cmyk_swop.jpg", quality=90, icc_profile=SWOP_CMYK.read_bytes())
    report("chelsea_cmyk_swop.jpg")

    # 16-bit: the photo's values read as ProPhoto (Pillow's ImageCms is 8-bit
    # only, so the values are tagged rather than converted).
    bgr = cv2.imread(str(HERE / "coffee_rgb16.png"), cv2.IMREAD_UNCHANGED)[:75, 25:125]
    ok, encoded = cv2.imencode(".png", bgr)
    assert ok
    data = encoded.tobytes()
    profile = PROPHOTO.read_bytes()
    iccp = b"ProPhoto\0\0" + zlib.compress(profile, 9)
    at = data.index(b"IDAT") - 4
    chunk = struct.pack(">I", len(iccp)) + b"iCCP" + iccp + struct.pack(">I", zlib.crc32(b"iCCP" + iccp))
    (HERE / "coffee_prophoto16.png").write_bytes(data[:at] + chunk + data[at:])
    report("coffee_prophoto16.png")

    # RGBA with a profile: alpha must come through untouched.
    rgba = Image.open(HERE / "astronaut_rgba.png").convert("RGBA").resize((128, 128), Image.Resampling.LANCZOS)
    colour = into(rgba.convert("RGB"), ADOBE_RGB)
    colour.putalpha(rgba.getchannel("A"))
    colour.save(HERE / "astronaut_adobergb_rgba.png", icc_profile=ADOBE_RGB.read_bytes())
    report("astronaut_adobergb_rgba.png")

    # PNG colour chunks other than iCCP: cICP (Display P3, sRGB transfer),
    # and gAMA + cHRM (gamma 1/1.8 with Adobe RGB's primaries).
    small = cat.resize((120, 80), Image.Resampling.LANCZOS)
    cicp = bytes([12, 13, 0, 1])
    (HERE / "chelsea_cicp_p3.png").write_bytes(png_with_chunks(into(small, p3), [(b"cICP", cicp)]))
    report("chelsea_cicp_p3.png")
    gama = struct.pack(">I", int(round(100000 / 1.8)))
    chrm = struct.pack(">8I", *(int(round(v * 100000)) for v in
                                (0.3127, 0.3290, 0.64, 0.33, 0.21, 0.71, 0.15, 0.06)))
    (HERE / "chelsea_gama_chrm.png").write_bytes(png_with_chunks(small, [(b"gAMA", gama), (b"cHRM", chrm)]))
    report("chelsea_gama_chrm.png")


if __name__ == "__main__":
    main()
