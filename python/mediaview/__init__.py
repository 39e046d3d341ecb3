"""mediaview: decode images and audio straight into shaped, strided memoryviews."""

from ._core import (
    DecodeError,
    DecodeWarning,
    Error,
    LimitError,
    UnsupportedFormatError,
    decoders,
)

__version__ = "0.1.0"

__all__ = [
    "DecodeError",
    "DecodeWarning",
    "Error",
    "LimitError",
    "UnsupportedFormatError",
    "decoders",
]
