#!/usr/bin/env python3
"""Runs the libFuzzer targets built in build/fuzz (make build-fuzz).

For each target: replay every file in tests/regressions/<name>/ once (a
crash there fails at once), then fuzz for --seconds with the working corpus
build/fuzz/corpus/<target>, the kept corpus fuzz/corpus/<target>/ (in the
repository, so coverage grows across runs and machines) and seeds made from
samples/ and ../shared/corpus (skipped when absent; fuzz_encode's are option
prefixes and pixel patterns made here). A crash, leak or timeout is saved
under build/fuzz/artifacts/<target>/ and fails the run: copy it into
tests/regressions/<name>/ with a test, and fix it.

With --merge (make fuzz-long), a run that ends cleanly rebuilds the kept
corpus with libFuzzer's -merge=1 from the kept, working and seed inputs: the
smallest set that keeps every feature any of them reaches, inputs over
--max-kept bytes left out so the kept corpora stay a few MB. The GoogleTest
suite replays every kept file (replay_fuzz_<name>, fuzz/replay_main.cpp).

Usage: fuzz/run.py --seconds N [--merge] fuzz_jpeg fuzz_exif ...
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
KEPT = ROOT / "fuzz" / "corpus"
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
# The FFmpeg audio target (see fuzz/fuzz_ffmpeg_audio.cpp): its samples, with
# option prefixes: int16 from the start, float32 seek to the middle, int32
# strict seek near the end with two blocks, float64 of stream 1.
FFMPEG_AUDIO_SUFFIXES = (".m4a", ".mp4", ".aac", ".wma", ".ac3", ".eac3", ".mka", ".webm")
FFMPEG_AUDIO_OPTIONS = [bytes([0x00, 0, 63, 255]), bytes([0x06, 128, 15, 255]), bytes([0x1D, 250, 3, 255]),
                        bytes([0x07, 64, 255, 1])]

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

# Option prefixes for the differential PNG target (fuzz/png_fast_harness.hpp):
# own layout (decoded in place in the output's block); the same into a
# caller's buffer (no working room); every CRC rewritten after mutation; RGBA
# uint16 with truncation allowed; L uint8 strict; BGR cropped.
PNG_FAST_OPTIONS = [
    bytes([0x00, 0, 0, 0, 0, 0, 0, 0]),
    bytes([0x20, 0, 0, 0, 0, 0, 0, 0]),
    bytes([0x80, 0, 0, 0, 0, 0, 0, 0]),
    bytes([0x13, 2, 0, 0, 0, 0, 0, 0]),
    bytes([0x0E, 1, 0, 0, 0, 0, 0, 0]),
    bytes([0x42, 0, 0, 40, 30, 128, 200, 0]),
]

# Option prefixes for the GIF and TIFF targets (see
# fuzz/image_frames_harness.hpp): RGB frame 0; the file's own layout, every
# frame; RGBA frame 2 cropped, truncation allowed, into a flipped target; L
# strict with a small max_pixels; LA frame 1 with every frame cropped; CMYK
# (refused by GIF, taken by CMYK TIFFs).
FRAME_OPTIONS = [
    bytes([0x00, 0, 0, 0, 0, 0]),
    bytes([0x46, 0, 0, 0, 0, 0]),
    bytes([0x32, 0x0A, 40, 30, 128, 200]),
    bytes([0x8C, 0, 0, 0, 0, 0]),
    bytes([0x65, 1, 20, 20, 200, 200]),
    bytes([0x07, 0, 0, 0, 0, 0]),
]


def tiff_seed_files() -> list[Path]:
    """The TIFFs in samples/ and the set scripts/make_tiff_samples.py makes
    (every layout and codec), when tifffile is installed."""
    files = sorted((ROOT / "samples").glob("*.tif"))
    try:
        sys.path.insert(0, str(ROOT / "scripts"))
        import make_tiff_samples
        files += sorted(make_tiff_samples.make_set(BUILD / "tiff_samples").values())
    except ImportError as e:
        print(f"fuzz: TIFF seed set not made ({e}); samples/ only")
    return files


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


# Option prefixes for the colour target (see fuzz/fuzz_icc.cpp): RGB uint8
# to sRGB; RGBA uint16 to linear sRGB, perceptual; L float32 to the profile
# itself, strict; BGR from CICP (P3, sRGB curve); LA from gAMA.
ICC_OPTIONS = [bytes([0x00, 0, 0, 0, 0, 5, 1, 0]), bytes([0x0A, 0, 0, 0, 1, 0, 7, 1]),
               bytes([0x15, 0, 0, 0, 2, 13, 3, 0]), bytes([0x01, 1, 12, 13, 0, 5, 9, 1]),
               bytes([0x06, 2, 45, 0, 1, 4, 2, 0])]


def icc_seed_profiles() -> list[bytes]:
    """The ICC profiles Debian's colour packages install (small ones first:
    the fuzzer mutates small inputs faster) and those in the samples."""
    found = sorted(Path("/usr/share/color/icc").rglob("*.ic[cm]"), key=lambda p: p.stat().st_size)
    profiles = [p.read_bytes() for p in found if p.stat().st_size <= 65536]
    try:
        from PIL import Image

        for sample in sorted((ROOT / "samples").glob("*")):
            try:
                with Image.open(sample) as im:
                    if im.info.get("icc_profile") and len(im.info["icc_profile"]) <= 65536:
                        profiles.append(im.info["icc_profile"])
            except Exception:
                pass
    except ImportError:
        pass
    return profiles


def seeds_for(target: str) -> list[bytes]:
    if target == "fuzz_audio":
        return [opt + p.read_bytes()[:65536] for p in audio_seed_files() for opt in AUDIO_OPTIONS]
    if target == "fuzz_flac":
        files = [p for p in audio_seed_files() if p.suffix.lower() in FLAC_SUFFIXES]
        return [opt + p.read_bytes()[:65536] for p in files for opt in FLAC_OPTIONS]
    if target == "fuzz_ffmpeg_audio":
        files = sorted(p for p in (ROOT / "samples").iterdir() if p.suffix.lower() in FFMPEG_AUDIO_SUFFIXES)
        return [opt + p.read_bytes()[:65536] for p in files for opt in FFMPEG_AUDIO_OPTIONS]
    if target == "fuzz_encode":
        return [opt + payload for payload in encode_payloads() for opt in ENCODE_OPTIONS]
    if target == "fuzz_webp":
        webps = sorted((ROOT / "samples").glob("*.webp"))
        return [opt + p.read_bytes()[:65536] for p in webps for opt in WEBP_OPTIONS]
    if target == "fuzz_png_fast":
        pngs = [p for folder in PNG_SEED_SOURCES if folder.is_dir() for p in sorted(folder.glob("*.png"))]
        return [opt + p.read_bytes()[:65536] for p in pngs for opt in PNG_FAST_OPTIONS]
    if target == "fuzz_gif_lzw":
        # Option byte 1: the GIF as it is (see fuzz/gif_lzw_harness.hpp).
        return [b"\x01" + p.read_bytes()[:65536] for p in sorted((ROOT / "samples").glob("*.gif"))]
    if target == "fuzz_gif":
        return [opt + p.read_bytes()[:65536] for p in sorted((ROOT / "samples").glob("*.gif")) for opt in FRAME_OPTIONS]
    if target == "fuzz_tiff_write":
        # Every dtype x channel count x compression (+ predictor), over the
        # four source layouts, with a photo's bytes as the samples.
        photo = (ROOT / "samples" / "chelsea_420.jpg").read_bytes()[2000:6000]
        return [bytes([t | (c << 3), k | (pred << 3), 200, 40, 30, layout, pages]) + photo
                for t in range(8) for c in range(4) for k in range(6) for pred in (0, 1)
                for layout, pages in ((t % 5, 0), ((t + 2) % 5, 2))]
    if target == "fuzz_tiff":
        return [opt + p.read_bytes()[:65536] for p in tiff_seed_files() for opt in FRAME_OPTIONS]
    if target in MODERN_SUFFIXES:
        files = sorted((ROOT / "samples").glob("*" + MODERN_SUFFIXES[target]))
        return [opt + p.read_bytes()[:65536] for p in files for opt in MODERN_OPTIONS]
    if target == "fuzz_png":
        pngs = [p for folder in PNG_SEED_SOURCES if folder.is_dir() for p in sorted(folder.glob("*.png"))]
        return [opt + p.read_bytes()[:65536] for p in pngs for opt in PNG_OPTIONS]
    if target == "fuzz_icc":
        return [opt + profile for profile in icc_seed_profiles() for opt in ICC_OPTIONS]
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


def merge(binary: Path, target: str, kept: Path, inputs: list, max_kept: int, flags: list) -> int:
    """Rebuilds `kept` as libFuzzer's minimal merge of itself and `inputs`."""
    fresh = BUILD / "merge" / target
    fresh.mkdir(parents=True, exist_ok=True)
    for old in fresh.iterdir():
        old.unlink()
    small = BUILD / "merge" / f"{target}.candidates"
    small.mkdir(parents=True, exist_ok=True)
    for old in small.iterdir():
        old.unlink()
    for folder in [kept, *inputs]:
        for f in folder.iterdir():
            if f.is_file() and f.stat().st_size <= max_kept:
                (small / f.name).write_bytes(f.read_bytes())
    code = run([binary, "-merge=1", f"-max_len={max_kept}", "-timeout=25", "-rss_limit_mb=2560", fresh, small, *flags],
               f"{target}: merge into {kept.relative_to(ROOT)}")
    if code == 0:
        for old in kept.iterdir():
            old.unlink()
        for f in fresh.iterdir():
            (kept / f.name).write_bytes(f.read_bytes())
        total = sum(f.stat().st_size for f in kept.iterdir())
        print(f"fuzz: {target}: kept corpus {len(list(kept.iterdir()))} inputs, {total / 1e3:.0f} kB", flush=True)
    return code


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--merge", action="store_true", help="merge what the run found into fuzz/corpus/")
    parser.add_argument("--max-kept", type=int, default=16384, help="the largest input the kept corpus takes (bytes)")
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
        kept = KEPT / target
        kept.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        code = run([binary, corpus, kept, seeds, f"-max_total_time={args.seconds}", "-timeout=25", "-rss_limit_mb=2560",
                    "-max_len=70000", "-print_final_stats=1", f"-artifact_prefix={artifacts}/", *flags], target)
        print(f"fuzz: {target}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code != 0:
            failed.append(target)
        elif args.merge and merge(binary, target, kept, [corpus, seeds], args.max_kept, flags):
            failed.append(f"{target} (merge)")
    if failed:
        print(f"fuzz: FAILED: {', '.join(failed)}; see build/fuzz/artifacts/", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
