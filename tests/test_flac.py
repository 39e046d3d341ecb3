"""FLAC through libFLAC: bit-exact against the reference decoder (`flac -d`)
on the IETF conformance corpus and on streams made here with the `flac`
encoder (8 to 32 bits, 1 to 8 channels, no total-samples field, a stream
starting at a frame header, Ogg FLAC); values against python-soundfile where
it reads the file; ranges and threads; verify=; the damage policy.

Conversion rules (libsndfile's, see decoders/flac/flac_codec.hpp): a b-bit
sample s is int32 s << (32 - b), int16 the top 16 bits of that, float
s / 2^(b-1).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import mediaview as mv
from audio_oracle import FLAC_CORPUS, SAMPLES
from conftest import corpus_files

pytestmark = pytest.mark.skipif(shutil.which("flac") is None, reason="the flac tool (Debian package flac) is absent")

DTYPES = ("int16", "int32", "float32", "float64")


# ---- making streams and decoding them with the reference tool -------------------------


def signal(bits: int, channels: int, frames: int, seed: int = 1) -> np.ndarray:
    """Noisy tones at full scale for `bits`, including both extremes."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames)[:, None]
    x = 0.7 * np.sin(0.01 * (np.arange(channels) + 1) * t) + 0.2 * rng.uniform(-1, 1, (frames, channels))
    top = 2 ** (bits - 1)
    s = np.clip(np.round(x * top), -top, top - 1).astype(np.int64)
    s[0, 0], s[1, 0] = -top, top - 1
    return s


def raw_bytes(samples: np.ndarray, bits: int) -> bytes:
    """Little-endian signed samples in whole bytes, as flac reads raw input."""
    width = (bits + 7) // 8
    v = samples.astype(np.int64).reshape(-1) & ((1 << (8 * width)) - 1)
    return np.stack([(v >> (8 * i)) & 0xFF for i in range(width)], axis=1).astype(np.uint8).tobytes()


def from_raw_bytes(data: bytes, bits: int, channels: int) -> np.ndarray:
    width = (bits + 7) // 8
    b = np.frombuffer(data, np.uint8).reshape(-1, width).astype(np.int64)
    v = sum(b[:, i] << (8 * i) for i in range(width))
    v = np.where(v >= 1 << (8 * width - 1), v - (1 << (8 * width)), v)
    return v.reshape(-1, channels)


def wavex_bytes(samples: np.ndarray, bits: int, rate: int) -> bytes:
    """A WAVE_FORMAT_EXTENSIBLE file whose valid bits per sample are `bits`
    in whole-byte containers (samples left-justified in them): how the flac
    tool takes 12- or 20-bit input (its raw input is 8/16/24/32 bits only)."""
    channels, width = samples.shape[1], (bits + 7) // 8
    data = raw_bytes(samples.astype(np.int64) << (8 * width - bits), 8 * width)
    pcm_guid = bytes.fromhex("0100000000001000800000aa00389b71")
    fmt = struct.pack("<HHIIHHHHI16s", 0xFFFE, channels, rate, rate * channels * width, channels * width, 8 * width,
                      22, bits, 0, pcm_guid)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def encode(tmp_path: Path, samples: np.ndarray, bits: int, rate: int = 44100, *extra: str, name: str = "x") -> Path:
    out = tmp_path / (name + (".oga" if "--ogg" in extra else ".flac"))
    if bits in (8, 16, 24, 32):
        src = tmp_path / f"{name}.raw"
        src.write_bytes(raw_bytes(samples, bits))
        form = ["--force-raw-format", "--endian=little", "--sign=signed", f"--channels={samples.shape[1]}",
                f"--bps={bits}", f"--sample-rate={rate}"]
    else:
        src = tmp_path / f"{name}.wav"
        src.write_bytes(wavex_bytes(samples, bits, rate))
        form = ["--channel-map=none"]
    subprocess.run(["flac", "-s", "-f", *form, *extra, "-o", str(out), str(src)], check=True)
    return out


def info_of(path: Path) -> tuple:
    """(bits, channels) from metaflac, the reference tool's own reading."""
    out = subprocess.run(["metaflac", "--show-bps", "--show-channels", str(path)], check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1])


def reference(path: Path, bits: int, channels: int, *extra: str) -> np.ndarray:
    """`flac -d` (to WAV: its raw output takes 8/16/24/32 bits only), as the
    raw sample values. The tool stores other sizes left-justified in whole
    bytes and 8 bits unsigned, as WAV does."""
    ogg = ["--ogg"] if path.suffix == ".oga" else []
    wav = subprocess.run(["flac", "-d", "-s", "-c", *ogg, *extra, str(path)], capture_output=True).stdout
    at, data, width = 12, b"", 0
    while at + 8 <= len(wav):
        tag, size = wav[at:at + 4], int.from_bytes(wav[at + 4:at + 8], "little")
        if tag == b"fmt ":
            width = int.from_bytes(wav[at + 20:at + 22], "little") // channels  # block align / channels
        if tag == b"data":
            data = wav[at + 8:]  # to the end: a size written to a pipe may be a placeholder
            data = data[:len(data) // (width * channels) * width * channels]
            break
        at += 8 + size + (size & 1)
    if width == 1:
        return np.frombuffer(data, np.uint8).astype(np.int64).reshape(-1, channels) - 128
    return from_raw_bytes(data, 8 * width, channels) >> (8 * width - bits)


def expected(raw: np.ndarray, bits: int, dtype: str) -> np.ndarray:
    """The libsndfile rules applied to raw sample values."""
    left = (raw.astype(np.int64) << (32 - bits)).astype(np.int32)
    if dtype == "int32":
        return left
    if dtype == "int16":
        return (left >> 16).astype(np.int16)
    if dtype == "float32":
        return (raw.astype(np.float32) * np.float32(2.0 ** (1 - bits))).astype(np.float32)
    return raw.astype(np.float64) * 2.0 ** (1 - bits)


def read(src, **kw) -> np.ndarray:
    return np.asarray(mv.read_audio(src, always_2d=True, **kw)[0])


def read_quietly(src, **kw) -> tuple:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = read(src, **kw)
    return data, [str(w.message) for w in caught if issubclass(w.category, mv.DecodeWarning)]


def strip_metadata(data: bytes) -> bytes:
    """The frames only: a stream that starts at a frame header."""
    at = 4
    while True:
        last, length = data[at] & 0x80, int.from_bytes(data[at + 1:at + 4], "big")
        at += 4 + length
        if last:
            return data[at:]


def without_total(data: bytes) -> bytes:
    """STREAMINFO's 36-bit total-samples field zeroed: length unknown."""
    d = bytearray(data)
    assert d[:4] == b"fLaC" and d[4] & 0x7F == 0
    d[21] &= 0xF0
    d[22:26] = bytes(4)
    return bytes(d)


@pytest.fixture(scope="module")
def stereo16(tmp_path_factory) -> tuple:
    """A 10 s stereo 16-bit stream in 4096-frame blocks and its samples."""
    tmp = tmp_path_factory.mktemp("flac")
    samples = signal(16, 2, 441000)
    return encode(tmp, samples, 16, 44100, "--blocksize=4096", name="stereo16"), samples


# ---- the registry -------------------------------------------------------------------


def test_listed_with_libflac_and_picked_for_flac():
    entry = next(d for d in mv.decoders() if d["name"] == "flac")
    assert entry["kind"] == "audio"
    assert entry["library_version"].startswith("libFLAC 1.")
    assert "flac" in entry["extensions"]
    info = mv.audio_info(SAMPLES / "music_stereo.flac")
    assert (info.format, info.subtype) == ("FLAC", "PCM_16")


# ---- bit-exact against flac -d ---------------------------------------------------------


def flac_accepts(path: Path) -> bool:
    return subprocess.run(["flac", "-t", "-s", str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("path", corpus_files("flac", "*.flac"))
def test_corpus_is_bit_exact_against_flac(path):
    if not flac_accepts(path):
        pytest.skip("flac -t refuses this file")
    bits, channels = info_of(path)
    ref = reference(path, bits, channels)
    for dtype in DTYPES:
        ours = read(path, dtype=dtype)
        np.testing.assert_array_equal(ours, expected(ref, bits, dtype), err_msg=dtype)
    info = mv.audio_info(path)
    assert info.channels == channels
    if "no total number of samples" in path.name:
        assert info.frames == -1 and not info.exact_length
    else:
        assert info.frames == len(ref) and info.exact_length


@pytest.mark.parametrize("path", corpus_files("flac", "*.flac"))
def test_corpus_equals_soundfile_where_it_reads(path):
    if "no total number of samples" in path.name:
        pytest.skip("soundfile cannot read a stream of unknown length (it allocates SF_COUNT_MAX frames)")
    try:
        ref = {dtype: sf.read(path, dtype=dtype, always_2d=True)[0] for dtype in DTYPES}
    except (sf.LibsndfileError, RuntimeError) as e:
        pytest.skip(f"python-soundfile refuses it: {e}")
    for dtype in DTYPES:
        np.testing.assert_array_equal(read(path, dtype=dtype), ref[dtype], err_msg=dtype)
    assert mv.audio_info(path).subtype == sf.info(path).subtype


@pytest.mark.parametrize("bits", [8, 12, 16, 20, 24, 32])
@pytest.mark.parametrize("channels", [1, 2, 3, 6, 8])
def test_made_streams_are_bit_exact(tmp_path, bits, channels):
    samples = signal(bits, channels, 20000, seed=bits * 10 + channels)
    path = encode(tmp_path, samples, bits, 48000)
    ref = reference(path, bits, channels)
    np.testing.assert_array_equal(ref, samples)  # the tool round-trips: a sound oracle
    for dtype in DTYPES:
        np.testing.assert_array_equal(read(path, dtype=dtype), expected(samples, bits, dtype), err_msg=dtype)
    info = mv.audio_info(path)
    assert (info.channels, info.samplerate, info.frames) == (channels, 48000, 20000)
    assert info.subtype == {8: "PCM_S8", 12: "PCM_12", 16: "PCM_16", 20: "PCM_20", 24: "PCM_24", 32: "PCM_32"}[bits]
    if bits in (8, 16, 24):  # what libsndfile reads
        for dtype in DTYPES:
            np.testing.assert_array_equal(read(path, dtype=dtype), sf.read(path, dtype=dtype, always_2d=True)[0])


def test_bytes_and_file_objects_equal_the_path(stereo16):
    path, _ = stereo16
    data = path.read_bytes()
    np.testing.assert_array_equal(read(data, dtype="int16"), read(path, dtype="int16"))
    with open(path, "rb") as f:
        np.testing.assert_array_equal(read(f, dtype="int16"), read(path, dtype="int16"))


def test_no_total_samples_and_no_seektable(tmp_path):
    samples = signal(24, 2, 50000)
    path = encode(tmp_path, samples, 24, 96000, "--no-seektable")
    bare = tmp_path / "nototal.flac"
    bare.write_bytes(without_total(path.read_bytes()))
    info = mv.audio_info(bare)
    assert info.frames == -1 and not info.exact_length
    np.testing.assert_array_equal(read(bare, dtype="int32"), expected(samples, 24, "int32"))
    np.testing.assert_array_equal(read(bare, dtype="int32", start=12345, stop=23456),
                                  expected(samples, 24, "int32")[12345:23456])


def test_stream_starting_at_a_frame_header(tmp_path):
    samples = signal(16, 2, 50000)
    path = encode(tmp_path, samples, 16, 44100)
    frames_only = strip_metadata(path.read_bytes())
    assert frames_only[:2] in (b"\xff\xf8", b"\xff\xf9")
    info = mv.audio_info(frames_only)
    assert (info.format, info.channels, info.samplerate, info.frames) == ("FLAC", 2, 44100, -1)
    assert not info.exact_length
    np.testing.assert_array_equal(read(frames_only, dtype="int16"), samples)
    np.testing.assert_array_equal(read(frames_only, dtype="int16", start=30000, frames=100), samples[30000:30100])


def test_ogg_flac(tmp_path):
    samples = signal(16, 2, 60000)
    path = encode(tmp_path, samples, 16, 44100, "--ogg")
    info = mv.audio_info(path)
    assert (info.format, info.subtype, info.frames) == ("OGG", "PCM_16", 60000)
    np.testing.assert_array_equal(reference(path, 16, 2), samples)
    np.testing.assert_array_equal(read(path, dtype="int16"), samples)
    np.testing.assert_array_equal(read(path, dtype="int16", start=33333, stop=44444), samples[33333:44444])


# ---- ranges and threads ----------------------------------------------------------


def test_ranges_are_sample_exact(stereo16):
    path, samples = stereo16
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = int(rng.integers(0, len(samples)))
        b = int(min(len(samples), a + rng.integers(1, 30000)))
        np.testing.assert_array_equal(read(path, dtype="int16", start=a, stop=b), samples[a:b])


@pytest.mark.parametrize("threads", [2, 3, 4])
@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_threads_are_bit_identical(stereo16, threads, dtype):
    path, _ = stereo16
    one = read(path, dtype=dtype)
    np.testing.assert_array_equal(read(path, dtype=dtype, threads=threads), one)
    np.testing.assert_array_equal(read(path, dtype=dtype, threads=threads, start=100001, stop=400003),
                                  one[100001:400003])


# ---- verify= -----------------------------------------------------------------------


def test_verify_passes_a_good_stream(stereo16):
    path, samples = stereo16
    data, caught = read_quietly(path, dtype="int16", verify=True)
    np.testing.assert_array_equal(data, samples)
    assert caught == []
    # A range is verified too: the rest of the stream is decoded for the check.
    data, caught = read_quietly(path, dtype="int16", verify=True, start=1000, stop=2000)
    np.testing.assert_array_equal(data, samples[1000:2000])
    assert caught == []


def test_verify_refuses_a_tampered_md5(stereo16, tmp_path):
    path, _ = stereo16
    d = bytearray(path.read_bytes())
    d[8 + 18 + 7] ^= 0x01  # a byte of STREAMINFO's MD5 signature
    tampered = tmp_path / "tampered.flac"
    tampered.write_bytes(bytes(d))
    assert subprocess.run(["flac", "-t", "-s", str(tampered)], capture_output=True).returncode != 0
    read(tampered, dtype="int16")  # without verify: read as usual
    with pytest.raises(mv.DecodeError, match="MD5"):
        read(tampered, dtype="int16", verify=True)
    with pytest.raises(mv.DecodeError, match="MD5"):
        read(tampered, dtype="int16", verify=True, frames=10)


def test_verify_warns_when_there_is_no_md5(stereo16, tmp_path):
    path, samples = stereo16
    d = bytearray(path.read_bytes())
    d[8 + 18:8 + 34] = bytes(16)
    unsigned = tmp_path / "unsigned.flac"
    unsigned.write_bytes(bytes(d))
    data, caught = read_quietly(unsigned, dtype="int16", verify=True)
    np.testing.assert_array_equal(data, samples)
    assert len(caught) == 1 and "no MD5" in caught[0]
    with pytest.raises(mv.DecodeError, match="no MD5"):
        read(unsigned, dtype="int16", verify=True, strict=True)


# ---- damage ------------------------------------------------------------------------


@pytest.mark.parametrize("percent", [10, 50, 99])
def test_a_cut_stream_raises_unless_truncation_is_allowed(stereo16, tmp_path, percent):
    path, samples = stereo16
    data = path.read_bytes()
    cut = tmp_path / f"cut{percent}.flac"
    cut.write_bytes(data[:len(data) * percent // 100])
    with pytest.raises(mv.DecodeError, match="allow_truncated"):
        read(cut, dtype="int16")
    partial, caught = read_quietly(cut, dtype="int16", allow_truncated=True)
    assert 0 < len(partial) < len(samples)
    np.testing.assert_array_equal(partial, samples[:len(partial)])
    # What the reference decoder gets from the same bytes.
    np.testing.assert_array_equal(partial, reference(cut, 16, 2, "-F"))
    assert any(f"{len(partial)} of the {len(samples)}" in w for w in caught), caught
    with pytest.raises(mv.DecodeError):
        read(cut, dtype="int16", allow_truncated=True, strict=True)
    # threads: the same frames
    np.testing.assert_array_equal(read_quietly(cut, dtype="int16", allow_truncated=True, threads=2)[0], partial)
    # The frames before the cut read without complaint.
    np.testing.assert_array_equal(read(cut, dtype="int16", frames=len(partial) // 2), samples[:len(partial) // 2])


def lost_ranges(message: str) -> list:
    """[(first, last), ...] from "FLAC stream damaged: frames A-B lost ...; frames C-D lost ..."."""
    return [(int(a), int(b)) for a, b in re.findall(r"frames (\d+)-(\d+) lost", message)]


@pytest.mark.parametrize("where", [0.3, 0.5, 0.8])
def test_a_flipped_byte_loses_one_frame_not_the_file(stereo16, tmp_path, where):
    path, samples = stereo16
    d = bytearray(path.read_bytes())
    d[int(len(d) * where)] ^= 0x24
    damaged = tmp_path / "flipped.flac"
    damaged.write_bytes(bytes(d))
    data, caught = read_quietly(damaged, dtype="int16")
    assert len(data) == len(samples)
    assert len(caught) == 1, caught
    ((a, b),) = lost_ranges(caught[0])
    assert a % 4096 == 0 and b - a + 1 == 4096, caught
    assert not data[a:b + 1].any()
    np.testing.assert_array_equal(data[:a], samples[:a])
    np.testing.assert_array_equal(data[b + 1:], samples[b + 1:])
    # flac -F returns the same, except that libFLAC 1.4.2 itself also
    # zeroes the good frame after the one it drops (fixed in 1.4.3); this
    # codec decodes that frame again.
    ref = reference(damaged, 16, 2, "-F")
    assert len(ref) == len(samples)
    np.testing.assert_array_equal(data[:b + 1], ref[:b + 1])
    np.testing.assert_array_equal(data[b + 1 + 4096:], ref[b + 1 + 4096:])
    with pytest.raises(mv.DecodeError):
        read(damaged, dtype="int16", strict=True)
    np.testing.assert_array_equal(read_quietly(damaged, dtype="int16", threads=2)[0], data)


def test_a_damaged_first_frame_keeps_the_rest_in_place(stereo16, tmp_path):
    path, samples = stereo16
    d = bytearray(path.read_bytes())
    first = len(d) - len(strip_metadata(bytes(d)))
    d[first + 600] ^= 0x81
    data, caught = read_quietly(bytes(d), dtype="int16")
    assert len(data) == len(samples)
    assert any("frames 0-4095" in w for w in caught), caught
    assert not data[:4096].any()
    np.testing.assert_array_equal(data[4096:], samples[4096:])


def test_several_flipped_bytes(stereo16):
    path, samples = stereo16
    d = bytearray(path.read_bytes())
    rng = np.random.default_rng(11)
    first = len(d) - len(strip_metadata(bytes(d)))
    for at in rng.integers(first, len(d), 5):
        d[int(at)] ^= 1 << int(rng.integers(0, 8))
    data, caught = read_quietly(bytes(d), dtype="int16")
    assert len(data) == len(samples) and caught
    lost = np.zeros(len(samples), bool)
    assert len(caught) == 1, caught  # one message naming every stretch
    for a, b in lost_ranges(caught[0]):
        lost[a:b + 1] = True
    np.testing.assert_array_equal(data[~lost], samples[~lost])


def test_hostile_bytes_fail_cleanly():
    for data in (b"fLaC", b"fLaC" + bytes(100), b"fLaC\x00\x00\x00\x22" + bytes(34), b"\xff\xf8" + bytes(50)):
        try:
            read_quietly(data)
        except mv.Error:
            pass


HOSTILE_WORKER = r'''
import random, resource, sys, warnings
import mediaview as mv
warnings.simplefilter("ignore")
data = open(sys.argv[1], "rb").read()
first = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]) << 20, resource.RLIM_INFINITY))
rng = random.Random(5)

def claiming(d, frames, channels=0):
    d = bytearray(d)
    if channels:  # STREAMINFO: 3 bits of channels - 1 at byte 8+12
        d[20] = (d[20] & 0xF1) | ((channels - 1) << 1)
    d[21] = (d[21] & 0xF0) | ((frames >> 32) & 0x0F)
    d[22:26] = (frames & 0xFFFFFFFF).to_bytes(4, "big")
    return bytes(d)

inputs = [claiming(data[:40000], 2**36 - 1), claiming(data[:40000], 2**36 - 1, 8), claiming(data, 2**25),
          data[first:first + 30000], b"\xff\xf8" + bytes(60000), data[:first] + bytes(60000)]
for _ in range(60):
    d = bytearray(data[:rng.randrange(first, len(data))])
    for _ in range(rng.randrange(1, 30)):
        d[rng.randrange(len(d))] = rng.randrange(256)
    inputs.append(bytes(d))
outcomes = {}
for d in inputs:
    for kw in ({}, {"allow_truncated": True}, {"allow_truncated": True, "threads": 2, "dtype": "float64"},
               {"verify": True, "allow_truncated": True}, {"frames": 5000, "start": 10}):
        try:
            mv.read_audio(d, **kw)
            outcome = "ok"
        except mv.Error as e:
            outcome = type(e).__name__
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
print(sorted(outcomes.items()))
'''


@pytest.mark.skipif("asan" in os.environ.get("LD_PRELOAD", ""), reason="ASan's shadow memory needs more address space")
def test_hostile_inputs_under_a_memory_cap(stereo16, tmp_path):
    # Claims of 2^36 frames, 8 channels over stereo frames, garbage frame
    # headers and randomly damaged copies, each read under every policy,
    # within a 1.5 GB address-space cap: typed errors or data, nothing else
    # (a MemoryError or a crash fails the worker).
    path, _ = stereo16
    data = path.read_bytes()
    first = len(data) - len(strip_metadata(data))
    worker = tmp_path / "worker.py"
    worker.write_text(HOSTILE_WORKER)
    done = subprocess.run([sys.executable, str(worker), str(path), str(first), "1536"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr == ""
    outcomes = dict(eval(done.stdout))  # [("DecodeError", n), ("LimitError", n), ("ok", n)]
    assert set(outcomes) <= {"ok", "DecodeError", "LimitError", "UnsupportedFormatError"}, outcomes
    assert outcomes.get("ok", 0) > 0 and outcomes.get("DecodeError", 0) > 0, outcomes
