"""The architecture's promises: a decoded view describes itself (view.obj),
one atomic writer serves images and audio, and the layers depend only
downwards (src/ names no codec and no Python; the table is the only list of
codecs; the Python package and the CLI name none)."""

from __future__ import annotations

import ast
import io
import os
import re
import stat
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageCms

import mediaview
from conftest import ROOT, SAMPLES

# ---- the view describes itself ----------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "BGR", "RGBA", "BGRA", "RGBX", "L"])
def test_view_obj_mode_for_every_mode(mode):
    view = mediaview.decode_image(SAMPLES / "chelsea_420.jpg", mode=mode)
    assert view.obj.mode == mode
    assert view.obj.samplerate is None


def test_cmyk_and_own_layout_modes():
    assert mediaview.decode_image(SAMPLES / "chelsea_cmyk.jpg", mode="CMYK").obj.mode == "CMYK"
    # mode=None: the file's own layout.
    assert mediaview.decode_image(SAMPLES / "chelsea_cmyk.jpg", mode=None).obj.mode == "CMYK"
    assert mediaview.decode_image(SAMPLES / "camera_gray.jpg", mode=None).obj.mode == "L"
    assert mediaview.decode_image(SAMPLES / "chelsea_420.jpg", mode=None).obj.mode == "RGB"


def test_the_description_survives_slicing_and_numpy():
    view = mediaview.decode_image(SAMPLES / "chelsea_420.jpg", mode="BGR")
    sliced = view[10:20]
    assert sliced.obj is view.obj and sliced.obj.mode == "BGR"
    assert np.asarray(view).base.obj.mode == "BGR"  # numpy's array keeps the exporter


@pytest.mark.parametrize("ext", ["png", "jpg", "tiff"])
def test_bgr_view_is_written_in_the_right_colours_without_mode(tmp_path, ext):
    rgb = np.asarray(mediaview.decode_image(SAMPLES / "astronaut_444.jpg", mode="RGB"))
    bgr = mediaview.decode_image(SAMPLES / "astronaut_444.jpg", mode="BGR")
    mediaview.write_image(tmp_path / f"o.{ext}", bgr, quality=95) if ext == "jpg" else \
        mediaview.write_image(tmp_path / f"o.{ext}", bgr)
    with Image.open(tmp_path / f"o.{ext}") as im:
        back = np.asarray(im.convert("RGB")).astype(int)
    if ext == "jpg":
        assert np.abs(back - rgb).mean() < 3  # lossy, but red and blue not swapped
        assert np.abs(back - rgb[..., ::-1]).mean() > 20
    else:
        assert np.array_equal(back, rgb)


def test_cmyk_view_is_written_as_cmyk_without_mode(tmp_path):
    cmyk = mediaview.decode_image(SAMPLES / "chelsea_cmyk.jpg", mode="CMYK")
    mediaview.write_image(tmp_path / "c.tiff", cmyk)  # not taken for RGBA
    with Image.open(tmp_path / "c.tiff") as im:
        assert im.mode == "CMYK" and np.array_equal(np.asarray(im), np.asarray(cmyk))
    data = mediaview.encode_jpeg(cmyk, quality=95)
    assert mediaview.probe(data).colorspace == "YCCK"
    with Image.open(io.BytesIO(data)) as im:
        assert im.mode == "CMYK"
    # A plain array says nothing: 4 channels default to RGBA as before.
    assert mediaview.probe(mediaview.encode_jpeg(np.asarray(cmyk))).colorspace == "YCbCr"
    # to_pil reads the description too.
    assert mediaview.to_pil(cmyk).mode == "CMYK"


def _jpeg_with_icc_and_exif(orientation: int) -> tuple:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "mediaview test camera"  # Make
    with Image.open(SAMPLES / "chelsea_420.jpg") as im:
        out = io.BytesIO()
        im.save(out, "JPEG", quality=90, icc_profile=icc, exif=exif.tobytes())
    return out.getvalue(), icc, exif.tobytes()


def test_icc_and_exif_bytes_are_on_the_view():
    data, icc, exif = _jpeg_with_icc_and_exif(6)
    view = mediaview.decode_image(data)
    assert view.obj.icc == icc
    # Pillow writes the EXIF block with its "Exif\0\0" prefix; the view has
    # the TIFF structure, as PNG's eXIf and WebP's EXIF chunks hold it.
    assert view.obj.exif == exif[6:] if exif.startswith(b"Exif\0\0") else view.obj.exif == exif
    assert mediaview.probe(data).has_icc
    plain = mediaview.decode_image(SAMPLES / "chelsea_420.jpg")
    assert plain.obj.icc is None and plain.obj.exif is None


def _orientation_of(exif_tiff: bytes) -> int:
    tags = Image.Exif()
    tags.load(b"Exif\0\0" + exif_tiff)
    return tags.get(0x0112, 1)


def test_an_upright_view_says_orientation_1_and_keeps_the_rest():
    data, _, _ = _jpeg_with_icc_and_exif(6)
    stored = mediaview.decode_image(data)
    upright = mediaview.decode_image(data, orient=True)
    assert _orientation_of(stored.obj.exif) == 6
    assert _orientation_of(upright.obj.exif) == 1
    tags = Image.Exif()
    tags.load(b"Exif\0\0" + upright.obj.exif)
    assert tags[0x010F] == "mediaview test camera"


def test_write_image_carries_icc_and_exif(tmp_path):
    data, icc, _ = _jpeg_with_icc_and_exif(6)
    mediaview.write_image(tmp_path / "kept.jpg", mediaview.decode_image(data, orient=True))
    with Image.open(tmp_path / "kept.jpg") as im:
        assert im.info.get("icc_profile") == icc
        assert im.getexif()[0x0112] == 1  # the pixels were rotated: the tag says so
        assert im.getexif()[0x010F] == "mediaview test camera"
    mediaview.write_image(tmp_path / "as_stored.jpg", mediaview.decode_image(data))
    with Image.open(tmp_path / "as_stored.jpg") as im:
        assert im.getexif()[0x0112] == 6  # not rotated: viewers still rotate it


def test_audio_view_carries_its_samplerate(tmp_path):
    samples, rate = mediaview.read_audio(SAMPLES / "music_stereo.flac")
    assert samples.obj.samplerate == rate == 11025 and samples.obj.mode is None
    mediaview.write_audio(tmp_path / "a.wav", samples)  # no samplerate needed
    back, back_rate = mediaview.read_audio(tmp_path / "a.wav")
    assert back_rate == 11025 and np.allclose(np.asarray(back), np.asarray(samples), atol=1 / 32768)
    with pytest.raises(TypeError, match="samplerate"):
        mediaview.write_audio(tmp_path / "b.wav", np.zeros(10, np.float32))
    block = next(iter(mediaview.stream_audio(SAMPLES / "music_stereo.flac", 1024)))
    assert block.obj.samplerate == 11025


# ---- one atomic writer ----------------------------------------------------------------


def _writers(tmp_path):
    view = mediaview.decode_image(SAMPLES / "chelsea_420.jpg")
    audio, rate = mediaview.read_audio(SAMPLES / "music_stereo.flac")
    return {
        "image": lambda path, **kw: mediaview.write_image(path.with_suffix(".png"), view, **kw),
        "audio": lambda path, **kw: mediaview.write_audio(path.with_suffix(".wav"), audio, rate, **kw),
    }


@pytest.mark.parametrize("kind", ["image", "audio"])
def test_new_files_honour_the_umask(tmp_path, kind):
    # The writer reads the umask once at import: set it before, in a child.
    code = f"""
import os, sys
os.umask(0o027)
import mediaview
if {kind!r} == "image":
    mediaview.write_image(sys.argv[1] + ".png", mediaview.decode_image({str(SAMPLES / "chelsea_420.jpg")!r}))
else:
    a, r = mediaview.read_audio({str(SAMPLES / "music_stereo.flac")!r})
    mediaview.write_audio(sys.argv[1] + ".wav", a, r)
"""
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "new")], check=True, timeout=60)
    made = next(tmp_path.iterdir())
    assert stat.S_IMODE(made.stat().st_mode) == 0o640


@pytest.mark.parametrize("kind", ["image", "audio"])
def test_overwriting_keeps_the_permission_bits(tmp_path, kind):
    target = tmp_path / ("old.png" if kind == "image" else "old.wav")
    target.write_bytes(b"previous")
    os.chmod(target, 0o600)
    _writers(tmp_path)[kind](tmp_path / "old")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes() != b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


@pytest.mark.parametrize("kind", ["image", "audio"])
def test_overwrite_false_refuses_on_both(tmp_path, kind):
    target = tmp_path / ("old.png" if kind == "image" else "old.wav")
    target.write_bytes(b"previous")
    with pytest.raises(FileExistsError):
        _writers(tmp_path)[kind](tmp_path / "old", overwrite=False)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


# ---- the layers ------------------------------------------------------------------------

def _sources(folder):
    return [p for p in (ROOT / folder).rglob("*") if p.suffix in (".cpp", ".hpp", ".py")]


def test_the_core_includes_no_codec_and_no_python():
    for path in _sources("src"):
        text = path.read_text()
        assert not re.search(r'#include\s+[<"](decoders/|Python\.h|pybind11)', text), path


def test_codecs_include_no_python_and_no_bindings():
    for path in _sources("decoders"):
        text = path.read_text()
        assert not re.search(r'#include\s+[<"](Python\.h|pybind11|python/)', text), path


def test_the_table_is_the_only_list_of_codecs():
    codec_headers = {p.relative_to(ROOT).as_posix() for p in (ROOT / "decoders").glob("*/*_codec.hpp")}
    assert codec_headers, "no codec headers found"
    for path in _sources("src") + _sources("decoders") + _sources("python"):
        if path.name == "table.cpp":
            continue
        text = path.read_text()
        folder = path.relative_to(ROOT).parts
        for header in codec_headers:
            own = folder[0] == "decoders" and folder[1] == header.split("/")[1]
            if not own:
                assert f'"{header}"' not in text, (path, header)
    table = (ROOT / "decoders" / "table.cpp").read_text()
    for header in codec_headers:
        assert f'"{header}"' in table, header


def _code_strings(path) -> set:
    """Every string literal in a module's code (docstrings left out: they
    may give examples)."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return {n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings}


def test_the_python_package_and_the_cli_name_no_codec():
    names = {d["name"] for d in mediaview.decoders()}
    # The codecs' names, the formats and extensions they are known by, and
    # the magic bytes the CLI used to sniff with.
    words = names | {"jpg", "png", "webp", "flac", "wav", "mp3", "ogg", "oga", "opus", "tiff", "bmp",
                     "pcm_16", "pcm_24", "vorbis", "libjpeg", "libsndfile", "libspng"}
    allowed = {"_encode.py": {"jpeg"}}  # encode_jpeg: the first round's name, a one-line wrapper
    for path in (ROOT / "python" / "mediaview").rglob("*.py"):
        found = {text.lower().lstrip(".") for text in _code_strings(path)} & words
        found |= {"jpeg magic" for text in _code_strings(path) if "\xff\xd8" in text}
        assert found <= allowed.get(path.name, set()), (path.name, found)


# ---- the package's shape ------------------------------------------------------------------

PACKAGE = ROOT / "python" / "mediaview"


def _module_name(path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path) -> set:
    """The mediaview modules a module imports (absolute or relative), at any depth of its code."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("mediaview"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("mediaview"))
    return found


def test_the_package_has_no_import_circle():
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: {t for t in _imports(path) if t in modules and t != name} for name, path in modules.items()}
    # The package's __init__ re-exports its submodules: an import of
    # "mediaview" from inside is an import of the public API, not a cycle
    # through a sibling (each submodule is loaded before it is used).
    for name in graph:
        graph[name].discard("mediaview")
    state: dict = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", "import circle: " + " -> ".join(trail + [node])
        state[node] = "open"
        for nxt in sorted(graph[node]):
            visit(nxt, trail + [node])
        state[node] = "done"

    for name in sorted(graph):
        visit(name, [])


def test_no_python_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long


def test_the_cli_calls_no_private_core_function():
    for path in (PACKAGE / "cli").glob("*.py"):
        assert "_core" not in path.read_text(), path.name
