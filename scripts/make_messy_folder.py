#!/usr/bin/env python3
"""Makes a "real user's messy folder" (issue 26) from the bundled samples:
one file of every extension mediaview reads, files it does not read (text,
a PDF, a ZIP, an unknown binary, a file without an extension), damaged
files (truncated JPEG, PNG, FLAC and WAV, a file of zeros under .jpg),
content under the wrong extension and an animation (animated WebP and GIF).

    .venv/bin/python scripts/make_messy_folder.py /tmp/messy
    .venv/bin/python -m mediaview convert /tmp/messy -o /tmp/messy-out --to png

Deterministic: the same samples give the same folder. Prints what it made.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

# Damaged copies: (name in the folder, sample, how much of it is kept).
TRUNCATED = [("cut_photo.jpg", "chelsea_420.jpg", 0.6), ("cut_picture.png", "chelsea_rgb8.png", 0.5),
             ("cut_music.flac", "music_stereo.flac", 0.5), ("cut_speech.wav", "speech_mono.wav", 0.5)]
# Files that are not media at all, by what a user's folder holds.
NOT_MEDIA = {
    "notes.txt": b"shopping list\n- milk\n- eggs\n",
    "scan.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    "archive.zip": b"PK\x05\x06" + bytes(18),  # an empty ZIP archive
    "blob.bin": bytes(range(256)) * 4,
    "README": b"no extension, plain text\n",
    "zeros.jpg": bytes(4096),  # a media extension, no media inside
}
# Content under another extension: a PNG named .jpg, a FLAC named .wav.
MISNAMED = [("png_inside.jpg", "chelsea_rgb8.png"), ("flac_inside.wav", "music_stereo.flac")]
ANIMATIONS = {"coffee_animated.webp": "animated_webp.webp", "coffee_animated.gif": "animated_gif.gif"}


def readable_extensions() -> dict:
    """{extension: 'image' or 'audio'} for every decoder mediaview has."""
    import mediaview

    return {ext: d["kind"] for d in mediaview.decoders() for ext in d["extensions"]}


def one_sample_per_extension(extensions: dict) -> list:
    """The first sample (by name) for each extension mediaview reads."""
    chosen = {}
    for path in sorted(SAMPLES.iterdir()):
        ext = path.suffix.lstrip(".").lower()
        if ext in extensions and ext not in chosen and path.is_file():
            chosen[ext] = path
    return sorted(chosen.values())


def make(folder: Path) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for path in one_sample_per_extension(readable_extensions()):
        # The extension in the stem too: chelsea.avif and chelsea.heic would
        # both become chelsea.png under --to png (a usage error, rightly).
        name = f"{path.stem}_{path.suffix.lstrip('.')}{path.suffix}"
        shutil.copyfile(path, folder / name)
        made.append((name, f"{path.name}, a {path.suffix} sample"))
    for sample, name in ANIMATIONS.items():
        shutil.copyfile(SAMPLES / sample, folder / name)
        made.append((name, f"{sample}, an animation"))
    for name, sample, fraction in TRUNCATED:
        data = (SAMPLES / sample).read_bytes()
        (folder / name).write_bytes(data[:int(len(data) * fraction)])
        made.append((name, f"{sample} cut to {fraction:.0%}"))
    for name, data in NOT_MEDIA.items():
        (folder / name).write_bytes(data)
        made.append((name, "not media"))
    from PIL import Image  # a BMP: an image format that only Pillow reads

    with Image.open(SAMPLES / "chelsea_rgb8.png") as im:
        im.convert("RGB").save(folder / "old_scan.bmp")
    made.append(("old_scan.bmp", "a BMP image"))
    for name, sample in MISNAMED:
        shutil.copyfile(SAMPLES / sample, folder / name)
        made.append((name, f"{sample} under another extension"))
    return made


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    for name, what in make(args.folder):
        print(f"{name}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
