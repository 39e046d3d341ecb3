"""Hostile input: damaged and truncated files, decompression bombs, odd
paths and misbehaving file objects. Whatever comes in, mediaview returns data
or raises a typed error (a mediaview.Error, or the OSError / ValueError /
TypeError the documentation names); it never crashes or hangs.

The mutation batches run in a subprocess (tests/hostile_worker.py) so a
crash is a failed test rather than a dead test run, and a hang is bounded by
the subprocess timeout (no test here asserts on elapsed time).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

import mediaview
from conftest import CORPUS, JPEG_SAMPLES, ROOT, SAMPLES

WORKER = Path(__file__).with_name("hostile_worker.py")
SAMPLE = SAMPLES / "chelsea_420.jpg"
UNDER_ASAN = "asan" in os.environ.get("LD_PRELOAD", "")

# Every sample and every corpus JPEG (the corpus is skipped when absent).
FILES = JPEG_SAMPLES + sorted((CORPUS / "jpeg").glob("*.jpg")) + sorted((CORPUS / "exif").glob("*.jpg"))
# A generous bound per damaged input (five decodes of it), far above the
# slowest seen (about 0.1 s for a 1800x1200 photo under ASan): only a hang reaches it.
SECONDS_PER_INPUT = 10


def run_worker(*args, inputs: int) -> list:
    cmd = [sys.executable, str(WORKER), *map(str, args)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30 + SECONDS_PER_INPUT * inputs)
    except subprocess.TimeoutExpired as e:
        lines = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        last = [line for line in lines.splitlines() if '"start"' in line][-1:]
        pytest.fail(f"hang: no answer within the bound; last input started: {last}")
    assert proc.returncode == 0, f"worker died ({proc.returncode}):\n{proc.stderr[-4000:]}"
    return [json.loads(line) for line in proc.stdout.splitlines()]


def decodable(path: Path) -> bool:
    try:
        mediaview.decode_image(path, mode="CMYK" if "cmyk" in path.name else "RGB")
    except mediaview.Error:
        return False
    return True


def file_param(p: Path):
    return pytest.param(p, id=f"{p.parent.name}/{p.name}")


@pytest.mark.parametrize("path", [file_param(p) for p in FILES])
def test_truncated_files_raise_typed_errors_or_decode_partially(path):
    intact_decodes = decodable(path)  # 12-bit JPEG does not: only typed errors are asked of it
    count = 8 if path.stat().st_size > 100_000 else 16
    lines = run_worker("mutate", path, "truncate", count, inputs=count + 13)
    head, results, done = lines[0], [r for r in lines if "outcomes" in r], lines[-1]
    assert done == {"done": len(results)}
    sos, size = head["scan_start"], head["size"]
    cmyk = "cmyk" in path.name
    for r in results:
        cut, out = r["input"]["cut"], r["outcomes"]
        assert not [v for v in out.values() if v.startswith("UNEXPECTED")], (cut, out)
        if cut < 3:
            # Not even a JPEG signature: no decoder claims it.
            assert set(out.values()) == {"UnsupportedFormatError"}, (cut, out)
        elif not intact_decodes:
            continue
        elif cut < sos:
            # The header is cut short: refused by probe and by default. (With
            # allow_truncated, a cut inside the last header segment may still
            # give an all-grey image: libjpeg's fake EOI completes it.)
            assert out["probe"] != "ok" and out["decode"] != "ok", (cut, out)
            assert out["strict_gray_quarter"] != "ok", (cut, out)
        elif sos < cut < size - 2 and not cmyk:
            # Inside the scan data: refused by default, partial image on request.
            assert out["probe"] == "ok", (cut, out)
            assert out["decode"] == "DecodeError", (cut, out)
            assert out["truncated_oriented"] == "ok", (cut, out)
            assert out["strict_gray_quarter"] == "DecodeError", (cut, out)


@pytest.mark.parametrize("path", [file_param(p) for p in FILES])
def test_flipped_bytes_raise_typed_errors_or_decode(path):
    count = 12 if path.stat().st_size > 100_000 else 32
    lines = run_worker("mutate", path, "flip", count, inputs=count)
    results = [r for r in lines if "outcomes" in r]
    assert len(results) == count and lines[-1] == {"done": count}
    bad = [r for r in results if any(v.startswith("UNEXPECTED") for v in r["outcomes"].values())]
    assert not bad, bad


# ---- decompression bombs ----------------------------------------------------

def run_bomb(width, height, max_pixels, rlimit_mb=0) -> dict:
    (line,) = run_worker("bomb", width, height, max_pixels, rlimit_mb, inputs=1)
    return line


def test_bomb_header_raises_limit_error_without_allocating():
    # 65000 x 65000 x 3 bytes would be 12.7 GB. Under a 1.2 GB address-space
    # cap any attempt to allocate it fails (MemoryError, not LimitError), so
    # LimitError here means the limit was checked before any allocation.
    # ASan reserves terabytes of shadow address space: the cap is left out
    # there, and the peak resident size is the check.
    result = run_bomb(65000, 65000, 178_956_970, 0 if UNDER_ASAN else 1200)
    assert result["probe"] == "ok"  # the header alone is fine to read
    assert result["decode"] == "LimitError" and result["decode_gray_eighth"] == "LimitError", result
    assert result["size"] < 1000
    assert result["rss_peak_mb"] - result["rss_before_mb"] < 20, result


def test_image_within_the_limit_but_truncated_commits_only_what_is_written():
    # 13000 x 13000 is under MAX_IMAGE_PIXELS: its 507 MB buffer is allocated,
    # but the 64 bytes of scan data end the decode after the first rows, and
    # untouched pages of the buffer are never made resident.
    result = run_bomb(13000, 13000, 178_956_970)
    assert result["decode"] == "DecodeError", result
    assert result["rss_peak_mb"] - result["rss_before_mb"] < 100, result


def test_small_max_pixels_stops_a_modest_header():
    result = run_bomb(5000, 5000, 1_000_000, 0 if UNDER_ASAN else 1200)
    assert result["decode"] == "LimitError", result


# ---- empty input, paths and files ------------------------------------------

@pytest.mark.parametrize("src", [b"", bytearray(), memoryview(b""), io.BytesIO(b"")], ids=["bytes", "bytearray",
                                                                                      "memoryview", "BytesIO"])
def test_zero_length_input_is_unsupported(src):
    with pytest.raises(mediaview.UnsupportedFormatError, match="empty"):
        mediaview.decode_image(src)
    with pytest.raises(mediaview.UnsupportedFormatError):
        mediaview.probe(src)


def test_empty_file_is_unsupported(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(mediaview.UnsupportedFormatError, match="empty"):
        mediaview.decode_image(empty)


def test_directory_raises_is_a_directory_error(tmp_path):
    with pytest.raises(IsADirectoryError):
        mediaview.decode_image(tmp_path)
    with pytest.raises(IsADirectoryError):
        mediaview.probe(str(tmp_path))


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        mediaview.decode_image(tmp_path / "gone.jpg")


def test_path_with_a_nul_byte_is_refused_not_cut_short(tmp_path):
    # The C open() would stop at the NUL and read samples/chelsea_420.jpg.
    with pytest.raises(ValueError, match="null byte"):
        mediaview.decode_image(str(SAMPLE) + "\0.png")
    with pytest.raises(ValueError, match="null byte"):
        mediaview.probe(str(SAMPLE) + "\0")


def test_fifo_is_refused_instead_of_blocking(tmp_path):
    # No writer ever opens it: a blocking open() would wait forever. The
    # subprocess timeout turns such a hang into a failure.
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    code = ("import mediaview, sys\n"
            "try:\n    mediaview.decode_image(sys.argv[1])\n"
            "except mediaview.UnsupportedFormatError as e:\n    print('refused:', e)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "refused:" in proc.stdout and "not a regular file" in proc.stdout


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_devices_are_refused(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    with pytest.raises(mediaview.UnsupportedFormatError, match="not a regular file"):
        mediaview.decode_image(device)


def reference_pixels() -> np.ndarray:
    return np.asarray(mediaview.decode_image(SAMPLE))


def race(tmp_path, mutate_file, rounds=300):
    """Decodes a path over and over while another thread rewrites it; returns
    the outcomes. A decode that succeeds without a DecodeWarning must equal
    the intact file's pixels: a short read must never pass off stale or
    uninitialised bytes as data. (A read racing the rewrite can see a page
    the writer has not filled yet; libjpeg then reports corrupt data, which
    the damage policy returns with a DecodeWarning: counted as "warned".)"""
    target = tmp_path / "moving.jpg"
    intact = SAMPLE.read_bytes()
    target.write_bytes(intact)
    expected = reference_pixels()
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            mutate_file(target, intact)

    thread = threading.Thread(target=writer)
    thread.start()
    outcomes = {}
    try:
        for _ in range(rounds):
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", mediaview.DecodeWarning)
                    view = mediaview.decode_image(target)
            except (mediaview.DecodeError, mediaview.UnsupportedFormatError, FileNotFoundError) as e:
                outcomes[type(e).__name__] = outcomes.get(type(e).__name__, 0) + 1
                continue
            if any(issubclass(w.category, mediaview.DecodeWarning) for w in caught):
                outcomes["warned"] = outcomes.get("warned", 0) + 1
                continue
            assert np.array_equal(np.asarray(view), expected)
            outcomes["ok"] = outcomes.get("ok", 0) + 1
    finally:
        stop.set()
        thread.join()
    return outcomes


def test_file_shrinking_during_reads_gives_a_typed_error_or_the_real_image(tmp_path):
    def shrink(path, intact):
        with open(path, "r+b") as f:
            f.truncate(len(intact) // 3)
        with open(path, "r+b") as f:
            f.seek(len(intact) // 3)
            f.write(intact[len(intact) // 3:])

    outcomes = race(tmp_path, shrink)
    assert sum(outcomes.values()) == 300 and set(outcomes) <= {"ok", "warned", "DecodeError", "UnsupportedFormatError"}


def test_file_vanishing_during_reads_gives_file_not_found_or_the_real_image(tmp_path):
    def vanish(path, intact):
        path.unlink(missing_ok=True)
        temp = path.with_suffix(".tmp")
        temp.write_bytes(intact)
        temp.replace(path)

    outcomes = race(tmp_path, vanish)
    assert sum(outcomes.values()) == 300 and set(outcomes) <= {"ok", "FileNotFoundError"}


# ---- file objects ------------------------------------------------------------

class ShortReads(io.RawIOBase):
    """A raw stream that hands out at most 7 bytes per read, as a pipe or a
    socket may: read() with no size must still gather everything."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(7, len(buffer), len(self.data) - self.at)
        buffer[:n] = self.data[self.at:self.at + n]
        self.at += n
        return n


class PartialReader:
    """Not a real stream: read() returns only the first part of the data."""

    def __init__(self, data: bytes, n: int):
        self.data, self.n = data, n

    def read(self, *args):
        return self.data[:self.n]


class FailingReader:
    def read(self, *args):
        raise ConnectionResetError("peer went away")


class TextReader:
    def read(self, *args):
        return "ÿØÿ not bytes"


def test_short_reads_are_gathered_into_the_whole_image():
    data = SAMPLE.read_bytes()
    view = mediaview.decode_image(ShortReads(data))
    assert np.array_equal(np.asarray(view), reference_pixels())
    assert mediaview.probe(io.BufferedReader(ShortReads(data))).width == 451


def test_a_reader_that_stops_early_gives_a_decode_error():
    data = SAMPLE.read_bytes()
    with pytest.raises(mediaview.DecodeError, match="truncated"):
        mediaview.decode_image(PartialReader(data, len(data) // 2))
    with pytest.raises(mediaview.UnsupportedFormatError):
        mediaview.decode_image(PartialReader(data, 0))


def test_a_reader_that_raises_passes_its_exception_through():
    with pytest.raises(ConnectionResetError, match="peer went away"):
        mediaview.decode_image(FailingReader())
    with pytest.raises(ConnectionResetError):
        mediaview.probe(FailingReader())


def test_a_text_reader_is_a_type_error():
    with pytest.raises(TypeError, match="binary mode"):
        mediaview.decode_image(TextReader())
    with open(SAMPLE, encoding="latin-1") as text:
        with pytest.raises(TypeError, match="binary mode"):
            mediaview.decode_image(text)


def test_a_closed_file_raises_value_error():
    f = open(SAMPLE, "rb")
    f.close()
    with pytest.raises(ValueError, match="closed"):
        mediaview.decode_image(f)


@pytest.mark.parametrize("src", [None, 12, 3.5, ["list"], object()], ids=repr)
def test_other_objects_are_type_errors(src):
    with pytest.raises(TypeError):
        mediaview.decode_image(src)


def test_non_contiguous_buffers_are_type_errors():
    data = np.frombuffer(SAMPLE.read_bytes(), np.uint8)
    with pytest.raises(TypeError, match="contiguous"):
        mediaview.decode_image(data[::2])
