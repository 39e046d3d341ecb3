"""Subprocess side of tests/test_hostile.py: decodes many damaged versions of
one file and prints one JSON line per input, so the parent can bound the
whole batch with a timeout and still name the input that hung or crashed.

    python hostile_worker.py mutate FILE truncate|flip COUNT
    python hostile_worker.py bomb WIDTH HEIGHT [MAX_PIXELS|none] [rlimit_mb]
    python hostile_worker.py audio-bomb NAME MAX_SAMPLES|default|none [rlimit_mb]

A FILE ending in .jpg is decoded as an image, anything else as audio.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import struct
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

import mediaview

warnings.simplefilter("ignore", mediaview.DecodeWarning)


def outcome(call) -> str:
    try:
        call()
    except mediaview.Error as e:
        return type(e).__name__
    except Exception as e:  # anything else breaks the promise
        return f"UNEXPECTED {type(e).__name__}: {e}"
    return "ok"


def operations(data: bytes, width: int, height: int) -> dict:
    crop = (width // 4, height // 4, max(1, width // 2), max(1, height // 2))
    return {
        "probe": outcome(lambda: mediaview.probe(data)),
        "decode": outcome(lambda: mediaview.decode_image(data)),
        "truncated_oriented": outcome(lambda: mediaview.decode_image(data, allow_truncated=True, orient=True)),
        "strict_gray_quarter": outcome(lambda: mediaview.decode_image(data, mode="L", scale="1/4", strict=True)),
        "crop": outcome(lambda: mediaview.decode_image(data, crop=crop, allow_truncated=True)),
    }


def scan_start(data: bytes) -> int:
    """Offset of the first byte after the first SOS segment (the entropy-coded data)."""
    at = 2
    while at + 4 <= len(data):
        marker, length = data[at + 1], int.from_bytes(data[at + 2:at + 4], "big")
        at += 2 + length
        if marker == 0xDA:
            return at
    raise ValueError("no SOS")


def cut_points(data: bytes, count: int) -> list:
    sos = scan_start(data)
    spread = [sos + (len(data) - 2 - sos) * k // (count + 1) for k in range(1, count + 1)]
    header = [0, 1, 2, 3, 4, 11, 20, sos // 2, sos - 1, sos, sos + 1]
    return sorted(set(p for p in header + spread + [len(data) - 2, len(data) - 1] if 0 <= p < len(data)))


def flipped(data: bytes, rng: random.Random) -> tuple:
    out = bytearray(data)
    where = []
    for _ in range(rng.randint(1, 4)):
        # Half the flips land in the first 2 KiB, where the headers and tables are.
        at = rng.randrange(min(len(out), 2048)) if rng.random() < 0.5 else rng.randrange(len(out))
        out[at] ^= rng.randint(1, 255)
        where.append(at)
    return bytes(out), where


def mutate_image(path: Path, kind: str, count: int) -> None:
    data = path.read_bytes()
    try:
        info = mediaview.probe(data)
        width, height = info.width, info.height
    except mediaview.Error:  # e.g. 12-bit: mutated copies must still fail cleanly
        width, height = 64, 64
    rng = random.Random(f"{path.name}:{kind}")  # deterministic per file
    print(json.dumps({"file": path.name, "size": len(data), "scan_start": scan_start(data)}), flush=True)
    inputs = ([(data[:cut], {"cut": cut}) for cut in cut_points(data, count)] if kind == "truncate"
              else [(lambda d, w: (d, {"flips": w}))(*flipped(data, rng)) for _ in range(count)])
    run_inputs(inputs, lambda mutated: operations(mutated, width, height))


def run_inputs(inputs: list, operations_of) -> None:
    for mutated, what in inputs:
        print(json.dumps({"start": what}), flush=True)
        print(json.dumps({"input": what, "outcomes": operations_of(mutated)}), flush=True)
    print(json.dumps({"done": len(inputs)}), flush=True)


# ---- audio --------------------------------------------------------------------

def digest(view) -> str:
    # Touching every byte also proves the view's memory is really there.
    return hashlib.sha1(np.ascontiguousarray(np.asarray(view))).hexdigest()


def audio_outcome(call, intact=None) -> str:
    """'ok' for a call, 'ok:SHAPE:DIGEST' for a read, else the error's name.
    With the `intact` file's samples, a read also says whether its frames
    are the leading frames of those ('prefix') or not ('differs')."""
    result = {}

    def run():
        result["value"] = call()

    text = outcome(run)
    value = result.get("value")
    if text != "ok" or not isinstance(value, memoryview):
        return text
    text = f"ok:{'x'.join(map(str, value.shape))}:{digest(value)}"
    if intact is not None:
        got = np.asarray(value)
        same = len(got) <= len(intact) and np.array_equal(got, intact[:len(got)])
        text += ":prefix" if same else ":differs"
    return text


def audio_operations(data: bytes, scratch: Path, intact=None) -> dict:
    scratch.write_bytes(data)

    def stream():
        for block in mediaview.stream_audio(data, 4096, overlap=256, dtype="int16"):
            np.asarray(block).sum()

    return {
        "info": audio_outcome(lambda: mediaview.audio_info(data)),
        "read": audio_outcome(lambda: mediaview.read_audio(data, always_2d=True)[0], intact),
        "range_threads": audio_outcome(lambda: mediaview.read_audio(data, dtype="int16", start=1000, frames=20000,
                                                                    threads=2)[0]),
        "planar_f64": audio_outcome(lambda: mediaview.read_audio(data, dtype="float64", layout="planar")[0]),
        "stream": audio_outcome(stream),
        # From a path: the memory-mapped path is taken where the header allows.
        "path_int16": audio_outcome(lambda: mediaview.read_audio(scratch, dtype="int16", always_2d=True)[0]),
    }


def audio_cut_points(size: int, count: int) -> list:
    header = [0, 1, 2, 3, 4, 8, 12, 16, 24, 36, 42, 44, 64, 100, 200, 500, 1000]
    spread = [size * k // (count + 1) for k in range(1, count + 1)]
    return sorted(set(p for p in header + spread + [size - 2, size - 1] if 0 <= p < size))


def mutate_audio(path: Path, kind: str, count: int) -> None:
    data = path.read_bytes()
    rng = random.Random(f"{path.name}:{kind}")
    with tempfile.TemporaryDirectory(prefix="mediaview-hostile-") as tmp:
        scratch = Path(tmp) / ("input" + path.suffix)
        print(json.dumps({"file": path.name, "size": len(data), "intact": audio_operations(data, scratch)}),
              flush=True)
        try:
            intact = np.asarray(mediaview.read_audio(data, always_2d=True)[0])
        except mediaview.Error:  # e.g. 20-bit FLAC: mutated copies must still fail cleanly
            intact = None
        inputs = ([(data[:cut], {"cut": cut}) for cut in audio_cut_points(len(data), count)] if kind == "truncate"
                  else [(lambda d, w: (d, {"flips": w}))(*flipped(data, rng)) for _ in range(count)])
        run_inputs(inputs, lambda mutated: audio_operations(mutated, scratch, intact))


def mutate(path: Path, kind: str, count: int) -> None:
    if path.suffix == ".jpg":
        mutate_image(path, kind, count)
    else:
        mutate_audio(path, kind, count)


def with_dimensions(data: bytes, width: int, height: int) -> bytes:
    at = 2
    while True:
        marker, length = data[at + 1], int.from_bytes(data[at + 2:at + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return data[:at + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + data[at + 9:]
        at += 2 + length


def peak_rss_mb() -> float:
    """This process's peak resident size. VmHWM, not getrusage's ru_maxrss:
    exec carries the parent's peak over into ru_maxrss (subprocess uses
    vfork), so under a large pytest process ru_maxrss would hide any growth
    here below the parent's own peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def bomb(width: int, height: int, max_pixels: str, rlimit_mb: int) -> None:
    sample = Path(__file__).resolve().parents[1] / "samples" / "chelsea_420.jpg"
    good = sample.read_bytes()
    mediaview.decode_image(good)  # libraries loaded and warmed up before the baseline
    # The header claims width x height, and only the first 64 bytes of scan data follow.
    data = with_dimensions(good, width, height)
    data = data[:scan_start(data) + 64]
    if rlimit_mb:
        # Any allocation of the claimed size fails outright under this cap.
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (rlimit_mb << 20, hard))
    before = peak_rss_mb()
    limit = None if max_pixels == "none" else int(max_pixels)  # None: no limit
    result = {
        "probe": outcome(lambda: mediaview.probe(data)),
        "decode": outcome(lambda: mediaview.decode_image(data, max_pixels=limit)),
        "decode_gray_eighth": outcome(lambda: mediaview.decode_image(data, max_pixels=limit, mode="L", scale="1/8")),
    }
    result.update(size=len(data), rss_before_mb=before, rss_peak_mb=peak_rss_mb())
    print(json.dumps(result), flush=True)


# ---- audio bombs --------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def flac_claiming(data: bytes, frames: int, channels: int = 0) -> bytes:
    """The FLAC with its STREAMINFO total-samples field (36 bits) set to
    `frames` and, when given, its channel count (3 bits, 1-8) changed."""
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO comes first
    fields = int.from_bytes(data[8:42], "big")  # 272 bits; the MD5 is the low 128
    fields &= ~(((1 << 36) - 1) << 128)
    fields |= frames << 128
    if channels:
        fields &= ~(0b111 << 169)
        fields |= (channels - 1) << 169
    return data[:8] + fields.to_bytes(34, "big") + data[42:]


def ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def ogg_pages(data: bytes) -> list:
    pages, at = [], 0
    while at < len(data):
        segments = data[at + 27:at + 27 + data[at + 26]]
        size = 27 + len(segments) + sum(segments)
        pages.append(data[at:at + size])
        at += size
    return pages


def ogg_claiming(data: bytes, granule: int, keep_pages: int = 4) -> bytes:
    """The first `keep_pages` pages, the last of them with its granule
    position (the stream's length, as libsndfile reads it) set to `granule`."""
    pages = ogg_pages(data)[:keep_pages]
    last = bytearray(pages[-1])
    last[6:14] = struct.pack("<q", granule)
    last[22:26] = bytes(4)
    last[22:26] = struct.pack("<I", ogg_crc(bytes(last)))
    return b"".join(pages[:-1]) + bytes(last)


def wav_claiming(channels: int, frames: int) -> bytes:
    block = channels * 2
    fmt = struct.pack("<HHIIHH", 1, channels & 0xFFFF, 44100, (44100 * block) & 0xFFFFFFFF, block & 0xFFFF, 16)
    body = bytes(256)
    return (b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" +
            struct.pack("<I", min(frames * block, 0xFFFFFFFF)) + body)


AUDIO_BOMBS = {
    # 2^36 - 1 frames (the field's maximum) of stereo in 40 KB.
    "flac-frames": lambda: flac_claiming((SAMPLES / "music_stereo.flac").read_bytes()[:40000], 2**36 - 1),
    "flac-frames-8ch": lambda: flac_claiming((SAMPLES / "music_stereo.flac").read_bytes()[:40000], 2**36 - 1, 8),
    # An Ogg Vorbis stream whose last page says 2^40 samples.
    "ogg-granule": lambda: ogg_claiming((SAMPLES / "music_stereo.ogg").read_bytes(), 2**40),
    "opus-granule": lambda: ogg_claiming((SAMPLES / "music_stereo.opus").read_bytes(), 2**40),
    # 2^62 frames: frames x channels x 8 bytes does not fit in 64 bits.
    "ogg-granule-2^62": lambda: ogg_claiming((SAMPLES / "music_stereo.ogg").read_bytes(), 2**62),
    "wav-channels": lambda: wav_claiming(65535, 1000),
    # The whole real file, claiming 2^29 stereo frames: 2^30 samples, right
    # at the default limit, so the buffer is allocated on the header's word.
    "flac-within-limit": lambda: flac_claiming((SAMPLES / "music_stereo.flac").read_bytes(), 2**29),
}


def audio_bomb(name: str, max_samples: str, rlimit_mb: int) -> None:
    mediaview.read_audio(SAMPLES / "music_stereo.flac")  # libraries loaded before the baseline
    mediaview.read_audio(SAMPLES / "music_stereo.ogg")
    data = AUDIO_BOMBS[name]()
    if rlimit_mb:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (rlimit_mb << 20, hard))
    if max_samples == "none":
        mediaview.MAX_AUDIO_SAMPLES = None  # no limit at all
    # "default": the package setting, which is what leaving max_samples out means.
    limit = mediaview.DEFAULT if max_samples in ("none", "default") else int(max_samples)
    before = peak_rss_mb()
    # allow_truncated: a file holding fewer frames than its header claims is
    # truncated, a DecodeError by default; here what it really holds is wanted.
    result = {
        "info": audio_outcome(lambda: mediaview.audio_info(data)),
        # allow_truncated: the memory is under test here; a file holding
        # less than its header claims is an error by default ("default").
        "read": audio_outcome(lambda: mediaview.read_audio(data, max_samples=limit, allow_truncated=True)[0]),
        "read_f64_threads": audio_outcome(lambda: mediaview.read_audio(data, dtype="float64", threads=2,
                                                                       max_samples=limit, allow_truncated=True)[0]),
        "default": audio_outcome(lambda: mediaview.read_audio(data, max_samples=limit)[0]),
        "first_second": audio_outcome(lambda: mediaview.read_audio(data, frames=11025, max_samples=limit)[0]),
    }
    try:
        result["frames_claimed"] = mediaview.audio_info(data).frames
    except mediaview.Error:
        pass
    result.update(size=len(data), rss_before_mb=before, rss_peak_mb=peak_rss_mb())
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "mutate":
        mutate(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "audio-bomb":
        audio_bomb(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    else:
        bomb(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 0)
