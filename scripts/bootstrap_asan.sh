#!/usr/bin/env bash
# A second virtualenv for the sanitized extension (make test-asan) and the
# atheris fuzzer (make fuzz): the build backend, the package dependencies,
# the test extra and atheris.
# The Debian side (clang, libclang-rt-14-dev, llvm) comes from bootstrap.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv-asan}
PYTHON=${PYTHON:-python3}

if [[ ! -x "$VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" - <<'PY' > "$VENV/requirements.txt"
import tomllib
with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)
# The package's own dependencies too (tqdm, Pillow): the install into this
# venv builds without isolation and does not resolve them.
deps = project["project"].get("dependencies", [])
for req in project["build-system"]["requires"] + deps + project["project"]["optional-dependencies"]["test"]:
    print(req)
print("cmake")
print("ninja")
print("atheris>=2.3")
PY
"$VENV/bin/python" -m pip install -q -r "$VENV/requirements.txt"
echo "bootstrap-asan: ready ($VENV)"
