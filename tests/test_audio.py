"""Audio through libsndfile, checked against python-soundfile (its own
bundled libsndfile 1.2.2) and numpy."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import soundfile

import mediaview
from conftest import SAMPLES, corpus_files
from test_view_core import PyBUF_WRITABLE, request

AUDIO = sorted(p for p in SAMPLES.glob("speech*"))
LOSSLESS = [p for p in AUDIO if p.suffix not in (".ogg", ".opus", ".mp3")]
DTYPES = ["int16", "int32", "float32", "float64"]
# Largest difference from soundfile measured for Vorbis, whose decoder differs
# between soundfile's bundled libvorbis and Debian's: one float32 ulp near 1.0,
# one int16 step, and the same step scaled to int32. Opus and MP3 decode
# identically; lossless formats exactly.
VORBIS_TOLERANCE = {"int16": 1, "int32": 256, "float32": 2.5e-7, "float64": 2.5e-7}


def ours(src, **kw):
    view, rate = mediaview.read_audio(src, **kw)
    return np.asarray(view), rate


def assert_matches_soundfile(actual, expected, dtype, path):
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    if path.suffix == ".ogg" and actual.size:
        assert np.abs(actual.astype(np.float64) - expected.astype(np.float64)).max() <= VORBIS_TOLERANCE[dtype]
    else:
        assert np.array_equal(actual, expected)


@pytest.mark.parametrize("path", AUDIO, ids=lambda p: p.name)
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_sample_and_dtype_equals_soundfile(path, dtype):
    expected, rate = soundfile.read(path, dtype=dtype)
    actual, our_rate = ours(path, dtype=dtype)
    assert our_rate == rate
    assert_matches_soundfile(actual, expected, dtype, path)
    view, _ = mediaview.read_audio(path, dtype=dtype)
    assert view.format == {"int16": "h", "int32": "i", "float32": "f", "float64": "d"}[dtype]


@pytest.mark.parametrize("path", corpus_files("flac", "*.flac"))
def test_flac_conformance_corpus_equals_soundfile(path):
    if "bit per sample" in path.name and path.name.split()[2] in ("12", "20"):
        # Debian's libsndfile 1.2.0 (like soundfile's bundled 1.2.2) refuses these bit depths.
        with pytest.raises(mediaview.UnsupportedFormatError, match="unimplemented"):
            mediaview.read_audio(path)
        with pytest.raises(soundfile.LibsndfileError):
            soundfile.read(path)
        return
    info = mediaview.audio_info(path)
    if not info.exact_length:
        # No total-samples field: soundfile cannot read it at all (it sizes
        # its array from SF_COUNT_MAX, and block reads fail in psf_fseek), so
        # the oracle is the reference decoder, flac(1), writing 32-bit WAV.
        expected = reference_flac_decode(path)
        actual, _ = ours(path, dtype="int32", always_2d=True)
        assert info.frames == 0 and actual.shape == expected.shape and np.array_equal(actual, expected)
        return
    for dtype in ("int32", "float32"):
        expected, _ = soundfile.read(path, dtype=dtype)
        assert np.array_equal(ours(path, dtype=dtype)[0], expected)
    assert info.frames == soundfile.info(path).frames


def reference_flac_decode(path):
    import shutil
    import subprocess
    import tempfile

    if shutil.which("flac") is None:
        pytest.fail("the flac command (Debian package flac) is needed as an oracle; scripts/bootstrap.sh installs it")
    with tempfile.TemporaryDirectory() as tmp:
        wav = f"{tmp}/ref.wav"
        subprocess.run(["flac", "-d", "-s", "-f", "-o", wav, str(path)], check=True)
        data, _ = soundfile.read(wav, dtype="int32", always_2d=True)
    return data


def test_audio_info_agrees_with_soundfile():
    for path in AUDIO:
        info, expected = mediaview.audio_info(path), soundfile.info(path)
        assert (info.samplerate, info.channels, info.frames, info.format, info.subtype) == (
            expected.samplerate, expected.channels, expected.frames, expected.format, expected.subtype)
        assert info.duration == pytest.approx(expected.duration)
        assert info.seekable and info.exact_length
    assert mediaview.audio_info(SAMPLES / "speech.mp3").exact_length  # written with a Xing/Info header


@pytest.mark.parametrize("path", AUDIO, ids=lambda p: p.name)
def test_ranges_equal_soundfile(path):
    total = soundfile.info(path).frames
    for kw in ({"start": 1000, "stop": 5000}, {"start": total // 2}, {"start": -3000}, {"start": 17, "frames": 4099},
               {"stop": -100}, {"start": 10, "stop": 5}, {"start": total - 10, "frames": 1000}):
        expected, _ = soundfile.read(path, dtype="float32", **kw)
        actual, _ = ours(path, dtype="float32", **kw)
        assert_matches_soundfile(actual, expected, "float32", path)
    with pytest.raises(ValueError):
        mediaview.read_audio(path, stop=10, frames=10)


@pytest.mark.parametrize("path", [SAMPLES / "speech.flac", SAMPLES / "speech_mono.wav"], ids=lambda p: p.name)
def test_layouts_and_shapes(path):
    interleaved, _ = soundfile.read(path, dtype="int16", always_2d=True)
    frames, channels = interleaved.shape
    planar, _ = mediaview.read_audio(path, dtype="int16", layout="planar", always_2d=True)
    assert planar.shape == (channels, frames) and planar.strides == (2, 2 * channels)
    assert np.array_equal(np.asarray(planar), interleaved.T)
    assert planar.f_contiguous and (channels == 1 or not planar.c_contiguous)
    two_d, _ = mediaview.read_audio(path, dtype="int16", always_2d=True)
    assert two_d.shape == (frames, channels) and two_d.c_contiguous
    plain, _ = mediaview.read_audio(path, dtype="int16")
    assert plain.shape == ((frames,) if channels == 1 else (frames, channels))


def test_bytes_and_file_object_sources():
    path = SAMPLES / "speech.flac"
    expected, _ = ours(path)
    data = path.read_bytes()
    for src in (data, bytearray(data), memoryview(data), io.BytesIO(data)):
        assert np.array_equal(ours(src)[0], expected)
    with open(path, "rb") as f:
        assert np.array_equal(ours(f, start=100, stop=200)[0], expected[100:200])


def test_raw_needs_and_uses_a_description(tmp_path):
    samples = (np.arange(6000, dtype=np.int16) - 3000).reshape(3000, 2)
    raw = tmp_path / "a.raw"
    raw.write_bytes(samples.tobytes())
    view, rate = mediaview.read_audio(raw, dtype="int16", format="RAW", samplerate=8000, channels=2, subtype="PCM_16")
    assert rate == 8000 and np.array_equal(np.asarray(view), samples)
    expected, _ = soundfile.read(raw, dtype="int16", format="RAW", samplerate=8000, channels=2, subtype="PCM_16")
    assert np.array_equal(np.asarray(view), expected)
    with pytest.raises(ValueError, match="RAW"):
        mediaview.read_audio(raw, format="RAW")


# ---- zero-copy PCM -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, dtype",
    [("speech_stereo16.wav", "int16"), ("speech_mono.wav", "int16"), ("speech_float.wav", "float32"),
     ("speech_int32.w64", "int32")],
)
def test_mmap_views_are_read_only_and_equal(name, dtype):
    path = SAMPLES / name
    mapped, _ = mediaview.read_audio(path, dtype=dtype, mmap=True, start=100, stop=2100)
    decoded, _ = mediaview.read_audio(path, dtype=dtype, mmap=False, start=100, stop=2100)
    assert mapped.readonly and not decoded.readonly
    assert np.array_equal(np.asarray(mapped), np.asarray(decoded))
    assert np.array_equal(np.asarray(mapped), soundfile.read(path, dtype=dtype, start=100, stop=2100)[0])
    default, _ = mediaview.read_audio(path, dtype=dtype)
    assert default.readonly, "mmap=None maps when it can"
    with pytest.raises(ValueError):
        np.asarray(mapped)[0] = 0  # numpy sees a read-only array
    with pytest.raises(BufferError):
        request(mapped.obj, PyBUF_WRITABLE)  # the exporter refuses writable requests


@pytest.mark.parametrize(
    "name, kw, reason",
    [
        ("speech.aiff", {"dtype": "int16"}, "big-endian"),
        ("speech_stereo16.wav", {"dtype": "float32"}, "PCM_16, not float32"),
        ("speech.flac", {"dtype": "int16"}, "PCM_16"),
    ],
)
def test_mmap_true_says_why_it_cannot(name, kw, reason):
    path = SAMPLES / name
    with pytest.raises(ValueError, match="cannot memory-map"):
        mediaview.read_audio(path, mmap=True, **kw)
    view, _ = mediaview.read_audio(path, **kw)  # the default falls back silently to decoding
    assert not view.readonly
    with pytest.raises(ValueError, match="not read from a path"):
        mediaview.read_audio(path.read_bytes(), mmap=True, **kw)


def test_mmap_refuses_flac_for_its_compression():
    with pytest.raises(ValueError, match="not a plain run of samples|not plain PCM"):
        mediaview.read_audio(SAMPLES / "speech.flac", dtype="int16", mmap=True)


# ---- parallel decode, out=, threads -----------------------------------------------------


@pytest.mark.parametrize("path", AUDIO, ids=lambda p: p.name)
def test_threads_give_identical_samples(path):
    one, _ = ours(path, dtype="float32", mmap=False)
    for threads in (2, 4):
        assert np.array_equal(ours(path, dtype="float32", mmap=False, threads=threads)[0], one)
    assert np.array_equal(ours(path, dtype="int16", mmap=False, threads=3, start=5000)[0],
                          ours(path, dtype="int16", mmap=False, start=5000)[0])


def test_out_receives_the_samples():
    path = SAMPLES / "speech.flac"
    expected, _ = soundfile.read(path, dtype="float32")
    out = np.zeros((len(expected) + 10, 2), np.float32)
    view, _ = mediaview.read_audio(path, out=out[5:-5])
    assert np.shares_memory(np.asarray(view), out) and np.array_equal(out[5:-5], expected)
    planar_out = np.zeros((len(expected), 2), np.float32).T
    mediaview.read_audio(path, out=planar_out, layout="planar")
    assert np.array_equal(planar_out, expected.T)
    with pytest.raises(ValueError, match="shape"):
        mediaview.read_audio(path, out=np.zeros((10, 2), np.float32))
    with pytest.raises(ValueError, match="float32"):
        mediaview.read_audio(path, out=np.zeros_like(expected, dtype=np.float64))
    with pytest.raises(ValueError, match="interleaved"):
        mediaview.read_audio(path, out=np.zeros((2, len(expected)), np.float32).T)


def test_concurrent_reads_from_threads():
    jobs = [(p, dt) for p in AUDIO for dt in ("int16", "float32")] * 3
    serial = [ours(p, dtype=dt, mmap=False)[0].tobytes() for p, dt in jobs]
    start = threading.Barrier(4)

    def run(share):
        start.wait()
        return [ours(p, dtype=dt, mmap=False)[0].tobytes() for p, dt in share]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, [jobs[i::4] for i in range(4)]))
    for i, got in enumerate(results):
        assert got == serial[i::4]


# ---- streaming -------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SAMPLES / "speech.flac", SAMPLES / "speech.mp3", SAMPLES / "speech_mono.wav"],
                         ids=lambda p: p.name)
def test_stream_blocks_join_to_one_read(path):
    full, _ = ours(path, dtype="int16", mmap=False, start=123, stop=90000)
    blocks = [np.asarray(b).copy() for b in mediaview.stream_audio(path, 4096, dtype="int16", start=123, stop=90000)]
    assert all(len(b) == 4096 for b in blocks[:-1]) and 0 < len(blocks[-1]) <= 4096
    assert np.array_equal(np.concatenate(blocks), full)


def test_stream_overlap_equals_soundfile_blocks():
    path = SAMPLES / "speech.flac"
    ours_blocks = [np.asarray(b).copy() for b in mediaview.stream_audio(path, 1000, overlap=250, stop=20000)]
    expected = list(soundfile.blocks(path, blocksize=1000, overlap=250, stop=20000, dtype="float32"))
    assert len(ours_blocks) == len(expected)
    for a, b in zip(ours_blocks, expected):
        assert np.array_equal(a, b)


def test_stream_never_overwrites_a_block_still_held():
    path = SAMPLES / "speech.flac"
    held = []
    for block in mediaview.stream_audio(path, 2048, stop=20000):
        held.append((block, np.asarray(block).copy()))
    for block, copy in held:
        assert np.array_equal(np.asarray(block), copy)
    addresses = set()
    for block in mediaview.stream_audio(path, 2048, stop=20000):
        addresses.add(np.asarray(block).ctypes.data)
        del block
    assert len(addresses) <= 2, "blocks nobody holds are reused"
    planar = next(iter(mediaview.stream_audio(path, 512, layout="planar")))
    assert planar.shape == (2, 512) and planar.strides == (4, 8)


# ---- writing ---------------------------------------------------------------------------------


def speech(dtype="float32"):
    data, rate = soundfile.read(SAMPLES / "speech_stereo16.wav", dtype=dtype)
    return data, rate


@pytest.mark.parametrize(
    "name, subtype, lossless",
    [("a.wav", None, True), ("a.wav", "PCM_24", True), ("a.wav", "FLOAT", True), ("a.flac", None, True),
     ("a.flac", "PCM_24", True), ("a.aiff", None, True), ("a.au", None, True), ("a.caf", None, True),
     ("a.w64", "PCM_32", True), ("a.rf64", None, True), ("a.ogg", None, False), ("a.opus", None, False)],
)
def test_write_then_read_round_trips(tmp_path, name, subtype, lossless):
    data, rate = speech("int16")
    if name.endswith(".opus"):
        rate = 48000  # Opus takes 8, 12, 16, 24 or 48 kHz
    target = tmp_path / name
    mediaview.write_audio(target, data, rate, subtype=subtype, tags={"title": "Scandal", "artist": "Doyle"})
    back, back_rate = soundfile.read(target, dtype="int16")
    assert back_rate == rate
    info = mediaview.audio_info(target)
    if subtype:
        assert info.subtype == subtype
    if lossless:
        assert np.array_equal(back, data)
    else:  # lossy: the signal survives, closely
        assert back.shape[1] == 2 and abs(len(back) - len(data)) < rate // 10
        n = min(len(back), len(data))
        error = np.abs(back[:n].astype(float) - data[:n].astype(float)).mean() / np.abs(data).mean()
        assert error < 0.6
    if target.suffix in (".wav", ".flac", ".ogg", ".aiff"):
        assert info.tags.get("title") == "Scandal" and info.tags.get("artist") == "Doyle"
        with soundfile.SoundFile(target) as f:
            assert f.title == "Scandal"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name], "no temporary file left"


def test_write_accepts_mono_planar_and_strided(tmp_path):
    data, rate = speech("float32")
    mediaview.write_audio(tmp_path / "m.wav", data[:, 0], rate, subtype="FLOAT")
    assert np.array_equal(soundfile.read(tmp_path / "m.wav", dtype="float32")[0], data[:, 0])
    mediaview.write_audio(tmp_path / "p.wav", np.ascontiguousarray(data.T), rate, subtype="FLOAT", layout="planar")
    assert np.array_equal(soundfile.read(tmp_path / "p.wav", dtype="float32")[0], data)
    mediaview.write_audio(tmp_path / "s.wav", data[::2], rate, subtype="FLOAT")
    assert np.array_equal(soundfile.read(tmp_path / "s.wav", dtype="float32")[0], data[::2])
    view, _ = mediaview.read_audio(SAMPLES / "speech_stereo16.wav", dtype="int16", layout="planar")
    mediaview.write_audio(tmp_path / "v.flac", view, rate, layout="planar")
    assert np.array_equal(soundfile.read(tmp_path / "v.flac", dtype="int16")[0], speech("int16")[0])


def test_failed_write_leaves_nothing(tmp_path):
    data, rate = speech()
    existing = tmp_path / "keep.wav"
    existing.write_bytes(b"old")
    with pytest.raises(ValueError):
        mediaview.write_audio(existing, data, rate, subtype="VORBIS")  # WAV cannot hold Vorbis
    with pytest.raises(ValueError):
        mediaview.write_audio(tmp_path / "x.unknown", data, rate)
    with pytest.raises(ValueError):
        mediaview.write_audio(tmp_path / "y.wav", data.astype(np.uint8), rate)
    assert existing.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.wav"]


def test_mp3_writing_is_what_debians_libsndfile_offers(tmp_path):
    data, rate = speech()
    try:
        mediaview.write_audio(tmp_path / "a.mp3", data, rate)
    except (ValueError, mediaview.Error) as e:
        pytest.fail(f"libsndfile 1.2.0 from Debian should write MP3 through LAME: {e}")
    back, _ = soundfile.read(tmp_path / "a.mp3")
    assert back.shape[1] == 2 and len(back) > 0.9 * len(data)


# ---- damage ------------------------------------------------------------------------------------


def test_truncated_files_decode_what_they_hold_like_soundfile(tmp_path):
    for path in (SAMPLES / "speech_stereo16.wav", SAMPLES / "speech.flac"):
        cut = tmp_path / ("cut" + path.suffix)
        data = path.read_bytes()
        cut.write_bytes(data[: len(data) // 2])
        try:
            expected, _ = soundfile.read(cut, dtype="int16")
        except soundfile.LibsndfileError:
            with pytest.raises(mediaview.Error):
                mediaview.read_audio(cut, dtype="int16", mmap=False)
            continue
        actual, _ = ours(cut, dtype="int16", mmap=False)
        assert np.array_equal(actual, expected)
        if path.suffix == ".wav":  # libsndfile counts the frames really there, so the map is safe
            mapped, _ = ours(cut, dtype="int16", mmap=True)
            assert np.array_equal(mapped, expected)


def test_garbage_and_missing_inputs_are_typed_errors(tmp_path, capfd):
    with pytest.raises(mediaview.UnsupportedFormatError):
        mediaview.read_audio(b"this is not audio at all" * 10)
    with pytest.raises(mediaview.UnsupportedFormatError):
        mediaview.read_audio(b"")
    with pytest.raises(FileNotFoundError):
        mediaview.read_audio(tmp_path / "missing.wav")
    with pytest.raises(IsADirectoryError):
        mediaview.audio_info(tmp_path)
    data = bytearray((SAMPLES / "speech.flac").read_bytes())
    rng = np.random.default_rng(3)
    for _ in range(50):
        damaged = bytearray(data)
        for at in rng.integers(0, len(damaged), size=10):
            damaged[at] = int(rng.integers(0, 256))
        try:
            mediaview.read_audio(bytes(damaged), dtype="int16")
        except mediaview.Error:
            pass
    assert capfd.readouterr() == ("", "")


def test_decoders_lists_libsndfile_and_its_formats():
    entry = {d["name"]: d for d in mediaview.decoders()}["sndfile"]
    assert entry["kind"] == "audio" and entry["library_version"] == "libsndfile-1.2.0"
    assert soundfile.__libsndfile_version__ != "1.2.0", "the oracle must be a different libsndfile build"
    for fmt in ("WAV", "FLAC", "OGG", "MP3", "AIFF", "RF64", "W64", "CAF"):
        assert fmt in entry["description"]
    for ext in ("wav", "flac", "ogg", "opus", "mp3", "aiff"):
        assert ext in entry["extensions"]
