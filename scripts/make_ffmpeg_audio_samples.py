#!/usr/bin/env python3
"""Makes the samples of the FFmpeg audio codec from the recordings already in
samples/ (music_stereo.flac, speech_mono.wav, chelsea_420.jpg for a video
track), reproducibly, with the ``ffmpeg`` command-line tool (Debian's FFmpeg
5.1, ``apt-get install ffmpeg``). Deterministic encoder settings and no
encoder tag, so a rerun gives the same bytes with the same FFmpeg.

    .venv/bin/python scripts/make_ffmpeg_audio_samples.py

Everything here is small (about 200 KB in all); longer inputs (the 120 s
gapless check, the one-hour seek benchmark) are made at test or bench time
by the same recipes (``encode()``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
MUSIC = SAMPLES / "music_stereo.flac"   # 4 s, 11025 Hz, stereo
SPEECH = SAMPLES / "speech_mono.wav"    # 3.1 s, 22050 Hz, mono
PHOTO = SAMPLES / "chelsea_420.jpg"

# Bit-exact output: no encoder version string, no creation time.
QUIET = ["-hide_banner", "-v", "error", "-y"]
BITEXACT = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]

# name: (inputs, output options): one recipe per sample.
RECIPES = {
    # AAC-LC in M4A as FFmpeg writes it: the index (moov) after the data (mdat).
    "music_stereo.m4a": ([MUSIC], ["-c:a", "aac", "-b:a", "48k"]),
    # The same with the index first (what a truncated download keeps).
    "music_faststart.m4a": ([MUSIC], ["-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart"]),
    # ALAC (lossless) in M4A, from 16-bit speech.
    "speech_alac.m4a": ([SPEECH], ["-c:a", "alac"]),
    # Raw ADTS AAC: no index, no length.
    "music_stereo.aac": ([MUSIC], ["-c:a", "aac", "-b:a", "48k", "-f", "adts"]),
    # WMA v2 in ASF.
    "music_stereo.wma": ([MUSIC], ["-c:a", "wmav2", "-b:a", "48k"]),
    # AC-3 and E-AC-3 take 32, 44.1 or 48 kHz.
    "speech_mono.ac3": ([SPEECH], ["-ar", "32000", "-c:a", "ac3", "-b:a", "48k"]),
    "speech_mono.eac3": ([SPEECH], ["-ar", "32000", "-c:a", "eac3", "-b:a", "48k"]),
    # Matroska audio (Vorbis) and WebM (Opus, which resamples to 48 kHz).
    "music_stereo.mka": ([MUSIC], ["-c:a", "libvorbis", "-q:a", "2"]),
    "speech_mono.webm": ([SPEECH], ["-c:a", "libopus", "-b:a", "24k"]),
}


def encode(inputs, options, out: Path, before=()) -> Path:
    """Runs ffmpeg on `inputs` with `options` into `out` (deterministically)."""
    cmd = ["ffmpeg", *QUIET, *before]
    for path in inputs:
        cmd += ["-i", str(path)]
    subprocess.run([*cmd, *BITEXACT, *options, str(out)], check=True)
    return out


def video_with_two_audio_streams(out: Path) -> Path:
    """A 3 s MP4: a tiny video of the photo (stream 0), then the speech
    (stream 1, mono AAC) and the music (stream 2, stereo AAC), the music
    marked as the default audio."""
    return encode([PHOTO, SPEECH, MUSIC],
                  ["-map", "0:v", "-map", "1:a", "-map", "2:a", "-t", "3",
                   "-vf", "scale=64:48,format=yuv420p", "-r", "2", "-c:v", "mpeg4", "-q:v", "10",
                   "-c:a", "aac", "-b:a", "32k", "-disposition:a:0", "0", "-disposition:a:1", "default"],
                  out, before=["-loop", "1", "-framerate", "2"])


def main() -> int:
    for name, (inputs, options) in RECIPES.items():
        encode(inputs, options, SAMPLES / name)
    video_with_two_audio_streams(SAMPLES / "video_two_audio.mp4")
    total = 0
    for name in [*RECIPES, "video_two_audio.mp4"]:
        size = (SAMPLES / name).stat().st_size
        total += size
        print(f"{name:24s} {size:8d} bytes")
    print(f"{'total':24s} {total:8d} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
