"""Subprocess side of tests/test_hostile.py: decodes many damaged versions of
one file and prints one JSON line per input, so the parent can bound the
whole batch with a timeout and still name the input that hung or crashed.

    python hostile_worker.py mutate FILE truncate|flip COUNT
    python hostile_worker.py bomb WIDTH HEIGHT [MAX_PIXELS|none] [rlimit_mb]
"""

from __future__ import annotations

import json
import random
import resource
import sys
import warnings
from pathlib import Path

import mediaview

warnings.simplefilter("ignore", mediaview.DecodeWarning)


def outcome(call) -> str:
    try:
        call()
    except mediaview.Error as e:
        return type(e).__name__
    except Exception as e:  # anything else breaks the promise
        return f"UNEXPECTED {type(e).__name__}: {e}"
    return "ok"


def operations(data: bytes, width: int, height: int) -> dict:
    crop = (width // 4, height // 4, max(1, width // 2), max(1, height // 2))
    return {
        "probe": outcome(lambda: mediaview.probe(data)),
        "decode": outcome(lambda: mediaview.decode_image(data)),
        "truncated_oriented": outcome(lambda: mediaview.decode_image(data, allow_truncated=True, orient=True)),
        "strict_gray_quarter": outcome(lambda: mediaview.decode_image(data, mode="L", scale="1/4", strict=True)),
        "crop": outcome(lambda: mediaview.decode_image(data, crop=crop, allow_truncated=True)),
    }


def scan_start(data: bytes) -> int:
    """Offset of the first byte after the first SOS segment (the entropy-coded data)."""
    at = 2
    while at + 4 <= len(data):
        marker, length = data[at + 1], int.from_bytes(data[at + 2:at + 4], "big")
        at += 2 + length
        if marker == 0xDA:
            return at
    raise ValueError("no SOS")


def cut_points(data: bytes, count: int) -> list:
    sos = scan_start(data)
    spread = [sos + (len(data) - 2 - sos) * k // (count + 1) for k in range(1, count + 1)]
    header = [0, 1, 2, 3, 4, 11, 20, sos // 2, sos - 1, sos, sos + 1]
    return sorted(set(p for p in header + spread + [len(data) - 2, len(data) - 1] if 0 <= p < len(data)))


def flipped(data: bytes, rng: random.Random) -> tuple:
    out = bytearray(data)
    where = []
    for _ in range(rng.randint(1, 4)):
        # Half the flips land in the first 2 KiB, where the headers and tables are.
        at = rng.randrange(min(len(out), 2048)) if rng.random() < 0.5 else rng.randrange(len(out))
        out[at] ^= rng.randint(1, 255)
        where.append(at)
    return bytes(out), where


def mutate(path: Path, kind: str, count: int) -> None:
    data = path.read_bytes()
    try:
        info = mediaview.probe(data)
        width, height = info.width, info.height
    except mediaview.Error:  # e.g. 12-bit: mutated copies must still fail cleanly
        width, height = 64, 64
    rng = random.Random(f"{path.name}:{kind}")  # deterministic per file
    print(json.dumps({"file": path.name, "size": len(data), "scan_start": scan_start(data)}), flush=True)
    inputs = ([(data[:cut], {"cut": cut}) for cut in cut_points(data, count)] if kind == "truncate"
              else [(lambda d, w: (d, {"flips": w}))(*flipped(data, rng)) for _ in range(count)])
    for mutated, what in inputs:
        print(json.dumps({"start": what}), flush=True)
        print(json.dumps({"input": what, "outcomes": operations(mutated, width, height)}), flush=True)
    print(json.dumps({"done": len(inputs)}), flush=True)


def with_dimensions(data: bytes, width: int, height: int) -> bytes:
    at = 2
    while True:
        marker, length = data[at + 1], int.from_bytes(data[at + 2:at + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return data[:at + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + data[at + 9:]
        at += 2 + length


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def bomb(width: int, height: int, max_pixels: str, rlimit_mb: int) -> None:
    sample = Path(__file__).resolve().parents[1] / "samples" / "chelsea_420.jpg"
    good = sample.read_bytes()
    mediaview.decode_image(good)  # libraries loaded and warmed up before the baseline
    # The header claims width x height, and only the first 64 bytes of scan data follow.
    data = with_dimensions(good, width, height)
    data = data[:scan_start(data) + 64]
    if rlimit_mb:
        # Any allocation of the claimed size fails outright under this cap.
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (rlimit_mb << 20, hard))
    before = peak_rss_mb()
    limit = None if max_pixels == "none" else int(max_pixels)
    result = {
        "probe": outcome(lambda: mediaview.probe(data)),
        "decode": outcome(lambda: mediaview.decode_image(data, max_pixels=limit)),
        "decode_gray_eighth": outcome(lambda: mediaview.decode_image(data, max_pixels=limit, mode="L", scale="1/8")),
    }
    result.update(size=len(data), rss_before_mb=before, rss_peak_mb=peak_rss_mb())
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "mutate":
        mutate(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    else:
        bomb(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 0)
