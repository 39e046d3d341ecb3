"""One request per media kind: every option, derived from the core's own
option table, is accepted by every entry point of its kind with the same
meaning, and a bad value fails the same way everywhere (the same exception
type, message and ``.argument``)."""

from __future__ import annotations

import numpy as np
import pytest

import mediaview
from mediaview import _core
from mediaview._batch import plan_images
from conftest import SAMPLES

JPEG = SAMPLES / "chelsea_420.jpg"
ANIMATED = SAMPLES / "coffee_animated.webp"
STEREO = SAMPLES / "music_stereo.flac"

# (a valid value, a bad value) for every option. A new option in the core
# table without a line here fails test_every_option_has_a_case.
IMAGE_CASES = {
    "mode": ("L", "XYZ"),
    "dtype": ("uint8", "int8"),
    "scale": ((1, 1), (0, 1)),
    "crop": ((0, 0, 8, 8), (1, 2, 3)),
    "orient": (True, "yes"),
    "strict": (False, 1),
    "allow_truncated": (True, "no"),
    "max_pixels": (10**9, -1),
    "frame": (0, -1),
    "frames": ("composited", "all"),
    "size": ((16, 12), (0, 5)),
    "fit": ("cover", "stretch"),
    "filter": ("bilinear", "nearest"),
    "fill": (0, 70000),
    "reducing_gap": (3.0, 0.5),
    "colorspace": ("srgb", "adobe"),
    "intent": ("perceptual", "vivid"),
}
# Set through another keyword of the Python API (scale=MinSize(w, h)).
IMAGE_INTERNAL = {"min_size"}

AUDIO_CASES = {
    "dtype": ("int16", "uint8"),
    "start": (0, "x"),
    "stop": (None, 1.5),
    "frames": (100, "x"),
    "offset": (0.0, "x"),
    "duration": (0.5, "x"),
    "layout": ("planar", "diagonal"),
    "always_2d": (True, 1),
    "mmap": (None, "yes"),
    "max_samples": (10**9, 0),
    "samplerate": (16000, -5),
    "channels": (1, 0),
    "mix": ([[0.5, 0.5]], "abc"),
    "resample_quality": ("lq", "best"),
    "strict": (False, "no"),
    "allow_truncated": (True, "no"),
    "verify": (False, "no"),
    "format": (None, 5),
    "raw": (None, (1, 2, 3, 4)),
    "stream": (0, -1),
}


def _image_entry_points():
    points = {
        "decode_image": lambda **o: mediaview.decode_image(JPEG, **o),
        "decode_images": lambda **o: mediaview.decode_images([JPEG], **o),
        "plan_images": lambda **o: plan_images([JPEG], **o),
        "decode_frames": lambda **o: mediaview.decode_frames(ANIMATED, **o),
    }
    try:
        from mediaview import dask as mvdask
    except ImportError:
        pass
    else:
        points["dask.read_images"] = lambda **o: mvdask.read_images([str(JPEG)], **o)
    return points


def _audio_entry_points():
    points = {
        "read_audio": lambda **o: mediaview.read_audio(STEREO, **o),
        "read_audios": lambda **o: mediaview.read_audios([STEREO], **o),
        "stream_audio": lambda **o: next(iter(mediaview.stream_audio(STEREO, 4096, **o))),
    }
    try:
        from mediaview import dask as mvdask
    except ImportError:
        pass
    else:
        points["dask.read_audio_files"] = lambda **o: mvdask.read_audio_files([str(STEREO)], **o)
    return points


def _failure(call, **options):
    with pytest.raises((TypeError, ValueError)) as caught:
        call(**options)
    e = caught.value
    return type(e).__name__, str(e), getattr(e, "argument", "(no field)")


def test_every_option_has_a_case():
    assert {name for name, _ in _core.ImageRequest.options()} == set(IMAGE_CASES) | IMAGE_INTERNAL
    assert {name for name, _ in _core.AudioRequest.options()} == set(AUDIO_CASES)
    assert all(doc for _, doc in _core.ImageRequest.options() + _core.AudioRequest.options())


@pytest.mark.parametrize("option", sorted(IMAGE_CASES))
def test_every_image_entry_point_takes_each_option_and_fails_alike(option):
    good, bad = IMAGE_CASES[option]
    points = _image_entry_points()
    for call in points.values():
        call(**{option: good})
    failures = {name: _failure(call, **{option: bad}) for name, call in points.items()}
    assert len(set(failures.values())) == 1, failures
    kind, message, argument = next(iter(failures.values()))
    assert argument == option or (option == "scale" and argument is None), failures


@pytest.mark.parametrize("option", sorted(AUDIO_CASES))
def test_every_audio_entry_point_takes_each_option_and_fails_alike(option):
    good, bad = AUDIO_CASES[option]
    points = _audio_entry_points()
    for call in points.values():
        call(**{option: good})
    failures = {name: _failure(call, **{option: bad}) for name, call in points.items()}
    assert len(set(failures.values())) == 1, failures


def test_an_unknown_option_is_a_type_error_naming_it_everywhere():
    for call in list(_image_entry_points().values()) + list(_audio_entry_points().values()):
        kind, message, argument = _failure(call, bogus=1)
        assert kind == "TypeError" and "'bogus'" in message and argument == "bogus"


def test_same_meaning_across_entry_points():
    one = np.asarray(mediaview.decode_image(JPEG, mode="L", size=(40, 30), fit="contain", fill=7))
    batch = np.asarray(mediaview.decode_images([JPEG], mode="L", size=(40, 30), fit="contain", fill=7))
    assert plan_images([JPEG], mode="L", size=(40, 30))[0] == ((30, 40), "uint8")
    np.testing.assert_array_equal(batch[0], one)
    clip, rate = mediaview.read_audio(STEREO, samplerate=16000, channels=1, offset=0.25, duration=0.5)
    (clips,) = mediaview.read_audios([STEREO], samplerate=16000, channels=1, offset=0.25, duration=0.5)
    streamed = np.concatenate([np.asarray(b) for b in mediaview.stream_audio(STEREO, 1000, samplerate=16000,
                                                                             channels=1, offset=0.25,
                                                                             duration=0.5)])
    assert rate == clips[1] == 16000 and len(clip) == 8000
    np.testing.assert_array_equal(np.asarray(clips[0]), np.asarray(clip))
    np.testing.assert_allclose(streamed, np.asarray(clip), atol=1e-6)


def test_an_integral_float_rate_is_taken_by_readers_as_by_write_audio():
    clip, rate = mediaview.read_audio(STEREO, samplerate=16000.0)
    assert rate == 16000
    with pytest.raises(TypeError, match="whole number") as caught:
        mediaview.read_audio(STEREO, samplerate=16000.5)
    assert caught.value.argument == "samplerate"


def test_librosa_spellings_point_to_ours():
    with pytest.raises(TypeError, match="samplerate="):
        mediaview.read_audio(STEREO, sr=16000)
    with pytest.raises(TypeError, match="channels=1"):
        mediaview.read_audios([STEREO], mono=True)
