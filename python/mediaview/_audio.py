"""Audio: the public, keyword-only API over the native core's audio codecs.

Samples come back as ``memoryview`` objects shaped ``(frames, channels)``
(``(frames,)`` for mono unless ``always_2d``), or ``(channels, frames)`` for
``layout="planar"``, which is a strided view of the same interleaved memory.
Values are libsndfile's own conversions, as python-soundfile returns them.
The views' owner (``view.obj``) carries the ``samplerate``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, BinaryIO, Iterator, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _args as args
from . import _core
from ._atomic import atomic_path
from ._limits import DEFAULT, limit_argument
from ._view import described_value

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]

#: The sample types audio can be read and written as.
AUDIO_DTYPES = _core.AUDIO_DTYPES

#: The text tags audio_info reports and write_audio stores.
AUDIO_TAGS = ("title", "artist", "album", "date", "comment", "genre", "tracknumber", "copyright", "software",
              "license")

AudioInfo = _core.AudioInfo


#: python-soxr's quality names (libsoxr's recipes), fastest first.
RESAMPLE_QUALITIES = ("qq", "lq", "mq", "hq", "vhq")


class RawFormat(NamedTuple):
    """What headerless RAW audio holds: ``raw=RawFormat(16000, 1, "PCM_16")``.

    ``subtype`` is one of python-soundfile's names (``"PCM_16"``,
    ``"FLOAT"``, ...); ``endian`` is ``"FILE"`` (the subtype's default),
    ``"LITTLE"``, ``"BIG"`` or ``"CPU"``.
    """
    samplerate: int
    channels: int
    subtype: str
    endian: str = "FILE"


def _hints(format: Optional[str], raw: Optional[RawFormat], stream: Optional[int] = None) -> Optional[dict]:
    hints = _source_hints(format, raw)
    if stream is None:
        return hints
    stream = _index(stream, "stream")
    if stream < 0:
        raise ValueError(f"stream must be a stream index >= 0, not {stream}")
    return {**(hints or {}), "stream": stream}


def _source_hints(format: Optional[str], raw: Optional[RawFormat]) -> Optional[dict]:
    if raw is not None:
        if not isinstance(raw, RawFormat):
            raise TypeError(f"raw must be a mediaview.RawFormat(samplerate, channels, subtype, endian), "
                            f"not {type(raw).__name__}")
        if format is not None and format.upper() != "RAW":
            raise ValueError(f"raw= describes headerless RAW data, but format={format!r}")
        return {"format": "RAW", "subtype": raw.subtype, "samplerate": _index(raw.samplerate, "raw.samplerate"),
                "channels": _index(raw.channels, "raw.channels"), "endian": raw.endian}
    if format is not None and format.upper() == "RAW":
        raise TypeError("headerless RAW data is described by raw=mediaview.RawFormat(samplerate, channels, "
                        "subtype, endian), not format='RAW'")
    return None if format is None else {"format": format}


def _old_raw_keywords(function: str, old: Mapping[str, Any]) -> None:
    """The RAW description moved to raw=: the old keywords say where."""
    if old:
        names = ", ".join(f"{k}=" for k in sorted(old))
        raise TypeError(f"{function}() no longer takes {names}: describe headerless RAW data with "
                        f"raw=mediaview.RawFormat(samplerate, channels, subtype, endian)")


def _rate(value, name: str) -> int:
    if value is None:
        return 0
    value = _index(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value}")
    return value


def _seconds(value, name: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    return float(value)


def _index(value, name: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    return value.__index__()


def audio_info(src: Source, *, raw: Optional[RawFormat] = None, format: Optional[str] = None,
               stream: Optional[int] = None, **old) -> AudioInfo:
    """Reads an audio header and returns an :class:`AudioInfo`.

    Attributes: ``samplerate``, ``channels``, ``frames``, ``duration`` (seconds),
    ``format`` and ``subtype`` (python-soundfile's names, e.g. ``"WAV"``,
    ``"PCM_16"``), ``endian``, ``seekable``, ``exact_length`` (False when
    ``frames`` is an estimate: MP3 without a Xing/Info/VBRI header) and
    ``tags``, a dict of the text tags present (title, artist, album, date,
    comment, genre, tracknumber, copyright, software, license).
    ``raw=RawFormat(samplerate, channels, subtype, endian)`` describes
    headerless RAW input; ``format`` is checked against what the content is.
    ``stream`` (containers of several streams: MP4, Matroska, the audio of
    videos) is the index of the stream to describe, as ffprobe numbers them;
    ``None`` is the "best" audio stream. ``bitrate`` (bits/s) and ``streams``
    (every stream of such a container) are ``None`` where unknown.
    """
    _old_raw_keywords("audio_info", old)
    return _core.audio_info(src, _hints(format, raw, stream))


def read_audio(src: Source, *, dtype: str = "float32", start: int = 0, stop: Optional[int] = None,
               frames: Optional[int] = None, offset: Optional[float] = None, duration: Optional[float] = None,
               samplerate: Optional[int] = None, channels: Optional[int] = None,
               mix: Optional[Sequence[Sequence[float]]] = None, resample_quality: str = "hq",
               layout: str = "interleaved", always_2d: bool = False, out=None, threads: int = 1,
               raw: Optional[RawFormat] = None, format: Optional[str] = None, mmap: bool = False,
               max_samples=DEFAULT, strict: bool = False, allow_truncated: bool = False,
               verify: bool = False, stream: Optional[int] = None, **old) -> Tuple[memoryview, int]:
    """Decodes audio and returns ``(samples, samplerate)``.

    ``samples`` is a memoryview of ``dtype`` (``int16`` 'h', ``int32`` 'i',
    ``float32`` 'f' or ``float64`` 'd'), shaped ``(frames, channels)``;
    mono is ``(frames,)`` unless ``always_2d``. ``layout="planar"`` gives
    ``(channels, frames)``: the transposed, strided view of the same memory.

    ``samplerate`` and ``channels`` are the **output**'s (librosa's ``sr=``,
    TorchCodec's ``sample_rate=``/``num_channels=``); ``None`` keeps the
    file's. Resampling is libsoxr's, with python-soxr's quality names
    (``resample_quality``: ``"qq"``, ``"lq"``, ``"mq"``, ``"hq"``,
    ``"vhq"``); a read of N source frames gives exactly
    ``ceil(N * samplerate / source_rate)`` frames (python-soxr's output,
    zero-padded to that length as librosa does). Channels are mixed before
    resampling: stereo -> mono is the mean of the two, mono -> stereo
    duplicates; any other pair needs ``mix=``, a matrix of one row per output
    channel holding one weight per source channel (``[[0.5, 0.5]]`` is the
    mean). Resampled or mixed samples are computed in float32 (float64 for
    ``float64`` and ``int32``); integer dtypes are then converted as
    libsndfile writes float to PCM with clipping: scaled by 2^15 (2^31),
    rounded to nearest, saturated.

    ``start``/``stop`` select frames like a Python slice (negative counts from
    the end); ``frames`` instead of ``stop`` gives a count. ``offset`` and
    ``duration`` (librosa's names) do the same in seconds. All count the
    source's frames: a resampled range resamples the selected span. Ranges
    seek accurately in compressed formats too.

    ``src`` is a path, a contiguous bytes-like object (decoded in place) or a
    binary file object (read into memory). Headerless RAW data is described
    by ``raw=mediaview.RawFormat(samplerate, channels, subtype, endian)``;
    ``format`` is checked against what the content is.

    Damage: a read that ends before the frames the header promises
    (``audio_info(...).exact_length``) raises :class:`DecodeError`; with
    ``allow_truncated=True`` it returns the frames decoded up to the damage
    and emits a :class:`DecodeWarning` saying how many came back of how many
    promised. ``strict=True`` turns every such warning into an error.

    ``out``: a writable buffer of exactly the returned shape and dtype whose
    memory is interleaved (C-contiguous, or the planar view of a C-contiguous
    buffer); the samples are decoded into it and the view returned covers the
    frames read.

    ``threads=N`` decodes N segments of a seekable input concurrently, each
    with its own decoder handle; the result is identical to one thread.

    The result is writable, always, unless you ask for a map: ``mmap=True``
    for a path to WAV/WAVEX/RF64/W64/AIFF/RAW whose stored samples are
    ``dtype`` in native byte order (PCM_16 as int16, PCM_32 as int32, FLOAT
    as float32, DOUBLE as float64) returns a **read-only** view straight over
    a memory map of the file: no decoding, no copy; it raises ``ValueError``
    saying why when the file cannot be mapped. ``mmap=None`` maps when
    possible (never into ``out=``, never when resampling or mixing) and
    otherwise decodes. ``False`` (default) decodes. A mapped
    file must not be truncated while views of it are alive.

    ``max_samples``: a read of more frames x channels than this (as the
    header claims them) raises :class:`LimitError` before its buffer is
    allocated; the default is :data:`MAX_AUDIO_SAMPLES`; ``None``: no limit.
    It guards the buffer allocated here: mapped reads and ``out=`` are not
    held to it.

    Damage (the codecs that can tell it, FLAC's among them): a stream that
    ends before the frames its header promises raises :class:`DecodeError`;
    with ``allow_truncated=True`` the frames before the damage come back
    with a :class:`DecodeWarning` saying how many of how many. A corrupt
    frame inside a FLAC stream is returned as silence with a warning naming
    the frames lost (as ``flac -F`` does), the rest intact. ``strict=True``
    turns every warning into a :class:`DecodeError`. ``verify=True`` checks
    the decoded audio against the stream's own checksum (FLAC's STREAMINFO
    MD5; the whole stream is decoded for it, also for a range, on one
    thread): a mismatch is a :class:`DecodeError`, a stream without one
    gives a warning.

    ``stream``: which stream of a container holding several (the audio of a
    video, several languages), by its index as ffprobe and TorchCodec count
    them; ``None`` (default) is FFmpeg's "best" audio stream. A stream that
    is not audio is a ``ValueError`` naming the audio streams.
    """
    _old_raw_keywords("read_audio", old)
    if mmap is not None:
        mmap = args.flag(mmap, "mmap")
    return _core.read_audio(src, args.dtype_name(dtype, "audio dtype", AUDIO_DTYPES), _index(start, "start"),
                            _index(stop, "stop"), _index(frames, "frames"),
                            args.text(layout, "layout", ("interleaved", "planar")),
                            args.flag(always_2d, "always_2d"), out, _index(threads, "threads"), mmap,
                            limit_argument(max_samples, "MAX_AUDIO_SAMPLES", "samples", "max_samples"),
                            _hints(format, raw, stream), _rate(samplerate, "samplerate"), _rate(channels, "channels"), mix,
                            args.text(resample_quality, "resample_quality"), args.flag(strict, "strict"),
                            args.flag(allow_truncated, "allow_truncated"),
                            _seconds(offset, "offset"), _seconds(duration, "duration"),
                            args.flag(verify, "verify"))


def stream_audio(src: Source, blocksize: int, *, overlap: int = 0, dtype: str = "float32", start: int = 0,
                 stop: Optional[int] = None, layout: str = "interleaved", always_2d: bool = False,
                 samplerate: Optional[int] = None, channels: Optional[int] = None,
                 mix: Optional[Sequence[Sequence[float]]] = None, resample_quality: str = "hq",
                 raw: Optional[RawFormat] = None, strict: bool = False,
                 allow_truncated: bool = False, stream: Optional[int] = None) -> Iterator[memoryview]:
    """Yields the audio in blocks of ``blocksize`` frames (the last may be
    shorter), each starting ``blocksize - overlap`` frames after the previous,
    as python-soundfile's ``blocks()`` does. Shapes and layouts as for
    :func:`read_audio`.

    ``samplerate``, ``channels``, ``mix`` and ``resample_quality`` convert as
    :func:`read_audio` does, block by block (one libsoxr stream, flushed at
    the end): blocks then count output frames, and joined they equal
    :func:`read_audio` of the same range. ``start``/``stop`` count source
    frames. ``strict``/``allow_truncated``: the damage policy of
    :func:`read_audio`, applied when the source ends early (the blocks
    before it have been yielded by then). ``stream``: as for :func:`read_audio`.

    One decoder handle reads the range front to back with a single seek.
    A block's memory is reused for a later block only when nothing refers to
    it any more (no memoryview, numpy array or other export of it is alive),
    so blocks you keep are never overwritten.
    """
    stream = _core.AudioStream(src, _index(blocksize, "blocksize"), _index(overlap, "overlap"),
                               args.dtype_name(dtype, "audio dtype", AUDIO_DTYPES), _index(start, "start"),
                               _index(stop, "stop"), args.text(layout, "layout", ("interleaved", "planar")),
                               args.flag(always_2d, "always_2d"), _rate(samplerate, "samplerate"),
                               _rate(channels, "channels"), mix, args.text(resample_quality, "resample_quality"),
                               args.flag(strict, "strict"), args.flag(allow_truncated, "allow_truncated"),
                               _hints(None, raw, stream))

    def blocks() -> Iterator[memoryview]:
        while True:
            block = stream.next_block()
            if block is None:
                return
            yield block
            # Drop our own reference before decoding the next block, so
            # that a block the caller let go of can be reused.
            del block

    return blocks()


def write_audio(dst: Union[str, bytes, "os.PathLike[str]", BinaryIO], data, samplerate: Optional[int] = None, *,
                format: Optional[str] = None, subtype: Optional[str] = None,
                tags: Optional[Mapping[str, str]] = None, overwrite: bool = True) -> None:
    """Writes ``data`` as an audio file.

    ``data`` is any buffer or numpy array of int16, int32, float32 or float64
    samples shaped ``(frames,)`` or ``(frames, channels)``, in any memory
    layout (interleaved, planar memory such as ``planar_view.T``, or other
    strides). ``samplerate`` defaults to what a view from :func:`read_audio`
    says (``view.obj.samplerate``). ``format`` defaults from the extension
    (``.wav``, ``.flac``, ``.ogg``, ``.opus``, ``.mp3``, ``.aiff``, ...:
    :func:`mediaview.formats` lists them); ``subtype`` defaults as in
    python-soundfile (PCM_16 for PCM containers, VORBIS for Ogg, OPUS for
    ``.opus``, MPEG_LAYER_III for MP3). ``tags`` maps tag names (see
    :data:`AUDIO_TAGS`) to text.

    A path is written through a temporary file in the same directory that is
    renamed over ``dst`` only when complete; a failure leaves no partial file.
    With ``overwrite=False`` an existing ``dst`` raises FileExistsError and is
    never replaced. A binary file object receives the finished file's bytes
    (``format`` is then required).
    """
    samplerate = described_value(data, "samplerate", samplerate)
    if samplerate is None:
        raise TypeError("write_audio needs samplerate= (data is not a view from read_audio)")
    samplerate = args.integer(samplerate, "samplerate")
    rest = (args.text(format, "format", none=True) or "", args.text(subtype, "subtype", none=True) or "",
            args.text_mapping(tags, "tags"))
    if hasattr(dst, "write") and not isinstance(dst, (str, bytes, os.PathLike)):
        if format is None:
            raise ValueError("writing to a file object needs format=")
        with tempfile.TemporaryDirectory(prefix="mediaview-") as tmp:
            path = os.path.join(tmp, "audio." + format.lower())
            _core.write_audio(path, path, data, samplerate, *rest)
            with open(path, "rb") as f:
                shutil.copyfileobj(f, dst)
        return
    with atomic_path(dst, overwrite=args.flag(overwrite, "overwrite")) as temp:
        _core.write_audio(temp, dst, data, samplerate, *rest)
