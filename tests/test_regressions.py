"""Replays of what the fuzzers found (tests/regressions/), through the Python
API. The libFuzzer inputs are also replayed through their own harness by the
GoogleTest suite (tests/cpp/test_hardening.cpp) and by make fuzz-smoke."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest

import mediaview
from conftest import ROOT

REGRESSIONS = ROOT / "tests" / "regressions"


def files(target: str) -> list:
    found = sorted(p for p in (REGRESSIONS / target).glob("*") if not p.name.startswith("."))
    return [pytest.param(p, id=p.name) for p in found]


def load_python_harness():
    spec = importlib.util.spec_from_file_location("fuzz_python", ROOT / "fuzz" / "fuzz_python.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", files("python"))
def test_atheris_finding_replays_cleanly(path):
    harness = load_python_harness()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mediaview.DecodeWarning)
        harness.test_one_input(path.read_bytes())  # raises what the fuzzer caught


def test_python_regressions_are_present():
    # The folder holds the inputs the tests above replay; an empty folder
    # would make them vacuous.
    assert files("python"), "tests/regressions/python/ lost its inputs"


@pytest.mark.parametrize("path", files("jpeg"))
@pytest.mark.parametrize("options", [{}, {"mode": "L", "scale": "1/4"}, {"allow_truncated": True, "orient": True},
                                     {"strict": True, "mode": "CMYK"}])
def test_jpeg_fuzz_input_decodes_or_raises_a_typed_error(path, options):
    payload = path.read_bytes()[8:]  # after the harness's option bytes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mediaview.DecodeWarning)
        try:
            view = mediaview.decode_image(payload, max_pixels=1 << 22, **options)
        except mediaview.Error:
            return
    assert view.nbytes == len(view.tobytes())


ENCODE_MODES = ["RGB", "BGR", "RGBA", "BGRA", "RGBX", "L", "CMYK"]
ENCODE_SUBSAMPLINGS = ["444", "422", "420", "gray"]


def encode_inputs() -> list:
    """The encoder's regressions, then the seeds fuzz/run.py gives it, so the
    replay below is never empty while the regression folder is."""
    spec = importlib.util.spec_from_file_location("fuzz_run", ROOT / "fuzz" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    seeds = [pytest.param(seed, id=f"seed-{i}") for i, seed in enumerate(run.seeds_for("fuzz_encode"))]
    return [pytest.param(p.read_bytes(), id=p.name) for p in (REGRESSIONS / "encode").glob("[!.]*")] + seeds


@pytest.mark.parametrize("data", encode_inputs())
def test_encode_fuzz_input_encodes_or_raises_value_error(data):
    # The request in fuzz/encode_harness.hpp's option bytes (mode, quality,
    # subsampling, progressive, size) through the Python API, on a packed
    # source filled with the payload; the layouts and breaks are replayed in C++.
    if len(data) < 7:
        return
    o, payload = data[:7], data[7:]
    mode = ENCODE_MODES[(o[0] & 7) % 7]
    subsampling = ENCODE_SUBSAMPLINGS[(o[0] >> 4) & 3]
    quality = 1 + o[1] % 100 if o[1] < 240 else 101
    width = 1 + (o[2] + (256 if o[0] & 128 else 0)) % 300
    height = 1 + (o[3] + (256 if o[6] & 128 else 0)) % 300
    shape = (height, width) if mode == "L" else (height, width, 3 if mode in ("RGB", "BGR") else 4)
    pixels = np.resize(np.frombuffer(payload or b"\0", np.uint8), shape)
    refused = quality > 100 or (mode == "CMYK" and subsampling == "gray")
    try:
        encoded = mediaview.encode_jpeg(pixels, quality=quality, subsampling=subsampling,
                                        progressive=bool(o[0] & 8), mode=mode)
    except ValueError:
        assert refused
        return
    assert not refused
    gray = mode == "L" or subsampling == "gray"
    back = mediaview.decode_image(encoded, mode="L" if gray else "CMYK" if mode == "CMYK" else "RGB", strict=True)
    assert back.shape[:2] == (height, width)


SAMPLE = ROOT / "samples" / "chelsea_420.jpg"


@pytest.mark.parametrize("kwargs", [
    {"scale": float("inf")},          # atheris: OverflowError from Fraction(inf)
    {"scale": (1, 0)},                # ZeroDivisionError from Fraction(1, 0)
    {"scale": "3/0"},
    {"scale": (2**29 + 1, 1)},        # UBSan: num * 8 overflowed in C++ and wrapped to 8
    {"scale": (2**40, 1)},            # pybind11 TypeError "incompatible function arguments"
    {"scale": mediaview.MinSize(2**40, 1)},
    {"crop": (2**40, 0, 1, 1)},
    {"crop": (float("inf"), 0, 1, 1)},
    {"max_pixels": 0.5},              # int(0.5) == 0 meant "no limit"
    {"max_pixels": float("inf")},
], ids=repr)
def test_out_of_range_arguments_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        mediaview.decode_image(SAMPLE, **kwargs)


def test_a_max_pixels_beyond_64_bits_means_no_limit():
    assert mediaview.decode_image(SAMPLE, max_pixels=2**70).shape == (300, 451, 3)
