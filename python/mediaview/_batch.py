"""Batches: many sources into one array, decoded on every core."""

from __future__ import annotations

from typing import Iterable, List, Optional, Tuple, Union

from . import _args as args
from . import _core
from ._image import Source
from ._requests import audio_request, image_request


def decode_images(
    srcs: Iterable[Source],
    *,
    threads: Optional[int] = None,
    stack: bool = True,
    out=None,
    **options,
):
    """Decodes many images in a pool of native worker threads (created once,
    reused) with the GIL released for the whole batch; each worker keeps its
    own decoder state and writes each image straight into its slot.

    - ``srcs``: any iterable of paths, bytes-like objects or binary file
      objects (file objects and bytes are read before the batch starts;
      paths are read by the workers).
    - ``threads``: worker count; ``None``: every usable core.
    - ``stack=True``: one ``(N, H, W, C)`` view (``(N, H, W)`` for ``L``).
      Every image must come out the same shape (``size=`` guarantees it);
      otherwise ``ValueError`` naming the first source that differs, raised
      from the headers before any pixel is decoded. ``stack=False``: a list
      of views.
    - ``out``: the caller's ``(N, H, W, C)`` buffer (``stack=True`` only),
      e.g. pinned or shared memory.
    - the other options are :func:`decode_image`'s, for every source.

    One bad source does not lose the batch: after all work ends,
    :class:`BatchError` is raised with ``.failures`` (a list of
    ``(index, source, exception)``) and ``.result`` (the output, failed slots
    zeroed; ``None`` in a list, or for ``stack=True`` when nothing decoded).
    Warnings are :class:`DecodeWarning` messages that start with the source.
    """
    return _core.decode_images(list(srcs), image_request(options), _threads_argument(threads),
                               args.flag(stack, "stack"), out)


def plan_images(srcs: Iterable[Source], *, threads: Optional[int] = None, stacked_by: Optional[str] = None,
                **options) -> List[Union[Tuple[Tuple[int, ...], str], BaseException]]:
    """What :func:`decode_images` with these ``options`` (any of
    :func:`decode_image`'s but ``frame`` and ``out``) would make of each
    source, read from the headers in the worker pool without decoding a
    pixel: per source ``(shape, dtype)`` (the image's own shape, without the
    batch axis, and ``"uint8"`` or ``"uint16"``), or the exception that
    source's decode would raise. Options are checked as decode_images
    checks them. With ``stacked_by`` (the caller's name), sources that
    would not stack raise the ValueError :func:`decode_images` raises,
    naming the option that would make them agree. (Used by
    :mod:`mediaview.dask` to know a lazy array's shape up front.)"""
    return _core.plan_images(list(srcs), image_request(options), _threads_argument(threads), stacked_by)


def _threads_argument(threads) -> int:
    """The native pool's worker count: 0 for None (every usable core)."""
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int or None, not {type(threads).__name__}")
    if threads < 1:
        raise ValueError(f"threads must be at least 1, not {threads}")
    return threads


def read_audios(
    srcs: Iterable[Source],
    *,
    threads: Optional[int] = None,
    pad: bool = False,
    pad_to: Optional[int] = None,
    **options,
):
    """Reads many clips in the same worker pool as :func:`decode_images`
    (each clip on one worker, the GIL released for the whole batch); every
    other option is :func:`read_audio`'s, for every clip (``samplerate``,
    ``channels`` and ``mix`` resample and mix each clip on load; ``raw=``
    describes headerless RAW clips).

    Returns a list of ``(samples, samplerate)``, one per clip. With
    ``pad_to=N`` frames (or ``pad=True``: the longest clip's length) it
    returns ``(batch, lengths, samplerate)`` instead: one
    ``(N_clips, frames, channels)`` view (``(N_clips, frames)`` for mono
    without ``always_2d``) with zeros after each clip, clips longer than
    ``pad_to`` cut, and ``lengths`` the frames of each clip in it. Padded
    clips must share their channel count and sample rate (``ValueError``
    naming the first that differs).

    Failures raise :class:`BatchError` after all work ends, with
    ``.failures`` and ``.result`` (``None`` entries in a list; zero rows and
    length 0 in a padded batch).
    """
    if pad_to is not None:
        pad_to = args.integer(pad_to, "pad_to")
        if pad_to < 0:
            raise ValueError(f"pad_to must be a number of frames >= 0, not {pad_to}")
    return _core.read_audios(list(srcs), audio_request("read_audios", options), _threads_argument(threads),
                             args.flag(pad, "pad"), pad_to)
