"""The self-contained wheel (issue 15): scripts/build_wheel.py, the script
`make wheel` runs, builds and repairs it once per session; it is installed
into a fresh virtual environment and used from outside the source tree.

- It decodes a JPEG, a PNG (when a PNG codec exists), a FLAC and an MP3, and
  gives what the in-tree build gives.
- The dynamic loader's view (ldd on the extension, /proc/self/maps of a
  process that decoded every format): every shared library the extension
  brings in is the wheel's own copy in mediaview.libs/, except the ones the
  wheel's manylinux policy lets it take from the system (auditwheel's
  lib_whitelist: glibc's, libstdc++, libgcc_s, libz, ...). New codec
  libraries are covered without changing this file.
- python-soundfile imported first, then mediaview: each runs its own
  libsndfile (versions and mappings), and both decode as each does alone.
- The Debian copyright file of every bundled library is installed with it.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import venv
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import mediaview
from conftest import ROOT, SAMPLES

AUDIO = [SAMPLES / "music_stereo.flac", SAMPLES / "music_stereo.mp3"]
JPEG = SAMPLES / "chelsea_420.jpg"

# Runs in the fresh venv, with -I (no script folder, no PYTHON* variables on
# sys.path) from a temporary folder. argv: the order of imports
# ("mediaview", "soundfile" or "soundfile,mediaview"), a folder for the
# decoded arrays, the JPEG, then audio files. Prints one JSON report.
PROBE = r'''
import json, os, sys
import numpy as np
from PIL import Image

order, out, jpeg, *audio = sys.argv[1:]
heic = os.path.join(os.path.dirname(jpeg), "chelsea.heic")

def mapped():
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(None, 5)
            if len(fields) == 6 and ".so" in os.path.basename(fields[5].strip()):
                libs.add(fields[5].strip())
    return libs

report = {"stdlib": os.path.realpath(os.path.dirname(os.__file__))}
for name in order.split(","):
    if name == "soundfile":
        import soundfile
        report["soundfile_version"] = soundfile.__libsndfile_version__
        report["soundfile_file"] = soundfile.__file__
        for i, path in enumerate(audio):
            data, rate = soundfile.read(path, dtype="float32")
            np.save(os.path.join(out, f"soundfile_{i}.npy"), data)
    elif name == "mediaview":
        # The GPL libraries the wheel never bundles are opened at run time
        # from the system where installed (FFmpeg for audio in MP4 and
        # friends and for resizing, libheif for HEIC): what they map is the
        # system's, so they are mapped before the snapshot.
        import ctypes
        for soname in ("libavutil.so.57", "libavcodec.so.59", "libavformat.so.59", "libswscale.so.6",
                       "libheif.so.1"):
            try:
                ctypes.CDLL(soname)
            except OSError:
                pass
        before = mapped()
        import mediaview
        report["mediaview_file"] = mediaview.__file__
        report["decoders"] = mediaview.decoders()
        np.save(os.path.join(out, "jpeg.npy"), np.asarray(mediaview.decode_image(jpeg)))
        png_codecs = [d["name"] for d in report["decoders"] if "png" in d["extensions"]]
        if png_codecs:
            png = os.path.join(out, "probe.png")
            y, x = np.mgrid[0:23, 0:37]
            pixels = np.stack([x * 7, y * 11, (x + y) * 3], axis=-1).astype(np.uint8)
            Image.fromarray(pixels).save(png)
            decoded = np.asarray(mediaview.decode_image(png))
            report["png"] = {"codecs": png_codecs, "shape": list(decoded.shape),
                             "equal": bool(np.array_equal(decoded, pixels))}
        # AVIF and JPEG XL (libavif with dav1d/aom, libjxl: bundled) written
        # and read back by the wheel; HEIF only where libheif1 is installed.
        y, x = np.mgrid[0:24, 0:40]
        pixels = np.stack([x * 6, y * 10, (x + y) * 3], axis=-1).astype(np.uint8)
        modern = {}
        for fmt, options in (("avif", {"quality": 90}), ("jxl", {"lossless": True})):
            decoded = np.asarray(mediaview.decode_image(mediaview.encode_image(pixels, fmt, **options)))
            modern[fmt] = {"shape": list(decoded.shape), "max_error": int(np.abs(decoded.astype(int) - pixels).max())}
        try:
            modern["heif"] = list(np.asarray(mediaview.decode_image(heic)).shape)
        except mediaview.UnsupportedFormatError as e:
            modern["heif"] = str(e)
        report["modern"] = modern
        for i, path in enumerate(audio):
            view, rate = mediaview.read_audio(path, dtype="float32")
            np.save(os.path.join(out, f"mediaview_{i}.npy"), np.asarray(view))
        report["new_libs"] = sorted(mapped() - before)
    else:
        raise SystemExit(f"unknown probe step {name}")
report["libs"] = sorted(mapped())
print(json.dumps(report))
'''


def clean_env() -> dict:
    """No PYTHONPATH (the source tree), no loader overrides."""
    drop = {"PYTHONPATH", "LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONHOME"}
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The repaired wheel, built by the script make wheel runs (build dir
    build/wheel, so a rerun only recompiles what changed)."""
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, ROOT / "scripts" / "build_wheel.py", "--dist", dist],
                            capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1, (wheels, result.stdout)
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # The wheel, its dependencies (Pillow, tqdm), and what the checks use.
    result = subprocess.run([python, "-m", "pip", "install", "-q", wheel, "soundfile>=0.12", "numpy"],
                            capture_output=True, text=True, timeout=600, env=clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    return env_dir


@pytest.fixture(scope="module")
def site_packages(installed) -> Path:
    python = installed / "bin" / "python"
    out = subprocess.run([python, "-I", "-c", "import sysconfig; print(sysconfig.get_path('platlib'))"],
                         capture_output=True, text=True, check=True, env=clean_env())
    return Path(os.path.realpath(out.stdout.strip()))


@pytest.fixture(scope="module")
def libs_dir(site_packages) -> Path:
    path = site_packages / "mediaview.libs"
    assert path.is_dir(), f"the wheel installed no mediaview.libs/ in {site_packages}"
    return path


@pytest.fixture(scope="module")
def probe(installed, tmp_path_factory):
    """probe(order) -> (report, folder of the arrays it decoded); once per order."""
    cache = {}

    def run(order: str):
        if order not in cache:
            folder = tmp_path_factory.mktemp(order.replace(",", "_then_"))
            script = folder / "probe.py"
            script.write_text(PROBE)
            result = subprocess.run([installed / "bin" / "python", "-I", script, order, folder, JPEG, *AUDIO],
                                    capture_output=True, text=True, cwd=folder, env=clean_env(), timeout=120)
            assert result.returncode == 0, result.stderr
            cache[order] = (json.loads(result.stdout), folder)
        return cache[order]

    return run


def system_libraries(wheel: Path) -> set:
    """The sonames the wheel's manylinux policy lets it take from the system
    (auditwheel's lib_whitelist for the tag auditwheel gave it), plus the
    loader and the vDSO."""
    tag = re.search(r"-(manylinux_\d+_\d+)_x86_64\.whl$", wheel.name)
    assert tag, f"not a manylinux wheel: {wheel.name}"
    policies = json.loads((resources.files("auditwheel.policy") / "manylinux-policy.json").read_text())
    policy = [p for p in policies if p["name"] == tag.group(1)]
    assert len(policy) == 1, f"auditwheel has no policy {tag.group(1)}"
    return set(policy[0]["lib_whitelist"]) | {"ld-linux-x86-64.so.2", "linux-vdso.so.1"}


def ldd(path) -> dict:
    """soname -> path, as the dynamic loader resolves path's dependencies."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True, env=clean_env(), check=True).stdout
    return dict(re.findall(r"^\s*(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$", out, re.MULTILINE))


def is_system(path: str, system: set) -> bool:
    name = os.path.basename(path)
    return any(name == soname or name.startswith(soname + ".") for soname in system)


def test_wheel_is_manylinux_with_a_valid_record(wheel):
    assert re.fullmatch(r"mediaview-[\w.]+-cp\d+-cp\d+-manylinux_2_\d+_x86_64\.whl", wheel.name), wheel.name
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = list(csv.reader(zf.read(record_name).decode().splitlines()))
        listed = {row[0]: row for row in rows}
        assert set(listed) == set(names)
        for name in names:
            if name == record_name:
                continue
            data = zf.read(name)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert listed[name][1:] == [f"sha256={digest}", str(len(data))], name
        assert any(re.match(r"mediaview\.libs/libsndfile-[0-9a-f]{8}\.so", n) for n in names)
        assert any(re.match(r"mediaview\.libs/libjpeg-[0-9a-f]{8}\.so", n) for n in names)


def test_import_from_outside_the_source_tree(installed, tmp_path):
    python = installed / "bin" / "python"
    code = (
        "import mediaview, sys; "
        "v = mediaview.decode_image(sys.argv[1]); "
        "print(mediaview.__file__); print(v.shape, v.format)"
    )
    result = subprocess.run([python, "-c", code, str(SAMPLES / "chelsea_420.jpg")], capture_output=True,
                            text=True, cwd=tmp_path, env=clean_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    module_file, shape = result.stdout.splitlines()
    assert module_file.startswith(str(installed)), module_file
    assert shape == "(300, 451, 3) B"


def test_console_script(installed, tmp_path):
    script = installed / "bin" / "mediaview"
    assert script.exists()
    result = subprocess.run([script, "info", str(SAMPLES / "rocket_orient6.jpg")], capture_output=True, text=True,
                            cwd=tmp_path, env=clean_env(), timeout=60)
    assert result.returncode == 0 and "orientation 6" in result.stdout
    out = tmp_path / "r.png"
    assert subprocess.run([script, "convert", str(SAMPLES / "rocket_orient6.jpg"), str(out)], cwd=tmp_path,
                          env=clean_env(), timeout=60).returncode == 0
    assert out.stat().st_size > 0


def test_decodes_jpeg_flac_mp3_as_the_source_build(probe, installed):
    report, folder = probe("mediaview")
    assert report["mediaview_file"].startswith(str(installed)), report["mediaview_file"]
    # The in-tree build (this process) links the same Debian libraries the wheel bundles.
    assert np.array_equal(np.load(folder / "jpeg.npy"), np.asarray(mediaview.decode_image(JPEG)))
    for i, path in enumerate(AUDIO):
        expected = np.asarray(mediaview.read_audio(path, dtype="float32")[0])
        decoded = np.load(folder / f"mediaview_{i}.npy")
        assert decoded.shape == expected.shape and decoded.shape[0] > 0, path.name
        assert np.array_equal(decoded, expected), path.name


def test_decodes_avif_jxl_and_heif_where_libheif_is(probe):
    modern = probe("mediaview")[0]["modern"]
    assert modern["avif"]["shape"] == [24, 40, 3] and modern["avif"]["max_error"] <= 12, modern
    assert modern["jxl"] == {"shape": [24, 40, 3], "max_error": 0}, modern
    # libheif is never bundled: decoded through the system's libheif1, or the
    # error names it.
    assert modern["heif"] == [300, 451, 3] or "apt-get install libheif1" in modern["heif"], modern


def test_decodes_png(probe):
    report, _ = probe("mediaview")
    if "png" not in report:
        pytest.skip("no PNG codec yet: no entry of mediaview.decoders() lists the extension png")
    assert report["png"]["shape"] == [23, 37, 3], report["png"]
    assert report["png"]["equal"], report["png"]


def test_extension_links_only_the_wheels_libraries(site_packages, libs_dir, wheel):
    """ldd: each library the extension needs resolves into mediaview.libs/
    unless the manylinux policy leaves it to the system."""
    system = system_libraries(wheel)
    extensions = list((site_packages / "mediaview").glob("_core*.so"))
    assert len(extensions) == 1, extensions
    out = subprocess.run(["ldd", extensions[0]], capture_output=True, text=True, env=clean_env(), check=True).stdout
    resolved = ldd(extensions[0])
    assert resolved, out
    assert "not found" not in resolved.values(), out
    bundled = {name: path for name, path in resolved.items() if name not in system}
    assert any(name.startswith("libsndfile-") for name in bundled), out
    for name, path in bundled.items():
        assert re.fullmatch(r"lib.+-[0-9a-f]{8}\.so(\.\d+)*", name), f"{name}: not a hashed soname\n{out}"
        assert Path(os.path.realpath(path)).parent == libs_dir, f"{name} comes from {path}\n{out}"


@pytest.mark.parametrize("order", ["mediaview", "soundfile,mediaview"])
def test_loaded_libraries_come_from_the_wheel(probe, libs_dir, site_packages, wheel, order):
    """/proc/self/maps after importing mediaview and decoding every format:
    every shared object mapped since the import is mediaview's own, the
    wheel's copy of a library, a standard-library module or a system library
    of the manylinux policy; and every bundled library is in use."""
    report, _ = probe(order)
    system = system_libraries(wheel)
    package = site_packages / "mediaview"
    # mediaview's Python code imports standard-library modules (shutil brings
    # in _bz2 and _lzma): they and the system libraries they link are Python's.
    stdlib_modules = [p for p in report["new_libs"] if Path(os.path.realpath(p)).is_relative_to(report["stdlib"])]
    stdlib_deps = {os.path.realpath(path) for module in stdlib_modules for path in ldd(module).values()}
    # What no codec of ours reads (TIFF in this MIT wheel, BMP, ...) is read
    # through Pillow (mediaview/_pil_read.py): its modules and the libraries
    # its own wheel bundles are Pillow's, loaded by Pillow.
    pillow = (site_packages / "PIL", site_packages / "pillow.libs")
    stray = []
    for path in report["new_libs"]:
        real = Path(os.path.realpath(path))
        if real.parent in (libs_dir, package) or str(real) in stdlib_deps or is_system(path, system):
            continue
        if real.parent in pillow:
            continue
        if real.is_relative_to(report["stdlib"]):
            continue
        stray.append(path)
    assert not stray, f"loaded from outside the wheel: {stray}"
    in_use = {Path(os.path.realpath(p)).name for p in report["libs"] if Path(os.path.realpath(p)).parent == libs_dir}
    assert in_use == {p.name for p in libs_dir.iterdir() if ".so" in p.name}


def test_soundfile_first_each_runs_its_own_libsndfile(probe, libs_dir, site_packages):
    alone, alone_dir = probe("mediaview")
    soundfile_alone, soundfile_dir = probe("soundfile")
    both, both_dir = probe("soundfile,mediaview")

    def sndfile_version(report):
        return next(d["library_version"] for d in report["decoders"] if d["name"] == "sndfile")

    # Versions: mediaview keeps the libsndfile it was built and tested with
    # (the in-tree build's, Debian's 1.2.0), soundfile its own bundled one.
    built_with = next(d["library_version"] for d in mediaview.decoders() if d["name"] == "sndfile")
    assert sndfile_version(alone) == sndfile_version(both) == built_with
    assert both["soundfile_version"] == soundfile_alone["soundfile_version"]
    assert both["soundfile_version"] not in built_with, (both["soundfile_version"], built_with)
    # The loader's view: two libsndfile files mapped, one from each package.
    sndfiles = {os.path.realpath(p) for p in both["libs"] if os.path.basename(p).startswith("libsndfile")}
    ours = [p for p in sndfiles if Path(p).parent == libs_dir]
    theirs = [p for p in sndfiles if Path(p).is_relative_to(site_packages / "_soundfile_data")]
    assert len(ours) == 1 and len(theirs) == 1 and len(sndfiles) == 2, sndfiles
    # Results: equal in the shared process to what each gives alone.
    for i, path in enumerate(AUDIO):
        for who, alone_folder in (("mediaview", alone_dir), ("soundfile", soundfile_dir)):
            expected = np.load(alone_folder / f"{who}_{i}.npy")
            got = np.load(both_dir / f"{who}_{i}.npy")
            assert expected.shape[0] > 0
            assert got.shape == expected.shape and np.array_equal(got, expected), (who, path.name)


def test_bundled_licences_are_installed(site_packages, libs_dir):
    dist_info = list(site_packages.glob("mediaview-*.dist-info"))
    assert len(dist_info) == 1, dist_info
    bundled = dist_info[0] / "licenses" / "bundled"
    with open(bundled / "BUNDLED.tsv", newline="") as f:
        rows = {row["library"]: row for row in csv.DictReader(f, delimiter="\t")}
    libraries = {f"mediaview.libs/{p.name}" for p in libs_dir.iterdir() if ".so" in p.name}
    assert libraries and set(rows) == libraries
    for library, row in rows.items():
        copyright_file = dist_info[0] / row["copyright"]
        text = copyright_file.read_text(errors="replace")
        assert "Copyright" in text or "copyright" in text, copyright_file
        assert row["package"] and row["version"], row


def test_the_wheel_bundles_no_gpl_library(libs_dir):
    # The wheel is MIT: Debian's GPL builds are opened at run time where
    # installed (FFmpeg, libheif with x265), and TIFF is left out of the wheel
    # because Debian's libtiff links libjbig (GPL-2+).
    gpl = ("libjbig", "libx265", "libheif", "libavformat", "libavcodec", "libswscale", "libtiff")
    bundled = sorted(p.name for p in libs_dir.iterdir())
    assert not [name for name in bundled if name.startswith(gpl)], bundled


def test_the_wheel_writes_tiff_through_pillow(installed, tmp_path):
    # No libtiff in the wheel: formats() says Pillow writes TIFF, write_image
    # and write_frames (pages) still work, through Pillow.
    code = (
        "import mediaview, sys\n"
        "from PIL import Image\n"
        "(tiff,) = [f for f in mediaview.formats() if 'tif' in f['extensions']]\n"
        "assert tiff['writer'] == 'pillow' and tiff['via'] == 'Pillow' and tiff['can_write'], tiff\n"
        "v = mediaview.decode_image(sys.argv[1])\n"
        "mediaview.write_image('one.tif', v)\n"
        "frames, _ = mediaview.decode_frames(sys.argv[2])\n"
        "mediaview.write_frames('pages.tif', frames)\n"
        "with Image.open('pages.tif') as im: print(Image.open('one.tif').size, im.n_frames)\n"
    )
    result = subprocess.run([installed / "bin" / "python", "-c", code, str(SAMPLES / "chelsea_420.jpg"),
                             str(SAMPLES / "coffee_animated.gif")], capture_output=True, text=True, cwd=tmp_path,
                            env=clean_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    frames = mediaview.probe(SAMPLES / "coffee_animated.gif").as_dict()["frames"]
    assert result.stdout.split() == ["(451,", "300)", str(frames)]
