"""What an input is, from its content: image, audio, or a file no decoder
reads, named by what it is ("a PDF document", "a text file") so that the
user learns why it was not converted."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import mediaview

from .options import AUDIO_INPUTS, HAS_AUDIO, IMAGE_INPUTS

# Enough for every sniffer, and for telling text from binary data.
HEAD_BYTES = 4096

# Signatures of common files that are not media mediaview reads, by what a
# user would call them. Checked only after every decoder has declined the
# bytes, so a format a decoder reads is never described by this list.
_SIGNATURES = [
    (0, b"%PDF-", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (0, b"PK\x05\x06", "a ZIP archive (or an office document)"),
    (0, b"\x1f\x8b", "a gzip archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!", "a RAR archive"),
    (0, b"\x7fELF", "a program (ELF executable)"),
    (0, b"MZ", "a Windows program"),
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"BM", "a BMP image"),
    (0, b"\x00\x00\x01\x00", "an icon (ICO)"),
    (0, b"8BPS", "a Photoshop document"),
    (0, b"\x1aE\xdf\xa3", "a Matroska/WebM file"),
    (4, b"ftyp", "an MP4/QuickTime file"),
    (8, b"AVI ", "an AVI video"),
    (0, b"OggS", "an Ogg stream"),
    (0, b"SQLite format 3\x00", "an SQLite database"),
]


def _read_head(path: Path) -> Optional[bytes]:
    try:
        with open(path, "rb") as f:
            return f.read(HEAD_BYTES)
    except OSError:
        return None


def describe(head: bytes) -> str:
    """What bytes no decoder recognises are, in a user's words."""
    if not head:
        return "an empty file"
    for offset, magic, what in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            if magic == b"ftyp":
                brand = head[8:12].decode("ascii", "replace").strip()
                return f"{what} (brand {brand!r})" if brand else what
            return what
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "a text file"
        except UnicodeDecodeError as e:
            if e.start >= len(head) - 3:  # a character cut at the end of the head
                return "a text file"
    return "data of no known format"


def classify(path: Path) -> Tuple[Optional[str], str]:
    """(kind, what): kind is 'image' or 'audio' for a file a decoder takes
    (by its content, else by a media extension: a damaged file is the
    decoder's to report), None for anything else, with ``what`` saying what
    the file is."""
    head = _read_head(path)
    ext = path.suffix.lstrip(".").lower()
    if head is None:  # unreadable: the decoder reports the real problem
        return ("audio" if ext in AUDIO_INPUTS and HAS_AUDIO else "image"), "unreadable"
    known = mediaview.sniff(head[:64])
    if known:
        kind = known[1]
        return (kind if kind == "image" or HAS_AUDIO else None), f"{known[0]} {kind}"
    if ext in IMAGE_INPUTS:
        return "image", "damaged or unknown image"
    if ext in AUDIO_INPUTS and HAS_AUDIO:
        return "audio", "damaged or unknown audio"
    return None, describe(head)


def unsupported_message(path: Path, what: str) -> str:
    return f"{what}, not a format mediaview reads (mediaview.decoders() lists those it reads)"
