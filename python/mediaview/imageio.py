"""An imageio v3 plugin: ``imageio.v3.imread(uri, plugin="mediaview")``.

``import mediaview.imageio`` registers the plugin under the name
``"mediaview"`` and puts it first for every extension a mediaview codec
reads (``mediaview.formats()``: JPEG, PNG, WebP, ...), so plain
``iio.imread("photo.jpg")`` uses it; :func:`register` does the same with
``first=False`` to add it without changing the order. Files it cannot read
fall through to imageio's other plugins (an ``InitializationError``).

It implements the v3 plugin API (``imageio.core.v3_plugin_api.PluginV3``):
``read``, ``iter``, ``properties``, ``metadata``, ``write``. Arrays share
the decoded memory (no copy) and keep the file's own layout and depth by
default (grey ``(H, W)``, RGBA 4 channels, 16-bit PNG uint16), as imageio's
Pillow plugin does; every option of :func:`mediaview.decode_image`
(``mode=``, ``size=``, ``orient=`` (alias ``rotate=``), ``dtype=``...) can be
passed to ``imread``/``read``. Writing goes through
:func:`mediaview.write_image`: our codecs for their formats, Pillow for the
rest, one image per file.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Optional, Union

import numpy as np

try:
    from imageio.config import known_extensions, known_plugins
    from imageio.config.extensions import FileExtension
    from imageio.config.plugins import PluginConfig
    from imageio.core.request import URI_BYTES, URI_FILENAME, InitializationError, IOMode, Request
    from imageio.core.v3_plugin_api import ImageProperties, PluginV3
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError("mediaview.imageio needs imageio: pip install 'mediaview[imageio]'") from e

from . import _batch, _core
from ._encode import image_format_for
from ._image import MinSize, decode_frames, decode_image, probe

__all__ = ["MediaviewPlugin", "register", "read_extensions"]

PLUGIN_NAME = "mediaview"
# decode_frames' options: an animation read with only these is decoded in one pass.
_FRAMES_OPTIONS = {"mode", "crop", "strict", "allow_truncated", "max_pixels"}


def read_extensions() -> List[str]:
    """The extensions (with the dot) a mediaview image codec reads (those read
    only through Pillow are left to imageio's own Pillow plugin)."""
    found = {f".{ext}" for f in _core.formats() if f["kind"] == "image" and f["can_read"] and not f.get("via")
             for ext in f["extensions"]}
    return sorted(found)


def _decode_options(options: dict) -> dict:
    """The plugin's defaults (the file's own layout and depth) and imageio's name ``rotate``."""
    options = {"mode": None, "dtype": None, **options}
    if "rotate" in options:
        options["orient"] = options.pop("rotate")
    return options


class MediaviewPlugin(PluginV3):
    """The ImageResource of ``request`` through mediaview's decoders and writers."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self._source: Any = None
        self._info = None
        self._durations: Optional[list] = None
        self._description: Optional[object] = None
        if request.mode.io_mode == IOMode.read:
            self._open_for_reading()
        else:
            self._format = None
            extension = request.extension or request.format_hint
            if extension is not None:
                try:
                    self._format = image_format_for("", extension.lstrip("."))
                except ValueError as e:
                    raise InitializationError(f"mediaview cannot write {extension} files: {e}") from None

    def _open_for_reading(self) -> None:
        request = self.request
        if request._uri_type == URI_FILENAME:
            self._source = request.get_local_filename()  # the path itself: our decoder reads it
        else:
            file = request.get_file()
            start = file.tell() if file.seekable() else 0
            self._source = file.read()
            if file.seekable():
                file.seek(start)  # the next plugin tried gets the file as it was
        try:
            self._info = probe(self._source)
        except _core.Error as e:
            raise InitializationError(f"mediaview cannot read this resource: {e}") from None

    # ---- frames and indices ----------------------------------------------------------

    @property
    def _frames(self) -> int:
        return int(self._info.as_dict().get("frames") or 1)

    def _resolve(self, index) -> Union[int, type(Ellipsis)]:
        """imageio's index: None lets the plugin decide (every frame of an
        animation, as the Pillow plugin does for GIF/APNG; else the first)."""
        if index is None:
            return Ellipsis if self._frames > 1 else 0
        if index is Ellipsis:
            return index
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an int, ... or None, not {type(index).__name__}")
        index = int(index)
        if not 0 <= index < self._frames:
            raise ValueError(f"index {index} is out of range: the image has {self._frames} frame(s)")
        return index

    # ---- reading -------------------------------------------------------------------------

    def read(self, *, index: Optional[int] = None, **options) -> np.ndarray:
        """The ``index``-th image ``(H, W[, C])``; ``index=...`` every frame
        stacked ``(T, H, W[, C])`` (a still image is one frame); ``None``:
        every frame of an animation, else the first. ``options``:
        :func:`mediaview.decode_image`'s. The array shares the decoded memory."""
        index = self._resolve(index)
        if index is Ellipsis:
            return np.stack(list(self.iter(**options))) if self._frames > 1 else self._decode(0, options)[None]
        return self._decode(index, options)

    def _decode(self, index: int, options: dict) -> np.ndarray:
        view = decode_image(self._source, frame=index, **_decode_options(options))
        self._description = view.obj
        return np.asarray(view)

    def iter(self, **options) -> Iterator[np.ndarray]:
        """Every frame in order (one for a still image). An animation read
        with decode_frames' options only is decoded in one pass."""
        options = _decode_options(options)
        if self._frames > 1 and set(options) - {"dtype"} <= _FRAMES_OPTIONS and options["dtype"] is None:
            options.pop("dtype")
            frames, self._durations = decode_frames(self._source, **options)
            yield from np.asarray(frames)
            return
        for index in range(self._frames):
            yield self._decode(index, options)

    def properties(self, index: Optional[int] = None, **options) -> ImageProperties:
        """Shape and dtype of what ``read(index=index, **options)`` returns,
        from the headers alone (no pixel is decoded)."""
        index = self._resolve(index)
        options = _decode_options(options)
        plan = _batch.plan_images([self._source], threads=1, **options)[0]
        if isinstance(plan, BaseException):
            raise plan
        shape, dtype = plan
        if index is Ellipsis:
            return ImageProperties(shape=(self._frames, *shape), dtype=np.dtype(dtype), n_images=self._frames,
                                   is_batch=True)
        return ImageProperties(shape=tuple(shape), dtype=np.dtype(dtype))

    def metadata(self, index: Optional[int] = None, exclude_applied: bool = True, **options) -> Dict[str, Any]:
        """What the headers say (``mediaview.probe(...).as_dict()``: format,
        width, height, colorspace, subsampling, precision, frames...), plus
        ``mode`` (the layout read returns by default), ``shape`` ((width,
        height), as the Pillow plugin's), ``Orientation`` (the
        EXIF tag, unless ``exclude_applied`` and ``orient=True``/``rotate=True``
        is passed, as read would apply it) and, where the file has them,
        ``icc_profile``, ``exif`` (``b"Exif\\0\\0"`` + TIFF structure, as
        Pillow's), ``dpi``; for an animation ``loop`` and ``duration`` (ms: the
        frame's, or the list for ``index=...``). ``index=...`` is the file's
        global metadata."""
        index = self._resolve(index)
        applied_orientation = bool(_decode_options(options).get("orient", False))
        meta = dict(self._info.as_dict())
        meta["mode"] = self._default_mode()
        meta["shape"] = (meta["width"], meta["height"])  # the Pillow plugin's key (PIL's size)
        if not (exclude_applied and applied_orientation):
            meta["Orientation"] = meta["orientation"]
        else:
            meta.pop("orientation", None)
        owner = self._described()
        if owner.icc:
            meta["icc_profile"] = owner.icc
        if owner.exif:
            meta["exif"] = b"Exif\0\0" + owner.exif
        if owner.dpi:
            meta["dpi"] = owner.dpi
        if self._frames > 1:
            meta["loop"] = meta.get("loop_count", 0)
            durations = self._frame_durations()
            meta["duration"] = list(durations) if index is Ellipsis else durations[index]
        return meta

    def _default_mode(self) -> str:
        plan = _batch.plan_images([self._source], threads=1, mode=None, dtype=None)[0]
        if isinstance(plan, BaseException):
            raise plan
        channels = 1 if len(plan[0]) == 2 else plan[0][2]
        if channels == 4 and self._info.colorspace == "CMYK":
            return "CMYK"
        return {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels]

    def _described(self):
        """An exporter that carries the file's ICC, EXIF and DPI: read's,
        else a decode at the smallest scale the codec offers."""
        if self._description is None:
            scaled = self._frames == 1 and any(
                f["name"] == self._info.format.lower() and f.get("scales") for f in _core.formats())
            view = decode_image(self._source, mode=None, dtype=None, scale=MinSize(1, 1) if scaled else None)
            self._description = view.obj
        return self._description

    def _frame_durations(self) -> list:
        if self._durations is None:
            _, self._durations = decode_frames(self._source)
        return self._durations

    # ---- writing ---------------------------------------------------------------------------

    def write(self, ndimage, *, format: Optional[str] = None, **options) -> Optional[bytes]:
        """Writes one image ``(H, W[, C])`` with :func:`mediaview.write_image`
        (``options``: the codec's, e.g. ``quality``; or Pillow's for formats
        our codecs do not write). A list of one image, or a batch of one
        ``(1, H, W[, C])``, is that image; more than one is a ValueError:
        mediaview writes no multi-image files. Returns the bytes when the
        target is ``"<bytes>"``."""
        image = self._single_image(ndimage)
        fmt = image_format_for("", format) if format is not None else self._format
        if fmt is None:
            raise ValueError("mediaview cannot tell the format to write: give the file an extension, "
                             "or pass extension= to imwrite (or format= to write)")
        from ._encode import write_image

        request = self.request
        if request._uri_type == URI_FILENAME:
            write_image(request.get_local_filename(), image, format=fmt, **options)
            return None
        write_image(request.get_file(), image, format=fmt, **options)
        return request.get_file().getvalue() if request._uri_type == URI_BYTES else None

    @staticmethod
    def _single_image(ndimage) -> np.ndarray:
        if isinstance(ndimage, (list, tuple)):
            if len(ndimage) != 1:
                raise ValueError(f"mediaview writes one image per file, not {len(ndimage)}")
            ndimage = ndimage[0]
        image = np.asarray(ndimage)
        if image.ndim == 4:
            if image.shape[0] != 1:
                raise ValueError(f"mediaview writes one image per file, not a batch of {image.shape[0]}")
            image = image[0]
        if image.ndim not in (2, 3):
            raise ValueError(f"an image is (H, W) or (H, W, C), not shape {image.shape}")
        return image


def register(first: bool = True) -> None:
    """Registers the plugin with imageio as ``"mediaview"``; ``first``: also
    the first choice for every extension we read (and the first plugin tried
    for resources without one). Idempotent."""
    known_plugins[PLUGIN_NAME] = PluginConfig(name=PLUGIN_NAME, class_name="MediaviewPlugin",
                                              module_name="mediaview.imageio")
    if first:
        others = [(k, v) for k, v in known_plugins.items() if k != PLUGIN_NAME]
        ours = known_plugins[PLUGIN_NAME]
        known_plugins.clear()
        known_plugins[PLUGIN_NAME] = ours
        known_plugins.update(others)
    for extension in read_extensions():
        formats = known_extensions.setdefault(extension, [])
        if not formats:
            formats.append(FileExtension(extension=extension, priority=[]))
        for file_format in formats:
            if PLUGIN_NAME in file_format.priority:
                if not first:
                    continue
                file_format.priority.remove(PLUGIN_NAME)
            if first:
                file_format.priority.insert(0, PLUGIN_NAME)
            else:
                file_format.priority.append(PLUGIN_NAME)


register()
