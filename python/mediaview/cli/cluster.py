"""``mediaview convert --scheduler``: the CLI's conversions as Dask tasks.

Each file is one task, run by a Dask worker that sees the same file system
at the same paths. The worker decodes and writes with the same code as the
local ``-j`` path (cli.convert_one, the one atomic writer); the client keeps
the progress bar, the failure lines and the summary, from the futures.

A worker that dies (SIGKILL, out of memory, a lost machine) loses its tasks;
the scheduler runs them again elsewhere. What a dead attempt can leave behind
is a temporary file beside its target: once every task has ended, the
client removes the temporaries of this run's targets. A retried task whose
earlier attempt had already moved its output into place recognises it by the
run's tag (see _atomic.run_tag) instead of failing on "exists".
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import socket
import threading
import uuid
import warnings
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from .. import _atomic
from .. import DecodeWarning

LOCAL_PREFIX = "local:"


class SchedulerError(Exception):
    """--scheduler cannot be used: Dask is missing, or the scheduler cannot be reached."""


class Cluster:
    """A Dask client on ``--scheduler``: ``ADDRESS`` (a running scheduler,
    e.g. ``tcp://10.0.0.5:8786``) or ``local:N`` (a local cluster of N
    worker processes, one thread each, started here and closed on exit)."""

    def __init__(self, spec: str):
        try:
            import distributed
        except ImportError as e:
            raise SchedulerError(f"--scheduler needs Dask ({e.name} is missing): "
                                 "pip install 'mediaview[dask]'") from None
        self.spec = spec
        self.local = None
        # Dask's own INFO lines (workers starting, retiring) are not ours to print.
        logging.getLogger("distributed").setLevel(logging.ERROR)
        if spec.startswith(LOCAL_PREFIX):
            workers = int(spec[len(LOCAL_PREFIX):])
            self.local = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                  host="127.0.0.1", dashboard_address=None,
                                                  silence_logs=logging.ERROR)
            address = self.local.scheduler_address
        else:
            address = spec
            _probe(spec)
        try:
            # How long to try: Dask's distributed.comm.timeouts.connect (30 s
            # unless configured, e.g. DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s).
            self.client = _connect(distributed, address)
        except (OSError, TimeoutError) as e:
            self.close()
            raise SchedulerError(f"--scheduler {spec}: cannot reach the scheduler ({e})") from None
        except Exception as e:  # noqa: BLE001 - something answered, but not a Dask scheduler
            self.close()
            raise SchedulerError(f"--scheduler {spec}: no Dask scheduler answers there "
                                 f"({type(e).__name__}: {str(e)[:200]})") from None
        self.as_completed = distributed.as_completed

    def describe(self) -> str:
        count = len(self.client.scheduler_info(n_workers=-1)["workers"])
        where = f"a local cluster of {count} process{'es' if count != 1 else ''}" if self.local else \
            f"{count} Dask worker{'s' if count != 1 else ''} at {self.spec}"
        return where

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self.local is not None:
            self.local.close()


# A scheduler's address as Dask spells it: PROTOCOL://HOST:PORT (tcp, tls,
# ws, wss, ucx, inproc) or HOST:PORT; a bare word ("local", "bogus") would
# have Dask try to reach it for its whole connect timeout, then fail with a
# traceback.
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):\d{1,5}$"
                      r"|^inproc://\S+$")


def _connect(distributed, address: str):
    """distributed.Client(address), made in a helper thread that the main
    thread waits for in short steps: Ctrl-C ends the wait at once, and so
    does the connect timeout when something that is not a Dask scheduler
    takes the connection and never answers (Dask's handshake would wait on)."""
    import dask

    timeout = dask.utils.parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s")
    outcome: list = []

    def connect() -> None:
        try:
            outcome.append(distributed.Client(address, set_as_default=False, timeout=timeout))
        except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
            outcome.append(e)

    thread = threading.Thread(target=connect, name="mediaview-connect", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    if not outcome:
        raise TimeoutError(f"no answer from a Dask scheduler within {timeout:g} s")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _probe(address: str) -> None:
    """A TCP address is tried with a plain socket first: a refused or
    unroutable scheduler is a one-line error at once (and Ctrl-C works
    while waiting), where Dask's client would retry for its whole connect
    timeout in a thread that Ctrl-C does not reach."""
    match = re.match(r"^(?:tcp://)?\[?([^\]/]+?)\]?:(\d+)$", address)
    if match is None:  # tls://, ws://, ...: left to Dask
        return
    host, port = match.group(1), int(match.group(2))
    try:
        with socket.create_connection((host, port), timeout=10):
            pass
    except OSError as e:
        raise SchedulerError(f"--scheduler {address}: cannot reach the scheduler "
                             f"({e.strerror or e or 'timed out'})") from None


def parse_scheduler(text: str) -> str:
    """An argparse type for --scheduler: local:N, or a scheduler's address."""
    if text.startswith(LOCAL_PREFIX) or text == "local":
        count = text[len(LOCAL_PREFIX):]
        if not count.isdigit() or int(count) < 1:
            raise argparse.ArgumentTypeError(f"local:N wants a positive number of worker processes, not {text!r}")
    elif not _ADDRESS.match(text):
        raise argparse.ArgumentTypeError(f"wants a scheduler address (tcp://HOST:PORT, HOST:PORT) or local:N, "
                                         f"not {text!r}")
    return text


def run_jobs_on_cluster(jobs, scheduler: str, convert: Callable, options, record: Callable[[object, object], None],
                        warn: Callable[[Path, List[str]], None]) -> Tuple[bool, str]:
    """Runs every job as a Dask task (``convert(job, options)`` on a worker:
    a function, which pickles by name, and mediaview.conversion's
    ConvertOptions, plain values); calls record(job, outcome) as each
    ends (a message, or the exception) and warn(src, messages) with the
    warnings it had. Returns (interrupted, how the work was spread)."""
    cluster = Cluster(scheduler)
    tag = uuid.uuid4().hex
    futures = {}
    interrupted = False
    try:
        where = cluster.describe()
        for job in jobs:
            # pure=False: a file converted twice in one session is two tasks.
            futures[cluster.client.submit(convert_remote, convert, job, options, tag, pure=False,
                                          key=f"mediaview-convert-{job.src.name}-{uuid.uuid4().hex}")] = job
        try:
            for future in cluster.as_completed(list(futures), loop=cluster.client.loop):
                job = futures[future]
                try:
                    message, job_warnings, error = future.result()
                except Exception as e:  # noqa: BLE001 - the task itself failed (e.g. its arguments)
                    record(job, e)
                    continue
                warn(job.src, job_warnings)
                record(job, error or message)
        except KeyboardInterrupt:
            # Tasks not started are dropped; those running finish on their
            # workers (each output complete, or its temporary removed below).
            interrupted = True
            cluster.client.cancel(list(futures))
    finally:
        cluster.close()  # a local cluster's workers have exited after this
        remove_temporaries(jobs)
    return interrupted, where


def convert_remote(convert: Callable, job, options, tag: str) -> Tuple[Optional[str], List[str], Optional[Exception]]:
    """One conversion on a Dask worker: (the summary line, the warnings it
    raised, the error it failed with). Warnings are collected per task
    thread, not printed on the worker's stderr, so the client can name the
    file they are about. A bad file is a result, not a failed task: Dask
    would log its own "Compute Failed" traceback beside our one line."""
    _install_warning_capture()
    with _atomic.run_tag(tag):
        if not options.overwrite and _atomic.written_by_this_run(job.dst):
            return f"{job.src} -> {job.dst} (finished by an earlier attempt)", [], None
        _captured.messages = []
        try:
            return convert(job, options), _captured.messages, None
        except Exception as e:  # noqa: BLE001 - reported by the client, as a local failure is
            return None, _captured.messages, e
        finally:
            _captured.messages = None


def remove_temporaries(jobs) -> None:
    """Removes what attempts killed mid-write left beside this run's
    targets (called once no task of the run can still be writing)."""
    for job in jobs:
        prefix = _atomic.temp_prefix(job.dst)
        try:
            names = os.listdir(job.dst.parent)
        except OSError:
            continue
        for name in names:
            if name.startswith(prefix):
                try:
                    os.unlink(job.dst.parent / name)
                except OSError:
                    pass


# ---- on the worker ------------------------------------------------------------------

_captured = threading.local()
_install_lock = threading.Lock()
_installed = False


def _install_warning_capture() -> None:
    """Once per worker process: DecodeWarnings raised inside a task go to
    that task's list (every one, as the local CLI shows them); any other
    warning keeps Python's usual path."""
    global _installed
    with _install_lock:
        if _installed:
            return
        previous = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            messages: Optional[list] = getattr(_captured, "messages", None)
            if messages is not None and issubclass(category, DecodeWarning):
                messages.append(str(message))
            else:
                previous(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        warnings.simplefilter("always", DecodeWarning)
        _installed = True
