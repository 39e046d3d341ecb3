#!/usr/bin/env python3
"""What `make run` shows: every bundled sample decoded by mediaview, and one
converted with the command-line tool."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import mediaview

HERE = Path(__file__).resolve().parent


def decode_images() -> None:
    print(f"mediaview {mediaview.__version__}; decoders: "
          + ", ".join(f"{d['name']} ({d['library_version']})" for d in mediaview.decoders()))
    for path in sorted(HERE.glob("*.jpg")):
        info = mediaview.probe(path)
        mode = "CMYK" if info.colorspace == "CMYK" else "L" if info.components == 1 else "RGB"
        start = time.perf_counter()
        view = mediaview.decode_image(path, mode=mode, orient=True)
        ms = (time.perf_counter() - start) * 1e3
        pixels = np.asarray(view)
        print(f"{path.name:28} {info.width}x{info.height} {info.subsampling:>4} "
              f"{'progressive' if info.progressive else 'baseline':11} orientation {info.orientation} -> "
              f"{mode:4} shape {view.shape} format {view.format!r} strides {view.strides} "
              f"mean {pixels.mean():6.1f}  {ms:5.1f} ms")


AUDIO_SUFFIXES = {".wav", ".w64", ".rf64", ".aiff", ".aifc", ".au", ".caf", ".flac", ".ogg", ".opus", ".mp3"}


def decode_audio() -> None:
    for path in sorted(p for p in HERE.iterdir() if p.suffix in AUDIO_SUFFIXES):
        info = mediaview.audio_info(path)
        start = time.perf_counter()
        view, rate = mediaview.read_audio(path, dtype="float32")
        ms = (time.perf_counter() - start) * 1e3
        samples = np.asarray(view)
        print(f"{path.name:28} {info.format:5} {info.subtype:14} {rate:5} Hz {info.channels} ch -> shape "
              f"{view.shape} format {view.format!r} strides {view.strides} "
              f"peak {np.abs(samples).max():5.3f}  {ms:5.1f} ms")


def convert_with_cli() -> None:
    src = HERE / "rocket_orient6.jpg"
    with tempfile.TemporaryDirectory() as tmp:
        dst = Path(tmp) / "rocket.png"
        command = [sys.executable, "-m", "mediaview", "convert", str(src), str(dst), "--scale", "1/2"]
        print("$ mediaview convert", src.name, "rocket.png --scale 1/2")
        subprocess.run(command, check=True)
        subprocess.run([sys.executable, "-m", "mediaview", "info", str(src)], check=True)
        print(f"wrote {dst.name}: {dst.stat().st_size} bytes")
        # A batch: every bundled JPEG to a quality-80 progressive JPEG, and
        # every bundled sound to FLAC, two workers; the one-line summary.
        out = Path(tmp) / "batch"
        jpegs = sorted(str(p) for p in HERE.glob("*.jpg"))
        print(f"$ mediaview convert samples/*.jpg -o batch --quality 80 --progressive -j 2")
        subprocess.run([sys.executable, "-m", "mediaview", "convert", *jpegs, "-o", str(out), "--quality", "80",
                        "--progressive", "-j", "2"], check=True)
        sounds = sorted(str(p) for p in HERE.glob("*.wav"))
        if sounds:
            print("$ mediaview convert samples/*.wav -o batch --to flac")
            subprocess.run([sys.executable, "-m", "mediaview", "convert", *sounds, "-o", str(out), "--to", "flac"],
                           check=True)
            subprocess.run([sys.executable, "-m", "mediaview", "info", *sorted(str(p) for p in out.glob("*.flac"))],
                           check=True)


if __name__ == "__main__":
    decode_images()
    decode_audio()
    convert_with_cli()
