#!/usr/bin/env python3
"""Decode + resample + mix on load, side by side in one process: a real
44.1 kHz stereo recording (bench_audio.py's) as FLAC and MP3, read whole to
16 kHz mono float32 by mediaview (libsoxr, hq), librosa.load(sr=16000,
mono=True), pedalboard's AudioFile(...).resampled_to(16000) with a mean mix,
and PyAV (FFmpeg's decoder and swresample). Prints seconds (best of N) and
the ratios the issue states its targets in (peer time / mediaview time).

    .venv/bin/python bench/bench_resample.py [--minutes 3] [--repeats 5]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

import mediaview as mv
from bench_audio import best_of, optional, prepare

OUT_RATE = 16000


def mediaview_read(path: Path):
    return np.asarray(mv.read_audio(path, samplerate=OUT_RATE, channels=1)[0])


def librosa_read(librosa, path: Path):
    return librosa.load(path, sr=OUT_RATE, mono=True)[0]


def pedalboard_read(pedalboard, path: Path):
    with pedalboard.io.AudioFile(str(path)).resampled_to(OUT_RATE) as f:
        return f.read(f.frames).mean(axis=0)


def pyav_read(av, path: Path):
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=OUT_RATE)
        chunks = []
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())
    return np.concatenate(chunks, axis=1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "mediaview-bench-audio")
    args = parser.parse_args()
    files = prepare(args.cache, args.minutes)
    librosa, pedalboard, av = optional("librosa"), optional("pedalboard"), optional("av")
    if pedalboard is not None:
        import pedalboard.io  # noqa: F401  (the submodule AudioFile lives in)
    print(f"{args.minutes:g} min of 44.1 kHz stereo -> {OUT_RATE} Hz mono float32, whole file, best of {args.repeats}")
    ratios = []
    for kind in ("FLAC", "MP3"):
        path = files[kind]
        ours = best_of(lambda: mediaview_read(path), args.repeats)
        print(f"\n{kind}\n  {'mediaview read_audio(samplerate=, channels=1)':48s} {ours * 1000:9.1f} ms")
        peers = {"librosa.load(sr=16000, mono=True)": (librosa, librosa_read),
                 "pedalboard resampled_to + mean": (pedalboard, pedalboard_read),
                 "PyAV (FFmpeg swresample)": (av, pyav_read)}
        for name, (module, read) in peers.items():
            if module is None:
                continue
            t = best_of(lambda: read(module, path), args.repeats)
            print(f"  {name:48s} {t * 1000:9.1f} ms")
            ratios.append(f"  {kind:5s} vs {name:38s} {t / ours:5.2f}x")
    print("\nratios (peer time / mediaview time; above 1 means mediaview is faster)")
    print("\n".join(ratios))


if __name__ == "__main__":
    main()
