#!/usr/bin/env python3
"""Decoding at scale, side by side in one run: 2,000 dataset-size JPEGs
(500x375, made as bench_batch.py makes them, written to files) decoded by

- local ``decode_images(paths, threads=2)``, the floor;
- ``mediaview.dask.read_images(paths, chunk=C, threads=1)`` on Dask's
  threaded scheduler (2 threads), for chunk sizes 16, 64 and 256;
- the same on a ``distributed.LocalCluster`` of 2 worker processes (one
  thread each), the way a cluster runs it.

Every case decodes every image and keeps one pixel of each where it was
decoded (a pipeline consumes pixels where they are, as a cluster job must:
gathering a cluster's decoded pixels on one client is a network copy,
measured separately for the cluster at one chunk size). Prints
images per second, the ratio to local, and the overhead per task,
(t - t_local) / tasks. Then the scheduler's own rate on no-op tasks, the
number behind the README's "At scale" estimate for 100 workers.

    python bench/bench_dask.py [--count 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import mediaview

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of  # noqa: E402
from bench_batch import dataset  # noqa: E402  (the same reproducible photos)

CHUNKS = (16, 64, 256)




def write_files(folder: str, count: int):
    paths = []
    for i, data in enumerate(dataset(count)):
        path = os.path.join(folder, f"photo{i:05d}.jpg")
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    return paths


def noop(x):
    return x


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import dask
    import distributed

    import mediaview.dask as mvdask

    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(tmp, args.count)
        n = len(paths)
        print(f"{n} JPEGs of 500x375 on disk ({sum(os.path.getsize(p) for p in paths) / n / 1024:.0f} KiB each), "
              f"{os.cpu_count()} CPUs, best of {args.repeat}; every image decoded, one pixel of each kept\n")

        def local():
            return np.asarray(mediaview.decode_images(paths, threads=2))[:, 0, 0, 0].copy()

        rows = [("local decode_images(threads=2)", None, best_of(local, args.repeat))]
        for chunk in CHUNKS:
            lazy = mvdask.read_images(paths, chunk=chunk, threads=1)[:, 0, 0, 0]
            with dask.config.set(scheduler="threads", num_workers=2):
                rows.append((f"read_images, threaded scheduler, chunk={chunk}", -(-n // chunk),
                             best_of(lazy.compute, args.repeat)))
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                distributed.Client(cluster) as client:
            client.run(lambda: __import__("mediaview"))  # the import is not the work
            for chunk in CHUNKS:
                lazy = mvdask.read_images(paths, chunk=chunk, threads=1)[:, 0, 0, 0]
                rows.append((f"read_images, LocalCluster 2 processes, chunk={chunk}", -(-n // chunk),
                             best_of(lambda: client.compute(lazy).result(), args.repeat)))
            gathered = mvdask.read_images(paths, chunk=64, threads=1)
            gather_time = best_of(lambda: client.compute(gathered).result(), args.repeat)

            tasks = 5000
            start = time.perf_counter()
            client.gather(client.map(noop, range(tasks), pure=False))
            noop_rate = tasks / (time.perf_counter() - start)

        local_time = rows[0][2]
        print(f"{'':58s} {'images/s':>9s} {'vs local':>9s} {'overhead/task':>14s}")
        for label, tasks, t in rows:
            overhead = "" if tasks is None else f"{(t - local_time) / tasks * 1e3:11.2f} ms"
            print(f"{label:58s} {n / t:9.0f} {local_time / t:8.2f}x {overhead:>14s}")
        print(f"\nthe whole array gathered to the client (LocalCluster, chunk=64): {n / gather_time:.0f} images/s, "
              f"{n * 375 * 500 * 3 / gather_time / 2**20:.0f} MiB/s of pixels")
        print(f"scheduler on no-op tasks (LocalCluster, 2 workers): {noop_rate:.0f} tasks/s")


if __name__ == "__main__":
    main()
