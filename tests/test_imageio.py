"""mediaview.imageio, the imageio v3 plugin, held to what imageio expects of
a plugin (PluginV3): ``improps`` agrees with ``imread`` (shape, dtype,
n_images, is_batch) for every index form, index semantics (an int, ``...``
stacks, ``None`` lets the plugin choose, out of range is a ValueError),
metadata keys and ``exclude_applied``, writing to paths, bytes and file
objects. Imageio's own Pillow plugin is the oracle for pixels and EXIF."""

from __future__ import annotations

import io

import numpy as np
import pytest

import mediaview
from conftest import SAMPLES

iio = pytest.importorskip("imageio.v3", reason="imageio is not installed (pip install mediaview[imageio])")
mvio = pytest.importorskip("mediaview.imageio")
from imageio.config import known_extensions, known_plugins  # noqa: E402

JPEG = SAMPLES / "chelsea_420.jpg"
ORIENTED = SAMPLES / "rocket_orient6.jpg"
ANIMATED = SAMPLES / "coffee_animated.webp"
STILLS = [JPEG, SAMPLES / "camera_gray.jpg", SAMPLES / "astronaut_progressive.jpg", SAMPLES / "chelsea_rgb8.png",
          SAMPLES / "camera_gray8.png", SAMPLES / "astronaut_rgba.png", SAMPLES / "astronaut_palette.png",
          SAMPLES / "coffee_lossless.webp"]


# ---- registration ------------------------------------------------------------------

def test_importing_registers_the_plugin_first_for_our_extensions():
    assert known_plugins["mediaview"].class_name == "MediaviewPlugin"
    assert next(iter(known_plugins)) == "mediaview"
    for extension in (".jpg", ".jpeg", ".png", ".webp"):
        assert extension in mvio.read_extensions()
        assert all(f.priority[0] == "mediaview" for f in known_extensions[extension])
    with iio.imopen(JPEG, "r") as plugin:  # no plugin= : chosen by extension
        assert isinstance(plugin, mvio.MediaviewPlugin)


def test_register_is_idempotent_and_can_append():
    def unregister():
        known_plugins.pop("mediaview")
        for formats in known_extensions.values():
            for f in formats:
                if "mediaview" in f.priority:
                    f.priority.remove("mediaview")

    try:
        unregister()
        mvio.register(first=False)
        mvio.register(first=False)
        assert known_extensions[".png"][0].priority.count("mediaview") == 1
        assert known_extensions[".png"][0].priority[0] == "pillow"
        assert known_extensions[".png"][0].priority[-1] == "mediaview"
        assert next(iter(known_plugins)) != "mediaview"
    finally:
        mvio.register()
        mvio.register()
    assert known_extensions[".png"][0].priority.count("mediaview") == 1
    assert known_extensions[".png"][0].priority[0] == "mediaview"
    assert next(iter(known_plugins)) == "mediaview"


def test_what_we_cannot_read_falls_through_to_other_plugins(tmp_path):
    bmp = tmp_path / "x.bmp"  # no codec of ours reads BMP: it is read through Pillow
    iio.imwrite(bmp, np.arange(60, dtype=np.uint8).reshape(4, 5, 3), plugin="pillow")
    assert iio.imread(bmp, index=0).shape == (4, 5, 3)  # imageio's Pillow plugin
    assert ".bmp" not in mvio.read_extensions()  # not claimed first: imageio's Pillow plugin reads it directly
    assert np.array_equal(iio.imread(bmp, plugin="mediaview"), iio.imread(bmp, plugin="pillow"))
    unknown = tmp_path / "x.bmp"
    unknown.write_bytes(b"not an image at all, in any format" * 4)
    with pytest.raises(IOError, match="mediaview"):
        iio.imread(unknown, plugin="mediaview")


# ---- reading ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", STILLS, ids=lambda p: p.name)
def test_pixels_equal_the_pillow_plugins(path):
    ours = iio.imread(path, plugin="mediaview")
    theirs = iio.imread(path, plugin="pillow")
    if path.name == "astronaut_palette.png":
        # Its palette has transparency (tRNS), which we keep and the Pillow
        # plugin drops (it converts "P" to the palette's RGB): Pillow's RGBA
        # conversion is the oracle.
        theirs = iio.imread(path, plugin="pillow", mode="RGBA")
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs)  # the JPEGs too: both are libjpeg-turbo's islow DCT


def test_read_shares_the_decoded_memory():
    array = iio.imread(JPEG, plugin="mediaview")
    assert isinstance(array.base, memoryview) and isinstance(array.base.obj, mediaview._core.BufferExporter)
    assert array.flags.writeable


def test_sixteen_bit_png_keeps_its_depth():
    array = iio.imread(SAMPLES / "coffee_rgb16.png")
    assert array.dtype == np.uint16
    assert np.array_equal(array, np.asarray(mediaview.decode_image(SAMPLES / "coffee_rgb16.png", dtype=None)))


@pytest.mark.parametrize("kind", ["bytes", "file object"])
def test_bytes_and_file_objects(kind):
    data = JPEG.read_bytes()
    uri = data if kind == "bytes" else io.BytesIO(data)
    assert np.array_equal(iio.imread(uri, plugin="mediaview"), iio.imread(JPEG))


def test_decode_options_pass_through():
    assert iio.imread(JPEG, size=(64, 48)).shape == (48, 64, 3)
    assert iio.imread(JPEG, mode="L").shape == (300, 451)
    upright = iio.imread(ORIENTED, rotate=True)
    assert np.array_equal(upright, iio.imread(ORIENTED, plugin="pillow", rotate=True))
    assert np.array_equal(iio.imread(ORIENTED, orient=True), upright)


# ---- index semantics, and properties that agree with read --------------------------------

@pytest.mark.parametrize("path,index", [(JPEG, None), (JPEG, 0), (JPEG, ...), (ANIMATED, None), (ANIMATED, 0),
                                        (ANIMATED, 5), (ANIMATED, ...), (SAMPLES / "camera_gray8.png", ...)])
def test_properties_describe_what_read_returns(path, index):
    array = iio.imread(path, index=index)
    props = iio.improps(path, index=index)
    assert props.shape == array.shape and props.dtype == array.dtype
    batch = index is ... or (index is None and path == ANIMATED)
    assert props.is_batch == batch
    assert props.n_images == (array.shape[0] if batch else None)


def test_index_none_reads_every_frame_of_an_animation_and_the_first_of_a_still():
    frames, durations = mediaview.decode_frames(ANIMATED)
    assert np.array_equal(iio.imread(ANIMATED), np.asarray(frames))
    assert iio.imread(JPEG).shape == (300, 451, 3)
    assert iio.imread(JPEG, index=...).shape == (1, 300, 451, 3)


def test_int_index_reads_that_frame_and_out_of_range_is_a_value_error():
    frames, _ = mediaview.decode_frames(ANIMATED)
    assert np.array_equal(iio.imread(ANIMATED, index=3), np.asarray(frames)[3])
    for path, index in ((ANIMATED, 6), (JPEG, 1), (JPEG, -1)):
        with pytest.raises(ValueError, match="out of range"):
            iio.imread(path, index=index)


def test_iter_yields_every_frame_in_order():
    frames, _ = mediaview.decode_frames(ANIMATED)
    ours = list(iio.imiter(ANIMATED))
    assert len(ours) == 6 and all(np.array_equal(a, b) for a, b in zip(ours, np.asarray(frames)))
    sized = list(iio.imiter(ANIMATED, size=(90, 60)))  # not decode_frames' option: frame by frame
    assert [a.shape for a in sized] == [(60, 90, 4)] * 6
    assert len(list(iio.imiter(JPEG))) == 1


# ---- metadata ---------------------------------------------------------------------------

def test_metadata_keys():
    meta = iio.immeta(JPEG)
    for key in ("mode", "shape", "format", "width", "height", "colorspace", "subsampling", "Orientation"):
        assert key in meta
    assert meta["mode"] == "RGB" and meta["shape"] == (451, 300) == iio.immeta(JPEG, plugin="pillow")["shape"]
    assert iio.immeta(SAMPLES / "camera_gray8.png")["mode"] == "L"
    assert iio.immeta(SAMPLES / "chelsea_cmyk.jpg")["mode"] == "CMYK"


def test_exif_bytes_are_pillows_and_orientation_follows_exclude_applied():
    ours = iio.immeta(ORIENTED)
    assert ours["exif"] == iio.immeta(ORIENTED, plugin="pillow")["exif"]
    assert ours["Orientation"] == 6  # read does not rotate unless asked
    assert "Orientation" not in iio.immeta(ORIENTED, rotate=True)
    assert iio.immeta(ORIENTED, rotate=True, exclude_applied=False)["Orientation"] == 6


def test_animation_metadata_global_and_per_frame():
    _, durations = mediaview.decode_frames(ANIMATED)
    assert iio.immeta(ANIMATED, index=...)["duration"] == list(durations)
    assert iio.immeta(ANIMATED, index=2)["duration"] == durations[2]
    assert iio.immeta(ANIMATED)["loop"] == mediaview.probe(ANIMATED).as_dict()["loop_count"]


# ---- writing -----------------------------------------------------------------------------

def test_write_png_round_trips_and_jpeg_matches_write_image(tmp_path):
    image = iio.imread(SAMPLES / "astronaut_rgba.png")
    iio.imwrite(tmp_path / "a.png", image, plugin="mediaview")
    assert np.array_equal(iio.imread(tmp_path / "a.png", plugin="pillow"), image)
    photo = iio.imread(JPEG)
    iio.imwrite(tmp_path / "b.jpg", photo, quality=80)  # by extension: ours
    mediaview.write_image(tmp_path / "c.jpg", photo, quality=80)
    assert (tmp_path / "b.jpg").read_bytes() == (tmp_path / "c.jpg").read_bytes()


def test_write_to_bytes_needs_an_extension():
    image = iio.imread(JPEG)
    encoded = iio.imwrite("<bytes>", image, plugin="mediaview", extension=".png")
    assert encoded[:8] == b"\x89PNG\r\n\x1a\n" and np.array_equal(iio.imread(encoded), image)
    with pytest.raises(ValueError, match="format"):
        iio.imwrite("<bytes>", image, plugin="mediaview")


def test_write_to_a_file_object_and_through_pillow(tmp_path):
    image = iio.imread(JPEG)
    target = io.BytesIO()
    iio.imwrite(target, image, plugin="mediaview", extension=".webp", lossless=True)
    assert np.array_equal(iio.imread(target.getvalue()), image)
    iio.imwrite(tmp_path / "d.tiff", image, plugin="mediaview")  # a format only Pillow writes
    assert np.array_equal(iio.imread(tmp_path / "d.tiff", plugin="pillow"), image)


def test_write_takes_one_image():
    image = iio.imread(JPEG)
    assert iio.imwrite("<bytes>", [image], plugin="mediaview", extension=".png")[:4] == b"\x89PNG"
    assert iio.imwrite("<bytes>", image[None], plugin="mediaview", extension=".png")[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="one image per file"):
        iio.imwrite("<bytes>", np.stack([image, image]), plugin="mediaview", extension=".png")
    with pytest.raises(IOError):
        iio.imwrite("<bytes>", image, plugin="mediaview", extension=".nosuchformat")


def test_the_v2_api_still_works_through_the_plugin():
    import imageio.v2 as iio2

    assert np.array_equal(iio2.imread(JPEG), iio.imread(JPEG))
    frames = iio2.mimread(ANIMATED)
    assert len(frames) == 6 and np.array_equal(np.stack(frames), iio.imread(ANIMATED))
