"""Warning floods (issue 26): a damaged long FLAC, converted block by block,
gives one warning line per file and kind with a count, as the API gives one
warning for the whole read; on -j threads and on Dask workers alike."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
import soundfile as sf

import mediaview
from mediaview.cli.digest import merged

SECONDS = 90  # long enough for a few dozen of the CLI's 65536-frame blocks


@pytest.fixture(scope="module")
def damaged_flac(tmp_path_factory):
    """A 90 s stereo FLAC (a tone in noise), one byte flipped every ~1/250 of the file."""
    root = tmp_path_factory.mktemp("flood")
    n = 44100 * SECONDS
    t = np.arange(n) / 44100
    x = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * np.random.default_rng(1).standard_normal(n)).astype("float32")
    clean = root / "clean.flac"
    sf.write(clean, np.stack([x, x[::-1]], 1), 44100, subtype="PCM_16")
    data = bytearray(clean.read_bytes())
    for pos in range(20000, len(data), len(data) // 250):
        data[pos] ^= 0x55
    damaged = root / "damaged.flac"
    damaged.write_bytes(bytes(data))
    return damaged


def warning_lines(stderr: str):
    return [line for line in stderr.splitlines() if ": warning: " in line]


def test_the_api_warns_once_for_the_whole_read(damaged_flac):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mediaview.read_audio(damaged_flac)
    assert len([w for w in caught if issubclass(w.category, mediaview.DecodeWarning)]) == 1
    blocks = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in mediaview.stream_audio(damaged_flac, 1 << 16):
            blocks += 1
    assert len(caught) > 20  # a stream hears of each block's damage: what the CLI must fold


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_cli_says_each_kind_once_per_file_with_a_count(tmp_path, damaged_flac, jobs):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(damaged_flac, folder / "a.flac")
    shutil.copy(damaged_flac, folder / "b.flac")
    result = subprocess.run([sys.executable, "-m", "mediaview", "convert", folder, "-o", tmp_path / "out", "--to",
                             "wav", "-j", jobs], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = warning_lines(result.stderr)
    assert len(lines) == 2, result.stderr  # one per file (it was one per block: dozens)
    assert sorted(line.split(": warning")[0] for line in lines) == [f"mediaview: {folder / 'a.flac'}",
                                                                    f"mediaview: {folder / 'b.flac'}"]
    assert all("FLAC stream damaged" in line and "warnings of this kind)" in line for line in lines)
    assert len(result.stderr) < 4000


def test_a_dask_run_folds_warnings_the_same_way(tmp_path, damaged_flac):
    pytest.importorskip("distributed")
    result = subprocess.run([sys.executable, "-m", "mediaview", "convert", damaged_flac, "-o", tmp_path / "out",
                             "--to", "wav", "--scheduler", "local:1"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert len(warning_lines(result.stderr)) == 1 and "warnings of this kind)" in result.stderr


def test_merged_adds_counts_and_keeps_kinds_apart():
    assert merged(["Corrupt JPEG data: 12 extraneous bytes (3 times)", "Corrupt JPEG data: 7 extraneous bytes",
                   "premature end of data"]) == ["Corrupt JPEG data: 12 extraneous bytes (4 times)",
                                                 "premature end of data"]
    assert merged(["x: frames 1-2 lost", "x: frames 5-9 lost; frames 20-30 lost"]) == [
        "x: frames 1-2 lost (the first of 2 warnings of this kind)"]
    assert merged(["one"]) == ["one"] and merged([]) == []
