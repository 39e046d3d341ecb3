"""ThreadLoader: DataLoader's batching on threads of this process.

Worker processes exist to get around the GIL; our decode releases it for the
whole batch, so threads can overlap decoding with training without forking
the dataset, pickling batches, or copying them into shared memory. See
bench/bench_torch.py for the two side by side."""

from __future__ import annotations

import collections
import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, Optional

import torch
from torch.utils.data import BatchSampler, RandomSampler, Sampler, SequentialSampler

from . import torch as _mvtorch


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
        self.collate_fn = collate_fn or _mvtorch.collate
        self.workers = workers
        self.prefetch = prefetch
        self.pin_memory = pin_memory and torch.accelerator.is_available()

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def _fetch(self, indices):
        _mvtorch._local.workers = self.workers
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
