"""What the command line accepts: exit codes, what the library reads and
writes, and each option's value as the library's keywords (UsageError for a
bad one, found before anything is decoded)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Dict, List, Optional, Tuple

import mediaview

from .._encode import image_format_for, image_writers, pillow_extensions
from ..conversion import TimePoint

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A problem with the command line, found before any decoding."""


# ---- what the library can read and write ------------------------------------

def _decoder_extensions(kind: str) -> set:
    return {ext for d in mediaview.decoders() if d["kind"] == kind for ext in d["extensions"]}


IMAGE_INPUTS = _decoder_extensions("image")
AUDIO_INPUTS = _decoder_extensions("audio")

HAS_AUDIO = hasattr(mediaview, "read_audio") and hasattr(mediaview, "write_audio")
# Audio outputs: every extension an audio format in the table is written with.
AUDIO_OUTPUTS = {ext for f in mediaview.formats() if f["kind"] == "audio" and f["can_write"]
                 for ext in f["extensions"]} if HAS_AUDIO else set()
# Every scale an image decoder applies while decoding, for --scale.
IMAGE_SCALES = {Fraction(n, d) for f in mediaview.formats() if f["kind"] == "image" for n, d in f["scales"]}


def image_option_formats(option: str) -> set:
    """The image formats whose writer takes ``option``."""
    return {f["name"] for f in image_writers().values() if any(o["name"] == option for o in f["options"])}


def output_target(ext: str) -> Tuple[str, str]:
    """(kind, format) for an output extension or format name; UsageError if unknown."""
    key = ext.lstrip(".").lower()
    if key in AUDIO_OUTPUTS:
        return "audio", key
    try:
        return "image", image_format_for("", key)
    except ValueError:
        pass
    known = sorted(set(image_writers()) | set(pillow_extensions()) | AUDIO_OUTPUTS)
    if key in IMAGE_INPUTS | AUDIO_INPUTS:  # read, not written: say so rather than "unknown"
        raise UsageError(f"{key!r} is read but not written (outputs: {', '.join(known)})")
    raise UsageError(f"unknown output format {key or '(no extension)'!r} (known: {', '.join(known)})")


# ---- option values ----------------------------------------------------------------

def parse_scale(text: Optional[str]):
    if text is None:
        return None
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"--scale wants a fraction such as 1/4, not {text!r}") from None
    if value != 1 and value not in IMAGE_SCALES:
        shown = ", ".join(str(v) for v in sorted(IMAGE_SCALES))
        raise UsageError(f"--scale {text}: the decoders scale by {shown}")
    return value


def parse_crop(text: Optional[str]):
    if text is None:
        return None
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"--crop wants x,y,width,height, not {text!r}") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise UsageError(f"--crop {text}: x and y must be >= 0, width and height > 0")
    return x, y, w, h


def parse_resize(text: Optional[str], fit: Optional[str]) -> dict:
    """--resize WxH and --fit as decode_image's size= and fit= keywords."""
    if text is None:
        if fit is not None:
            raise UsageError("--fit needs --resize WxH")
        return {}
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--resize wants WIDTHxHEIGHT such as 224x224, not {text!r}") from None
    if w <= 0 or h <= 0:
        raise UsageError(f"--resize {text}: width and height must be > 0")
    return {"size": (w, h), "fit": fit or "fill"}


def parse_time(text: Optional[str], option: str) -> Optional[TimePoint]:
    """A --start/--end value: seconds ('1.5', '1.5s') or frames ('44100f')."""
    if text is None:
        return None
    t = text.strip().lower()
    try:
        if t.endswith("f"):
            point = TimePoint(int(t[:-1]), True)
        else:
            point = TimePoint(float(t[:-1] if t.endswith("s") else t), False)
    except ValueError:
        raise UsageError(f"{option} wants seconds (1.5 or 1.5s) or frames (44100f), not {text!r}") from None
    if point.value < 0:
        raise UsageError(f"{option} must not be negative")
    return point


def _int_in(name: str, lo: Optional[int], hi: Optional[int]) -> Callable[[str], int]:
    """An argparse type: an integer in lo..hi (either end open when None),
    said in one line (argparse's choices= would print every valid value)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"wants an integer, not {text!r}") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"{value} is out of range: {lo} to {hi}" if hi is not None
                                             else f"wants an integer of at least {lo}, not {value}")
        return value
    parse.__name__ = name
    return parse


@dataclass(frozen=True)
class Limit:
    """A --max-pixels/--max-samples value: a positive count, or none (no limit)."""

    value: Optional[int]


def _limit(text: str) -> Limit:
    if text.strip().lower() in ("none", "off"):
        return Limit(None)
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants a positive count or 'none', not {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"wants a positive count or 'none', not {value}")
    return Limit(value)


def _image_writer_options() -> List[dict]:
    """One command-line option per encoder option the image writers declare
    (quality, subsampling, progressive, ...), merged across writers."""
    merged: Dict[str, dict] = {}
    for f in image_writers().values():
        for o in f["options"]:
            entry = merged.setdefault(o["name"], {"name": o["name"], "writers": {}, **o})
            entry["writers"][f["name"]] = o["doc"]
            if o["range"] and entry["range"]:  # the widest range; each writer checks its own
                entry["range"] = (min(entry["range"][0], o["range"][0]), max(entry["range"][1], o["range"][1]))
    out = []
    for name, o in sorted(merged.items()):
        help_text = "; ".join(f"{w.upper()}: {doc}" for w, doc in sorted(o["writers"].items()))
        if o["type"] == "bool":
            kwargs = {"action": "store_true", "help": help_text}
        elif o["type"] == "int":
            lo, hi = o["range"] or (None, None)
            kwargs = {"type": _int_in(name, lo, hi), "help": help_text,
                      "metavar": f"{lo}-{hi}" if lo is not None else "N"}
        else:
            kwargs = {"help": help_text, "choices": o["choices"] or None}
        out.append({"name": name, "argparse": kwargs})
    return out
