"""Reading the images no codec of ours reads, through Pillow.

The native core calls these functions (python/bindings/pillow_codec.cpp)
from its decode operations, as the last codec of its table, so every option
(mode, dtype, crop, size=, orient, max_pixels, out=, batches) means what it
means for our own codecs: this module only opens a file with Pillow (the
header, without decoding: the core checks max_pixels before any pixel is
decoded), then decodes one frame into one of the core's layouts. The core
copies those rows once into its own buffer, converting as asked.

Pillow's own decompression-bomb guard is left out (the plugins are opened
directly, as ``Image.open`` does after its checks): ``max_pixels`` governs.
Failures are raised as :class:`Unrecognised` (no Pillow plugin reads the
data), :class:`Damaged` or :class:`Unreadable`, with messages in the
library's words; the core turns them into its own errors.
"""

from __future__ import annotations

import io
import struct
import sys
import threading
from typing import Optional, Tuple

#: Pillow modes by the layout the core receives: (layout, 16-bit).
_LAYOUTS = {
    "1": ("L", False), "L": ("L", False), "LA": ("LA", False), "La": ("LA", False), "PA": ("RGBA", False),
    "RGB": ("RGB", False), "RGBX": ("RGB", False), "YCbCr": ("RGB", False), "LAB": ("RGB", False),
    "HSV": ("RGB", False), "RGBA": ("RGBA", False), "RGBa": ("RGBA", False), "CMYK": ("CMYK", False),
    "I;16": ("L", True), "I;16L": ("L", True), "I;16B": ("L", True), "I;16N": ("L", True), "I": ("L", True),
}
# What an exception raised while decoding means: the data ended too soon.
_TRUNCATION = (EOFError, struct.error, IndexError)


class Unrecognised(Exception):
    """No Pillow plugin recognises the data (the core's UnsupportedFormatError)."""


class Unreadable(Exception):
    """Pillow recognises the format but cannot read this file (UnsupportedFormatError)."""


class Damaged(Exception):
    """The file is damaged (the core's DecodeError)."""


class Limited(Exception):
    """A few Pillow readers (DCX pages, BLP, GBR, EPS) apply Pillow's own
    pixel limit while decoding, past our max_pixels check: the core's LimitError."""


def _bomb(im, error) -> Limited:
    return Limited(f"{im.format} image is above Pillow's own pixel limit (PIL.Image.MAX_IMAGE_PIXELS), "
                   f"which its reader applies: raise that limit to read it")


class _Span(io.RawIOBase):
    """A read-only raw file over the core's bytes, without copying them up
    front (``io.BytesIO`` would copy the whole file); buffered by
    :func:`_reader`, so that Pillow's small reads stay in C."""

    def __init__(self, data: memoryview):
        super().__init__()
        self._data = data
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._data))[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        start = min(self._pos, len(self._data))
        count = min(len(buffer), len(self._data) - start)
        memoryview(buffer).cast("B")[:count] = self._data[start:start + count]
        self._pos = start + count
        return count


def _reader(data: memoryview):
    return io.BufferedReader(_Span(data), 1 << 16)


def _plugins():
    from PIL import Image

    Image.init()
    return Image


def _readable_names(Image) -> list:
    """Pillow's formats that decode pixels (stubs need a handler the user
    installs, so they are left out)."""
    from PIL import ImageFile

    return [name for name in Image.ID if name in Image.OPEN
            and not (isinstance(Image.OPEN[name][0], type) and issubclass(Image.OPEN[name][0], ImageFile.StubImageFile))]


def _open(data: memoryview):
    """The image Pillow's plugins make of ``data`` (header only), as
    ``Image.open`` finds it but without its bomb check and its warnings."""
    Image = _plugins()
    fp = _reader(data)
    prefix = bytes(data[:16])
    refused = damaged = None
    for name in _readable_names(Image):
        factory, accept = Image.OPEN[name]
        if accept is not None:
            verdict = accept(prefix)
            if isinstance(verdict, str):
                refused = refused or name
                continue
            if not verdict:
                continue
        fp.seek(0)
        try:
            return factory(fp, "")
        except Image.DecompressionBombError:
            raise Limited(f"{name} image is above Pillow's own pixel limit (PIL.Image.MAX_IMAGE_PIXELS), "
                          f"which its reader applies: raise that limit to read it") from None
        except (SyntaxError, IndexError, TypeError, struct.error, EOFError, ValueError, OSError) as e:
            if accept is not None and damaged is None:
                # Its magic matched: that format, damaged, unless another plugin reads it.
                damaged = f"damaged {name} header ({_reason(e)})"
    if damaged:
        raise Damaged(damaged)
    if refused:
        raise Unreadable(f"{refused} images of this kind cannot be read here")
    raise Unrecognised("no image decoder recognises this data")


def _reason(error: BaseException) -> str:
    """What went wrong, in a few words of ours (Pillow's text is not shown)."""
    if isinstance(error, _TRUNCATION):
        return "it ends too soon"
    if isinstance(error, MemoryError):
        return "it asks for more memory than there is"
    return "its fields are inconsistent"


# The image the last sniff in this thread opened, for the decode that
# follows it (the core sniffs, then decodes the same bytes): one header
# parse instead of two. Keyed by the bytes' address and size; taken once.
_sniffed = threading.local()


def sniff(data: memoryview, key=None) -> bool:
    """Whether a Pillow plugin reads ``data`` (its first bytes suffice for most)."""
    _sniffed.image = None
    if not len(data):
        return False
    try:
        im = _open(data)
    except Unrecognised:
        return False
    except Exception:  # recognised but damaged or unreadable: the decode says how
        return True
    if key is not None:
        _sniffed.image = (key, im)
    return True


def _opened(data: memoryview, key):
    """The image sniff() opened on these bytes, now reading the new view of
    them (the sniff's view was released), else a fresh open."""
    found, _sniffed.image = getattr(_sniffed, "image", None), None
    if found is not None and key is not None and found[0] == key:
        im = found[1]
        im.fp.raw._data = data  # the same bytes, seen through the live view
        return im
    return _open(data)


def _layout(im) -> Tuple[str, bool]:
    if im.mode == "P":
        has_alpha = "transparency" in im.info or (im.palette is not None and im.palette.mode == "RGBA")
        return ("RGBA" if has_alpha else "RGB"), False
    found = _LAYOUTS.get(im.mode)
    if found is None:
        raise Unreadable(f"{im.format} images of Pillow mode {im.mode} cannot be read here")
    return found


def _icon_sizes(im):
    """An icon file's images as frames: the one Pillow opens first, then the
    others, largest first; None for other files."""
    ico = getattr(im, "ico", None)
    if ico is None or not callable(getattr(ico, "sizes", None)):
        return None
    first = tuple(im.size)
    return [first] + sorted((s for s in ico.sizes() if tuple(s) != first), key=lambda s: (s[0] * s[1], s), reverse=True)


def _frame_count(im) -> int:
    sizes = _icon_sizes(im)
    if sizes:
        return len(sizes)
    return max(1, int(getattr(im, "n_frames", 1) or 1))


def _go_to(im, frame: int) -> None:
    """Moves to ``frame``: an animation's frame, or an icon's k-th image."""
    from PIL import Image

    sizes = _icon_sizes(im)
    try:
        if sizes:
            im.size = sizes[frame]
        else:
            im.seek(frame)
    except Image.DecompressionBombError as e:
        raise _bomb(im, e) from None
    except _TRUNCATION + (ValueError, OSError, SyntaxError) as e:
        raise Damaged(f"damaged {im.format} data: frame {frame} cannot be reached ({_reason(e)})") from None


def _exif_of(im) -> bytes:
    exif = im.info.get("exif") or b""
    return exif[6:] if exif.startswith(b"Exif\0\0") else exif


def _orientation(exif: bytes) -> int:
    if not exif:
        return 1
    try:
        from PIL import Image

        tags = Image.Exif()
        tags.load(b"Exif\0\0" + exif)
        value = int(tags.get(0x0112, 1))
    except Exception:  # damaged EXIF: no orientation, as for our codecs
        return 1
    return value if 1 <= value <= 8 else 1


def open_image(data: memoryview, frame: int = 0, key=None):
    """The opened image at ``frame`` and its header as the core wants it:
    (image, format, description, width, height, layout, wide, orientation,
    icc, exif, dpi_x, dpi_y, frames, Pillow's mode)."""
    im = _opened(data, key)
    frames = _frame_count(im)
    if frame >= frames:
        im.close()
        raise IndexError(f"frame {frame} does not exist: the image has {frames} frame{'s' if frames > 1 else ''}")
    if frame:
        _go_to(im, frame)
    layout, wide = _layout(im)
    exif = _exif_of(im)
    dpi = im.info.get("dpi") or (0, 0)
    try:
        dpi_x, dpi_y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError):
        dpi_x = dpi_y = 0.0
    description = getattr(im, "format_description", None) or im.format
    return (im, im.format, description, im.width, im.height, layout, wide, _orientation(exif),
            im.info.get("icc_profile") or b"", exif, dpi_x, dpi_y, frames, im.mode)


def _converted(im, layout: str, wide: bool):
    """``im`` in a Pillow mode and raw mode whose bytes are the core's layout."""
    if wide:
        if im.mode == "I":
            im = im.convert("I;16")  # 32-bit grey: clipped to 0-65535
        return im, "I;16N"  # the machine's order, whatever the stored one
    if im.mode != layout:
        im = im.convert(layout)
    return im, layout


def load(im, layout: str, wide: bool, in_place: bool = False):
    """Decodes the frame ``im`` is at into the core's ``layout`` (``wide``:
    uint16 in the machine's order). Returns (pixels, truncated, image):
    ``pixels`` the rows as bytes, or, with ``in_place``, where the layout
    allows it and Pillow holds the rows in one block, Pillow's own memory as
    an Arrow C array capsule (4 bytes a pixel for its 3- and 4-channel modes:
    no extra copy); ``truncated`` a message when the file ends before the
    image does (the rows not in it are zero); ``image`` keeps the memory alive."""
    from PIL import Image

    truncated = None
    if not im.tile and getattr(im, "_im", None) is None:
        # A reader that only identifies the file (its size), without pixels.
        raise Unreadable(f"{im.format} files are identified by Pillow but their pixels cannot be decoded")
    try:
        im.load()
    except MemoryError:
        raise
    except Image.DecompressionBombError as e:
        raise _bomb(im, e) from None
    except _TRUNCATION + (OSError, ValueError, SyntaxError, TypeError) as e:
        if getattr(im, "_im", None) is None and getattr(im, "im", None) is None:
            raise Damaged(f"damaged {im.format} data ({_reason(e)})") from None
        if isinstance(e, OSError) and ("not available" in str(e) or "Unable to locate" in str(e)):
            raise Unreadable(f"{im.format} images need a program or library that Pillow did not find") from None
        if not (isinstance(e, _TRUNCATION) or "truncated" in str(e)):
            raise Damaged(f"damaged {im.format} data: its pixels cannot be decoded") from None
        truncated = f"truncated {im.format} data: the file ends before the image does; the rows not in it are zero"
        im.tile = []  # keep what was decoded: load() now only finishes (palette etc.)
        im.load()
    converted, rawmode = _converted(im, layout, wide)
    if in_place and (converted.mode != "I;16" or sys.byteorder == "little") and hasattr(converted, "__arrow_c_array__"):
        try:
            return converted.__arrow_c_array__()[1], truncated, converted
        except ValueError:  # rows in several blocks (a large image): packed bytes instead
            pass
    return converted.tobytes("raw", rawmode), truncated, converted


def frame_duration(im) -> int:
    """How long the current frame shows, in milliseconds (0: a still image)."""
    try:
        return max(0, int(round(float(im.info.get("duration", 0) or 0))))
    except (TypeError, ValueError):
        return 0


def seek(im, frame: int) -> None:
    _go_to(im, frame)


def loop_count(im) -> int:
    try:
        return max(0, int(im.info.get("loop", 0) or 0))
    except (TypeError, ValueError):
        return 0


def version() -> str:
    from PIL import __version__

    return __version__


def formats(native_names, native_extensions):
    """Pillow's readable formats that no codec of ours reads: (name,
    description, extensions, can_write), extensions lower case without the dot."""
    Image = _plugins()
    extensions = {}
    for ext, name in Image.registered_extensions().items():
        extensions.setdefault(name, []).append(ext.lstrip(".").lower())
    native_names = {n.lower() for n in native_names}
    found = []
    for name in _readable_names(Image):
        exts = sorted(e for e in extensions.get(name, []) if e not in native_extensions)
        if name.lower() in native_names or (extensions.get(name) and not exts):
            continue
        factory = Image.OPEN[name][0]
        description = getattr(factory, "format_description", None) or name
        found.append((name, description, exts, name in Image.SAVE))
    return found
