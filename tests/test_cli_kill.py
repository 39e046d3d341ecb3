"""kill -9 in the middle of a batch of CLI conversions: every final name is
either absent or a complete, valid image; the only leftovers are temporaries
named as mediaview._atomic documents (.<name>.mediaview-tmp-<random>)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import SAMPLES

SOURCE = SAMPLES / "astronaut_444.jpg"
BATCH = 40
TEMP = re.compile(r"^\.out-\d+\.(png|tiff)\.mediaview-tmp-[A-Za-z0-9_]+$")

# One process converting a batch, as a script or a shell loop calling the
# CLI's main() would; kill -9 can land anywhere in it.
BATCH_SCRIPT = """
import sys
from mediaview.cli import main
src, folder, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    ext = "png" if i % 2 == 0 else "tiff"
    main(["convert", src, f"{folder}/out-{i}.{ext}", "--overwrite", "-q"])
"""


def kill_during_batch(folder, wait_for_temp: bool, delay: float) -> None:
    proc = subprocess.Popen([sys.executable, "-c", BATCH_SCRIPT, str(SOURCE), str(folder), str(BATCH)])
    try:
        deadline = time.monotonic() + 120  # a guard against a stuck child, not a timing assertion
        while time.monotonic() < deadline and proc.poll() is None:
            names = os.listdir(folder)
            done = sum(not n.startswith(".") for n in names)
            writing = any(".mediaview-tmp-" in n for n in names)
            # A few outputs complete, then either the moment a temporary is
            # being written, or any moment.
            if done >= 2 and (writing or not wait_for_temp):
                break
            time.sleep(0.001)
        time.sleep(delay)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)


@pytest.mark.parametrize("wait_for_temp,delay", [(True, 0.0), (True, 0.002), (True, 0.01), (False, 0.0),
                                                 (False, 0.05)])
def test_kill_9_leaves_complete_outputs_or_named_temporaries(tmp_path, wait_for_temp, delay):
    expected = np.asarray(mediaview.decode_image(SOURCE))
    kill_during_batch(tmp_path, wait_for_temp, delay)
    names = sorted(os.listdir(tmp_path))
    finals = [n for n in names if not n.startswith(".")]
    temps = [n for n in names if n.startswith(".")]
    assert finals, "the batch was killed before any output: the test did not test anything"
    assert len(finals) < BATCH, "the batch finished before the kill: the test did not test anything"
    for name in finals:
        assert re.fullmatch(r"out-\d+\.(png|tiff)", name), name
        with Image.open(tmp_path / name) as im:
            im.load()  # a partial file fails here
            assert np.array_equal(np.asarray(im.convert("RGB")), expected), name
    for name in temps:
        assert TEMP.match(name), f"unexpected leftover {name!r}"
    assert len(temps) <= 1  # only the one being written when the kill landed
