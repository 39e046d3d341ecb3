"""mediaview info: what each file holds, read from its header."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import mediaview

from .inputs import classify, unsupported_message
from .options import EXIT_FAILED, EXIT_OK, UsageError
from .plan import expand_inputs

INFO_HELP = """\
exit status:
  0    every file was read
  1    some files could not be read (each is named on stderr with the reason)
  2    usage error: bad option, or no media files found
  130  interrupted (Ctrl-C)"""


def image_info(path: Path) -> dict:
    return {"path": str(path), "kind": "image", **mediaview.probe(path).as_dict()}


def audio_info(path: Path) -> dict:
    info = mediaview.audio_info(path)
    entry = info.as_dict() if hasattr(info, "as_dict") else dict(info)
    entry = {"path": str(path), "kind": "audio", **entry}
    return entry


def known_values(info: dict) -> dict:
    """The entry with what is not known as None (null in JSON): a length the
    stream does not state is -1 frames and NaN seconds in the API."""
    out = dict(info)
    if out.get("frames", 0) is not None and out.get("frames", 0) < 0:
        out["frames"] = None
    duration = out.get("duration")
    if isinstance(duration, float) and math.isnan(duration):
        out["duration"] = None
    return out


def describe_image(info: dict) -> str:
    """The text form: what every format has, then what this one says (its
    subsampling and coding where it has them, its frames when animated)."""
    parts = [f"{info['path']}: {info['format']} {info['width']}x{info['height']}",
             f"{info['components']} components", f"{info['precision']}-bit"]
    if info.get("colorspace") not in (None, "", "unknown"):
        parts.append(info["colorspace"])
    if info.get("subsampling") not in (None, "", "unknown"):
        parts.append(f"subsampling {info['subsampling']}")
        parts.append("progressive" if info["progressive"] else "baseline")
    elif info.get("progressive") or info.get("interlaced"):
        parts.append("interlaced")
    if info.get("arithmetic"):
        parts.append("arithmetic")
    if info.get("animated"):
        loops = info.get("loop_count")
        parts.append(f"animated, {info.get('frames')} frames" +
                     ("" if loops is None else ", loops forever" if loops == 0 else f", {loops} loops"))
    parts.append(f"orientation {info['orientation']}")
    return ", ".join(parts)


def describe(info: dict) -> str:
    if info["kind"] == "image":
        return describe_image(info)
    tags = ", ".join(f"{k}={v!r}" for k, v in sorted((info.get("tags") or {}).items()))
    length = ("unknown length" if info["frames"] is None else
              f"{info['frames']} frames ({info['duration']:.3f} s)")
    damage = f", DAMAGED: {info['damage']}" if info.get("damage") else ""
    estimated = " (length estimated)" if not info.get("exact_length", True) and not damage else ""
    return (f"{info['path']}: {info['format']} {info['subtype']}, {info['samplerate']} Hz, "
            f"{info['channels']} channel(s), {length}{estimated}{damage}"
            f"{', %d kb/s' % round(info['bitrate'] / 1000) if info.get('bitrate') else ''}"
            f"{', streams: ' + info['streams'] if info.get('streams') else ''}"
            f"{', ' + tags if tags else ''}")


def cmd_info(args) -> int:
    results, failed = [], 0
    # A folder stands for the media in it (and, with -r, in its subfolders).
    paths = [src for src, _ in expand_inputs(args.files, args.recursive)]
    if not paths:
        raise UsageError("no media files found")
    for path in paths:
        try:
            kind, what = classify(path)
            if kind is None:  # named by what it is, not by the audio library's "Format not recognised"
                raise mediaview.UnsupportedFormatError(unsupported_message(path, what))
            results.append(known_values(audio_info(path) if kind == "audio" else image_info(path)))
        except Exception as e:  # noqa: BLE001 - every bad file is reported, the rest go on
            failed += 1
            results.append({"path": str(path), "error": f"{type(e).__name__}: {e}"})
    try:
        if args.json:
            json.dump(results, sys.stdout, indent=2)
            print()
        for r in results:
            if "error" in r:
                print(f"mediaview: {r['path']}: {r['error']}", file=sys.stderr)
            elif not args.json:
                print(describe(r))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped (`info --json | head`): no traceback, and no
        # second error when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_FAILED if failed else EXIT_OK
