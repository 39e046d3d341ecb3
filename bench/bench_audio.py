#!/usr/bin/env python3
"""Audio decoding, side by side in one process: mediaview vs python-soundfile
(same dtype), pedalboard's AudioFile (float32) and scipy.io.wavfile (WAV).

The FFmpeg section (``--ffmpeg``, or ``--only-ffmpeg``): a 120 s AAC/M4A
and MP3 made from the same recording, against PyAV (its own bundled
FFmpeg) and TorchCodec where it can be installed; 16 kHz mono; read_audios
over 16 M4A clips on 2 threads vs 1; a 1 s window at the 59th minute of a
one-hour M4A vs at the start. Peers take turns (best_seconds_each), so the
shared machine's load hits them alike.

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

from _common import ROOT, SAMPLES, best_of, best_seconds_each  # noqa: E402
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


# ---- FFmpeg formats ----------------------------------------------------------------


def ffmpeg_cli(*args) -> None:
    import subprocess

    subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-y", *map(str, args)], check=True)


def prepare_ffmpeg(cache: Path) -> dict:
    """120 s of the recording as AAC/M4A and MP3, 16 clips of 30 s as M4A,
    and one hour as M4A (the recording looped), made once."""
    cache.mkdir(parents=True, exist_ok=True)
    wav = cache / "recording_120s.wav"
    files = {"wav": wav, "m4a": cache / "recording_120s.m4a", "mp3": cache / "recording_120s.mp3",
             "hour": cache / "recording_60min.m4a",
             "clips": [cache / f"clip_{i:02d}.m4a" for i in range(16)]}
    if not wav.exists():
        sf.write(wav, make_recording(2.0), RATE, subtype="PCM_16")
    if not files["m4a"].exists():
        ffmpeg_cli("-i", wav, "-c:a", "aac", "-b:a", "128k", files["m4a"])
    if not files["mp3"].exists():
        ffmpeg_cli("-i", wav, "-c:a", "libmp3lame", "-b:a", "128k", files["mp3"])
    for i, clip in enumerate(files["clips"]):
        if not clip.exists():
            ffmpeg_cli("-ss", 3 * i, "-t", 30, "-i", wav, "-c:a", "aac", "-b:a", "96k", clip)
    if not files["hour"].exists():
        ffmpeg_cli("-stream_loop", "-1", "-i", wav, "-t", 3600, "-c:a", "aac", "-b:a", "96k", files["hour"])
    return files


def torchcodec_peer():
    """TorchCodec's AudioDecoder, or None and why not."""
    try:
        from torchcodec.decoders import AudioDecoder
        return AudioDecoder, None
    except Exception as e:  # noqa: BLE001 - ImportError, or OSError from its native libraries
        return None, f"{type(e).__name__}: {str(e).splitlines()[0][:160]}"


def pyav_read(av, path, rate=None, mono=False):
    """PyAV: every frame of the first audio stream, as float32 (resampled with
    its AudioResampler when asked), joined into one (channels, frames) array."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout="mono" if mono else None, rate=rate) if rate else None
        chunks = []
        for frame in container.decode(stream):
            for f in (resampler.resample(frame) if resampler else [frame]):
                chunks.append(f.to_ndarray())
        if resampler:
            chunks += [f.to_ndarray() for f in resampler.resample(None)]
        return np.concatenate(chunks, axis=1)


def pyav_window(av, path, offset: float, seconds: float):
    """PyAV: seek to `offset` (its nearest earlier packet), decode until the window is covered."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        container.seek(int(offset / stream.time_base), stream=stream)
        got, chunks = 0, []
        for frame in container.decode(stream):
            chunks.append(frame.to_ndarray())
            got += frame.samples
            if frame.time is not None and frame.time >= offset + seconds:
                break
        return np.concatenate(chunks, axis=1)


def report(title: str, times: dict, audio_seconds: float, targets=()) -> dict:
    print(title)
    for who, t in times.items():
        print(f"  {who:<44} {t * 1000:10.2f} ms  {audio_seconds / t:9.0f}x realtime")
    ours = times["mediaview"]
    for who, t in times.items():
        if who != "mediaview":
            target = dict(targets).get(who)
            verdict = "" if target is None else f"  (target >= {target}x: {'met' if t / ours >= target else 'NOT met'})"
            print(f"  mediaview vs {who:<31} {t / ours:6.2f}x{verdict}")
    print()
    return times


def ffmpeg_section(cache: Path) -> None:
    av = optional("av")
    AudioDecoder, why = torchcodec_peer()
    files = prepare_ffmpeg(cache)
    version = next(d for d in mv.decoders() if d["name"] == "ffmpeg")["library_version"]
    print(f"FFmpeg formats: mediaview on {version}"
          + (f", PyAV {av.__version__} on its bundled FFmpeg {av.library_versions['libavcodec']}" if av else ""))
    if AudioDecoder is None:
        print(f"peer not available: TorchCodec ({why})")
    seconds = mv.audio_info(files["m4a"]).duration
    frames = {"WAV": sf.info(files["wav"]).frames, "mediaview": len(mv.read_audio(files["m4a"])[0])}
    if av:
        frames["PyAV"] = pyav_read(av, files["m4a"]).shape[1]
    print("gapless, frames of the 120 s WAV as AAC/M4A: " + ", ".join(f"{k} {v:,}" for k, v in frames.items()) + "\n")
    for label, path in (("AAC/M4A", files["m4a"]), ("MP3", files["mp3"])):
        peers = {"mediaview": lambda p=path: mv.read_audio(p)[0]}
        if av:
            peers["PyAV"] = lambda p=path: pyav_read(av, p)
        if AudioDecoder:
            peers["TorchCodec"] = lambda p=path: AudioDecoder(str(p)).get_all_samples()
        report(f"{label} 120 s -> float32", best_seconds_each(peers, budget=3), seconds,
               [("TorchCodec", 1.0), ("PyAV", 2.0)] if label == "AAC/M4A" else ())
    m4a = files["m4a"]
    peers = {"mediaview": lambda: mv.read_audio(m4a, samplerate=16000, channels=1)[0]}
    if av:
        peers["PyAV"] = lambda: pyav_read(av, m4a, rate=16000, mono=True)
    if AudioDecoder:
        peers["TorchCodec"] = lambda: AudioDecoder(str(m4a), sample_rate=16000, num_channels=1).get_all_samples()
    report("AAC/M4A 120 s -> 16 kHz mono float32", best_seconds_each(peers, budget=3), seconds, [("TorchCodec", 1.2)])
    clips = files["clips"]
    # The same batch as FLAC (libFLAC) in the same rounds: what two threads
    # can give on this machine at the time, whatever the codec.
    flacs = [c.with_suffix(".flac") for c in clips]
    for clip, flac in zip(clips, flacs):
        if not flac.exists():
            ffmpeg_cli("-i", clip, "-c:a", "flac", flac)
    batch = best_seconds_each({"m4a 1": lambda: mv.read_audios(clips, threads=1),
                               "m4a 2": lambda: mv.read_audios(clips, threads=2),
                               "flac 1": lambda: mv.read_audios(flacs, threads=1),
                               "flac 2": lambda: mv.read_audios(flacs, threads=2)}, budget=3)
    speedup = batch["m4a 1"] / batch["m4a 2"]
    print(f"read_audios, {len(clips)} M4A clips of 30 s: threads=1 {batch['m4a 1'] * 1000:.1f} ms, "
          f"threads=2 {batch['m4a 2'] * 1000:.1f} ms: {speedup:.2f}x "
          f"(target >= 1.8x: {'met' if speedup >= 1.8 else 'NOT met'}); the same clips as FLAC: "
          f"{batch['flac 1'] / batch['flac 2']:.2f}x ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})\n")
    hour = files["hour"]
    windows = {"mediaview at 0:00": lambda: mv.read_audio(hour, offset=0, duration=1)[0],
               "mediaview at 59:00": lambda: mv.read_audio(hour, offset=59 * 60, duration=1)[0]}
    if av:
        windows["PyAV seek at 59:00"] = lambda: pyav_window(av, hour, 59 * 60, 1)
    times = best_seconds_each(windows, budget=2)
    for who, t in times.items():
        print(f"  1 s window of a 1 h M4A, {who:<24} {t * 1000:8.2f} ms")
    late = times["mediaview at 59:00"] / times["mediaview at 0:00"]
    print(f"  59th minute / start: {late:.2f}x (target <= 2x: {'met' if late <= 2 else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "mediaview-bench-audio")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ffmpeg", action="store_true", help="also the FFmpeg formats (M4A, MP3 vs PyAV...)")
    parser.add_argument("--only-ffmpeg", action="store_true", help="only the FFmpeg formats")
    args = parser.parse_args()
    if args.only_ffmpeg:
        ffmpeg_section(args.cache)
        return

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
    if args.ffmpeg:
        print()
        ffmpeg_section(args.cache)


if __name__ == "__main__":
    main()
