"""Streaming blocks, zero-copy memory maps and parallel decoding."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import soundfile as sf

import mediaview as mv
from audio_oracle import AUDIO_SAMPLES, SAMPLES, assert_matches, is_lossy
from conftest import corpus_files

# ---- streaming ---------------------------------------------------------------


@pytest.mark.parametrize("blocksize, overlap", [(1000, 0), (4096, 512), (777, 700), (10 ** 6, 0)])
@pytest.mark.parametrize("path", AUDIO_SAMPLES, ids=lambda p: p.name)
def test_blocks_join_to_one_read(path, blocksize, overlap):
    full = np.asarray(mv.read_audio(path, dtype="float32", start=123, mmap=False)[0])
    blocks = [np.asarray(b) for b in mv.stream_audio(path, blocksize, overlap=overlap, start=123)]
    step = blocksize - overlap
    joined = np.concatenate([blocks[0]] + [b[overlap:] for b in blocks[1:]])
    np.testing.assert_array_equal(joined, full)
    assert all(len(b) == blocksize for b in blocks[:-1])
    for i, b in enumerate(blocks[1:], 1):  # each block starts `step` frames after the previous
        np.testing.assert_array_equal(b, full[i * step: i * step + len(b)])


@pytest.mark.parametrize("path", [SAMPLES / n for n in ("music_stereo.flac", "music_stereo.ogg", "speech_mono.wav",
                                                        "music_stereo.mp3")], ids=lambda p: p.name)
def test_blocks_equal_soundfile_blocks(path):
    ours = [np.asarray(b) for b in mv.stream_audio(path, 2048, overlap=256, dtype="int16", stop=30000)]
    theirs = list(sf.blocks(path, 2048, overlap=256, dtype="int16", stop=30000))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert_matches(a, b, "int16", is_lossy(path))


def test_planar_and_mono_blocks():
    blocks = list(mv.stream_audio(SAMPLES / "music_stereo.flac", 1000, layout="planar", dtype="int16"))
    assert blocks[0].shape == (2, 1000) and blocks[0].strides == (2, 4)
    mono = list(mv.stream_audio(SAMPLES / "speech_mono.wav", 1000))
    assert mono[0].shape == (1000,)
    mono_2d = list(mv.stream_audio(SAMPLES / "speech_mono.wav", 1000, always_2d=True))
    assert mono_2d[0].shape == (1000, 1)


def test_kept_blocks_are_never_overwritten():
    path = SAMPLES / "music_stereo.flac"
    full = np.asarray(mv.read_audio(path, dtype="int16")[0])
    kept = list(mv.stream_audio(path, 1000, dtype="int16"))  # every view stays alive
    addresses = {np.asarray(b).__array_interface__["data"][0] for b in kept}
    assert len(addresses) == len(kept)
    np.testing.assert_array_equal(np.concatenate([np.asarray(b) for b in kept]), full)


def test_kept_numpy_arrays_are_never_overwritten():
    path = SAMPLES / "music_stereo.ogg"
    full = np.asarray(mv.read_audio(path, dtype="float32")[0])
    arrays = [np.asarray(b) for b in mv.stream_audio(path, 500)]  # views dropped, arrays kept
    np.testing.assert_array_equal(np.concatenate(arrays), full)


def test_kept_exporter_is_never_overwritten():
    stream = mv.stream_audio(SAMPLES / "music_stereo.flac", 1000, dtype="int16")
    first = next(stream)
    exporter = first.obj
    snapshot = np.array(first)
    first.release()
    del first
    next(stream), next(stream)
    np.testing.assert_array_equal(np.asarray(memoryview(exporter)), snapshot)


def test_block_buffer_is_reused_when_released():
    stream = mv.stream_audio(SAMPLES / "music_stereo.flac", 1000, dtype="int16")
    addresses = []
    for block in stream:
        a = np.asarray(block)
        addresses.append(a.__array_interface__["data"][0])
        del a, block
    assert len(set(addresses)) == 1  # nothing outside held a block: one buffer throughout


def test_stream_arguments_are_checked():
    with pytest.raises(ValueError, match="overlap"):
        mv.stream_audio(SAMPLES / "clip_pcm16.wav", 100, overlap=100)
    with pytest.raises(ValueError, match="blocksize"):
        mv.stream_audio(SAMPLES / "clip_pcm16.wav", 0)


# ---- memory maps ---------------------------------------------------------------

MAPPABLE = [("clip_pcm16.wav", "int16"), ("clip_float.w64", "float32"), ("clip_pcm32.rf64", "int32"),
            ("clip_double.wav", "float64"), ("clip_sowt.aifc", "int16"), ("speech_mono.wav", "int16")]


@pytest.mark.parametrize("name, dtype", MAPPABLE)
@pytest.mark.parametrize("layout", ["interleaved", "planar"])
def test_mmap_views_are_read_only_and_equal(name, dtype, layout):
    path = SAMPLES / name
    mapped, rate = mv.read_audio(path, dtype=dtype, mmap=True, layout=layout, start=10, stop=-10)
    decoded, _ = mv.read_audio(path, dtype=dtype, mmap=False, layout=layout, start=10, stop=-10)
    assert mapped.readonly and not decoded.readonly
    assert not np.asarray(mapped).flags.writeable
    assert mapped.shape == decoded.shape and mapped.strides == decoded.strides
    np.testing.assert_array_equal(np.asarray(mapped), np.asarray(decoded))
    reference = sf.read(path, dtype=dtype, start=10, stop=-10)[0]
    np.testing.assert_array_equal(np.asarray(mapped), reference.T if layout == "planar" else reference)
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(mapped)[...] = 0


def test_mmap_view_points_into_the_file(tmp_path):
    path = shutil.copy(SAMPLES / "clip_pcm16.wav", tmp_path / "a.wav")
    mapped, _ = mv.read_audio(path, dtype="int16", mmap=True)  # a map is asked for, not the default
    assert mapped.readonly
    raw = open(path, "rb").read()
    first = np.asarray(mapped)[:4].tobytes()
    assert raw.find(first) == 44  # canonical 44-byte WAV header
    expected = np.array(mapped)
    os.unlink(path)  # the map keeps the data alive
    np.testing.assert_array_equal(np.asarray(mapped), expected)


def test_default_decodes_when_it_cannot_map():
    view, _ = mv.read_audio(SAMPLES / "clip_pcm16.wav", dtype="float32")
    assert not view.readonly  # PCM_16 as float32 needs a conversion: decoded


@pytest.mark.parametrize("src, dtype, reason", [
    ("music_stereo.flac", "int16", "not a plain PCM container"),
    ("clip_pcm24.aiff", "int32", "PCM_24 has no matching dtype"),
    ("clip_pcm16.wav", "float32", "stores int16 samples"),
    ("bytes", "int16", "not a file path"),
    ("big-endian", "int16", "big-endian"),
])
def test_mmap_true_says_why_it_cannot_map(tmp_path, src, dtype, reason):
    if src == "bytes":
        src = (SAMPLES / "clip_pcm16.wav").read_bytes()
    elif src == "big-endian":
        data = sf.read(SAMPLES / "clip_pcm16.wav", dtype="int16")[0]
        src = tmp_path / "big.aiff"
        sf.write(src, data, 11025, subtype="PCM_16")  # AIFF stores big-endian samples
    else:
        src = SAMPLES / src
    with pytest.raises(ValueError, match=reason):
        mv.read_audio(src, dtype=dtype, mmap=True)
    assert mv.read_audio(src, dtype=dtype)[0].readonly is False  # mmap=None falls back silently


def test_mmap_of_a_misaligned_data_chunk(tmp_path):
    # A WAV whose data chunk starts at an odd offset (an odd-sized chunk
    # padded per RIFF rules is even; so make the PCM_32 data 2-aligned only).
    data = sf.read(SAMPLES / "clip_pcm32.rf64", dtype="int32")[0]
    path = tmp_path / "odd.wav"
    sf.write(path, data, 11025, subtype="PCM_32")
    raw = bytearray(path.read_bytes())
    junk = b"JUNK" + (2).to_bytes(4, "little") + b"\0\0"  # a 10-byte chunk before 'fmt '
    raw[12:12] = junk
    raw[4:8] = (len(raw) - 8).to_bytes(4, "little")
    path.write_bytes(raw)
    np.testing.assert_array_equal(np.asarray(mv.read_audio(path, dtype="int32")[0]), data)
    with pytest.raises(ValueError, match="not aligned to the 4-byte sample size"):
        mv.read_audio(path, dtype="int32", mmap=True)


# ---- threads -------------------------------------------------------------------


def long_file(tmp_path, suffix, **kw):
    """Ten repetitions of the stereo sample (440 000 frames): long enough
    to split into four segments."""
    data = sf.read(SAMPLES / "music_stereo.flac", dtype="int16")[0]
    path = tmp_path / f"long{suffix}"
    sf.write(path, np.tile(data, (10, 1)), 11025, **kw)
    return path


@pytest.mark.parametrize("suffix, kw", [(".flac", {}), (".wav", {"subtype": "PCM_24"}), (".ogg", {}),
                                        (".opus", {"format": "OGG", "subtype": "OPUS", "samplerate": 48000}),
                                        (".mp3", {}), (".caf", {"subtype": "ALAC_16"})])
@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_threads_are_bit_identical(tmp_path, suffix, kw, dtype):
    kw = dict(kw)
    if "samplerate" in kw:
        data = sf.read(SAMPLES / "music_stereo.opus", dtype="int16")[0]
        path = tmp_path / "long.opus"
        sf.write(path, np.tile(data, (5, 1)), kw["samplerate"], format="OGG", subtype="OPUS")
    else:
        path = long_file(tmp_path, suffix, **kw)
    one = np.asarray(mv.read_audio(path, dtype=dtype, threads=1, mmap=False)[0])
    for threads in (2, 4):
        many = np.asarray(mv.read_audio(path, dtype=dtype, threads=threads, mmap=False)[0])
        np.testing.assert_array_equal(many, one)
    ranged = np.asarray(mv.read_audio(path, dtype=dtype, threads=3, start=50001, stop=-12345)[0])
    np.testing.assert_array_equal(ranged, one[50001:-12345])


@pytest.mark.parametrize("path", corpus_files("flac", "0*.flac"))
def test_threads_on_the_flac_corpus(path):
    one = np.asarray(mv.read_audio(path, dtype="int32")[0])
    np.testing.assert_array_equal(np.asarray(mv.read_audio(path, dtype="int32", threads=4)[0]), one)


def test_threads_from_bytes_and_into_out(tmp_path):
    path = long_file(tmp_path, ".flac")
    one = np.asarray(mv.read_audio(path, dtype="int16")[0])
    np.testing.assert_array_equal(np.asarray(mv.read_audio(path.read_bytes(), dtype="int16", threads=4)[0]), one)
    out = np.empty_like(one)
    mv.read_audio(path, dtype="int16", threads=2, out=out)
    np.testing.assert_array_equal(out, one)


def test_threads_must_be_positive():
    with pytest.raises(ValueError, match="threads"):
        mv.read_audio(SAMPLES / "clip_pcm16.wav", threads=0)


# ---- concurrent callers ------------------------------------------------------------


def test_concurrent_reads_from_several_threads():
    paths = [SAMPLES / n for n in ("music_stereo.flac", "music_stereo.ogg", "music_stereo.mp3", "music_stereo.opus",
                                   "clip_pcm16.wav", "speech_alac.caf", "house_lo.mp3")]
    expected = {p: np.asarray(mv.read_audio(p, mmap=False)[0]) for p in paths}

    def work(i):
        p = paths[i % len(paths)]
        if i % 3 == 0:
            got = np.concatenate([np.asarray(b) for b in mv.stream_audio(p, 4096)])
        else:
            got = np.asarray(mv.read_audio(p.read_bytes() if i % 2 else p, threads=1 + i % 2)[0])
        return p, got

    with ThreadPoolExecutor(8) as pool:
        for p, got in pool.map(work, range(56)):
            np.testing.assert_array_equal(got, expected[p])


def test_opus_ranges_and_threads_are_exact():
    # On this file a libsndfile seek leaves samples about 1e-6 off a decode
    # from the start; Opus therefore seeks by decoding and is not split.
    path = SAMPLES / "speech_stereo.opus"
    full = np.asarray(mv.read_audio(path)[0])
    for start in (1000, 96000, 100003):
        assert np.array_equal(np.asarray(mv.read_audio(path, start=start)[0]), full[start:])
    for threads in (2, 4):
        assert np.array_equal(np.asarray(mv.read_audio(path, threads=threads)[0]), full)
