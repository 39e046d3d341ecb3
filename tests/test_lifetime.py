"""Lifetime, threads and leaks: a view owns its memory for as long as anything
(a memoryview, a numpy array, a Pillow image) uses it, and not a moment
longer. Run under make test-asan as well, where reading freed memory aborts."""

from __future__ import annotations

import copy
import gc
import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
import threading
import weakref
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import JPEG_SAMPLES, ROOT, SAMPLES

SAMPLE = SAMPLES / "chelsea_420.jpg"
BIG = SAMPLES / "astronaut_444.jpg"
UNDER_ASAN = "asan" in os.environ.get("LD_PRELOAD", "")
# warnings.catch_warnings is not thread-safe: filter for the whole module instead.
pytestmark = pytest.mark.filterwarnings("ignore::mediaview.DecodeWarning")


def churn():
    """Frees, collects and allocates again so that freed memory is reused:
    a view of freed memory would then show other bytes (or, under ASan, abort)."""
    gc.collect()
    junk = [mediaview.decode_image(BIG) for _ in range(3)] + [bytearray(os.urandom(1 << 20)) for _ in range(8)]
    del junk
    gc.collect()


def digest(view) -> str:
    return hashlib.sha256(view.tobytes()).hexdigest()


# ---- views outliving everything else ------------------------------------------

@pytest.mark.parametrize("kind", ["bytes", "bytearray", "path", "file object", "memoryview of numpy"])
def test_view_outlives_its_source(kind, tmp_path):
    data = BIG.read_bytes()
    expected = digest(mediaview.decode_image(data))
    if kind == "bytes":
        src = bytes(data)
    elif kind == "bytearray":
        src = bytearray(data)
    elif kind == "path":
        src = tmp_path / "x.jpg"
        src.write_bytes(data)
    elif kind == "file object":
        src = io.BytesIO(data)
    else:
        src = memoryview(np.frombuffer(data, np.uint8).copy())
    view = mediaview.decode_image(src, orient=True)
    if kind == "bytearray":
        src[:] = b"\0" * len(src)  # the source may be reused once the call returned
    if kind == "path":
        src.unlink()
    del src, data
    churn()
    assert digest(view) == expected


def test_oriented_strided_view_outlives_its_exporter_reference():
    view = mediaview.decode_image(SAMPLES / "rocket_orient6.jpg", orient=True)
    expected = np.array(view)  # a copy
    exporter = weakref.ref(view.obj)
    churn()
    assert exporter() is not None  # held by the view alone
    assert np.array_equal(np.asarray(view), expected)
    del view
    gc.collect()
    assert exporter() is None


def test_numpy_array_outlives_the_view_and_the_exporter_reference():
    view = mediaview.decode_image(BIG)
    expected = digest(view)
    array = np.asarray(view)
    exporter = weakref.ref(view.obj)
    view.release()
    del view
    churn()
    assert exporter() is not None  # the array keeps the memory alive
    assert hashlib.sha256(array.tobytes()).hexdigest() == expected
    del array
    gc.collect()
    assert exporter() is None


def test_out_buffer_view_keeps_the_callers_memory_alive():
    shape = mediaview.decode_image(SAMPLE).shape
    out = np.zeros(shape, np.uint8)
    out_ref = weakref.ref(out)
    view = mediaview.decode_image(SAMPLE, out=out)
    expected = out.copy()
    del out
    churn()
    assert out_ref() is not None  # the view's export of out= holds it
    assert np.array_equal(np.asarray(view), expected)
    del view
    gc.collect()
    assert out_ref() is None


# ---- release and re-export -------------------------------------------------------

def test_release_frees_the_exporter_at_once():
    view = mediaview.decode_image(SAMPLE)
    exporter = weakref.ref(view.obj)
    view.release()
    assert exporter() is None  # no gc.collect needed: plain reference counting
    with pytest.raises(ValueError, match="released"):
        view.tobytes()
    with pytest.raises(ValueError):
        memoryview(view)
    view.release()  # releasing twice is allowed


def test_release_while_numpy_holds_an_array_of_the_view():
    # numpy takes its export through a memoryview of its own (array.base), so
    # the caller's release() succeeds and the array keeps the memory alive.
    view = mediaview.decode_image(BIG)
    expected = digest(view)
    array = np.asarray(view)
    exporter = weakref.ref(view.obj)
    view.release()
    churn()
    assert exporter() is not None
    assert hashlib.sha256(array.tobytes()).hexdigest() == expected
    del array
    gc.collect()
    assert exporter() is None


def test_release_while_pillow_maps_the_view():
    view = mediaview.decode_image(SAMPLE, mode="RGBA")
    image = mediaview.to_pil(view)  # shared memory (frombuffer)
    exporter = weakref.ref(view.obj)
    np.asarray(view)[10, 10] = (1, 2, 3, 4)
    assert image.getpixel((10, 10)) == (1, 2, 3, 4)  # really the same memory
    view.release()
    churn()
    assert exporter() is not None
    assert image.getpixel((10, 10)) == (1, 2, 3, 4)
    del image
    gc.collect()
    assert exporter() is None


def test_release_is_refused_while_an_export_of_the_view_itself_is_held():
    # pickle.PickleBuffer holds a Py_buffer export of the memoryview object
    # (numpy and Pillow take theirs through a memoryview of their own).
    view = mediaview.decode_image(SAMPLE)
    held = pickle.PickleBuffer(view)
    with pytest.raises(BufferError):
        view.release()
    assert held.raw().tobytes() == view.tobytes()
    held.release()
    view.release()
    with pytest.raises(ValueError):
        view.tobytes()


def test_pillow_image_keeps_a_mapped_view_alive_on_its_own():
    view = mediaview.decode_image(SAMPLE, mode="L")
    expected = np.array(view)
    exporter = weakref.ref(view.obj)
    image = mediaview.to_pil(view)
    del view
    churn()
    assert exporter() is not None
    assert np.array_equal(np.asarray(image), expected)
    del image
    gc.collect()
    assert exporter() is None


def test_export_again_from_the_exporter_after_release():
    view = mediaview.decode_image(SAMPLE)
    expected = view.tobytes()
    exporter = view.obj
    assert exporter.exports == 1
    view.release()
    assert exporter.exports == 0
    again = memoryview(exporter)
    direct = np.asarray(exporter)  # numpy takes its own export of the exporter
    assert exporter.exports == 2
    assert again.tobytes() == expected and direct.tobytes() == expected
    again.release()
    del direct
    assert exporter.exports == 0


# ---- pickling and copying -----------------------------------------------------------

def test_views_and_exporters_cannot_be_pickled_or_shallow_copied():
    view = mediaview.decode_image(SAMPLE)
    for obj in (view, view.obj):
        with pytest.raises(TypeError):
            pickle.dumps(obj)
        with pytest.raises(TypeError):
            copy.copy(obj)
        with pytest.raises(TypeError):
            copy.deepcopy(obj)


def test_copies_through_bytes_or_numpy_are_independent():
    view = mediaview.decode_image(SAMPLE)
    as_bytes, as_array = view.tobytes(), np.array(view)
    np.asarray(view)[:] = 0  # decoded views are writable
    assert as_bytes != view.tobytes()
    assert as_array.any() and not np.asarray(view).any()
    restored = pickle.loads(pickle.dumps(as_array))
    assert np.array_equal(restored, as_array)


# ---- threads ----------------------------------------------------------------------

AUDIO_WORK = ["music_stereo.flac", "music_stereo.mp3", "music_stereo.ogg", "speech_stereo.opus", "clip_pcm16.wav",
              "clip_float.w64", "speech_alac.caf", "speech_ulaw.au"]


def work_list():
    """(call, data, options) for images and audio, errors included."""
    work = []
    for path in JPEG_SAMPLES:
        data = path.read_bytes()
        mode = "CMYK" if "cmyk" in path.name else "RGB"
        work += [
            ("image", data, dict(mode=mode)),
            ("image", data, dict(mode="L" if mode == "RGB" else mode, scale="1/2", orient=True)),
            ("image", data, dict(mode=mode, crop=(13, 7, 101, 67), orient=True)),
            ("image", data[: len(data) // 2], dict(mode=mode, allow_truncated=True)),
            ("image", data[: len(data) // 2], dict(mode=mode)),  # DecodeError
        ]
    for name in AUDIO_WORK:
        data = (SAMPLES / name).read_bytes()
        work += [
            ("audio", data, dict()),
            ("audio", data, dict(dtype="int16", start=3000, frames=9000, layout="planar")),
            ("audio", data, dict(dtype="float64", threads=2)),  # split only where seeking is exact
            ("audio", SAMPLES / name, dict(dtype="int16")),  # memory-mapped for clip_pcm16.wav
            ("stream", data, dict(blocksize=4096, overlap=100, dtype="int32")),
            ("audio", data[: len(data) // 3], dict()),  # DecodeError or the leading frames
        ]
    return work


def run_one(call, data, options):
    try:
        if call == "image":
            return digest(mediaview.decode_image(data, **options))
        if call == "audio":
            return digest(mediaview.read_audio(data, **options)[0])
        return [digest(block) for block in mediaview.stream_audio(data, **options)]
    except mediaview.Error as e:
        return type(e).__name__


def test_eight_threads_at_once_give_the_serial_results():
    work = work_list()
    serial = [run_one(*w) for w in work]
    assert 0 < serial.count("DecodeError") < len(serial) // 4
    assert {call for call, *_ in work} == {"image", "audio", "stream"}
    barrier = threading.Barrier(8)
    results = [None] * 8
    errors = []

    def thread(i):
        try:
            barrier.wait()
            # Each thread walks the list from another starting point, so
            # different images and options run side by side.
            order = list(range(len(work)))
            order = order[i * 3:] + order[:i * 3]
            got = {}
            for k in order * 2:
                got.setdefault(k, []).append(run_one(*work[k]))
            results[i] = got
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=thread, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    assert all(not t.is_alive() for t in threads)
    for got in results:
        for k, outcomes in got.items():
            assert outcomes == [serial[k], serial[k]], (k, outcomes, serial[k])


# ---- many calls: exporters freed, memory flat ------------------------------------------

MANY_CALLS = r"""
import gc, io, json, resource, sys, warnings, weakref
import numpy as np
import mediaview
warnings.simplefilter("ignore", mediaview.DecodeWarning)
samples = sys.argv[1]
sample = open(f"{samples}/chelsea_420.jpg", "rb").read()
gray = open(f"{samples}/camera_gray.jpg", "rb").read()
flac = open(f"{samples}/music_stereo.flac", "rb").read()
ogg = open(f"{samples}/music_stereo.ogg", "rb").read()
wav_path = f"{samples}/clip_pcm16.wav"
truncated, truncated_flac = sample[: len(sample) // 2], flac[: len(flac) // 2]
calls, outcomes, rss = int(sys.argv[2]), {}, []
created, freed = 0, [0]

def on_free():
    freed[0] += 1
out = np.zeros((75, 113, 3), np.uint8)
audio_out = np.zeros((5000, 2), np.float32)

def resident_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

def peak_mb():  # VmHWM: getrusage's ru_maxrss would include the parent's peak (vfork + exec)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))

def stream(data):
    return list(mediaview.stream_audio(data, 8192, overlap=64))

def write_audio():
    mediaview.write_audio(io.BytesIO(), np.zeros((100, 2), np.int16), 8000, format="WAV")

# Ten image calls and ten audio calls; each of the 20 runs 500 times.
CALLS = [
    lambda: mediaview.decode_image(sample),
    lambda: mediaview.decode_image(sample, mode="RGBA", orient=True, crop=(5, 5, 200, 100)),
    lambda: mediaview.decode_image(gray, mode="L", scale="1/2"),
    lambda: mediaview.decode_image(sample, scale="1/4", out=out),
    lambda: mediaview.decode_image(truncated, allow_truncated=True),
    lambda: mediaview.decode_image(truncated),                       # DecodeError
    lambda: mediaview.decode_image(b"not a jpeg" * 10),              # UnsupportedFormatError
    lambda: mediaview.decode_image(sample, max_pixels=1000),         # LimitError
    lambda: mediaview.probe(sample),
    lambda: mediaview.decode_image(sample, crop=(0, 0, 10**6, 1)),   # ValueError
    lambda: mediaview.read_audio(flac)[0],
    lambda: mediaview.read_audio(ogg, dtype="int16", start=1000, frames=5000, layout="planar")[0],
    lambda: mediaview.read_audio(flac, frames=5000, out=audio_out)[0],
    lambda: mediaview.read_audio(wav_path, dtype="int16")[0],         # memory-mapped
    lambda: mediaview.read_audio(flac, dtype="int32", threads=2)[0],
    lambda: stream(flac),                                            # six blocks
    lambda: mediaview.read_audio(truncated_flac),                    # DecodeError
    lambda: mediaview.read_audio(flac, max_samples=1000),            # LimitError
    lambda: mediaview.audio_info(ogg),
    write_audio,
]

def track(result):
    global created
    views = result if isinstance(result, list) else [result]
    for view in views:
        if isinstance(view, memoryview):
            # finalize, not a list of weakrefs: its record goes away with the
            # exporter, so the check itself does not grow with the calls.
            created += 1
            weakref.finalize(view.obj, on_free)
            np.asarray(view).sum()

for i in range(calls):
    try:
        result = CALLS[i % len(CALLS)]()
    except (mediaview.Error, ValueError) as e:
        outcomes[type(e).__name__] = outcomes.get(type(e).__name__, 0) + 1
    else:
        track(result)
        outcomes["ok"] = outcomes.get("ok", 0) + 1
        del result
    if (i + 1) % 1000 == 0:
        rss.append(round(resident_mb(), 2))

gc.collect()
print(json.dumps({"outcomes": outcomes, "rss_mb": rss, "exporters": created, "alive": created - freed[0],
                  "peak_mb": peak_mb()}))
"""


def many_calls(n: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", MANY_CALLS, str(SAMPLES), str(n)],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def ten_thousand_calls():
    return many_calls(10_000)


@pytest.mark.slow  # make check (over 20 s here); make test leaves it out
def test_every_exporter_of_ten_thousand_calls_is_freed(ten_thousand_calls):
    r = ten_thousand_calls
    assert r["outcomes"] == {"ok": 7000, "DecodeError": 1000, "UnsupportedFormatError": 500, "LimitError": 1000,
                             "ValueError": 500}
    # Five image and five audio calls return one view each; a stream gives six.
    assert r["exporters"] == 500 * (5 + 6 + 5) and r["alive"] == 0


@pytest.mark.slow  # shares the ten thousand calls above
def test_resident_memory_stops_growing_over_ten_thousand_calls(ten_thousand_calls):
    if UNDER_ASAN:
        pytest.skip("ASan's quarantine holds freed memory by design; LeakSanitizer and the weakrefs check leaks there")
    rss = ten_thousand_calls["rss_mb"]
    print(f"\nresident MB after each 1000 calls: {rss}; peak {ten_thousand_calls['peak_mb']:.1f} MB")
    assert len(rss) == 10
    # After warm-up (caches, allocator arenas), the last 8000 calls may not
    # add more than 2 MB: 250 bytes a call, far below one leaked image
    # (100 KB+) or one leaked libjpeg decompressor (tens of KB). Leaked
    # exporters are counted exactly by the test above.
    assert max(rss[2:]) - rss[1] < 2, rss
