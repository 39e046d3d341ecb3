"""One check for the decoders whose C library prints to stderr on damaged
input (src/stderr_filter.hpp): decode `count` randomly damaged copies of a
sample in a fresh interpreter and require that nothing reached stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def assert_damaged_decodes_print_nothing(sample: Path, count: int) -> None:
    code = ("import random, mediaview\n"
            f"d = open({str(sample)!r}, 'rb').read()\n"
            "rng = random.Random(1)\n"
            f"for _ in range({count}):\n"
            "    x = bytearray(d)\n"
            "    for _ in range(4):\n"
            "        x[rng.randrange(2, len(x))] ^= rng.randint(1, 255)\n"
            "    try:\n        mediaview.decode_image(bytes(x))\n"
            "    except mediaview.Error:\n        pass\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0
    assert out.stderr == ""
