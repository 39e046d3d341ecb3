"""Resampling and channel mixing on read (issue 12), against python-soxr
(the same libsoxr, same quality recipes) padded to ceil(N * out / in) as
librosa does, and the damage policy against the intact files."""

import io
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import mediaview as mv

soxr = pytest.importorskip("soxr")

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
RATE = mv.audio_info(SAMPLES / "music_stereo.flac").samplerate
STEREO = ["music_stereo.flac", "music_stereo.ogg", "music_stereo.mp3", "clip_pcm16.wav"]


def oracle(x, rate, out_rate, quality="HQ"):
    y = soxr.resample(x, rate, out_rate, quality=quality)
    n = math.ceil(len(x) * out_rate / rate)
    return np.concatenate([y, np.zeros((n - len(y),) + y.shape[1:], y.dtype)])


def reference(name, dtype="float32"):
    # soundfile decodes what mediaview decodes without conversion (the
    # unconverted read is already tested against it); lossy formats differ
    # by libsndfile version, so the oracle starts from mediaview's own
    # unconverted read.
    return np.asarray(mv.read_audio(SAMPLES / name, dtype=dtype, always_2d=True, mmap=False)[0])


@pytest.mark.parametrize("name", STEREO)
@pytest.mark.parametrize("out_rate", [8000, 16000, 22050, 48000])
@pytest.mark.parametrize("channels", [None, 1])
def test_resample_and_mix_match_python_soxr(name, out_rate, channels):
    x = reference(name)
    rate = mv.audio_info(SAMPLES / name).samplerate
    if channels == 1:
        x = x.mean(axis=1, keepdims=True)
    ours, got_rate = mv.read_audio(SAMPLES / name, samplerate=out_rate, channels=channels, always_2d=True)
    assert got_rate == out_rate == ours.obj.samplerate
    ours = np.asarray(ours)
    want = oracle(x, rate, out_rate)
    assert ours.shape == want.shape == (math.ceil(len(x) * out_rate / rate), x.shape[1])
    assert np.abs(ours - want).max() <= 1e-5


@pytest.mark.parametrize("quality", mv.RESAMPLE_QUALITIES)
def test_quality_names_are_python_soxrs(quality):
    x = reference("music_stereo.flac")
    ours = np.asarray(mv.read_audio(SAMPLES / "music_stereo.flac", samplerate=16000, resample_quality=quality)[0])
    assert np.abs(ours - oracle(x, RATE, 16000, quality.upper())).max() <= 1e-5
    if quality != "hq":  # a different recipe is a different filter
        hq = oracle(x, RATE, 16000, "HQ")
        assert np.abs(ours - hq).max() > 1e-5


def test_librosa_agrees():
    librosa = pytest.importorskip("librosa")
    path = SAMPLES / "music_stereo.flac"
    theirs, sr = librosa.load(path, sr=16000, mono=True)
    ours, rate = mv.read_audio(path, samplerate=16000, channels=1)
    assert rate == sr == 16000
    np.testing.assert_allclose(np.asarray(ours), theirs, atol=1e-5)


def test_float64_and_integer_outputs():
    x64 = reference("music_stereo.flac", "float64")
    ours = np.asarray(mv.read_audio(SAMPLES / "music_stereo.flac", samplerate=16000, dtype="float64")[0])
    assert ours.dtype == np.float64
    assert np.abs(ours - oracle(x64, RATE, 16000)).max() <= 1e-9
    # Integers: the float result scaled by 2^15 / 2^31, rounded, saturated.
    f32 = oracle(reference("music_stereo.flac"), RATE, 16000)
    i16 = np.asarray(mv.read_audio(SAMPLES / "music_stereo.flac", samplerate=16000, dtype="int16")[0])
    np.testing.assert_array_equal(i16, np.clip(np.rint(f32.astype(np.float64) * 32768), -32768, 32767))
    f64 = oracle(x64, RATE, 16000)
    i32 = np.asarray(mv.read_audio(SAMPLES / "music_stereo.flac", samplerate=16000, dtype="int32")[0])
    assert np.abs(i32 - np.clip(np.rint(f64 * 2**31), -2**31, 2**31 - 1)).max() <= 1


def test_mixing_without_resampling():
    x = reference("music_stereo.flac")
    mono = np.asarray(mv.read_audio(SAMPLES / "music_stereo.flac", channels=1)[0])
    np.testing.assert_array_equal(mono, x.mean(axis=1))
    speech = reference("speech_mono.wav")
    stereo = np.asarray(mv.read_audio(SAMPLES / "speech_mono.wav", channels=2)[0])
    np.testing.assert_array_equal(stereo, np.repeat(speech, 2, axis=1))
    left = np.asarray(mv.read_audio(SAMPLES / "music_stereo.flac", mix=[[1, 0]])[0])
    np.testing.assert_array_equal(left, x[:, 0])
    m = np.array([[0.2, 0.8], [1.0, -1.0], [0.5, 0.5]])
    three = np.asarray(mv.read_audio(SAMPLES / "music_stereo.flac", mix=m, dtype="float64")[0])
    np.testing.assert_allclose(three, reference("music_stereo.flac", "float64") @ m.T, atol=1e-12)


def test_mixing_errors():
    with pytest.raises(ValueError, match="pass mix= as a matrix of 3 rows of 2 weights"):
        mv.read_audio(SAMPLES / "music_stereo.flac", channels=3)
    with pytest.raises(ValueError, match="2 weights in each row"):
        mv.read_audio(SAMPLES / "music_stereo.flac", mix=[[1, 0, 0]])
    with pytest.raises(ValueError, match="channels=2 but mix has 1 rows"):
        mv.read_audio(SAMPLES / "music_stereo.flac", channels=2, mix=[[1, 0]])
    with pytest.raises(TypeError, match="mix must be"):
        mv.read_audio(SAMPLES / "music_stereo.flac", mix="mean")
    with pytest.raises(ValueError, match="resample_quality must be one of"):
        mv.read_audio(SAMPLES / "music_stereo.flac", samplerate=8000, resample_quality="best")
    with pytest.raises(ValueError, match="samplerate must be positive"):
        mv.read_audio(SAMPLES / "music_stereo.flac", samplerate=0)
    with pytest.raises(ValueError, match="mmap=True cannot resample"):
        mv.read_audio(SAMPLES / "clip_pcm16.wav", samplerate=8000, mmap=True)


def test_ranges_resample_the_selected_span():
    x = reference("music_stereo.flac")
    ours = np.asarray(mv.read_audio(SAMPLES / "music_stereo.flac", start=1000, stop=30001, samplerate=16000)[0])
    want = oracle(x[1000:30001], RATE, 16000)
    assert ours.shape == want.shape and np.abs(ours - want).max() <= 1e-5
    secs = np.asarray(mv.read_audio(SAMPLES / "music_stereo.flac", offset=0.25, duration=0.5, samplerate=16000)[0])
    want = oracle(x[round(0.25 * RATE):round(0.25 * RATE) + round(0.5 * RATE)], RATE, 16000)
    assert secs.shape == want.shape and np.abs(secs - want).max() <= 1e-5
    plain = np.asarray(mv.read_audio(SAMPLES / "music_stereo.flac", offset=0.5)[0])
    np.testing.assert_array_equal(plain, x[round(0.5 * RATE):])
    with pytest.raises(ValueError, match="start or offset"):
        mv.read_audio(SAMPLES / "music_stereo.flac", start=3, offset=0.5)


def test_out_is_checked_against_the_resampled_shape():
    n = math.ceil(len(reference("music_stereo.flac")) * 16000 / RATE)
    out = np.zeros((n, 1), np.float32)
    view, _ = mv.read_audio(SAMPLES / "music_stereo.flac", samplerate=16000, channels=1, always_2d=True, out=out)
    np.testing.assert_array_equal(out, np.asarray(view))
    assert np.abs(out).max() > 0.01
    with pytest.raises(ValueError):
        mv.read_audio(SAMPLES / "music_stereo.flac", samplerate=16000, out=np.zeros((n + 1, 2), np.float32))


@pytest.mark.parametrize("name", ["music_stereo.flac", "music_stereo.mp3", "speech_mono.wav"])
@pytest.mark.parametrize("blocksize", [1000, 4096, 100000])
def test_stream_blocks_join_to_the_whole_read(name, blocksize):
    whole = np.asarray(mv.read_audio(SAMPLES / name, samplerate=16000, channels=1)[0])
    stream = mv.stream_audio(SAMPLES / name, blocksize, samplerate=16000, channels=1)
    blocks = [np.array(b) for b in stream]
    assert all(len(b) == blocksize for b in blocks[:-1])
    joined = np.concatenate(blocks)
    assert joined.shape == whole.shape
    assert np.abs(joined - whole).max() <= 1e-6


def test_raw_format_reads_and_resamples():
    x = reference("clip_pcm16.wav", "int16")
    raw = x.astype("<i2").tobytes()
    view, rate = mv.read_audio(raw, raw=mv.RawFormat(11025, 2, "PCM_16"), samplerate=8000)
    assert rate == 8000
    want = oracle(x.astype(np.float32) / 32768, 11025, 8000)
    assert np.abs(np.asarray(view) - want).max() <= 1e-5
    with pytest.raises(TypeError, match="mediaview.RawFormat"):
        mv.read_audio(raw, raw=(11025, 2, "PCM_16"))


# ---- the damage policy (non-FLAC) ------------------------------------------------

DAMAGE = ["music_stereo.ogg", "music_stereo.opus", "music_stereo.mp3", "clip_pcm16.wav", "clip_pcm24.aiff"]


@pytest.mark.parametrize("name", DAMAGE)
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.99])
def test_truncated_raises_or_returns_the_intact_prefix(name, fraction):
    raw = (SAMPLES / name).read_bytes()
    intact = np.asarray(mv.read_audio(raw, always_2d=True)[0])
    cut = raw[: int(len(raw) * fraction)]
    with pytest.raises(mv.DecodeError):
        mv.read_audio(cut)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            part = np.asarray(mv.read_audio(cut, always_2d=True, allow_truncated=True)[0])
    except mv.DecodeError as e:
        # Too little left to open at all: an error, never silence.
        assert "cannot open" in str(e) or "malformed" in str(e)
        return
    assert 0 <= len(part) < len(intact)
    tol = 0 if name.endswith((".wav", ".aiff")) else 1e-6
    assert np.abs(part - intact[: len(part)]).max(initial=0) <= tol
    messages = [str(w.message) for w in caught if issubclass(w.category, mv.DecodeWarning)]
    assert len(messages) == 1 and f"returning the {len(part)} frames decoded" in messages[0]
    with pytest.raises(mv.DecodeError, match="strict=True"):
        mv.read_audio(cut, allow_truncated=True, strict=True)


@pytest.mark.parametrize("name", DAMAGE)
def test_flipped_bytes_never_pass_silently_short(name):
    raw = bytearray((SAMPLES / name).read_bytes())
    rng = np.random.default_rng(12)
    intact_frames = mv.audio_info(bytes(raw)).frames
    for trial in range(8):
        bad = bytearray(raw)
        for at in rng.integers(len(raw) // 4, len(raw), 16):
            bad[at] ^= 0xFF
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", mv.DecodeWarning)
                got = mv.read_audio(bytes(bad), always_2d=True)[0]
        except mv.DecodeError:
            continue
        info = mv.audio_info(bytes(bad))
        # A read that passes returns every frame the header promised.
        if info.exact_length:
            assert len(got) == info.frames
        assert info.frames <= max(intact_frames, 0) or not info.exact_length or len(got) == info.frames
