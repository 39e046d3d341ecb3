"""Handing decoded views to Pillow."""

from __future__ import annotations

import sys

from ._view import described_value

# Pillow modes whose memory layout Pillow can map in place (Image._MAPMODES):
# for these, to_pil() shares the view's memory instead of copying it.
_SHARED = {("L", 1): "L", ("RGBA", 4): "RGBA", ("RGBX", 4): "RGBX", ("CMYK", 4): "CMYK"}
# Layouts Pillow has no in-memory mode for: decoded through a raw mode (a copy).
_COPIED = {("RGB", 3): ("RGB", "RGB"), ("BGR", 3): ("RGB", "BGR"), ("BGRA", 4): ("RGBA", "BGRA"),
           ("LA", 2): ("LA", "LA")}


def to_pil(view: memoryview, mode: str | None = None):
    """Returns a ``PIL.Image.Image`` of a decoded image view.

    ``mode`` names the channel layout of ``view``; by default what a decoded
    view says of itself (``view.obj.mode``: a BGR or CMYK decode is handed
    over as such), else ``L`` for 2-D views, ``LA`` for 2 channels, ``RGB``
    for 3 and ``RGBA`` for 4 (pass ``RGBX``, ``CMYK``, ``BGR`` or ``BGRA``
    for those layouts of a plain array).

    A 16-bit grey view (format ``H``, e.g. a 16-bit PNG) becomes Pillow mode
    ``I;16`` (shared when C-contiguous); Pillow has no 16-bit colour mode.

    Shared, no copy: ``L``, ``RGBA``, ``RGBX`` and ``CMYK`` views that are
    C-contiguous; the image keeps the view alive and writes through the view
    show in the image. Copied: ``RGB`` (Pillow stores RGB as 4 bytes a pixel,
    so it cannot map 3-byte pixels), ``BGR``/``BGRA`` (converted while
    copying), and any non-contiguous view (e.g. one made with ``orient=True``).
    """
    from PIL import Image

    mode = described_value(view, "mode", mode)
    view = memoryview(view)
    if view.format == "H":
        return _grey16_to_pil(view, mode)
    if view.ndim not in (2, 3) or view.format != "B":
        raise ValueError("to_pil expects a uint8 view of shape (H, W) or (H, W, C)")
    channels = 1 if view.ndim == 2 else view.shape[2]
    if mode is None:
        mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}.get(channels)
        if mode is None:
            raise ValueError(f"no default Pillow mode for {channels} channels")
    key = (mode, channels)
    size = (view.shape[1], view.shape[0])
    if key == ("P", 1):  # palette indices (GIF, palette TIFF): a copy, with view.obj.palette
        return _palette_to_pil(view, size)
    if key in _SHARED and view.c_contiguous:
        pil_mode = _SHARED[key]
        return Image.frombuffer(pil_mode, size, view, "raw", pil_mode, 0, 1)
    if key in _SHARED:
        return Image.frombytes(_SHARED[key], size, view.tobytes())
    if key in _COPIED:
        pil_mode, raw_mode = _COPIED[key]
        return Image.frombytes(pil_mode, size, view.tobytes(), "raw", raw_mode)
    raise ValueError(f"mode {mode!r} does not fit a view with {channels} channels")


def _palette_to_pil(view: memoryview, size):
    from PIL import Image

    image = Image.frombytes("P", size, view.tobytes())
    palette = getattr(view.obj, "palette", None)
    if palette is not None:
        entries = memoryview(palette)
        image.putpalette(entries.tobytes(), "RGBA" if entries.shape[1] == 4 else "RGB")
    return image


def _grey16_to_pil(view: memoryview, mode: str | None):
    from PIL import Image

    if view.ndim not in (2, 3) or (view.ndim == 3 and view.shape[2] != 1) or mode not in (None, "L"):
        raise ValueError("Pillow holds 16-bit data only as grey (I;16): expected a uint16 view of shape (H, W)")
    size = (view.shape[1], view.shape[0])
    # I;16 is little-endian in Pillow; the view is in native order.
    pil_mode = "I;16" if sys.byteorder == "little" else "I;16B"
    if view.c_contiguous:
        return Image.frombuffer(pil_mode, size, view, "raw", pil_mode, 0, 1)
    return Image.frombytes(pil_mode, size, view.tobytes())


class _ReadKeys(dict):
    """A dict that remembers which keys were looked at. Pillow's writers
    read their options from ``im.encoderinfo``; an option none of them read
    was not used, and is refused rather than dropped in silence."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set = set()
        self.listed = False

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)

    def pop(self, key, *default):
        self.read.add(key)
        return super().pop(key, *default)

    def setdefault(self, key, default=None):
        self.read.add(key)
        return super().setdefault(key, default)

    def _all(self):  # a writer that walks every option uses them all, as far as we can tell
        self.listed = True

    def keys(self):
        self._all()
        return super().keys()

    def items(self):
        self._all()
        return super().items()

    def __iter__(self):
        self._all()
        return super().__iter__()

    def copy(self):
        self._all()
        return super().copy()


def save_checked(image, out, fmt: str, options: dict, ours: set) -> None:
    """``image.save(out, fmt, **options)``, refusing with a TypeError any
    option of ``options`` that Pillow's writer for ``fmt`` did not read
    (``ours``: the keys we add ourselves, icc_profile, exif, dpi, which a
    writer may ignore where the format stores no such thing)."""
    seen = []
    cls = type(image)

    class Tracked(cls):  # encoderinfo is assigned by Image.save: wrap what it assigns
        @property
        def encoderinfo(self):
            try:
                return self.__dict__["encoderinfo"]
            except KeyError:
                raise AttributeError("encoderinfo") from None

        @encoderinfo.setter
        def encoderinfo(self, value):
            if not isinstance(value, _ReadKeys):  # a fresh dict of options, not one handed back
                value = _ReadKeys(value)
                seen.append(value)
            self.__dict__["encoderinfo"] = value

    image.__dict__.pop("encoderinfo", None)  # a previous save's options are not this one's
    image.__class__ = Tracked
    try:
        image.save(out, fmt, **options)
    finally:
        image.__class__ = cls
    if any(d.listed for d in seen):
        return
    read = set().union(*(d.read for d in seen)) if seen else set()
    unused = sorted(set(options) - read - ours - {"save_all", "append_images"})
    if unused:
        raise TypeError(f"{fmt} (written by Pillow) takes no option {', '.join(map(repr, unused))}")
