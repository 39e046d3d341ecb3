"""Reading audio: values against python-soundfile, shapes, layouts, ranges,
sources, out=, the FLAC conformance corpus."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

import mediaview as mv
from audio_oracle import (AUDIO_SAMPLES, DTYPES, FLAC_CORPUS, LOSSLESS_SAMPLES, LOSSY_SAMPLES, SAMPLES,
                          assert_matches, is_lossy)
from conftest import corpus_files

FORMAT_CODES = {"int16": "h", "int32": "i", "float32": "f", "float64": "d"}


def soundfile_read(path, dtype, **kw):
    data, rate = sf.read(path, dtype=dtype, **kw)
    return data, rate


# ---- the registry ----------------------------------------------------------------


def test_decoders_list_sndfile_with_every_major_format():
    entry = next(d for d in mv.decoders() if d["name"] == "sndfile")
    assert entry["kind"] == "audio"
    assert entry["library_version"].startswith("libsndfile-1.")
    # The oracle must be independent: soundfile's bundled libsndfile, not
    # Debian's one that mediaview links (conftest imports mediaview first).
    assert entry["library_version"] != "libsndfile-" + sf.__libsndfile_version__
    # python-soundfile asks its libsndfile the same question
    # (SFC_GET_FORMAT_MAJOR); both builds list the same containers.
    for long_name in sf.available_formats().values():
        assert long_name in entry["description"]
    for ext in ("wav", "flac", "ogg", "opus", "mp3", "aiff", "aif", "au", "caf", "w64", "rf64", "raw"):
        assert ext in entry["extensions"]


# ---- values against soundfile ----------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("path", AUDIO_SAMPLES, ids=lambda p: p.name)
def test_every_dtype_equals_soundfile(path, dtype):
    ours, rate = mv.read_audio(path, dtype=dtype, mmap=False)
    reference, ref_rate = soundfile_read(path, dtype)
    assert rate == ref_rate
    assert ours.format == FORMAT_CODES[dtype]
    assert_matches(ours, reference, dtype, is_lossy(path))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("path", [p for p in AUDIO_SAMPLES if sf.info(p).channels > 1], ids=lambda p: p.name)
def test_planar_is_a_strided_view_of_the_interleaved_buffer(path, dtype):
    planar, _ = mv.read_audio(path, dtype=dtype, layout="planar", mmap=False)
    reference, _ = soundfile_read(path, dtype)
    frames, channels = reference.shape
    item = np.dtype(dtype).itemsize
    assert planar.shape == (channels, frames)
    assert planar.strides == (item, item * channels)  # interleaved memory, transposed window
    assert not planar.c_contiguous and planar.f_contiguous
    assert planar.nbytes == reference.nbytes
    assert_matches(np.asarray(planar), np.ascontiguousarray(reference.T), dtype, is_lossy(path))


def test_mono_shapes():
    path = SAMPLES / "speech_mono.wav"
    frames = sf.info(path).frames
    assert mv.read_audio(path)[0].shape == (frames,)
    assert mv.read_audio(path, always_2d=True)[0].shape == (frames, 1)
    assert mv.read_audio(path, layout="planar")[0].shape == (frames,)
    assert mv.read_audio(path, layout="planar", always_2d=True)[0].shape == (1, frames)


def test_view_owns_its_memory():
    view, _ = mv.read_audio(SAMPLES / "music_stereo.flac")
    exporter = view.obj
    assert type(exporter).__name__ == "BufferExporter"
    array = np.asarray(view)
    del view
    assert exporter.exports == 1  # numpy's export keeps the memory alive
    np.testing.assert_array_equal(array, sf.read(SAMPLES / "music_stereo.flac", dtype="float32")[0])


@pytest.mark.parametrize("dtype", ["int32", "float32"])
@pytest.mark.parametrize("path", corpus_files("flac", "*.flac"))
def test_flac_corpus_equals_soundfile(path, dtype):
    try:
        reference, rate = soundfile_read(path, dtype)
    except (sf.LibsndfileError, ValueError) as e:
        soundfile_error = e
    else:
        soundfile_error = None
    if "no total number of samples" in path.name:
        # libsndfile reports SF_COUNT_MAX frames: the length is unknown.
        # soundfile tries to allocate that and fails; we read to the end.
        info = mv.audio_info(path)
        assert info.frames == -1 and not info.exact_length and np.isnan(info.duration)
        ours, _ = mv.read_audio(path, dtype=dtype)
        ours = np.asarray(ours)
        with sf.SoundFile(path) as f:
            # soundfile's read() seeks after reading, which fails at the end
            # of this stream: call its libsndfile directly.
            reference = np.zeros((len(ours) + 1000, f.channels), dtype=dtype)
            read = getattr(sf._snd, "sf_readf_" + {"int32": "int", "float32": "float"}[dtype])
            ctype = {"int32": "int*", "float32": "float*"}[dtype]
            n = read(f._file, sf._ffi.cast(ctype, reference.ctypes.data), len(reference))
        assert n == len(ours)
        np.testing.assert_array_equal(ours, reference[:n])
        return
        return
    if soundfile_error is not None:
        # libsndfile (Debian's 1.2.0, soundfile's 1.2.2) refuses 12- and
        # 20-bit FLAC; the libFLAC codec reads them (bit-exact against
        # flac -d in test_flac.py).
        assert "12 bit" in path.name or "20 bit" in path.name
        info = mv.audio_info(path)
        assert info.subtype in ("PCM_12", "PCM_20")
        assert np.asarray(mv.read_audio(path, dtype=dtype)[0]).shape == (info.frames, info.channels)
        return
    ours, ours_rate = mv.read_audio(path, dtype=dtype)
    assert ours_rate == rate
    np.testing.assert_array_equal(np.asarray(ours), reference)


# ---- info ------------------------------------------------------------------------


@pytest.mark.parametrize("path", AUDIO_SAMPLES, ids=lambda p: p.name)
def test_info_equals_soundfile(path):
    ours = mv.audio_info(path)
    ref = sf.info(path)
    assert (ours.samplerate, ours.channels, ours.format, ours.subtype, ours.endian) == \
        (ref.samplerate, ref.channels, ref.format, ref.subtype, ref.endian)
    assert ours.frames == ref.frames
    assert ours.duration == pytest.approx(ref.duration)
    assert ours.seekable
    assert ours.format_info == ref.format_info and ours.subtype_info == ref.subtype_info
    with sf.SoundFile(path) as f:
        expected_tags = {k: v for k, v in f.copy_metadata().items()}
    assert ours.tags == expected_tags
    assert ours.as_dict()["tags"] == expected_tags


def test_tags_of_the_speech_sample():
    tags = mv.audio_info(SAMPLES / "speech_mono.wav").tags
    assert tags["title"] == "mediaview speech sample"
    assert tags["artist"] == "espeak-ng"
    assert tags["genre"] == "Speech"
    assert tags["tracknumber"] == "1"


def test_mp3_length_exactness():
    # LAME's Info header makes the length exact; pygame's MP3 has none, so
    # mpg123 estimates it from the bitrate and the real decode is shorter.
    assert mv.audio_info(SAMPLES / "music_stereo.mp3").exact_length
    info = mv.audio_info(SAMPLES / "house_lo.mp3")
    assert not info.exact_length
    data, _ = mv.read_audio(SAMPLES / "house_lo.mp3")
    assert data.shape[0] != info.frames
    assert data.shape[0] == sf.read(SAMPLES / "house_lo.mp3")[0].shape[0]


# ---- ranges ----------------------------------------------------------------------


RANGES = [dict(start=1000), dict(start=1234, stop=5678), dict(start=300, frames=4000), dict(start=-5000),
          dict(start=-7000, stop=-100), dict(stop=777)]
# Ranges that select nothing: soundfile returns an empty array, which looks
# like a read; mediaview refuses them (issue 26), see test_empty_ranges.py.
EMPTY_RANGES = [dict(start=10 ** 9), dict(start=5000, stop=100)]


@pytest.mark.parametrize("kw", RANGES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
@pytest.mark.parametrize("path", [SAMPLES / n for n in ("clip_pcm16.wav", "music_stereo.flac", "music_stereo.ogg",
                                                        "music_stereo.opus", "music_stereo.mp3", "speech_alac.caf")],
                         ids=lambda p: p.name)
def test_ranges_seek_accurately(path, kw):
    full = np.asarray(mv.read_audio(path, dtype="int16", mmap=False)[0])
    part = np.asarray(mv.read_audio(path, dtype="int16", mmap=False, **kw)[0])
    n = len(full)
    start = kw.get("start", 0)
    stop = kw.get("stop", start + kw["frames"] if "frames" in kw else None)
    # Our own oracle: a range equals the same slice of a full decode,
    # exactly, in every format (MP3 included, see test_mp3_ranges).
    np.testing.assert_array_equal(part, full[slice(start, stop)] if start < n else full[n:])
    reference = sf.read(path, dtype="int16", **kw)[0]
    assert part.shape == reference.shape
    if not is_lossy(path):
        np.testing.assert_array_equal(part, reference)


@pytest.mark.parametrize("kw", EMPTY_RANGES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_empty_ranges_are_refused_where_soundfile_returns_nothing(kw):
    path = SAMPLES / "clip_pcm16.wav"
    assert len(sf.read(path, **kw)[0]) == 0
    with pytest.raises(ValueError, match="selects no frames"):
        mv.read_audio(path, **kw)


def test_vorbis_seek_into_the_last_page_is_exact():
    # libsndfile (Debian's 1.2.0 and soundfile's 1.2.2) lands 188 frames off
    # for targets in the last Ogg page of this file; mediaview decodes to it.
    path = SAMPLES / "music_stereo.ogg"
    full = np.asarray(mv.read_audio(path, dtype="int16")[0])
    part = np.asarray(mv.read_audio(path, dtype="int16", start=39100)[0])
    np.testing.assert_array_equal(part, full[39100:])
    theirs = sf.read(path, dtype="int16", start=39100)[0]
    assert np.abs(theirs.astype(int) - full[39100:]).max() > 1000  # soundfile's seek is off here


def test_mp3_ranges_decode_from_the_start():
    # libsndfile's own MPEG seek restarts mpg123 without its bit reservoir:
    # the first frames after a soundfile seek are damaged and later ones
    # differ in rounding. mediaview seeks MP3 by decoding, so a range equals
    # the slice of soundfile's own full read (same mpg123 rounding aside).
    path = SAMPLES / "house_lo.mp3"  # identical decoders here: exact
    full = sf.read(path, dtype="float32")[0]
    part = np.asarray(mv.read_audio(path, start=12345, stop=30000)[0])
    np.testing.assert_array_equal(part, full[12345:30000])


def test_stop_and_frames_together_are_refused():
    with pytest.raises(ValueError, match="only one of stop and frames"):
        mv.read_audio(SAMPLES / "clip_pcm16.wav", stop=10, frames=10)


# ---- sources ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "numpy", "fileobj", "pathstr"])
@pytest.mark.parametrize("path", [SAMPLES / n for n in ("music_stereo.flac", "music_stereo.ogg", "clip_pcm16.wav",
                                                        "music_stereo.mp3")], ids=lambda p: p.name)
def test_sources_give_the_same_samples(path, kind):
    raw = path.read_bytes()
    src = {"bytes": raw, "bytearray": bytearray(raw), "memoryview": memoryview(raw),
           "numpy": np.frombuffer(raw, dtype=np.uint8), "fileobj": io.BytesIO(raw), "pathstr": str(path)}[kind]
    ours, rate = mv.read_audio(src, dtype="int16", start=100, stop=20000)
    expected, expected_rate = mv.read_audio(path, dtype="int16", start=100, stop=20000, mmap=False)
    assert rate == expected_rate
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(expected))
    assert mv.audio_info(io.BytesIO(raw) if kind == "fileobj" else src).frames == sf.info(path).frames


def test_non_contiguous_bytes_are_refused():
    raw = np.frombuffer((SAMPLES / "clip_pcm16.wav").read_bytes(), dtype=np.uint8)
    with pytest.raises(TypeError, match="contiguous"):
        mv.read_audio(raw[::2])


def test_raw_input_described_by_the_caller():
    data = np.asarray(mv.read_audio(SAMPLES / "clip_pcm16.wav", dtype="int16", mmap=False)[0])
    raw = data.astype("<i2").tobytes()
    described = mv.RawFormat(11025, 2, "PCM_16")
    ours, rate = mv.read_audio(raw, raw=described, dtype="int16")
    assert rate == 11025
    np.testing.assert_array_equal(np.asarray(ours), data)
    reference = sf.read(io.BytesIO(raw), format="RAW", subtype="PCM_16", samplerate=11025, channels=2,
                        dtype="float32")[0]
    as_float = mv.read_audio(raw, raw=described)[0]
    np.testing.assert_array_equal(np.asarray(as_float), reference)
    info = mv.audio_info(raw, raw=described)
    assert (info.format, info.frames) == ("RAW", len(data))


def test_raw_needs_its_description():
    with pytest.raises(TypeError, match=r"raw=mediaview\.RawFormat"):
        mv.read_audio(b"\0" * 100, format="RAW")
    with pytest.raises(ValueError, match="RAW input needs"):
        mv.read_audio(b"\0" * 100, raw=mv.RawFormat(8000, 0, "PCM_16"))


@pytest.mark.parametrize("old", [dict(subtype="PCM_16"), dict(endian="LITTLE")])
def test_the_old_raw_keywords_point_to_raw(old):
    with pytest.raises(TypeError, match=r"raw=mediaview\.RawFormat\(samplerate, channels, subtype, endian\)"):
        mv.read_audio(b"\0" * 100, **old)
    with pytest.raises(TypeError, match=r"raw=mediaview\.RawFormat"):
        mv.audio_info(b"\0" * 100, samplerate=8000, channels=1, **old)


def test_format_hint_is_checked():
    assert mv.read_audio(SAMPLES / "music_stereo.flac", format="FLAC")[0].shape == (44100, 2)
    with pytest.raises(mv.UnsupportedFormatError, match="is FLAC, not WAV"):
        mv.read_audio(SAMPLES / "music_stereo.flac", format="WAV")


# ---- out= -------------------------------------------------------------------------


def test_out_receives_the_samples():
    path = SAMPLES / "music_stereo.flac"
    out = np.zeros((44100, 2), dtype=np.float32)
    view, _ = mv.read_audio(path, out=out)
    assert np.shares_memory(np.asarray(view), out)
    np.testing.assert_array_equal(out, sf.read(path, dtype="float32")[0])


def test_out_as_planar_view_of_interleaved_memory():
    path = SAMPLES / "music_stereo.ogg"
    backing = np.zeros((44100, 2), dtype=np.int16)
    view, _ = mv.read_audio(path, dtype="int16", layout="planar", out=backing.T)
    assert view.shape == (2, 44100)
    np.testing.assert_array_equal(backing, np.asarray(mv.read_audio(path, dtype="int16")[0]))


def test_out_mono_and_range():
    path = SAMPLES / "speech_mono.wav"
    out = np.zeros(1000, dtype=np.int16)
    mv.read_audio(path, dtype="int16", start=500, frames=1000, out=out)
    np.testing.assert_array_equal(out, sf.read(path, dtype="int16", start=500, frames=1000)[0])


@pytest.mark.parametrize("bad, message", [
    (np.zeros((44100, 2), dtype=np.float64), "float32 elements"),
    (np.zeros((44000, 2), dtype=np.float32), "shape"),
    (np.zeros((2, 44100), dtype=np.float32).T.copy(order="F"), "interleaved memory"),
    (np.zeros((44100, 2), dtype=np.float32)[::-1], "interleaved memory"),
    (b"\0" * (44100 * 8), "writable"),
])
def test_out_mismatches_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        mv.read_audio(SAMPLES / "music_stereo.flac", out=bad)


def test_dtype_and_layout_are_checked():
    with pytest.raises(ValueError, match="audio dtype"):
        mv.read_audio(SAMPLES / "clip_pcm16.wav", dtype="uint8")
    with pytest.raises(ValueError, match="layout"):
        mv.read_audio(SAMPLES / "clip_pcm16.wav", layout="columns")


@pytest.mark.parametrize("name", ["headerless.au", "HEADERLESS.AU"])
@pytest.mark.parametrize("call", ["read", "stream", "threads"])
def test_headerless_data_taken_as_raw_by_its_name_is_read_from_frame_0(tmp_path, name, call):
    # libsndfile reads a *.au without a header as raw 8 kHz mu-law, but
    # leaves the file where its sniffing stopped: the first read returned no
    # frames at all (found by atheris).
    samples = (SAMPLES / "speech_ulaw.au").read_bytes()[1000:41000]
    path = tmp_path / name
    path.write_bytes(samples)
    expected, rate = sf.read(path, dtype="int16")
    assert len(expected) == 40000 and rate == 8000
    if call == "read":
        got = np.asarray(mv.read_audio(path, dtype="int16")[0])
    elif call == "stream":
        got = np.concatenate([np.asarray(b) for b in mv.stream_audio(path, 4096, dtype="int16")])
    else:
        got = np.asarray(mv.read_audio(path, dtype="int16", threads=2)[0])
    assert np.array_equal(got, expected)
