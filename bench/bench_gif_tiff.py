#!/usr/bin/env python3
"""GIF and TIFF decode speed, side by side in one process, single thread,
on the same bytes:

- GIF: every composited frame of an animation (decode_frames) against
  Pillow seeking frame after frame and converting each to RGB, on the
  bundled animated samples and on a 640x480, 24-frame animation made here
  from the mosaic of the sample photos (sub-rectangles, transparency).
- TIFF, 16-bit RGB 2048x1536 (a mosaic of the photos, widened): uncompressed,
  Deflate and LZW strips, and a 512x512 crop of a tiled Deflate file, against
  tifffile (imagecodecs' codecs) and Pillow (its own libtiff; Pillow reduces
  16-bit RGB to 8 bits, which it still has to read and convert).

- TIFF writing (``write``): an 8-bit photo (the mosaic) and a 16-bit one
  (the mosaic in linear light), uncompressed, LZW, Deflate and Deflate with
  the predictor, against tifffile.imwrite and Pillow's TIFF save (8-bit
  only: Pillow holds no 16-bit RGB), with each file's size.

Prints megapixels per second and the ratios the targets are stated in. For
GIF, mediaview decoding with giflib's LZW decoder (MEDIAVIEW_GIF_LZW=giflib,
what it used before its own) runs beside them, to show what the own one buys.

    python bench/bench_gif_tiff.py [gif] [tiff] [write]     (all when none is named)
"""

from __future__ import annotations

import io
import os
import sys
import warnings
from typing import Callable, Dict

import numpy as np
from PIL import Image

import mediaview

from _common import SAMPLES, best_seconds_each, mosaic, print_rates, print_targets  # noqa: E402


def rates_of(fns: Dict[str, Callable[[], object]], pixels: int) -> Dict[str, float]:
    seconds = best_seconds_each(fns)
    return {name: pixels / s / 1e6 for name, s in seconds.items()}


# ---- GIF ------------------------------------------------------------------------


def pillow_gif_frames(data: bytes) -> list:
    with Image.open(io.BytesIO(data)) as im:
        out = []
        for i in range(im.n_frames):
            im.seek(i)
            out.append(np.asarray(im.convert("RGB")))
        return out


def with_giflib_lzw(fn: Callable[[], object]) -> Callable[[], object]:
    """fn run with giflib's LZW decoder (the switch is read at each decode)."""
    def run():
        os.environ["MEDIAVIEW_GIF_LZW"] = "giflib"
        try:
            return fn()
        finally:
            del os.environ["MEDIAVIEW_GIF_LZW"]
    return run


def made_animation() -> bytes:
    """24 frames of 640x480 panning over the photo mosaic, quantised by Pillow
    (which stores changed sub-rectangles with transparency)."""
    base = Image.fromarray(mosaic(1024, 768))
    frames = [base.crop((i * 16, i * 12, i * 16 + 640, i * 12 + 480)) for i in range(24)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    return buf.getvalue()


def bench_gif() -> Dict[str, float]:
    cases = {p.name: p.read_bytes() for p in sorted(SAMPLES.glob("*.gif")) if "still" not in p.name}
    cases["made 640x480 x24"] = made_animation()
    all_rates = {}
    for name, data in cases.items():
        frames, _ = mediaview.decode_frames(data, mode="RGB")
        expected = pillow_gif_frames(data)
        assert np.array_equal(np.asarray(frames), np.stack(expected)), name  # the same pixels, or no figure
        pixels = int(np.asarray(frames).size // 3)
        print(f"\nGIF {name}: {len(expected)} frames, {pixels / 1e6:.2f} MP in all")
        ours = lambda: mediaview.decode_frames(data, mode="RGB")  # noqa: E731
        assert np.array_equal(np.asarray(with_giflib_lzw(ours)()[0]), np.asarray(frames)), name
        rates = rates_of({
            "mediaview": ours,
            "Pillow": lambda: pillow_gif_frames(data),
            "mediaview, giflib LZW": with_giflib_lzw(ours),
        }, pixels)
        print_rates(rates)
        all_rates[name] = rates
    return all_rates


# ---- TIFF -----------------------------------------------------------------------


def tiff_peers(data: bytes, crop=None) -> Dict[str, Callable[[], object]]:
    import tifffile

    def with_tifffile():
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            page = tif.pages[0]
            if crop is None:
                return page.asarray()
            # tifffile reads whole pages; its crop is a slice of the page.
            x, y, w, h = crop
            return page.asarray()[y:y + h, x:x + w]

    def with_pillow():
        with Image.open(io.BytesIO(data)) as im:
            if crop is None:
                im.load()
                return np.asarray(im)
            x, y, w, h = crop
            return np.asarray(im.crop((x, y, x + w, y + h)))

    return {
        "mediaview": lambda: mediaview.decode_image(data, mode=None, crop=crop),
        "tifffile": with_tifffile,
        "Pillow": with_pillow,
    }


def bench_tiff() -> Dict[str, Dict[str, float]]:
    import tifffile
    rgb = mosaic(2048, 1536)
    wide = rgb.astype(np.uint16) * 257
    cases = {}
    for name, options in [("uncompressed", {}), ("Deflate", {"compression": "zlib"}), ("LZW", {"compression": "lzw"})]:
        buf = io.BytesIO()
        try:
            tifffile.imwrite(buf, wide, rowsperstrip=64, **options)
        except Exception as e:  # tifffile's LZW encoder needs imagecodecs
            print(f"TIFF {name}: not made ({type(e).__name__}: {e})")
            continue
        cases[name] = (buf.getvalue(), None)
    buf = io.BytesIO()
    tifffile.imwrite(buf, wide, tile=(256, 256), compression="zlib")
    cases["tiled Deflate, 512x512 crop"] = (buf.getvalue(), (700, 500, 512, 512))
    all_rates = {}
    for name, (data, crop) in cases.items():
        ours = np.asarray(mediaview.decode_image(data, mode=None, crop=crop))
        x, y, w, h = crop or (0, 0, 2048, 1536)
        assert np.array_equal(ours, wide[y:y + h, x:x + w]), name
        print(f"\nTIFF 16-bit RGB 2048x1536, {name}: {len(data) / 1e6:.1f} MB")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rates = rates_of(tiff_peers(data, crop), w * h)
        print_rates(rates)
        all_rates[name] = rates
    return all_rates


# ---- TIFF writing -------------------------------------------------------------------

# (ours, tifffile's, Pillow's) options for the same file: none, LZW, Deflate
# level 6 (each library's default level), Deflate with the horizontal predictor.
WRITE_CASES = [
    ("uncompressed", {}, {}, {}),
    ("LZW", {"compression": "lzw"}, {"compression": "lzw"}, {"compression": "tiff_lzw"}),
    ("Deflate", {"compression": "deflate"}, {"compression": "adobe_deflate"}, {"compression": "tiff_adobe_deflate"}),
    ("Deflate + predictor", {"compression": "deflate", "predictor": True},
     {"compression": "adobe_deflate", "predictor": True},
     {"compression": "tiff_adobe_deflate", "tiffinfo": {317: 2}}),
]


def write_peers(image: np.ndarray, ours: dict, theirs: dict, pillow: dict) -> Dict[str, Callable[[], bytes]]:
    import tifffile

    def with_tifffile():
        buf = io.BytesIO()
        tifffile.imwrite(buf, image, photometric="rgb", **theirs)
        return buf.getvalue()

    peers = {"mediaview": lambda: mediaview.encode_image(image, "tiff", **ours), "tifffile": with_tifffile}
    if image.dtype == np.uint8:  # Pillow holds 16-bit RGB only as 8 bits: no 16-bit peer
        im = Image.fromarray(image)

        def with_pillow():
            buf = io.BytesIO()
            im.save(buf, "TIFF", **pillow)
            return buf.getvalue()

        peers["Pillow"] = with_pillow
    return peers


def bench_tiff_write() -> Dict[str, Dict[str, float]]:
    import tifffile
    photo = mosaic(2048, 1536)
    # A 16-bit photo: the mosaic in linear light (gamma 2.2 undone), every
    # one of the 16 bits used, as a raw converter or a scanner gives them.
    linear = np.round((photo / 255.0) ** 2.2 * 65535).astype(np.uint16)
    all_rates = {}
    for label, image in (("8-bit", photo), ("16-bit", linear)):
        for name, ours, theirs, pillow in WRITE_CASES:
            peers = write_peers(image, ours, theirs, pillow)
            sizes = {}
            for peer, fn in peers.items():  # each file read back whole by tifffile, or no figure
                data = fn()
                assert np.array_equal(tifffile.imread(io.BytesIO(data)), image), (peer, label, name)
                sizes[peer] = len(data)
            print(f"\nTIFF write, {label} RGB 2048x1536, {name}: sizes " +
                  ", ".join(f"{peer} {size / 1e6:.2f} MB" for peer, size in sizes.items()))
            rates = rates_of(peers, image.shape[0] * image.shape[1])
            print_rates(rates)
            all_rates[f"{label} {name}"] = rates
    return all_rates


def main() -> int:
    print(f"mediaview {mediaview.__version__ if hasattr(mediaview, '__version__') else ''}, "
          f"Pillow {Image.__version__}")
    wanted = set(sys.argv[1:]) or {"gif", "tiff", "write"}
    gif = bench_gif() if "gif" in wanted else {}
    tiff = bench_tiff() if "tiff" in wanted else {}
    if "write" in wanted:
        bench_tiff_write()
    for name, rates in gif.items():
        print_targets(f"GIF {name}", rates, [("Pillow", 1.5), ("mediaview, giflib LZW", 1.0)])
    for name, rates in tiff.items():
        print_targets(f"TIFF {name}", rates, [("tifffile", 1.2), ("Pillow", 1.2)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
