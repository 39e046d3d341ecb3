"""PyTorch: decoded batches as tensors that share the decoded memory (through
DLPack, no copy), a ``collate_fn`` for :class:`torch.utils.data.DataLoader`
that decodes a batch of encoded items in one call, map-style datasets over
paths, and a loader that runs batches on threads instead of processes (our
decode releases the GIL). Install with ``pip install mediaview[torch]``.

Images are NHWC by default (``(N, H, W, C)``, grey ``L`` too, with C = 1);
``channels_first=True`` gives NCHW as a strided view of the same memory.
Audio clips are ``(frames, channels)`` (``channels_first``: ``(channels,
frames)``, torchaudio's layout). Every other option is
:func:`mediaview.decode_images`' or :func:`mediaview.read_audios`', passed
through as it is, so new options work here as soon as they work there.
"""

from __future__ import annotations

import collections
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, Optional, Sequence

try:
    import torch
    from torch.utils.data import BatchSampler, Dataset, RandomSampler, Sampler, SequentialSampler, get_worker_info
    from torch.utils.data._utils.collate import default_collate
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError("mediaview.torch needs PyTorch: pip install 'mediaview[torch]'") from e

import numpy as np

from . import _batch, _core
from ._image import decode_image as _decode_image
from ._audio import read_audio as _read_audio
from ._requests import image_request

__all__ = ["as_tensor", "decode_images", "read_audios", "DecodeCollate", "collate", "ImageDataset",
           "AudioDataset", "ThreadLoader", "threads_per_worker"]

_TORCH_DTYPES = {"uint8": torch.uint8, "uint16": torch.uint16}
_local = threading.local()  # ThreadLoader's worker count, seen by threads_per_worker()


def as_tensor(view) -> "torch.Tensor":
    """The tensor of a decoded view, sharing its memory (``torch.from_dlpack``
    of ``view.obj``): same data pointer, shape and strides. A read-only view
    (``read_audio(mmap=True)``) is copied: torch ignores DLPack's read-only
    flag, and a write to the mapped file would kill the process. Any other
    buffer (a slice or cast of a view, a numpy array) goes through numpy,
    shared where torch can share it."""
    owner = view.obj if isinstance(view, memoryview) else view
    if isinstance(owner, _core.BufferExporter) and (owner is view or _is_whole(view, owner)):
        return torch.from_dlpack(owner, copy=True if owner.readonly else None)
    array = np.asarray(view)
    if not array.flags.writeable or any(s < 0 for s in array.strides):
        array = np.array(array)  # torch takes neither read-only nor negatively strided memory
    return torch.from_numpy(array)


def _is_whole(view: memoryview, owner) -> bool:
    """Whether ``view`` is all of its exporter's array (not a slice or cast of it)."""
    return view.shape == owner.shape and view.strides == owner.strides and view.format == owner.format


def threads_per_worker() -> int:
    """Decode threads for this worker: the usable cores divided among the
    DataLoader's worker processes (``get_worker_info()``) or ThreadLoader's
    threads, so workers x threads never oversubscribes the cores."""
    info = get_worker_info()
    workers = info.num_workers if info is not None else getattr(_local, "workers", 1)
    return max(1, _core.usable_cores() // max(1, workers))


def _images_layout(batch: "torch.Tensor", channels_first: bool) -> "torch.Tensor":
    if batch.dim() == 3:  # grey: (N, H, W) -> (N, H, W, 1), a view
        batch = batch.unsqueeze(-1)
    return batch.permute(0, 3, 1, 2) if channels_first else batch


def _shared_output(srcs: list, threads: int, options: dict) -> Optional["torch.Tensor"]:
    """In a DataLoader worker process: a tensor in shared memory the batch
    can be decoded straight into, so that handing it to the main process
    copies nothing (else torch copies it into shared memory when it pickles
    it). None when the headers do not agree on one shape (decode_images then
    raises the error that says why)."""
    plans = _batch.plan_images(srcs, threads=threads, **options)
    if not plans or any(isinstance(p, BaseException) for p in plans) or len(set(plans)) != 1:
        return None
    shape, dtype = plans[0]
    shape = (len(srcs), *shape)
    dtype = _TORCH_DTYPES[dtype]
    # A new shared block as default_collate makes its own (share_memory_()
    # on a fresh tensor would allocate twice and copy the garbage across).
    storage = torch.UntypedStorage._new_shared(int(np.prod(shape)) * dtype.itemsize)
    return torch.empty(0, dtype=dtype).set_(storage, 0, shape)


def decode_images(srcs: Iterable, *, channels_first: bool = False, threads: Optional[int] = None,
                  **options) -> "torch.Tensor":
    """:func:`mediaview.decode_images` (``stack=True``) as one uint8/uint16
    tensor ``(N, H, W, C)``, or ``(N, C, H, W)`` with ``channels_first``
    (a permuted view, no copy). ``threads=None``: :func:`threads_per_worker`.
    In a DataLoader worker the batch is decoded into shared memory."""
    srcs = list(srcs)
    threads = threads_per_worker() if threads is None else threads
    for name in ("stack", "out"):
        if name in options:
            raise TypeError(f"mediaview.torch.decode_images does not take {name}= (it always stacks)")
    out = _shared_output(srcs, threads, options) if get_worker_info() is not None else None
    if out is None:
        batch = as_tensor(_batch.decode_images(srcs, threads=threads, **options))
    else:
        _batch.decode_images(srcs, threads=threads, out=out.numpy(), **options)
        batch = out
    return _images_layout(batch, channels_first)


def _clip_layout(clip: "torch.Tensor", channels_first: bool) -> "torch.Tensor":
    return clip.transpose(-1, -2) if channels_first and clip.dim() >= 2 else clip


def read_audios(srcs: Iterable, *, channels_first: bool = False, always_2d: bool = True,
                threads: Optional[int] = None, **options):
    """:func:`mediaview.read_audios` with tensors: a list of ``(clip,
    samplerate)``, or with ``pad_to=``/``pad=True`` ``(batch, lengths,
    samplerate)``: ``batch`` ``(N, frames, channels)`` (``channels_first``:
    ``(N, channels, frames)``, a view), ``lengths`` an int64 tensor.
    Clips are 2-D by default (``always_2d=True``, as torchaudio's)."""
    threads = threads_per_worker() if threads is None else threads
    result = _batch.read_audios(list(srcs), threads=threads, always_2d=always_2d, **options)
    if isinstance(result, tuple):
        batch, lengths, samplerate = result
        return _clip_layout(as_tensor(batch), channels_first), torch.as_tensor(lengths, dtype=torch.int64), samplerate
    return [(_clip_layout(as_tensor(clip), channels_first), rate) for clip, rate in result]


class _Decoded(list):
    """A batch a dataset decoded in one call (``__getitems__``): a list of
    per-sample items (views into the batch), so any collate_fn works, plus
    ``.batch``, the collated result that :func:`collate` hands on as it is."""

    def __init__(self, samples: list, batch: tuple):
        super().__init__(samples)
        self.batch = batch


def _is_source(item) -> bool:
    return isinstance(item, (bytes, bytearray, memoryview, str, os.PathLike))


class DecodeCollate:
    """A ``collate_fn`` that decodes a batch of encoded images in one
    :func:`decode_images` call. Items are sources (bytes or paths) or tuples
    ``(source, label, ...)``; it returns the images tensor, or ``(images,
    labels, ...)`` with the rest collated by torch's ``default_collate``.
    A batch an :class:`ImageDataset` or :class:`AudioDataset` already
    decoded is handed on without a copy. ``options``: decode_images'.
    Picklable, so it works with worker processes."""

    def __init__(self, *, channels_first: bool = False, threads: Optional[int] = None, **options):
        self.channels_first = channels_first
        self.threads = threads
        self.options = options

    def __call__(self, items: list):
        if isinstance(items, _Decoded):
            return items.batch
        if not items:
            raise ValueError("an empty batch")
        if _is_source(items[0]):
            return self._images([*items])
        srcs = [item[0] for item in items]
        rest = default_collate([tuple(item[1:]) for item in items])
        return (self._images(srcs), *rest)

    def _images(self, srcs: list) -> "torch.Tensor":
        return decode_images(srcs, channels_first=self.channels_first, threads=self.threads, **self.options)


collate = DecodeCollate()
collate.__doc__ = "DecodeCollate() with decode_images' defaults (RGB, full size: pass size= to stack mixed sizes)."


def _path_array(paths: Iterable) -> np.ndarray:
    """Paths as one numpy array of fixed-width bytes: one buffer, no Python
    object per path, so reading it in a forked worker touches no reference
    count and the pages stay shared (a list of str is copied page by page
    in every worker: the copy-on-read growth)."""
    encoded = [os.fsencode(p) for p in paths]
    if any(b"\0" in p for p in encoded):
        raise ValueError("a path contains a NUL byte")
    return np.array(encoded, dtype=bytes) if encoded else np.empty(0, dtype="S1")


def _label_array(labels, count: int) -> Optional[np.ndarray]:
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.dtype == object:
        raise TypeError("labels must be numbers (one numpy array, not Python objects)")
    if len(labels) != count:
        raise ValueError(f"{len(labels)} labels for {count} paths")
    return labels


class _PathDataset(Dataset):
    def __init__(self, paths: Iterable, labels=None):
        self._paths = _path_array(paths)
        self._labels = _label_array(labels, len(self._paths))

    def __len__(self) -> int:
        return len(self._paths)

    def path(self, index: int) -> str:
        return os.fsdecode(self._paths[index])

    def _with_label(self, value, index):
        return value if self._labels is None else (value, torch.as_tensor(self._labels[index]))

    def _batch_with_labels(self, batch, indices: Sequence[int]) -> tuple:
        if self._labels is None:
            return (batch,)
        return (batch, torch.as_tensor(self._labels[np.asarray(indices, dtype=np.int64)]))


class ImageDataset(_PathDataset):
    """Images at ``paths``, with optional numeric ``labels``; each item is a
    ``(H, W, C)`` tensor (``(C, H, W)`` with ``channels_first``), or
    ``(image, label)``. ``options`` are decode_images' (``size=``, ``fit=``,
    ``mode=``, ...; give ``size=`` to batch images of mixed sizes).

    ``__getitems__`` (what DataLoader calls for a batch) decodes the whole
    batch in one :func:`decode_images` call; with ``collate_fn=collate`` the
    DataLoader takes that batch as it is (any other collate_fn gets the
    per-item tensors). State is two numpy arrays (paths as bytes, labels),
    so worker processes do not grow by copy-on-read."""

    def __init__(self, paths: Iterable, labels=None, *, channels_first: bool = False, **options):
        super().__init__(paths, labels)
        image_request(dict(options))  # unknown or bad options fail here, not in a worker
        self.channels_first = channels_first
        self.options = options

    def __getitem__(self, index: int):
        image = as_tensor(_decode_image(self.path(index), **self.options))
        image = _images_layout(image.unsqueeze(0), self.channels_first)[0]
        return self._with_label(image, index)

    def __getitems__(self, indices: Sequence[int]) -> list:
        images = decode_images([self.path(i) for i in indices], channels_first=self.channels_first, **self.options)
        batch = self._batch_with_labels(images, indices)
        samples = list(zip(*batch)) if self._labels is not None else list(images)
        return _Decoded(samples, batch if self._labels is not None else images)


class AudioDataset(_PathDataset):
    """Audio clips at ``paths``, with optional numeric ``labels``; each item
    is a ``(frames, channels)`` tensor (``channels_first``: ``(channels,
    frames)``), or ``(clip, label)``. ``options`` are read_audio's
    (``samplerate=``, ``channels=``, ``dtype=``, ``offset=``/``duration=``...).

    With ``pad_to=N`` frames a batch (``__getitems__``) is one
    :func:`read_audios` call, collated (with ``collate_fn=collate``) to
    ``(clips, lengths[, labels])``: ``(N, frames, channels)`` zero-padded
    or cut to ``pad_to``, lengths the frames of each. Without it clips keep
    their own lengths and the batch is a list (pass your own collate_fn)."""

    def __init__(self, paths: Iterable, labels=None, *, pad_to: Optional[int] = None,
                 channels_first: bool = False, **options):
        super().__init__(paths, labels)
        self.pad_to = pad_to
        self.channels_first = channels_first
        self.options = {"always_2d": True, **options}

    def __getitem__(self, index: int):
        clip, _ = _read_audio(self.path(index), **self.options)
        clip = as_tensor(clip)
        if self.pad_to is not None:
            clip = torch.nn.functional.pad(clip[: self.pad_to], (0, 0, 0, max(0, self.pad_to - clip.shape[0])))
        return self._with_label(_clip_layout(clip, self.channels_first), index)

    def __getitems__(self, indices: Sequence[int]) -> list:
        srcs = [self.path(i) for i in indices]
        if self.pad_to is None:
            return [self._with_label(clip, i) for i, (clip, _) in
                    zip(indices, read_audios(srcs, channels_first=self.channels_first, **self.options))]
        clips, lengths, _ = read_audios(srcs, channels_first=self.channels_first, pad_to=self.pad_to,
                                        **self.options)
        batch = (clips, lengths, *self._batch_with_labels(clips, indices)[1:])
        return _Decoded(list(zip(*batch)), batch)


# ---- threads instead of worker processes -------------------------------------------------
# Worker processes exist to get around the GIL; our decode releases it for
# the whole batch, so threads can overlap decoding with training without
# forking, pickling batches or copying them into shared memory
# (bench/bench_torch.py measures the two side by side).

class ThreadLoader:
    """Iterates batches of a map-style ``dataset`` like
    ``DataLoader(dataset, batch_size, shuffle=..., collate_fn=...)``, with
    the batches made by ``workers`` threads, up to ``prefetch`` batches per
    thread ahead of the consumer, yielded in order.

    Each batch's decode gets :func:`mediaview.torch.threads_per_worker`
    threads (cores / ``workers``), as in worker processes. A dataset with
    ``__getitems__`` (:class:`ImageDataset`, :class:`AudioDataset`) is asked
    for a batch at once; ``collate_fn`` defaults to
    :data:`mediaview.torch.collate` (which also decodes encoded items).
    ``pin_memory=True`` pins each batch when an accelerator is present (as
    DataLoader, otherwise it is a no-op). Stopping the iteration early
    cancels the batches not yet started."""

    def __init__(self, dataset, batch_size: int = 1, *, shuffle: bool = False, sampler: Optional[Sampler] = None,
                 drop_last: bool = False, collate_fn: Optional[Callable] = None, workers: int = 1,
                 prefetch: int = 2, pin_memory: bool = False, generator=None):
        if workers < 1 or prefetch < 1:
            raise ValueError("workers and prefetch must be at least 1")
        if sampler is not None and shuffle:
            raise ValueError("sampler and shuffle are exclusive (as in DataLoader)")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.dataset = dataset
        self.batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.collate_fn = collate_fn or collate
        self.workers = workers
        self.prefetch = prefetch
        self.pin_memory = pin_memory and torch.accelerator.is_available()

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def _fetch(self, indices):
        _local.workers = self.workers
        getitems = getattr(self.dataset, "__getitems__", None)
        items = getitems(indices) if getitems else [self.dataset[i] for i in indices]
        batch = self.collate_fn(items)
        if self.pin_memory:
            from torch.utils.data._utils.pin_memory import pin_memory

            batch = pin_memory(batch)
        return batch

    def __iter__(self) -> Iterator:
        batches = iter(self.batch_sampler)
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="mediaview-loader")
        pending = collections.deque()
        try:
            for indices in itertools.islice(batches, self.workers * self.prefetch):
                pending.append(pool.submit(self._fetch, indices))
            while pending:
                batch = pending.popleft().result()
                for indices in itertools.islice(batches, 1):
                    pending.append(pool.submit(self._fetch, indices))
                yield batch
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
