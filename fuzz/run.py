#!/usr/bin/env python3
"""Runs the libFuzzer targets built in build/fuzz (make build-fuzz).

For each target: replay every file in tests/regressions/<name>/ once (a
crash there fails at once), then fuzz for --seconds with the working corpus
build/fuzz/corpus/<target> and seeds made from samples/ and ../shared/corpus
(skipped when absent; fuzz_encode's are option prefixes and pixel patterns
made here). A crash, leak or timeout is saved under
build/fuzz/artifacts/<target>/ and fails the run: copy it into
tests/regressions/<name>/ with a test, and fix it.

Usage: fuzz/run.py --seconds N fuzz_jpeg fuzz_exif ...
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "fuzz"
REGRESSIONS = ROOT / "tests" / "regressions"
SEED_SOURCES = [ROOT / "samples", ROOT.parent / "shared" / "corpus" / "jpeg", ROOT.parent / "shared" / "corpus" / "exif"]
AUDIO_SEED_SOURCES = [ROOT / "samples", ROOT.parent / "shared" / "corpus" / "flac"]
PNG_SEED_SOURCES = [ROOT / "samples", ROOT.parent / "shared" / "corpus" / "png"]
AUDIO_SUFFIXES = (".wav", ".w64", ".rf64", ".aiff", ".aifc", ".au", ".caf", ".flac", ".ogg", ".opus", ".mp3")
# Option prefixes for the audio target (see fuzz/fuzz_audio.cpp): int16 from
# the start; float32 after a seek to the middle; int32 and float64, seeking
# near the end.
AUDIO_OPTIONS = [bytes([0x00, 0, 63, 0]), bytes([0x06, 128, 15, 0]), bytes([0x05, 250, 3, 0]), bytes([0x07, 64, 255, 0])]

# Option prefixes for the libFLAC target (see fuzz/fuzz_flac.cpp): int16
# from the start; float32 after a seek to the middle and back, truncation
# allowed; int32 strict, seeking near the end; float64 with verify.
FLAC_OPTIONS = [bytes([0x00, 0, 63, 0]), bytes([0x4E, 128, 15, 0]), bytes([0x15, 250, 3, 0]), bytes([0x27, 64, 255, 0])]
FLAC_SUFFIXES = (".flac", ".oga")

# Option prefixes for the JPEG target (see fuzz/jpeg_harness.hpp): plain RGB;
# L at 1/2 with a crop into a flipped target; BGRA oriented with a crop,
# truncation allowed, mirrored target; RGBX at 3/8, strict, transposed
# target; CMYK at full size; MinSize into padded rows.
JPEG_OPTIONS = [
    bytes([0x00, 7, 0, 0, 0, 0, 0, 0]),
    bytes([0x45, 3, 2, 40, 30, 128, 200, 0]),
    bytes([0x73, 7, 3, 10, 200, 255, 40, 0]),
    bytes([0x0C, 2, 4, 0, 0, 0, 0, 0]),
    bytes([0x06, 7, 0, 0, 0, 0, 0, 0]),
    bytes([0x80, 20, 15, 0, 0, 0, 0, 0]),
]

# Option prefixes for the WebP target (see fuzz/webp_harness.hpp): plain
# RGB with a lossless re-encode; L at 1/2 with a crop into a flipped target;
# BGRA oriented with a crop, truncation allowed, mirrored target; the file's
# own layout, strict, transposed; LA with MinSize into padded rows; every
# frame (decode_frames) as RGBA; frame 3 as RGB with a crop.
WEBP_OPTIONS = [
    bytes([0x00, 7, 0, 0, 0, 0, 0, 0x20]),
    bytes([0x44, 3, 2, 40, 30, 128, 200, 0]),
    bytes([0x73, 7, 3, 10, 200, 255, 40, 0]),
    bytes([0x0E, 7, 4, 0, 0, 0, 0, 0]),
    bytes([0x85, 20, 16, 0, 0, 0, 0, 0]),
    bytes([0x02, 7, 0, 0, 0, 0, 0, 0x02]),
    bytes([0x40, 7, 0, 20, 20, 200, 200, 0x0C]),
]

# Option prefixes for the AVIF, JPEG XL and HEIF targets (see
# fuzz/modern_harness.hpp): plain RGB with a re-encode round trip; L cropped
# into a flipped target; BGRA oriented with a crop, truncation allowed,
# mirrored target; the own layout, strict, transposed; uint16; every frame
# as RGBA; frame 1 with a crop.
MODERN_OPTIONS = [
    bytes([0x00, 0, 0, 0, 0, 0, 0, 0x20]),
    bytes([0x44, 0, 3, 40, 30, 128, 200, 0]),
    bytes([0x73, 0, 3, 10, 200, 255, 40, 0]),
    bytes([0x0E, 0, 4, 0, 0, 0, 0, 0]),
    bytes([0x00, 0, 0, 0, 0, 0, 0, 0x40]),
    bytes([0x02, 0, 0, 0, 0, 0, 0, 0x02]),
    bytes([0x40, 0, 0, 20, 20, 200, 200, 0x04]),
]
MODERN_SUFFIXES = {"fuzz_avif": ".avif", "fuzz_jxl": ".jxl", "fuzz_heif": ".heic"}

# Option prefixes for the PNG target (see fuzz/png_harness.hpp): own layout
# with an encode round trip; RGB uint8 cropped into a flipped target, round
# trip; BGRA uint16 oriented, cropped, truncation allowed, mirrored target;
# L strict into a transposed target with a round trip; LA uint16 with
# truncation allowed into padded rows; a refused scale.
PNG_OPTIONS = [
    bytes([0x00, 0, 0, 0, 0, 0, 0, 2]),
    bytes([0x41, 1, 2, 40, 30, 128, 200, 2]),
    bytes([0x74, 2, 3, 10, 200, 255, 40, 0]),
    bytes([0x0E, 0, 4, 0, 0, 0, 0, 2]),
    bytes([0x17, 2, 1, 0, 0, 0, 0, 3]),
    bytes([0x80, 0, 0, 0, 0, 0, 0, 0]),
]

# Option prefixes for the encoder target (see fuzz/encode_harness.hpp), each
# followed by every payload in encode_payloads(): RGB 4:2:0 plain; L at
# quality 100 transposed, and 2-D 300x1 mirrored; BGRA 4:2:2 progressive
# 1x1 with wide pixels; CMYK quality 100 flipped; RGBX stored gray,
# progressive, broadcast; RGB quality 1 with padded rows; RGB planar. Then
# what must be refused: quality 101, 2 channels for RGB, uint16, an empty
# side, 4-D, a 65501 pixel side (and 65500, accepted), CMYK as gray, 2-D RGB.
ENCODE_OPTIONS = [
    bytes([0x20, 89, 63, 47, 0, 0, 0x00]),
    bytes([0x05, 99, 32, 16, 4, 2, 0x10]),
    bytes([0xC5, 99, 43, 0, 3, 0, 0x20]),
    bytes([0x1B, 74, 0, 0, 5, 9, 0x10]),
    bytes([0x06, 99, 16, 8, 2, 0, 0x20]),
    bytes([0x3C, 49, 199, 149, 6, 3, 0x00]),
    bytes([0x00, 0, 99, 99, 1, 13, 0x10]),
    bytes([0x00, 95, 31, 31, 4, 4, 0x20]),
    bytes([0x20, 242, 7, 7, 0, 0, 0x00]),
    bytes([0x00, 89, 7, 7, 0, 1, 0x04]),
    bytes([0x05, 89, 7, 7, 0, 0, 0x05]),
    bytes([0x00, 89, 7, 7, 0, 0, 0x06]),
    bytes([0x00, 89, 7, 7, 0, 0, 0x0E]),
    bytes([0x05, 89, 0, 0, 0, 11, 0x07]),
    bytes([0x05, 89, 0, 0, 0, 10, 0x07]),
    bytes([0x36, 89, 7, 7, 0, 0, 0x00]),
    bytes([0x40, 89, 7, 7, 0, 0, 0x00]),
]


def encode_payloads() -> list[bytes]:
    """Pixel bytes for the encoder seeds, made here: none (all zeros), a
    ramp, a checkerboard, hash noise, and compressed bytes from a sample
    JPEG as further noise."""
    noise, block = b"", b"mediaview"
    while len(noise) < 4096:
        block = hashlib.sha256(block).digest()
        noise += block
    payloads = [b"", bytes(range(256)), bytes([0, 255] * 32 + [255, 0] * 32), noise]
    sample = ROOT / "samples" / "chelsea_420.jpg"
    if sample.is_file():
        payloads.append(sample.read_bytes()[2048:2048 + 8192])
    return payloads


# Flags a target needs on every run. fuzz_encode checks that the library
# prints nothing on stderr by sending fd 2 to a memory file; with
# -close_fd_mask=2 libFuzzer and the sanitizers print to a copy of stderr
# instead, so none of their output is caught there (see encode_harness.hpp).
TARGET_FLAGS = {"fuzz_encode": ["-close_fd_mask=2"]}


def seed_files() -> list[Path]:
    files = []
    for folder in SEED_SOURCES:
        if folder.is_dir():
            files += sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
        else:
            print(f"fuzz: seed folder {folder} is absent, skipped")
    return files


def app1_payloads(jpeg: bytes) -> list[bytes]:
    """The APP1 segments' payloads (EXIF) of a JPEG, walking its markers."""
    out, at = [], 2
    while at + 4 <= len(jpeg) and jpeg[at] == 0xFF:
        marker, length = jpeg[at + 1], int.from_bytes(jpeg[at + 2:at + 4], "big")
        if marker in (0xDA, 0xD9):
            break
        if marker == 0xE1:
            out.append(jpeg[at + 4:at + 2 + length])
        at += 2 + length
    return out


def audio_seed_files() -> list[Path]:
    files = []
    for folder in AUDIO_SEED_SOURCES:
        if folder.is_dir():
            files += sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)
        else:
            print(f"fuzz: seed folder {folder} is absent, skipped")
    return files


def seeds_for(target: str) -> list[bytes]:
    if target == "fuzz_audio":
        return [opt + p.read_bytes()[:65536] for p in audio_seed_files() for opt in AUDIO_OPTIONS]
    if target == "fuzz_flac":
        files = [p for p in audio_seed_files() if p.suffix.lower() in FLAC_SUFFIXES]
        return [opt + p.read_bytes()[:65536] for p in files for opt in FLAC_OPTIONS]
    if target == "fuzz_encode":
        return [opt + payload for payload in encode_payloads() for opt in ENCODE_OPTIONS]
    if target == "fuzz_webp":
        webps = sorted((ROOT / "samples").glob("*.webp"))
        return [opt + p.read_bytes()[:65536] for p in webps for opt in WEBP_OPTIONS]
    if target in MODERN_SUFFIXES:
        files = sorted((ROOT / "samples").glob("*" + MODERN_SUFFIXES[target]))
        return [opt + p.read_bytes()[:65536] for p in files for opt in MODERN_OPTIONS]
    if target == "fuzz_png":
        pngs = [p for folder in PNG_SEED_SOURCES if folder.is_dir() for p in sorted(folder.glob("*.png"))]
        return [opt + p.read_bytes()[:65536] for p in pngs for opt in PNG_OPTIONS]
    seeds = []
    for path in seed_files():
        data = path.read_bytes()
        if target == "fuzz_jpeg":
            # Large photos are cut: the fuzzer mutates small inputs much faster.
            seeds += [opt + data[:65536] for opt in JPEG_OPTIONS]
        elif target == "fuzz_exif":
            seeds += app1_payloads(data)
    return seeds


def write_seeds(target: str) -> Path:
    folder = BUILD / "seeds" / target
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for data in seeds_for(target):
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
    return folder


def run(cmd: list, what: str) -> int:
    print(f"fuzz: {what}: {' '.join(str(c) for c in cmd)}", flush=True)
    return subprocess.run(cmd).returncode


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args()
    failed = []
    for target in args.targets:
        binary = BUILD / target
        if not binary.exists():
            print(f"fuzz: {binary} is not built (make build-fuzz)", file=sys.stderr)
            return 2
        name = target.removeprefix("fuzz_")
        regressions = sorted((REGRESSIONS / name).glob("[!.]*")) if (REGRESSIONS / name).is_dir() else []
        flags = TARGET_FLAGS.get(target, [])
        if regressions and run([binary, "-timeout=25", *flags, *regressions],
                               f"{target}: replay {len(regressions)} regressions"):
            failed.append(f"{target} (regression replay)")
            continue
        corpus = BUILD / "corpus" / target
        corpus.mkdir(parents=True, exist_ok=True)
        artifacts = BUILD / "artifacts" / target
        artifacts.mkdir(parents=True, exist_ok=True)
        seeds = write_seeds(target)
        started = time.monotonic()
        code = run([binary, corpus, seeds, f"-max_total_time={args.seconds}", "-timeout=25", "-rss_limit_mb=2560",
                    "-max_len=70000", "-print_final_stats=1", f"-artifact_prefix={artifacts}/", *flags], target)
        print(f"fuzz: {target}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code != 0:
            failed.append(target)
    if failed:
        print(f"fuzz: FAILED: {', '.join(failed)}; see build/fuzz/artifacts/", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
