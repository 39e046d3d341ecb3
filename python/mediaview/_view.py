"""What a decoded view says of itself: its exporter (``view.obj``) carries
the mode, samplerate, ICC profile and EXIF the decoder found, so writers
read them when the caller does not pass them. A plain numpy array or any
other buffer says nothing, and then the caller's arguments (or defaults)
apply."""

from __future__ import annotations

from typing import Optional

from . import _core


def described(data) -> Optional[object]:
    """The mediaview exporter behind ``data`` (a view decode_image or
    read_audio returned, or a memoryview of one), else None."""
    owner = data.obj if isinstance(data, memoryview) else data
    return owner if isinstance(owner, _core.BufferExporter) else None


def described_value(data, name: str, given=None):
    """``given`` when the caller passed it, else what the view says."""
    if given is not None:
        return given
    owner = described(data)
    return getattr(owner, name) if owner is not None else None
