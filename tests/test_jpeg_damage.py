"""The damage policy, limits, and silence on stderr."""

from __future__ import annotations

import io
import struct
import warnings

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import SAMPLES

SAMPLE = (SAMPLES / "chelsea_420.jpg").read_bytes()
PROGRESSIVE = (SAMPLES / "astronaut_progressive.jpg").read_bytes()


def with_extraneous_bytes(data: bytes) -> bytes:
    """Garbage between the APP0 segment and the next marker: libjpeg skips it
    with the warning 'N extraneous bytes before marker'."""
    after_app0 = 4 + int.from_bytes(data[4:6], "big")
    assert data[2:4] == b"\xff\xe0" and data[after_app0] == 0xFF
    return data[:after_app0] + b"\x00\x11\x22" + data[after_app0:]


def with_dimensions(data: bytes, width: int, height: int) -> bytes:
    """The same JPEG with the SOF segment claiming another size."""
    at = 2
    while True:
        marker, length = data[at + 1], int.from_bytes(data[at + 2:at + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return data[:at + 5] + struct.pack(">HH", height, width) + data[at + 9:]
        at += 2 + length


def test_recoverable_damage_gives_the_image_and_a_warning(capfd):
    damaged = with_extraneous_bytes(SAMPLE)
    with pytest.warns(mediaview.DecodeWarning, match="extraneous bytes before marker") as caught:
        view = mediaview.decode_image(damaged)
    assert caught[0].filename == __file__, "the warning points at the caller's line"
    with Image.open(io.BytesIO(damaged)) as im:
        assert np.array_equal(np.asarray(view), np.asarray(im))
    assert capfd.readouterr() == ("", "")


def test_strict_turns_warnings_into_decode_errors(capfd):
    with pytest.raises(mediaview.DecodeError, match="extraneous bytes"):
        mediaview.decode_image(with_extraneous_bytes(SAMPLE), strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mediaview.decode_image(SAMPLE, strict=True)  # a clean file decodes without a warning
    assert capfd.readouterr() == ("", "")


def test_warnings_filter_can_escalate_decode_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", mediaview.DecodeWarning)
        with pytest.raises(mediaview.DecodeWarning):
            mediaview.decode_image(with_extraneous_bytes(SAMPLE))


@pytest.mark.parametrize("data", [SAMPLE, PROGRESSIVE], ids=["baseline", "progressive"])
@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.9])
def test_truncated_data_is_a_decode_error(data, fraction, capfd):
    truncated = data[: int(len(data) * fraction)]
    with pytest.raises(mediaview.DecodeError, match="truncated") as info:
        mediaview.decode_image(truncated)
    assert isinstance(info.value, ValueError) and isinstance(info.value, mediaview.Error)
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_image(truncated, strict=True, allow_truncated=True)
    assert capfd.readouterr() == ("", "")


def test_missing_end_marker_alone_is_a_warning_not_truncation():
    assert SAMPLE[-2:] == b"\xff\xd9"
    with pytest.warns(mediaview.DecodeWarning, match="Premature end of JPEG file"):
        view = mediaview.decode_image(SAMPLE[:-2])
    assert np.array_equal(np.asarray(view), np.asarray(mediaview.decode_image(SAMPLE)))
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_image(SAMPLE[:-2], strict=True)
    with pytest.raises(mediaview.DecodeError, match="truncated"):
        mediaview.decode_image(PROGRESSIVE[:-200])  # progressive: scans are missing, not just the marker


def test_allow_truncated_gives_the_partial_image_with_a_warning(capfd):
    truncated = SAMPLE[: len(SAMPLE) // 2]
    with pytest.warns(mediaview.DecodeWarning, match="Premature end of JPEG file"):
        view = mediaview.decode_image(truncated, allow_truncated=True)
    full = np.asarray(mediaview.decode_image(SAMPLE))
    partial = np.asarray(view)
    assert partial.shape == full.shape
    intact_rows = int(np.argmin(np.all(partial == full, axis=(1, 2))))
    assert 100 < intact_rows < 300, "the rows before the cut decode exactly, the rest do not"
    with Image.open(io.BytesIO(truncated)) as im:
        from PIL import ImageFile

        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            reference = np.asarray(im)
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = False
    assert np.array_equal(partial[:intact_rows], reference[:intact_rows])
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize(
    "data, error",
    [
        (b"", mediaview.UnsupportedFormatError),
        (b"\xff", mediaview.UnsupportedFormatError),
        (b"8BPS" + bytes(100), mediaview.DecodeError),  # PSD, read through Pillow: a header of zeros is damaged
        (b"GIF89a" + bytes(100), mediaview.DecodeError),  # GIF's decoder refuses a 0x0 screen
        (SAMPLE[:3], mediaview.DecodeError),
        (SAMPLE[:200], mediaview.DecodeError),
        (SAMPLE[:2] + b"\xff\xc0\x00\x02" + SAMPLE[2:], mediaview.DecodeError),  # a bogus SOF segment
    ],
)
def test_garbage_is_a_typed_error(data, error, capfd):
    with pytest.raises(error):
        mediaview.decode_image(data, allow_truncated=True)
    with pytest.raises(mediaview.Error):
        mediaview.probe(data)
    assert capfd.readouterr() == ("", "")


def test_random_corruption_never_escapes_the_error_types(capfd):
    rng = np.random.default_rng(7)
    for _ in range(200):
        damaged = bytearray(SAMPLE)
        for at in rng.integers(2, len(damaged), size=int(rng.integers(1, 20))):
            damaged[at] = int(rng.integers(0, 256))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", mediaview.DecodeWarning)
                view = mediaview.decode_image(bytes(damaged), allow_truncated=bool(rng.integers(0, 2)))
            assert view.shape[2] == 3
        except (mediaview.Error, ValueError):
            pass
    assert capfd.readouterr() == ("", "")


def test_bomb_header_is_refused_before_allocation():
    bomb = with_dimensions(SAMPLE, 65000, 65000)
    info = mediaview.probe(bomb)
    assert (info.width, info.height) == (65000, 65000)
    with pytest.raises(mediaview.LimitError, match="65000x65000"):
        mediaview.decode_image(bomb)
    assert mediaview.MAX_IMAGE_PIXELS == 178_956_970
    with pytest.raises(mediaview.LimitError):
        mediaview.decode_image(bomb, max_pixels=10**9)  # 4.2e9 pixels: still over


def test_max_pixels_per_call_and_global(monkeypatch):
    pixels = 451 * 300
    with pytest.raises(mediaview.LimitError, match="max_pixels=135299"):
        mediaview.decode_image(SAMPLE, max_pixels=pixels - 1)
    assert mediaview.decode_image(SAMPLE, max_pixels=pixels).shape == (300, 451, 3)
    monkeypatch.setattr(mediaview, "MAX_IMAGE_PIXELS", pixels - 1)
    with pytest.raises(mediaview.LimitError):
        mediaview.decode_image(SAMPLE)
    assert mediaview.decode_image(SAMPLE, max_pixels=pixels).shape == (300, 451, 3)
    monkeypatch.setattr(mediaview, "MAX_IMAGE_PIXELS", None)
    assert mediaview.decode_image(SAMPLE).shape == (300, 451, 3)
    with pytest.raises(ValueError):
        mediaview.decode_image(SAMPLE, max_pixels=0)
