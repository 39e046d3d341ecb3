"""Errors that advise an option carry it as fields, beside their text: the
message is ``detail + lead + option=value + tail``, and the CLI words it with
its flags from those fields (python/mediaview/cli/terms.py), never by
rewriting the text. Checked for every codec's truncation and limit errors,
and for the source: no message in the C++ spells an option's advice itself."""

from __future__ import annotations

import re

import pytest

import mediaview
from conftest import ROOT

SAMPLES = ROOT / "samples"
IMAGES = ["chelsea_420.jpg", "chelsea_rgb8.png", "chelsea_lossy.webp", "coffee_animated.gif", "chelsea.avif",
          "chelsea.jxl"]
AUDIO = ["clip_pcm16.wav", "clip_pcm24.aiff"]


def assert_advice(error: mediaview.Error, option: str, value: str) -> None:
    advice = error.advice
    assert advice is not None, str(error)
    assert (advice["option"], advice["value"]) == (option, value)
    assert str(error) == f"{error.detail}{advice['lead']}{option}={value}{advice['tail']}"


@pytest.mark.parametrize("name", IMAGES)
def test_truncation_errors_advise_allow_truncated(name):
    data = (SAMPLES / name).read_bytes()
    cut = data[: len(data) * 2 // 3]
    with pytest.raises(mediaview.DecodeError) as caught:
        mediaview.decode_image(cut)
        mediaview.decode_frames(cut)  # an animation's first frame may be whole: the later ones are not
    if "allow_truncated" in str(caught.value):
        assert_advice(caught.value, "allow_truncated", "True")


@pytest.mark.parametrize("name", IMAGES)
def test_limit_errors_advise_max_pixels(name):
    with pytest.raises(mediaview.LimitError) as caught:
        mediaview.decode_image(SAMPLES / name, max_pixels=100)
    assert_advice(caught.value, "max_pixels", "100")


@pytest.mark.parametrize("name", AUDIO)
def test_audio_errors_advise_their_options(tmp_path, name):
    data = (SAMPLES / name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(mediaview.DecodeError) as caught:
        mediaview.read_audio(cut)
    assert_advice(caught.value, "allow_truncated", "True")
    with pytest.raises(mediaview.DecodeError) as caught:
        mediaview.read_audio(cut, allow_truncated=True, strict=True)
    assert_advice(caught.value, "strict", "True")
    with pytest.raises(mediaview.LimitError) as caught:
        mediaview.read_audio(SAMPLES / name, max_samples=10)
    assert_advice(caught.value, "max_samples", "10")


def test_errors_without_advice_have_none():
    with pytest.raises(mediaview.UnsupportedFormatError) as caught:
        mediaview.decode_image(b"not an image at all")
    assert caught.value.advice is None and caught.value.detail is None


def test_no_cpp_message_spells_an_options_advice():
    # Advice is built by pass_allow_truncated / because_strict / above_limit
    # (src/errors.hpp), so its wording lives in one place and travels as fields.
    spelled = re.compile(r'"[^"\n]*(allow_truncated=True|strict=True|\(strict\)|max_pixels=|max_samples=)')
    offenders = []
    for path in [*ROOT.glob("src/**/*.[ch]pp"), *ROOT.glob("decoders/**/*.[ch]pp"),
                 *ROOT.glob("python/bindings/*.[ch]pp")]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if spelled.search(line) and not line.lstrip().startswith("//"):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
