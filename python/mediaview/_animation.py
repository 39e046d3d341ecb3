"""Writing animations: the frames and durations :func:`decode_frames` gives,
to a format that stores an animation (WebP, GIF, APNG, AVIF), through
Pillow's multi-frame writers; through a temporary file and a rename, as
every output."""

from __future__ import annotations

import functools
import io
import os
from typing import Optional, Sequence

from . import _args as args
from ._atomic import atomic_output
from . import _core
from ._encode import image_format_for, image_writers
from ._limits import DEFAULT
from ._pil import save_checked, to_pil
from ._view import described_value

# Options only Pillow's multi-frame writers read (frame disposal, blending).
_ANIMATION_OPTIONS = {"disposal", "blend", "default_image", "background", "duration", "loop", "minimize_size",
                      "kmin", "kmax", "allow_mixed"}


@functools.lru_cache(maxsize=None)
def animation_formats() -> frozenset:
    """The format names (upper case) :func:`write_frames` writes here: those
    whose Pillow multi-frame writer keeps frames with their durations, found
    by writing a two-frame animation and reading it back (a multi-page
    format keeps the frames but no durations, and is not an animation)."""
    from PIL import Image

    Image.init()
    found = set()
    frames = [Image.new("RGB", (4, 4), colour) for colour in ("red", "blue")]
    for name in Image.SAVE_ALL:
        out = io.BytesIO()
        try:
            frames[0].save(out, name, save_all=True, append_images=frames[1:], duration=[70, 90], loop=0)
            with Image.open(io.BytesIO(out.getvalue())) as back:
                back.seek(1)
                back.load()  # some readers set the duration as they load the frame
                if back.info.get("duration") == 90:
                    found.add(name.upper())
        except Exception:  # noqa: BLE001 - a writer that cannot do it is not one
            continue
    return frozenset(found)


@functools.lru_cache(maxsize=None)
def _pillow_page_formats() -> frozenset:
    """The format names (upper case) whose Pillow multi-frame writer keeps
    every frame as a page, without durations (not an animation), found by
    writing two pages and reading them back."""
    from PIL import Image

    Image.init()
    found = set()
    for name in set(Image.SAVE_ALL) - set(animation_formats()):
        out = io.BytesIO()
        pages = [Image.new("L", (4, 4), value) for value in (10, 200)]  # new ones: a writer may leave state on them
        try:
            pages[0].save(out, name, save_all=True, append_images=pages[1:])
            with Image.open(io.BytesIO(out.getvalue())) as back:
                back.seek(1)
                if back.convert("L").getpixel((0, 0)) == 200:
                    found.add(name.upper())
        except Exception:  # noqa: BLE001 - a writer that cannot do it is not one
            continue
    return frozenset(found)


def writes_pages(fmt: str) -> bool:
    """Whether several images go to one ``fmt`` file (a name from
    :func:`image_format_for`) as pages: our codec's writer where it says
    ``pages`` in ``formats()``, else Pillow's multi-page writer where no
    codec of ours writes ``fmt`` (the wheel, built without libtiff)."""
    writer = image_writers().get(fmt)
    if writer is not None:
        return bool(writer.get("pages"))
    return fmt.upper() in _pillow_page_formats()


def stores_pages(path_or_format: "os.PathLike[str] | str", format: Optional[str] = None) -> bool:
    """Whether the format of ``path_or_format`` (or ``format``) stores several pages (TIFF)."""
    try:
        return writes_pages(image_format_for(path_or_format, format))
    except ValueError:
        return False


def stores_animation(path_or_format: "os.PathLike[str] | str", format: Optional[str] = None) -> bool:
    """Whether the format of ``path_or_format`` (or ``format``) stores an animation."""
    try:
        return image_format_for(path_or_format, format).upper() in animation_formats()
    except ValueError:
        return False


def _write(dst, to_file_object: bool, encoded: bytes, overwrite) -> None:
    if to_file_object:
        dst.write(encoded)
        return
    with atomic_output(dst, overwrite=args.flag(overwrite, "overwrite")) as f:
        f.write(encoded)


def _page_bytes(frames, fmt: str, mode: Optional[str], metadata: dict, options: dict) -> bytes:
    """The frames as the pages of one file: our codec's encode_pages (a
    block or a list of images, any dtype it stores, no copy of a block), or
    Pillow's multi-page TIFF writer where no codec of ours writes TIFF."""
    if fmt in image_writers():
        return _core.encode_pages(fmt, frames, mode, metadata.get("icc"), metadata.get("exif"),
                                  None if not metadata.get("dpi") else tuple(float(d) for d in metadata["dpi"]),
                                  options)
    view = memoryview(frames) if not isinstance(frames, (list, tuple)) else None
    pages = frames if view is None else _frame_views(view)
    images = [to_pil(memoryview(p), mode) for p in pages]
    save_checked(images[0], io.BytesIO(), fmt, options, set())
    out = io.BytesIO()
    images[0].save(out, fmt, save_all=True, append_images=images[1:], **options)
    return out.getvalue()


def _frame_views(view: memoryview) -> list:
    """Each frame of an (N, ...) view as its own view. memoryview cannot
    index a frame out of an N-d view: one copy, then flat slices."""
    flat = memoryview(view.tobytes() if not view.c_contiguous else view.cast("B"))
    size = len(flat) // view.shape[0]
    return [flat[i * size:(i + 1) * size].cast(view.format if view.format in "BHf" else "B", view.shape[1:])
            for i in range(view.shape[0])]


def write_frames(dst, frames, durations: Optional[Sequence[int]] = None, *, format: Optional[str] = None,
                 loop: int = 0, overwrite: bool = True, mode: Optional[str] = None, icc=DEFAULT, exif=DEFAULT,
                 dpi=DEFAULT, **options) -> None:
    """Writes an animation: ``frames`` of shape ``(N, H, W)`` or ``(N, H, W,
    C)`` (what :func:`decode_frames` returns), each shown ``durations[i]``
    milliseconds, repeated ``loop`` times (0: for ever). ``dst`` is a path
    (written through a temporary file and a rename) or a binary file object
    (then ``format`` is required). The format must store animations (WebP,
    GIF, APNG as ``.png``, AVIF where Pillow writes it) or pages (TIFF):
    another is a ValueError, never a silent first frame. ``options`` go to
    the writer (Pillow's: ``quality``, ``lossless``, ...; TIFF's:
    ``compression``, ``compress_level``, ``predictor``); one it does not
    read is a TypeError.

    TIFF stores each frame as a page (one IFD each) with the frames' own
    element type (uint8, uint16, float32, ...), and no durations or loop
    count (``durations`` may be None); ``frames`` may also be a list of
    ``(H, W[, C])`` images of different sizes. ``icc``, ``exif`` (its
    orientation) and ``dpi`` go to every page, by default those the view
    carries (``None``: none).
    """
    format = args.text(format, "format", none=True)
    to_file_object = hasattr(dst, "write") and not isinstance(dst, (str, bytes, os.PathLike))
    if to_file_object and format is None:
        raise ValueError("writing to a file object needs format=")
    fmt = image_format_for("" if to_file_object else dst, format)
    if writes_pages(fmt):
        # Pages (TIFF) store no durations or loop count: they are not checked beyond their number.
        count = len(frames) if isinstance(frames, (list, tuple)) else memoryview(frames).shape[0]
        if durations is not None and len(durations) != count:
            raise ValueError(f"{count} frames but {len(durations)} durations")
        mode = described_value(frames, "mode", mode)
        metadata = {name: described_value(frames, name) if value is DEFAULT else value
                    for name, value in (("icc", icc), ("exif", exif), ("dpi", dpi))}
        _write(dst, to_file_object, _page_bytes(frames, fmt, mode, metadata, options), overwrite)
        return
    fmt = fmt.upper()
    if durations is None:
        raise ValueError(f"{fmt} stores an animation: durations (ms, one per frame) are needed")
    if fmt not in animation_formats():
        raise ValueError(f"{fmt} stores no animation (formats that do: {', '.join(sorted(animation_formats()))}): "
                         "write one frame with write_image")
    view = memoryview(frames)
    if view.ndim not in (3, 4) or view.shape[0] < 1:
        raise ValueError(f"frames must have shape (N, H, W) or (N, H, W, C) with N >= 1, not {view.shape}")
    durations = [int(d) for d in durations]
    if len(durations) != view.shape[0]:
        raise ValueError(f"{view.shape[0]} frames but {len(durations)} durations")
    mode = described_value(frames, "mode", mode)
    if view.format == "H":
        raise ValueError("animations are written 8 bits a channel: decode the frames with dtype='uint8'")
    images = [to_pil(frame, mode) for frame in _frame_views(view)]
    loop = args.integer(loop, "loop")
    # Pillow's multi-frame writers walk all their options (so a misspelt
    # one cannot be caught there): the options are first given to the
    # single-frame writer of the same format, which reads them one by one.
    save_checked(images[0], io.BytesIO(), fmt, options, _ANIMATION_OPTIONS)
    out = io.BytesIO()
    images[0].save(out, fmt, save_all=True, append_images=images[1:], duration=durations, loop=loop, **options)
    _write(dst, to_file_object, out.getvalue(), overwrite)
