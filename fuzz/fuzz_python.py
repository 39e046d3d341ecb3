#!/usr/bin/env python3
"""atheris over mediaview's Python API: the binding layer's argument parsing,
buffer exports (src and out=) and file objects, with the decoder behind it.

Run by `make fuzz` and `make fuzz-smoke` in the regular build (.venv): under
the preloaded ASan runtime atheris' coverage goes blind (see the Makefile).
Its finds in tests/regressions/python are replayed under ASan by
`make test-asan` (tests/test_regressions.py). The input is
16 option bytes, then the encoded bytes; the top three bits of the last
option byte choose the call: decode_image/probe (3 in 8), read_audio,
stream_audio, audio_info, encode_jpeg (the bytes as pixels) or write_audio
(the bytes as samples). Every call must return a well-formed result or
raise mediaview.Error, ValueError or TypeError (or the exception a test file
object itself raised); anything else is a finding.

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


def make_src(kind: int, data: bytes, suffix: str = ".jpg"):
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
        # libsndfile also guesses by the name (*.au, *.mp3, *.raw ...).
        path = TMP / ("input" + suffix)
        path.write_bytes(data)
        return path
    if kind == 8:
        return np.frombuffer(data, dtype=np.uint8)[::2]  # not contiguous: TypeError
    if kind == 9:
        return str(TMP / ("no such file" + suffix))
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


# ---- audio ------------------------------------------------------------------------

AUDIO_SUFFIXES = [".wav", ".flac", ".ogg", ".mp3", ".au", ".raw", ".opus", ""]
AUDIO_DTYPES = list(mediaview.AUDIO_DTYPES) + ["uint8", "float16", "", "int64"]
AUDIO_FORMATS = {"int16": "h", "int32": "i", "float32": "f", "float64": "d"}
# Never None (the module default, 2^30 samples): a header's claim under it
# is allocated, and libFuzzer's malloc limit would call that a finding.
MAX_SAMPLES = [1 << 22, 1 << 22, 1000, 0, -3, 0.5, "many", float("inf")]
RAW_HINTS = [{}, {}, {}, dict(raw=mediaview.RawFormat(8000, 2, "PCM_16")),
             dict(raw=mediaview.RawFormat(44100, 1, "FLOAT")),
             dict(raw=mediaview.RawFormat(8000, 1025, "PCM_16")), dict(format="RAW"),
             dict(format="WAV"), dict(format="FLAC"), dict(format="NOPE"),
             dict(raw=mediaview.RawFormat(-1, 1, "ULAW"))]


def audio_range(o: bytes) -> dict:
    start = pick(o[4], [0, 0, 0, 100, -100, 10**6, -(10**6), 2**64, 1.5])
    stop = pick(o[5], [None, None, None, 500, -1, 0, 10**7, "end"])
    frames = pick(o[6], [None, None, None, 1000, 0, -5, 2**40])
    return dict(start=start, stop=stop, frames=frames)


def make_audio_out(kind: int, src, dtype: str, layout: str, always_2d: bool):
    if kind >= 5 or dtype not in AUDIO_FORMATS:
        return None
    try:
        info = mediaview.audio_info(src)
    except ALLOWED:
        return bytearray(8) if kind == 4 else None
    if not 0 <= info.frames <= 1 << 20:
        return None
    shape = (info.frames, info.channels)
    base = np.zeros(shape, dtype)
    if kind == 1:
        base = np.zeros(shape, "float32" if dtype != "float32" else "int32")  # wrong dtype
    elif kind == 2:
        base = np.zeros((shape[0], shape[1] + 1), dtype)[:, :-1]  # padded frames: not interleaved
    elif kind == 3:
        base.setflags(write=False)
    if layout == "planar" and (info.channels > 1 or always_2d):
        return base.T
    return base[:, 0] if info.channels == 1 and not always_2d else base


def check_audio_view(view, dtype: str, out=None):
    assert isinstance(view, memoryview), type(view)
    assert view.format == AUDIO_FORMATS[dtype] and view.ndim in (1, 2), (view.format, view.ndim)
    assert type(view.obj).__name__ == "BufferExporter"
    arr = np.asarray(view)
    assert arr.shape == view.shape and arr.dtype == np.dtype(dtype)
    if out is not None:
        assert np.shares_memory(arr, out)
    if np.issubdtype(arr.dtype, np.floating):
        np.nan_to_num(arr).sum()  # reads every element: ASan checks the reads
    else:
        arr.sum()
    assert len(view.tobytes()) == view.nbytes
    del arr


def fuzz_read_audio(o: bytes, data: bytes):
    src = make_src(o[2] % 13, data, pick(o[3], AUDIO_SUFFIXES))
    dtype, layout, always_2d = pick(o[0], AUDIO_DTYPES), pick(o[7], ["interleaved", "planar", "x"]), bool(o[1] & 16)
    out = make_audio_out(o[13] % 10, src, dtype, layout, always_2d)
    if isinstance(src, io.BytesIO):
        src.seek(0)
    try:
        view, rate = mediaview.read_audio(src, dtype=dtype, layout=layout, always_2d=always_2d, out=out,
                                          threads=pick(o[8], [1, 1, 2, 3, 8, 0, -1]),
                                          mmap=pick(o[9], [None, None, True, False]),
                                          max_samples=pick(o[12], MAX_SAMPLES), **audio_range(o),
                                          **pick(o[10], RAW_HINTS))
    except ALLOWED:
        return
    assert isinstance(rate, int) and rate > 0
    check_audio_view(view, dtype, out)


def fuzz_stream_audio(o: bytes, data: bytes):
    src = make_src(o[2] % 13, data, pick(o[3], AUDIO_SUFFIXES))
    dtype = pick(o[0], AUDIO_DTYPES)
    # (2**40 is left to the tests: for a stream of unknown length it is allocated.)
    blocksize = pick(o[4], [1, 7, 1024, 4096, 65536, 0, -1, 2**62])
    overlap = pick(o[5], [0, 0, 1, 100, 1023, -1, blocksize])
    kept = []
    try:
        blocks = mediaview.stream_audio(src, blocksize, overlap=overlap, dtype=dtype,
                                        layout=pick(o[7], ["interleaved", "planar", "x"]), always_2d=bool(o[1] & 16),
                                        **{k: v for k, v in audio_range(o).items() if k != "frames"})
        for i, block in enumerate(blocks):
            check_audio_view(block, dtype)
            if (o[6] >> (i % 8)) & 1:
                kept.append(block)  # kept blocks must never be overwritten by later ones
            if i >= 64:
                break
    except ALLOWED:
        return
    for block in kept:
        check_audio_view(block, dtype)


def fuzz_audio_info(o: bytes, data: bytes):
    try:
        info = mediaview.audio_info(make_src(o[2] % 13, data, pick(o[3], AUDIO_SUFFIXES)), **pick(o[10], RAW_HINTS))
    except ALLOWED:
        return
    assert info.channels > 0 and info.samplerate > 0 and (info.frames >= 0 or not info.exact_length)
    repr(info), info.as_dict()


# ---- encoders -----------------------------------------------------------------------

def pixels_from(o: bytes, data: bytes):
    h, w = o[4] % 70 + 1, o[5] % 70 + 1
    channels = pick(o[6], [None, 3, 4, 1, 2, 5, 3])
    shape = (h, w) if channels is None else (h, w, channels)
    need = int(np.prod(shape)) * 2
    raw = np.frombuffer((data * (need // max(len(data), 1) + 1))[:need] if data else bytes(need), np.uint8)
    a = raw[: need // 2].reshape(shape)
    return pick(o[7], [
        a, a, a[::-1], a[:, ::-1], raw.reshape((h, w * 2) + shape[2:])[:, ::2], a.swapaxes(0, 1),
        a.astype(np.float32), np.ascontiguousarray(a)[:0], memoryview(a.tobytes()), a.tobytes(),
    ])


def fuzz_encode_jpeg(o: bytes, data: bytes):
    pixels = pixels_from(o, data)
    kwargs = dict(quality=pick(o[8], [90, 1, 100, 75, 0, 101, -5, 50.5, True]),
                  subsampling=pick(o[9], ["444", "422", "420", "gray", "411", "", None]),
                  progressive=bool(o[1] & 32), mode=pick(o[10], [None, None, *mediaview.MODES, "YCbCr", "rgb"]))
    try:
        encoded = mediaview.encode_jpeg(pixels, **kwargs)
    except ALLOWED:
        return
    info = mediaview.probe(encoded)
    shape = np.asarray(pixels).shape
    assert (info.height, info.width) == shape[:2], (info, shape)
    mediaview.decode_image(encoded, mode="CMYK" if info.components == 4 else "RGB")


def fuzz_write_audio(o: bytes, data: bytes):
    dtype = pick(o[0], ["int16", "int32", "float32", "float64", "uint8", "int64"])
    item = np.dtype(dtype).itemsize
    channels = pick(o[6], [1, 2, 2, 6, 0])
    frames = min(len(data) // item // max(channels, 1), 4096)
    samples = np.frombuffer(data[: frames * max(channels, 1) * item], dtype).reshape(frames, max(channels, 1))
    if np.issubdtype(samples.dtype, np.floating):
        samples = np.nan_to_num(samples, posinf=1.0, neginf=-1.0).clip(-1, 1)
    samples = pick(o[7], [samples, samples, samples[::-1], samples.T.copy().T, samples[:, 0], samples[:0],
                          samples.reshape(1, -1) if samples.size else samples, samples[:, :, None]])
    fmt = pick(o[8], ["WAV", "FLAC", "AIFF", "AU", "OGG", "MP3", "W64", "RAW", "NOPE"])
    subtype = pick(o[9], [None, None, None, "PCM_16", "PCM_24", "FLOAT", "VORBIS", "ULAW", "NOPE"])
    rate = pick(o[10], [44100, 8000, 48000, 0, -1, 2**40, 1])
    path = TMP / ("out." + fmt.lower())
    try:
        if o[1] & 64:
            mediaview.write_audio(io.BytesIO(), samples, rate, format=fmt, subtype=subtype)
            return
        mediaview.write_audio(path, samples, rate, format=fmt, subtype=subtype)
    except ALLOWED:
        return
    if fmt == "RAW" or (fmt in ("MP3", "FLAC") and samples.shape[0] == 0):
        # Headerless: nothing to read back without hints. No frames in MP3
        # or FLAC: libsndfile writes those headers with the first samples,
        # so the file is empty (python-soundfile's too).
        return
    try:
        view, got_rate = mediaview.read_audio(path, always_2d=True)
    except mediaview.DecodeError:
        # libsndfile (python-soundfile's too) refuses a WAV whose samples
        # begin with the bytes "OggS" ("Data is in WAVPACK format"): data
        # that is not audio can write a file it then will not read.
        return
    assert got_rate == rate and view.shape[1] == (samples.shape[1] if samples.ndim == 2 else 1)
    if fmt in ("WAV", "FLAC", "AIFF", "AU", "W64"):
        # libsndfile reads the pad byte of an odd-sized AIFF sound chunk
        # (8-bit mono, odd frame count) as one more frame: python-soundfile,
        # which writes the same bytes, reads it back the same way.
        extra = {1} if fmt == "AIFF" and samples.shape[0] % 2 else set()
        assert view.shape[0] - samples.shape[0] in {0} | extra, (view.shape, samples.shape)


def test_one_input(raw: bytes):
    if len(raw) < OPTION_BYTES:
        return
    o, data = raw[:OPTION_BYTES], raw[OPTION_BYTES:]
    call = pick(o[15] >> 5, [fuzz_read_audio, fuzz_stream_audio, fuzz_audio_info, fuzz_encode_jpeg,
                             fuzz_write_audio, None, None, None])
    if call is not None:
        return call(o, data)
    fuzz_image(o, data)


def fuzz_image(o: bytes, data: bytes):
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
    # The formats read through Pillow (samples/pillow): the adapter's open, load and copy.
    for path in sorted((ROOT / "samples" / "pillow").glob("*")):
        for i, p in enumerate(prefixes):
            (folder / f"pillow-{path.name}-{i}").write_bytes(p + path.read_bytes()[:65536])
    # Audio: each call's selector (option byte 15) with a few option sets.
    for path in sorted(p for p in (ROOT / "samples").iterdir() if p.suffix in AUDIO_SUFFIXES[:-1] + [".w64", ".aiff",
                                                                                                      ".caf"]):
        for call in range(5):
            for i, options in enumerate([bytes(15), bytes([1, 16, 0, 0, 3, 3, 3, 1, 2, 0, 0, 0, 0, 0, 0]),
                                         bytes([3, 0, 7, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0])]):
                (folder / f"{path.name}-{call}-{i}").write_bytes(options + bytes([call << 5]) +
                                                                 path.read_bytes()[:65536])
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
