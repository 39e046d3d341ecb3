"""Argument checks shared by the wrappers, so that a wrong type is a
TypeError naming the argument and what it accepts (never pybind11's
"incompatible function arguments"), and a dtype is understood however numpy
users spell it ("float32", "f4", numpy.float32, numpy.dtype("float32"))."""

from __future__ import annotations

import math
import numbers
from typing import Iterable, Optional

#: numpy's names for the types a short code or a type object stands for.
_CODES = {"u1": "uint8", "u2": "uint16", "i2": "int16", "i4": "int32", "f4": "float32", "f8": "float64",
          "B": "uint8", "H": "uint16", "h": "int16", "i": "int32", "f": "float32", "d": "float64"}


def dtype_name(value, name: str, accepted: Iterable[str]) -> str:
    """The dtype ``value`` names, as numpy spells it, if it is one of
    ``accepted``; TypeError for something that is no dtype at all, ValueError
    (listing ``accepted``) for a dtype that is not taken here."""
    accepted = tuple(accepted)
    text = None
    if isinstance(value, str):
        text = _CODES.get(value.lstrip("<=|"), value)
    else:
        # numpy.float32, numpy.dtype("f4"), or anything with a .name
        # (numpy is an optional dependency: no import needed for this).
        candidate = getattr(value, "dtype", value)
        text = getattr(candidate, "name", None) if not isinstance(candidate, type) else None
        if isinstance(value, type):
            text = getattr(value, "__name__", None)
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a dtype name such as {accepted[0]!r} or a numpy dtype, "
                            f"not {type(value).__name__}")
    if text not in accepted:
        raise ValueError(f"{name} must be one of {', '.join(accepted)}, not {value!r}")
    return text


def text(value, name: str, choices: Optional[Iterable[str]] = None, *, none: bool = False) -> Optional[str]:
    """A str argument (or None when ``none``); ValueError outside ``choices``."""
    if value is None and none:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str{' or None' if none else ''}, not {type(value).__name__}")
    if choices is not None:
        choices = tuple(choices)
        if value not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def integer(value, name: str, *, none: bool = False) -> Optional[int]:
    """An int argument; an integral float (44100.0) is accepted, bool is not."""
    if value is None and none:
        return None
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not bool")
    if isinstance(value, numbers.Integral) or hasattr(value, "__index__"):
        return int(value.__index__()) if hasattr(value, "__index__") else int(value)
    if isinstance(value, numbers.Real):
        if not math.isfinite(value):
            raise ValueError(f"{name} {value!r} is out of range")
        if float(value).is_integer():
            return int(value)
    raise TypeError(f"{name} must be an integer{' or None' if none else ''}, not {value!r}")


def flag(value, name: str) -> bool:
    """A bool argument (numpy.bool_ too)."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise TypeError(f"{name} must be True or False, not {value!r}")


def text_mapping(value, name: str) -> dict:
    """A mapping of str to str (tags)."""
    if value is None:
        return {}
    if not hasattr(value, "items"):
        raise TypeError(f"{name} must be a mapping of str to str, not {type(value).__name__}")
    out = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise TypeError(f"{name} must map str to str, not {type(key).__name__} to {type(item).__name__}")
        out[key] = item
    return out
