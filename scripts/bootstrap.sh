#!/usr/bin/env bash
# Sets up everything mediaview needs on a fresh Debian bookworm machine:
# the C libraries and build tools from apt, then a project virtualenv with the
# build backend and the test/bench/dask/fuzz/wheel extras from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv}
PYTHON=${PYTHON:-python3}

# libswscale-dev: resize on load (size=). libavformat-dev, libavcodec-dev: the
# headers of the FFmpeg audio codec (decoders/ffmpeg, dlopen'ed at run time:
# the -dev packages bring the libraries); ffmpeg(1): its tests' oracle and
# the maker of its samples.
# flac(1): a reference decoder the tests use as an oracle; webp's dwebp(1) likewise
# for libwebp's scaled decodes, which Pillow cannot make.
# libgif-dev (no pkg-config file: CMake finds it by name), libtiff-dev: GIF and TIFF; libtiff-tools:
# tiffcp makes the test TIFFs of each compression (scripts/make_tiff_samples.py).
# liblcms2-dev: colour conversion on decode (colorspace=); liblcms2-utils (tificc) the tests' oracle;
# colord-data, icc-profiles-free, libgs-common: the ICC profiles of the colour samples, tests and fuzz seeds.
# libavif-dev, libjxl-dev: AVIF and JPEG XL (linked); libheif-dev: HEIF's headers only
# (libheif1 is opened at run time, never linked: Debian builds it with x265, GPL).
# Samples and oracles for them: ffmpeg and heif-enc (libheif-examples) write AVIF/HEIC,
# cjxl/djxl (libjxl-tools) write and read JPEG XL.
# clang, its sanitizer/libFuzzer runtimes and llvm-symbolizer: make test-asan and make fuzz.
APT_PACKAGES=(pkg-config ninja-build g++ libturbojpeg0-dev libjpeg62-turbo-dev libsndfile1-dev libspng-dev libdeflate-dev libsoxr-dev
              libwebp-dev libflac-dev libgif-dev libtiff-dev libtiff-tools libswscale-dev libavformat-dev libavcodec-dev ffmpeg libgtest-dev webp flac clang libclang-rt-14-dev llvm
              liblcms2-dev liblcms2-utils colord-data icc-profiles-free libgs-common
              libavif-dev libjxl-dev libheif-dev libheif1 libheif-examples libjxl-tools)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: missing Debian packages; run as root:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
# The build backend itself (read from pyproject.toml), so that builds can run
# without isolation and reuse the incremental build directory.
build_requires=$("$VENV/bin/python" - <<'PY'
import tomllib
with open("pyproject.toml", "rb") as f:
    print(" ".join(tomllib.load(f)["build-system"]["requires"]))
PY
)
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install -q $build_requires cmake ninja
"$VENV/bin/python" - <<'PY' > "$VENV/extras.txt"
import tomllib
with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)["project"]
# The package's own dependencies too: the editable install runs with --no-deps.
for req in project.get("dependencies", []):
    print(req)
extras = project["optional-dependencies"]
for name in ("test", "bench", "dask", "fuzz", "wheel"):
    for req in extras[name]:
        print(req)
PY
"$VENV/bin/python" -m pip install -q -r "$VENV/extras.txt"
echo "bootstrap: ready ($VENV)"
