"""Keywords into the core's request objects: the one place the Python API
builds an :class:`ImageRequest`. Only Python types are translated here
(``Fraction``/``MinSize`` scales, numpy dtypes, the package's limit
setting); every value is checked by the core's option table, so an option
means the same and fails the same way in :func:`decode_image`,
:func:`decode_images`, :func:`plan_images`, :func:`decode_frames` and
:func:`mediaview.dask.read_images`."""

from __future__ import annotations

import sys
from fractions import Fraction
from typing import NamedTuple

from . import _core
from ._args import _CODES
from ._limits import DEFAULT

_package = sys.modules[__package__]

#: Every image decode option, as (name, doc), from the core's table.
IMAGE_OPTIONS = tuple(name for name, _ in _core.ImageRequest.options() if name != "min_size")


class MinSize(NamedTuple):
    """``scale=MinSize(w, h)``: the smallest DCT scale whose output is at
    least ``w`` x ``h`` (full size when the image is already smaller)."""

    width: int
    height: int


def _scale(scale):
    """scale= as the core takes it: ("scale", (num, den)) or ("min_size", (w, h))."""
    if isinstance(scale, MinSize):
        return "min_size", tuple(scale)
    try:
        if isinstance(scale, tuple):
            if len(scale) != 2:
                raise ValueError("scale as a tuple must be (num, den)")
            fraction = Fraction(int(scale[0]), int(scale[1]))
        elif isinstance(scale, str):
            fraction = Fraction(scale)
        elif isinstance(scale, (int, float, Fraction)) and not isinstance(scale, bool):
            fraction = Fraction(scale).limit_denominator(64)
        else:
            raise TypeError(f"scale must be a fraction, a (num, den) pair or MinSize, not {type(scale).__name__}")
    except (ZeroDivisionError, OverflowError) as e:
        # (1, 0), "1/0", inf: not a scale, and not an arithmetic error of the caller's.
        raise ValueError(f"scale {scale!r} is not a finite fraction") from e
    return "scale", (fraction.numerator, fraction.denominator)


def _dtype(value):
    """A numpy dtype, type object or type code ("f4", "<i2") as its name; the
    core checks which it takes."""
    if value is None:
        return value
    if isinstance(value, str):
        return _CODES.get(value.lstrip("<=|"), value)
    candidate = getattr(value, "dtype", value)
    name = getattr(value, "__name__", None) if isinstance(value, type) else getattr(candidate, "name", None)
    return name if isinstance(name, str) else value


_default_requests = {}


def image_request(options: dict, **defaults) -> "_core.ImageRequest":
    """The request for ``options`` (the caller's keywords), on top of the
    entry point's own ``defaults`` (decode_frames' ``mode=None``)."""
    limit = _package.MAX_IMAGE_PIXELS
    if not options and not defaults:
        # The common call: one request per limit setting, built once (a
        # small-image loop pays this on every image). Requests are immutable.
        request = _default_requests.get(limit)
        if request is None:
            request = _default_requests[limit] = _core.ImageRequest(max_pixels=limit)
        return request
    merged = {**defaults, **options}
    if merged.get("max_pixels", DEFAULT) is DEFAULT:
        merged["max_pixels"] = limit
    if "scale" in merged:
        scale = merged.pop("scale")
        if scale is not None:
            key, value = _scale(scale)
            merged[key] = value
    if "dtype" in merged:
        merged["dtype"] = _dtype(merged["dtype"])
    return _core.ImageRequest(**merged)


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


#: Keywords other libraries use for what mediaview names otherwise: the
#: TypeError says which option to use.
_OTHER_SPELLINGS = {
    "sr": "samplerate= (the output's sample rate, as librosa's sr=)",
    "mono": "channels=1 (mono=True in librosa)",
    "sample_rate": "samplerate=",
    "num_channels": "channels=",
    "subtype": "raw=mediaview.RawFormat(samplerate, channels, subtype, endian) for headerless RAW data",
    "endian": "raw=mediaview.RawFormat(samplerate, channels, subtype, endian) for headerless RAW data",
}


def audio_request(function: str, options: dict, **defaults) -> "_core.AudioRequest":
    """The request for ``options`` (the caller's keywords) on top of the
    entry point's ``defaults``; ``function`` names the caller in a TypeError
    for a keyword spelt as another library spells it."""
    for name in options:
        if name in _OTHER_SPELLINGS:
            raise TypeError(f"{function}() takes no {name}=: use {_OTHER_SPELLINGS[name]}")
    merged = {**defaults, **options}
    if merged.get("max_samples", DEFAULT) is DEFAULT:
        merged["max_samples"] = _package.MAX_AUDIO_SAMPLES
    if "dtype" in merged:
        merged["dtype"] = _dtype(merged["dtype"])
    raw = merged.get("raw")
    if raw is not None and not isinstance(raw, RawFormat):
        raise TypeError(f"raw must be a mediaview.RawFormat(samplerate, channels, subtype, endian), "
                        f"not {type(raw).__name__}")
    mix = merged.get("mix")
    if mix is not None and hasattr(mix, "tolist"):  # a numpy matrix
        merged["mix"] = mix.tolist()
    return _core.AudioRequest(**merged)
