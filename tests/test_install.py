"""The plain (non-editable) install: a wheel built by scikit-build-core into a
fresh virtual environment, used from outside the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import venv

import pytest

from conftest import ROOT, SAMPLES


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # The build backend comes from PyPI through pip's build isolation, exactly
    # as for any user; the build directory is the wheel's own (not build/).
    result = subprocess.run(
        [python, "-m", "pip", "install", "-q", str(ROOT), "-Cbuild-dir="],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return env_dir


def test_import_from_outside_the_source_tree(installed, tmp_path):
    python = installed / "bin" / "python"
    code = (
        "import mediaview, sys; "
        "v = mediaview.decode_image(sys.argv[1]); "
        "print(mediaview.__file__); print(v.shape, v.format)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([python, "-c", code, str(SAMPLES / "chelsea_420.jpg")], capture_output=True,
                            text=True, cwd=tmp_path, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    module_file, shape = result.stdout.splitlines()
    assert module_file.startswith(str(installed)), module_file
    assert shape == "(300, 451, 3) B"


def test_console_script(installed, tmp_path):
    script = installed / "bin" / "mediaview"
    assert script.exists()
    result = subprocess.run([script, "info", str(SAMPLES / "rocket_orient6.jpg")], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0 and "orientation 6" in result.stdout
    out = tmp_path / "r.png"
    assert subprocess.run([script, "convert", str(SAMPLES / "rocket_orient6.jpg"), str(out)], cwd=tmp_path,
                          timeout=60).returncode == 0
    assert out.stat().st_size > 0
