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
from typing import BinaryIO, Iterator, Mapping, Optional, Tuple, Union

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


def _hints(format, subtype, samplerate, channels, endian=None) -> Optional[dict]:
    if format is None and subtype is None and samplerate is None and channels is None and endian is None:
        return None
    return {"format": format, "subtype": subtype, "samplerate": samplerate, "channels": channels, "endian": endian}


def _index(value, name: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    return value.__index__()


def audio_info(src: Source, *, format: Optional[str] = None, subtype: Optional[str] = None,
               samplerate: Optional[int] = None, channels: Optional[int] = None,
               endian: Optional[str] = None) -> AudioInfo:
    """Reads an audio header and returns an :class:`AudioInfo`.

    Attributes: ``samplerate``, ``channels``, ``frames``, ``duration`` (seconds),
    ``format`` and ``subtype`` (python-soundfile's names, e.g. ``"WAV"``,
    ``"PCM_16"``), ``endian``, ``seekable``, ``exact_length`` (False when
    ``frames`` is an estimate: MP3 without a Xing/Info/VBRI header) and
    ``tags``, a dict of the text tags present (title, artist, album, date,
    comment, genre, tracknumber, copyright, software, license).
    ``format``/``subtype``/``samplerate``/``channels``/``endian`` describe
    headerless RAW input.
    """
    return _core.audio_info(src, _hints(format, subtype, samplerate, channels, endian))


def read_audio(src: Source, *, dtype: str = "float32", start: int = 0, stop: Optional[int] = None,
               frames: Optional[int] = None, layout: str = "interleaved", always_2d: bool = False,
               out=None, threads: int = 1, format: Optional[str] = None, samplerate: Optional[int] = None,
               channels: Optional[int] = None, subtype: Optional[str] = None,
               mmap: bool = False, max_samples=DEFAULT, strict: bool = False, allow_truncated: bool = False,
               verify: bool = False) -> Tuple[memoryview, int]:
    """Decodes audio and returns ``(samples, samplerate)``.

    ``samples`` is a memoryview of ``dtype`` (``int16`` 'h', ``int32`` 'i',
    ``float32`` 'f' or ``float64`` 'd'), shaped ``(frames, channels)``;
    mono is ``(frames,)`` unless ``always_2d``. ``layout="planar"`` gives
    ``(channels, frames)``: the transposed, strided view of the same memory.

    ``start``/``stop`` select frames like a Python slice (negative counts from
    the end); ``frames`` instead of ``stop`` gives a count. Ranges seek
    accurately in compressed formats too.

    ``src`` is a path, a contiguous bytes-like object (decoded in place) or a
    binary file object (read into memory). ``format``, ``subtype``,
    ``samplerate`` and ``channels`` describe headerless RAW data; for other
    data ``format`` is checked against what the content is.

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
    possible and otherwise decodes. ``False`` (default) decodes. A mapped
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
    """
    if mmap is not None:
        mmap = args.flag(mmap, "mmap")
    return _core.read_audio(src, args.dtype_name(dtype, "audio dtype", AUDIO_DTYPES), _index(start, "start"),
                            _index(stop, "stop"), _index(frames, "frames"),
                            args.text(layout, "layout", ("interleaved", "planar")),
                            args.flag(always_2d, "always_2d"), out, _index(threads, "threads"), mmap,
                            limit_argument(max_samples, "MAX_AUDIO_SAMPLES", "samples", "max_samples"),
                            _hints(format, subtype, samplerate, channels), strict=args.flag(strict, "strict"),
                            allow_truncated=args.flag(allow_truncated, "allow_truncated"),
                            verify=args.flag(verify, "verify"))


def stream_audio(src: Source, blocksize: int, *, overlap: int = 0, dtype: str = "float32", start: int = 0,
                 stop: Optional[int] = None, layout: str = "interleaved",
                 always_2d: bool = False) -> Iterator[memoryview]:
    """Yields the audio in blocks of ``blocksize`` frames (the last may be
    shorter), each starting ``blocksize - overlap`` frames after the previous,
    as python-soundfile's ``blocks()`` does. Shapes and layouts as for
    :func:`read_audio`.

    One decoder handle reads the range front to back with a single seek.
    A block's memory is reused for a later block only when nothing refers to
    it any more (no memoryview, numpy array or other export of it is alive),
    so blocks you keep are never overwritten.
    """
    stream = _core.AudioStream(src, _index(blocksize, "blocksize"), _index(overlap, "overlap"),
                               args.dtype_name(dtype, "audio dtype", AUDIO_DTYPES), _index(start, "start"),
                               _index(stop, "stop"), args.text(layout, "layout", ("interleaved", "planar")),
                               args.flag(always_2d, "always_2d"))

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
