"""One check for the decoders whose library threads a lone decode
(ImageRequest::codec_threads: dav1d for AVIF, libjxl's runner for JPEG XL):
decode_image and decode_frames, threaded over the cores, give what a batch
item, decoded on one thread, gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

import mediaview
from conftest import SAMPLES


def assert_lone_decode_equals_a_batch_item(path: Path) -> None:
    """Writes a 1280x960 photo to ``path`` (its extension names the format),
    large enough for the library to split, and compares the decodes."""
    photo = np.asarray(Image.open(SAMPLES / "chelsea_420.jpg").convert("RGB").resize((1280, 960)))
    mediaview.write_image(path, photo)
    lone = np.asarray(mediaview.decode_image(path))
    np.testing.assert_array_equal(lone, np.asarray(mediaview.decode_images([path], threads=1))[0])
    frames, _ = mediaview.decode_frames(path)
    np.testing.assert_array_equal(np.asarray(frames)[0], lone)
