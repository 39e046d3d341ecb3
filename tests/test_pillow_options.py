"""Options to formats that Pillow writes for us (TIFF, BMP, GIF, ...) are
checked (issue 26): one that Pillow's writer does not read is a TypeError
naming it, and nothing is written; the options it reads take effect."""

from __future__ import annotations

import io

import pytest
from PIL import Image

import mediaview
from conftest import SAMPLES


@pytest.fixture(scope="module")
def view():
    return mediaview.decode_image(SAMPLES / "chelsea_420.jpg")


@pytest.mark.parametrize("ext,options", [("bmp", {"qualty": 5}), ("bmp", {"quality": 80}), ("tiff", {"bogus": 1}),
                                         ("gif", {"lossless": True}), ("ppm", {"compression": "raw"}),
                                         ("tga", {"optimize": True})])
def test_an_option_the_writer_does_not_read_is_refused(tmp_path, view, ext, options):
    target = tmp_path / f"x.{ext}"
    with pytest.raises(TypeError, match=f"takes no option '{next(iter(options))}'"):
        mediaview.write_image(target, view, **options)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary
    with pytest.raises(TypeError):
        mediaview.write_image(io.BytesIO(), view, format=ext, **options)


@pytest.mark.parametrize("ext,options,check", [
    ("tiff", {"compression": "tiff_lzw"}, lambda im: im.info.get("compression") == "tiff_lzw"),
    ("tga", {"rle": True}, lambda im: im.info.get("compression") == "tga_rle"),
    ("gif", {"comment": b"hello"}, lambda im: im.info.get("comment") == b"hello"),
    ("bmp", {}, lambda im: im.format == "BMP"),
])
def test_options_the_writer_reads_are_taken(tmp_path, view, ext, options, check):
    target = tmp_path / f"x.{ext}"
    mediaview.write_image(target, view, **options)
    with Image.open(target) as im:
        assert check(im), im.info


def test_the_metadata_we_pass_is_not_an_unknown_option(tmp_path):
    # BMP stores no ICC profile or EXIF: the view's own are dropped there, as before, not refused.
    tagged = mediaview.decode_image(SAMPLES / "chelsea_adobergb.jpg")
    assert tagged.obj.icc
    mediaview.write_image(tmp_path / "x.bmp", tagged)
    mediaview.write_image(tmp_path / "x.ppm", tagged, dpi=(300, 300))


def test_a_failed_save_leaves_the_image_as_it_was(view):
    from mediaview._pil import save_checked, to_pil

    image = to_pil(view)
    kind = type(image)
    with pytest.raises(TypeError):
        save_checked(image, io.BytesIO(), "BMP", {"nonsense": 1}, set())
    assert type(image) is kind  # the tracking class is gone
    image.save(io.BytesIO(), "PNG")  # still an ordinary image
