"""mediaview info: what each file holds, read from its header."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import mediaview

from .options import EXIT_FAILED, EXIT_OK, UsageError, input_kind
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


def describe(info: dict) -> str:
    if info["kind"] == "image":
        return (f"{info['path']}: {info['format']} {info['width']}x{info['height']}, "
                f"{info['components']} components, {info['colorspace']}, subsampling {info['subsampling']}, "
                f"{'progressive' if info['progressive'] else 'baseline'}"
                f"{', arithmetic' if info['arithmetic'] else ''}, orientation {info['orientation']}")
    tags = ", ".join(f"{k}={v!r}" for k, v in sorted((info.get("tags") or {}).items()))
    length = ("unknown length" if info["frames"] is None else
              f"{info['frames']} frames ({info['duration']:.3f} s)")
    return (f"{info['path']}: {info['format']} {info['subtype']}, {info['samplerate']} Hz, "
            f"{info['channels']} channel(s), {length}"
            f"{'' if info.get('exact_length', True) else ' (length estimated)'}"
            f"{', ' + tags if tags else ''}")


def cmd_info(args) -> int:
    results, failed = [], 0
    # A folder stands for the media in it (and, with -r, in its subfolders).
    paths = [src for src, _ in expand_inputs(args.files, args.recursive)]
    if not paths:
        raise UsageError("no media files found")
    for path in paths:
        try:
            results.append(known_values(audio_info(path) if input_kind(path) == "audio" else image_info(path)))
        except Exception as e:  # noqa: BLE001 - every bad file is reported, the rest go on
            failed += 1
            results.append({"path": str(path), "error": f"{type(e).__name__}: {e}"})
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    for r in results:
        if "error" in r:
            print(f"mediaview: {r['path']}: {r['error']}", file=sys.stderr)
        elif not args.json:
            print(describe(r))
    return EXIT_FAILED if failed else EXIT_OK
