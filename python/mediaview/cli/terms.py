"""The library's words in the command line's: the option an error names, as
the flag that sets it. Read from the fields the library's errors carry
(``.advice`` of a DecodeError or LimitError, ``.argument`` of a ValueError
or TypeError about one option), never parsed from their text."""

from __future__ import annotations

# What the command line offers instead of the API's way out, by option
# (read_audio's "read a range, stream it" is --start/--end here).
_TAILS = {"max_samples": " samples (convert a range with --start/--end, or raise the limit)"}


def flag(option: str) -> str:
    """The flag of a library option: allow_truncated is --allow-truncated."""
    return "--" + option.replace("_", "-")


def in_cli_terms(error: BaseException) -> str:
    """The error's message as the command line says it."""
    advice = getattr(error, "advice", None)
    if advice:
        value = "" if advice["value"] == "True" else " " + advice["value"]
        tail = _TAILS.get(advice["option"], advice["tail"])
        return f"{error.detail}{advice['lead']}{flag(advice['option'])}{value}{tail}"
    argument = getattr(error, "argument", None)
    if argument:
        return f"{flag(argument)}: {error}"
    return str(error)
