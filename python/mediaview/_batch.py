"""Batches: many sources into one array, decoded on every core."""

from __future__ import annotations

from typing import Iterable, List, Optional, Tuple, Union

from . import _args as args
from . import _core
from ._image import Source, _request_arguments, _resize_argument
from ._limits import DEFAULT, limit_argument


def decode_images(
    srcs: Iterable[Source],
    *,
    threads: Optional[int] = None,
    stack: bool = True,
    out=None,
    mode: Optional[str] = "RGB",
    dtype: Optional[str] = None,
    scale=None,
    crop: Optional[Tuple[int, int, int, int]] = None,
    orient: bool = False,
    strict: bool = False,
    allow_truncated: bool = False,
    max_pixels=DEFAULT,
    size: Optional[Tuple[int, int]] = None,
    fit: str = "fill",
    filter: str = "area",
    fill=0,
    reducing_gap: Optional[float] = 2.0,
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
    return _core.decode_images(
        list(srcs),
        _threads_argument(threads),
        args.flag(stack, "stack"),
        *_request_arguments(mode, dtype, scale, crop, orient, strict, allow_truncated, max_pixels),
        _resize_argument(size, fit, filter, fill, reducing_gap),
        out,
    )


def plan_images(srcs: Iterable[Source], *, threads: Optional[int] = None,
                **options) -> List[Union[Tuple[Tuple[int, ...], str], BaseException]]:
    """What :func:`decode_images` with these ``options`` (any of
    :func:`decode_image`'s but ``frame`` and ``out``) would make of each
    source, read from the headers in the worker pool without decoding a
    pixel: per source ``(shape, dtype)`` (the image's own shape, without the
    batch axis, and ``"uint8"`` or ``"uint16"``), or the exception that
    source's decode would raise. Options are checked as decode_images
    checks them. (Used by :mod:`mediaview.dask` to know a lazy array's
    shape up front.)"""
    return _core.plan_images(list(srcs), _threads_argument(threads), *_image_arguments(**options))


def _image_arguments(mode: Optional[str] = "RGB", dtype: Optional[str] = None, scale=None, crop=None,
                     orient: bool = False, strict: bool = False, allow_truncated: bool = False, max_pixels=DEFAULT,
                     size=None, fit: str = "fill", filter: str = "area", fill=0,
                     reducing_gap: Optional[float] = 2.0, **unknown) -> tuple:
    """decode_images' image options, with its defaults, as the native calls take them."""
    if unknown:
        raise TypeError(f"unknown decode_images option {next(iter(unknown))!r}")
    return (*_request_arguments(mode, dtype, scale, crop, orient, strict, allow_truncated, max_pixels),
            _resize_argument(size, fit, filter, fill, reducing_gap))


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
    dtype: str = "float32",
    start: int = 0,
    stop: Optional[int] = None,
    frames: Optional[int] = None,
    layout: str = "interleaved",
    always_2d: bool = False,
    samplerate: Optional[int] = None,
    channels: Optional[int] = None,
    mix=None,
    resample_quality: str = "hq",
    raw=None,
    format: Optional[str] = None,
    mmap: bool = False,
    max_samples=DEFAULT,
    strict: bool = False,
    allow_truncated: bool = False,
    stream: Optional[int] = None,
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
    from ._audio import _hints, _index, _rate

    threads = _threads_argument(threads)
    if pad_to is not None:
        pad_to = _index(pad_to, "pad_to")
        if pad_to < 0:
            raise ValueError(f"pad_to must be a number of frames >= 0, not {pad_to}")
    return _core.read_audios(
        list(srcs),
        threads,
        args.dtype_name(dtype, "audio dtype", _core.AUDIO_DTYPES),
        _index(start, "start"),
        _index(stop, "stop"),
        _index(frames, "frames"),
        args.text(layout, "layout", ("interleaved", "planar")),
        args.flag(always_2d, "always_2d"),
        mmap if mmap is None else args.flag(mmap, "mmap"),
        limit_argument(max_samples, "MAX_AUDIO_SAMPLES", "samples", "max_samples"),
        _hints(format, raw, stream),
        args.flag(pad, "pad"),
        pad_to,
        _rate(samplerate, "samplerate"),
        _rate(channels, "channels"),
        mix,
        args.text(resample_quality, "resample_quality"),
        args.flag(strict, "strict"),
        args.flag(allow_truncated, "allow_truncated"),
    )
