"""Running a batch of jobs (here on -j threads, or on Dask workers) and
reporting it: failure and warning lines on stderr, the progress bar."""

from __future__ import annotations

import concurrent.futures
import sys
import threading
import warnings
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import mediaview

from .digest import merged
from .options import UsageError
from .plan import Job
from .terms import in_cli_terms

# One writer at a time on stderr: failure and warning lines come from -j worker threads.
_stderr_lock = threading.Lock()
# The input each thread is converting, so that a warning names its file.
_current = threading.local()

class Reporter:
    """Failure lines on stderr (through tqdm when its bar is showing, so the
    bar is not torn), a tqdm bar when stderr is a terminal and not --quiet."""

    def __init__(self, total: int, quiet: bool):
        self.bar = None
        if total > 1 and not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=sys.stderr, unit="file", dynamic_ncols=True, leave=False)
        self.lock = _stderr_lock

    def failed(self, job: Job, error: BaseException) -> None:
        line = f"mediaview: {job.src}: {type(error).__name__}: {in_cli_terms(error)}"
        with self.lock:
            if self.bar is not None:
                self.bar.write(line, file=sys.stderr)
            else:
                print(line, file=sys.stderr, flush=True)

    def step(self) -> None:
        if self.bar is not None:
            with self.lock:
                self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_jobs(jobs: List[Job], args, convert: Callable[[Job, object], str],
             options) -> Tuple[List[str], int, bool, str]:
    """Runs ``convert(job, options)`` for every job, here (-j threads) or on
    Dask workers (--scheduler; ``options`` pickles); returns (messages of the
    successes, failures, interrupted, where it ran)."""
    reporter = Reporter(len(jobs), args.quiet)
    cancelled = threading.Event()
    messages: List[str] = []
    failures = 0

    def one(job: Job) -> Optional[str]:
        if cancelled.is_set():
            return None
        _current.src, _current.pending = job.src, []
        try:
            return convert(job, options)
        finally:
            pending, _current.pending = _current.pending, None
            for text in merged(pending):  # one line per kind of warning, with a count
                _print_warning(job.src, mediaview.DecodeWarning, text)
            _current.src = None

    def record(job: Job, outcome) -> None:
        nonlocal failures
        if isinstance(outcome, BaseException):
            failures += 1
            reporter.failed(job, outcome)
        elif outcome is not None:
            messages.append(outcome)
        reporter.step()

    if getattr(args, "scheduler", None):
        return run_jobs_remotely(jobs, args, convert, options, reporter, record, lambda: messages,
                                 lambda: failures)
    where = f"with {args.jobs} worker{'s' if args.jobs > 1 else ''}"
    try:
        if args.jobs == 1 or len(jobs) == 1:
            for job in jobs:
                try:
                    outcome = one(job)
                except Exception as e:  # noqa: BLE001 - a bad file is reported and the batch goes on
                    outcome = e
                record(job, outcome)
        else:
            with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
                futures = {pool.submit(one, job): job for job in jobs}
                recorded = set()
                try:
                    for future in concurrent.futures.as_completed(futures):
                        recorded.add(future)
                        record(futures[future], future.exception() or future.result())
                except KeyboardInterrupt:
                    # Jobs not started are dropped; those running finish (each
                    # is renamed into place complete, or cleaned up) and count.
                    cancelled.set()
                    pool.shutdown(wait=True, cancel_futures=True)
                    for future, job in futures.items():
                        if future not in recorded and not future.cancelled():
                            record(job, future.exception() or future.result())
                    raise
    except KeyboardInterrupt:
        reporter.close()
        return messages, failures, True, where
    reporter.close()
    return messages, failures, False, where


def run_jobs_remotely(jobs: List[Job], args, convert, options, reporter: Reporter, record, messages, failures):
    """run_jobs on Dask workers (--scheduler): the same outcomes, bar and
    failure lines, from the futures."""
    from .cluster import SchedulerError, run_jobs_on_cluster

    def warn(src: Path, messages: List[str]) -> None:
        _current.src = src  # _show_warning names the file; the filters (-q, -W) apply as for local warnings
        try:
            for message in merged(messages):
                warnings.warn(message, mediaview.DecodeWarning, stacklevel=1)
        finally:
            _current.src = None

    try:
        interrupted, where = run_jobs_on_cluster(jobs, args.scheduler, convert, options, record, warn)
    except SchedulerError as e:
        reporter.close()
        raise UsageError(str(e)) from None
    reporter.close()
    return messages(), failures(), interrupted, f"on {where}"


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    # Recoverable damage (DecodeWarning) as one line naming the input, not
    # Python's source excerpt. showwarning runs in the thread that warned.
    pending = getattr(_current, "pending", None)
    if pending is not None and issubclass(category, mediaview.DecodeWarning):
        pending.append(str(message))  # said once per kind when the file is done
        return
    _print_warning(getattr(_current, "src", None), category, message)


def _print_warning(src, category, message) -> None:
    where = f"{src}: " if src is not None else ""
    with _stderr_lock:  # whole lines: print() writes the text and its newline separately
        print(f"mediaview: {where}warning: {category.__name__}: {message}", file=sys.stderr, flush=True)
