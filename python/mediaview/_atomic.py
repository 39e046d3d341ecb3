"""Writing files so that a failure never leaves a partial output.

Each output is written to a temporary file in the target's directory, named
``.<name>.mediaview-tmp-<random>`` (the ``TEMP_MARKER`` below), flushed and
fsync'ed, then moved into place. On any exception, KeyboardInterrupt
included, the temporary file is removed. A process killed outright (SIGKILL,
power loss) can leave a temporary behind, never a partial file under the
final name.

Under ``run_tag(tag)`` (the CLI's Dask runner) the temporary carries the tag
as an extended attribute, and a target that already exists with the same tag
counts as written: a task retried after its worker was killed between the
move and its report finds its own finished output instead of refusing it.

This is the one atomic writer: images (write_image) and audio (write_audio)
both go through it. A new file gets the permissions ``open()`` would give it
(0666 less the umask); a file replaced keeps its own permission bits.

With ``overwrite=True`` the move is ``os.replace`` (atomic on POSIX). With
``overwrite=False`` it is ``os.link`` then unlink of the temporary, which
fails with ``FileExistsError`` if the target appeared meanwhile: an existing
file is never replaced, even by a race. On file systems without hard links
it falls back to a check followed by ``os.replace``.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator, Tuple

TEMP_MARKER = ".mediaview-tmp-"

# Read once at import: os.umask can only be read by setting it, which is not
# safe while other threads create files.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


# The extended attribute naming the run that wrote a file (see run_tag).
_TAG_ATTRIBUTE = "user.mediaview.run"
_run_tag: "contextvars.ContextVar[bytes | None]" = contextvars.ContextVar("mediaview_run_tag", default=None)


@contextlib.contextmanager
def run_tag(tag: str) -> Iterator[None]:
    """Outputs written inside the block carry ``tag``; one that exists with
    the same tag is taken as this run's own finished output."""
    token = _run_tag.set(tag.encode())
    try:
        yield
    finally:
        _run_tag.reset(token)


def written_by_this_run(target: "os.PathLike[str] | str") -> bool:
    """True when ``target`` exists and carries the current run's tag."""
    tag = _run_tag.get()
    if tag is None:
        return False
    try:
        return os.getxattr(target, _TAG_ATTRIBUTE) == tag
    except OSError:  # no such file, no such attribute, or no xattrs on this file system
        return False


def temp_prefix(target: Path) -> str:
    return f".{target.name}{TEMP_MARKER}"


def is_temporary(path: "os.PathLike[str] | str") -> bool:
    """True for a name atomic_output uses for its temporary files."""
    name = Path(path).name
    return name.startswith(".") and TEMP_MARKER in name


def check_writable_dir(directory: "os.PathLike[str] | str") -> None:
    """Raises OSError unless a temporary file can be created in ``directory``
    (the real test: permission bits say little to root or on read-only
    mounts). The probe has no name (O_TMPFILE where the file system has it),
    so a process killed while probing leaves nothing behind."""
    with tempfile.TemporaryFile(prefix=f".probe{TEMP_MARKER}", dir=os.fspath(directory)):
        pass


def _move_into_place(temp: str, target: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(temp, target)
        return
    try:
        os.link(temp, target)  # fails with EEXIST instead of replacing
    except OSError as e:
        if e.errno == errno.EEXIST:
            if written_by_this_run(target):  # an earlier attempt of this run finished it
                os.unlink(temp)
                return
            raise FileExistsError(errno.EEXIST, "exists (pass overwrite to replace it)", str(target)) from None
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if target.exists():  # no hard links here: check, then replace
            raise FileExistsError(errno.EEXIST, "exists (pass overwrite to replace it)", str(target)) from None
        os.replace(temp, target)
        return
    os.unlink(temp)


def _mode_for(target: Path) -> int:
    """The permission bits the finished file gets: an existing target's own
    (overwriting must not widen or narrow who can read it), else what
    open() would give a new file."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


@contextlib.contextmanager
def _temporary_beside(target: Path, overwrite: bool) -> Iterator[Tuple[int, str]]:
    """A temporary file in target's directory, named with TEMP_MARKER: yields
    (open descriptor, path); when the block succeeds, the file is flushed to
    disk and moved to ``target``; on any exception it is removed."""
    if not overwrite and target.exists():
        raise FileExistsError(errno.EEXIST, "exists (pass overwrite to replace it)", str(target))
    try:
        fd, temp = tempfile.mkstemp(prefix=temp_prefix(target), dir=os.fspath(target.parent))
    except OSError as e:
        # Said of the file the caller named, not of our temporary beside it.
        where = "its folder does not exist" if isinstance(e, FileNotFoundError) else e.strerror
        raise type(e)(e.errno, f"cannot write the file: {where}", str(target)) from None
    try:
        tag = _run_tag.get()
        if tag is not None:
            with contextlib.suppress(OSError):  # no xattrs here: retries are not recognised, nothing worse
                os.setxattr(fd, _TAG_ATTRIBUTE, tag)
        yield fd, temp
        with open(temp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(temp, _mode_for(target))
        _move_into_place(temp, target, overwrite)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def atomic_output(target: "os.PathLike[str] | str", *, overwrite: bool = True) -> Iterator[BinaryIO]:
    """Yields a binary file to write; on success it becomes ``target``."""
    with _temporary_beside(Path(os.fsdecode(target)), overwrite) as (fd, _):
        with os.fdopen(fd, "wb") as f:
            yield f


@contextlib.contextmanager
def atomic_path(target: "os.PathLike[str] | str", *, overwrite: bool = True) -> Iterator[Path]:
    """Like atomic_output, for writers that want a file name (libsndfile):
    yields a temporary path beside ``target`` (same name pattern) that becomes
    ``target`` once the block ends without an exception."""
    with _temporary_beside(Path(os.fsdecode(target)), overwrite) as (fd, temp):
        os.close(fd)
        yield Path(temp)
