"""Value options are checked against the output they apply to (issue 26): a
fill that does not fit the output's element type, or that gives some but not
all of its channels, is a ValueError naming fill=, from every entry point,
before any pixel is decoded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mediaview as mv
from mediaview._batch import plan_images

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PHOTO = SAMPLES / "chelsea_420.jpg"        # 8-bit colour
DEEP = SAMPLES / "coffee_rgb16.png"        # 16-bit colour


def contain(src, fill, entry="decode_image", **kw):
    options = dict(size=(64, 32), fit="contain", fill=fill, **kw)
    if entry == "decode_image":
        return np.asarray(mv.decode_image(src, **options))
    if entry == "plan_images":
        (plan,) = plan_images([src], **options)
        if isinstance(plan, BaseException):
            raise plan
        return plan
    try:
        return np.asarray(mv.decode_images([src], **options))[0]
    except mv.BatchError as e:
        raise e.failures[0][2] from None


ENTRIES = ["decode_image", "decode_images", "plan_images"]


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("src,mode,fill,why", [
    (PHOTO, "RGB", 300, r"fill=300: 300 does not fit the output's uint8 \(0-255\)"),
    (PHOTO, "L", 256, "does not fit the output's uint8"),
    (PHOTO, "RGB", (10, 20), r"fill=\(10, 20\) has 2 values but the output has 3 channels"),
    (PHOTO, "RGBA", (1, 2, 3), "has 3 values but the output has 4 channels"),
    (PHOTO, "L", (1, 2), "has 2 values but the output has 1 channel:"),
    (PHOTO, "RGB", (1, 2, 256), "256 does not fit"),
    (DEEP, None, 70000, None),  # beyond uint16 too: refused by the wrapper (0..65535)
    (DEEP, "RGB", (65535, 0), "has 2 values but the output has 3 channels"),
])
def test_a_fill_that_does_not_fit_the_output_is_refused(entry, src, mode, fill, why):
    with pytest.raises(ValueError, match=why or "fill"):
        contain(src, fill, entry, mode=mode)


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_fill_that_fits_is_used(entry):
    # 300 fits 16-bit output; one value per channel, or one for all.
    for src, mode, fill in [(DEEP, None, 300), (PHOTO, "RGB", (10, 20, 30)), (PHOTO, "RGBA", 7),
                            (SAMPLES / "astronaut_rgba.png", "LA", (5, 255))]:
        contain(src, fill, entry, mode=mode)
    padded = contain(PHOTO, (10, 20, 30), "decode_image", mode="RGB")
    assert padded[0, 0].tolist() == [10, 20, 30]
    deep = contain(DEEP, 300, "decode_image", mode=None)
    assert deep.dtype == np.uint16 and deep[0, 0].tolist() == [300, 300, 300]
