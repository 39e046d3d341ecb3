"""Shared pieces of the audio tests: the samples, python-soundfile as the
independent oracle, and the tolerance for lossy codecs.

python-soundfile bundles its own libsndfile (1.2.2) with its own libvorbis,
libopus and mpg123 builds, while mediaview uses Debian's libsndfile 1.2.0.
PCM, FLAC, ALAC, u-law and the other lossless paths are bit-identical; for
Vorbis and MP3 the two decoder builds round differently. Measured on the
bundled samples: float32/float64 at most 1.19e-7 (one float32 ulp at 1.0,
2**-23) apart, int16 at most 1 LSB, int32 at most 256 (the same float32 ulp
scaled to 2**31); Opus and pygame's MP3 are identical. The tolerances below
are twice those.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
FLAC_CORPUS = ROOT.parent / "shared" / "corpus" / "flac"

DTYPES = ("int16", "int32", "float32", "float64")
LOSSY_SUFFIXES = {".ogg", ".mp3", ".opus"}
LOSSY_TOLERANCE = {"float32": 2.0 ** -22, "float64": 2.0 ** -22, "int16": 2, "int32": 512}

AUDIO_SAMPLES = sorted(p for p in SAMPLES.iterdir()
                       if p.suffix in {".wav", ".w64", ".rf64", ".aiff", ".aifc", ".au", ".caf", ".flac", ".ogg",
                                       ".mp3", ".opus"})
LOSSLESS_SAMPLES = [p for p in AUDIO_SAMPLES if p.suffix not in LOSSY_SUFFIXES]
LOSSY_SAMPLES = [p for p in AUDIO_SAMPLES if p.suffix in LOSSY_SUFFIXES]


def is_lossy(path) -> bool:
    return Path(path).suffix in LOSSY_SUFFIXES


def assert_matches(ours, reference, dtype: str, lossy: bool) -> None:
    """Exact equality, or for lossy codecs equality within the measured
    difference of the two library builds (and same shape and dtype)."""
    ours = np.asarray(ours)
    assert ours.shape == reference.shape
    assert ours.dtype == np.dtype(dtype)
    if not lossy:
        np.testing.assert_array_equal(ours, reference)
        return
    diff = np.abs(ours.astype(np.float64) - reference.astype(np.float64))
    assert diff.max() <= LOSSY_TOLERANCE[dtype], f"max difference {diff.max()}"
