#!/usr/bin/env python3
"""Makes the bundled audio samples, reproducibly: speech synthesised by
espeak-ng (Debian package `espeak-ng`; resampled with `sox`) reading a
public-domain text, written in several formats by python-soundfile.

    apt-get install espeak-ng sox      # only needed to regenerate
    .venv/bin/python samples/make_audio_samples.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile

HERE = Path(__file__).resolve().parent

# The opening of "A Scandal in Bohemia" (Arthur Conan Doyle, 1891; public domain).
TEXT = (
    "To Sherlock Holmes she is always the woman. I have seldom heard him mention her under any other name. "
    "In his eyes she eclipses and predominates the whole of her sex. It was not that he felt any emotion akin "
    "to love for Irene Adler."
)


def speak(voice: str, speed: int, pitch: int, rate: int) -> np.ndarray:
    """espeak-ng's speech at `rate` Hz as float32 mono."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(raw), TEXT],
                       check=True)
        subprocess.run(["sox", str(raw), "-r", str(rate), "-b", "32", "-e", "floating-point", str(out)], check=True)
        data, _ = soundfile.read(out, dtype="float32")
    return data


def stereo(rate: int, seconds: float) -> np.ndarray:
    left = speak("en-us", 160, 40, rate)
    right = speak("en-gb", 150, 60, rate)
    n = int(rate * seconds)
    both = np.zeros((n, 2), np.float32)
    both[: min(n, len(left)), 0] = left[:n]
    both[: min(n, len(right)), 1] = right[:n]
    return both * 0.8


def write(name: str, data: np.ndarray, rate: int, **options) -> None:
    path = HERE / name
    soundfile.write(path, data, rate, **options)
    info = soundfile.info(path)
    print(f"{name}: {info.format} {info.subtype}, {info.samplerate} Hz, {info.channels} ch, "
          f"{info.frames} frames, {path.stat().st_size} bytes")


def main() -> None:
    long = stereo(44100, 6.0)
    write("speech.flac", long, 44100, subtype="PCM_16")
    write("speech.ogg", long, 44100, format="OGG", subtype="VORBIS")
    write("speech.opus", stereo(48000, 4.0), 48000, format="OGG", subtype="OPUS")
    write("speech.mp3", long[: 44100 * 4], 44100, format="MP3", subtype="MPEG_LAYER_III")
    write("speech_stereo16.wav", long[: 44100], 44100, subtype="PCM_16")
    write("speech_mono.wav", speak("en-us", 160, 40, 22050)[: 22050 * 3], 22050, subtype="PCM_16")
    write("speech_float.wav", speak("en-gb", 150, 60, 16000)[: 16000 * 2], 16000, subtype="FLOAT")
    write("speech.aiff", long[: 22050, 0], 44100, format="AIFF", subtype="PCM_16")
    write("speech_int32.w64", long[: 11025], 44100, format="W64", subtype="PCM_32")


if __name__ == "__main__":
    main()
