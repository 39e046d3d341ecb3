"""Image decoding: the public, keyword-only API over the native core."""

from __future__ import annotations

import os
from typing import BinaryIO, List, Tuple, Union

from . import _core
from ._requests import MinSize, image_request  # noqa: F401 (MinSize is public)

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]

#: Pixel layouts: ``mode=`` of :func:`decode_image` and the writers.
MODES = ("RGB", "BGR", "RGBA", "BGRA", "RGBX", "L", "LA", "CMYK")

#: Pixel element types: ``dtype=`` of :func:`decode_image` (each codec
#: gives some: ``formats()``' ``read_dtypes``).
IMAGE_DTYPES = ("uint8", "uint16", "uint32", "int16", "int32", "float16", "float32", "float64")


def probe(src: Source) -> _core.ImageInfo:
    """Reads an image header only and returns an :class:`ImageInfo` with
    ``format`` (the codec's name, as ``decoders()`` lists it), ``width``, ``height``,
    ``components``, ``colorspace``, ``subsampling``, ``progressive``,
    ``arithmetic``, ``precision``, ``orientation`` (EXIF 1-8, 1 when absent)
    and ``has_icc``, then what only that format has; ``as_dict()`` lists
    them all."""
    return _core.probe(src)


FITS = ("fill", "cover", "contain")
FILTERS = ("area", "bilinear", "bicubic", "lanczos")


def decode_image(src: Source, *, out=None, **options) -> memoryview:
    """Decodes an image into a new (or the given) buffer and returns a
    ``memoryview`` of shape ``(H, W, C)`` (``(H, W)`` for ``L``), format
    ``'B'`` (``'H'`` for 16-bit data), that owns its memory: ``view.obj`` is
    the exporter, which also says what the decoder knew (``view.obj.mode``,
    ``.icc`` and ``.exif``, the source's profile and EXIF bytes or None).

    - ``src``: a path, a contiguous bytes-like object, or a binary file object.
    - ``mode``: ``RGB``, ``BGR``, ``RGBA``, ``BGRA``, ``RGBX``, ``L``, ``LA``
      or ``CMYK``; ``None``: the file's own layout (grey ``L``, colour
      ``RGB``, CMYK ``CMYK``, with alpha ``LA``/``RGBA``).
    - ``dtype``: ``"uint8"``, ``"uint16"``, or what the codec gives besides
      (``formats()``' ``read_dtypes``: ``"float32"`` for JPEG XL, a TIFF's
      own sample type); one it cannot give is a ValueError. ``None``: the
      file's own depth for PNG and TIFF; uint8 for AVIF, JPEG XL and HEIF,
      as Pillow gives them (deeper samples need ``"uint16"``).
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
    return _core.decode_image(src, image_request(options), out)


def decode_frames(src: Source, **options) -> Tuple[memoryview, List[int]]:
    """Decodes every frame of an animation, composited as a viewer shows
    them, into one buffer: returns ``(view, durations_ms)``, the view shaped
    ``(T, H, W, C)`` (``(T, H, W)`` for ``L``) and the list of how long each
    frame shows in milliseconds. A still image is one frame of duration 0; a
    format without frames raises :class:`UnsupportedFormatError`.
    ``mode``, ``crop``, ``strict`` and ``allow_truncated`` as for
    :func:`decode_image`; ``max_pixels`` bounds all the frames together
    (T x H x W; default :data:`MAX_IMAGE_PIXELS`, ``None``: no limit).
    ``frames="raw"`` (GIF): each frame as stored instead, at its rectangle
    on a screen-sized frame of zeros, one stack so that each rectangle is a
    zero-copy slice; ``view.obj.frames`` gives the rectangles, disposals and
    palettes; with ``mode="P"`` the palette indices.
    """
    return _core.decode_frames(src, image_request(options, mode=None))
