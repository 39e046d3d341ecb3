"""Writing files so that a failure never leaves a partial output.

Each output is written to a temporary file in the target's directory, named
``.<name>.mediaview-tmp-<random>``, flushed to disk, then renamed over the
target with ``os.replace`` (atomic on POSIX). On any exception, including
KeyboardInterrupt, the temporary file is removed. A process killed outright
can leave a temporary behind, never a partial file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

TEMP_MARKER = ".mediaview-tmp-"


@contextlib.contextmanager
def atomic_output(target: "os.PathLike[str] | str", *, overwrite: bool = True) -> Iterator[BinaryIO]:
    """Yields a binary file to write; on success it becomes ``target``."""
    target = Path(target)
    if not overwrite and target.exists():
        raise FileExistsError(f"{target} exists (pass overwrite to replace it)")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}{TEMP_MARKER}", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        if not overwrite and target.exists():
            raise FileExistsError(f"{target} exists (pass overwrite to replace it)")
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def atomic_path(target: "os.PathLike[str] | str", *, overwrite: bool = True) -> Iterator[Path]:
    """Like atomic_output, for writers that want a file name (libsndfile):
    yields a temporary path beside ``target`` that becomes ``target``."""
    target = Path(target)
    if not overwrite and target.exists():
        raise FileExistsError(f"{target} exists (pass overwrite to replace it)")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}{TEMP_MARKER}", dir=target.parent or ".")
    os.close(fd)
    try:
        yield Path(temp)
        with open(temp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        if not overwrite and target.exists():
            raise FileExistsError(f"{target} exists (pass overwrite to replace it)")
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
