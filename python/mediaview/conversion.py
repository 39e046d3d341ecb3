"""Converting one file with the library's codecs, whatever runs it: the
command line (its ``-j`` threads, its Dask workers) or a caller's own loop.
:class:`ConvertOptions` says what a conversion does, once, in plain values
that pickle (a Dask worker gets them as they are); :func:`convert_image`
and :func:`convert_audio` do it, writing each output atomically (complete
under its name, or not there).

    >>> opts = ConvertOptions(size=(224, 224), fit="cover", encoder_options={"quality": 85})
    >>> convert_image("in.png", "out.jpg", "jpeg", opts)
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple, Union

from ._animation import write_frames, writes_pages
from ._audio import AudioFileWriter, audio_info, plan_audio_conversion, stream_audio
from ._encode import image_writers, write_image
from ._image import decode_frames, decode_image, probe
from ._core import LimitError
from ._limits import DEFAULT

__all__ = ["ConvertOptions", "TimePoint", "convert_image", "convert_audio", "STREAM_BLOCK"]

#: Frames an audio conversion decodes, resamples and encodes at a time: its
#: memory is one block's, whatever the length of the recording.
STREAM_BLOCK = 1 << 16


@dataclass(frozen=True)
class TimePoint:
    """A position in a recording: seconds, or a frame count (``frames=True``)."""

    value: float
    frames: bool = False

    def to_frames(self, samplerate: int) -> int:
        return int(self.value) if self.frames else round(self.value * samplerate)


@dataclass(frozen=True)
class ConvertOptions:
    """What one conversion does. Image decoding: ``mode``, ``scale``,
    ``crop``, ``size``/``fit``, ``orient`` and ``colorspace`` as
    :func:`decode_image` takes them; ``depth`` (8 or 16) the bits per channel
    written. Audio: ``start``/``end`` (:class:`TimePoint`), ``samplerate``
    and ``channels`` resample and mix on load. Both: the damage policy
    (``strict``, ``allow_truncated``), the limits (``max_pixels``: DEFAULT
    is the package setting, None none; ``max_samples``: None none),
    ``strip`` (no ICC/EXIF written), ``overwrite``, and ``encoder_options``
    as given (each image writer takes the ones it declares)."""

    mode: Optional[str] = None
    scale: Optional[Any] = None
    crop: Optional[Tuple[int, int, int, int]] = None
    size: Optional[Tuple[int, int]] = None
    fit: Optional[str] = None
    orient: bool = True
    colorspace: Optional[Union[str, bytes]] = None
    depth: Optional[int] = None
    start: Optional[TimePoint] = None
    end: Optional[TimePoint] = None
    samplerate: Optional[int] = None
    channels: Optional[int] = None
    strict: bool = False
    allow_truncated: bool = False
    max_pixels: Any = DEFAULT
    max_samples: Optional[int] = None
    strip: bool = False
    overwrite: bool = False
    encoder_options: Mapping[str, Any] = field(default_factory=dict)

    def decode_keywords(self) -> dict:
        """The image decoding options, as decode_image's keywords."""
        keywords = {"mode": self.mode, "scale": self.scale, "crop": self.crop, "orient": self.orient,
                    "colorspace": self.colorspace, "strict": self.strict, "allow_truncated": self.allow_truncated,
                    "max_pixels": self.max_pixels}
        if self.size is not None:
            keywords.update(size=self.size, fit=self.fit or "fill")
        return keywords

    def writer_options(self, fmt: str) -> dict:
        """The encoder options the writer of ``fmt`` declares, of those given
        (each writer's defaults apply to the rest)."""
        writer = image_writers().get(fmt)
        if writer is None:
            return {}
        declared = {o["name"] for o in writer["options"]}
        return {k: v for k, v in self.encoder_options.items()
                if k in declared and v is not None and v is not False}


def _widened(view: memoryview) -> memoryview:
    """8-bit pixels as 16-bit, v * 257 (each byte twice), in native order."""
    raw = view.tobytes()
    wide = bytearray(2 * len(raw))
    wide[0::2] = raw
    wide[1::2] = raw
    return memoryview(bytes(wide)).cast("H", view.shape)


def convert_image(src, dst, fmt: str, options: ConvertOptions, keep_frames: bool = False) -> str:
    """Decodes ``src`` and writes it to ``dst`` as ``fmt`` (a codec or
    Pillow format name); returns a one-line summary. ``keep_frames``: every
    frame and its duration, for an animation written to a format that stores
    one (mediaview.write_frames)."""
    if keep_frames:
        return _convert_animation(src, dst, fmt, options)
    view = decode_image(src, dtype="uint8" if options.depth == 8 else None, **options.decode_keywords())
    metadata = {"icc": None, "exif": None} if options.strip else {}
    pixels = view
    if options.depth == 16 and view.format == "B":
        # 8 -> 16 bits as the decoders widen (v * 257), with the view's metadata carried over.
        metadata = {"icc": view.obj.icc, "exif": view.obj.exif, "dpi": view.obj.dpi, **metadata,
                    "mode": view.obj.mode}
        pixels = _widened(view)
    write_image(dst, pixels, format=fmt, overwrite=options.overwrite, **metadata, **options.writer_options(fmt))
    return f"{src} -> {dst} ({view.shape[1]}x{view.shape[0]} {view.obj.mode})"


def _convert_pages(src, dst, fmt: str, options: ConvertOptions) -> str:
    """Every page or frame of ``src`` as a page of ``dst`` (TIFF), in the
    source's element type (uint8 with depth 8): all at once when they are
    alike (decode_frames' one block), else page by page, each its own size."""
    dtype = "uint8" if options.depth == 8 else None
    keywords = options.decode_keywords()
    metadata = {"icc": None, "exif": None} if options.strip else {}
    try:
        frames, _ = decode_frames(src, dtype=dtype, **keywords)
        pages, shape, mode = frames, tuple(frames.shape[1:3]), frames.obj.mode
    except ValueError:  # pages of different sizes or layouts (a TIFF with a thumbnail page)
        described = probe(src).as_dict()
        count = max(described.get("pages") or 1, described.get("frames") or 1)
        pages = [decode_image(src, frame=k, dtype=dtype, **keywords) for k in range(count)]
        shape, mode = tuple(pages[0].shape[:2]), pages[0].obj.mode
        if not options.strip:
            metadata = {"icc": pages[0].obj.icc, "exif": pages[0].obj.exif, "dpi": pages[0].obj.dpi}
    write_frames(dst, pages, format=fmt, overwrite=options.overwrite, **metadata, **options.writer_options(fmt))
    return f"{src} -> {dst} ({shape[1]}x{shape[0]} {mode}, {len(pages)} pages)"


def _convert_animation(src, dst, fmt: str, options: ConvertOptions) -> str:
    """Every frame and its duration, decoded composited as a viewer shows
    them and written by Pillow's multi-frame writer; or every frame or page
    as a page (TIFF)."""
    if writes_pages(fmt):
        return _convert_pages(src, dst, fmt, options)
    frames, durations = decode_frames(src, dtype="uint8", **options.decode_keywords())
    loop = probe(src).as_dict().get("loop_count") or 0
    write_frames(dst, frames, durations, format=fmt, loop=loop, overwrite=options.overwrite,
                 **options.writer_options(fmt))
    return f"{src} -> {dst} ({frames.shape[2]}x{frames.shape[1]} {frames.obj.mode}, {frames.shape[0]} frames)"


def plan_audio(src, fmt: str, options: ConvertOptions, subtype: str = "") -> dict:
    """What an audio conversion of ``src`` to ``fmt`` needs, from its header
    (read once): the subtype that keeps the samples exactly where the target
    stores it, the dtype to read in (plan_audio_conversion), and the header's
    values (``"source"``). ValueError for what the target cannot store."""
    info = audio_info(src)
    plan = plan_audio_conversion(fmt, info.subtype, subtype, options.samplerate or info.samplerate,
                                 options.channels or info.channels)
    plan["source"] = {"samplerate": info.samplerate, "channels": info.channels, "frames": info.frames,
                      "tags": dict(info.tags or {})}
    return plan


def _sample_limit_error(frames: int, channels: int, limit: int) -> LimitError:
    """The LimitError for a header claim above max_samples, with its advice
    as fields (as the core's errors carry it)."""
    advice = {"lead": " exceed ", "option": "max_samples", "value": str(limit), "tail": ""}
    detail = f"{frames} frames x {channels} channels"
    error = LimitError(f"{detail} exceed max_samples={limit}")
    error.detail, error.advice = detail, advice
    return error


def convert_audio(src, dst, fmt: str, plan: dict, options: ConvertOptions) -> str:
    """Streams ``src`` to ``dst`` block by block (decode, resample/mix,
    encode) as ``plan`` (from :func:`plan_audio`) says; ``fmt`` is the
    target's extension (the plan's format is named to the writer when
    ``dst`` has another). Returns a one-line summary. Memory is one
    block's, whatever the length; ``max_samples`` refuses a header claim
    above it."""
    source = plan["source"]
    rate, channels = source["samplerate"], source["channels"]
    first = options.start.to_frames(rate) if options.start else 0
    stop = options.end.to_frames(rate) if options.end else None
    if stop is not None and stop < first:
        error = ValueError(f"the end ({stop} frames) lies before the start ({first} frames)")
        error.argument = "end"  # as the core's option errors name theirs
        raise error
    # Resampled or mixed samples are no source's integers: they go to the
    # writer as float64, quantized once, by the writer.
    converting = (options.samplerate or rate) != rate or (options.channels or channels) != channels
    dtype = "float64" if converting else plan["dtype"]
    if options.max_samples and source["frames"] > 0 and source["frames"] * channels > options.max_samples:
        raise _sample_limit_error(source["frames"], channels, options.max_samples)
    blocks = stream_audio(src, STREAM_BLOCK, dtype=dtype, start=first, stop=stop, always_2d=True,
                          samplerate=options.samplerate, channels=options.channels, strict=options.strict,
                          allow_truncated=options.allow_truncated)
    # The extension names the format unless the target was named otherwise.
    written_as = plan["format"] if os.path.splitext(os.fspath(dst))[1].lstrip(".").lower() != fmt else None
    samplerate = options.samplerate or rate
    writer = None
    frames = 0
    try:
        for block in blocks:
            if writer is None:
                writer = AudioFileWriter(dst, samplerate, block.shape[1], dtype=dtype, format=written_as,
                                         subtype=plan["subtype"], tags=source["tags"], overwrite=options.overwrite)
            writer.write(block)
            frames += block.shape[0]
            del block  # the stream reuses a block nobody holds
        if writer is None:  # no frames at all: still a valid, empty file
            writer = AudioFileWriter(dst, samplerate, options.channels or channels, dtype=dtype, format=written_as,
                                     subtype=plan["subtype"], tags=source["tags"], overwrite=options.overwrite)
    except BaseException:
        if writer is not None:
            writer.__exit__(*sys.exc_info())
        raise
    writer.close()
    return f"{src} -> {dst} ({frames} frames, {samplerate} Hz, {plan['subtype'] or 'default subtype'})"
