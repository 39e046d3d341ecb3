"""The command-line tool, run as a subprocess like a user would."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageOps

import mediaview
from conftest import SAMPLES


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mediaview", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_info_text_and_json():
    files = [SAMPLES / "rocket_orient6.jpg", SAMPLES / "camera_gray.jpg"]
    text = run("info", *files)
    assert text.returncode == 0 and text.stderr == ""
    assert "427x640" in text.stdout and "orientation 6" in text.stdout and "gray" in text.stdout
    doc = json.loads(run("info", "--json", *files).stdout)
    assert [d["path"] for d in doc] == [str(f) for f in files]
    for entry, path in zip(doc, files):
        assert entry == {**mediaview.probe(path).as_dict(), "path": str(path), "kind": "image", "format": "jpeg"}


def test_info_reports_a_bad_file_and_exits_1(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    result = run("info", SAMPLES / "chelsea_420.jpg", bad)
    assert result.returncode == 1
    assert "bad.jpg" in result.stderr and "UnsupportedFormatError" in result.stderr
    assert "451x300" in result.stdout


def test_convert_jpeg_to_png_equals_pillow(tmp_path):
    out = tmp_path / "chelsea.png"
    result = run("convert", SAMPLES / "chelsea_420.jpg", out)
    assert result.returncode == 0, result.stderr
    with Image.open(out) as png, Image.open(SAMPLES / "chelsea_420.jpg") as jpg:
        assert png.format == "PNG" and np.array_equal(np.asarray(png), np.asarray(jpg))


def test_convert_orients_by_default_and_takes_decode_options(tmp_path):
    src = SAMPLES / "rocket_orient6.jpg"
    with Image.open(src) as im:
        upright = np.asarray(ImageOps.exif_transpose(im))
    run("convert", src, tmp_path / "a.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png")), upright)
    run("convert", src, tmp_path / "b.png", "--no-orient")
    assert np.asarray(Image.open(tmp_path / "b.png")).shape == (640, 427, 3)
    run("convert", src, tmp_path / "c.bmp", "--crop", "10,20,100,50", "--mode", "L")
    expected = np.asarray(mediaview.decode_image(src, mode="L", orient=True))[20:70, 10:110]
    assert np.array_equal(np.asarray(Image.open(tmp_path / "c.bmp")), expected)
    run("convert", src, tmp_path / "d.tiff", "--scale", "1/4")
    assert Image.open(tmp_path / "d.tiff").size == (160, 107)


def test_convert_refuses_to_overwrite_without_the_flag(tmp_path):
    out = tmp_path / "x.png"
    out.write_bytes(b"keep me")
    result = run("convert", SAMPLES / "chelsea_420.jpg", out)
    assert result.returncode == 2 and "--overwrite" in result.stderr
    assert out.read_bytes() == b"keep me"
    assert run("convert", SAMPLES / "chelsea_420.jpg", out, "--overwrite").returncode == 0
    assert Image.open(out).size == (451, 300)


def test_usage_errors_exit_2_before_decoding(tmp_path):
    assert run("convert", SAMPLES / "chelsea_420.jpg", tmp_path / "x.xyz").returncode == 2
    assert run("convert", SAMPLES / "chelsea_420.jpg", tmp_path / "no" / "dir.png").returncode == 2
    assert run("convert", SAMPLES / "chelsea_420.jpg", tmp_path / "x.png", "--crop", "1,2").returncode == 2
    assert run("frobnicate").returncode == 2
    assert run("--help").returncode == 0 and "exit status" in run("--help").stdout


def test_failed_convert_leaves_no_output_or_temporary(tmp_path):
    src = tmp_path / "broken.jpg"
    src.write_bytes((SAMPLES / "chelsea_420.jpg").read_bytes()[:5000])
    result = run("convert", src, tmp_path / "out.png")
    assert result.returncode == 1 and "truncated" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.jpg"]
