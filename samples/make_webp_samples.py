#!/usr/bin/env python3
"""Makes the bundled WebP samples from the bundled JPEG photographs.

The sources are samples/*.jpg (themselves made from public-domain / CC0
photographs by make_samples.py), decoded and written by Pillow, so the tests
read WebPs that mediaview did not write. Each file exercises one feature the
decoder must handle. Run with the project venv:

    .venv/bin/python samples/make_webp_samples.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageCms, ImageDraw

HERE = Path(__file__).resolve().parent
EXIF_ORIENTATION = 0x0112


def photo(name: str) -> Image.Image:
    with Image.open(HERE / name) as im:
        return im.convert("RGB")


def report(name: str) -> None:
    with Image.open(HERE / name) as im:
        frames = getattr(im, "n_frames", 1)
        print(f"{name}: {im.size[0]}x{im.size[1]} {im.mode}, {frames} frame(s), {(HERE / name).stat().st_size} bytes")


def vignette(size: tuple[int, int]) -> Image.Image:
    """An alpha mask: opaque in an ellipse, fading to fully transparent."""
    w, h = size
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    for step in range(64):
        inset = step * min(w, h) // 160
        draw.ellipse((inset, inset, w - 1 - inset, h - 1 - inset), fill=min(255, step * 8))
    return mask


def main() -> None:
    chelsea = photo("chelsea_420.jpg")  # 451x300: odd width, not a multiple of 16
    coffee = photo("coffee_422.jpg")
    rocket = photo("rocket_orient6.jpg")  # stored rotated, as in the JPEG

    chelsea.save(HERE / "chelsea_lossy.webp", "WEBP", quality=80, method=4)
    report("chelsea_lossy.webp")

    # Lossless at a reduced size (VP8L files are large): 301x201, odd both ways.
    coffee.resize((301, 201), Image.Resampling.LANCZOS).save(HERE / "coffee_lossless.webp", "WEBP", lossless=True)
    report("coffee_lossless.webp")

    # Lossy colour with a lossless alpha plane.
    rgba = chelsea.copy()
    rgba.putalpha(vignette(chelsea.size))
    rgba.save(HERE / "chelsea_alpha.webp", "WEBP", quality=75)
    report("chelsea_alpha.webp")

    # EXIF orientation 6 and an sRGB ICC profile.
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    rocket.save(HERE / "rocket_orient6.webp", "WEBP", quality=80, exif=exif.tobytes(), icc_profile=icc)
    report("rocket_orient6.webp")

    # An animation: a window panning over the coffee photo, with a
    # translucent disc moving across it, so the encoder stores sub-rectangles
    # blended onto the canvas and the frames need compositing; durations
    # differ per frame, lossy and lossless frames are mixed.
    frames, durations = [], []
    small = coffee.resize((300, 200), Image.Resampling.LANCZOS)
    for i in range(6):
        frame = small.crop((i * 12, i * 6, i * 12 + 180, i * 6 + 120)).convert("RGBA")
        if i >= 2:
            overlay = Image.new("RGBA", frame.size, (0, 0, 0, 0))
            ImageDraw.Draw(overlay).ellipse((i * 20, 30, i * 20 + 50, 80), fill=(255, 40, 40, 160))
            frame = Image.alpha_composite(frame, overlay)
        if i == 5:
            frame.putalpha(vignette(frame.size))
        frames.append(frame)
        durations.append(60 + 20 * i)
    frames[0].save(HERE / "coffee_animated.webp", "WEBP", save_all=True, append_images=frames[1:],
                   duration=durations, loop=3, quality=70, allow_mixed=True)
    report("coffee_animated.webp")


if __name__ == "__main__":
    main()
