"""Resuming a run (--skip-existing) and counting what a run wrote, exactly,
even when it was interrupted: from the outputs on disk, not from the
messages that reached the main thread before Ctrl-C."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import mediaview

from .options import UsageError

# (device, inode, size, mtime) of a target before the run; None when absent.
State = Optional[Tuple[int, int, int, int]]


def complete_output(path: Path, kind: str) -> Optional[str]:
    """None when ``path`` is a complete, readable output of its kind; else
    why not. Our outputs reach their final name only when complete (a
    temporary and a rename), so an incomplete one is someone else's (a
    copy cut short, an older tool): it is decoded to the end to tell."""
    try:
        if kind == "audio":
            info = mediaview.audio_info(path)
            frames = sum(len(block) for block in mediaview.stream_audio(path, 1 << 16, strict=True))
            if info.exact_length and frames != info.frames:
                return f"{frames} of the {info.frames} frames its header promises"
            return None
        if mediaview.sniff(_head(path)):
            mediaview.decode_image(path, strict=True, max_pixels=None)
        else:  # a format only Pillow writes (BMP, ...): Pillow reads it back
            from PIL import Image

            with Image.open(path) as im:
                im.load()
        return None
    except Exception as e:  # noqa: BLE001 - any failure to read it back means incomplete
        return f"{type(e).__name__}: {e}"


def _head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(64)


def mark_existing(jobs: List, args) -> None:
    """Targets that exist: without --overwrite or --skip-existing, a usage
    error (nothing is replaced unasked). With --skip-existing a complete one
    is kept and its job skipped; an incomplete one is replaced with
    --overwrite, else its job fails saying so."""
    existing = [j for j in jobs if j.runnable and j.dst.exists()]
    if not existing:
        return
    if getattr(args, "skip_existing", False):
        for job in existing:
            why = complete_output(job.dst, job.kind)
            if why is None:
                job.skipped = "its output exists (--skip-existing)"
            elif not args.overwrite:
                job.problem = f"{job.dst} exists but is incomplete ({why}); pass --overwrite to replace it"
        return
    if args.overwrite:
        return
    if len(existing) == 1:
        raise UsageError(f"{existing[0].dst} exists; pass --overwrite to replace it, or --skip-existing to keep it")
    raise UsageError(f"{len(existing)} outputs exist ({existing[0].dst}, ...); pass --overwrite to replace them, "
                     "or --skip-existing to keep the complete ones")


def snapshot(jobs: List) -> Dict[Path, State]:
    """Each target's identity before the run."""
    return {job.dst: _state(job.dst) for job in jobs}


def written_since(jobs: List, before: Dict[Path, State]) -> int:
    """How many targets were (re)written since ``before``: a final name is
    only ever a complete output renamed into place, so this is the exact
    count of finished conversions, whatever was interrupted where."""
    return sum(1 for job in jobs if (now := _state(job.dst)) is not None and now != before.get(job.dst))


def _state(path: Path) -> State:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
