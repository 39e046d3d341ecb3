"""Ctrl-C during a batch (issue 26, section 3): decode_images, plan_images
and read_audios stop between items and raise KeyboardInterrupt within about
100 ms of SIGINT, not when the whole batch ends. Each case runs a batch of
several seconds in a child process and interrupts it half a second in."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent("""
    import signal, sys, threading, time
    import mediaview as mv
    from mediaview._batch import plan_images
    t = {}
    def handler(sig, frame):
        t["signal"] = time.monotonic()
        if sys.argv[2] == "raise":
            raise KeyboardInterrupt
    signal.signal(signal.SIGINT, handler)
    photos = ["samples/chelsea_420.jpg"] * 4000
    clips = ["samples/music_stereo.opus"] * 300
    batches = {
        "decode_images": lambda: mv.decode_images(photos, threads=1, size=(64, 64)),
        "decode_images threads=2": lambda: mv.decode_images(photos * 2, threads=2, size=(64, 64)),
        "decode_images stack=False": lambda: mv.decode_images(photos, threads=1, stack=False),
        "plan_images": lambda: plan_images(photos * 40, threads=1),
        "read_audios": lambda: mv.read_audios(clips, threads=1),
        "read_audios pad=True": lambda: mv.read_audios(clips, threads=1, pad=True),
    }
    run = batches[sys.argv[1]]
    if sys.argv[3] == "thread":  # off the main thread: no polling, the batch runs to its end
        worker = threading.Thread(target=run)
        print("started", flush=True)
        worker.start()
        worker.join()
        print("finished", flush=True)
        sys.exit(0)
    print("started", flush=True)
    start = time.monotonic()
    try:
        run()
        print("finished %.3f" % (time.monotonic() - start), flush=True)
    except KeyboardInterrupt:
        print("interrupted %.4f" % (time.monotonic() - t["signal"]), flush=True)
""")


def interrupt(batch, handler="raise", where="main", after=0.5):
    child = subprocess.Popen([sys.executable, "-c", CHILD, batch, handler, where], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().startswith("started")
    time.sleep(after)
    child.send_signal(signal.SIGINT)
    sent = time.monotonic()
    out, err = child.communicate(timeout=120)
    return out.strip(), err, time.monotonic() - sent


BATCHES = ["decode_images", "decode_images threads=2", "decode_images stack=False", "plan_images", "read_audios",
           "read_audios pad=True"]


@pytest.mark.parametrize("batch", BATCHES)
def test_ctrl_c_stops_a_batch_between_items(batch):
    out, err, _ = interrupt(batch)
    assert out.startswith("interrupted"), (out, err)
    # From the handler raising to KeyboardInterrupt reaching the caller: the
    # poll interval plus the items already running (a few ms each here);
    # 100 ms is the target, the bound leaves room for a loaded machine.
    assert float(out.split()[1]) < 0.5, out


@pytest.mark.parametrize("batch", ["decode_images", "read_audios"])
def test_a_handler_that_does_not_raise_lets_the_batch_finish(batch):
    out, err, seconds = interrupt(batch, handler="ignore")
    assert out.startswith("finished"), (out, err)
    assert seconds > 0.5  # the batch really was long: the interruption above cut it short


def test_a_batch_off_the_main_thread_is_not_polled():
    out, err, _ = interrupt("decode_images", handler="ignore", where="thread")
    assert out.endswith("finished"), (out, err)
