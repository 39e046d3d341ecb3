"""mediaview.dask and `convert --scheduler` on a real Dask engine: a
distributed.LocalCluster of two worker processes on 127.0.0.1, started and
closed here. The oracle of a lazy array is each file decoded locally, one
by one; the oracle of a converted file is the source decoded locally."""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import SAMPLES

dask = pytest.importorskip("dask", reason="the dask extra is not installed")
distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
import mediaview.dask as mvdask  # noqa: E402

ENV = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}


def local_cluster(log_level=logging.ERROR):
    """Two worker processes of one thread each on 127.0.0.1."""
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                    dashboard_address=None, silence_logs=log_level)


@pytest.fixture(scope="module")
def cluster():
    with local_cluster() as c:
        yield c


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as c:
        yield c


def on_cluster(client, collection):
    return client.compute(collection).result()


# ---- inputs ---------------------------------------------------------------------------

def photo_crops(count: int, width: int, height: int):
    """Crops of the sample photos, all width x height RGB."""
    photos = [np.asarray(mediaview.decode_image(SAMPLES / n)) for n in
              ("astronaut_444.jpg", "chelsea_420.jpg", "coffee_422.jpg")]
    out = []
    for i in range(count):
        p = photos[i % len(photos)]
        y, x = (7 * i) % (p.shape[0] - height), (11 * i) % (p.shape[1] - width)
        out.append(p[y:y + height, x:x + width])
    return out


def write_same_size(folder: Path, fmt: str, count: int = 7):
    """`count` files of one size in `fmt`, written by Pillow (an independent encoder)."""
    paths = []
    for i, pixels in enumerate(photo_crops(count, 96, 64)):
        path = folder / f"img{i:02d}.{fmt}"
        options = {"jpg": {"quality": 90}, "png": {}, "webp": {"quality": 85}}[fmt]
        Image.fromarray(pixels).save(path, **options)
        paths.append(path)
    return paths


def local_stack(paths, **options):
    return np.stack([np.asarray(mediaview.decode_image(p, **options)) for p in paths])


# ---- read_images ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["jpg", "png", "webp"])
@pytest.mark.parametrize("chunk", [1, 3, 64])
def test_read_images_equals_local_decodes(tmp_path, client, fmt, chunk):
    paths = write_same_size(tmp_path, fmt)
    lazy = mvdask.read_images(str(tmp_path / f"*.{fmt}"), chunk=chunk)
    assert lazy.shape == (7, 64, 96, 3) and lazy.dtype == np.uint8
    assert lazy.numblocks[0] == -(-7 // chunk)
    np.testing.assert_array_equal(on_cluster(client, lazy), local_stack(paths))


@pytest.mark.parametrize("pattern", ["*.jpg", "*.png", "*.webp"])
def test_read_images_resized_on_load_equals_local_decodes(client, pattern):
    # The bundled samples come in several sizes: size= makes them one shape.
    paths = sorted(p for p in SAMPLES.glob(pattern) if "cmyk" not in p.name)
    assert len({mediaview.probe(p).width for p in paths}) > 1
    options = {"size": (80, 60), "fit": "cover", "filter": "bilinear", "mode": "RGB", "dtype": "uint8"}
    lazy = mvdask.read_images(paths, chunk=2, **options)
    assert lazy.shape == (len(paths), 60, 80, 3)
    np.testing.assert_array_equal(on_cluster(client, lazy), local_stack(paths, **options))


def test_sixteen_bit_files_give_a_uint16_array(client):
    path = SAMPLES / "coffee_rgb16.png"
    lazy = mvdask.read_images([path, path], dtype=None)
    assert lazy.dtype == np.uint16
    np.testing.assert_array_equal(on_cluster(client, lazy), local_stack([path, path], dtype=None))


def test_a_slice_decodes_only_its_blocks(tmp_path):
    paths = write_same_size(tmp_path, "jpg")
    lazy = mvdask.read_images(paths, chunk=2)
    part = lazy[2:4]
    # Optimised, the slice depends on one block's task, not on all four.
    assert len(dask.optimize(part)[0].__dask_graph__()) < len(lazy.__dask_graph__())
    np.testing.assert_array_equal(part.compute(scheduler="threads"), local_stack(paths[2:4]))


def test_shapes_come_from_headers_and_a_mismatch_names_the_file():
    paths = [SAMPLES / "astronaut_444.jpg", SAMPLES / "chelsea_420.jpg"]
    with pytest.raises(ValueError, match=r"chelsea_420\.jpg decodes to \(300, 451, 3\).*size="):
        mvdask.read_images(paths)
    depths = [SAMPLES / "chelsea_rgb8.png", SAMPLES / "coffee_rgb16.png"]
    with pytest.raises(ValueError, match=r"coffee_rgb16\.png decodes to .* uint16 .*dtype="):
        mvdask.read_images(depths, size=(40, 30), dtype=None)


def test_a_failing_file_raises_batch_error_naming_it(tmp_path, client):
    paths = write_same_size(tmp_path, "jpg", 5)
    data = paths[3].read_bytes()
    paths[3].write_bytes(data[: len(data) // 2])  # truncated: the header still plans
    lazy = mvdask.read_images(paths, chunk=2)
    with pytest.raises(mediaview.BatchError, match="img03.jpg") as info:
        on_cluster(client, lazy)
    [(index, path, error)] = info.value.failures
    assert (index, path) == (3, str(paths[3])) and isinstance(error, mediaview.DecodeError)
    # The block's own result travels with the error, the failed image zeroed.
    assert info.value.result.shape == (2, 64, 96, 3) and not info.value.result[1].any()


def test_failures_in_several_blocks_say_so_and_skip_failed_logs_them_all(tmp_path, caplog):
    paths = write_same_size(tmp_path, "jpg", 6)
    for i in (1, 4):  # blocks 1 and 3 of three with a failure each
        data = paths[i].read_bytes()
        paths[i].write_bytes(data[: len(data) // 2])
    with pytest.raises(mediaview.BatchError, match=r"^block [13] of 3 \(images [0-9]-[0-9]\): 1 of 2 images failed"
                                                   r".*other blocks may hold failures too: with_failures=True") as info:
        mvdask.read_images(paths, chunk=2).compute(scheduler="threads")
    assert [i for i, _, _ in info.value.failures] in ([1], [4])
    with caplog.at_level(logging.WARNING, logger="mediaview.dask"):
        got = mvdask.read_images(paths, chunk=2, skip_failed=True).compute(scheduler="threads")
    logged = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(logged) == 2 and str(paths[1]) in logged[0] + logged[1] and str(paths[4]) in logged[0] + logged[1]
    assert not got[1].any() and not got[4].any()


def test_with_failures_gives_every_blocks_failures_in_the_same_pass(tmp_path, client):
    paths = write_same_size(tmp_path, "jpg", 7)
    for i in (1, 4, 5):  # blocks 1 and 3 of four
        data = paths[i].read_bytes()
        paths[i].write_bytes(data[: len(data) // 2])
    paths[6].write_bytes(b"not an image")  # its header fails too: left to its task
    images, failures = mvdask.read_images(paths, chunk=2, with_failures=True)
    got, failed = client.compute([images, failures], sync=True)  # pickled back from the workers
    assert [(i, p) for i, p, _ in failed] == [(i, str(paths[i])) for i in (1, 4, 5, 6)]
    assert all(isinstance(e, mediaview.DecodeError) for _, _, e in failed[:3])
    assert isinstance(failed[3][2], mediaview.UnsupportedFormatError)
    good = [0, 2, 3]
    np.testing.assert_array_equal(got[good], local_stack([paths[i] for i in good]))
    assert not got[[1, 4, 5, 6]].any()


def counted(monkeypatch, name: str) -> list:
    """The calls mediaview.dask's tasks make to ``name`` from now on."""
    calls, real = [], getattr(mvdask, name)
    monkeypatch.setattr(mvdask, name, lambda *a, **k: calls.append(a) or real(*a, **k))
    return calls


def test_with_failures_decodes_each_block_once(tmp_path, monkeypatch):
    # Dask optimises a compute's collections by type: the failures are of
    # the pixels' type (array, bag) so that they share the decode tasks.
    paths = write_same_size(tmp_path, "png", 5)
    calls = counted(monkeypatch, "decode_images")
    got, failed = dask.compute(*mvdask.read_images(paths, chunk=2, with_failures=True), scheduler="threads")
    assert len(calls) == 3 and len(failed) == 0
    np.testing.assert_array_equal(got, local_stack(paths))
    calls = counted(monkeypatch, "read_audios")
    clips = AUDIO + [tmp_path / "missing.wav"]
    dask.compute(*mvdask.read_audio_files(clips, chunk=2, with_failures=True), scheduler="threads")
    assert len(calls) == 3
    batch, lengths, _, failures = mvdask.read_audio_files(clips, chunk=2, pad_to=99, channels=1, samplerate=8000,
                                                          with_failures=True)
    dask.compute(batch, lengths, failures, scheduler="threads")
    assert len(calls) == 6


def test_read_audio_files_with_failures_gives_every_partitions_failures(tmp_path, client):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    paths = [AUDIO[0], bad, AUDIO[1], AUDIO[0], tmp_path / "missing.wav"]
    bag, failures = mvdask.read_audio_files(paths, chunk=2, dtype="int16", with_failures=True)
    clips, failed = client.compute([bag, failures], sync=True)
    assert [(i, p) for i, p, _ in failed] == [(1, str(bad)), (4, str(paths[4]))]
    assert clips[1] is None and clips[4] is None
    np.testing.assert_array_equal(clips[2][0], np.asarray(mediaview.read_audio(AUDIO[1], dtype="int16")[0]))
    batch, lengths, rate, failures = mvdask.read_audio_files(paths, chunk=2, pad_to=5000, with_failures=True,
                                                             channels=1, samplerate=8000)
    got, got_lengths, failed = client.compute([batch, lengths, failures], sync=True)
    assert [i for i, _, _ in failed] == [1, 4]
    assert got_lengths[1] == got_lengths[4] == 0 and not got[[1, 4]].any()
    assert got_lengths[0] > 0 and got[0].any()


def test_skip_failed_zero_fills_and_logs_the_path(tmp_path, caplog):
    paths = write_same_size(tmp_path, "png", 4)
    paths[1].write_bytes(b"not an image at all")
    lazy = mvdask.read_images(paths, chunk=3, skip_failed=True)
    with caplog.at_level(logging.WARNING, logger="mediaview.dask"):
        got = lazy.compute(scheduler="threads")  # in this process, so its log is seen here
    assert not got[1].any()
    good = [0, 2, 3]
    np.testing.assert_array_equal(got[good], local_stack([paths[i] for i in good]))
    assert [r for r in caplog.records if str(paths[1]) in r.getMessage()]


def test_no_readable_file_is_a_batch_error_at_once(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 nothing")
    with pytest.raises(mediaview.BatchError, match="bad.jpg"):
        mvdask.read_images([bad])


def test_arguments_are_checked_in_the_callers_terms(tmp_path):
    paths = write_same_size(tmp_path, "jpg", 2)
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        mvdask.read_images(str(tmp_path / "nothing-here*.jpg"))
    with pytest.raises(ValueError, match="chunk"):
        mvdask.read_images(paths, chunk=0)
    with pytest.raises(TypeError, match="out="):
        mvdask.read_images(paths, out=np.empty((2, 64, 96, 3), np.uint8))
    with pytest.raises(ValueError, match="fit"):
        mvdask.read_images(paths, size=(10, 10), fit="stretch")


# ---- read_audio_files -----------------------------------------------------------------

AUDIO = sorted(SAMPLES.glob("*.wav")) + [SAMPLES / "music_stereo.flac"]


def test_read_audio_files_equals_read_audio(client):
    bag = mvdask.read_audio_files(AUDIO, chunk=2, dtype="int16")
    got = on_cluster(client, bag)
    assert len(got) == len(AUDIO)
    for (samples, rate), path in zip(got, AUDIO):
        view, want_rate = mediaview.read_audio(path, dtype="int16")
        assert rate == want_rate
        np.testing.assert_array_equal(samples, np.asarray(view))


def test_read_audio_files_padded_equals_read_audios(client):
    paths = [SAMPLES / "clip_pcm16.wav", SAMPLES / "clip_double.wav", SAMPLES / "music_stereo.flac"]
    batch, lengths, rate = mvdask.read_audio_files(paths, chunk=2, pad_to=30000)
    assert batch.shape[:2] == (3, 30000)
    got_batch, got_lengths = client.compute([batch, lengths], sync=True)
    want_batch, want_lengths, want_rate = mediaview.read_audios(paths, pad_to=30000)
    assert rate == want_rate
    np.testing.assert_array_equal(got_batch, np.asarray(want_batch))
    np.testing.assert_array_equal(got_lengths, want_lengths)


def test_read_audio_files_failure_names_the_clip(tmp_path, client):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    with pytest.raises(mediaview.BatchError, match="broken.wav") as info:
        on_cluster(client, mvdask.read_audio_files([AUDIO[0], bad]))
    assert [(i, p) for i, p, _ in info.value.failures] == [(1, str(bad))]


# ---- the optional extra -------------------------------------------------------------------

BLOCK_DASK = """
import sys
class NoDask:
    def find_spec(self, name, path=None, target=None):
        if name == "dask" or name.startswith("dask.") or name == "distributed":
            raise ImportError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NoDask())
"""


def test_without_dask_import_mediaview_works_and_the_module_names_the_extra():
    code = BLOCK_DASK + """
import mediaview
assert mediaview.decode_image
try:
    import mediaview.dask
except ImportError as e:
    print(e)
else:
    raise SystemExit("imported without dask")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "pip install 'mediaview[dask]'" in out.stdout


def test_without_dask_the_cli_says_how_to_get_it(tmp_path):
    code = BLOCK_DASK + "from mediaview.cli import main; raise SystemExit(main(sys.argv[1:]))"
    src = SAMPLES / "chelsea_420.jpg"
    out = subprocess.run([sys.executable, "-c", code, "convert", str(src), "-o", str(tmp_path / "o"), "--to", "png",
                          "--scheduler", "local:2"], capture_output=True, text=True, env=ENV, timeout=120)
    assert out.returncode == 2
    assert "--scheduler needs Dask" in out.stderr and "mediaview[dask]" in out.stderr
    assert "Traceback" not in out.stderr


# ---- convert --scheduler --------------------------------------------------------------------

def cli(*argv, env=ENV):
    return subprocess.run([sys.executable, "-m", "mediaview", *map(str, argv)], capture_output=True, text=True,
                          env=env, timeout=600)


def assert_converted_exactly(sources, out_dir: Path, ext: str = "png"):
    for src in sources:
        dst = out_dir / (src.stem + "." + ext)
        with Image.open(dst) as im:  # Pillow reads the output: an independent decoder
            got = np.asarray(im.convert("RGB"))
        np.testing.assert_array_equal(got, np.asarray(mediaview.decode_image(src, orient=True)), err_msg=str(dst))


def temporaries(folder: Path):
    return [n for n in os.listdir(folder) if ".mediaview-tmp-" in n]


def test_convert_on_a_scheduler_matches_the_sources(tmp_path, cluster):
    sources = write_same_size(tmp_path, "jpg", 6)
    out = tmp_path / "out"
    result = cli("convert", *sources, "-o", out, "--to", "png", "--scheduler", cluster.scheduler_address)
    assert result.returncode == 0, result.stderr
    assert "6 of 6 converted, 0 failed" in result.stdout and "2 Dask workers at tcp://127.0.0.1" in result.stdout
    assert_converted_exactly(sources, out)
    assert not temporaries(out)


def test_a_file_failing_on_a_worker_is_named_and_the_rest_converted(tmp_path, cluster):
    sources = write_same_size(tmp_path, "jpg", 4)
    sources[2].write_bytes(b"\xff\xd8\xff\xe0 broken")
    out = tmp_path / "out"
    result = cli("convert", *sources, "-o", out, "--to", "png", "--scheduler", cluster.scheduler_address)
    assert result.returncode == 1
    assert f"mediaview: {sources[2]}:" in result.stderr and "Traceback" not in result.stderr
    assert "3 of 4 converted, 1 failed" in result.stdout
    assert_converted_exactly([s for i, s in enumerate(sources) if i != 2], out)
    assert not (out / "img02.png").exists() and not temporaries(out)


@pytest.mark.slow  # make check (over 20 s here); make test leaves it out
def test_local_n_starts_its_own_cluster(tmp_path):
    sources = write_same_size(tmp_path, "webp", 3)
    out = tmp_path / "out"
    result = cli("convert", *sources, "-o", out, "--to", "png", "--scheduler", "local:2")
    assert result.returncode == 0, result.stderr
    assert "on a local cluster of 2 processes" in result.stdout
    assert_converted_exactly(sources, out)


def test_scheduler_usage_errors(tmp_path):
    src = SAMPLES / "chelsea_420.jpg"
    both = cli("convert", src, "-o", tmp_path / "o", "--to", "png", "-j", "2", "--scheduler", "local:2")
    assert both.returncode == 2 and "give one of them" in both.stderr
    bad = cli("convert", src, "-o", tmp_path / "o", "--to", "png", "--scheduler", "local:zero")
    assert bad.returncode == 2 and "local:N" in bad.stderr
    gone = cli("convert", src, "-o", tmp_path / "o", "--to", "png", "--scheduler", "tcp://127.0.0.1:9",
               env={**ENV, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert gone.returncode == 2 and "cannot reach the scheduler" in gone.stderr
    assert not (tmp_path / "o" / "chelsea_420.png").exists()


def large_sources(folder: Path, count: int):
    """`count` 1024x768 JPEGs: slow enough to PNG-encode that a batch runs for seconds."""
    tiles = photo_crops(6, 256, 192)
    paths = []
    for i in range(count):
        canvas = np.concatenate([np.concatenate(tiles[(i + r) % 6:(i + r) % 6 + 1] * 4, axis=1)
                                 for r in range(4)], axis=0)
        path = folder / f"big{i:03d}.jpg"
        Image.fromarray(np.roll(canvas, i * 13, axis=1)).save(path, quality=92)
        paths.append(path)
    return paths


def start_convert(sources, out: Path, *options) -> subprocess.Popen:
    """`mediaview convert SOURCES -o OUT OPTIONS` running in the background."""
    return subprocess.Popen([sys.executable, "-m", "mediaview", "convert", *map(str, sources), "-o", str(out),
                             *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def writing_a_temporary(pid: int) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if ".mediaview-tmp-" in os.readlink(f"/proc/{pid}/fd/{fd}"):
                return True
        except OSError:
            pass
    return False


def kill_a_writing_worker(watcher, proc, out: Path, done_first: int) -> None:
    """Once `done_first` outputs are finished, SIGKILLs a worker process that
    has a temporary open: one in the middle of writing an output."""
    pids = watcher.run(os.getpid)
    deadline = time.monotonic() + 300  # a guard against a stuck run, not a timing assertion
    victim = None
    while time.monotonic() < deadline and proc.poll() is None and victim is None:
        if sum(not n.startswith(".") for n in os.listdir(out)) >= done_first:
            victim = next((pid for pid in pids.values() if writing_a_temporary(pid)), None)
        time.sleep(0.002)
    assert victim is not None and proc.poll() is None, "the batch ended before a worker could be killed"
    os.kill(victim, signal.SIGKILL)


@pytest.mark.slow  # make check (over 20 s here); make test leaves it out
def test_a_worker_killed_mid_batch_loses_nothing(tmp_path):
    """SIGKILL a worker process while it writes an output: the scheduler
    runs its tasks again elsewhere (and a new worker starts), every output is complete and pixel-exact, no
    temporary is left, and the exit code is 0."""
    sources = large_sources(tmp_path, 40)
    out = tmp_path / "out"
    out.mkdir()
    # A cluster of the test's own: it loses a worker.
    with local_cluster(logging.CRITICAL) as own, distributed.Client(own, set_as_default=False) as watcher:
        proc = start_convert(sources, out, "--to", "png", "--compress_level", "9", "--scheduler", own.scheduler_address)
        try:
            kill_a_writing_worker(watcher, proc, out, done_first=4)
            done_at_kill = sum(not n.startswith(".") for n in os.listdir(out))
            stdout, stderr = proc.communicate(timeout=600)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert done_at_kill < len(sources)
    assert proc.returncode == 0, stderr
    assert f"{len(sources)} of {len(sources)} converted, 0 failed" in stdout
    assert_converted_exactly(sources, out)
    assert not temporaries(out)


@pytest.mark.slow  # make check (over 20 s here); make test leaves it out
def test_a_worker_killed_while_streaming_audio_leaves_no_temporary(tmp_path):
    """An audio conversion writes its temporary block by block, so a worker
    killed in it surely leaves one behind: the run removes it once every
    task has ended, and the task's second attempt writes the whole file."""
    import soundfile

    rng = np.random.default_rng(7)
    sources = []
    for i in range(8):
        path = tmp_path / f"long{i}.wav"
        samples = (rng.standard_normal((44100 * 90, 2)) * 3000).astype(np.int16)
        soundfile.write(path, samples, 44100, subtype="PCM_16")
        sources.append(path)
    out = tmp_path / "out"
    out.mkdir()
    # A cluster of the test's own: it loses a worker.
    with local_cluster(logging.CRITICAL) as own, distributed.Client(own, set_as_default=False) as watcher:
        proc = start_convert(sources, out, "--to", "flac", "--scheduler", own.scheduler_address)
        try:
            kill_a_writing_worker(watcher, proc, out, done_first=1)
            time.sleep(0.2)
            left_by_the_kill = temporaries(out)
            stdout, stderr = proc.communicate(timeout=600)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert left_by_the_kill, "the kill did not land in a write"
    assert proc.returncode == 0, stderr
    assert not temporaries(out)
    for src in sources:
        want, _ = soundfile.read(src, dtype="int16")
        got, rate = soundfile.read(out / (src.stem + ".flac"), dtype="int16")  # libsndfile reads the output
        assert rate == 44100
        np.testing.assert_array_equal(got, want)


@pytest.mark.slow  # make check (over 20 s here); make test leaves it out
def test_ctrl_c_cancels_and_leaves_no_partial_output(tmp_path):
    sources = large_sources(tmp_path, 40)
    out = tmp_path / "out"
    out.mkdir()
    proc = start_convert(sources, out, "--to", "png", "--compress_level", "9", "--scheduler", "local:2")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and \
            sum(not n.startswith(".") for n in os.listdir(out)) < 3:
        time.sleep(0.005)
    assert proc.poll() is None, "the batch ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "no partial output left" in stderr
    finished = sorted(p for p in out.iterdir())
    assert not temporaries(out)
    assert 3 <= len(finished) < len(sources)
    assert_converted_exactly([tmp_path / (p.stem + ".jpg") for p in finished], out)
