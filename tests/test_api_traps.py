"""API traps (issue 26, section 4): mistakes a new user makes get an error
that names the mistake and the fix, for every entry point of the kind."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

import mediaview as mv
from mediaview._batch import plan_images

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PHOTO = SAMPLES / "chelsea_420.jpg"
CLIP = SAMPLES / "clip_pcm16.wav"

BATCHES = {"decode_images": mv.decode_images, "plan_images": plan_images, "read_audios": mv.read_audios}


@pytest.mark.parametrize("name", BATCHES)
@pytest.mark.parametrize("one", [str(PHOTO), PHOTO, str(PHOTO).encode(), b"\xff\xd8\xff", bytearray(b"x")])
def test_one_source_in_place_of_a_list_is_a_type_error(name, one):
    # A str was decoded character by character ("17 of 17 images failed; the first, m").
    with pytest.raises(TypeError, match=rf"{name}\(\) takes an iterable of sources, not one"):
        BATCHES[name](one)


def test_an_open_file_in_place_of_a_list_is_a_type_error():
    with open(PHOTO, "rb") as f, pytest.raises(TypeError, match="iterable of sources"):
        mv.decode_images(f)


def test_no_sources_give_an_empty_result_not_none():
    stacked = mv.decode_images([])
    assert isinstance(stacked, memoryview) and len(stacked) == 0
    assert mv.decode_images([], stack=False) == []
    assert mv.read_audios([]) == []
    assert plan_images([]) == []


ENTRIES = {
    "decode_image": lambda src: mv.decode_image(src),
    "probe": lambda src: mv.probe(src),
    "decode_images": lambda src: mv.decode_images([src]),
    "read_audio": lambda src: mv.read_audio(src),
    "audio_info": lambda src: mv.audio_info(src),
    "read_audios": lambda src: mv.read_audios([src]),
    "stream_audio": lambda src: list(mv.stream_audio(src, 1024)),
}


@pytest.mark.parametrize("entry", ENTRIES)
def test_bytes_that_name_an_existing_file_get_a_hint(entry, tmp_path, monkeypatch):
    # os.listdir(b".") gives bytes names; they were taken as encoded data.
    monkeypatch.chdir(SAMPLES)
    name = (PHOTO.name if "image" in entry or entry == "probe" else CLIP.name).encode()
    with pytest.raises(TypeError, match=r"bytes that name an existing file .*pass the path as str"):
        ENTRIES[entry](name)
    # bytes of real encoded data, and bytes naming nothing, are data as before
    data = (SAMPLES / name.decode()).read_bytes()
    ENTRIES[entry](data)
    with pytest.raises((mv.UnsupportedFormatError, mv.BatchError)):  # (a batch reports it per source)
        ENTRIES[entry](b"no such file.jpg")


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_text_mode_file_is_a_type_error_saying_rb(entry):
    path = PHOTO if "image" in entry or entry == "probe" else CLIP
    with open(path) as f, pytest.raises(TypeError, match="text mode, not binary mode; open it with 'rb'"):
        ENTRIES[entry](f)


def test_swapped_encode_image_arguments_are_a_clean_type_error():
    view = mv.decode_image(PHOTO)
    with pytest.raises(TypeError, match=r"the pixels come first, then the format name \(got the str 'png' first\)"):
        mv.encode_image("png", view)
    with pytest.raises(TypeError, match="format must be a str"):
        mv.encode_image(view, 3)


def test_encode_image_raises_what_its_docstring_says():
    view = mv.decode_image(PHOTO)
    assert "an unknown one, or a value of the wrong type, is a TypeError" in mv.encode_image.__doc__
    with pytest.raises(TypeError, match="no option 'bogus'"):
        mv.encode_image(view, "png", bogus=1)
    with pytest.raises(TypeError):
        mv.encode_image(view, "png", compress_level="x")
    with pytest.raises(ValueError):
        mv.encode_image(view, "png", compress_level=13)  # 0-12: libdeflate's levels


@pytest.mark.parametrize("suffix,write", [
    (".png", lambda dst: mv.write_image(dst, mv.decode_image(PHOTO))),
    (".bmp", lambda dst: mv.write_image(dst, mv.decode_image(PHOTO), format="bmp")),
    (".wav", lambda dst: mv.write_audio(dst, mv.read_audio(CLIP)[0])),
], ids=["write_image", "write_image via Pillow", "write_audio"])
def test_write_errors_name_the_users_path_not_the_temporary(tmp_path, suffix, write):
    dst = tmp_path / "no such folder" / ("out" + suffix)
    with pytest.raises(FileNotFoundError) as caught:
        write(dst)
    assert caught.value.filename == str(dst) and caught.value.errno == errno.ENOENT
    assert "mediaview-tmp" not in str(caught.value) and "folder does not exist" in str(caught.value)
    assert not np.any([p.name.startswith(".") for p in tmp_path.iterdir()])


def test_dask_read_audio_files_takes_a_glob_like_read_images():
    pytest.importorskip("dask.bag")  # first: mediaview.dask raises a plain ImportError without Dask
    dask = pytest.importorskip("mediaview.dask")
    bag = dask.read_audio_files(str(SAMPLES / "clip_*.wav"))
    clips = bag.compute(scheduler="sync")
    assert len(clips) == len(list(SAMPLES.glob("clip_*.wav"))) == 2
    with pytest.raises(FileNotFoundError, match="no file matches"):
        dask.read_audio_files(str(SAMPLES / "nothing_*.wav"))
