#!/usr/bin/env python3
"""Makes the bundled audio samples from real recordings, reproducibly.

Sources (see samples/README.md for provenance and licences):

* ``house_lo.wav`` and ``house_lo.mp3``: recordings shipped in pygame's wheel
  (``pygame/examples/data``), fetched with ``pip download pygame==2.6.1``.
* Speech spoken by Debian's espeak-ng (``apt-get install espeak-ng``).

The files are written with python-soundfile (its own bundled libsndfile), so
the tests read files that mediaview did not write. Run with the project venv:

    .venv/bin/python samples/make_audio_samples.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

HERE = Path(__file__).resolve().parent
PYGAME = "pygame==2.6.1"
SPEECH = "Memory views. One, two, three."
TAGS = {"title": "mediaview speech sample", "artist": "espeak-ng", "album": "mediaview samples",
        "date": "2026", "comment": "synthesised speech", "genre": "Speech", "tracknumber": "1",
        "copyright": "CC0", "software": "make_audio_samples.py", "license": "CC0-1.0"}


def pygame_data(tmp: Path) -> Path:
    """pygame's example recordings, unpacked from its wheel."""
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "-d", str(tmp), PYGAME], check=True)
    wheel = next(tmp.glob("pygame-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        for name in ("house_lo.wav", "house_lo.mp3"):
            z.extract(f"pygame/examples/data/{name}", tmp)
    return tmp / "pygame" / "examples" / "data"


def speech(tmp: Path) -> tuple[np.ndarray, int]:
    """Mono float speech from espeak-ng at its native 22050 Hz."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed to regenerate the samples: apt-get install espeak-ng")
    out = tmp / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-s", "150", "-w", str(out), SPEECH], check=True)
    data, rate = sf.read(out, dtype="float64")
    return data, rate


def stereo_master(house: np.ndarray, voice: np.ndarray, frames: int) -> np.ndarray:
    """Left: the pygame music loop; right: the speech, both at 11025 Hz."""
    right = np.zeros(frames)
    right[: min(frames, len(voice))] = voice[:frames]
    return np.stack([house[:frames] * 0.9, right * 0.9], axis=1)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mediaview-samples-") as name:
        tmp = Path(name)
        data = pygame_data(tmp)
        house, house_rate = sf.read(data / "house_lo.wav", dtype="float64")  # PCM_U8 mono, 11025 Hz
        voice, voice_rate = speech(tmp)
        shutil.copy(data / "house_lo.mp3", HERE / "house_lo.mp3")  # a real MP3 without a Xing header

    sf.write(HERE / "speech_mono.wav", voice, voice_rate, subtype="PCM_16")
    with sf.SoundFile(HERE / "speech_mono.wav", "r+") as f:  # tags as RIFF INFO chunks
        for key, value in TAGS.items():
            setattr(f, key, value)
    sf.write(HERE / "speech_ulaw.au", voice, voice_rate, subtype="ULAW")
    sf.write(HERE / "speech_alac.caf", voice, voice_rate, subtype="ALAC_16")

    voice_11k = resample_poly(voice, 1, 2)
    master = stereo_master(house, voice_11k, 44100)  # 4 s of stereo at 11025 Hz
    rate = house_rate
    sf.write(HERE / "music_stereo.flac", master, rate, subtype="PCM_16")
    sf.write(HERE / "music_stereo.ogg", master, rate, subtype="VORBIS")
    sf.write(HERE / "music_stereo.mp3", master, rate, subtype="MPEG_LAYER_III")
    sf.write(HERE / "music_stereo.opus", resample_poly(master, 640, 147, axis=0)[: 48000 * 2], 48000,
             format="OGG", subtype="OPUS")  # Opus only runs at 48 kHz and below: 2 s at 48 kHz

    clip = master[:22050]  # 2 s
    sf.write(HERE / "clip_pcm16.wav", clip, rate, subtype="PCM_16")
    sf.write(HERE / "clip_float.w64", clip[:11025], rate, subtype="FLOAT")
    sf.write(HERE / "clip_pcm32.rf64", clip[:5512], rate, format="RF64", subtype="PCM_32")
    sf.write(HERE / "clip_pcm24.aiff", clip[:11025], rate, subtype="PCM_24")
    sf.write(HERE / "clip_sowt.aifc", clip[:11025], rate, format="AIFF", subtype="PCM_16", endian="LITTLE")
    sf.write(HERE / "clip_double.wav", clip[:2756], rate, subtype="DOUBLE")


if __name__ == "__main__":
    main()
