#!/usr/bin/env python3
"""PyTorch DataLoader throughput, side by side in one run: one epoch over
2,000 JPEGs (500x375, made from the bundled sample photos into a temporary
ImageFolder tree of 10 classes) resized to 224x224, batches of 64, at
num_workers 0, 1 and 2, for

- mediaview: ``ImageDataset(paths, labels, size=(224, 224))`` with
  ``collate_fn=mediaview.torch.collate`` (one decode_images call a batch,
  threads per worker from get_worker_info);
- mediaview's ThreadLoader (threads instead of worker processes) at 1 and 2
  threads, beside the process workers;
- a PIL ImageFolder pipeline: ImageFolder's state (a list of (path, class)
  tuples), ``Image.open().convert("RGB").resize((224, 224), BILINEAR)``,
  to a uint8 tensor (CHW, as torchvision's PILToTensor), default_collate
  (at num_workers=0 also with torch.set_num_threads(1): in the main process
  default_collate's stack runs on torch's intra-op threads, which cost this
  pipeline CPU time on a loaded machine);
- torchvision, only where it imports: ``decode_jpeg(read_file(path))`` and
  ``v2.Resize((224, 224), antialias=True)`` (its CUDA wheel is 5.5 GB, so
  it is no dependency of the project: skipped with the reason otherwise).

Every output is uint8 224x224x3 (fit="fill": exact size, aspect ignored, as
both peers' resizes). Each configuration runs in a fresh subprocess (so each
one's peak RSS is its own): images per second is the best of ``--rounds``
epochs (the configurations take turns round after round), peak RSS is the
main process's and the largest worker's (ru_maxrss), and CPU time an image
(user + system of the process, its threads and its workers over the epoch)
says what each pipeline costs whatever share of a loaded machine it got
(the best epoch's figure is shown). Then the DLPack
hand-off: a decoded batch to torch with zero bytes copied (data pointers).

    python bench/bench_torch.py [--count 2000] [--rounds 2] [--batch 64]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SAMPLES  # noqa: E402

W, H = 500, 375
SIZE = (224, 224)
CLASSES = 10
PIPELINES = ("mediaview", "PIL ImageFolder", "torchvision")


# ---- the data set -----------------------------------------------------------------------

def make_tree(root: Path, count: int, seed: int = 0) -> None:
    """count JPEGs of 500x375 (quality 90, 4:2:0): seeded 4:3 crops of the
    sample photos, in root/class_k/ folders."""
    names = ["astronaut_444.jpg", "chelsea_420.jpg", "coffee_422.jpg", "rocket_orient6.jpg", "coffee_restart.jpg"]
    sources = [Image.open(SAMPLES / n).convert("RGB") for n in names]
    rng = np.random.default_rng(seed)
    for k in range(CLASSES):
        (root / f"class_{k}").mkdir(parents=True)
    for i in range(count):
        im = sources[i % len(sources)]
        side = min(im.width * 3 / 4, im.height) * rng.uniform(0.6, 1.0)
        cw, ch = int(side * 4 / 3), int(side)
        x, y = int(rng.integers(0, im.width - cw + 1)), int(rng.integers(0, im.height - ch + 1))
        crop = im.crop((x, y, x + cw, y + ch)).resize((W, H), Image.LANCZOS)
        crop.save(root / f"class_{i % CLASSES}" / f"img_{i:05d}.jpg", "JPEG", quality=90, subsampling=2)


def image_folder(root: Path) -> list:
    """ImageFolder's samples: (path, class index), sorted as it sorts them."""
    classes = sorted(d.name for d in root.iterdir() if d.is_dir())
    return [(str(p), k) for k, c in enumerate(classes) for p in sorted((root / c).glob("*.jpg"))]


# ---- one configuration, in a subprocess -----------------------------------------------------

def loader_for(pipeline: str, workers: int, root: Path, batch: int):
    import torch
    from torch.utils.data import DataLoader, Dataset

    samples = image_folder(root)
    if pipeline.startswith("mediaview"):
        import mediaview.torch as mt

        paths, labels = zip(*samples)
        dataset = mt.ImageDataset(paths, labels, size=SIZE)
        if pipeline == "mediaview threads":
            return mt.ThreadLoader(dataset, batch_size=batch, workers=workers, collate_fn=mt.collate)
        return DataLoader(dataset, batch_size=batch, num_workers=workers, collate_fn=mt.collate)

    if pipeline.startswith("PIL ImageFolder"):
        if pipeline.endswith("torch 1 thread"):
            # In the main process default_collate's torch.stack runs on torch's
            # intra-op threads (workers set 1): this variant shows what they cost.
            torch.set_num_threads(1)
        class PilFolder(Dataset):
            def __init__(self, samples):
                self.samples = samples  # ImageFolder's own state: a list of tuples

            def __len__(self):
                return len(self.samples)

            def __getitem__(self, i):
                path, label = self.samples[i]
                with open(path, "rb") as f:
                    image = Image.open(f).convert("RGB")
                image = image.resize(SIZE, Image.BILINEAR)
                return torch.from_numpy(np.asarray(image)).permute(2, 0, 1), label

        return DataLoader(PilFolder(samples), batch_size=batch, num_workers=workers)

    from torchvision.io import decode_jpeg, read_file
    from torchvision.transforms import v2

    class TvFolder(Dataset):
        def __init__(self, samples):
            self.samples = samples
            self.resize = v2.Resize(SIZE, antialias=True)

        def __len__(self):
            return len(self.samples)

        def __getitem__(self, i):
            path, label = self.samples[i]
            return self.resize(decode_jpeg(read_file(path))), label

    return DataLoader(TvFolder(samples), batch_size=batch, num_workers=workers)


def cpu_seconds() -> float:
    """CPU time (user + system) of this process's threads and its finished children."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                    resource.getrusage(resource.RUSAGE_CHILDREN)))


def run_one(pipeline: str, workers: int, root: Path, batch: int) -> dict:
    loader = loader_for(pipeline, workers, root, batch)
    cpu = cpu_seconds()
    start = time.perf_counter()
    images = 0
    for batch_images, _labels in loader:
        assert batch_images.shape[1:] in ((224, 224, 3), (3, 224, 224)) and str(batch_images.dtype) == "torch.uint8"
        images += batch_images.shape[0]
    seconds = time.perf_counter() - start
    del loader  # DataLoader joins its workers when the epoch ends: their CPU time is counted
    cpu = cpu_seconds() - cpu
    main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rate": images / seconds, "cpu_ms": 1000 * cpu / images, "main_mb": main,
            "worker_mb": worker if workers and "threads" not in pipeline else 0}


def run_in_subprocess(pipeline: str, workers: int, root: Path, batch: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", pipeline, str(workers), str(root), str(batch)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the report ---------------------------------------------------------------------------------

def torchvision_reason():
    try:
        import torchvision  # noqa: F401
        from torchvision.io import decode_jpeg  # noqa: F401
    except Exception as e:  # ImportError, or a torchvision built for another torch
        return (f"torchvision unavailable ({type(e).__name__}: {e}); its build for this torch is a 5.5 GB CUDA "
                "wheel, no dependency of the project: pip install torch==2.14.1 torchvision==0.29.1 to compare")
    return None


def dlpack_check() -> None:
    import torch

    import mediaview
    paths = [SAMPLES / n for n in ("astronaut_444.jpg", "astronaut_progressive.jpg")]
    view = mediaview.decode_images(paths, size=SIZE)
    pointer = np.asarray(view).__array_interface__["data"][0]
    start = time.perf_counter()
    tensor = torch.from_dlpack(view.obj)
    seconds = time.perf_counter() - start
    shared = tensor.data_ptr() == pointer
    print(f"\nDLPack hand-off of a {tuple(tensor.shape)} batch ({view.nbytes:,} bytes): "
          f"{'0 bytes copied (same data pointer)' if shared else 'COPIED'}, {seconds * 1e6:.0f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--workers", default="0,1,2")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        pipeline, workers, root, batch = args.child
        print(json.dumps(run_one(pipeline, int(workers), Path(root), int(batch))))
        return

    import mediaview
    cores = mediaview._core.usable_cores()
    workers_list = [int(w) for w in args.workers.split(",")]
    reason = torchvision_reason()
    configs = [("mediaview", w) for w in workers_list] + [("mediaview threads", w) for w in workers_list if w]
    configs += [("PIL ImageFolder", w) for w in workers_list]
    if 0 in workers_list:
        configs.append(("PIL ImageFolder torch 1 thread", 0))
    if reason is None:
        configs += [("torchvision", w) for w in workers_list]
    with tempfile.TemporaryDirectory(prefix="bench_torch_") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        make_tree(root, args.count)
        print(f"{args.count} JPEGs {W}x{H} made in {time.perf_counter() - start:.0f} s; resize to {SIZE[0]}x{SIZE[1]}, "
              f"batches of {args.batch}, {cores} usable cores, best of {args.rounds} epochs\n")
        best = {}
        for _ in range(args.rounds):
            for config in configs:
                result = run_in_subprocess(*config, root, args.batch)
                if config not in best or result["rate"] > best[config]["rate"]:
                    best[config] = result
    print(f"  {'pipeline':30} {'workers':>7} {'images/s':>9} {'CPU ms/image':>13} {'peak RSS main':>14} "
          f"{'largest worker':>15}")
    for (pipeline, workers), r in best.items():
        worker = f"{r['worker_mb']:.0f} MB" if r["worker_mb"] else "-"
        print(f"  {pipeline:30} {workers:7} {r['rate']:9.0f} {r['cpu_ms']:13.2f} {r['main_mb']:11.0f} MB {worker:>15}")
    if reason:
        print(f"\n  torchvision peer skipped: {reason}")
    print("\nRatios at the same num_workers (targets: >= 3x PIL ImageFolder, >= 2x torchvision):")
    for workers in workers_list:
        ours = best[("mediaview", workers)]["rate"]
        for peer, target in (("PIL ImageFolder", 3.0), ("torchvision", 2.0)):
            if (peer, workers) in best:
                ratio = ours / best[(peer, workers)]["rate"]
                cpu_ratio = best[(peer, workers)]["cpu_ms"] / best[("mediaview", workers)]["cpu_ms"]
                print(f"  num_workers={workers}: mediaview / {peer:16} {ratio:5.2f}x images/s "
                      f"(target >= {target}x: {'met' if ratio >= target else 'NOT met'}), "
                      f"{cpu_ratio:5.2f}x less CPU an image")
        if workers and ("mediaview threads", workers) in best:
            ratio = best[("mediaview threads", workers)]["rate"] / ours
            print(f"  {workers} worker(s): ThreadLoader / DataLoader processes {ratio:5.2f}x")
    dlpack_check()


if __name__ == "__main__":
    main()
