#!/usr/bin/env python3
"""Audio decoding, side by side in one process: mediaview vs python-soundfile
(same dtype), pedalboard's AudioFile (float32) and scipy.io.wavfile (WAV).

The input is a long real recording: the bundled samples (pygame's music loop
and espeak-ng speech) resampled to 44.1 kHz stereo and repeated with a slowly
changing gain to RECORDING_MINUTES minutes, written once as WAV (PCM_16),
FLAC, Ogg Vorbis and MP3 into a cache directory (not committed).

Each figure is the best of several runs of a whole read (open + decode).
Ratios are peer time / mediaview time (above 1: mediaview is faster).
A peer that is not installed is reported and skipped.

    .venv/bin/python bench/bench_audio.py [--minutes 3] [--cache DIR]
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

import mediaview as mv  # before soundfile: both load a libsndfile with the same soname, the first serves both
import soundfile as sf

from _common import ROOT, SAMPLES, best_of  # noqa: E402
RATE = 44100


def optional(name):
    try:
        return importlib.import_module(name)
    except ImportError as e:
        print(f"peer not available: {name} ({e})")
        return None


def make_recording(minutes: float) -> np.ndarray:
    """Real audio, 44.1 kHz stereo, `minutes` long (float32 in [-1, 1])."""
    from scipy.signal import resample_poly

    music = sf.read(SAMPLES / "music_stereo.flac", dtype="float64")[0]  # 11025 Hz stereo
    speech = sf.read(SAMPLES / "speech_mono.wav", dtype="float64")[0]   # 22050 Hz mono
    music = resample_poly(music, 4, 1, axis=0)
    speech = resample_poly(speech, 2, 1)
    delayed = np.concatenate([np.zeros(441), speech[:-441]])
    piece = np.concatenate([music, np.stack([speech, delayed], axis=1) * 0.8])
    frames = int(minutes * 60 * RATE)
    reps = -(-frames // len(piece))
    signal = np.tile(piece, (reps, 1))[:frames]
    gain = 0.6 + 0.35 * np.sin(np.linspace(0, 7 * np.pi, frames))[:, None]  # no two repeats identical
    return (signal * gain).astype(np.float32)


def prepare(cache: Path, minutes: float) -> dict:
    cache.mkdir(parents=True, exist_ok=True)
    files = {"WAV": cache / f"recording_{minutes}m.wav", "FLAC": cache / f"recording_{minutes}m.flac",
             "OGG": cache / f"recording_{minutes}m.ogg", "MP3": cache / f"recording_{minutes}m.mp3"}
    if all(p.exists() for p in files.values()):
        return files
    signal = make_recording(minutes)
    sf.write(files["WAV"], signal, RATE, subtype="PCM_16")
    sf.write(files["FLAC"], signal, RATE, subtype="PCM_16")
    # python-soundfile 0.14 (libsndfile 1.2.2) crashes writing minutes of
    # Vorbis in one call; mediaview's writer hands libsndfile 8192-frame blocks.
    mv.write_audio(files["OGG"], signal, RATE, subtype="VORBIS")
    mv.write_audio(files["MP3"], signal, RATE, subtype="MPEG_LAYER_III")
    return files




def row(label: str, seconds: float, base: float | None, audio_seconds: float) -> None:
    ratio = f"{base / seconds:8.2f}x" if base else "        "
    print(f"  {label:<44} {seconds * 1000:10.2f} ms  {audio_seconds / seconds:9.0f}x realtime  {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "mediaview-bench-audio")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    pedalboard_io = optional("pedalboard.io")
    wavfile = optional("scipy.io.wavfile")
    files = prepare(args.cache, args.minutes)
    info = mv.audio_info(files["WAV"])
    seconds = info.duration
    ours = next(d for d in mv.decoders() if d["name"] == "sndfile")["library_version"]
    print(f"mediaview audio bench: {platform.machine()}, {os.cpu_count()} CPUs, mediaview on {ours}, "
          f"soundfile {sf.__version__} on libsndfile-{sf.__libsndfile_version__}")
    if ours == "libsndfile-" + sf.__libsndfile_version__:
        print("warning: mediaview and soundfile share one libsndfile (import order); the comparison is not independent")
    print(f"recording: {seconds / 60:.1f} min, {info.samplerate} Hz, {info.channels} channels; "
          + ", ".join(f"{k} {v.stat().st_size / 1e6:.1f} MB" for k, v in files.items()))
    print("  columns: best time, speed, mediaview's advantage (peer time / mediaview time) where shown\n")

    def pedal(path):
        with pedalboard_io.AudioFile(str(path)) as f:
            return f.read(f.frames)

    results = {}
    for fmt, path in files.items():
        repeats = args.repeats if fmt in ("WAV", "FLAC") else max(2, args.repeats // 2)
        for dtype in (("int16", "float32") if fmt in ("WAV", "FLAC") else ("float32",)):
            print(f"{fmt} -> {dtype}")
            mv_t = best_of(lambda: mv.read_audio(path, dtype=dtype, mmap=False)[0], repeats)
            results[(fmt, dtype, "mediaview")] = mv_t
            row("mediaview read_audio (decode)", mv_t, None, seconds)
            if fmt == "FLAC" or (fmt == "WAV" and dtype == "float32"):
                mv2 = best_of(lambda: mv.read_audio(path, dtype=dtype, threads=2, mmap=False)[0], repeats)
                results[(fmt, dtype, "threads2")] = mv2
                row(f"mediaview threads=2 (speedup {mv_t / mv2:.2f}x)", mv2, None, seconds)
            if fmt == "WAV" and dtype == "int16":
                mm = best_of(lambda: np.asarray(mv.read_audio(path, dtype="int16", mmap=True)[0]), repeats)
                results[(fmt, dtype, "mmap")] = mm
                row("mediaview mmap=True (zero-copy)", mm, None, seconds)
            sf_t = best_of(lambda: sf.read(path, dtype=dtype)[0], repeats)
            results[(fmt, dtype, "soundfile")] = sf_t
            row("soundfile.read", sf_t, None, seconds)
            if pedalboard_io is not None and dtype == "float32":
                pb = best_of(lambda: pedal(path), repeats)
                results[(fmt, dtype, "pedalboard")] = pb
                row("pedalboard AudioFile.read (float32)", pb, None, seconds)
            if wavfile is not None and fmt == "WAV" and dtype == "int16":
                sc = best_of(lambda: wavfile.read(path)[1], repeats)
                results[(fmt, dtype, "scipy")] = sc
                row("scipy.io.wavfile.read", sc, None, seconds)
                scm = best_of(lambda: wavfile.read(path, mmap=True)[1], repeats)
                results[(fmt, dtype, "scipy-mmap")] = scm
                row("scipy.io.wavfile.read(mmap=True)", scm, None, seconds)
            print()

    print("ratios (peer time / mediaview time; above 1 means mediaview is faster)")
    for (fmt, dtype, who), t in sorted(results.items()):
        if who in ("mediaview", "threads2", "mmap"):
            continue
        base = results[(fmt, dtype, "mediaview")]
        line = f"  {fmt:<5} {dtype:<8} vs {who:<11} decode {t / base:6.2f}x"
        if (fmt, dtype, "mmap") in results:
            line += f"   mmap {t / results[(fmt, dtype, 'mmap')]:10.1f}x"
        print(line)
    for fmt, dtype in (("FLAC", "int16"), ("FLAC", "float32"), ("WAV", "float32")):
        if (fmt, dtype, "threads2") in results:
            print(f"  {fmt} {dtype} threads=2 vs threads=1: "
                  f"{results[(fmt, dtype, 'mediaview')] / results[(fmt, dtype, 'threads2')]:.2f}x")


if __name__ == "__main__":
    main()
