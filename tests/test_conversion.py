"""mediaview.conversion: the conversion logic the CLI's runners share, as a
library. ConvertOptions pickles (a Dask worker gets it as it is, DEFAULT
kept by identity); convert_image and convert_audio give what decode + write
would, against the independent readers (Pillow, soundfile)."""

from __future__ import annotations

import pickle
from fractions import Fraction

import numpy as np
import pytest
import soundfile
from PIL import Image

import mediaview
from conftest import ROOT
from mediaview.conversion import ConvertOptions, TimePoint, convert_audio, convert_image, plan_audio

SAMPLES = ROOT / "samples"


def test_options_pickle_as_they_are():
    options = ConvertOptions(mode="L", scale=Fraction(1, 2), start=TimePoint(0.5), encoder_options={"quality": 80})
    back = pickle.loads(pickle.dumps(options))
    assert back == options
    assert back.max_pixels is mediaview.DEFAULT


def test_convert_image_resizes_and_encodes(tmp_path):
    options = ConvertOptions(size=(64, 48), encoder_options={"quality": 95, "compress_level": 1})
    line = convert_image(SAMPLES / "chelsea_420.jpg", tmp_path / "a.png", "png", options)
    assert "64x48" in line
    want = np.asarray(mediaview.decode_image(SAMPLES / "chelsea_420.jpg", size=(64, 48)))
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png")), want)
    with pytest.raises(FileExistsError):
        convert_image(SAMPLES / "chelsea_420.jpg", tmp_path / "a.png", "png", options)


def test_convert_image_keeps_an_animation(tmp_path):
    src = SAMPLES / "coffee_animated.webp"
    convert_image(src, tmp_path / "a.webp", "webp", ConvertOptions(encoder_options={"lossless": True}),
                  keep_frames=True)
    frames, durations = mediaview.decode_frames(src)
    back, back_durations = mediaview.decode_frames(tmp_path / "a.webp")
    assert back.shape == frames.shape and back_durations == durations


def test_convert_audio_range_and_rate(tmp_path):
    src = SAMPLES / "clip_pcm16.wav"
    options = ConvertOptions(start=TimePoint(100, frames=True), end=TimePoint(1100, frames=True))
    plan = plan_audio(src, "wav", options)
    convert_audio(src, tmp_path / "a.wav", "wav", plan, options)
    back, rate = soundfile.read(tmp_path / "a.wav", dtype="int16")
    want, want_rate = soundfile.read(src, dtype="int16", start=100, stop=1100)
    assert rate == want_rate and np.array_equal(back, want)


def test_convert_audio_limit_carries_its_advice(tmp_path):
    src = SAMPLES / "clip_pcm16.wav"
    options = ConvertOptions(max_samples=10)
    with pytest.raises(mediaview.LimitError) as caught:
        convert_audio(src, tmp_path / "a.wav", "wav", plan_audio(src, "wav", options), options)
    assert caught.value.advice["option"] == "max_samples" and not (tmp_path / "a.wav").exists()


def test_the_cli_runners_share_it():
    # The Dask runner sends ConvertOptions, not the parser's Namespace.
    text = (ROOT / "python" / "mediaview" / "cli" / "cluster.py").read_text()
    assert "Namespace" not in text and "ConvertOptions" in text
