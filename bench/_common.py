"""What the bench scripts share: where the samples are, how a figure is
timed, and the photo mosaic the image benches decode."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Dict, Iterable, Optional, Tuple

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs, in seconds (each result dropped before
    the next run, so memory is not held across runs)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
        del result
    return best


def best_seconds(fn: Callable[[], object], budget: float = 1.5) -> float:
    """The fastest of repeated runs within a time budget (at least 5, at most 200)."""
    return best_seconds_each({"": fn}, budget)[""]


def best_seconds_each(fns: Dict[str, Callable[[], object]], budget: float = 1.5) -> Dict[str, float]:
    """The fastest of repeated runs of each, within a time budget per peer
    (at least 5 rounds, at most 200). The peers take turns, round after
    round, so a change in the machine's load (it is shared) hits them all
    alike instead of whichever ran at the time."""
    for fn in fns.values():
        fn()  # warm: first-call costs (imports, tables) are not the figure
    best = {name: float("inf") for name in fns}
    deadline = time.perf_counter() + budget * len(fns)
    rounds = 0
    while rounds < 5 or (time.perf_counter() < deadline and rounds < 200):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
        rounds += 1
    return best


def mosaic(width: int, height: int) -> np.ndarray:
    """A width x height RGB image tiled row by row from the real sample
    photos at their native resolution (CMYK excepted)."""
    tiles = [np.asarray(Image.open(p).convert("RGB")) for p in sorted(SAMPLES.glob("*.jpg")) if "cmyk" not in p.name]
    canvas = np.zeros((height, width, 3), np.uint8)
    y = i = 0
    while y < height:
        x, row_h = 0, 0
        while x < width:
            t = tiles[i % len(tiles)][: height - y, : width - x]
            canvas[y:y + t.shape[0], x:x + t.shape[1]] = t
            x += t.shape[1]
            row_h = max(row_h, t.shape[0])
            i += 1
        y += row_h
    return canvas


def opencv_peer(data: bytes, flag: str, what: str = "") -> Optional[Callable[[], object]]:
    """cv2.imdecode of `data` with the flag named `flag`, one thread (the
    others' count), or None with the reason printed: OpenCV missing, or this
    build unable to decode `what` (checked with one decode when given)."""
    try:
        import cv2
    except ImportError as e:
        print(f"  (OpenCV missing: {e})")
        return None
    cv2.setNumThreads(1)
    buf = np.frombuffer(data, np.uint8)
    mode = getattr(cv2, flag)
    if what and cv2.imdecode(buf, mode) is None:
        print(f"  (OpenCV unavailable: this OpenCV build has no {what} decoder)")
        return None
    return lambda: cv2.imdecode(buf, mode)


def print_rates(rates: Dict[str, float], width: int = 22) -> None:
    """Each peer's megapixels per second, then mediaview's ratio to each."""
    for peer, rate in rates.items():
        print(f"  {peer:{width}} {rate:8.1f} MP/s")
    ours = rates["mediaview"]
    for peer, rate in rates.items():
        if peer != "mediaview":
            print(f"  mediaview / {peer:{width}} {ours / rate:5.2f}x")


def print_targets(title: str, rates: Dict[str, float], wanted: Iterable[Tuple[str, float]], width: int = 22) -> None:
    """mediaview's ratio to each named peer against its target."""
    print(f"\nTargets on the {title}:")
    for peer, target in wanted:
        if peer in rates:
            ratio = rates["mediaview"] / rates[peer]
            print(f"  vs {peer:{width}} {ratio:5.2f}x (target >= {target}x): {'met' if ratio >= target else 'NOT met'}")
