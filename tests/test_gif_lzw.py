"""Our GIF LZW decoder (decoders/gif/lzw.*) against giflib's, which decoded
GIFs before it and stays as the reference (MEDIAVIEW_GIF_LZW=giflib, read at
each decode): through the public API, every sample, every cut, random damage
and streams written here that fill the code table and go on without a clear
(the deferred clear) must give the same frames and warnings, or the same
error. Pillow stays the oracle of the composited frames (tests/test_gif.py),
and here too for the streams written here. The C++ side of the same check
(random code streams, every code size) is tests/cpp/test_gif_lzw.cpp and the
fuzz target fuzz/fuzz_gif_lzw.cpp."""

from __future__ import annotations

import io
import random
import struct
import warnings

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import SAMPLES

GIF_SAMPLES = sorted(SAMPLES.glob("*.gif"))


def outcome(call, engine, monkeypatch):
    """What a decode gives with one LZW engine: ("ok", arrays, warnings) or
    ("error", type, message)."""
    if engine == "giflib":
        monkeypatch.setenv("MEDIAVIEW_GIF_LZW", "giflib")
    else:
        monkeypatch.delenv("MEDIAVIEW_GIF_LZW", raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except (mediaview.Error, ValueError) as e:
            return ("error", type(e).__name__, str(e))
    view = result[0] if isinstance(result, tuple) else result
    return ("ok", np.asarray(view).copy(), [str(w.message) for w in caught])


def same(a, b) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "error":
        return a == b
    return a[1].shape == b[1].shape and np.array_equal(a[1], b[1]) and a[2] == b[2]


def calls(data: bytes):
    return [
        lambda: mediaview.decode_frames(data, mode="RGBA", allow_truncated=True),
        lambda: mediaview.decode_frames(data, frames="raw", mode="P", allow_truncated=True),
        lambda: mediaview.decode_image(data),
        lambda: mediaview.decode_image(data, mode="RGB", allow_truncated=True),
    ]


def check_alike(data: bytes, monkeypatch) -> list:
    results = []
    for call in calls(data):
        own, ref = outcome(call, "own", monkeypatch), outcome(call, "giflib", monkeypatch)
        assert same(own, ref), (own[0], ref[0], own[2] if own[0] == "ok" else own[1:], ref[1:] if ref[0] == "error" else ref[2])
        results.append(own)
    return results


def test_the_switch_reaches_giflib(monkeypatch):
    # A stream only giflib's EOF check sees as short: the end code right
    # after the first pixel. Both refuse alike, and the switch is read at each
    # decode (else every comparison here would be ours against ours).
    gif = lzw_gif(np.zeros((2, 2), np.uint8), end_after=1)
    for engine in ("own", "giflib"):
        kind, *_ = outcome(lambda: mediaview.decode_image(gif), engine, monkeypatch)
        assert kind == "error"
    monkeypatch.setenv("MEDIAVIEW_GIF_LZW", "giflib")
    assert np.asarray(mediaview.decode_image(GIF_SAMPLES[0])).size > 0


@pytest.mark.parametrize("path", GIF_SAMPLES, ids=lambda p: p.name)
def test_samples_decode_alike(path, monkeypatch):
    results = check_alike(path.read_bytes(), monkeypatch)
    assert all(r[0] == "ok" for r in results)


@pytest.mark.parametrize("path", GIF_SAMPLES, ids=lambda p: p.name)
def test_cuts_decode_alike(path, monkeypatch):
    data = path.read_bytes()
    rng = random.Random(len(data))
    cuts = sorted(rng.sample(range(13, len(data)), 40))
    warned = 0
    for cut in cuts:
        results = check_alike(data[:cut], monkeypatch)
        warned += any(r[0] == "ok" and any("truncated" in w for w in r[2]) for r in results)
    assert warned > 0


@pytest.mark.parametrize("path", GIF_SAMPLES, ids=lambda p: p.name)
def test_damage_decodes_alike(path, monkeypatch):
    data = path.read_bytes()
    rng = random.Random(22)
    refused = 0
    for _ in range(40):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            damaged[rng.randrange(800, len(data))] ^= rng.randint(1, 255)
        results = check_alike(bytes(damaged), monkeypatch)
        refused += any(r[0] == "error" or r[2] for r in results)
    assert refused > 0


# ---- streams written here --------------------------------------------------------


def lzw_codes(indices: bytes, min_code_size: int, clear_when_full: bool, end_after: int | None = None) -> bytes:
    """A GIF LZW encoder, code widths counted as giflib's decoder counts them
    (each code read moves the running code; the width grows past the top).
    Without clear_when_full the table fills and the codes go on at 12 bits."""
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    state = {"running": end + 1, "bits": min_code_size + 1, "acc": 0, "nbits": 0}
    out = bytearray()

    def put(code):
        s = state
        s["acc"] |= code << s["nbits"]
        s["nbits"] += s["bits"]
        while s["nbits"] >= 8:
            out.append(s["acc"] & 0xFF)
            s["acc"] >>= 8
            s["nbits"] -= 8
        if s["running"] < 4097:
            s["running"] += 1
            if s["running"] > (1 << s["bits"]) and s["bits"] < 12:
                s["bits"] += 1

    def reset():
        state["running"], state["bits"] = end + 1, min_code_size + 1

    put(clear)
    reset()
    table, next_code = {}, end + 1
    w = indices[0]
    emitted = 0
    for k in indices[1:]:
        if (w, k) in table:
            w = table[(w, k)]
            continue
        put(w)
        emitted += 1
        if end_after is not None and emitted >= end_after:
            break
        if next_code < 4096:
            table[(w, k)] = next_code
            next_code += 1
        elif clear_when_full:
            put(clear)
            reset()
            table, next_code = {}, end + 1
        w = k
    else:
        put(w)
    put(end)
    if state["nbits"]:
        out.append(state["acc"] & 0xFF)
    return bytes(out)


def lzw_gif(pixels: np.ndarray, clear_when_full: bool = False, end_after: int | None = None) -> bytes:
    h, w = pixels.shape
    palette = bytes(v for i in range(256) for v in (i, (i * 7) % 256, 255 - i))
    data = lzw_codes(pixels.tobytes(), 8, clear_when_full, end_after)
    blocks = b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255))
    return (b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0) + palette + b"," + struct.pack("<HHHHB", 0, 0, w, h, 0)
            + b"\x08" + blocks + b"\x00;")


@pytest.mark.parametrize("clear_when_full", [False, True], ids=["deferred-clear", "clear-when-full"])
def test_full_table_streams_equal_pillow_and_giflib(clear_when_full, monkeypatch):
    rng = np.random.default_rng(3)
    # Noise over a few values with runs: long enough to fill the table many
    # times over, short strings so that it fills fast.
    pixels = np.repeat(rng.integers(0, 24, size=(120, 80), dtype=np.uint8), 2, axis=1)
    gif = lzw_gif(pixels, clear_when_full)
    results = check_alike(gif, monkeypatch)
    assert results[0][0] == "ok" and not results[0][2]
    raw = results[1][1][0]
    np.testing.assert_array_equal(raw, pixels)
    with Image.open(io.BytesIO(gif)) as im:
        np.testing.assert_array_equal(np.asarray(im), pixels)


def test_early_end_code_is_refused_alike(monkeypatch):
    pixels = np.arange(64 * 32, dtype=np.uint32).reshape(32, 64).astype(np.uint8)
    gif = lzw_gif(pixels, end_after=500)
    results = check_alike(gif, monkeypatch)
    assert results[2][0] == "error" and "damaged" in results[2][2]
