#!/usr/bin/env python3
"""Makes the bundled JPEG samples from real photographs, reproducibly.

The photographs are the public-domain / CC0 ones that scikit-image ships
inside its wheel (see samples/README.md). Each output exercises one JPEG
feature the decoder must handle. Run with the project venv:

    .venv/bin/pip install scikit-image   # only needed to regenerate
    .venv/bin/python samples/make_samples.py
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
EXIF_ORIENTATION = 0x0112


def photo(name: str) -> Image.Image:
    spec = importlib.util.find_spec("skimage")
    if spec is None or spec.origin is None:
        raise SystemExit("scikit-image is needed to regenerate the samples: pip install scikit-image")
    return Image.open(Path(spec.origin).parent / "data" / name)


def save(image: Image.Image, name: str, **options) -> None:
    path = HERE / name
    image.save(path, "JPEG", **options)
    print(f"{name}: {image.size[0]}x{image.size[1]} {image.mode}, {path.stat().st_size} bytes")


def main() -> None:
    chelsea = photo("chelsea.png").convert("RGB")  # 451x300: not a multiple of the MCU
    coffee = photo("coffee.png").convert("RGB")
    astronaut = photo("astronaut.png").convert("RGB")
    camera = photo("camera.png").convert("L")
    rocket = photo("rocket.jpg").convert("RGB")

    save(chelsea, "chelsea_420.jpg", quality=85, subsampling="4:2:0")
    save(coffee, "coffee_422.jpg", quality=85, subsampling="4:2:2")
    save(astronaut, "astronaut_444.jpg", quality=90, subsampling="4:4:4")
    save(astronaut, "astronaut_progressive.jpg", quality=85, subsampling="4:2:0", progressive=True)
    save(camera, "camera_gray.jpg", quality=85)
    save(coffee, "coffee_restart.jpg", quality=85, subsampling="4:2:0", restart_marker_rows=1)
    save(chelsea.convert("CMYK"), "chelsea_cmyk.jpg", quality=85)

    # Stored turned a quarter counter-clockwise with EXIF orientation 6, so
    # a viewer that honours the tag (rotate 90 clockwise) shows it upright.
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    save(rocket.transpose(Image.Transpose.ROTATE_90), "rocket_orient6.jpg", quality=85, exif=exif.tobytes())


if __name__ == "__main__":
    main()
