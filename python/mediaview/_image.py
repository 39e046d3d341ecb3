"""Image decoding: the public, keyword-only API over the native core."""

from __future__ import annotations

import os
from fractions import Fraction
from typing import BinaryIO, List, NamedTuple, Optional, Tuple, Union

import sys

from . import _args as args
from . import _core
from ._limits import DEFAULT, limit_argument

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]

#: Pixel layouts: ``mode=`` of :func:`decode_image` and the writers.
MODES = ("RGB", "BGR", "RGBA", "BGRA", "RGBX", "L", "LA", "CMYK")

_MODE_SET = frozenset(MODES) | {None}

#: Pixel element types: ``dtype=`` of :func:`decode_image`.
IMAGE_DTYPES = ("uint8", "uint16")


class MinSize(NamedTuple):
    """``scale=MinSize(w, h)``: the smallest DCT scale whose output is at
    least ``w`` x ``h`` (full size when the image is already smaller)."""

    width: int
    height: int


def probe(src: Source) -> _core.ImageInfo:
    """Reads an image header only and returns an :class:`ImageInfo` with
    ``format`` (the codec's name, as ``decoders()`` lists it), ``width``, ``height``,
    ``components``, ``colorspace``, ``subsampling``, ``progressive``,
    ``arithmetic``, ``precision``, ``orientation`` (EXIF 1-8, 1 when absent)
    and ``has_icc``, then what only that format has; ``as_dict()`` lists
    them all."""
    return _core.probe(src)


_INT_MAX = 2**31 - 1


def _c_int(value, what: str) -> int:
    """An int for the native call; out of C int range is a ValueError (not
    pybind11's TypeError about incompatible arguments)."""
    try:
        value = int(value)
    except OverflowError:  # int(inf)
        raise ValueError(f"{what} {value!r} is out of range") from None
    if not -_INT_MAX - 1 <= value <= _INT_MAX:
        raise ValueError(f"{what} {value} is out of range")
    return value


def _scale_arguments(scale) -> Tuple[int, int, int, int]:
    """(num, den, min_width, min_height) for the native call."""
    if scale is None:
        return 1, 1, 0, 0
    if isinstance(scale, MinSize):
        if scale.width < 0 or scale.height < 0:
            raise ValueError("MinSize dimensions must be non-negative")
        return 0, 0, _c_int(scale.width, "MinSize width"), _c_int(scale.height, "MinSize height")  # num == 0: MinSize
    try:
        if isinstance(scale, tuple):
            if len(scale) != 2:
                raise ValueError("scale as a tuple must be (num, den)")
            fraction = Fraction(int(scale[0]), int(scale[1]))
        elif isinstance(scale, str):
            fraction = Fraction(scale)
        elif isinstance(scale, (int, float, Fraction)):
            fraction = Fraction(scale).limit_denominator(64)
        else:
            raise TypeError(f"scale must be a fraction, a (num, den) pair or MinSize, not {type(scale).__name__}")
    except (ZeroDivisionError, OverflowError) as e:
        # (1, 0), "1/0", inf: not a scale, and not an arithmetic error of the caller's.
        raise ValueError(f"scale {scale!r} is not a finite fraction") from e
    if fraction <= 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    return _c_int(fraction.numerator, "scale numerator"), _c_int(fraction.denominator, "scale denominator"), 0, 0


def _crop_argument(crop):
    if crop is None:
        return None
    if not isinstance(crop, (tuple, list)) or len(crop) != 4:
        raise ValueError("crop must be (x, y, width, height)")
    return tuple(_c_int(args.integer(v, "crop value"), "crop value") for v in crop)


_package = sys.modules[__package__]

FITS = ("fill", "cover", "contain")
FILTERS = ("area", "bilinear", "bicubic", "lanczos")


def _resize_argument(size, fit, filter, fill, reducing_gap=2.0):
    """None, or (width, height, fit, filter, fill, reducing_gap) for the native call."""
    if size is None:
        return None
    try:
        width, height = size
    except (TypeError, ValueError):
        raise ValueError(f"size must be (width, height), not {size!r}") from None
    width, height = _c_int(width, "size width"), _c_int(height, "size height")
    if width <= 0 or height <= 0:
        raise ValueError(f"size must be two positive numbers (width, height), not {size!r}")
    if fit not in FITS:
        raise ValueError(f"fit must be one of {', '.join(map(repr, FITS))}, not {fit!r}")
    if filter not in FILTERS:
        raise ValueError(f"filter must be one of {', '.join(map(repr, FILTERS))}, not {filter!r}")
    values = [fill] if isinstance(fill, int) else list(fill)
    if not values or len(values) > 4 or not all(isinstance(v, int) and 0 <= v <= 65535 for v in values):
        raise ValueError(f"fill must be an int or up to 4 ints in 0..65535 (one per channel), not {fill!r}")
    if reducing_gap is None:
        gap = 0.0
    else:
        try:
            gap = float(reducing_gap)
        except (TypeError, ValueError):
            raise TypeError(f"reducing_gap must be a number or None, not {type(reducing_gap).__name__}") from None
        if not gap >= 1.0 or gap == float("inf"):
            raise ValueError(f"reducing_gap must be a finite number of at least 1.0 (or None), not {reducing_gap!r}")
    return width, height, fit, filter, values, gap


def decode_image(
    src: Source,
    *,
    mode: Optional[str] = "RGB",
    dtype: Optional[str] = None,
    scale=None,
    crop: Optional[Tuple[int, int, int, int]] = None,
    orient: bool = False,
    strict: bool = False,
    allow_truncated: bool = False,
    max_pixels=DEFAULT,
    frame: int = 0,
    size: Optional[Tuple[int, int]] = None,
    fit: str = "fill",
    filter: str = "area",
    fill=0,
    reducing_gap: Optional[float] = 2.0,
    out=None,
) -> memoryview:
    """Decodes an image into a new (or the given) buffer and returns a
    ``memoryview`` of shape ``(H, W, C)`` (``(H, W)`` for ``L``), format
    ``'B'`` (``'H'`` for 16-bit data), that owns its memory: ``view.obj`` is
    the exporter, which also says what the decoder knew (``view.obj.mode``,
    ``.icc`` and ``.exif``, the source's profile and EXIF bytes or None).

    - ``src``: a path, a contiguous bytes-like object, or a binary file object.
    - ``mode``: ``RGB``, ``BGR``, ``RGBA``, ``BGRA``, ``RGBX``, ``L``, ``LA``
      or ``CMYK``; ``None``: the file's own layout (grey ``L``, colour
      ``RGB``, CMYK ``CMYK``, with alpha ``LA``/``RGBA``).
    - ``dtype``: ``"uint8"`` or ``"uint16"``; ``None``: the file's own depth.
    - ``scale``: scaling while decoding, as the codec offers it (JPEG: k/8
      for k = 1..16; WebP: any reduction up to 1): ``Fraction(1, 4)``,
      ``"1/4"``, ``0.25`` or ``(1, 4)``; or ``MinSize(w, h)``.
    - ``crop``: ``(x, y, width, height)`` in output pixels; only the needed
      rows and iMCU columns are decoded; values equal a full decode sliced.
    - ``orient``: apply the EXIF orientation as a strided view (no copy).
    - ``strict``: every decoder warning raises :class:`DecodeError`.
    - ``allow_truncated``: truncated data gives the partial image plus a
      :class:`DecodeWarning` instead of raising :class:`DecodeError`.
    - ``max_pixels``: a header claiming more pixels raises :class:`LimitError`
      before anything is allocated; by default :data:`MAX_IMAGE_PIXELS`;
      ``None``: no limit (as Pillow's ``Image.MAX_IMAGE_PIXELS = None``).
    - ``frame``: the frame of an animation, composited as a viewer shows it.
    - ``size``: ``(width, height)``: resize on load. The decoder first picks
      its largest reduction (JPEG's DCT scaling) that keeps the image at
      least as large as needed, then libswscale resizes exactly into the
      output. ``fit``: ``"fill"`` (exact size, aspect ignored), ``"cover"``
      (scale to cover, then centre-crop) or ``"contain"`` (scale to fit, then
      pad with ``fill``: an int or one int per channel). ``filter``:
      ``"area"``, ``"bilinear"``, ``"bicubic"`` or ``"lanczos"``. 16-bit
      images resize too. ``reducing_gap`` (as Pillow's): the decoder's own
      reduction stops where the resize still shrinks by at least this
      factor; ``1.0`` is the largest reduction that keeps the target size
      (fastest, blockier), ``None`` none (fair resampling). Not combined
      with ``scale``; a ``crop`` is taken first (at full size), and with
      ``orient`` the size is the upright one.
    - ``out``: a writable uint8 buffer of exactly the output shape (rows may
      be padded); the returned view shares its memory.
    """
    return _core.decode_image(
        src,
        *_request_arguments(mode, dtype, scale, crop, orient, strict, allow_truncated, max_pixels),
        0 if frame == 0 and frame.__class__ is int else _c_int(args.integer(frame, "frame"), "frame"),
        None if size is None else _resize_argument(size, fit, filter, fill, reducing_gap),
        out,
    )


def _request_arguments(mode, dtype, scale, crop, orient, strict, allow_truncated, max_pixels) -> tuple:
    """decode_image's options, checked, in the order the native calls take
    them (decode_image, decode_images, plan_images): mode, dtype, the four
    scale values, crop, orient, strict, allow_truncated, max_pixels. The
    common call (defaults) converts nothing: this cost is paid on every
    image of a small-image loop."""
    if scale is None:
        num, den, min_w, min_h = 1, 1, 0, 0
    else:
        num, den, min_w, min_h = _scale_arguments(scale)
    return (
        mode if mode in _MODE_SET else args.text(mode, "mode", MODES, none=True),
        None if dtype is None else args.dtype_name(dtype, "image dtype", IMAGE_DTYPES),
        num,
        den,
        min_w,
        min_h,
        None if crop is None else _crop_argument(crop),
        orient if orient.__class__ is bool else args.flag(orient, "orient"),
        strict if strict.__class__ is bool else args.flag(strict, "strict"),
        allow_truncated if allow_truncated.__class__ is bool else args.flag(allow_truncated, "allow_truncated"),
        _default_pixel_limit() if max_pixels is DEFAULT else limit_argument(
            max_pixels, "MAX_IMAGE_PIXELS", "pixels", "max_pixels"),
    )


def _default_pixel_limit() -> int:
    """limit_argument(DEFAULT, "MAX_IMAGE_PIXELS", ...) without its general
    path when the setting is a plain positive int (it almost always is)."""
    value = _package.MAX_IMAGE_PIXELS
    if value.__class__ is int and 0 < value < 2**64:
        return value
    return limit_argument(DEFAULT, "MAX_IMAGE_PIXELS", "pixels", "max_pixels")


def decode_frames(
    src: Source,
    *,
    mode: Optional[str] = None,
    crop: Optional[Tuple[int, int, int, int]] = None,
    strict: bool = False,
    allow_truncated: bool = False,
    max_pixels=DEFAULT,
) -> Tuple[memoryview, List[int]]:
    """Decodes every frame of an animation, composited as a viewer shows
    them, into one buffer: returns ``(view, durations_ms)``, the view shaped
    ``(T, H, W, C)`` (``(T, H, W)`` for ``L``) and the list of how long each
    frame shows in milliseconds. A still image is one frame of duration 0; a
    format without frames raises :class:`UnsupportedFormatError`.
    ``mode``, ``crop``, ``strict`` and ``allow_truncated`` as for
    :func:`decode_image`; ``max_pixels`` bounds all the frames together
    (T x H x W; default :data:`MAX_IMAGE_PIXELS`, ``None``: no limit).
    """
    return _core.decode_frames(
        src,
        args.text(mode, "mode", MODES, none=True),
        _crop_argument(crop),
        args.flag(strict, "strict"),
        args.flag(allow_truncated, "allow_truncated"),
        limit_argument(max_pixels, "MAX_IMAGE_PIXELS", "pixels", "max_pixels"),
    )
