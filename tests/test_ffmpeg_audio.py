"""Audio through FFmpeg's libraries (decoders/ffmpeg): MP4/M4A (AAC, ALAC),
ADTS AAC, WMA, AC-3, E-AC-3, Matroska/WebM and the audio of a video file.

The oracle is the ``ffmpeg`` command-line tool (``-f f32le`` of the same
stream), a separate program over the same libraries; the lossless ALAC
sample is also checked against the WAV it was made from (python-soundfile).
Samples come from scripts/make_ffmpeg_audio_samples.py; longer inputs are
encoded here by the same recipe.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import mediaview as mv
from audio_oracle import SAMPLES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from make_ffmpeg_audio_samples import RECIPES, encode  # noqa: E402

FFMPEG_CODEC = next((d for d in mv.decoders() if d["name"] == "ffmpeg"), None)
pytestmark = [
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the ffmpeg CLI (the oracle) is not installed"),
    pytest.mark.skipif(FFMPEG_CODEC is None or "not installed" in FFMPEG_CODEC["library_version"],
                       reason="FFmpeg's libraries are not installed"),
]

VIDEO = SAMPLES / "video_two_audio.mp4"
SAMPLE_NAMES = sorted(RECIPES) + [VIDEO.name]
# What the original recordings hold: an MP4 index gives exactly these (the
# encoder's delay and padding removed).
EXACT_FRAMES = {"music_stereo.m4a": 44100, "music_faststart.m4a": 44100, "speech_alac.m4a": 68885,
                "video_two_audio.mp4": 33075}
# The CLI's default audio stream of the video is not FFmpeg's "best" one.
CLI_STREAM = {"video_two_audio.mp4": "0:2"}


def ffmpeg_samples(path, channels: int, stream: str = "0:a:0", fmt: str = "f32le", dtype=np.float32):
    """The decoded stream as the ffmpeg CLI writes it."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", stream, "-f", fmt, "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype).reshape(-1, channels)


def whole(path, **kw) -> np.ndarray:
    return np.asarray(mv.read_audio(path, always_2d=True, **kw)[0])


# ---- who reads what -------------------------------------------------------------------


def test_the_codec_is_listed_with_its_extensions():
    assert FFMPEG_CODEC["kind"] == "audio"
    assert FFMPEG_CODEC["library_version"].startswith("FFmpeg 5.")
    for ext in ("m4a", "mp4", "mov", "aac", "wma", "ac3", "eac3", "mka", "mkv", "webm"):
        assert ext in FFMPEG_CODEC["extensions"]


def test_formats_say_which_need_ffmpeg():
    formats = {f["name"]: f for f in mv.formats() if f["kind"] == "audio"}
    for name in ("M4A", "MP4", "MOV", "AAC", "ASF", "AC3", "EAC3", "MATROSKA", "WEBM"):
        f = formats[name]
        assert (f["codec"], f["can_read"], f["can_write"], f["available"]) == ("ffmpeg", True, False, True)
        assert f["requires"].startswith("libavformat59")
    assert formats["WAV"]["requires"] is None and formats["WAV"]["can_write"]
    code = ("import mediaview as mv\n"
            "print(sorted(f['name'] for f in mv.formats() if f['kind'] == 'audio' and not f['available']))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "MEDIAVIEW_NO_FFMPEG": "1"}).stdout
    assert out.strip() == str(sorted(["M4A", "MP4", "MOV", "AAC", "ASF", "AC3", "EAC3", "MATROSKA", "WEBM"]))


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_ffmpeg_sniffs_its_containers(name):
    head = (SAMPLES / name).read_bytes()[:64]
    assert mv._core.sniff(head)[0] == "ffmpeg"


@pytest.mark.parametrize("path", sorted(p for p in SAMPLES.iterdir() if p.suffix in
                                        {".wav", ".w64", ".rf64", ".aiff", ".aifc", ".au", ".caf", ".flac", ".ogg",
                                         ".mp3", ".opus"}), ids=lambda p: p.name)
def test_libsndfile_and_libflac_keep_their_formats(path):
    assert mv._core.sniff(path.read_bytes()[:64])[0] in {"sndfile", "flac"}


# ---- values against the ffmpeg CLI ---------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_float32_equals_the_ffmpeg_cli(name):
    path = SAMPLES / name
    ours = whole(path)
    reference = ffmpeg_samples(path, ours.shape[1], CLI_STREAM.get(name, "0:a:0"))
    if name in EXACT_FRAMES:
        # The CLI keeps the encoder's padding at the end; we end where the
        # index says (the recording's length).
        assert len(ours) == EXACT_FRAMES[name] == mv.audio_info(path).frames
        assert len(reference) >= len(ours)
    elif name.endswith(".webm"):
        # libavcodec drops the Opus pre-skip and the end padding the stream
        # declares; the CLI drops a few more frames at the end. Past the CLI's
        # end, ours is the near-silent remainder.
        assert 0 <= len(ours) - len(reference) <= 960
        assert np.abs(ours[len(reference):]).max() < 1e-3
    else:
        assert len(ours) == len(reference)
    n = min(len(ours), len(reference))
    np.testing.assert_allclose(ours[:n], reference[:n], rtol=0, atol=1e-6)


def test_alac_equals_the_recording_it_was_made_from():
    recording, _ = sf.read(SAMPLES / "speech_mono.wav", dtype="int16")
    ours, rate = mv.read_audio(SAMPLES / "speech_alac.m4a", dtype="int16")
    assert rate == 22050
    np.testing.assert_array_equal(np.asarray(ours), recording)
    as_int32 = np.asarray(mv.read_audio(SAMPLES / "speech_alac.m4a", dtype="int32")[0])
    np.testing.assert_array_equal(as_int32, recording.astype(np.int32) << 16)
    as_float = np.asarray(mv.read_audio(SAMPLES / "speech_alac.m4a", dtype="float64")[0])
    np.testing.assert_array_equal(as_float, recording / 32768.0)


@pytest.mark.parametrize("name", ["music_stereo.m4a", "music_stereo.wma", "speech_mono.ac3", "speech_mono.webm"])
def test_every_dtype_follows_the_float_samples(name):
    path = SAMPLES / name
    f32 = whole(path, dtype="float32")
    np.testing.assert_array_equal(whole(path, dtype="float64"), f32.astype(np.float64))
    # float to integers as everywhere in mediaview: scaled, rounded to nearest, saturated
    expected16 = np.clip(np.rint(f32.astype(np.float64) * 32768), -32768, 32767).astype(np.int16)
    np.testing.assert_array_equal(whole(path, dtype="int16"), expected16)
    expected32 = np.clip(np.rint(f32.astype(np.float64) * 2.0 ** 31), -2.0 ** 31, 2.0 ** 31 - 1).astype(np.int32)
    np.testing.assert_array_equal(whole(path, dtype="int32"), expected32)


def test_int16_of_alac_equals_the_cli():
    path = SAMPLES / "speech_alac.m4a"
    np.testing.assert_array_equal(whole(path, dtype="int16"), ffmpeg_samples(path, 1, fmt="s16le", dtype=np.int16))


# ---- gapless ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_aac(tmp_path_factory):
    """120 s of the music at 44.1 kHz as WAV, then as AAC in M4A."""
    folder = tmp_path_factory.mktemp("gapless")
    wav = encode([SAMPLES / "music_stereo.flac"], ["-t", "120", "-ar", "44100", "-c:a", "pcm_s16le"],
                 folder / "long.wav", before=["-stream_loop", "-1"])
    return wav, encode([wav], ["-c:a", "aac", "-b:a", "128k"], folder / "long.m4a")


def test_encoder_delay_and_padding_are_removed(long_aac):
    wav, m4a = long_aac
    assert sf.info(wav).frames == 5_292_000
    info = mv.audio_info(m4a)
    assert (info.frames, info.samplerate, info.exact_length) == (5_292_000, 44100, True)
    ours, rate = mv.read_audio(m4a)
    assert rate == 44100 and np.asarray(ours).shape == (5_292_000, 2)
    reference = ffmpeg_samples(m4a, 2)
    assert len(reference) == 5_292_032  # the CLI (and PyAV, TorchCodec) keep 32 frames of padding
    np.testing.assert_allclose(np.asarray(ours), reference[:5_292_000], rtol=0, atol=1e-6)
    # and the music starts where the WAV's does: no priming delay in front
    original, _ = sf.read(wav, dtype="float32", frames=20000)
    lags = range(-1100, 1100)  # more than AAC's 1024 frames of priming either way
    errors = [np.abs(np.asarray(ours)[4000 + lag:12000 + lag] - original[4000:12000]).mean() for lag in lags]
    assert lags[int(np.argmin(errors))] == 0


def test_itunes_gapless_note_without_an_edit_list(tmp_path):
    # iTunes writes no edit list but an iTunSMPB tag: delay 0x400 (AAC's 1024
    # frames of priming), padding, and the length, 0xAC44 = 44100 frames.
    note = " 00000000 00000400 000002FC 000000000000AC44" + " 00000000" * 8
    m4a = encode([SAMPLES / "music_stereo.flac"], ["-c:a", "aac", "-b:a", "48k", "-use_editlist", "0",
                                                  "-movflags", "use_metadata_tags", "-metadata", f"iTunSMPB={note}"],
                 tmp_path / "itunes.m4a")
    info = mv.audio_info(m4a)
    assert (info.frames, info.exact_length) == (44100, True)
    ours = whole(m4a)
    reference = ffmpeg_samples(m4a, 2)  # the CLI keeps the priming: no edit list says to drop it
    assert len(ours) == 44100 and len(reference) >= 1024 + 44100
    np.testing.assert_allclose(ours, reference[1024:1024 + 44100], rtol=0, atol=1e-6)
    part = np.asarray(mv.read_audio(m4a, start=20000, frames=1000, always_2d=True)[0])
    np.testing.assert_array_equal(part, ours[20000:21000])


# ---- ranges -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def aac_without_noise_substitution(tmp_path_factory):
    return encode([SAMPLES / "music_stereo.flac"], ["-c:a", "aac", "-b:a", "48k", "-aac_pns", "0"],
                  tmp_path_factory.mktemp("pns") / "no_pns.m4a")


EXACT_SEEK = ["speech_alac.m4a", "music_stereo.aac", "music_stereo.wma", "speech_mono.ac3", "speech_mono.eac3",
              "music_stereo.mka", "speech_mono.webm", "video_two_audio.mp4"]


@pytest.mark.parametrize("name", EXACT_SEEK + ["no_pns.m4a"])
def test_ranges_equal_slices_of_the_whole(name, aac_without_noise_substitution):
    path = aac_without_noise_substitution if name == "no_pns.m4a" else SAMPLES / name
    full = whole(path)
    # (A range is clamped to the header's length; where that is an estimate
    # shorter than the data, WMA's, ranges past it come back short.)
    n = min(len(full), mv.audio_info(path).frames)
    for start in (0, 1, 1023, 1024, 4095, 4096, 5000, 16385, n // 2, n - 700):
        part = np.asarray(mv.read_audio(path, start=start, frames=600, always_2d=True)[0])
        np.testing.assert_array_equal(part, full[start:start + 600], err_msg=f"start={start}")


def test_offset_and_duration_in_seconds():
    path = SAMPLES / "speech_alac.m4a"
    full = whole(path)
    part = np.asarray(mv.read_audio(path, offset=1.5, duration=0.25, always_2d=True)[0])
    start = round(1.5 * 22050)
    np.testing.assert_array_equal(part, full[start:start + round(0.25 * 22050)])


def test_a_seek_in_aac_with_noise_substitution_lands_on_the_same_sample():
    # FFmpeg's AAC encoder codes noisy bands as noise (PNS) and the decoder
    # draws that noise from a generator that runs on from the start: after a
    # seek the noise differs, nothing else. The samples land where they
    # should: the best alignment with the whole decode is at lag 0.
    path = SAMPLES / "music_stereo.m4a"
    full = whole(path)
    for start in (5000, 20000, 30000):
        part = np.asarray(mv.read_audio(path, start=start, frames=4000, always_2d=True)[0])
        assert part.shape == (4000, 2)
        lags = range(-64, 65)
        errors = [np.abs(part - full[start + lag:start + lag + 4000]).mean() for lag in lags]
        assert lags[int(np.argmin(errors))] == 0
        assert np.corrcoef(part[:, 0], full[start:start + 4000, 0])[0, 1] > 0.99


def test_stream_audio_blocks_join_to_read_audio():
    for name in ("music_stereo.m4a", "music_stereo.aac"):
        full = whole(SAMPLES / name)
        blocks = [np.asarray(b) for b in mv.stream_audio(SAMPLES / name, 4096, always_2d=True)]
        np.testing.assert_array_equal(np.concatenate(blocks), full)


def test_resampling_and_mixing_apply():
    ours, rate = mv.read_audio(SAMPLES / "music_stereo.m4a", samplerate=16000, channels=1)
    assert rate == 16000 and np.asarray(ours).shape == (int(np.ceil(44100 * 16000 / 11025)),)


def test_read_audios_equals_single_reads():
    paths = [SAMPLES / n for n in ("music_stereo.m4a", "speech_alac.m4a", "music_stereo.aac", "speech_mono.ac3")]
    batch = mv.read_audios(paths, threads=2)
    for path, (samples, rate) in zip(paths, batch):
        single, single_rate = mv.read_audio(path)
        assert rate == single_rate
        np.testing.assert_array_equal(np.asarray(samples), np.asarray(single))


# ---- streams --------------------------------------------------------------------------------


def test_the_default_is_ffmpegs_best_audio_stream_and_stream_chooses():
    best = whole(VIDEO)
    assert best.shape == (33075, 2)
    np.testing.assert_allclose(best, ffmpeg_samples(VIDEO, 2, "0:2")[:33075], rtol=0, atol=1e-6)
    speech = whole(VIDEO, stream=1)
    assert speech.shape == (3 * 22050, 1)
    np.testing.assert_allclose(speech, ffmpeg_samples(VIDEO, 1, "0:1")[:len(speech)], rtol=0, atol=1e-6)
    assert mv.audio_info(VIDEO, stream=1).samplerate == 22050
    blocks = [np.asarray(b) for b in mv.stream_audio(VIDEO, 8192, stream=1, always_2d=True)]
    np.testing.assert_array_equal(np.concatenate(blocks), speech)
    assert mv.read_audios([VIDEO], stream=1)[0][1] == 22050


def test_a_stream_that_is_not_audio_or_absent_is_a_value_error():
    with pytest.raises(ValueError, match="video stream, not audio; the audio streams are 1, 2"):
        mv.read_audio(VIDEO, stream=0)
    with pytest.raises(ValueError, match="3 stream"):
        mv.read_audio(VIDEO, stream=3)
    with pytest.raises(ValueError, match="single stream"):
        mv.read_audio(SAMPLES / "speech_mono.wav", stream=1)
    assert mv.read_audio(SAMPLES / "speech_mono.wav", stream=0)[1] == 22050
    with pytest.raises(ValueError, match=">= 0"):
        mv.read_audio(VIDEO, stream=-1)


def test_audio_info_describes_codec_bitrate_and_streams():
    info = mv.audio_info(VIDEO)
    assert (info.format, info.subtype, info.channels, info.frames) == ("MP4", "AAC", 2, 33075)
    assert info.streams.startswith("0: video mpeg4") and "2: audio aac 11025 Hz 2 ch (read)" in info.streams
    assert info.bitrate > 0
    alac = mv.audio_info(SAMPLES / "speech_alac.m4a")
    assert (alac.format, alac.subtype, alac.streams) == ("M4A", "ALAC", None)
    formats = {n: mv.audio_info(SAMPLES / n).format for n in RECIPES}
    assert formats == {"music_stereo.m4a": "M4A", "music_faststart.m4a": "M4A", "speech_alac.m4a": "M4A",
                       "music_stereo.aac": "AAC", "music_stereo.wma": "ASF", "speech_mono.ac3": "AC3",
                       "speech_mono.eac3": "EAC3", "music_stereo.mka": "MATROSKA", "speech_mono.webm": "WEBM"}
    assert not mv.audio_info(SAMPLES / "music_stereo.aac").exact_length  # ADTS has no length


def test_cli_info_shows_codec_bitrate_and_streams():
    cli = [sys.executable, "-m", "mediaview", "info"]
    text = subprocess.run([*cli, str(VIDEO)], capture_output=True, text=True, check=True).stdout
    assert "MP4 AAC, 11025 Hz, 2 channel(s), 33075 frames" in text and "kb/s" in text
    assert "streams: 0: video mpeg4" in text
    entry = json.loads(subprocess.run([*cli, "--json", str(VIDEO)], capture_output=True, text=True,
                                      check=True).stdout)[0]
    assert entry["subtype"] == "AAC" and entry["bitrate"] > 0 and "(read)" in entry["streams"]


@pytest.mark.parametrize("ext", ["wav", "flac", "mp3", "ogg"])
def test_cli_converts_to_the_formats_we_write(tmp_path, ext):
    out = tmp_path / f"speech.{ext}"
    subprocess.run([sys.executable, "-m", "mediaview", "convert", "-q", str(SAMPLES / "speech_alac.m4a"), str(out)],
                   check=True)
    back, rate = sf.read(out, dtype="int16")
    assert rate == 22050
    if ext in ("wav", "flac"):  # lossless both ways
        np.testing.assert_array_equal(back, sf.read(SAMPLES / "speech_mono.wav", dtype="int16")[0])


# ---- damaged and hostile -------------------------------------------------------------------


def read_quietly(data, capfd, **kw):
    """read_audio's result (or exception) and its warnings; libav* must print nothing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = mv.read_audio(data, always_2d=True, **kw)
        except mv.DecodeError as e:
            result = e
    out, err = capfd.readouterr()
    assert out == "" and err == "", (out, err)
    return result, [str(w.message) for w in caught]


def test_mdat_before_moov_reads_whole(capfd):
    data = (SAMPLES / "music_stereo.m4a").read_bytes()
    assert data.index(b"mdat") < data.index(b"moov")  # as FFmpeg writes M4A without +faststart
    result, warned = read_quietly(data, capfd)
    assert np.asarray(result[0]).shape == (44100, 2) and warned == []


def test_a_truncated_m4a_whose_index_was_at_the_end_is_a_decode_error(capfd):
    data = (SAMPLES / "music_stereo.m4a").read_bytes()
    result, _ = read_quietly(data[:len(data) * 7 // 10], capfd)
    assert isinstance(result, mv.DecodeError) and "index" in str(result) and "'moov'" in str(result)


def test_a_truncated_m4a_with_its_index_first_follows_the_policy(capfd):
    data = (SAMPLES / "music_faststart.m4a").read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")
    cut = data[:len(data) * 6 // 10]
    result, _ = read_quietly(cut, capfd)
    assert isinstance(result, mv.DecodeError) and "of the 44100 frames" in str(result)
    (samples, _), warned = read_quietly(cut, capfd, allow_truncated=True)
    got = len(np.asarray(samples))
    assert 0 < got < 44100 and any(f"returning the {got} frames" in w for w in warned)
    np.testing.assert_array_equal(np.asarray(samples), whole(SAMPLES / "music_faststart.m4a")[:got])
    result, _ = read_quietly(cut, capfd, allow_truncated=True, strict=True)
    assert isinstance(result, mv.DecodeError)


def test_corrupt_adts_becomes_silence_with_a_warning_or_an_error_when_strict(capfd):
    data = bytearray((SAMPLES / "music_stereo.aac").read_bytes())
    for i in np.random.default_rng(1).integers(2000, len(data) - 2000, 30):
        data[i] ^= 0xA5
    (samples, _), warned = read_quietly(bytes(data), capfd)
    assert len(np.asarray(samples)) == len(whole(SAMPLES / "music_stereo.aac"))  # the timeline is kept
    assert len(warned) == 1 and "damaged AAC data" in warned[0] and "frames of silence" in warned[0]
    result, _ = read_quietly(bytes(data), capfd, strict=True)
    assert isinstance(result, mv.DecodeError) and "strict=True" in str(result)


def test_adts_cut_inside_a_packet_follows_the_policy(capfd):
    data = (SAMPLES / "music_stereo.aac").read_bytes()
    result, _ = read_quietly(data[:len(data) // 2], capfd)
    assert isinstance(result, mv.DecodeError) and "ends inside a packet" in str(result)
    (samples, _), warned = read_quietly(data[:len(data) // 2], capfd, allow_truncated=True)
    assert len(np.asarray(samples)) > 0 and "ends inside a packet" in warned[0]


@pytest.mark.parametrize("magic", [b"\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00", b"\x1a\x45\xdf\xa3",
                                   bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"), b"\x0b\x77\x00\x00\x00\x40",
                                   b"\xff\xf1\x50\x80\x02\x1f\xfc"])
def test_garbage_after_a_magic_is_refused_quietly(magic, capfd):
    rng = np.random.default_rng(7)
    for _ in range(5):
        data = magic + rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                mv.read_audio(data)
            except (mv.DecodeError, mv.UnsupportedFormatError):
                pass
        assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("text", [b"ffconcat version 1.0\nfile '/etc/hostname'\n",
                                  b"#EXTM3U\n#EXTINF:10,\nhttp://127.0.0.1:9/a.aac\n",
                                  b"<?xml version='1.0'?><MPD xmlns='urn:mpeg:dash:schema:mpd:2011'></MPD>",
                                  b"\x89PNG\r\n\x1a\n" + bytes(64)])
def test_playlists_concat_scripts_and_images_never_reach_libavformat(tmp_path, text):
    # libavformat's own probing would take these (concat, HLS, DASH, image
    # demuxers, which open other files and URLs); we choose the demuxer from
    # our list by content, whatever the name says.
    path = tmp_path / "talk.m4a"
    path.write_bytes(text)
    assert mv._core.sniff(text) is None or mv._core.sniff(text)[0] != "ffmpeg"
    with pytest.raises((mv.UnsupportedFormatError, mv.DecodeError)):
        mv.read_audio(path)


def test_without_ffmpeg_the_formats_name_the_missing_library():
    code = ("import mediaview as mv\n"
            "try:\n    mv.read_audio('" + str(SAMPLES / "music_stereo.m4a") + "')\n"
            "except mv.UnsupportedFormatError as e:\n    print(e)\n"
            "print(mv.read_audio('" + str(SAMPLES / "speech_mono.wav") + "')[1])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "MEDIAVIEW_NO_FFMPEG": "1"}).stdout
    assert "libavformat.so.59" in out and "apt-get install libavformat59" in out
    assert out.strip().endswith("22050")  # the other codecs do not need it
