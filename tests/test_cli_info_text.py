"""mediaview info's text form and pipes (issue 26, section 3): bit depth for
every image format, frames for animations, damage for audio, and no
BrokenPipe traceback when the reader stops early."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def info(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mediaview", "info", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT)


@pytest.mark.parametrize("name,says", [
    ("coffee_rgb16.png", "16-bit, RGB, orientation"),
    ("chelsea_interlaced.png", "8-bit, RGB, interlaced"),
    ("chelsea_420.jpg", "8-bit, YCbCr, subsampling 420, baseline"),
    ("astronaut_progressive.jpg", "progressive"),
    ("coffee_animated.webp", "animated, 6 frames, 3 loops"),
    ("chelsea_lossy.webp", "8-bit, YCbCr, subsampling 420"),
])
def test_the_text_form_says_what_each_format_has(name, says):
    out = info(SAMPLES / name).stdout
    assert says in out, out
    assert "subsampling ," not in out and "subsampling unknown" not in out


def test_damaged_audio_is_said_to_be(tmp_path):
    raw = (SAMPLES / "speech_mono.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(raw[:len(raw) // 2])
    out = info(tmp_path / "cut.wav").stdout
    assert "DAMAGED: the data chunk declares 68885 frames" in out, out


def test_a_reader_that_stops_early_gets_no_traceback():
    # More than a pipe holds (64 KB), so the writer meets the closed pipe.
    files = " ".join([str(SAMPLES / "chelsea_420.jpg")] * 1500)
    for form in ("--json", ""):
        run = subprocess.run(f"{sys.executable} -m mediaview info {form} {files} | head -1", shell=True,
                             capture_output=True, text=True, cwd=ROOT)
        assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr, run.stderr
