#!/usr/bin/env python3
"""atheris over mediaview's Python API: the binding layer's argument parsing,
buffer exports (src and out=) and file objects, with the decoder behind it.

Run by `make fuzz` in the sanitized build (.venv-asan, ASan runtime
preloaded), so a memory error in the bindings aborts the run. The input is
16 option bytes, then the encoded bytes. Every call must return a
well-formed view or raise mediaview.Error, ValueError or TypeError (or the
exception a test file object itself raised); anything else is a finding.

    fuzz/fuzz_python.py --seconds N [--runs N] [extra libFuzzer arguments]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

try:
    import atheris
except ImportError:  # tests/test_regressions.py replays inputs without atheris
    atheris = None

import mediaview
import mediaview._image
import mediaview._pil

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEED_SOURCES = [ROOT / "samples", ROOT.parent / "shared" / "corpus" / "jpeg"]
OPTION_BYTES = 16
TMP = Path(tempfile.gettempdir()) / f"mediaview-atheris-{os.getpid()}"
TMP.mkdir(exist_ok=True)
MODES = list(mediaview.MODES) + ["rgb", "", "RGB\x00", "YCbCr"]


class FileObjectError(OSError):
    """Raised by the test file objects: the only foreign exception allowed."""


class ShortReader:
    """read() returns only the first `n` bytes, however it is asked."""

    def __init__(self, data: bytes, n: int):
        self.data, self.n = data, n

    def read(self, *args):
        return self.data[: self.n]


class RaisingReader:
    def read(self, *args):
        raise FileObjectError("read failed")


class WrongTypeReader:
    def __init__(self, value):
        self.value = value

    def read(self, *args):
        return self.value


def pick(o: int, options: list):
    return options[o % len(options)]


def make_src(kind: int, data: bytes):
    if kind == 0:
        return data
    if kind == 1:
        return bytearray(data)
    if kind == 2:
        return memoryview(data)
    if kind == 3:
        return io.BytesIO(data)
    if kind == 4:
        return ShortReader(data, len(data) // 2)
    if kind == 5:
        return RaisingReader()
    if kind == 6:
        return WrongTypeReader(pick(len(data), ["text", bytearray(data), memoryview(data), None, 3]))
    if kind == 7:
        path = TMP / "input.jpg"
        path.write_bytes(data)
        return path
    if kind == 8:
        return np.frombuffer(data, dtype=np.uint8)[::2]  # not contiguous: TypeError
    if kind == 9:
        return str(TMP / "no such file.jpg")
    return pick(kind, [None, 12, 3.5, ["list"], TMP])  # wrong types and a directory


def make_scale(kind: int, a: int, b: int):
    return pick(kind, [
        None, Fraction(a % 17 or 1, 8), (a - 128, b - 128), f"{a}/{b}", a / (b or 1), mediaview.MinSize(a, b),
        mediaview.MinSize(-a, b), (2 ** (a % 70), 1), float("inf") if a & 1 else float("nan"), "x", 0,
    ])


def make_crop(kind: int, o: bytes):
    x, y, w, h = o[0] * 3, o[1] * 3, o[2] * 3, o[3] * 3
    return pick(kind, [None, None, (x, y, w, h), (x, y, w, h, 1), (-x, y, w, h), (2 ** 40, 0, 1, 1), "abcd",
                       (x, y, 0, h), (1.5, 2.5, w, h)])


def make_max_pixels(kind: int, a: int):
    # Never large and valid: a legitimately huge image is slow, not a finding.
    return pick(kind, [1 << 22, a - 128, a / 7, 2 ** 64 + a, "many", 4096, 0, -1])


def make_out(kind: int, data: bytes, mode: str, orient: bool):
    if kind >= 6:
        return None
    try:
        info = mediaview.probe(data)
    except (mediaview.Error, ValueError, TypeError):
        return bytearray(16) if kind == 5 else None
    if info.width * info.height > 1 << 22:
        return None
    channels = {"L": 1, "RGB": 3, "BGR": 3}.get(mode, 4)
    h, w = info.height, info.width
    if orient and info.orientation >= 5:
        h, w = w, h
    shape = (h, w) if channels == 1 else (h, w, channels)
    if kind == 0:
        return np.zeros(shape, np.uint8)
    if kind == 1:
        return np.zeros(shape, np.uint8)[::-1]
    if kind == 2:
        big = np.zeros((shape[0] + 2,) + shape[1:], np.uint8)
        return big[1:-1]
    if kind == 3:
        return np.zeros(shape, np.float32)
    if kind == 4:
        z = np.zeros(shape, np.uint8)
        z.setflags(write=False)
        return z
    return bytes(16)


# FileNotFoundError / IsADirectoryError: documented for path sources.
ALLOWED = (mediaview.Error, ValueError, TypeError, FileObjectError, FileNotFoundError, IsADirectoryError)


def check_view(view, out):
    assert isinstance(view, memoryview), type(view)
    assert view.format == "B" and view.ndim in (2, 3), (view.format, view.ndim)
    assert type(view.obj).__name__ == "BufferExporter"
    arr = np.asarray(view)
    assert arr.shape == view.shape
    if out is not None:
        assert np.shares_memory(arr, out)
    checksum = int(arr.sum())  # reads every element: ASan checks the reads
    assert len(view.tobytes()) == view.nbytes
    if view.ndim == 2 or view.shape[2] in (1, 3, 4):
        mediaview.to_pil(view).size
    del arr
    view.release()
    try:
        view.tobytes()
    except ValueError:
        pass
    else:
        raise AssertionError("a released view is still readable")
    return checksum


def test_one_input(raw: bytes):
    if len(raw) < OPTION_BYTES:
        return
    o, data = raw[:OPTION_BYTES], raw[OPTION_BYTES:]
    mode = pick(o[0], MODES)
    orient, strict, truncated = bool(o[1] & 1), bool(o[1] & 2), bool(o[1] & 4)
    src = make_src(o[2] % 13, data)
    out = make_out(o[3] % 10, data, mode, orient)
    kwargs = dict(mode=mode, scale=make_scale(o[4], o[5], o[6]), crop=make_crop(o[7], o[8:12]), orient=orient,
                  strict=strict, allow_truncated=truncated, max_pixels=make_max_pixels(o[12], o[13]), out=out)
    if o[1] & 8:
        try:
            info = mediaview.probe(src)
        except ALLOWED:
            return
        assert info.width > 0 and info.height > 0 and 1 <= info.orientation <= 8
        repr(info), info.as_dict()
        return
    try:
        view = mediaview.decode_image(src, **kwargs)
    except ALLOWED:
        return
    except Warning:
        return  # a warnings filter turned a DecodeWarning into an error
    check_view(view, out)


def seeds(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    prefixes = [bytes(16), bytes([1, 0, 3, 0, 1, 2, 0, 2, 10, 10, 50, 50, 0, 0, 0, 0]),
                bytes([5, 1, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0]), bytes([0, 8, 7, 6, 0, 0, 0, 0] + [0] * 8)]
    for source in SEED_SOURCES:
        if not source.is_dir():
            print(f"fuzz_python: seed folder {source} is absent, skipped")
            continue
        for path in sorted(source.glob("*.jpg")):
            for i, p in enumerate(prefixes):
                (folder / f"{path.stem}-{i}").write_bytes(p + path.read_bytes()[:65536])
    return folder


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    args, rest = parser.parse_known_args()
    build = ROOT / "build" / "fuzz"
    corpus = build / "corpus" / "fuzz_python"
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts = build / "artifacts" / "fuzz_python"
    artifacts.mkdir(parents=True, exist_ok=True)
    import warnings
    warnings.simplefilter("ignore", mediaview.DecodeWarning)
    argv = [sys.argv[0], str(corpus), str(seeds(build / "seeds" / "fuzz_python")),
            f"-max_total_time={args.seconds}", "-timeout=25", "-rss_limit_mb=3072", "-max_len=70000",
            f"-artifact_prefix={artifacts}/", *rest]
    regressions = sorted((ROOT / "tests" / "regressions" / "python").glob("[!.]*"))
    if regressions:
        for path in regressions:
            test_one_input(path.read_bytes())
        print(f"fuzz_python: replayed {len(regressions)} regressions")
    # instrument_all, not instrument_imports: the editable install serves
    # mediaview through scikit-build-core's own loader, which
    # instrument_imports does not see (it then fuzzes blind).
    atheris.instrument_all()
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
