#!/usr/bin/env python3
"""Runs the libFuzzer targets built in build/fuzz (make build-fuzz).

For each target: replay every file in tests/regressions/<name>/ once (a
crash there fails at once), then fuzz for --seconds with the working corpus
build/fuzz/corpus/<target> and seeds made from samples/ and ../shared/corpus
(skipped when absent). A crash, leak or timeout is saved under
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
AUDIO_SUFFIXES = (".wav", ".w64", ".rf64", ".aiff", ".aifc", ".au", ".caf", ".flac", ".ogg", ".opus", ".mp3")
# Option prefixes for the audio target (see fuzz/fuzz_audio.cpp): int16 from
# the start; float32 after a seek to the middle; int32 and float64, seeking
# near the end.
AUDIO_OPTIONS = [bytes([0x00, 0, 63, 0]), bytes([0x06, 128, 15, 0]), bytes([0x05, 250, 3, 0]), bytes([0x07, 64, 255, 0])]

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
        if regressions and run([binary, "-timeout=25", *regressions], f"{target}: replay {len(regressions)} regressions"):
            failed.append(f"{target} (regression replay)")
            continue
        corpus = BUILD / "corpus" / target
        corpus.mkdir(parents=True, exist_ok=True)
        artifacts = BUILD / "artifacts" / target
        artifacts.mkdir(parents=True, exist_ok=True)
        seeds = write_seeds(target)
        started = time.monotonic()
        code = run([binary, corpus, seeds, f"-max_total_time={args.seconds}", "-timeout=25", "-rss_limit_mb=2560",
                    "-max_len=70000", "-print_final_stats=1", f"-artifact_prefix={artifacts}/"], target)
        print(f"fuzz: {target}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code != 0:
            failed.append(target)
    if failed:
        print(f"fuzz: FAILED: {', '.join(failed)}; see build/fuzz/artifacts/", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
