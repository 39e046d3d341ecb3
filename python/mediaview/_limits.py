"""The decompression-bomb limits: a header's claim is checked against them
before the output is allocated. Both are read from the package at call time,
so ``mediaview.MAX_IMAGE_PIXELS = ...`` works the way
``PIL.Image.MAX_IMAGE_PIXELS = ...`` does."""

from __future__ import annotations

import sys
from typing import Optional


class _Default:
    """The ``max_pixels``/``max_samples`` default: the package setting."""

    def __repr__(self) -> str:
        return "DEFAULT"

    def __reduce__(self) -> str:
        return "DEFAULT"  # unpickled as this module's one DEFAULT (a Dask worker compares it by identity)


#: The default of every limit argument: use the package's setting
#: (:data:`MAX_IMAGE_PIXELS`, :data:`MAX_AUDIO_SAMPLES`). ``None`` instead
#: turns the check off for that call.
DEFAULT = _Default()

#: Default for ``max_pixels``: a header whose width x height exceeds this
#: raises :class:`LimitError` before anything is allocated. The value matches
#: the point where Pillow's decompression-bomb guard raises (twice
#: ``PIL.Image.MAX_IMAGE_PIXELS``). Set ``mediaview.MAX_IMAGE_PIXELS`` to
#: another number, or to ``None`` to disable the check; or pass
#: ``max_pixels=`` per call.
MAX_IMAGE_PIXELS: Optional[int] = 178_956_970

#: Default for ``max_samples`` in :func:`read_audio`: a read of more than
#: this many samples (frames x channels, as the header claims them) raises
#: :class:`LimitError` before its buffer is allocated. 2**30 samples is 4 GiB
#: as float32, or 3.1 hours of 48 kHz stereo. Set
#: ``mediaview.MAX_AUDIO_SAMPLES`` to another number or to ``None``, or pass
#: ``max_samples=`` per call; memory-mapped reads, ``out=`` and
#: :func:`stream_audio` are bounded by the file or the caller instead.
MAX_AUDIO_SAMPLES: Optional[int] = 2**30


def limit_argument(value, default_name: str, what: str, argument: str) -> int:
    """The limit as the native core takes it: a positive int, 0 for none.

    ``value`` DEFAULT means the package's ``default_name`` setting; None
    (given, or as that setting) means no limit."""
    if value is DEFAULT:
        value = getattr(sys.modules[__package__], default_name)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__index__"):
        raise TypeError(f"{argument} must be a number of {what} or None, not {type(value).__name__}")
    # Converted before the check: 0.5 must not become 0, which means no limit.
    try:
        number = int(value)
    except OverflowError:  # int(inf)
        raise ValueError(f"{argument} {value!r} is not a number of {what}") from None
    if number <= 0:
        raise ValueError(f"{argument} must be positive (or None for no limit)")
    return min(number, 2**64 - 1)  # anything larger limits nothing either
