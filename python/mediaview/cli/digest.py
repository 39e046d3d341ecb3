"""Warnings of one file as one line per kind, with a count: a stream decoded
block by block hears the library's per-call summary once per block (a
damaged 8-minute FLAC gave 190 lines); the command line says each kind once
per file, as the library does for one call."""

from __future__ import annotations

import re
from typing import Dict, Iterable, List

_TIMES = re.compile(r" \((\d+) times\)$")
_DIGITS = re.compile(r"\d+")


def _kind(message: str) -> str:
    """The library's notion of a kind: the message with its numbers blanked."""
    return _DIGITS.sub("#", _TIMES.sub("", message))


def merged(messages: Iterable[str]) -> List[str]:
    """One message per kind, in first-seen order: the first of each kind,
    with "(N times)" for the total count (the library's own counts added)."""
    firsts: Dict[str, str] = {}
    counts: Dict[str, int] = {}
    for message in messages:
        match = _TIMES.search(message)
        kind = _kind(message)
        if kind not in firsts:
            firsts[kind] = _TIMES.sub("", message)
            counts[kind] = 0
        counts[kind] += int(match.group(1)) if match else 1
    return [first + (f" ({counts[k]} times)" if counts[k] > 1 else "") for k, first in firsts.items()]
