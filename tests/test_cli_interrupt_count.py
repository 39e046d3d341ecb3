"""The summary after Ctrl-C counts exactly (issue 26): a real SIGINT to the
CLI in a subprocess, at several moments, on the local runner (-j 1, -j 2)
and on a local Dask cluster; the count it prints equals the complete outputs
on disk, and converted + failed + not converted is every input."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

from conftest import SAMPLES
from mediaview._atomic import TEMP_MARKER

BATCH = 24


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """24 large JPEGs (hard links of one, made from a real photo) and one
    truncated file, so that a failure is counted too."""
    root = tmp_path_factory.mktemp("batch")
    with Image.open(SAMPLES / "rocket_orient6.jpg") as im:
        im.resize((2000, 3000), Image.LANCZOS).save(root / "photo00.jpg", quality=92)
    for i in range(1, BATCH):
        os.link(root / "photo00.jpg", root / f"photo{i:02}.jpg")
    data = (root / "photo00.jpg").read_bytes()
    (root / "photo01b_cut.jpg").write_bytes(data[:len(data) // 3])
    return root


def interrupt(args, out, after: int, delay: float):
    proc = subprocess.Popen([sys.executable, "-m", "mediaview", "convert", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180  # a guard against a stuck child, not a timing assertion
    while time.monotonic() < deadline and proc.poll() is None:
        if out.is_dir() and sum(not n.startswith(".") for n in os.listdir(out)) >= after:
            break
        time.sleep(0.01)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=180)


def check_exact(out, stderr, total):
    match = re.search(r"interrupted: (\d+) converted, (\d+) failed, (\d+) not converted", stderr)
    assert match, stderr
    done, failed, left = map(int, match.groups())
    finished = [n for n in os.listdir(out) if not n.startswith(".")]
    assert done == len(finished), (stderr, finished)
    assert done + failed + left == total
    assert not [n for n in os.listdir(out) if TEMP_MARKER in n]
    return done


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.13])
def test_interrupted_summary_counts_the_outputs_on_disk(tmp_path, batch, jobs, delay):
    out = tmp_path / "out"
    stdout, stderr = interrupt([batch, "-o", out, "--to", "png", "-j", jobs, "--no-orient"], out, 2, delay)
    done = check_exact(out, stderr, BATCH + 1)
    assert 2 <= done < BATCH + 1, "the batch was not interrupted mid-way: the test tested nothing"


def test_interrupted_summary_on_a_local_dask_cluster(tmp_path, batch):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    stdout, stderr = interrupt([batch, "-o", out, "--to", "png", "--scheduler", "local:2", "--no-orient"], out, 2,
                               0.05)
    done = check_exact(out, stderr, BATCH + 1)
    assert 2 <= done < BATCH + 1, "the batch was not interrupted mid-way: the test tested nothing"
    assert "Traceback" not in stderr and "Compute Failed" not in stderr
