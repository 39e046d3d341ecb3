"""The README's "PyTorch" and "imageio" sections run as written: every
```python block of a section is executed in order, in one namespace, in a
folder holding the files the examples name (made from samples/)."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import ROOT, SAMPLES

pytestmark = pytest.mark.filterwarnings("ignore:'pin_memory' argument is set as true:UserWarning")

# The names the examples use, and the sample each is.
FILES = {
    "photo.jpg": "chelsea_420.jpg",
    "photos/a.jpg": "astronaut_444.jpg",
    "photos/b.jpg": "coffee_422.jpg",
    "photos/c.jpg": "rocket_orient6.jpg",
    "photos/d.jpg": "astronaut_progressive.jpg",
    "animation.webp": "coffee_animated.webp",
    "speech.wav": "speech_mono.wav",
    "music.flac": "music_stereo.flac",
}


def section_code(title: str) -> list:
    """The ```python blocks of the README section headed ``## title``."""
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return re.findall(r"^```python\n(.*?)^```", match.group(1), re.S | re.M)


@pytest.fixture
def example_folder(tmp_path, monkeypatch):
    for name, sample in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLES / sample, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("title,module", [("PyTorch", "torch"), ("imageio", "imageio")])
def test_readme_section_runs(title, module, example_folder):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install mediaview[{module}])")
    blocks = section_code(title)
    assert len(blocks) >= (6 if module == "torch" else 1)
    namespace = {"__name__": "readme_example"}
    for block in blocks:
        exec(compile(block, f"README.md ({title})", "exec"), namespace)
    if module == "imageio":
        assert (example_folder / "copy.png").is_file()
