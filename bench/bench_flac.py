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
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_audio import RATE, make_recording, optional  # noqa: E402  (imports mediaview, then soundfile)

import mediaview as mv  # noqa: E402
import soundfile as sf  # noqa: E402


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)  # this process, all its threads
    return r.ru_utime + r.ru_stime


def measure(fn, repeats: int) -> tuple:
    """(best wall time, best CPU time) over `repeats` runs. On a machine
    shared with other work the CPU time is the steadier figure for one
    thread; a threads=N speedup only shows in wall time on free cores."""
    walls, cpus = [], []
    for _ in range(repeats):
        c0, t0 = cpu_seconds(), time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
        del result
    return min(walls), min(cpus)


def row(label: str, t: tuple, audio_seconds: float, base: tuple | None = None) -> None:
    wall, cpu = t
    ratio = f"   {wall / base[0]:5.2f}x / {cpu / base[1]:5.2f}x" if base else ""
    print(f"  {label:<42} {wall * 1000:8.1f} ms wall {cpu * 1000:8.1f} ms CPU  {audio_seconds / wall:6.0f}x realtime{ratio}")


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
    the decoder itself, which no reader of FLAC can go below. The callbacks
    must not be Python (a ctypes callback per frame costs more than the
    conversion measured against it): libFLAC's own
    FLAC__stream_decoder_get_md5_checking(decoder) serves, called with the
    decoder as its first argument (the rest are ignored under the x86-64 and
    AArch64 C calling conventions) and returning 0, which is
    FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE while MD5 checking is off."""

    def __init__(self):
        name = ctypes.util.find_library("FLAC")
        self.lib = ctypes.CDLL(name) if name else None
        if self.lib is None or platform.machine() not in ("x86_64", "aarch64"):
            self.lib = None
            return
        self.lib.FLAC__stream_decoder_new.restype = ctypes.c_void_p
        self.lib.FLAC__stream_decoder_init_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p,
                                                            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        for f in ("process_until_end_of_stream", "finish", "delete"):
            getattr(self.lib, "FLAC__stream_decoder_" + f).argtypes = [ctypes.c_void_p]
        self.nothing = ctypes.cast(self.lib.FLAC__stream_decoder_get_md5_checking, ctypes.c_void_p)

    def decode(self, path: Path) -> None:
        d = self.lib.FLAC__stream_decoder_new()
        assert self.lib.FLAC__stream_decoder_init_file(d, str(path).encode(), self.nothing, None, self.nothing,
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
    print("  columns: best wall time, best CPU time (all threads), speed; for peers their time / mediaview's "
          "(wall / CPU; above 1: mediaview is faster)\n")

    floor = LibFlacFloor()
    results = {}
    print("floor: libFLAC itself")
    if floor.lib is not None:
        results["libflac"] = measure(lambda: floor.decode(path), args.repeats)
        row("libFLAC decode, callbacks doing nothing", results["libflac"], seconds)
    if shutil.which("flac"):
        results["flac-d"] = min(_timed_flac(path) for _ in range(args.repeats))
        print(f"  {'flac -d -c > /dev/null (a process)':<42} {results['flac-d'] * 1000:8.1f} ms wall")
    print()

    def pedal(dtype):
        with pedalboard_io.AudioFile(str(path)) as f:
            return f.read(f.frames) if dtype == "float32" else f.read_raw(f.frames)

    for dtype in ("int16", "float32"):
        print(f"FLAC -> {dtype}")
        mv1 = measure(lambda: mv.read_audio(path, dtype=dtype)[0], args.repeats)
        results[(dtype, "mediaview")] = mv1
        row("mediaview read_audio", mv1, seconds)
        mv2 = measure(lambda: mv.read_audio(path, dtype=dtype, threads=2)[0], args.repeats)
        results[(dtype, "threads2")] = mv2
        row("mediaview threads=2", mv2, seconds)
        results[(dtype, "soundfile")] = measure(lambda: sf.read(path, dtype=dtype)[0], args.repeats)
        row("soundfile.read", results[(dtype, "soundfile")], seconds, mv1)
        if pedalboard_io is not None:
            results[(dtype, "pedalboard")] = measure(lambda: pedal(dtype), args.repeats)
            name = "AudioFile.read" if dtype == "float32" else "read_raw (int16)"
            row(f"pedalboard {name}", results[(dtype, "pedalboard")], seconds, mv1)
        print()

    print("ratios (peer time / mediaview time, wall and CPU; above 1 means mediaview is faster)")
    for dtype in ("int16", "float32"):
        base = results[(dtype, "mediaview")]
        for who, target in (("soundfile", 1.3), ("pedalboard", 1.1)):
            if (dtype, who) in results:
                w, c = (results[(dtype, who)][i] / base[i] for i in (0, 1))
                print(f"  {dtype:<8} vs {who:<10} wall {w:5.2f}x  CPU {c:5.2f}x  (target {target}x)")
        t2 = results[(dtype, "threads2")]
        print(f"  {dtype:<8} threads=2 vs 1: wall {base[0] / t2[0]:5.2f}x (target 1.8x), "
              f"CPU spent {t2[1] / base[1]:4.2f}x one thread's (the work splitting adds)")
        if "libflac" in results:
            print(f"  {dtype:<8} mediaview / libFLAC floor: wall {base[0] / results['libflac'][0]:.2f}, "
                  f"CPU {base[1] / results['libflac'][1]:.2f} (1.00 = nothing beyond libFLAC's own decoding)")


def _timed_flac(path: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(["flac", "-d", "-s", "-c", "--force-raw-format", "--endian=little", "--sign=signed", str(path)],
                   stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
