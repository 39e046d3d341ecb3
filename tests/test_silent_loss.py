"""Nothing is lost silently (issue 26, section 1): a source that yields fewer
frames, rows or images than its header promised is a DecodeError, or with
allow_truncated a DecodeWarning that gives the count, through every entry
point; audio_info and read_audio agree about it; a stream whose format
changes midway says so (DecodeError under strict)."""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import mediaview as mv

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(Path(__file__).resolve().parent))
import flac_surgery  # noqa: E402

def _batch_read(src, **kw):
    try:
        return np.asarray(mv.read_audios([src], **kw)[0][0])
    except mv.BatchError as e:
        raise e.failures[0][2] from None


def _streamed(src, **kw):
    blocks = [np.asarray(b) for b in mv.stream_audio(src, 4096, **kw)]
    return np.concatenate(blocks) if blocks else np.zeros((0, 1))


#: Every way audio is read, each returning the frames as an array (always_2d).
AUDIO_ENTRY_POINTS = {
    "read_audio": lambda src, **kw: np.asarray(mv.read_audio(src, always_2d=True, **kw)[0]),
    "read_audio threads=2": lambda src, **kw: np.asarray(mv.read_audio(src, always_2d=True, threads=2, **kw)[0]),
    "read_audio samplerate=": lambda src, **kw: np.asarray(
        mv.read_audio(src, always_2d=True, samplerate=8000, **kw)[0]),
    "read_audios": lambda src, **kw: _batch_read(src, always_2d=True, **kw),
    "stream_audio": lambda src, **kw: _streamed(src, always_2d=True, **kw),
}


def outcome(fn):
    """(result, warning messages, DecodeError or None)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return fn(), [str(w.message) for w in caught if w.category is mv.DecodeWarning], None
        except mv.DecodeError as e:
            return None, [str(w.message) for w in caught], e


def assert_never_silently_short(src, full_frames, entry):
    """A read of damaged `src` raises DecodeError; with allow_truncated it
    returns fewer frames only with a warning giving the count; strict is
    never quieter than the default."""
    read = AUDIO_ENTRY_POINTS[entry]
    got, caught, error = outcome(lambda: read(src))
    if error is None:
        assert len(got) >= full_frames or caught, f"{entry}: {len(got)} of {full_frames} frames, no warning"
    got, caught, error = outcome(lambda: read(src, allow_truncated=True))
    if error is None and len(got) < full_frames:
        assert any(str(len(got) if entry != "read_audio samplerate=" else "") in w for w in caught), (entry, caught)
    got, caught, error = outcome(lambda: read(src, strict=True))
    if error is None:
        assert not caught


# ---- FLAC: the IETF faulty/uncommon kinds, made from real files ------------------------


@pytest.fixture(scope="module")
def flacs(tmp_path_factory):
    """`flac`-made files (STREAMINFO, VORBIS_COMMENT, PADDING): stereo at
    11025 Hz, the same at 22050 Hz, and its left channel as mono."""
    if shutil.which("flac") is None:
        pytest.skip("the flac tool (Debian package flac) is absent")
    tmp = tmp_path_factory.mktemp("flacs")
    stereo, rate = mv.read_audio(SAMPLES / "music_stereo.flac", dtype="int16")
    stereo = np.asarray(stereo)
    mv.write_audio(tmp / "a.wav", stereo, rate)
    mv.write_audio(tmp / "b.wav", stereo, rate * 2)
    mv.write_audio(tmp / "mono.wav", stereo[:, 0].copy(), rate)
    return {
        "a": flac_surgery.encode(tmp / "a.wav", tmp / "a.flac"),
        "b": flac_surgery.encode(tmp / "b.wav", tmp / "b.flac"),
        "mono": flac_surgery.encode(tmp / "mono.wav", tmp / "mono.flac"),
        "stereo": stereo,
    }


@pytest.mark.parametrize("into_frames", [0, 13, 40, 91, 200])
@pytest.mark.parametrize("stated_length", [True, False])
def test_a_wrong_metadata_block_length_is_never_zero_frames_quietly(flacs, into_frames, stated_length):
    # IETF faulty/11: the parser walks through the frames looking for blocks.
    intact = flacs["a"] if stated_length else flac_surgery.without_length(flacs["a"])
    damaged = flac_surgery.wrong_block_length(intact, into_frames)
    info = mv.audio_info(damaged)
    for entry in AUDIO_ENTRY_POINTS:
        assert_never_silently_short(damaged, len(flacs["stereo"]), entry)
    if info.frames == 0:  # the parse ran to the end: no frame at all
        assert "metadata" in info.damage and not info.exact_length
        with pytest.raises(mv.DecodeError, match="no audio frame|ends after 0 of"):
            mv.read_audio(damaged)
        with pytest.warns(mv.DecodeWarning, match="metadata block's length is wrong"):
            assert len(mv.read_audio(damaged, allow_truncated=True)[0]) == 0


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.9, 0.99])
def test_a_cut_flac_is_described_as_damaged_by_audio_info(flacs, fraction):
    cut = flacs["a"][:int(len(flacs["a"]) * fraction)]
    info = mv.audio_info(cut)
    assert info.damage and not info.exact_length and info.frames == len(flacs["stereo"])
    with pytest.raises(mv.DecodeError, match="allow_truncated"):
        mv.read_audio(cut)
    for entry in AUDIO_ENTRY_POINTS:
        assert_never_silently_short(cut, len(flacs["stereo"]), entry)


def test_an_intact_flac_has_no_damage(flacs):
    for data in (flacs["a"], flac_surgery.without_length(flacs["a"])):
        info = mv.audio_info(data)
        assert info.damage == ""
        assert len(mv.read_audio(data, strict=True)[0]) == len(flacs["stereo"])


def test_a_sample_rate_change_midway_warns_and_strict_refuses(flacs):
    spliced = flac_surgery.spliced(flacs["a"], flacs["b"])
    n = len(flacs["stereo"])
    with pytest.warns(mv.DecodeWarning, match=f"sample rate changes from 11025 to 22050 Hz at frame {n}"):
        data, rate = mv.read_audio(spliced, dtype="int16")
    assert rate == 11025
    np.testing.assert_array_equal(np.asarray(data), np.concatenate([flacs["stereo"], flacs["stereo"]]))
    for read in (mv.read_audio, lambda s, **kw: list(mv.stream_audio(s, 1000, **kw))):
        with pytest.raises(mv.DecodeError, match="sample rate changes.*strict"):
            read(spliced, strict=True)


def test_a_channel_count_change_midway_is_mixed_with_a_warning(flacs):
    n = len(flacs["stereo"])
    left = flacs["stereo"][:, :1]
    # stereo, then mono: the mono frames duplicated
    with pytest.warns(mv.DecodeWarning, match=f"channel count changes from 2 to 1 at frame {n}"):
        data = np.asarray(mv.read_audio(flac_surgery.spliced(flacs["a"], flacs["mono"]), dtype="int16")[0])
    np.testing.assert_array_equal(data, np.concatenate([flacs["stereo"], np.hstack([left, left])]))
    # mono, then stereo: the stereo frames averaged (rounded toward zero, in the integer domain)
    with pytest.warns(mv.DecodeWarning, match=f"channel count changes from 1 to 2 at frame {n}"):
        data = np.asarray(mv.read_audio(flac_surgery.spliced(flacs["mono"], flacs["a"]), dtype="int16")[0])
    mean = (flacs["stereo"].astype(np.int32).sum(axis=1) / 2).astype(np.int16)
    np.testing.assert_array_equal(data, np.concatenate([left[:, 0], mean]))
    with pytest.raises(mv.DecodeError, match="channel count changes.*strict"):
        mv.read_audio(flac_surgery.spliced(flacs["a"], flacs["mono"]), strict=True)


# ---- every container that states its length ------------------------------------------

#: (format, subtype, extension): the containers whose headers state how much
#: audio follows. (IRCAM, PAF, PVF, WVE, NIST, MAT, XI, MPC2K: libsndfile
#: takes their length from the file size or does not log what the header
#: says, so a cut is not detectable.)
CONTAINERS = [("WAV", "PCM_16", "wav"), ("WAV", "FLOAT", "wav"), ("WAV", "IMA_ADPCM", "wav"),
              ("WAVEX", "PCM_24", "wav"), ("AIFF", "PCM_16", "aiff"), ("AIFF", "PCM_24", "aifc"),
              ("AU", "PCM_16", "au"), ("AU", "ULAW", "au"), ("W64", "FLOAT", "w64"), ("W64", "MS_ADPCM", "w64"),
              ("RF64", "PCM_32", "rf64"), ("CAF", "PCM_16", "caf"), ("CAF", "ALAC_16", "caf"),
              ("AVR", "PCM_16", "avr"), ("VOC", "PCM_16", "voc"), ("FLAC", "PCM_16", "flac"),
              ("OGG", "VORBIS", "ogg"), ("OGG", "OPUS", "opus"), ("MP3", "MPEG_LAYER_III", "mp3")]


@pytest.mark.parametrize("fmt,subtype,ext", CONTAINERS)
def test_a_cut_container_is_never_read_short_without_a_word(tmp_path, fmt, subtype, ext):
    rng = np.random.default_rng(3)
    channels = 1 if fmt == "AVR" else 2
    clip = (rng.standard_normal((16000, channels)) * 0.2).astype(np.float32)
    path = tmp_path / f"clip.{ext}"
    mv.write_audio(path, clip, 16000, format=fmt, subtype=subtype)
    raw = path.read_bytes()
    full = len(mv.read_audio(raw, always_2d=True)[0])
    for fraction in (0.5, 0.9):
        cut = raw[:int(len(raw) * fraction)]
        info, _, info_error = outcome(lambda: mv.audio_info(cut))
        read, _, read_error = outcome(lambda: mv.read_audio(cut))
        # audio_info and read_audio agree: an exact, undamaged description
        # is one read_audio honours.
        if info is not None and info.exact_length and not info.damage:
            assert read_error is None and len(read) == info.frames, (fraction, info, read_error)
        if info is not None and info.damage:
            assert read_error is not None and not info.exact_length
        for entry in AUDIO_ENTRY_POINTS:
            assert_never_silently_short(cut, full, entry)


def test_audio_info_shows_the_damage_read_audio_refuses(tmp_path):
    raw = (SAMPLES / "speech_mono.wav").read_bytes()
    cut = raw[:len(raw) // 2]
    info = mv.audio_info(cut)
    assert not info.exact_length and info.damage.startswith("the data chunk declares 68885 frames")
    assert info.as_dict()["damage"] == info.damage
    with pytest.raises(mv.DecodeError, match="the data chunk declares 68885 frames"):
        mv.read_audio(cut)
    assert mv.audio_info(SAMPLES / "speech_mono.wav").damage == ""


# ---- images --------------------------------------------------------------------------


def _batch_decode(src, **kw):
    try:
        return np.asarray(mv.decode_images([src], threads=1, **kw))[0]
    except mv.BatchError as e:
        raise e.failures[0][2] from None


IMAGE_ENTRY_POINTS = {
    "decode_image": lambda src, **kw: np.asarray(mv.decode_image(src, mode=None, **kw)),
    "decode_image size=": lambda src, **kw: np.asarray(mv.decode_image(src, mode=None, size=(32, 32), **kw)),
    "decode_images": lambda src, **kw: _batch_decode(src, mode=None, **kw),
    "decode_images size=": lambda src, **kw: _batch_decode(src, mode=None, size=(32, 32), **kw),
}
STILLS = sorted(p.name for p in SAMPLES.glob("*") if p.suffix in (".jpg", ".png", ".webp") and "animated" not in p.name)


@pytest.mark.parametrize("name", STILLS)
def test_a_cut_image_is_never_returned_incomplete_without_a_word(name):
    raw = (SAMPLES / name).read_bytes()
    for entry, decode in IMAGE_ENTRY_POINTS.items():
        full = decode(raw)
        for fraction in (0.3, 0.9, 0.995):
            cut = raw[:int(len(raw) * fraction)]
            got, caught, error = outcome(lambda: decode(cut))
            assert error is not None or caught or np.array_equal(got, full), (entry, fraction)
            got, caught, error = outcome(lambda: decode(cut, allow_truncated=True))
            assert error is not None or caught or np.array_equal(got, full), (entry, fraction)
