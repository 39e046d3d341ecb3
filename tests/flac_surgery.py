"""Damaged and unusual FLAC files made from intact ones, for the damage tests
(the IETF test set's faulty/ and uncommon/ files are not in the corpus, so
their kinds of damage are reproduced here by editing real files).

    python tests/flac_surgery.py OUTDIR   writes one of each from samples/
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, NamedTuple

STREAMINFO, VORBIS_COMMENT = 0, 4


class Block(NamedTuple):
    offset: int  # of its 4-byte header
    last: bool
    type: int
    length: int


def metadata_blocks(data: bytes) -> List[Block]:
    """The metadata blocks after "fLaC", as their headers declare them."""
    assert data[:4] == b"fLaC", "not a native FLAC file"
    blocks, at = [], 4
    while True:
        header = data[at]
        length = int.from_bytes(data[at + 1:at + 4], "big")
        blocks.append(Block(at, bool(header & 0x80), header & 0x7F, length))
        at += 4 + length
        if header & 0x80:
            return blocks


def frames_offset(data: bytes) -> int:
    last = metadata_blocks(data)[-1]
    return last.offset + 4 + last.length


def wrong_block_length(data: bytes, into_frames: int = 40) -> bytes:
    """IETF faulty/11: a metadata block that is not the last one (the
    VORBIS_COMMENT before `flac`'s PADDING) whose length field is too long,
    reaching `into_frames` bytes into the audio frames, so that a parser
    takes frame data for the next block's header."""
    blocks = metadata_blocks(data)
    block = next(b for b in blocks if b.type != STREAMINFO and not b.last)
    length = frames_offset(data) + into_frames - (block.offset + 4)
    out = bytearray(data)
    out[block.offset + 1:block.offset + 4] = length.to_bytes(3, "big")
    return bytes(out)


def without_length(data: bytes) -> bytes:
    """STREAMINFO's total-samples field and MD5 zeroed: a stream that does
    not state its length (as a live encoder writes it)."""
    out = bytearray(data)
    si = metadata_blocks(data)[0].offset + 4
    # total samples: the low 4 bits of byte 13 and bytes 14-17 of STREAMINFO.
    out[si + 13] &= 0xF0
    out[si + 14:si + 18] = bytes(4)
    out[si + 18:si + 34] = bytes(16)
    return bytes(out)


def spliced(first: bytes, second: bytes) -> bytes:
    """IETF uncommon/01-03: the frames of `second` appended to `first`'s
    (whose STREAMINFO then states no length): a stream whose sample rate or
    channel count changes where `second` begins."""
    return without_length(first) + second[frames_offset(second):]


def encode(wav: Path, out: Path, *flac_args: str) -> bytes:
    """`flac` (the reference encoder) on a WAV file."""
    subprocess.run(["flac", "-s", "-f", *flac_args, "-o", str(out), str(wav)], check=True)
    return out.read_bytes()


def main(outdir: str) -> None:
    import numpy as np

    import mediaview as mv

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    samples = Path(__file__).resolve().parent.parent / "samples"
    with tempfile.TemporaryDirectory() as tmp:
        stereo, rate = mv.read_audio(samples / "music_stereo.flac", dtype="int16")
        mv.write_audio(Path(tmp) / "a.wav", stereo, rate)
        mv.write_audio(Path(tmp) / "b.wav", stereo, 22050)
        mv.write_audio(Path(tmp) / "mono.wav", np.asarray(stereo)[:, 0].copy(), rate)
        a = encode(Path(tmp) / "a.wav", Path(tmp) / "a.flac")
        b = encode(Path(tmp) / "b.wav", Path(tmp) / "b.flac")
        mono = encode(Path(tmp) / "mono.wav", Path(tmp) / "mono.flac")
    (out / "wrong_block_length.flac").write_bytes(wrong_block_length(a))
    (out / "cut_half.flac").write_bytes(a[:len(a) // 2])
    (out / "changing_rate.flac").write_bytes(spliced(a, b))
    (out / "changing_channels.flac").write_bytes(spliced(a, mono))


if __name__ == "__main__":
    if len(sys.argv) != 2 or shutil.which("flac") is None:
        sys.exit(__doc__)
    main(sys.argv[1])
