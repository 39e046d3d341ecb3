from __future__ import annotations

from pathlib import Path

import pytest

# mediaview first: python-soundfile ships its own libsndfile with the same
# soname, and whichever is loaded first serves both. Importing mediaview
# before soundfile keeps Debian's libsndfile 1.2.0 in mediaview and
# soundfile's bundled 1.2.2 in the oracle, so the two stay independent
# (test_audio checks the versions).
import mediaview  # noqa: E402,F401  (import order matters, see above)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CORPUS = ROOT.parent / "shared" / "corpus"

JPEG_SAMPLES = sorted(SAMPLES.glob("*.jpg"))
COLOR_SAMPLES = [p for p in JPEG_SAMPLES if "cmyk" not in p.name and "gray" not in p.name]


def corpus_dir(name: str) -> Path:
    """A folder of ../shared/corpus, or a skip when the shared folder is absent."""
    path = CORPUS / name
    if not path.is_dir():
        pytest.skip(f"conformance corpus not available: {path} is absent (expected at ../shared/corpus)")
    return path


def corpus_files(name: str, pattern: str) -> list:
    """Parametrize values for corpus files; one skipped case when absent."""
    path = CORPUS / name
    files = sorted(path.glob(pattern)) if path.is_dir() else []
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"conformance corpus absent: {path}"))]
    return [pytest.param(f, id=f.name) for f in files]
