"""Audio: the public, keyword-only API over the native core's audio codecs.

Samples come back as ``memoryview`` objects shaped ``(frames, channels)``
(``(frames,)`` for mono unless ``always_2d``), or ``(channels, frames)`` for
``layout="planar"``, which is a strided view of the same interleaved memory.
Values are libsndfile's own conversions, as python-soundfile returns them.
The views' owner (``view.obj``) carries the ``samplerate``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from typing import BinaryIO, Iterator, Mapping, Optional, Tuple, Union

from . import _args as args
from . import _core
from ._atomic import atomic_path
from ._requests import RawFormat, audio_request  # noqa: F401 (RawFormat is public)
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


def audio_info(src: Source, *, raw: Optional[RawFormat] = None, format: Optional[str] = None,
               **other) -> AudioInfo:
    """Reads an audio header and returns an :class:`AudioInfo`.

    Attributes: ``samplerate``, ``channels``, ``frames``, ``duration`` (seconds),
    ``format`` and ``subtype`` (python-soundfile's names, e.g. ``"WAV"``,
    ``"PCM_16"``), ``endian``, ``seekable``, ``exact_length`` (False when
    ``frames`` is an estimate: MP3 without a Xing/Info/VBRI header) and
    ``tags``, a dict of the text tags present (title, artist, album, date,
    comment, genre, tracknumber, copyright, software, license).
    ``raw=RawFormat(samplerate, channels, subtype, endian)`` describes
    headerless RAW input; ``format`` is checked against what the content is.
    """
    if other:  # only another library's spelling gets its own hint; any other keyword is unknown here
        audio_request("audio_info", other)
        raise TypeError(f"audio_info() got an unexpected keyword argument {next(iter(other))!r}")
    return _core.audio_info(src, audio_request("audio_info", {"raw": raw, "format": format}))


def read_audio(src: Source, *, out=None, threads: int = 1, **options) -> Tuple[memoryview, int]:
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
    """
    return _core.read_audio(src, audio_request("read_audio", options), out, args.integer(threads, "threads"))


def stream_audio(src: Source, blocksize: int, *, overlap: int = 0, **options) -> Iterator[memoryview]:
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
    before it have been yielded by then).

    One decoder handle reads the range front to back with a single seek.
    A block's memory is reused for a later block only when nothing refers to
    it any more (no memoryview, numpy array or other export of it is alive),
    so blocks you keep are never overwritten.
    """
    # A stream allocates one block at a time: bounded by blocksize, not by
    # the package's MAX_AUDIO_SAMPLES, unless max_samples= is given.
    request = audio_request("stream_audio", options, max_samples=None)
    stream = _core.AudioStream(src, request, args.integer(blocksize, "blocksize"), args.integer(overlap, "overlap"))

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


class AudioFileWriter:
    """An audio file written block by block, so a recording of any length is
    converted in memory for one block (what ``mediaview convert`` does).

    ``dst`` gets ``channels`` channels at ``samplerate``; each block given to
    :meth:`write` is ``(frames, channels)`` of ``dtype`` in any layout.
    ``format``, ``subtype`` and ``tags`` as for :func:`write_audio`. Used as
    a context manager, the file is written to a temporary beside ``dst`` and
    renamed into place complete when the block ends without an exception;
    otherwise nothing is left. ``overwrite=False``: an existing ``dst`` is a
    FileExistsError.
    """

    def __init__(self, dst: Union[str, "os.PathLike[str]"], samplerate: int, channels: int, *,
                 dtype: str = "float32", format: Optional[str] = None, subtype: Optional[str] = None,
                 tags: Optional[Mapping[str, str]] = None, overwrite: bool = True) -> None:
        self._stack = contextlib.ExitStack()
        temp = self._stack.enter_context(atomic_path(dst, overwrite=args.flag(overwrite, "overwrite")))
        try:
            self._writer = _core.AudioFileWriter(temp, dst, args.integer(samplerate, "samplerate"),
                                                 args.integer(channels, "channels"),
                                                 args.dtype_name(dtype, "audio dtype", AUDIO_DTYPES),
                                                 args.text(format, "format", none=True) or "",
                                                 args.text(subtype, "subtype", none=True) or "",
                                                 args.text_mapping(tags, "tags"))
        except BaseException:
            self._stack.__exit__(*sys.exc_info())
            raise

    def write(self, block) -> None:
        """Appends ``block`` (encoded with the GIL released)."""
        self._writer.write(block)

    def close(self) -> None:
        """Finishes the encoder and renames the file into place."""
        self._writer.close()
        self._stack.close()

    def __enter__(self) -> "AudioFileWriter":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:  # the temporary is removed; dst is left as it was
            self._stack.__exit__(kind, value, traceback)


def plan_audio_conversion(target: str, source_subtype: str, subtype: str = "", samplerate: int = 0,
                          channels: int = 0) -> dict:
    """For converting audio stored as ``source_subtype`` into ``target`` (an
    extension or a format name), before anything is decoded: ``{"format",
    "subtype"`` (None: the format's default), ``"dtype"`` (to read in, so
    samples stay exact where the target stores them) ``, "lossy"}``; with
    ``samplerate`` and ``channels``, a ValueError saying why the target cannot
    store such audio (Opus's rates, MP3's channels)."""
    return _core.plan_audio_conversion(target, source_subtype, subtype, samplerate, channels)
