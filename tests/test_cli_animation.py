"""Animations through the CLI and write_frames (issue 26): every frame and
its duration survive a conversion to a format that stores animations (WebP,
GIF, APNG, AVIF, through Pillow's multi-frame writers); any other output
gets the first frame, and the run says so once. Read back by Pillow (an
independent decoder) and by decode_frames."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import SAMPLES

ANIMATIONS = [SAMPLES / "coffee_animated.webp", SAMPLES / "coffee_animated.gif"]


def run(*args):
    return subprocess.run([sys.executable, "-m", "mediaview", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def pillow_frames(path):
    """(frames as RGBA arrays, durations) as Pillow reads them."""
    frames, durations = [], []
    with Image.open(path) as im:
        for i in range(im.n_frames):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGBA")))
            durations.append(int(im.info.get("duration", 0)))
    return frames, durations


def visible_difference(a, b, lossy: bool) -> float:
    """The largest colour difference (lossy: the mean) where both frames are not fully transparent."""
    a, b = np.asarray(a, dtype=int), np.asarray(b, dtype=int)
    if a.shape[-1] == 3:
        a = np.concatenate([a, np.full(a.shape[:-1] + (1,), 255)], -1)
    seen = (a[..., 3] > 0) & (b[..., 3] > 0)
    diff = np.abs(a[..., :3] - b[..., :3])[seen]
    return float(diff.mean() if lossy else diff.max()) if seen.any() else 0.0


@pytest.mark.parametrize("src", ANIMATIONS, ids=lambda p: p.suffix)
@pytest.mark.parametrize("ext,extra,tolerance", [("webp", ["--lossless"], 0), ("png", [], 0), ("gif", [], 6),
                                                 ("webp", [], 6)])  # lossy: the mean difference
def test_an_animation_keeps_every_frame_and_duration(tmp_path, src, ext, extra, tolerance):
    expected, durations = mediaview.decode_frames(src)
    out = tmp_path / f"out.{ext}"
    result = run("convert", src, out, *extra)
    assert result.returncode == 0, result.stderr
    assert f"{len(durations)} frames" in result.stdout and "note" not in result.stderr
    frames, got_durations = pillow_frames(out)
    assert len(frames) == len(durations) > 1 and got_durations == list(durations)
    for i, frame in enumerate(frames):
        assert visible_difference(np.asarray(expected)[i], frame, tolerance > 0) <= tolerance, i


def test_our_decoder_reads_the_written_webp_animation_back(tmp_path):
    src = SAMPLES / "coffee_animated.gif"
    out = tmp_path / "out.webp"
    assert run("convert", src, out, "--lossless").returncode == 0
    frames, durations = mediaview.decode_frames(out)
    expected, expected_durations = mediaview.decode_frames(src)
    assert durations == expected_durations and frames.shape[:3] == expected.shape[:3]
    assert mediaview.probe(out).as_dict()["frames"] == len(durations)


def test_a_format_without_animation_gets_the_first_frame_and_one_note_per_run(tmp_path):
    result = run("convert", *ANIMATIONS, SAMPLES / "camera_pages.tif", SAMPLES / "chelsea_420.jpg", "-o",
                 tmp_path / "a", "--to", "jpg")
    assert result.returncode == 2  # both animations are coffee_animated.*: a name clash, caught first
    folder = tmp_path / "in"
    folder.mkdir()
    for i, src in enumerate(ANIMATIONS + [SAMPLES / "camera_pages.tif", SAMPLES / "chelsea_420.jpg"]):
        (folder / f"in{i}{src.suffix}").write_bytes(src.read_bytes())
    result = run("convert", folder, "-o", tmp_path / "out", "--to", "jpg", "-j", "2")
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "note:" in line]
    assert len(notes) == 2, result.stderr  # one for the animations, one for the pages
    assert "first frame of 2 inputs" in notes[0] and "jpg stores no animation" in notes[0]
    assert "in0.webp: 6" in notes[0] and "in1.gif: 6" in notes[0]
    assert "first page of 1 input of several pages (in2.tif: 3)" in notes[1]
    # Pages are not an animation: a PNG output (which stores animations) still gets the first page, and says so.
    pages = run("convert", SAMPLES / "camera_pages.tif", tmp_path / "pages.png")
    assert pages.returncode == 0 and "first page of 1 input" in pages.stderr
    with Image.open(tmp_path / "out" / "in1.jpg") as im:
        first = np.asarray(mediaview.decode_image(folder / "in1.gif"))
        assert np.abs(np.asarray(im.convert("RGB"), dtype=int) - first[..., :3]).mean() < 4
    assert "note" not in run("convert", folder, "-o", tmp_path / "q", "--to", "jpg", "-q").stderr


def test_a_still_image_is_not_an_animation(tmp_path):
    result = run("convert", SAMPLES / "chelsea_still.gif", tmp_path / "x.webp")
    assert result.returncode == 0 and "frames" not in result.stdout and "note" not in result.stderr
    with Image.open(tmp_path / "x.webp") as im:
        assert getattr(im, "n_frames", 1) == 1


# ---- write_frames, the API ------------------------------------------------------------

def test_write_frames_to_a_path_and_a_file_object(tmp_path):
    frames, durations = mediaview.decode_frames(SAMPLES / "coffee_animated.webp")
    mediaview.write_frames(tmp_path / "x.gif", frames, durations, loop=3)
    buffer = io.BytesIO()
    mediaview.write_frames(buffer, frames, durations, format="png")
    for source in (tmp_path / "x.gif", io.BytesIO(buffer.getvalue())):
        got, got_durations = pillow_frames(source)
        assert len(got) == 6 and got_durations == list(durations)
    with Image.open(tmp_path / "x.gif") as im:
        assert im.info["loop"] == 3


def test_write_frames_refuses_what_it_cannot_keep(tmp_path):
    frames, durations = mediaview.decode_frames(SAMPLES / "coffee_animated.webp")
    with pytest.raises(ValueError, match="JPEG stores no animation"):
        mediaview.write_frames(tmp_path / "x.jpg", frames, durations)
    with pytest.raises(ValueError, match="6 frames but 5 durations"):
        mediaview.write_frames(tmp_path / "x.gif", frames, durations[:5])
    with pytest.raises(TypeError, match="takes no option 'qualty'"):
        mediaview.write_frames(tmp_path / "x.gif", frames, durations, qualty=3)
    with pytest.raises(ValueError, match="needs format="):
        mediaview.write_frames(io.BytesIO(), frames, durations)
    assert list(tmp_path.iterdir()) == []
