"""Encoding: every format a codec in the table writes goes through that codec
(``_core.encode_image``); any other format Pillow knows goes through Pillow.
Every file is written through a temporary file and a rename."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Dict, Optional

from . import _args as args
from . import _core
from ._atomic import atomic_output
from ._limits import DEFAULT
from ._pil import save_checked
from ._view import described_value


def image_writers() -> Dict[str, dict]:
    """The formats our codecs write, by extension and by codec name."""
    writers = {}
    for f in _core.formats():
        # Formats read through Pillow are written through Pillow too (below).
        if f["kind"] == "image" and f["can_write"] and not f.get("via"):
            for key in [f["name"], *f["extensions"]]:
                writers.setdefault(key, f)
    return writers


def _pillow_formats() -> Dict[str, str]:
    """Pillow's writable formats by extension (no dot) and by name, lower case."""
    from PIL import Image

    Image.init()
    found = {ext.lstrip("."): name for ext, name in Image.registered_extensions().items() if name in Image.SAVE}
    found.update({name.lower(): name for name in Image.SAVE})
    return found


def pillow_extensions() -> list:
    """The extensions Pillow writes (no dot), for listings."""
    from PIL import Image

    Image.init()
    return sorted({ext.lstrip(".") for ext, name in Image.registered_extensions().items() if name in Image.SAVE})


def image_format_for(path: "os.PathLike[str] | str", format: Optional[str] = None) -> str:
    """The format key for ``format`` (a name or extension) or else ``path``'s
    extension: one of our codecs' names, or Pillow's format name; ValueError
    if neither writes it."""
    key = (format or Path(os.fsdecode(path)).suffix.lstrip(".")).lower()
    if format and path:
        name = image_format_for("", format)
        _check_extension_agrees(path, format, name)
        return name
    ours = image_writers()
    if key in ours:
        return ours[key]["name"]
    pillow = _pillow_formats()
    if key in pillow:
        return pillow[key]
    known = sorted(set(ours) | set(pillow_extensions()))
    raise ValueError(f"unknown image format {key or '(no extension)'!r} for {os.fspath(path)} "
                     f"(known: {', '.join(known)})")


def _check_extension_agrees(path, format: str, name: str) -> None:
    """The content written always matches the extension: ``format`` beside a
    path whose extension names another format (PNG into ``x.webp``, or into
    ``x.heic``, which is read but not written) is a ValueError. An extension
    no format knows (``x.bin``) takes any format."""
    ext = Path(os.fsdecode(path)).suffix.lstrip(".").lower()
    if not ext:
        return
    try:
        agrees = image_format_for("", ext) == name
    except ValueError:  # not written here: known only if some decoder reads it
        agrees = not any(ext in f["extensions"] for f in _core.formats() if f["kind"] == "image")
    if not agrees:
        error = ValueError(f"format={format!r} disagrees with the extension of {os.fspath(path)} "
                           "(the file would not hold what its name says): give one of them")
        error.argument = "format"  # as the core's argument errors name theirs
        raise error


def encode_image(data, format: str, *, mode: Optional[str] = None, icc: Optional[bytes] = None,
                 exif: Optional[bytes] = None, dpi: Optional[tuple] = None, **options) -> bytes:
    """Encodes pixels with the codec that writes ``format`` (a codec name or
    extension, see :func:`mediaview.formats`) and returns the bytes.

    ``data``: any buffer (numpy array, decoded view, ...) of shape ``(H, W)``
    or ``(H, W, C)``, any strides. ``mode`` names its channel layout; by
    default what a decoded view says (``view.obj.mode``), else ``L``, ``LA``,
    ``RGB`` or ``RGBA`` by channel count. ``icc`` and ``exif`` (the TIFF
    structure) and ``dpi`` (x, y) are stored where the format can when given (bytes encoded in
    memory carry no metadata unless asked; :func:`write_image` carries the
    view's). uint16 data for a codec that stores 8 bits (JPEG, WebP) is
    stored as its high bytes, the rounding of decoding with
    ``dtype="uint8"``. ``options`` are the codec's own (``formats()`` lists them);
    an unknown one, or a value of the wrong type, is a TypeError; a value out
    of range a ValueError.
    """
    if isinstance(data, str) and not isinstance(format, str):
        raise TypeError("encode_image(data, format): the pixels come first, then the format name "
                        f"(got the str {data!r} first)")
    if not isinstance(format, str):
        raise TypeError(f"format must be a str (a codec name or extension), not {type(format).__name__}")
    return _core.encode_image(format, data, described_value(data, "mode", mode), icc, exif,
                              None if dpi is None else (float(dpi[0]), float(dpi[1])), options)


def encode_jpeg(data, *, quality: int = 90, subsampling: str = "420", progressive: bool = False,
                mode: Optional[str] = None) -> bytes:
    """``encode_image(data, "jpeg", ...)``, kept by its first-round name.

    - ``quality``: 1-100 (libjpeg's scale, as Pillow's ``quality``).
    - ``subsampling``: ``"444"``, ``"422"``, ``"420"`` or ``"gray"`` (store a
      colour image as grayscale). Ignored for ``L`` input (always gray).
    - ``progressive``: a progressive JPEG (optimised Huffman tables).
    - ``mode``: ``L``, ``RGB``, ``BGR``, ``RGBA``, ``RGBX``, ``BGRA`` or
      ``CMYK``; by default what a decoded view says, else by channel count.
      JPEG has no alpha: the 4th byte of ``RGBA``/``BGRA`` is ignored.
      ``CMYK`` (0 = no ink) is stored as Adobe YCCK with inverted inks.
    """
    return encode_image(data, "jpeg", mode=mode, quality=quality, subsampling=subsampling, progressive=progressive)


def _eight_bit(view: memoryview) -> memoryview:
    """16-bit pixels as 8-bit: each value's high byte, the rounding of
    decoding 16-bit data with ``dtype="uint8"``."""
    raw = view.tobytes()
    return memoryview(raw[1::2] if sys.byteorder == "little" else raw[0::2]).cast("B", view.shape)


def _pil_image(data, mode: Optional[str]):
    from ._pil import to_pil

    view = memoryview(data)
    mode = described_value(data, "mode", mode)
    if view.format == "H" and view.ndim == 3 and view.shape[2] > 1:
        view = _eight_bit(view)  # Pillow holds 16 bits only as grey (I;16)
    if view.ndim == 3 and view.shape[2] == 1:
        view = view.cast("B", view.shape[:2]) if view.c_contiguous else memoryview(view.tobytes()).cast(
            "B", view.shape[:2])
    return to_pil(view, mode)


def _storable(data, mode: Optional[str], writer: dict):
    """(pixels, mode) the writer can store: ``data`` as it is when the writer
    stores its layout, else converted by Pillow (CMYK to RGB, BGR to RGB,
    ...) to the nearest layout it stores, as Pillow's own writers do."""
    mode = described_value(data, "mode", mode)
    if mode is None or mode in writer["modes"]:
        return data, mode
    image = _pil_image(data, mode)
    alpha = "A" in image.mode
    target = next(m for m in (image.mode, "RGBA" if alpha else "RGB", "RGB", "L") if m in writer["modes"])
    if image.mode != target:
        image = image.convert(target)
    width, height = image.size
    channels = len(image.getbands())
    shape = (height, width) if channels == 1 else (height, width, channels)
    return memoryview(image.tobytes()).cast("B", shape), target


def _pillow_candidates(data, image, mode: Optional[str]):
    """The image, then the nearest layouts that lose nothing but bits, for a
    format Pillow cannot store the image's own mode in: 16-bit grey as 8-bit
    (the high byte, as for our codecs), grey+alpha as RGBA, CMYK as RGB."""
    yield image
    if image.mode.startswith("I;16"):
        image = _pil_image(_eight_bit(memoryview(data)), mode)
        yield image
    if image.mode in ("LA", "PA"):
        yield image.convert("RGBA")
    if image.mode == "CMYK":
        yield image.convert("RGB")


def _keeps_16_bits(encoded: bytes) -> bool:
    """Whether Pillow reads 16-bit grey back from what it wrote: some of its
    writers clip I;16 to 8 bits (255) instead of refusing it."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(encoded)) as written:
            return written.mode in ("I;16", "I;16L", "I;16B", "I")
    except Exception:  # noqa: BLE001 - unreadable back: do not trust it with 16 bits
        return False


# What write_image passes to Pillow itself; a format that stores none of it ignores it.
_METADATA_OPTIONS = {"icc_profile", "exif", "dpi"}


def _pillow_bytes(data, fmt: str, mode: Optional[str], options: dict) -> bytes:
    image = _pil_image(data, mode)
    refusal = None
    for candidate in _pillow_candidates(data, image, mode):
        out = io.BytesIO()
        try:
            save_checked(candidate, out, fmt, options, _METADATA_OPTIONS)
            if candidate.mode.startswith("I;16") and not _keeps_16_bits(out.getvalue()):
                continue
            return out.getvalue()
        except (OSError, KeyError, ValueError) as e:
            # Pillow refuses a mode in several ways ("cannot write mode LA
            # as BMP", KeyError('LA'), "Cannot save LA images as PCX"), each
            # naming the mode; anything else is not about the layout.
            if candidate.mode not in str(e):
                raise
            refusal = refusal or e
    raise ValueError(f"{fmt} (written by Pillow) cannot store {image.mode} images, nor a layout converted from "
                     f"them without loss (Pillow: {refusal!r})")


def write_image(dst, data, *, format: Optional[str] = None, overwrite: bool = True, icc=DEFAULT, exif=DEFAULT,
                dpi=DEFAULT, **options) -> None:
    """Writes pixels to ``dst``, a path or a binary file object. A path is
    written through a temporary file beside it and a rename, so ``dst`` is
    either untouched or complete; a file object receives the finished bytes
    (``format`` is then required, as for :func:`write_audio`).

    A format one of our codecs writes (``mediaview.formats()``: JPEG, ...)
    goes through :func:`encode_image` with the codec's own options (e.g.
    ``quality``), the view's mode, ICC profile and EXIF carried over; a
    layout the format cannot store (CMYK or BGR in PNG) is converted by
    Pillow to the nearest one it stores (RGB); any
    other format Pillow writes (BMP, ...; TIFF where no codec of ours writes it) goes through Pillow, fed the
    view with :func:`to_pil`, every option going to Pillow's ``save`` (one
    that Pillow's writer does not read is a TypeError, not ignored); a CMYK
    image is converted to RGB for a format Pillow cannot store it in.
    ``mode`` names the channel layout (by default what the view says).
    16-bit pixels go to a format that stores 8 bits (JPEG, WebP, and
    Pillow's formats but 16-bit grey where Pillow keeps it) as their high bytes,
    the rounding of decoding with ``dtype="uint8"``; grey+alpha goes to a
    Pillow format without it (BMP) as RGBA.
    ``icc``, ``exif`` (the TIFF structure) and ``dpi`` (x, y) are written
    where the format stores them; by default those the decoded view carries (an oriented
    view's EXIF says orientation 1, so viewers do not rotate it again);
    ``None`` writes none. ``format`` names the format where the extension
    does not (a file object, ``x.bin``); one that disagrees with it is a
    ValueError. With
    ``overwrite=False`` an existing ``dst`` raises FileExistsError and is
    never replaced.
    """
    format = args.text(format, "format", none=True)
    to_file_object = hasattr(dst, "write") and not isinstance(dst, (str, bytes, os.PathLike))
    if to_file_object and format is None:
        raise ValueError("writing to a file object needs format=")
    fmt = image_format_for("" if to_file_object else dst, format)
    mode = args.text(options.pop("mode", None), "mode", none=True)
    icc = described_value(data, "icc") if icc is DEFAULT else icc
    exif = described_value(data, "exif") if exif is DEFAULT else exif
    dpi = described_value(data, "dpi") if dpi is DEFAULT else dpi
    writer = image_writers().get(fmt)
    if writer is not None:
        pixels, mode = _storable(data, mode, writer)
        encoded = encode_image(pixels, fmt, mode=mode, icc=icc, exif=exif, dpi=dpi, **options)
    else:
        metadata = {"icc_profile": icc} if icc else {}
        if exif:
            metadata["exif"] = b"Exif\0\0" + exif
        if dpi:
            metadata["dpi"] = tuple(dpi)
        encoded = _pillow_bytes(data, fmt, mode, {**metadata, **options})
    if to_file_object:
        dst.write(encoded)
        return
    with atomic_output(dst, overwrite=args.flag(overwrite, "overwrite")) as f:
        f.write(encoded)
