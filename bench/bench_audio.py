#!/usr/bin/env python3
"""Audio decode speed, side by side in one process: mediaview against
python-soundfile (same dtype), pedalboard's AudioFile (float32) and
scipy.io.wavfile (WAV), on a three-minute 44.1 kHz stereo recording.

    python bench/bench_audio.py

The recording is made from the bundled real recording samples/
music_stereo.flac (4 s at 11025 Hz: pygame's music loop and speech),
resampled to 44.1 kHz with scipy, repeated with varying gain and channel
order to three minutes, and written as WAV (PCM_16), FLAC, Ogg Vorbis and
MP3 into a temporary folder with python-soundfile.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict

import numpy as np

import mediaview  # before soundfile: both load a libsndfile with the same soname (see tests/conftest.py)
import soundfile

ROOT = Path(__file__).resolve().parents[1]
MINUTES = 3


def best_seconds(fn: Callable[[], object], budget: float = 2.0, at_least: int = 3) -> float:
    fn()
    times = []
    deadline = time.perf_counter() + budget
    while len(times) < at_least or time.perf_counter() < deadline:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if len(times) >= 100:
            break
    return min(times)


def make_recording(folder: Path) -> Dict[str, Path]:
    from scipy.signal import resample_poly

    source, source_rate = soundfile.read(ROOT / "samples" / "music_stereo.flac", dtype="float32")
    rate = 44100
    speech = resample_poly(source, rate // source_rate, 1, axis=0).astype(np.float32)
    speech = np.clip(speech, -1, 1)
    pieces = []
    for i in range(int(MINUTES * 60 * rate / len(speech)) + 1):
        piece = speech * (0.5 + 0.5 * ((i * 37) % 10) / 10)
        pieces.append(piece[:, ::-1] if i % 2 else piece)
    audio = np.concatenate(pieces)[: MINUTES * 60 * rate]
    files = {}
    for name, kw in (("wav", {"subtype": "PCM_16"}), ("flac", {"subtype": "PCM_16"}),
                     ("ogg", {"format": "OGG", "subtype": "VORBIS"}), ("mp3", {"format": "MP3"})):
        files[name] = folder / f"recording.{name}"
        # In one-second pieces: soundfile's bundled libsndfile crashes writing
        # minutes of Ogg Vorbis in a single call.
        with soundfile.SoundFile(files[name], "w", rate, 2, **kw) as f:
            for at in range(0, len(audio), rate):
                f.write(audio[at:at + rate])
    return files


def peers(path: Path, dtype: str) -> Dict[str, Callable[[], object]]:
    found: Dict[str, Callable[[], object]] = {
        "mediaview": lambda: np.asarray(mediaview.read_audio(path, dtype=dtype, mmap=False)[0]),
        "soundfile": lambda: soundfile.read(path, dtype=dtype)[0],
    }
    if dtype == "float32":
        try:
            from pedalboard.io import AudioFile

            def pedalboard_read():
                with AudioFile(str(path)) as f:
                    return f.read(f.frames)

            pedalboard_read()
            found["pedalboard"] = pedalboard_read
        except Exception as e:  # missing, or a format it cannot read
            print(f"  (pedalboard unavailable for {path.suffix}: {type(e).__name__}: {e})")
    if path.suffix == ".wav" and dtype == "int16":
        try:
            from scipy.io import wavfile

            found["scipy.io.wavfile"] = lambda: wavfile.read(path)[1]
            found["scipy.io.wavfile mmap"] = lambda: wavfile.read(path, mmap=True)[1]
        except ImportError as e:
            print(f"  (scipy missing: {e})")
    return found


def measure(path: Path, dtype: str) -> Dict[str, float]:
    seconds_of_audio = mediaview.audio_info(path).duration
    print(f"\n{path.suffix[1:].upper()} as {dtype} ({seconds_of_audio:.0f} s of audio, {path.stat().st_size / 1e6:.1f} MB)")
    speeds = {}
    for name, fn in peers(path, dtype).items():
        speeds[name] = seconds_of_audio / best_seconds(fn)
        print(f"  {name:24} {speeds[name]:9.0f}x realtime")
    for name, speed in speeds.items():
        if name != "mediaview":
            print(f"  mediaview / {name:24} {speeds['mediaview'] / speed:6.2f}x")
    return speeds


def measure_threads(path: Path) -> float:
    one = best_seconds(lambda: mediaview.read_audio(path, mmap=False, threads=1))
    two = best_seconds(lambda: mediaview.read_audio(path, mmap=False, threads=2))
    print(f"  threads=2 vs threads=1: {one * 1e3:.1f} ms -> {two * 1e3:.1f} ms = {one / two:.2f}x")
    return one / two


def measure_mmap(path: Path) -> None:
    mapped = best_seconds(lambda: mediaview.read_audio(path, dtype="int16", mmap=True))
    touched = best_seconds(lambda: np.asarray(mediaview.read_audio(path, dtype="int16", mmap=True)[0]).sum())
    sf_read = best_seconds(lambda: soundfile.read(path, dtype="int16"))
    sf_touched = best_seconds(lambda: soundfile.read(path, dtype="int16")[0].sum())
    print(f"\nWAV PCM_16 as int16 through the memory map: {mapped * 1e6:.0f} us "
          f"vs soundfile {sf_read * 1e3:.1f} ms = {sf_read / mapped:.0f}x")
    print(f"  including a pass over every sample (numpy sum): {touched * 1e3:.1f} ms vs {sf_touched * 1e3:.1f} ms "
          f"= {sf_touched / touched:.1f}x")


def main() -> None:
    print(f"mediaview {mediaview.__version__} ({mediaview.decoders()[1]['library_version']}); "
          f"soundfile {soundfile.__version__} (libsndfile {soundfile.__libsndfile_version__}); single thread unless said")
    with tempfile.TemporaryDirectory() as tmp:
        files = make_recording(Path(tmp))
        results = {}
        for name in ("wav", "flac", "ogg", "mp3"):
            for dtype in (("int16", "float32") if name in ("wav", "flac") else ("float32",)):
                results[(name, dtype)] = measure(files[name], dtype)
        print("\nFLAC, float32:")
        speedup = measure_threads(files["flac"])
        measure_mmap(files["wav"])
        print("\nTargets:")
        for name in ("flac", "ogg", "mp3"):
            r = results[(name, "float32")]
            for peer in ("soundfile", "pedalboard"):
                if peer in r:
                    ratio = r["mediaview"] / r[peer]
                    print(f"  {name} vs {peer:10} {ratio:5.2f}x (target >= 1.0x): {'met' if ratio >= 1.0 else 'NOT met'}")
        print(f"  FLAC threads=2 {speedup:.2f}x (target >= 1.7x): {'met' if speedup >= 1.7 else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
