"""Encoding: JPEG through libjpeg-turbo (our encoder), other formats through
Pillow, every file written through a temporary file and a rename."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from . import _core
from ._atomic import atomic_output

SUBSAMPLINGS = ("444", "422", "420", "gray")

#: Output formats by file extension (lower case, no dot).
IMAGE_FORMATS = {
    "jpg": "JPEG", "jpeg": "JPEG", "jpe": "JPEG", "jfif": "JPEG",
    "png": "PNG", "webp": "WEBP", "tif": "TIFF", "tiff": "TIFF", "bmp": "BMP",
}
# Formats Pillow can store CMYK in (the rest get the CMYK image as RGB).
_PIL_CMYK_FORMATS = {"TIFF"}


def encode_jpeg(data, *, quality: int = 90, subsampling: str = "420", progressive: bool = False,
                mode: Optional[str] = None) -> bytes:
    """Encodes pixels as JPEG with libjpeg-turbo and returns the bytes.

    - ``data``: any buffer-protocol object (numpy array, memoryview from
      :func:`decode_image`, ...) of uint8 with shape ``(H, W)`` or
      ``(H, W, C)``, any strides. Rows whose pixels are adjacent are read in
      place (no copy); other layouts are packed a row at a time.
    - ``quality``: 1-100 (libjpeg's scale, as Pillow's ``quality``).
    - ``subsampling``: ``"444"``, ``"422"``, ``"420"`` or ``"gray"`` (store a
      colour image as grayscale). Ignored for ``L`` input (always gray).
    - ``progressive``: a progressive JPEG (libjpeg's standard scan script,
      optimised Huffman tables).
    - ``mode``: the channel layout of ``data``: ``L``, ``RGB``, ``BGR``,
      ``RGBA``, ``RGBX``, ``BGRA`` or ``CMYK``. By default ``L`` for 2-D data,
      ``RGB`` for 3 channels, ``RGBA`` for 4. JPEG has no alpha: the 4th byte of
      ``RGBA``/``BGRA`` is ignored. ``CMYK`` (0 = no ink, as
      :func:`decode_image` returns it) is stored as Adobe YCCK with inverted
      inks, the convention Adobe, Pillow and libjpeg-turbo readers expect.
    """
    if isinstance(quality, bool) or not isinstance(quality, int):
        raise TypeError(f"quality must be an int, not {type(quality).__name__}")
    if subsampling not in SUBSAMPLINGS:
        raise ValueError(f"subsampling must be one of {', '.join(SUBSAMPLINGS)}, not {subsampling!r}")
    return _core.encode_jpeg(data, quality, str(subsampling), bool(progressive), mode)


def image_format_for(path: "os.PathLike[str] | str", format: Optional[str] = None) -> str:
    """The Pillow-style format name ("JPEG", "PNG", ...) for ``format`` (a
    name or extension) or else ``path``'s extension; ValueError if unknown."""
    key = (format or Path(path).suffix.lstrip(".")).lower()
    if key in IMAGE_FORMATS:
        return IMAGE_FORMATS[key]
    names = {v.lower(): v for v in IMAGE_FORMATS.values()}
    if key in names:
        return names[key]
    raise ValueError(f"unknown image format {key or '(no extension)'!r} for {os.fspath(path)} "
                     f"(known: {', '.join(sorted(IMAGE_FORMATS))})")


def _pil_image(data, mode: Optional[str]):
    from ._pil import to_pil

    view = memoryview(data)
    if view.ndim == 3 and view.shape[2] == 1:
        view = view.cast("B", view.shape[:2]) if view.c_contiguous else memoryview(view.tobytes()).cast(
            "B", view.shape[:2])
    image = to_pil(view, mode)
    return image


def write_image(dst, data, *, format: Optional[str] = None, overwrite: bool = True, **options) -> None:
    """Writes pixels to ``dst`` (a path) through a temporary file beside it
    and a rename, so ``dst`` is either untouched or complete.

    JPEG (``.jpg``, ``.jpeg``, ...) goes through :func:`encode_jpeg`
    (options ``quality``, ``subsampling``, ``progressive``, ``mode``). PNG,
    WebP, TIFF and BMP go through Pillow, fed the view with :func:`to_pil`
    (mapped without a copy for L/RGBA/RGBX/CMYK contiguous data); ``mode``
    names the channel layout, every other option goes to Pillow's ``save``
    (e.g. ``compress_level``, ``lossless``, ``compression``). A CMYK image
    is stored as CMYK in TIFF and converted to RGB for PNG, WebP and BMP.
    ``format`` overrides the extension. With ``overwrite=False`` an existing
    ``dst`` raises FileExistsError and is never replaced.
    """
    fmt = image_format_for(dst, format)
    if fmt == "JPEG":
        encoded = encode_jpeg(data, **options)
        with atomic_output(dst, overwrite=overwrite) as f:
            f.write(encoded)
        return
    image = _pil_image(data, options.pop("mode", None))
    if image.mode == "CMYK" and fmt not in _PIL_CMYK_FORMATS:
        image = image.convert("RGB")
    with atomic_output(dst, overwrite=overwrite) as f:
        image.save(f, fmt, **options)
