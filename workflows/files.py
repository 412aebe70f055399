"""Files the program writes for people to keep (exports, checkpoints, PDFs): all or nothing.

A file is written under a temporary name beside its target and renamed into place only once it is
complete and on disk, so a failure (an unwritable folder, a full disk) leaves no half-written file.
Failures are raised as OSError; the command line maps them to exit 1 in one place.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def check_writable(path: str | Path) -> Path:
    """Refuse, before any work is done, a target that cannot be written: a folder, or a file in a
    folder that does not exist or cannot be written. Raises OSError."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    fd, probe = _temporary(path, ".probe")
    os.close(fd)
    os.unlink(probe)
    return path


def _temporary(path: Path, suffix: str) -> tuple[int, str]:
    """A new file beside `path`; a failure names `path` (what the user gave), not the temporary name."""
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None


@contextmanager
def atomic_output(path: str | Path, mode: str = "w", *, encoding: str | None = "utf-8",
                  newline: str | None = None) -> Iterator:
    """Open a temporary file beside `path` for writing; on success it replaces `path`, on failure it goes."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    fd, tmp = _temporary(path, ".part")
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with open(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)  # an existing file keeps its permissions
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno is not None and exc.filename in (None, tmp):
            raise type(exc)(exc.errno, exc.strerror, str(path)) from exc  # e.g. the disk filled up mid-write
        raise


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_output(path, "wb") as fh:
        fh.write(data)
