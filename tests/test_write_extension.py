"""The content written always matches the extension, in the API as on the
command line (tests/test_cli_messy.py): a ``format=`` that names another
format than a known extension is a ValueError naming ``format`` and the
path, and nothing is written; one that agrees, or a name the extension does
not know, is written in that format (checked by reading the bytes' kind)."""

from __future__ import annotations

import numpy as np
import pytest

import mediaview

PIXELS = np.zeros((8, 8, 3), np.uint8)
FRAMES = np.zeros((2, 8, 8, 3), np.uint8)
SAMPLES = np.zeros((800, 1), np.float32)


def write_image(path, format):
    mediaview.write_image(path, PIXELS, format=format)


def write_frames(path, format):
    mediaview.write_frames(path, FRAMES, [40, 40], format=format)


def write_audio(path, format):
    mediaview.write_audio(path, SAMPLES, 8000, format=format)


def audio_file_writer(path, format):
    with mediaview.AudioFileWriter(path, 8000, 1, format=format) as writer:
        writer.write(SAMPLES)


DISAGREE = [
    (write_image, "x.webp", "png"),
    (write_image, "x.jpg", "webp"),
    (write_image, "x.heic", "png"),   # read here, never written
    (write_image, "x.bmp", "png"),    # Pillow's extension
    (write_image, "x.png", "bmp"),    # Pillow's format
    (write_frames, "x.gif", "webp"),
    (write_frames, "x.webp", "gif"),
    (write_audio, "x.wav", "flac"),
    (write_audio, "x.flac", "ogg"),
    (write_audio, "x.m4a", "wav"),    # read through FFmpeg, never written
    (audio_file_writer, "x.flac", "wav"),
]


@pytest.mark.parametrize("write,name,format", DISAGREE, ids=lambda v: getattr(v, "__name__", v))
def test_a_format_that_disagrees_with_the_extension_is_refused(tmp_path, write, name, format):
    with pytest.raises(ValueError, match="disagrees with the extension") as caught:
        write(tmp_path / name, format)
    assert caught.value.argument == "format"
    assert name in str(caught.value)
    assert list(tmp_path.iterdir()) == []


AGREE = [
    (write_image, "x.jpeg", "jpg", "jpeg"),
    (write_image, "x.PNG", "png", "png"),
    (write_image, "x.bin", "webp", "webp"),  # no known extension: format= names it
    (write_image, "x.tif", "tiff", "tiff"),
    (write_frames, "x.webp", "WEBP", "webp"),
    (write_audio, "x.wav", "nist", None),    # NIST Sphere is stored as .wav
    (write_audio, "x.opus", "ogg", None),
    (write_audio, "x.raw.bin", "flac", "FLAC"),
    (audio_file_writer, "x.wav", "wav", "WAV"),
]


@pytest.mark.parametrize("write,name,format,written", AGREE, ids=lambda v: getattr(v, "__name__", v))
def test_a_format_that_agrees_or_names_an_unknown_extension_is_written(tmp_path, write, name, format, written):
    path = tmp_path / name
    write(path, format)
    assert path.stat().st_size > 0
    if written is None:
        return
    if write in (write_audio, audio_file_writer):
        assert mediaview.audio_info(path).format == written
    else:
        from PIL import Image
        with Image.open(path) as im:
            assert im.format.lower() == written
