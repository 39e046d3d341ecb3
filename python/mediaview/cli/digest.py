"""Warnings of one file as one line per kind, with a count: a stream decoded
block by block hears the library's per-call summary once per block (a
damaged 8-minute FLAC gave 190 lines); the command line says each kind once
per file, as the library does for one call."""

from __future__ import annotations

import re
from typing import Dict, Iterable, List

_TIMES = re.compile(r" \((\d+) times\)$")
_DIGITS = re.compile(r"\d+")


def _blanked(message: str) -> str:
    """The library's notion of a kind: the message with its numbers blanked."""
    return _DIGITS.sub("#", _TIMES.sub("", message))


def _kind(message: str) -> str:
    """A kind across blocks: a message that lists what it found ("FLAC
    stream damaged: frames ... lost; frames ... lost") lists different
    things in each block, so its head before ": " names the kind."""
    head, sep, _ = message.partition(": ")
    return _blanked(head) + sep if sep else _blanked(message)


def merged(messages: Iterable[str]) -> List[str]:
    """One message per kind, in first-seen order: the first of each kind,
    with "(N times)" for the total count (the library's own counts added)
    where they differ only in numbers, else how many there were in all."""
    firsts: Dict[str, str] = {}
    counts: Dict[str, int] = {}
    shapes: Dict[str, set] = {}
    for message in messages:
        match = _TIMES.search(message)
        kind = _kind(message)
        if kind not in firsts:
            firsts[kind] = _TIMES.sub("", message)
            counts[kind] = 0
            shapes[kind] = set()
        counts[kind] += int(match.group(1)) if match else 1
        shapes[kind].add(_blanked(message))
    out = []
    for kind, first in firsts.items():
        if counts[kind] == 1:
            out.append(first)
        elif len(shapes[kind]) == 1:
            out.append(f"{first} ({counts[kind]} times)")
        else:
            out.append(f"{first} (the first of {counts[kind]} warnings of this kind)")
    return out
