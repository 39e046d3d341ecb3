"""The colour options (colorspace=, intent=) as the native calls take them."""

from __future__ import annotations

from typing import Optional, Tuple, Union

INTENTS = ("perceptual", "relative", "saturation", "absolute")


def colour_argument(colorspace: Union[None, str, bytes, bytearray, memoryview],
                    intent: str = "relative") -> Optional[Tuple[Union[str, bytes], str]]:
    """None (the file's values), or (target, intent): target "srgb",
    "linear-srgb" or ICC profile bytes, checked by the core."""
    if intent not in INTENTS:
        raise ValueError(f"intent must be one of {', '.join(map(repr, INTENTS))}, not {intent!r}")
    if colorspace is None:
        return None
    if isinstance(colorspace, str):
        name = colorspace.lower()
        if name not in ("srgb", "linear-srgb"):
            raise ValueError(f"colorspace must be 'srgb', 'linear-srgb' or ICC profile bytes, not {colorspace!r}")
        return name, intent
    if isinstance(colorspace, (bytes, bytearray, memoryview)):
        return bytes(colorspace), intent
    raise TypeError(f"colorspace must be a str or ICC profile bytes, not {type(colorspace).__name__}")
