#!/usr/bin/env python3
"""Batch decode speed, side by side in one run: mediaview.decode_images
against a ThreadPoolExecutor over simplejpeg, Pillow and OpenCV, on 1,000
real-photo JPEGs of dataset size (500x375), plain and resized on load to
224x224 (fit="cover"). Prints images per second and the ratios the
project's targets are stated in, the peak memory of a batch, and read_audios
on 1,000 FLAC speech clips of 2-10 s against soundfile in a thread pool.

    python bench/bench_batch.py [--count 1000] [--repeat 3] [--audio-only]

The photos are made reproducibly (seeded) from the bundled sample photos and
the corpus photos when present: random crops of aspect 4:3, resized to
500x375 with Pillow's Lanczos and encoded at quality 90, 4:2:0, in memory.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

import mediaview

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
W, H = 500, 375
TARGET = (224, 224)


def photos():
    names = ["astronaut_444.jpg", "chelsea_420.jpg", "coffee_422.jpg", "rocket_orient6.jpg", "camera_gray.jpg"]
    paths = [ROOT / "samples" / n for n in names]
    paths += sorted((CORPUS / "exif").glob("*.jpg")) + sorted((CORPUS / "jpeg").glob("test*.jpg"))
    images = []
    for p in paths:
        with Image.open(p) as im:
            images.append(im.convert("RGB"))
    return images


def dataset(count: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    sources = photos()
    out = []
    for i in range(count):
        im = sources[i % len(sources)]
        # A 4:3 crop of 60-100% of the shorter side, anywhere in the photo.
        side = min(im.width * 3 / 4, im.height) * rng.uniform(0.6, 1.0)
        cw, ch = int(side * 4 / 3), int(side)
        x, y = int(rng.integers(0, im.width - cw + 1)), int(rng.integers(0, im.height - ch + 1))
        crop = im.crop((x, y, x + cw, y + ch)).resize((W, H), Image.LANCZOS)
        if rng.random() < 0.5:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        buf = io.BytesIO()
        crop.save(buf, "JPEG", quality=90, subsampling=2)
        out.append(buf.getvalue())
    return out


def best_rates(cases, n, repeat):
    """Images per second of each case, best of `repeat` rounds; the cases
    take turns within a round, so a burst of load elsewhere on the machine
    hits them alike rather than one of them."""
    best = {key: float("inf") for key in cases}
    for _ in range(repeat):
        for key, fn in cases.items():
            t = time.perf_counter()
            fn()
            best[key] = min(best[key], time.perf_counter() - t)
    return {key: n / t for key, t in best.items()}


def cover_size(w, h, tw, th):
    s = max(tw / w, th / h)
    return max(tw, int(w * s + 0.5)), max(th, int(h * s + 0.5))


def centre(a, tw, th):
    y, x = (a.shape[0] - th) // 2, (a.shape[1] - tw) // 2
    return a[y:y + th, x:x + tw]


def pil_plain(data):
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return np.asarray(im)


def pil_cover(data):
    with Image.open(io.BytesIO(data)) as im:
        rw, rh = cover_size(im.width, im.height, *TARGET)
        im.draft("RGB", (rw, rh))  # the largest DCT reduction that keeps the size
        rw, rh = cover_size(im.width, im.height, *TARGET)
        return centre(np.asarray(im.resize((rw, rh), Image.BILINEAR)), *TARGET)


def cv_cover(data):
    import cv2

    buf = np.frombuffer(data, np.uint8)
    # The largest IMREAD_REDUCED_* whose image still covers the target.
    h, w = H, W
    flag = cv2.IMREAD_COLOR
    for factor, f in ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4), (2, cv2.IMREAD_REDUCED_COLOR_2)):
        rw, rh = cover_size(w, h, *TARGET)
        if w // factor >= rw and h // factor >= rh:
            flag = f
            break
    img = cv2.imdecode(buf, flag)
    rw, rh = cover_size(img.shape[1], img.shape[0], *TARGET)
    img = cv2.cvtColor(cv2.resize(img, (rw, rh), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    return centre(img, *TARGET)


def pooled(fn, items, threads):
    if threads == 1:
        return [fn(d) for d in items]
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(fn, items))


def memory_probe(data, threads, **options):
    """Peak RSS growth of one decode_images call in a fresh process (which
    holds nothing else: the JPEGs are written to files it reads), against the
    output plus one decoded image per worker."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, d in enumerate(data):
            paths.append(os.path.join(tmp, f"{i}.jpg"))
            with open(paths[-1], "wb") as f:
                f.write(d)
        code = f"""
import sys, numpy as np
import mediaview
def peak():  # VmHWM: the peak RSS of this process image (ru_maxrss survives exec from a bigger parent)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
paths = {paths!r}
mediaview.decode_images(paths[:4], threads={threads}, **{options!r})  # the pool and libraries loaded
before = peak()
out = mediaview.decode_images(paths, threads={threads}, **{options!r})
after = peak()
print((after - before) * 1024, np.asarray(out).nbytes)
"""
        growth, output = map(int, subprocess.check_output([sys.executable, "-c", code], text=True).split())
    return growth, output


def speech_clips(count: int, directory: str, seed: int = 1):
    """`count` FLAC clips of 2-10 s of real speech (the bundled recordings,
    looped), written by soundfile; their paths."""
    import soundfile

    speech = [soundfile.read(ROOT / "samples" / n, dtype="float32", always_2d=True)
              for n in ("speech_mono.wav", "speech_ulaw.au")]
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        data, rate = speech[i % len(speech)]
        n = int(rng.uniform(2, 10) * rate)
        offset = int(rng.integers(0, len(data)))
        looped = np.concatenate([data] * (n // len(data) + 2))[offset:offset + n]
        paths.append(os.path.join(directory, f"{i}.flac"))
        soundfile.write(paths[-1], looped[:, 0], rate, subtype="PCM_16")
    return paths


def audio_bench(count: int, repeat: int) -> None:
    import tempfile

    import soundfile

    with tempfile.TemporaryDirectory() as tmp:
        paths = speech_clips(count, tmp)
        cases = {}
        for threads in (1, 2):
            cases["mv", threads] = lambda t=threads: mediaview.read_audios(paths, threads=t)
            cases["sf", threads] = lambda t=threads: pooled(lambda p: soundfile.read(p, dtype="float32"), paths, t)
            cases["mvpad", threads] = lambda t=threads: mediaview.read_audios(paths, threads=t, pad=True)
        rates = best_rates(cases, len(paths), repeat)
    print(f"\nread_audios: {count} FLAC speech clips of 2-10 s, float32; clips/s")
    print(f"{'':44s} {'1 thread':>10s} {'2 threads':>10s}")
    for label, key in (("mediaview.read_audios", "mv"), ("mediaview.read_audios(pad=True)", "mvpad"),
                       ("soundfile.read (ThreadPoolExecutor)", "sf")):
        print(f"{label:44s} {rates[key, 1]:10.0f} {rates[key, 2]:10.0f}")
    for t in (1, 2):
        print(f"  read_audios / soundfile, {t} thread(s): {rates['mv', t] / rates['sf', t]:.2f}x")
    print(f"  read_audios threads=2 / threads=1: {rates['mv', 2] / rates['mv', 1]:.2f}x")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--audio-only", action="store_true", help="only the read_audios section")
    args = ap.parse_args()
    if args.audio_only:
        audio_bench(args.count, args.repeat)
        return
    import cv2
    import simplejpeg

    cv2.setNumThreads(1)  # equal thread counts: the pool's threads only
    data = dataset(args.count)
    n, r = len(data), args.repeat
    print(f"{n} JPEGs of {W}x{H} (q90 4:2:0, {sum(map(len, data)) / n / 1024:.0f} KiB each), "
          f"{os.cpu_count()} CPUs, best of {r}; images/s\n")

    cases = {}
    reused = np.empty((n, H, W, 3), np.uint8)  # a training loop's buffer, filled again every batch
    for threads in (1, 2):
        cases["mv", threads] = lambda t=threads: mediaview.decode_images(data, threads=t)
        cases["mvout", threads] = lambda t=threads: mediaview.decode_images(data, threads=t, out=reused)
        cases["sj", threads] = lambda t=threads: pooled(lambda d: simplejpeg.decode_jpeg(d), data, t)
        cases["pil", threads] = lambda t=threads: pooled(pil_plain, data, t)
        for gap in (2.0, 1.0):
            cases["mv224", gap, threads] = lambda t=threads, g=gap: mediaview.decode_images(
                data, threads=t, size=TARGET, fit="cover", filter="bilinear", reducing_gap=g)
        cases["pil224", threads] = lambda t=threads: pooled(pil_cover, data, t)
        cases["cv224", threads] = lambda t=threads: pooled(cv_cover, data, t)
    rates = best_rates(cases, n, r)

    print(f"{'':44s} {'1 thread':>10s} {'2 threads':>10s}")
    rows = [("mediaview.decode_images (a fresh output)", "mv"), ("mediaview.decode_images(out=reused)", "mvout"),
            ("simplejpeg (ThreadPoolExecutor)", "sj"),
            ("Pillow open+load+asarray (ThreadPoolExecutor)", "pil")]
    for label, key in rows:
        print(f"{label:44s} {rates[key, 1]:10.0f} {rates[key, 2]:10.0f}")
    for key, label in (("mv", "fresh output"), ("mvout", "out=reused")):
        print(f"\n  decode_images ({label}) threads=2 / threads=1: {rates[key, 2] / rates[key, 1]:.2f}x (target >= 1.85)")
        print(f"  decode_images ({label}) / simplejpeg, 2 threads: {rates[key, 2] / rates['sj', 2]:.2f}x (target >= 1.1)")
    print(f"  decode_images / Pillow, 2 threads: {rates['mv', 2] / rates['pil', 2]:.2f}x\n")

    print(f"size={TARGET}, fit='cover' (bilinear)")
    rows = [("mediaview reducing_gap=2 (default)", ("mv224", 2.0)), ("mediaview reducing_gap=1 (fastest)", ("mv224", 1.0)),
            ("Pillow open+draft+resize+asarray", ("pil224",)), ("OpenCV IMREAD_REDUCED_*+INTER_AREA", ("cv224",))]
    for label, key in rows:
        print(f"{label:44s} {rates[key + (1,)]:10.0f} {rates[key + (2,)]:10.0f}")
    for gap in (2.0, 1.0):
        for t in (1, 2):
            print(f"  gap={gap:g}, {t} thread(s): {rates['mv224', gap, t] / rates['pil224', t]:.2f}x Pillow (target >= 2), "
                  f"{rates['mv224', gap, t] / rates['cv224', t]:.2f}x OpenCV (target >= 1.0)")

    one = W * H * 3
    for label, options in (("", {}), (", size=(224, 224), fit='cover'", {"size": TARGET, "fit": "cover"})):
        growth, output = memory_probe(data, 2, **options)
        print(f"\npeak RSS growth of decode_images({n} paths, threads=2{label}): {growth / 2**20:.1f} MiB; "
              f"output {output / 2**20:.1f} MiB + 2 decoded images {2 * one / 2**20:.1f} MiB = "
              f"{(output + 2 * one) / 2**20:.1f} MiB ({'within' if growth <= output + 2 * one else 'ABOVE'} the bound)")

    audio_bench(n, r)


if __name__ == "__main__":
    main()
