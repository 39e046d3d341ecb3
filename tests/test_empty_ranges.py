"""Ranges that select nothing are errors, never empty results that look like
a read; ranges partly past the end are cut there with a warning giving the
real length (issue 26). Every entry point: read_audio (start/stop/frames and
offset/duration, plain and resampled), stream_audio, read_audios, the CLI."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
import soundfile as sf

import mediaview as mv
from conftest import SAMPLES

FILES = [SAMPLES / n for n in ("clip_pcm16.wav", "music_stereo.flac", "music_stereo.ogg", "music_stereo.mp3",
                               "speech_alac.caf", "music_stereo.m4a")]


def length(path):
    info = mv.audio_info(path)
    assert info.exact_length, path  # the rule holds where the header's length is exact
    return info.frames, info.samplerate


def empty_calls(path):
    n, rate = length(path)
    return {
        "start past the end": lambda: mv.read_audio(path, start=n + 10),
        "start at the end": lambda: mv.read_audio(path, start=n),
        "offset past the end": lambda: mv.read_audio(path, offset=n / rate + 1.0),
        "stop before start": lambda: mv.read_audio(path, start=100, stop=50),
        "frames=0": lambda: mv.read_audio(path, start=10, frames=0),
        "duration=0": lambda: mv.read_audio(path, offset=0.01, duration=0),
        "resampled, past the end": lambda: mv.read_audio(path, start=n + 1, samplerate=8000),
        "stream past the end": lambda: list(mv.stream_audio(path, 1024, start=n + 10)),
        "stream offset past the end": lambda: list(mv.stream_audio(path, 1024, offset=n / rate + 1.0)),
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_range_that_selects_nothing_is_an_error(path):
    for what, call in empty_calls(path).items():
        with pytest.raises(ValueError, match="selects no frames") as caught:
            call()
        assert caught.value.argument in ("start", "offset", "stop", "frames", "duration"), what


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_read_audios_names_the_clip_whose_range_is_empty(path):
    n, _ = length(path)
    with pytest.raises(mv.BatchError, match="selects no frames") as caught:
        mv.read_audios([SAMPLES / "speech_mono.wav", path], start=n + 5)
    assert [index for index, _, _ in caught.value.failures] == [1] or n + 5 >= length(SAMPLES / "speech_mono.wav")[0]


def warned(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught if issubclass(w.category, mv.DecodeWarning)]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_range_partly_past_the_end_warns_with_the_real_length(path):
    n, rate = length(path)
    full = np.asarray(mv.read_audio(path, dtype="int16")[0])
    for call in (lambda: mv.read_audio(path, dtype="int16", start=n - 10, frames=100)[0],
                 lambda: mv.read_audio(path, dtype="int16", start=n - 10, stop=n + 90)[0],
                 lambda: np.concatenate([np.asarray(b) for b in
                                         mv.stream_audio(path, 64, dtype="int16", start=n - 10, stop=n + 90)])):
        part, messages = warned(call)
        part = np.asarray(part)
        assert part.shape == full[n - 10:].shape  # what there is
        if path.suffix in (".wav", ".flac", ".caf"):  # lossless: exactly (a lossy decoder after a seek: near)
            np.testing.assert_array_equal(part, full[n - 10:])
        assert len(messages) == 1 and f"ends at frame {n}" in messages[0] and "returning the 10 frames" in messages[0]
    # In seconds too (librosa's names).
    part, messages = warned(lambda: mv.read_audio(path, offset=(n - 10) / rate, duration=1.0)[0])
    assert len(part) == n - round((n - 10) / rate * rate) and f"ends at frame {n}" in messages[0]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_ranges_inside_the_audio_and_slices_stay_quiet(path):
    n, _ = length(path)
    for kw in (dict(start=5, frames=100), dict(start=-100), dict(stop=n), dict(start=0, stop=n),
               dict(start=-10 ** 9), dict(start=n - 1)):  # slice rules: a negative start clamps to 0
        part, messages = warned(lambda: mv.read_audio(path, dtype="int16", **kw)[0])
        assert messages == [] and len(part) > 0, kw
        reference = sf.read(path, dtype="int16", **kw)[0] if path.suffix != ".m4a" else None
        if reference is not None:
            assert len(part) == len(reference), kw


def test_a_whole_read_of_an_empty_file_is_not_an_error(tmp_path):
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros((0, 1), "int16"), 8000)
    assert len(mv.read_audio(empty)[0]) == 0  # nothing was asked of it but all it holds


def cli(*args):
    return subprocess.run([sys.executable, "-m", "mediaview", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def bell(tmp_path):
    """A 0.14 s Ogg Vorbis clip, as the issue's bell.oga."""
    path = tmp_path / "bell.oga"
    tone = (0.3 * np.sin(np.arange(6174) / 5)).astype("float32")
    sf.write(path, tone, 44100, format="OGG", subtype="VORBIS")
    return path


@pytest.mark.parametrize("options", [["--start", "5"], ["--start", "6174f"], ["--start", "0.1", "--end", "0.1"],
                                     ["--start", "0.2s", "--end", "3"]])
def test_cli_empty_range_fails_and_writes_nothing(tmp_path, bell, options):
    out = tmp_path / "out.wav"
    result = cli("convert", bell, out, *options)
    assert result.returncode == 1, result.stderr
    assert "selects no frames" in result.stderr and "0.140 s" in result.stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["bell.oga"]


def test_cli_range_partly_past_the_end_warns_with_the_real_length(tmp_path, bell):
    out = tmp_path / "out.wav"
    result = cli("convert", bell, out, "--start", "0.1", "--end", "1")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("warning") == 1 and "ends at frame 6174 (6174 frames, 0.140 s)" in result.stderr
    assert sf.info(out).frames == 6174 - 4410
