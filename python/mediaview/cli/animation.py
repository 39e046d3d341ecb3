"""Animated inputs (and multi-page ones): every frame and its duration
goes to an output format that stores an animation; another format gets the
first frame, and the run says so once, before anything is decoded."""

from __future__ import annotations

from typing import List, Optional

import mediaview

from .._animation import animation_formats, stores_animation, stores_pages


def frame_count(path) -> tuple:
    """(frames, animated) from the header: an animation's frames, or a
    multi-page file's pages (not animated: they have no durations)."""
    try:
        described = mediaview.probe(path).as_dict()
    except Exception:  # noqa: BLE001 - the conversion reports an unreadable input
        return 1, False
    if described.get("animated") and (described.get("frames") or 1) > 1:
        return described["frames"], True
    return max(described.get("pages") or 1, described.get("frames") or 1), False


def mark_animations(jobs: List) -> None:
    """Sets job.animation for image inputs of several frames: "keep" where
    the output stores an animation, or pages (TIFF: every frame or page a
    page), "first" where it cannot, "page" for the pages of a multi-page
    file going to a format without pages."""
    for job in jobs:
        if job.kind != "image" or not job.runnable:
            continue
        frames, animated = frame_count(job.src)
        if frames > 1:
            if stores_pages(job.dst, job.format):  # TIFF: every frame or page as a page
                job.animation = "keep"
                job.durations_lost = animated
            else:
                job.animation = ("keep" if stores_animation(job.dst, job.format) else "first") if animated else "page"
            job.frames = frames


def first_frame_notes(jobs: List) -> List[str]:
    """The lines a run prints, once, when some inputs lose frames or pages."""
    notes = []
    for kind, what in (("first", "frame"), ("page", "page")):
        losing = [j for j in jobs if j.runnable and getattr(j, "animation", None) == kind]
        if not losing:
            continue
        names = ", ".join(f"{j.src.name}: {j.frames}" for j in losing[:3]) + (", ..." if len(losing) > 3 else "")
        plural = "s" if len(losing) > 1 else ""
        line = (f"mediaview: note: only the first {what} of {len(losing)} input{plural} of several {what}s "
                f"({names}) is written")
        if kind == "first":
            formats = ", ".join(sorted({j.dst.suffix.lstrip(".").lower() or j.format for j in losing}))
            keep = ", ".join(sorted(f.lower() for f in animation_formats()))
            line += f": {formats} stores no animation (these do: {keep})"
        notes.append(line)
    paged = [j for j in jobs if j.runnable and getattr(j, "durations_lost", False)]
    if paged:
        names = ", ".join(j.src.name for j in paged[:3]) + (", ..." if len(paged) > 3 else "")
        notes.append(f"mediaview: note: the frames of {len(paged)} animation{'s' if len(paged) > 1 else ''} "
                     f"({names}) are written as pages, without their durations: TIFF stores no animation")
    return notes
