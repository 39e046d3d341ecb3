"""Audio through libsndfile: the public, keyword-only API over the native core."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

from . import _core
from ._atomic import atomic_path

# Output formats by file extension, for write_audio (format=None).
_FORMATS_BY_EXTENSION = {
    "wav": ("WAV", None), "wave": ("WAV", None), "flac": ("FLAC", None), "ogg": ("OGG", "VORBIS"),
    "oga": ("OGG", "VORBIS"), "opus": ("OGG", "OPUS"), "aiff": ("AIFF", None), "aif": ("AIFF", None),
    "aifc": ("AIFF", None), "au": ("AU", None), "snd": ("AU", None), "caf": ("CAF", None), "w64": ("W64", None),
    "rf64": ("RF64", None), "mp3": ("MP3", None), "raw": ("RAW", None), "voc": ("VOC", None),
    "nist": ("NIST", None), "sph": ("NIST", None), "mat": ("MAT5", None), "paf": ("PAF", None),
    "svx": ("SVX", None), "ircam": ("IRCAM", None), "sf": ("IRCAM", None), "htk": ("HTK", None),
    "sds": ("SDS", None), "avr": ("AVR", None), "sd2": ("SD2", None), "wve": ("WVE", None), "xi": ("XI", None),
    "pvf": ("PVF", None), "mpc": ("MPC2K", None),
}

TAGS = ("title", "artist", "album", "date", "comment", "genre", "tracknumber", "copyright", "software", "license")


class AudioInfo(dict):
    """What an audio file holds: ``samplerate``, ``channels``, ``frames``,
    ``duration`` (seconds), ``format``, ``subtype``, ``endian``, ``seekable``,
    ``exact_length`` (False when ``frames`` is an estimate, e.g. MP3 without
    a Xing header, or unknown and 0) and ``tags`` (a dict of the text tags
    present). Items are also attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def audio_info(src, *, format: Optional[str] = None, samplerate: Optional[int] = None,
               channels: Optional[int] = None, subtype: Optional[str] = None,
               endian: Optional[str] = None) -> AudioInfo:
    """Reads an audio header. ``src`` is a path, a bytes-like object or a
    binary file object; the keyword arguments describe headerless RAW data."""
    return AudioInfo(_core.audio_info(src, format, samplerate, channels, subtype, endian))


def read_audio(src, *, dtype: str = "float32", start: int = 0, stop: Optional[int] = None,
               frames: Optional[int] = None, layout: str = "interleaved", always_2d: bool = False, out=None,
               threads: int = 1, format: Optional[str] = None, samplerate: Optional[int] = None,
               channels: Optional[int] = None, subtype: Optional[str] = None, endian: Optional[str] = None,
               mmap: Optional[bool] = None) -> Tuple[memoryview, int]:
    """Decodes audio and returns ``(view, samplerate)``.

    - ``dtype``: ``int16``, ``int32``, ``float32`` or ``float64``, converted
      by libsndfile's own rules (the values python-soundfile returns).
    - The view has shape ``(frames, channels)``; mono is ``(frames,)`` unless
      ``always_2d``; ``layout="planar"`` gives ``(channels, frames)`` as a
      strided view of the same interleaved memory (no copy).
    - ``start``/``stop``/``frames``: a range of frames, as in python-soundfile
      (negative ``start``/``stop`` count from the end); the codec seeks to it.
    - ``out``: a writable buffer of the returned shape and dtype, laid out as
      interleaved frames, that receives the samples.
    - ``threads``: split the range of a seekable file into that many segments,
      each decoded by its own handle into its part of the one output buffer;
      the result is identical to ``threads=1``.
    - ``mmap``: ``None`` (default) serves PCM_16/PCM_32/FLOAT/DOUBLE samples of
      WAV, WAVEX, W64, RF64, AIFF-C 'sowt' and RAW files that match ``dtype``
      straight from a read-only memory map when possible (no decode, no copy);
      ``True`` insists and raises ``ValueError`` saying why it cannot;
      ``False`` always decodes. A mapped view is read-only and must not
      outlive a truncation of the file by another process.
    - ``format``/``samplerate``/``channels``/``subtype``/``endian`` describe
      headerless RAW input.
    """
    stop_arg = None if stop is None else int(stop)
    frames_arg = None if frames is None else int(frames)
    return _core.read_audio(src, dtype, int(start), stop_arg, frames_arg, layout, bool(always_2d), out,
                            int(threads), format, samplerate, channels, subtype, endian, mmap)


def stream_audio(src, blocksize: int, *, overlap: int = 0, dtype: str = "float32", start: int = 0,
                 stop: Optional[int] = None, layout: str = "interleaved", always_2d: bool = False,
                 format: Optional[str] = None, samplerate: Optional[int] = None, channels: Optional[int] = None,
                 subtype: Optional[str] = None, endian: Optional[str] = None) -> Iterator[memoryview]:
    """Yields blocks of ``blocksize`` frames (the last may be shorter), each
    starting ``overlap`` frames before the previous one ended, as views like
    ``read_audio``'s. The file is read sequentially with one handle. A block
    you still hold (or any view or array of it) is never overwritten: its
    memory is reused for a later block only once nothing refers to it."""
    return _core.BlockReader(src, int(blocksize), int(overlap), dtype, int(start),
                             None if stop is None else int(stop), layout, bool(always_2d), format, samplerate,
                             channels, subtype, endian)


def _format_for(dst: Path, format: Optional[str], subtype: Optional[str]) -> Tuple[str, str]:
    if format is None:
        ext = dst.suffix.lower().lstrip(".")
        if ext not in _FORMATS_BY_EXTENSION:
            raise ValueError(f"cannot tell the audio format of {dst.name!r} from its extension; pass format=")
        format, implied = _FORMATS_BY_EXTENSION[ext]
        subtype = subtype or implied
    format = format.upper()
    return format, (subtype or _core.default_subtype(format)).upper()


def write_audio(dst, data, samplerate: int, *, format: Optional[str] = None, subtype: Optional[str] = None,
                tags: Optional[Dict[str, str]] = None, layout: str = "interleaved") -> None:
    """Writes audio samples (any buffer or numpy array of int16, int32,
    float32 or float64, shaped ``(frames,)`` or ``(frames, channels)``, or
    ``(channels, frames)`` with ``layout="planar"``) to ``dst``, in the
    format of its extension by default (``.wav``, ``.flac``, ``.ogg``,
    ``.opus``, ``.aiff``, ``.mp3``, ...) and ``subtype`` or the format's
    default. ``tags`` maps names in ``TAGS`` to text. The file is written
    under a temporary name beside ``dst`` and renamed, so a failure never
    leaves a half-written file."""
    if layout not in ("interleaved", "planar"):
        raise ValueError("layout must be 'interleaved' or 'planar'")
    dst = Path(os.fspath(dst))
    format, subtype = _format_for(dst, format, subtype)
    tags = {str(k).lower(): str(v) for k, v in (tags or {}).items()}
    with atomic_path(dst) as temp:
        _core.write_audio(str(temp), data, int(samplerate), format, subtype, tags, layout == "planar")
