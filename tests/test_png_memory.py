"""Issue 20's memory target for PNG: when the output buffer is the library's
own, the peak resident size grows during one decode by at most the output,
plus the compressed size, plus 1 MiB. The fast path inflates the filtered
rows into the tail of the output's own block and unfilters them forwards
into place (decoders/png/png_fast.cpp), so no second image-sized buffer
exists; a separate filtered buffer (the path before) costs about one more
output and fails these budgets.

Each decode runs in a fresh interpreter: the peak (VmHWM) is reset through
/proc/self/clear_refs after the file is read, and compared with the resident
size (VmRSS) before the decode. The images are 2400x1600, made from a sample
photo; Pillow writes its files in 64 KiB IDAT chunks, so the decoder also
joins the compressed stream (the budget's "compressed").
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Dict

import numpy as np
import pytest
from PIL import Image

import mediaview
from capped import UNDER_ASAN
from conftest import SAMPLES

MIB = 1 << 20
W, H = 2400, 1600

PROBE = r"""
import sys, numpy as np, mediaview
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
data = open(sys.argv[1], "rb").read()
kwargs = eval(sys.argv[2])
# No decode before this one: freed buffers a warm decode leaves resident
# would be reused without growing.
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets VmHWM, the peak, to the current resident size
before = status("VmRSS:")
view = mediaview.decode_image(data, **kwargs)
print(status("VmHWM:") - before, np.asarray(view).nbytes, status("VmRSS:") - before)
"""

pytestmark = pytest.mark.skipif(UNDER_ASAN, reason="AddressSanitizer's shadow memory and quarantine swamp the RSS")


def clear_refs_works() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def pillow_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Dict[str, Path]:
    if not clear_refs_works():
        pytest.skip("/proc/self/clear_refs cannot reset the peak RSS here")
    photo = Image.open(SAMPLES / "astronaut_444.jpg").convert("RGB").resize((W, H), Image.BICUBIC)
    rgb = np.asarray(photo)
    alpha = np.broadcast_to(np.linspace(0, 255, W).astype(np.uint8), (H, W))
    # 16-bit content: the photo at twice the size, averaged 2x2 in floating point.
    big = np.asarray(photo.resize((2 * W, 2 * H), Image.BICUBIC), np.float64)
    rgb16 = (big.reshape(H, 2, W, 2, 3).mean(axis=(1, 3)) * 257).round().astype(np.uint16)
    made = {
        "rgb": pillow_png(photo),
        "rgba": pillow_png(Image.fromarray(np.dstack([rgb, alpha]))),
        "rgb16": mediaview.encode_image(rgb16, "png"),  # Pillow writes no 16-bit RGB
        "palette": pillow_png(photo.quantize(256)),
    }
    folder = tmp_path_factory.mktemp("png_memory")
    paths = {}
    for name, data in made.items():
        paths[name] = folder / f"{name}.png"
        paths[name].write_bytes(data)
    np.save(folder / "rgb16.npy", rgb16)  # the 16-bit source, for the pixel check
    return paths


def peak_growth(path: Path, kwargs: str, after: bool = False) -> tuple:
    """(peak growth, output bytes), and with `after` the growth still
    resident once the decode returned."""
    proc = subprocess.run([sys.executable, "-c", PROBE, str(path), kwargs], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    growth, output, resident = (int(x) for x in proc.stdout.split())
    return (growth, output, resident) if after else (growth, output)


# (file, decode_image keyword arguments): outputs whose rows are at least as
# long as the file's, where the whole budget holds.
WITHIN_BUDGET = [
    ("rgb", "dict(mode=None)"),
    ("rgb", "dict(mode='RGBA')"),
    ("rgba", "dict(mode=None)"),
    ("rgb16", "dict(mode=None)"),
    ("palette", "dict(mode=None)"),
    ("palette", "dict(mode='RGBA')"),
]


@pytest.mark.parametrize("name,kwargs", WITHIN_BUDGET)
def test_peak_rss_growth_is_within_output_plus_compressed_plus_1_mib(files, name, kwargs):
    path = files[name]
    growth, output = peak_growth(path, kwargs)
    compressed = path.stat().st_size
    budget = output + compressed + MIB
    assert growth <= budget, (f"{name} {kwargs}: peak RSS grew {growth / MIB:.2f} MiB, budget {budget / MIB:.2f} MiB "
                              f"(output {output / MIB:.2f}, compressed {compressed / MIB:.2f})")


def filtered_size(name: str) -> int:
    row = {"rgb": 3 * W, "rgba": 4 * W, "rgb16": 6 * W, "palette": W}[name]
    return H * (row + 1)


# Outputs with shorter rows than the file's: one-call inflate needs the whole
# filtered stream, larger than the output, so the budget cannot hold; the
# stream is then the block (plus a row), and no output-sized buffer is added.
NARROWER = [
    ("rgba", "dict()"),  # RGB: alpha dropped
    ("rgb16", "dict(dtype='uint8')"),
]


@pytest.mark.parametrize("name,kwargs", NARROWER)
def test_narrowing_decode_holds_the_filtered_stream_once(files, name, kwargs):
    path = files[name]
    growth, output, resident = peak_growth(path, kwargs, after=True)
    bound = filtered_size(name) + path.stat().st_size + MIB
    assert output < filtered_size(name)
    assert growth <= bound, (f"{name} {kwargs}: peak RSS grew {growth / MIB:.2f} MiB, more than the filtered stream "
                             f"+ compressed + 1 MiB = {bound / MIB:.2f} MiB (output {output / MIB:.2f} MiB)")
    # The block's pages past the pixels went back to the system after the decode.
    assert resident <= output + MIB, (f"{name} {kwargs}: {resident / MIB:.2f} MiB still resident after the decode "
                                      f"for a {output / MIB:.2f} MiB output")


def test_decoded_pixels_equal_pillows(files):
    """The files above decode right (the in-place path on multi-IDAT files
    of this size; tests/cpp/test_png_fast.cpp compares every mode with
    libspng on PngSuite)."""
    photo = np.asarray(Image.open(files["rgb"]))
    np.testing.assert_array_equal(np.asarray(mediaview.decode_image(files["rgb"].read_bytes(), mode=None)), photo)
    rgba = np.asarray(Image.open(files["rgba"]))
    np.testing.assert_array_equal(np.asarray(mediaview.decode_image(files["rgba"].read_bytes(), mode=None)), rgba)
    np.testing.assert_array_equal(np.asarray(mediaview.decode_image(files["rgba"].read_bytes())), rgba[..., :3])
    palette = np.asarray(Image.open(files["palette"]).convert("RGBA"))
    np.testing.assert_array_equal(np.asarray(mediaview.decode_image(files["palette"].read_bytes(), mode="RGBA")),
                                  palette)
    sixteen = np.asarray(mediaview.decode_image(files["rgb16"].read_bytes(), mode=None))
    np.testing.assert_array_equal(sixteen, np.load(files["rgb16"].with_suffix(".npy")))
    eight = np.asarray(mediaview.decode_image(files["rgb16"].read_bytes(), dtype="uint8"))
    np.testing.assert_array_equal(eight, (sixteen >> 8).astype(np.uint8))
