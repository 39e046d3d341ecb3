"""Decoding across a Dask cluster: lazy arrays and bags over mediaview's batches.

    pip install 'mediaview[dask]'      # dask[array,distributed]

``read_images`` is a lazy ``dask.array.Array`` with one block per ``chunk``
files, each block one :func:`mediaview.decode_images` call (the native worker
pool of whichever machine runs it, the GIL released throughout);
``read_audio_files`` is a ``dask.bag`` over :func:`mediaview.read_audios`.
Shapes and dtypes come from the file headers before any pixel is decoded, so
the array can be sliced, mapped and stored like any other.

Memoryviews do not pickle, so what a task returns, and what crosses between
processes, is a numpy array made with ``numpy.asarray(view)``: that shares the
decoder's buffer (no copy on the producing side); Dask's serialisation then
moves it.

The workers read the paths themselves: every worker must see the same file
system at the same paths (a shared mount on a cluster), and so must the
process that builds a ``read_images`` array (it reads the headers).
"""

from __future__ import annotations

import glob as _glob
import logging
import os
from typing import Iterable, List, Sequence, Tuple, Union

try:
    import dask
    import dask.array as da
    import dask.bag as db
    import numpy as np
except ImportError as e:  # the extra is optional: `import mediaview` never needs it
    raise ImportError(
        f"mediaview.dask needs Dask and numpy ({e.name or e} is missing): "
        "pip install 'mediaview[dask]' (dask[array,distributed])") from e

from ._audio import audio_info
from ._batch import decode_images, plan_images, read_audios
from ._requests import audio_request
from . import _args as args
from . import _core
from ._core import BatchError

__all__ = ["read_images", "read_audio_files"]

#: Failures that ``skip_failed=True`` passes over are logged here, one
#: warning per file naming its path.
log = logging.getLogger("mediaview.dask")

PathLike = Union[str, "os.PathLike[str]"]


def read_images(paths_or_glob: Union[PathLike, Iterable[PathLike]], *, chunk: int = 64, skip_failed: bool = False,
                with_failures: bool = False, threads=None, **options):
    """A lazy ``(N, H, W, C)`` array (``(N, H, W)`` for ``mode="L"``) of
    every image, uint8 (uint16 where the files are 16-bit and ``dtype`` asks
    for their own depth), in path order (a glob's matches sorted).

    - ``paths_or_glob``: a glob pattern (``"photos/*.jpg"``), or an iterable
      of paths; a single path is a pattern that matches itself.
    - ``chunk``: files per block (one task each). Tasks cost the scheduler
      about a millisecond each, so blocks of 64 small images keep its
      overhead a few percent (see the README, "At scale").
    - ``threads``: native threads per task (``None``: every core of the
      worker's machine). With several Dask worker threads on one machine,
      ``threads=1`` avoids oversubscribing its cores.
    - ``options``: :func:`mediaview.decode_images`'s (``mode``, ``dtype``,
      ``scale``, ``crop``, ``orient``, ``strict``, ``allow_truncated``,
      ``max_pixels``, ``size``, ``fit``, ``filter``, ``fill``,
      ``reducing_gap``), for every file.

    Shape and dtype are read from the headers now, in this process, in the
    native pool (when no file can be read, that is a BatchError now). Files
    that decode to different shapes raise ``ValueError`` naming the first
    that differs, unless ``size=`` resizes them all on load.
    A file that cannot be read fails at compute time: the block raises
    :class:`mediaview.BatchError` naming the file (``.failures`` holds
    ``(index, path, exception)``, the index into the whole array; ``.result``
    the block as a numpy array, failed images zeroed). With
    ``skip_failed=True`` its slot is zeros instead, and each failure is
    logged to the ``mediaview.dask`` logger with its path.

    Dask ends a compute at the first block that raises, so a failure in
    another block would go unheard. ``with_failures=True`` returns
    ``(images, failures)``: failed slots are zeros and ``failures`` is a
    lazy 1-D object array of every block's ``(index, path, exception)``,
    computed in the same pass as the pixels by
    ``dask.compute(images, failures)`` (one decode per block).
    """
    for name in ("stack", "out"):
        if name in options:
            raise TypeError(f"read_images makes its own blocks: {name}= is not an option here")
    chunk = _positive(chunk, "chunk")
    paths = _paths(paths_or_glob)
    shape, dtype = _common_plan(paths, plan_images(paths, threads=threads, stacked_by="read_images", **options))
    collect = args.flag(with_failures, "with_failures")
    blocks, failures = [], []
    for i in range(0, len(paths), chunk):
        task = dask.delayed(_decode_block, pure=True, nout=2)(
            paths[i:i + chunk], (i, len(paths), chunk), shape, dtype, threads,
            "collect" if collect else "skip" if skip_failed else "raise", options,
            dask_key_name=_key("mediaview-images", paths, i, chunk, options, collect))
        blocks.append(da.from_delayed(task[0], shape=(len(paths[i:i + chunk]),) + shape, dtype=dtype))
        failures.append(task[1])
    images = da.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]
    return (images, _every_failure(failures)) if collect else images


def read_audio_files(paths: Union[PathLike, Iterable[PathLike]], *, chunk: int = 64, pad_to=None,
                     with_failures: bool = False, threads=None, **options):
    """Audio clips as a ``dask.bag`` of ``(samples, samplerate)``, one per
    path in order (``paths`` may be a glob pattern, as for :func:`read_images`), ``samples`` a numpy array as :func:`mediaview.read_audio`
    gives it; each partition of ``chunk`` clips is one
    :func:`mediaview.read_audios` call with ``options`` (``dtype``,
    ``samplerate``, ``channels``, ``mix``, ``start``, ``stop``, ...).

    With ``pad_to=N`` frames: ``(batch, lengths, samplerate)`` instead, as
    ``read_audios(pad_to=N)`` gives it, where ``batch`` is a lazy
    ``(N_clips, N, channels)`` dask array (``(N_clips, N)`` for mono without
    ``always_2d``), ``lengths`` a lazy int64 array of each clip's frames in
    it, and ``samplerate`` the clips' one rate. Channels and rate come from
    the headers (or the ``channels=``/``samplerate=`` you ask for); clips
    that differ raise ``ValueError`` naming the first. Compute ``batch`` and
    ``lengths`` together (``dask.compute(batch, lengths)``) to decode once.
    A clip that fails raises :class:`mediaview.BatchError` at compute time,
    naming it. Dask ends a compute at the first partition that raises;
    ``with_failures=True`` adds every partition's ``(index, path,
    exception)`` to what is returned: ``(bag, failures)`` with ``failures``
    a bag, or ``(batch, lengths, samplerate, failures)`` with ``failures`` a
    lazy 1-D object array. ``dask.compute`` of them together decodes once;
    a failed clip is then ``None`` in the bag, or zeros of length 0 in the
    batch.
    """
    if "pad" in options:
        raise TypeError("read_audio_files pads to a length known up front: pass pad_to=N frames, not pad=")
    chunk = _positive(chunk, "chunk")
    audio_request("read_audio_files", options)  # every option checked now, as read_audio checks it
    # One str is a glob, as read_images takes it (it was iterated character by character).
    paths = _paths(paths) if isinstance(paths, (str, bytes, os.PathLike)) else [os.fspath(p) for p in paths]
    if not paths:
        raise ValueError("read_audio_files needs at least one path")
    collect = args.flag(with_failures, "with_failures")
    if pad_to is not None:
        return _padded_audio(paths, chunk, _positive(pad_to, "pad_to", zero=True), threads, options, collect)
    partitions, failures = [], []
    for i in range(0, len(paths), chunk):
        task = dask.delayed(_read_clips, pure=True, nout=2)(
            paths[i:i + chunk], (i, len(paths), chunk), threads, collect, options,
            dask_key_name=_key("mediaview-clips", paths, i, chunk, options, collect))
        partitions.append(task[0])
        failures.append(task[1])
    clips = db.from_delayed(partitions)
    return (clips, db.from_delayed(failures)) if collect else clips  # a bag beside a bag: see _every_failure


# ---- the tasks ------------------------------------------------------------------

def _decode_block(paths: List[str], where: Tuple[int, int, int], shape: Tuple[int, ...], dtype: str, threads,
                  on_failure: str, options: dict) -> Tuple["np.ndarray", list]:
    """One block: a decode_images call, returned as the numpy array over its
    buffer, and its failures. ``on_failure``: "raise" re-raises a failure
    as a BatchError that pickles (indices into the whole array, the result a
    numpy array); "skip" logs each; "collect" only returns them. ``where``:
    (the block's first index, the number of files, files per block)."""
    failures: list = []
    try:
        block = np.asarray(decode_images(paths, threads=threads, **options))
    except BatchError as e:
        failures = _in_whole(e, paths, where)
        block = np.zeros((len(paths),) + shape, dtype) if e.result is None else np.asarray(e.result)
        if on_failure == "raise":
            raise _in_block(_batch_error(failures, len(paths), block), where, "images") from None
        if on_failure == "skip":
            for index, path, error in failures:
                log.warning("%s: skipped (image %d): %s: %s", path, index, type(error).__name__, error)
    if block.shape[1:] != shape or block.dtype != dtype:  # a file changed after its header was read
        raise ValueError(f"{paths[0]}..: the block decoded to {block.shape[1:]} {block.dtype}, "
                         f"not the {shape} {dtype} its headers said when the array was made")
    return block, failures


def _read_clips(paths: List[str], where: Tuple[int, int, int], threads, collect: bool,
                options: dict) -> Tuple[list, list]:
    """One partition of read_audio_files: a read_audios call, as numpy
    arrays (None for a failed clip when collecting), and its failures."""
    failures: list = []
    try:
        results = read_audios(paths, threads=threads, **options)
    except BatchError as e:
        failures = _in_whole(e, paths, where)
        if not collect:
            raise _in_block(_batch_error(failures, len(paths), None, "clips"), where, "clips") from None
        results = e.result
    return [None if r is None else (np.asarray(r[0]), r[1]) for r in results], failures


def _read_padded(paths: List[str], where: Tuple[int, int, int], pad_to: int, block: Tuple[tuple, str], threads,
                 collect: bool, options: dict) -> Tuple["np.ndarray", "np.ndarray", int, list]:
    """One block of a padded read_audio_files: (batch, lengths, samplerate,
    failures); ``block``: the batch's shape and dtype, zeros when no clip
    of the block could be read."""
    failures: list = []
    try:
        batch, lengths, rate = read_audios(paths, threads=threads, pad_to=pad_to, **options)
    except BatchError as e:
        failures = _in_whole(e, paths, where)
        if not collect:
            raise _in_block(_batch_error(failures, len(paths), None, "clips"), where, "clips") from None
        batch, lengths, rate = e.result
        if batch is None:
            batch = np.zeros(*block)
    return np.asarray(batch), np.asarray(lengths, dtype=np.int64), rate, failures


def _padded_audio(paths: List[str], chunk: int, pad_to: int, threads, options: dict, collect: bool):
    readable = [(path, info) for path, info in zip(paths, _headers(paths, collect)) if info is not None]
    if not readable:
        raise FileNotFoundError(f"no clip's header can be read: {paths[0]}, ...")
    channels = options.get("channels") or readable[0][1].channels
    rate = options.get("samplerate") or readable[0][1].samplerate
    first = readable[0][0]
    for path, info in readable:
        if not options.get("channels") and info.channels != channels:
            raise ValueError(f"padded clips need one channel count: {path} has {info.channels}, "
                             f"{first} {channels} (pass channels= to mix them on load)")
        if not options.get("samplerate") and info.samplerate != rate:
            raise ValueError(f"padded clips need one sample rate: {path} is {info.samplerate} Hz, "
                             f"{first} {rate} Hz (pass samplerate= to resample them on load)")
    dtype = np.dtype(options.get("dtype", "float32"))
    frame_shape = (pad_to,) if channels == 1 and not options.get("always_2d") else (pad_to, channels)
    batches, lengths, failures = [], [], []
    for i in range(0, len(paths), chunk):
        part = paths[i:i + chunk]
        task = dask.delayed(_read_padded, pure=True, nout=4)(
            part, (i, len(paths), chunk), pad_to, ((len(part),) + frame_shape, dtype.str), threads, collect, options,
            dask_key_name=_key("mediaview-audio", paths, i, chunk, options, pad_to, collect))
        batches.append(da.from_delayed(task[0], shape=(len(part),) + frame_shape, dtype=dtype))
        lengths.append(da.from_delayed(task[1], shape=(len(part),), dtype=np.int64))
        failures.append(task[3])
    padded = (da.concatenate(batches), da.concatenate(lengths), rate)
    return padded + (_every_failure(failures),) if collect else padded


# ---- helpers --------------------------------------------------------------------

def _paths(paths_or_glob) -> List[str]:
    if isinstance(paths_or_glob, (str, bytes, os.PathLike)):
        pattern = os.fsdecode(paths_or_glob)
        paths = sorted(_glob.glob(pattern))
        if not paths:
            raise FileNotFoundError(f"no file matches {pattern!r}")
        return paths
    paths = [os.fsdecode(p) for p in paths_or_glob]
    if not paths:
        raise ValueError("read_images needs at least one path")
    return paths


def _common_plan(paths: Sequence[str], plans) -> Tuple[Tuple[int, ...], str]:
    """The one (shape, dtype) every readable file decodes to (plan_images
    with stacked_by= has checked that they agree); failures are left to the
    tasks (they raise, or zero-fill with skip_failed)."""
    for plan in plans:
        if not isinstance(plan, BaseException):
            return plan
    # nothing to take a shape from
    raise _batch_error([(i, paths[i], p) for i, p in enumerate(plans)], len(paths), None)


def _headers(paths: List[str], collect: bool) -> list:
    """Each clip's audio_info; when failures are collected, None for one
    that cannot be read (its task reports it), else its error now."""
    infos = []
    for path in paths:
        try:
            infos.append(audio_info(path))
        except (OSError, _core.Error) if collect else ():
            infos.append(None)
    return infos


def _in_whole(error: BatchError, paths: List[str], where: Tuple[int, int, int]) -> list:
    """A block's failures as (index into the whole array, path, exception)."""
    return [(where[0] + index, paths[index], exception) for index, _, exception in error.failures]


def _every_failure(per_block: list) -> "da.Array":
    """One lazy 1-D object array of every block's failures, in index order.
    An array, not a delayed list: Dask optimises the collections of one
    compute by type, and only collections of the pixels' own type share
    their decode tasks (a delayed list beside an array decoded twice)."""
    parts = [da.from_delayed(dask.delayed(_as_objects, pure=True)(failures), shape=(np.nan,), dtype=object)
             for failures in per_block]
    return da.concatenate(parts) if len(parts) > 1 else parts[0]


def _as_objects(failures: list) -> "np.ndarray":
    out = np.empty(len(failures), dtype=object)
    for i, failure in enumerate(failures):
        out[i] = failure
    return out


def _in_block(error: BatchError, where: Tuple[int, int, int], what: str) -> BatchError:
    """``error`` with the block it comes from: Dask ends a compute at the
    first block that raises, so the others' failures are never heard of;
    the message says so, and how to hear of them all."""
    offset, total, chunk = where
    blocks = -(-total // chunk)
    if blocks > 1:
        last = min(offset + chunk, total) - 1
        error.args = (f"block {offset // chunk + 1} of {blocks} ({what} {offset}-{last}): {error.args[0]}; Dask "
                      f"stops at the first block that fails, so other blocks may hold failures too: "
                      f"with_failures=True returns every block's failures, computed in the same pass",)
    return error


def _batch_error(failures, count: int, result, what: str = "images") -> BatchError:
    """decode_images' BatchError (built by the same code), naming the first failed file."""
    return _core.batch_error(failures, count, what, result)


def _key(prefix: str, paths: Sequence[str], start: int, chunk: int, *params) -> str:
    """A task key that names the work (the same files and options give the
    same key, so Dask can share results), and the block's start."""
    token = dask.base.tokenize(list(paths), chunk, *params)
    return f"{prefix}-{token}-{start}"


def _positive(value, name: str, zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < (0 if zero else 1):
        raise ValueError(f"{name} must be {'>= 0' if zero else 'at least 1'}, not {value}")
    return value
