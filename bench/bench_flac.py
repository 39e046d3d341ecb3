#!/usr/bin/env python3
"""FLAC decoding, side by side in one process: mediaview (libFLAC codec) vs
python-soundfile (its bundled libsndfile + libFLAC) and pedalboard
(JUCE's bundled libFLAC), with libFLAC's own decode speed as the floor.

The input is bench_audio.py's long real recording (the bundled samples,
resampled to 44.1 kHz stereo and repeated with a slowly changing gain),
RECORDING_MINUTES long (8 by default), encoded once with the flac tool at
its default level into a cache directory (not committed).

Rows (best of --repeats whole reads, open + decode):
- mediaview read_audio, threads=1 and threads=2, int16 and float32;
- soundfile.read, same dtype;
- pedalboard AudioFile.read (float32) and read_raw (the file's int16);
- the floor: Debian's libFLAC decoding the file with a write callback that
  does nothing (through ctypes; no conversion, no output buffer), and
  `flac -d -c > /dev/null` (a process, raw output to /dev/null).
Ratios are peer time / mediaview time (above 1: mediaview is faster).

    .venv/bin/python bench/bench_flac.py [--minutes 8] [--cache DIR] [--repeats 5]
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_audio import RATE, best_of, make_recording, optional, row  # noqa: E402  (imports mediaview, then soundfile)

import mediaview as mv  # noqa: E402
import soundfile as sf  # noqa: E402


def prepare(cache: Path, minutes: float) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"recording_{minutes}m_flactool.flac"
    if path.exists():
        return path
    wav = cache / f"recording_{minutes}m_for_flac.wav"
    sf.write(wav, make_recording(minutes), RATE, subtype="PCM_16")
    subprocess.run(["flac", "-s", "-f", "-o", str(path), str(wav)], check=True)
    wav.unlink()
    return path


class LibFlacFloor:
    """libFLAC decoding a file with callbacks that do nothing: the cost of
    the decoder itself, which no reader of FLAC can go below."""

    WRITE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
    META = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
    ERROR = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)

    def __init__(self):
        name = ctypes.util.find_library("FLAC")
        self.lib = ctypes.CDLL(name) if name else None
        if self.lib is None:
            return
        self.lib.FLAC__stream_decoder_new.restype = ctypes.c_void_p
        self.lib.FLAC__stream_decoder_init_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p, self.WRITE, self.META,
                                                            self.ERROR, ctypes.c_void_p]
        for f in ("process_until_end_of_stream", "finish", "delete"):
            getattr(self.lib, "FLAC__stream_decoder_" + f).argtypes = [ctypes.c_void_p]
        self.write = self.WRITE(lambda *a: 0)  # FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE
        self.meta = self.META(lambda *a: None)
        self.error = self.ERROR(lambda *a: None)

    def decode(self, path: Path) -> None:
        d = self.lib.FLAC__stream_decoder_new()
        assert self.lib.FLAC__stream_decoder_init_file(d, str(path).encode(), self.write, self.meta, self.error,
                                                       None) == 0
        assert self.lib.FLAC__stream_decoder_process_until_end_of_stream(d)
        self.lib.FLAC__stream_decoder_finish(d)
        self.lib.FLAC__stream_decoder_delete(d)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "mediaview-bench-audio")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    pedalboard_io = optional("pedalboard.io")
    path = prepare(args.cache, args.minutes)
    info = mv.audio_info(path)
    seconds = info.duration
    codec = next(d for d in mv.decoders() if d["name"] == "flac")["library_version"]
    print(f"mediaview FLAC bench: {platform.machine()}, {os.cpu_count()} CPUs, mediaview on {codec}, "
          f"soundfile {sf.__version__} on libsndfile-{sf.__libsndfile_version__}"
          + (f", pedalboard {__import__('pedalboard').__version__}" if pedalboard_io else ""))
    print(f"recording: {seconds / 60:.1f} min, {info.samplerate} Hz, {info.channels} channels, {info.subtype}, "
          f"{path.stat().st_size / 1e6:.1f} MB (flac tool, default level)")
    print("  columns: best time, speed\n")

    floor = LibFlacFloor()
    results = {}
    print("floor: libFLAC itself")
    if floor.lib is not None:
        results["libflac"] = best_of(lambda: floor.decode(path), args.repeats)
        row("libFLAC decode, callbacks doing nothing", results["libflac"], None, seconds)
    if shutil.which("flac"):
        results["flac-d"] = best_of(lambda: subprocess.run(["flac", "-d", "-s", "-c", "--force-raw-format",
                                                            "--endian=little", "--sign=signed", str(path)],
                                                           stdout=subprocess.DEVNULL, check=True), args.repeats)
        row("flac -d -c > /dev/null (a process)", results["flac-d"], None, seconds)
    print()

    def pedal(dtype):
        with pedalboard_io.AudioFile(str(path)) as f:
            return f.read(f.frames) if dtype == "float32" else f.read_raw(f.frames)

    for dtype in ("int16", "float32"):
        print(f"FLAC -> {dtype}")
        mv1 = best_of(lambda: mv.read_audio(path, dtype=dtype)[0], args.repeats)
        results[(dtype, "mediaview")] = mv1
        row("mediaview read_audio", mv1, None, seconds)
        mv2 = best_of(lambda: mv.read_audio(path, dtype=dtype, threads=2)[0], args.repeats)
        results[(dtype, "threads2")] = mv2
        row(f"mediaview threads=2 (speedup {mv1 / mv2:.2f}x)", mv2, None, seconds)
        s = best_of(lambda: sf.read(path, dtype=dtype)[0], args.repeats)
        results[(dtype, "soundfile")] = s
        row(f"soundfile.read ({s / mv1:.2f}x mediaview's time)", s, None, seconds)
        if pedalboard_io is not None:
            p = best_of(lambda: pedal(dtype), args.repeats)
            results[(dtype, "pedalboard")] = p
            name = "AudioFile.read" if dtype == "float32" else "read_raw (int16)"
            row(f"pedalboard {name} ({p / mv1:.2f}x)", p, None, seconds)
        print()

    print("ratios (peer time / mediaview time; above 1 means mediaview is faster)")
    for dtype in ("int16", "float32"):
        base = results[(dtype, "mediaview")]
        for who, target in (("soundfile", 1.3), ("pedalboard", 1.1)):
            if (dtype, who) in results:
                r = results[(dtype, who)] / base
                print(f"  {dtype:<8} vs {who:<10} {r:5.2f}x  (target {target}x: {'met' if r >= target else 'NOT met'})")
        r2 = base / results[(dtype, "threads2")]
        print(f"  {dtype:<8} threads=2 vs 1   {r2:5.2f}x  (target 1.8x: {'met' if r2 >= 1.8 else 'NOT met'})")
        if "libflac" in results:
            print(f"  {dtype:<8} mediaview / libFLAC floor: {base / results['libflac']:.2f} "
                  f"(1.00 = nothing spent beyond libFLAC's own decoding)")


if __name__ == "__main__":
    main()
