"""decode_images: many sources into one array, against single decodes and Pillow."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import SAMPLES

CHELSEA = SAMPLES / "chelsea_420.jpg"          # 451 x 300
ASTRONAUT = SAMPLES / "astronaut_444.jpg"      # 512 x 512
COFFEE = SAMPLES / "coffee_422.jpg"
ROCKET = SAMPLES / "rocket_orient6.jpg"


def pillow(path, size=None):
    with Image.open(path) as im:
        im = im.convert("RGB")
        return np.asarray(im)


def same_size_sources(tmp_path, n=6):
    """n JPEGs of one size made by Pillow from different crops of a photo."""
    paths = []
    with Image.open(ASTRONAUT) as im:
        im = im.convert("RGB")
        for i in range(n):
            p = tmp_path / f"crop{i}.jpg"
            im.crop((i * 20, i * 10, i * 20 + 160, i * 10 + 120)).save(p, quality=90)
            paths.append(p)
    return paths


def test_stack_equals_single_decodes_for_mixed_sources(tmp_path):
    paths = same_size_sources(tmp_path)
    srcs = [str(paths[0]), paths[1], paths[2].read_bytes(), bytearray(paths[3].read_bytes()),
            memoryview(paths[4].read_bytes()), open(paths[5], "rb")]
    try:
        batch = np.asarray(mediaview.decode_images(srcs))
    finally:
        srcs[-1].close()
    assert batch.shape == (6, 120, 160, 3)
    for i, p in enumerate(paths):
        np.testing.assert_array_equal(batch[i], np.asarray(mediaview.decode_image(p)))
        # An independent decoder agrees to JPEG rounding.
        assert np.abs(batch[i].astype(int) - pillow(p)).max() <= 3


def test_list_keeps_each_own_shape_and_mode():
    views = mediaview.decode_images([CHELSEA, ASTRONAUT, SAMPLES / "camera_gray.jpg"], stack=False, mode=None)
    assert [np.asarray(v).shape for v in views] == [(300, 451, 3), (512, 512, 3), np.asarray(
        mediaview.decode_image(SAMPLES / "camera_gray.jpg", mode=None)).shape]
    assert views[2].obj.mode == "L"
    np.testing.assert_array_equal(np.asarray(views[1]), np.asarray(mediaview.decode_image(ASTRONAUT)))


def test_grey_stack_is_three_dimensional(tmp_path):
    batch = mediaview.decode_images([SAMPLES / "camera_gray.jpg"] * 3, mode="L")
    assert np.asarray(batch).ndim == 3 and batch.obj.mode == "L"


def test_out_is_filled_and_shared(tmp_path):
    paths = same_size_sources(tmp_path, 4)
    out = np.full((4, 120, 160, 3), 7, np.uint8)
    view = mediaview.decode_images(paths, out=out)
    assert np.shares_memory(np.asarray(view), out)
    for i, p in enumerate(paths):
        np.testing.assert_array_equal(out[i], np.asarray(mediaview.decode_image(p)))


def test_out_of_the_wrong_shape_is_a_value_error(tmp_path):
    paths = same_size_sources(tmp_path, 2)
    with pytest.raises(ValueError, match="shape"):
        mediaview.decode_images(paths, out=np.zeros((3, 120, 160, 3), np.uint8))
    with pytest.raises(ValueError, match="stack"):
        mediaview.decode_images(paths, stack=False, out=np.zeros((2, 120, 160, 3), np.uint8))


def test_shape_mismatch_names_the_source_before_decoding(tmp_path):
    out = np.full((3, 300, 451, 3), 7, np.uint8)
    with pytest.raises(ValueError, match="astronaut_444.jpg") as info:
        mediaview.decode_images([CHELSEA, CHELSEA, ASTRONAUT], out=out)
    assert "(512, 512, 3)" in str(info.value) and "(300, 451, 3)" in str(info.value)
    assert not isinstance(info.value, mediaview.BatchError)
    # Raised from the headers: not one pixel was written.
    assert (out == 7).all()


def test_size_makes_any_batch_stackable():
    batch = np.asarray(mediaview.decode_images([CHELSEA, ASTRONAUT, COFFEE], size=(64, 48)))
    assert batch.shape == (3, 48, 64, 3)
    for i, p in enumerate([CHELSEA, ASTRONAUT, COFFEE]):
        np.testing.assert_array_equal(batch[i], np.asarray(mediaview.decode_image(p, size=(64, 48))))


def test_orient_plans_the_upright_shape():
    single = np.asarray(mediaview.decode_image(ROCKET, orient=True))
    batch = np.asarray(mediaview.decode_images([ROCKET, ROCKET], orient=True))
    assert batch.shape[1:] == single.shape
    np.testing.assert_array_equal(batch[1], single)


def test_bad_sources_become_a_batch_error_with_zeroed_slots(tmp_path):
    paths = same_size_sources(tmp_path, 3)
    missing = tmp_path / "missing.jpg"
    truncated = paths[0].read_bytes()[:2000]
    srcs = [paths[0], b"not an image", paths[1], missing, truncated, paths[2]]
    out = np.full((6, 120, 160, 3), 7, np.uint8)
    with pytest.raises(mediaview.BatchError) as info:
        mediaview.decode_images(srcs, out=out)
    error = info.value
    assert isinstance(error, mediaview.Error)
    assert [f[0] for f in error.failures] == [1, 3, 4]
    assert error.failures[0][1] == b"not an image"
    assert isinstance(error.failures[0][2], mediaview.UnsupportedFormatError)
    assert isinstance(error.failures[1][2], FileNotFoundError)
    assert isinstance(error.failures[2][2], mediaview.DecodeError)
    assert "3 of 6" in str(error)
    result = np.asarray(error.result)
    assert np.shares_memory(result, out)
    for i in (1, 3, 4):
        assert (result[i] == 0).all()
    for slot, p in ((0, paths[0]), (2, paths[1]), (5, paths[2])):
        np.testing.assert_array_equal(result[slot], np.asarray(mediaview.decode_image(p)))


def test_a_truncated_image_partly_written_is_zeroed(tmp_path):
    # The shape plan succeeds (the header is intact) and the decode fails midway.
    paths = same_size_sources(tmp_path, 2)
    truncated = paths[0].read_bytes()[:-500]
    with pytest.raises(mediaview.BatchError) as info:
        mediaview.decode_images([paths[1], truncated])
    assert [f[0] for f in info.value.failures] == [1]
    assert (np.asarray(info.value.result)[1] == 0).all()


def test_list_result_has_none_for_failures():
    with pytest.raises(mediaview.BatchError) as info:
        mediaview.decode_images([CHELSEA, b"junk"], stack=False)
    views = info.value.result
    assert views[1] is None and np.asarray(views[0]).shape == (300, 451, 3)


def test_every_source_failing_gives_no_stack():
    with pytest.raises(mediaview.BatchError) as info:
        mediaview.decode_images([b"junk", b"more junk"])
    assert info.value.result is None and len(info.value.failures) == 2


def test_warnings_name_their_source(tmp_path):
    paths = same_size_sources(tmp_path, 2)
    truncated = paths[0].read_bytes()[:-500]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mediaview.decode_images([paths[1], truncated], allow_truncated=True)
    messages = [str(w.message) for w in caught if issubclass(w.category, mediaview.DecodeWarning)]
    assert messages and all(m.startswith("srcs[1] (bytes): ") for m in messages)


def test_file_object_warnings_use_its_name(tmp_path):
    p = tmp_path / "cut.jpg"
    p.write_bytes(CHELSEA.read_bytes()[:-500])
    with open(p, "rb") as f, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mediaview.decode_images([f], allow_truncated=True)
    assert any("cut.jpg" in str(w.message) for w in caught)


@pytest.mark.parametrize("stack", [True, False])
def test_one_and_two_threads_give_identical_results(tmp_path, stack):
    srcs = [CHELSEA, COFFEE, ASTRONAUT, SAMPLES / "astronaut_progressive.jpg"] * 3
    kwargs = dict(size=(96, 80), fit="cover", filter="bicubic", stack=stack)
    one = mediaview.decode_images(srcs, threads=1, **kwargs)
    two = mediaview.decode_images(srcs, threads=2, **kwargs)
    if stack:
        np.testing.assert_array_equal(np.asarray(one), np.asarray(two))
    else:
        for a, b in zip(one, two):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_the_pool_is_reused_across_calls_and_threads():
    import threading

    results = []

    def run():
        results.append(np.asarray(mediaview.decode_images([CHELSEA] * 4, threads=2)))

    workers = [threading.Thread(target=run) for _ in range(4)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert len(results) == 4
    for r in results:
        np.testing.assert_array_equal(r, results[0])


def test_empty_batch_and_argument_errors():
    with pytest.raises(mediaview.BatchError):
        mediaview.decode_images([b"x"])
    assert mediaview.decode_images([], stack=False) == []
    with pytest.raises(ValueError, match="threads"):
        mediaview.decode_images([CHELSEA], threads=0)
    with pytest.raises(TypeError, match=r"srcs\[1\]"):
        mediaview.decode_images([CHELSEA, 3.5])
    # A header over the limit is that source's failure, found by the plan.
    with pytest.raises(mediaview.BatchError, match="camera_gray.jpg") as info:
        mediaview.decode_images([CHELSEA, SAMPLES / "camera_gray.jpg"], stack=False, max_pixels=200_000)
    assert [f[0] for f in info.value.failures] == [1]
    assert isinstance(info.value.failures[0][2], mediaview.LimitError)


def test_a_generator_of_sources_is_accepted(tmp_path):
    paths = same_size_sources(tmp_path, 3)
    batch = mediaview.decode_images(p for p in paths)
    assert np.asarray(batch).shape == (3, 120, 160, 3)


# ---- read_audios ------------------------------------------------------------------


@pytest.fixture
def clips(tmp_path):
    """Mono FLAC and WAV clips of different lengths cut from a real recording
    by soundfile (the oracle), with what soundfile reads back from each."""
    import soundfile

    speech, rate = soundfile.read(SAMPLES / "speech_mono.wav", dtype="float32")
    paths, expected = [], []
    for i, (a, b) in enumerate([(0, 20000), (5000, 40000), (1000, 9000), (30000, 68000)]):
        p = tmp_path / f"clip{i}.{'flac' if i % 2 == 0 else 'wav'}"
        soundfile.write(p, speech[a:b], rate, subtype="PCM_16")
        paths.append(p)
        expected.append(soundfile.read(p, dtype="float32")[0])
    return paths, expected, rate


def test_read_audios_list_matches_soundfile(clips):
    paths, expected, rate = clips
    srcs = [paths[0], str(paths[1]), paths[2].read_bytes(), open(paths[3], "rb")]
    try:
        result = mediaview.read_audios(srcs, threads=2)
    finally:
        srcs[3].close()
    assert [sr for _, sr in result] == [rate] * 4
    for (view, _), ref in zip(result, expected):
        np.testing.assert_array_equal(np.asarray(view), ref)


def test_read_audios_pad_to_the_longest(clips):
    paths, expected, rate = clips
    batch, lengths, sr = mediaview.read_audios(paths, pad=True, always_2d=True)
    longest = max(len(e) for e in expected)
    batch = np.asarray(batch)
    assert batch.shape == (4, longest, 1) and sr == rate
    assert lengths == [len(e) for e in expected]
    for row, ref in zip(batch, expected):
        np.testing.assert_array_equal(row[:len(ref), 0], ref)
        assert (row[len(ref):] == 0).all()


def test_read_audios_pad_to_cuts_and_pads(clips):
    paths, expected, _ = clips
    batch, lengths, _ = mediaview.read_audios(paths, pad_to=15000, dtype="int16")
    batch = np.asarray(batch)
    assert batch.shape == (4, 15000) and batch.dtype == np.int16
    assert lengths == [min(15000, len(e)) for e in expected]
    for row, ref, n in zip(batch, expected, lengths):
        np.testing.assert_array_equal(row[:n], np.round(ref[:n] * 32768).astype(np.int16))
        assert (row[n:] == 0).all()


def test_read_audios_padding_needs_one_channel_count(clips):
    paths, _, _ = clips
    with pytest.raises(ValueError, match="music_stereo.flac"):
        mediaview.read_audios([paths[0], SAMPLES / "music_stereo.flac"], pad=True)


def test_read_audios_batch_error(clips):
    paths, expected, _ = clips
    with pytest.raises(mediaview.BatchError) as info:
        mediaview.read_audios([paths[0], b"not audio at all", paths[1]], pad=True)
    assert [f[0] for f in info.value.failures] == [1]
    batch, lengths, _ = info.value.result
    assert lengths[1] == 0 and (np.asarray(batch)[1] == 0).all()
    np.testing.assert_array_equal(np.asarray(batch)[2][:lengths[2]], expected[1])
    with pytest.raises(mediaview.BatchError) as info:
        mediaview.read_audios([paths[0], b"not audio at all"])
    assert info.value.result[1] is None


def test_read_audios_one_and_two_threads_agree(clips):
    paths, _, _ = clips
    one = mediaview.read_audios(paths * 3, threads=1, pad=True)
    two = mediaview.read_audios(paths * 3, threads=2, pad=True)
    np.testing.assert_array_equal(np.asarray(one[0]), np.asarray(two[0]))
    assert one[1] == two[1]


def _decode_in_child(path):
    return np.asarray(mediaview.decode_images([path] * 3, threads=2, size=(32, 24))).tolist()


def test_a_forked_child_gets_its_own_pool():
    """Data loaders fork after the parent used the pool: the child's
    workers must exist (a fork copies no threads), not deadlock."""
    import multiprocessing

    mediaview.decode_images([CHELSEA] * 2, threads=2)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child = np.array(pool.apply_async(_decode_in_child, (str(CHELSEA),)).get(timeout=60), np.uint8)
    np.testing.assert_array_equal(child, np.asarray(mediaview.decode_images([CHELSEA] * 3, size=(32, 24))))
