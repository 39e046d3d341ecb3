"""Writing audio (round trips, tags, atomic output) and damaged input."""

from __future__ import annotations

import io
import random
import warnings

import numpy as np
import pytest
import soundfile as sf

import mediaview as mv
from audio_oracle import AUDIO_SAMPLES, SAMPLES

MUSIC = sf.read(SAMPLES / "music_stereo.flac", dtype="float64")[0][:20000]  # real audio, stereo

# (extension, format, subtype, exact): exact means lossless for the data as
# written, so soundfile reads back exactly what it reads from its own file.
ROUND_TRIPS = [
    (".wav", None, None, True), (".wav", None, "PCM_24", True), (".wav", None, "PCM_32", True),
    (".wav", None, "FLOAT", True), (".wav", None, "DOUBLE", True), (".wav", None, "ULAW", True),
    (".wav", None, "ALAW", True), (".wav", None, "PCM_U8", True), (".wav", None, "IMA_ADPCM", True),
    (".wav", None, "MS_ADPCM", True), (".wav", "WAVEX", "PCM_16", True),
    (".flac", None, None, True), (".flac", None, "PCM_24", True), (".flac", None, "PCM_S8", True),
    (".aiff", None, None, True), (".aif", None, "FLOAT", True), (".au", None, "PCM_16", True),
    (".caf", None, "ALAC_16", True), (".caf", None, "ALAC_24", True), (".w64", None, None, True),
    (".rf64", None, "PCM_32", True), (".raw", "RAW", "PCM_16", True), (".voc", None, "PCM_16", True),
    (".ogg", None, None, False), (".opus", None, None, False), (".mp3", None, None, False),
]


@pytest.mark.parametrize("dtype", ["int16", "float32"])
@pytest.mark.parametrize("ext, fmt, subtype, exact", ROUND_TRIPS,
                         ids=lambda v: str(v) if not isinstance(v, bool) else "")
def test_write_then_read_round_trips(tmp_path, ext, fmt, subtype, exact, dtype):
    rate = 48000 if ext == ".opus" else 11025
    data = (MUSIC * 32767).astype(np.int16) if dtype == "int16" else MUSIC.astype(np.float32)
    ours = tmp_path / f"ours{ext}"
    mv.write_audio(ours, data, rate, format=fmt, subtype=subtype)
    sf_kw = dict(format="RAW", samplerate=rate, channels=2, subtype="PCM_16") if fmt == "RAW" else {}
    raw_kw = dict(raw=mv.RawFormat(rate, 2, "PCM_16")) if fmt == "RAW" else {}
    with sf.SoundFile(ours, **sf_kw) as info:
        pass
    expected_subtype = subtype or {".ogg": "VORBIS", ".opus": "OPUS", ".mp3": "MPEG_LAYER_III"}.get(ext, "PCM_16")
    assert info.subtype == expected_subtype and info.channels == 2 and info.samplerate == rate
    back, back_rate = mv.read_audio(ours, dtype=dtype, mmap=False, **raw_kw)
    assert back_rate == rate
    back = np.asarray(back)
    if exact:
        # The oracle: soundfile writing the same data with the same settings.
        theirs = tmp_path / f"theirs{ext}"
        sf.write(theirs, data, rate, format=fmt or info.format, subtype=subtype or info.subtype)
        np.testing.assert_array_equal(back, sf.read(theirs, dtype=dtype, **sf_kw)[0])
        if subtype in (None, "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "ALAC_24") and ext != ".caf" or \
                dtype == "int16" and subtype in (None, "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "ALAC_16", "ALAC_24"):
            np.testing.assert_array_equal(back, data)  # and nothing was lost at all
    else:
        # Lossy: the length is kept (codec delay trimmed) and the signal is
        # close to the original; the correlation is far above chance.
        assert abs(len(back) - len(data)) <= 1152
        n = min(len(back), len(data))
        a = back[:n].astype(np.float64).ravel()
        b = data[:n].astype(np.float64).ravel()
        assert np.corrcoef(a, b)[0, 1] > 0.9


def test_write_mono_and_planar_memory(tmp_path):
    mono = (MUSIC[:, 0] * 32767).astype(np.int16)
    mv.write_audio(tmp_path / "mono.wav", mono, 8000)
    back = np.asarray(mv.read_audio(tmp_path / "mono.wav", dtype="int16")[0])
    np.testing.assert_array_equal(back, mono)
    planar, _ = mv.read_audio(SAMPLES / "music_stereo.flac", dtype="int16", layout="planar")
    mv.write_audio(tmp_path / "from_planar.flac", np.asarray(planar).T, 11025)  # (frames, channels), planar memory
    mv.write_audio(tmp_path / "from_view.flac", mv.read_audio(SAMPLES / "music_stereo.flac", dtype="int16")[0],
                   11025)  # a memoryview straight from read_audio
    expected = sf.read(SAMPLES / "music_stereo.flac", dtype="int16")[0]
    for name in ("from_planar.flac", "from_view.flac"):
        np.testing.assert_array_equal(sf.read(tmp_path / name, dtype="int16")[0], expected)
    strided = np.asarray(planar).T[::3]
    mv.write_audio(tmp_path / "strided.wav", strided, 11025)
    np.testing.assert_array_equal(sf.read(tmp_path / "strided.wav", dtype="int16")[0], expected[::3])


def test_tags_round_trip(tmp_path):
    tags = {"title": "Title é", "artist": "Artist", "album": "Album", "date": "2026-11-25", "comment": "Comment",
            "genre": "Genre", "tracknumber": "7", "copyright": "CC0", "software": "mediaview"}
    for ext in (".flac", ".ogg", ".wav"):
        path = tmp_path / f"tagged{ext}"
        mv.write_audio(path, MUSIC.astype(np.float32), 11025, tags=tags)
        ours = mv.audio_info(path).tags
        with sf.SoundFile(path) as f:
            theirs = f.copy_metadata()
        assert ours == theirs
        assert ours["title"] == "Title é" and ours["artist"] == "Artist"
    with pytest.raises(ValueError, match="unknown audio tag"):
        mv.write_audio(tmp_path / "x.flac", MUSIC.astype(np.float32), 11025, tags={"colour": "red"})


def test_write_to_a_file_object():
    buf = io.BytesIO()
    mv.write_audio(buf, MUSIC.astype(np.float32), 11025, format="FLAC")
    np.testing.assert_array_equal(sf.read(io.BytesIO(buf.getvalue()), dtype="int16")[0],
                                  np.asarray(mv.read_audio(buf.getvalue(), dtype="int16")[0]))
    with pytest.raises(ValueError, match="format="):
        mv.write_audio(io.BytesIO(), MUSIC, 11025)


@pytest.mark.parametrize("kw, error", [
    (dict(subtype="VORBIS"), mv.UnsupportedFormatError),       # Vorbis in WAV
    (dict(subtype="NOPE"), ValueError),
    (dict(format="NOPE"), ValueError),
])
def test_failed_writes_leave_nothing_behind(tmp_path, kw, error):
    target = tmp_path / "out.wav"
    target.write_bytes(b"previous content")
    with pytest.raises(error):
        mv.write_audio(target, MUSIC.astype(np.float32), 11025, **kw)
    assert target.read_bytes() == b"previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]  # no temporary left


def test_write_argument_errors(tmp_path):
    with pytest.raises(mv.UnsupportedFormatError, match="extension"):
        mv.write_audio(tmp_path / "x.unknown", MUSIC, 11025)
    with pytest.raises(TypeError, match="int16, int32, float32 or float64"):
        mv.write_audio(tmp_path / "x.wav", MUSIC.astype(np.int64), 11025)
    with pytest.raises(ValueError, match="frames"):
        mv.write_audio(tmp_path / "x.wav", np.zeros((2, 2, 2), np.float32), 11025)
    with pytest.raises(FileNotFoundError):
        mv.write_audio(tmp_path / "no" / "dir.wav", MUSIC, 11025)
    assert not (tmp_path / "x.wav").exists()


def test_opus_needs_an_opus_rate(tmp_path):
    with pytest.raises(mv.Error):
        mv.write_audio(tmp_path / "x.opus", MUSIC.astype(np.float32), 11025)
    assert list(tmp_path.iterdir()) == []


# ---- damaged and unknown input ------------------------------------------------------


def soundfile_outcome(data: bytes):
    try:
        return sf.read(io.BytesIO(data), dtype="int16")[0]
    except Exception as e:  # noqa: BLE001 - any soundfile failure is the outcome
        return e


@pytest.mark.parametrize("path", AUDIO_SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("fraction", [0.3, 0.77, 0.999])
def test_truncated_files(path, fraction, capfd):
    raw = path.read_bytes()
    cut = raw[: int(len(raw) * fraction)]
    theirs = soundfile_outcome(cut)
    capfd.readouterr()  # soundfile's own libmpg123 may print; only ours must not
    if path.suffix == ".flac":
        # libFLAC (not libsndfile, which loses sync where soundfile does)
        # says how far it got; the frames up to the cut, the intact file's
        # first ones, come back when truncation is allowed.
        assert isinstance(theirs, Exception)
        with pytest.raises(mv.DecodeError, match="allow_truncated"):
            mv.read_audio(cut, dtype="int16")
        with pytest.warns(mv.DecodeWarning, match="frames its STREAMINFO promises"):
            partial = np.asarray(mv.read_audio(cut, dtype="int16", allow_truncated=True)[0])
        intact = np.asarray(mv.read_audio(raw, dtype="int16")[0])
        assert 0 < len(partial) < len(intact)
        np.testing.assert_array_equal(partial, intact[:len(partial)])
        assert capfd.readouterr() == ("", "")
        return
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # The damage policy's opt-in: the frames decoded up to the cut
            # (without it, a read short of the header's promise raises).
            ours = np.asarray(mv.read_audio(cut, dtype="int16", allow_truncated=True)[0])
    except mv.DecodeError as e:
        # soundfile fails on the same bytes, with libsndfile's same message.
        assert isinstance(theirs, Exception), f"soundfile decoded it: {e}"
        assert str(theirs).split(":")[-1].strip() in str(e)
    else:
        assert not isinstance(theirs, Exception), f"soundfile failed: {theirs}"
        if path.suffix == ".caf" and len(ours) > len(theirs):
            # Debian's libsndfile 1.2.0 decodes the ALAC packets of a cut
            # packet table that soundfile's 1.2.2 drops: same prefix.
            np.testing.assert_array_equal(ours[: len(theirs)], theirs)
            return
        assert ours.shape == theirs.shape  # what the file really holds, as soundfile decodes it
        # The cut is seen (the header's length, a data chunk longer than the
        # file, an Ogg stream without its last page): one warning saying how
        # many frames came back, and without allow_truncated an error.
        flagged = [w for w in caught if issubclass(w.category, mv.DecodeWarning)]
        assert len(flagged) <= 1
        if flagged:
            assert f"returning the {len(ours)} frames decoded" in str(flagged[0].message)
            with pytest.raises(mv.DecodeError, match="allow_truncated=True"):
                mv.read_audio(cut, dtype="int16")
        else:
            np.testing.assert_array_equal(np.asarray(mv.read_audio(cut, dtype="int16")[0]), ours)
        if path.suffix not in {".ogg", ".mp3"}:
            np.testing.assert_array_equal(ours, theirs)
        else:
            assert np.abs(ours.astype(int) - theirs).max() <= 2
    assert capfd.readouterr() == ("", "")  # nothing printed, libmpg123 included


@pytest.mark.parametrize("path", AUDIO_SAMPLES, ids=lambda p: p.name)
def test_corrupted_files_never_crash_or_print(path, capfd):
    raw = path.read_bytes()
    rng = random.Random(path.name)
    for trial in range(12):
        bad = bytearray(raw)
        for _ in range(1 + trial * 40):
            i = rng.randrange(len(bad))
            bad[i] = rng.randrange(256)
        try:
            data, _ = mv.read_audio(bytes(bad), dtype="float32", threads=2)
            with np.errstate(all="ignore"):
                np.asarray(data).sum()
        except mv.Error:
            pass
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("data", [b"", b"not audio at all" * 100, bytes(range(256)) * 40, b"RIFF\0\0\0\0WAVE"])
def test_unknown_content_is_typed(data):
    with pytest.raises((mv.UnsupportedFormatError, mv.DecodeError)) as info:
        mv.read_audio(data)
    if len(data) != 12:
        assert info.type is mv.UnsupportedFormatError
    with pytest.raises(mv.Error):
        mv.audio_info(data)


def test_file_errors_are_os_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        mv.read_audio(tmp_path / "missing.wav")
    with pytest.raises(IsADirectoryError):
        mv.audio_info(tmp_path)
    with pytest.raises(TypeError):
        mv.read_audio(12345)
