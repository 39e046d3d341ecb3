"""GIF decoding (giflib) against Pillow's composited frames, exactly: every
frame of every sample in every mode, through decode_image(frame=k) and
decode_frames; durations and loop count; crops; the probe's header walk;
truncated, damaged and hostile files. The samples (scripts/make_gif_samples.py)
hold each disposal method, transparency in frame 0 and later frames, local
colour tables, interlacing and a grey-ramp palette."""

from __future__ import annotations

import random
import struct
import warnings

import numpy as np
import pytest
from PIL import Image

import mediaview
from capped import run_capped
from conftest import SAMPLES

GIF_SAMPLES = sorted(SAMPLES.glob("*.gif"))
ANIMATED = [p for p in GIF_SAMPLES if "still" not in p.name]
MODES = ["RGB", "BGR", "RGBA", "BGRA", "RGBX", "L", "LA"]


def pillow_frames(path, mode):
    """Pillow's composited frames, converted to `mode` (BGR(A) reversed, RGBX
    as RGB plus 255)."""
    base = {"BGR": "RGB", "BGRA": "RGBA", "RGBX": "RGB"}.get(mode, mode)
    out = []
    with Image.open(path) as im:
        for i in range(im.n_frames):
            im.seek(i)
            px = np.asarray(im.convert(base))
            if mode == "BGR":
                px = px[..., ::-1]
            elif mode == "BGRA":
                px = px[..., [2, 1, 0, 3]]
            elif mode == "RGBX":
                px = np.dstack([px, np.full(px.shape[:2], 255, np.uint8)])
            out.append(px)
    return out


def pillow_durations(path):
    with Image.open(path) as im:
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info.get("duration", 0))
        return durations, im.info.get("loop")


def test_samples_exist():
    assert len(GIF_SAMPLES) >= 5 and len(ANIMATED) >= 4


@pytest.mark.parametrize("path", GIF_SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("mode", MODES)
def test_every_frame_in_every_mode_equals_pillow(path, mode):
    expected = pillow_frames(path, mode)
    frames, durations = mediaview.decode_frames(path, mode=mode)
    frames = np.asarray(frames)
    assert frames.shape == (len(expected), *expected[0].shape)
    for k, want in enumerate(expected):
        assert np.array_equal(frames[k], want), (k, int((frames[k] != want).sum()))
        assert np.array_equal(np.asarray(mediaview.decode_image(path, frame=k, mode=mode)), want), k


@pytest.mark.parametrize("path", GIF_SAMPLES, ids=lambda p: p.name)
def test_own_layout_is_pillows_mode(path):
    with Image.open(path) as im:
        im.seek(im.n_frames - 1)
        pillow_mode = im.mode
        # Pillow keeps L GIFs as L; our own layout adds alpha where frame 0
        # is transparent (Pillow keeps that as info["transparency"]).
        transparent = "transparency" in im.info or pillow_mode == "RGBA"
    view = mediaview.decode_image(path, mode=None)
    expected = {"RGB": "RGB", "RGBA": "RGBA", "L": "LA" if transparent else "L", "P": "RGB"}[pillow_mode]
    assert view.obj.mode == expected


@pytest.mark.parametrize("path", GIF_SAMPLES, ids=lambda p: p.name)
def test_durations_loop_and_probe(path):
    durations, loop = pillow_durations(path)
    _, got = mediaview.decode_frames(path)
    assert list(got) == durations
    info = mediaview.probe(path)
    assert info.format == "GIF"
    with Image.open(path) as im:
        assert (info.width, info.height) == im.size
        assert info.frames == im.n_frames
    assert info.loop_count == (1 if loop is None else loop)
    assert info.animated == (info.frames > 1)


def test_probe_counts_frames_without_decoding_pixels():
    # The LZW data of every frame replaced by garbage of the same block
    # layout: the walk still counts the frames, the decode refuses.
    data = bytearray((SAMPLES / "astronaut_disposal.gif").read_bytes())
    damaged = scramble_pixel_blocks(data)
    assert mediaview.probe(bytes(damaged)).frames == 7
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_frames(bytes(damaged))


def scramble_pixel_blocks(data: bytearray) -> bytearray:
    """Sets every byte of every image's data sub-blocks (after its LZW code
    size) to 0xFF, keeping the block lengths."""
    out = bytearray(data)
    at = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    while at < len(out) and out[at] != 0x3B:
        if out[at] == 0x21:
            at += 2
            while out[at]:
                at += out[at] + 1
            at += 1
        else:
            flags = out[at + 9]
            at += 10 + ((3 << ((flags & 7) + 1)) if flags & 0x80 else 0) + 1
            while out[at]:
                out[at + 1:at + 1 + out[at]] = b"\xff" * out[at]
                at += out[at] + 1
            at += 1
    return out


@pytest.mark.parametrize("path", ANIMATED[:2], ids=lambda p: p.name)
def test_crop_is_the_frames_sliced(path):
    full, _ = mediaview.decode_frames(path, mode="RGBA")
    full = np.asarray(full)
    crop = (7, 5, 31, 22)
    part, _ = mediaview.decode_frames(path, mode="RGBA", crop=crop)
    assert np.array_equal(np.asarray(part), full[:, 5:27, 7:38])
    one = mediaview.decode_image(path, mode="RGBA", crop=crop, frame=1)
    assert np.array_equal(np.asarray(one), full[1, 5:27, 7:38])


def test_refusals():
    path = SAMPLES / "astronaut_disposal.gif"
    with pytest.raises(ValueError, match="frame 7 does not exist"):
        mediaview.decode_image(path, frame=7)
    with pytest.raises(ValueError, match="CMYK"):
        mediaview.decode_image(path, mode="CMYK")
    with pytest.raises(ValueError, match="crop"):
        mediaview.decode_image(path, crop=(150, 0, 20, 20))
    with pytest.raises(ValueError):
        mediaview.decode_image(path, dtype="uint16")
    with pytest.raises(mediaview.LimitError):
        mediaview.decode_frames(path, max_pixels=160 * 120 * 6)
    assert np.asarray(mediaview.decode_frames(path, max_pixels=160 * 120 * 7)[0]).shape[0] == 7


def test_out_buffer_and_formats_listing():
    path = SAMPLES / "coffee_animated.gif"
    out = np.zeros((100, 150, 3), np.uint8)
    mediaview.decode_image(path, frame=3, mode="RGB", out=out)
    assert np.array_equal(out, pillow_frames(path, "RGB")[3])
    listed = [f for f in mediaview.formats() if f["name"] == "gif"]
    assert listed and listed[0]["can_read"]
    # formats() tells the truth: GIF writes nothing here, and every mode it
    # lists as read decodes (and CMYK, unlisted, does not).
    gif = listed[0]
    assert not gif["can_write"] and gif["modes"] == [] and gif["dtypes"] == []
    assert gif["read_dtypes"] == ["uint8"] and "P" in gif["read_modes"]
    for mode in gif["read_modes"]:
        assert mediaview.decode_image(path, mode=mode).obj.mode == mode
    with pytest.raises(ValueError):
        mediaview.decode_image(path, mode="CMYK")


# ---- damage ---------------------------------------------------------------------


def test_truncated_animation_gives_the_frames_so_far_on_request():
    path = SAMPLES / "astronaut_disposal.gif"
    data = path.read_bytes()
    full, durations = mediaview.decode_frames(path, mode="RGBA")
    full = np.asarray(full)
    cut = data[: len(data) * 2 // 3]
    complete = mediaview.probe(cut).frames
    assert 0 < complete < 7
    with pytest.raises(mediaview.DecodeError, match="truncated"):
        mediaview.decode_frames(cut)
    with pytest.warns(mediaview.DecodeWarning, match=f"{complete} complete frame"):
        part, part_durations = mediaview.decode_frames(cut, mode="RGBA", allow_truncated=True)
    assert np.array_equal(np.asarray(part), full[:complete])
    assert list(part_durations) == list(durations)[:complete]
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_frames(cut, allow_truncated=True, strict=True)
    # A frame before the cut decodes as usual; the one cut is partial on request.
    assert np.array_equal(np.asarray(mediaview.decode_image(cut, frame=complete - 1, mode="RGBA")),
                          full[complete - 1])
    with pytest.raises(mediaview.DecodeError, match="truncated"):
        mediaview.decode_image(cut, frame=complete)


def test_truncated_still_gives_the_rows_so_far_on_request():
    path = SAMPLES / "chelsea_still.gif"
    data = path.read_bytes()
    cut = data[: len(data) // 2]
    with pytest.raises(mediaview.DecodeError, match="truncated"):
        mediaview.decode_image(cut)
    with pytest.warns(mediaview.DecodeWarning, match="truncated: frame 0 has"):
        mediaview.decode_image(cut, allow_truncated=True)


def test_missing_trailer_is_a_warning():
    data = (SAMPLES / "coffee_opaque_first.gif").read_bytes()
    assert data.endswith(b";")
    with pytest.warns(mediaview.DecodeWarning, match="without its trailer after 4"):
        frames, _ = mediaview.decode_frames(data[:-1])
    assert np.asarray(frames).shape[0] == 4
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_frames(data[:-1], strict=True)


def test_damaged_files_raise_typed_errors():
    rng = random.Random(7)
    for path in GIF_SAMPLES:
        data = path.read_bytes()
        for _ in range(30):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                damaged[rng.randrange(6, len(data))] ^= rng.randint(1, 255)
            for call in (lambda: mediaview.decode_image(bytes(damaged)),
                         lambda: mediaview.decode_image(bytes(damaged), mode="L", frame=1, crop=(3, 3, 20, 20)),
                         lambda: mediaview.decode_frames(bytes(damaged), allow_truncated=True),
                         lambda: mediaview.probe(bytes(damaged))):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", mediaview.DecodeWarning)
                        call()
                except (mediaview.Error, ValueError):
                    pass


def screen_only(width: int, height: int, frames: int = 1) -> bytes:
    """A GIF header of the given screen, `frames` 1x1 images, no palette."""
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0) + image * frames + b";"


HOSTILE_CALLS = {
    "probe": "mediaview.probe(data)",
    "decode": "mediaview.decode_image(data)",
    "frames": "mediaview.decode_frames(data)",
}


def test_huge_screens_and_frame_counts_are_refused_before_allocation(tmp_path):
    # 65535 x 65535 (4.3 G pixels, 17 GB as RGBA) under a 600 MB cap.
    result = run_capped(tmp_path / "big.gif", screen_only(65535, 65535), 600, HOSTILE_CALLS, ["MemoryError"])
    assert result["probe"] == "ok", result
    assert result["decode"] == result["frames"] == "LimitError", result
    # 4000 frames of 2000 x 2000: each frame is allowed, all of them are not.
    result = run_capped(tmp_path / "many.gif", screen_only(2000, 2000, 4000), 600, HOSTILE_CALLS, ["MemoryError"])
    assert result["probe"] == "ok" and result["decode"] == "ok", result
    assert result["frames"] == "LimitError", result


@pytest.mark.parametrize("path", GIF_SAMPLES[:3], ids=lambda p: p.name)
def test_every_truncation_is_typed_under_a_memory_cap(path, tmp_path):
    data = path.read_bytes()
    for cut in sorted({0, 5, 6, 12, 13, 20, 100, *range(800, len(data), max(1, len(data) // 8))}):
        result = run_capped(tmp_path / "cut.gif", data[:cut], 1500, HOSTILE_CALLS, ["MemoryError"])
        assert not [v for v in result.values() if v.startswith("UNEXPECTED")], (cut, result)
        if cut < 6:
            assert result["decode"] == "UnsupportedFormatError", (cut, result)
        else:
            assert result["decode"] in ("DecodeError", "ok"), (cut, result)


# ---- frames="raw" and mode="P" ----------------------------------------------------


def pillow_raw_frame(path, k):
    """Frame k as stored, decoded by Pillow's own GIF decoder from the tile
    Pillow's parser found (its rectangle and LZW data), before any
    compositing: the independent oracle for frames="raw"."""
    with Image.open(path) as im:
        im.seek(k)
        name, (x0, y0, x1, y1), offset, args = im.tile[0]
        decoder = Image._getdecoder("P", name, args)
        out = Image.new("P", (x1 - x0, y1 - y0))
        decoder.setimage(out.im, (0, 0, x1 - x0, y1 - y0))
        im.fp.seek(offset)
        decoder.decode(im.fp.read())
        return (x0, y0, x1 - x0, y1 - y0), np.asarray(out)


@pytest.mark.parametrize("path", GIF_SAMPLES, ids=lambda p: p.name)
def test_raw_frames_are_each_frames_own_indices(path):
    view, durations = mediaview.decode_frames(path, frames="raw", mode="P")
    stack = np.asarray(view)
    frames = view.obj.frames
    with Image.open(path) as im:
        assert stack.shape == (im.n_frames, im.height, im.width)
    assert len(frames) == len(stack) and [f["delay_ms"] for f in frames] == durations
    for k, f in enumerate(frames):
        rect, oracle = pillow_raw_frame(path, k)
        assert (f["x"], f["y"], f["width"], f["height"]) == rect
        x, y, w, h = rect
        np.testing.assert_array_equal(stack[k, y:y + h, x:x + w], oracle)
        outside = np.ones(stack.shape[1:], bool)
        outside[y:y + h, x:x + w] = False
        assert (stack[k][outside] == 0).all()
        assert f["palette"].shape[1] == 3 and f["disposal"] in (0, 1, 2, 3)
        # frame=k alone is the same slice, with the same fields.
        one = mediaview.decode_image(path, frames="raw", frame=k, mode="P")
        np.testing.assert_array_equal(np.asarray(one), stack[k])
        assert one.obj.frames[0]["x"] == f["x"] and one.obj.frames[0]["disposal"] == f["disposal"]


@pytest.mark.parametrize("path", ANIMATED, ids=lambda p: p.name)
def test_raw_frames_in_colour_are_the_indices_looked_up(path):
    indices, _ = mediaview.decode_frames(path, frames="raw", mode="P")
    rgba, _ = mediaview.decode_frames(path, frames="raw", mode="RGBA")
    idx, px = np.asarray(indices), np.asarray(rgba)
    for k, f in enumerate(indices.obj.frames):
        x, y, w, h = f["x"], f["y"], f["width"], f["height"]
        inside = idx[k, y:y + h, x:x + w]
        palette = np.asarray(f["palette"])
        np.testing.assert_array_equal(px[k, y:y + h, x:x + w, :3], palette[inside])
        alpha = np.where(inside == f["transparency"], 0, 255) if f["transparency"] is not None else 255
        assert (px[k, y:y + h, x:x + w, 3] == alpha).all()
    # The default stays composited, and composited frames are no raw ones.
    composited, _ = mediaview.decode_frames(path, mode="RGBA")
    assert composited.obj.frames is None
    partial = any(f["width"] * f["height"] < idx.shape[1] * idx.shape[2] for f in indices.obj.frames)
    assert np.array_equal(np.asarray(composited), px) != partial


@pytest.mark.parametrize("path", GIF_SAMPLES, ids=lambda p: p.name)
def test_mode_p_is_pillows_first_frame_with_its_palette(path):
    with Image.open(path) as im:
        if im.mode != "P":
            pytest.skip("Pillow reads this grey-ramp GIF as L")
        view = mediaview.decode_image(path, mode="P")
        np.testing.assert_array_equal(np.asarray(view), np.asarray(im))
        palette = np.asarray(view.obj.palette)
        np.testing.assert_array_equal(palette[:, :3].ravel(), im.getpalette())
        t = im.info.get("transparency")
        assert palette.shape[1] == (4 if t is not None else 3)
        if t is not None:
            assert palette[t, 3] == 0 and (np.delete(palette[:, 3], t) == 255).all()
    assert view.obj.mode == "P" and view.format == "B"


def test_mode_p_and_raw_frames_refusals():
    animated = SAMPLES / "astronaut_disposal.gif"
    with pytest.raises(ValueError) as e:
        mediaview.decode_image(animated, mode="P", frame=2)
    assert e.value.argument == "mode" and "frames='raw'" in str(e.value)
    with pytest.raises(ValueError, match="frames='raw'"):
        mediaview.decode_frames(animated, mode="P")
    with pytest.raises(ValueError) as e:
        mediaview.decode_image(animated, frames="everything")
    assert e.value.argument == "frames"
    with pytest.raises(ValueError) as e:
        mediaview.decode_image(animated, mode="P", size=(10, 10))
    assert e.value.argument == "size"
    # Every other codec refuses mode P and frames="raw", naming the option.
    for sample in ("*.jpg", "*.png", "*.webp", "*.avif", "*.jxl"):
        found = sorted(SAMPLES.glob(sample))
        if not found:
            continue
        for option, value in (("mode", "P"), ("frames", "raw")):
            with pytest.raises(ValueError) as e:
                mediaview.decode_image(found[0], **{option: value})
            assert e.value.argument == option and option in str(e.value)
    from mediaview._batch import plan_images

    planned = plan_images([sorted(SAMPLES.glob("*.jpg"))[0]], mode="P")
    assert isinstance(planned[0], ValueError) and planned[0].argument == "mode"


def test_raw_frames_of_a_truncated_animation():
    data = (SAMPLES / "astronaut_disposal.gif").read_bytes()
    cut = data[: len(data) * 2 // 3]
    with pytest.raises(mediaview.DecodeError):
        mediaview.decode_frames(cut, frames="raw")
    with pytest.warns(mediaview.DecodeWarning, match="complete frame"):
        view, _ = mediaview.decode_frames(cut, frames="raw", mode="P", allow_truncated=True)
    whole, _ = mediaview.decode_frames(data, frames="raw", mode="P")
    assert 0 < len(view) < len(whole)
    np.testing.assert_array_equal(np.asarray(view), np.asarray(whole)[: len(view)])


@pytest.mark.parametrize("name", ["chelsea_still.gif", "astronaut_disposal.gif"])
def test_to_pil_of_mode_p_is_pillows_image(name):
    path = SAMPLES / name
    image = mediaview.to_pil(mediaview.decode_image(path, mode="P"))
    with Image.open(path) as im:
        assert image.mode == "P"
        np.testing.assert_array_equal(np.asarray(image.convert("RGBA")), np.asarray(im.convert("RGBA")))


@pytest.mark.parametrize("ext,lossless", [("png", True), ("gif", True), ("bmp", True), ("tif", True), ("webp", False),
                                          ("jpg", False), ("avif", False), ("jxl", False)])
def test_a_mode_p_view_is_written_in_its_colours(tmp_path, ext, lossless):
    # A palette view is indices plus view.obj.palette: every writer gets
    # the colours (a palette where the format keeps one, else RGB), never
    # the indices as grey.
    path = SAMPLES / "chelsea_still.gif"
    with Image.open(path) as im:
        colours = np.asarray(im.convert("RGB")).astype(int)
    out = tmp_path / f"out.{ext}"
    mediaview.write_image(out, mediaview.decode_image(path, mode="P"))
    back = np.asarray(mediaview.decode_image(out, mode="RGB")).astype(int)
    error = np.abs(back - colours)
    assert error.max() == 0 if lossless else error.mean() < 4, (error.max(), error.mean())
