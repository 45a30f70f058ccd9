"""One way to write an output file the user asked for: atomically, never over an existing
file without ``force``, and with a message that says why when it cannot be done.

A temporary file beside the target is written, flushed, synced and renamed over it: a full
disk or Ctrl-C never leaves a half-written report, and a failed write leaves nothing behind.
A target that exists but is not a regular file (a FIFO, /dev/stdout, /dev/full) is written
directly: renaming over it would replace the device node itself.  The CLI's JSON, Markdown,
HTML and triage outputs and the support bundle all come through :func:`write`.
"""
from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path
from typing import IO, Callable, TypeVar

T = TypeVar("T")


class WriteError(Exception):
    """The output could not be written.  ``refused`` is True when nothing was tried because
    the command line asks for something this will not do (overwrite without ``force``, write
    to a folder): a usage error rather than a failed write."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


def write(path: Path, fill: Callable[[IO], T], *, force: bool = False, binary: bool = False,
          fsync: Callable[[int], None] = os.fsync) -> T:
    """Call ``fill(fh)`` on a temporary file beside ``path``, then rename it over ``path``;
    return what ``fill`` returned.  Raises :class:`WriteError` (``fsync`` is injectable so
    tests can simulate a disk that fills up at the last step)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise WriteError(f"{path} is a folder; give a file name", refused=True)
    if mode is not None and not stat.S_ISREG(mode):
        try:
            with _open(path, "wb" if binary else "w", binary) as fh:
                return fill(fh)
        except OSError as err:
            raise WriteError(_why(path, err)) from None
    if mode is not None and not force:
        raise WriteError(f"{path} exists; use --force to overwrite it", refused=True)
    parent = path.parent if str(path.parent) else Path(".")
    tmp_name = None
    try:
        # created like any file the user writes (0o666 less the umask), under a name no one else uses
        name = str(parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        tmp_name = name              # ours from here on: removed if anything below fails
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8",
                       newline=None if binary else "") as fh:
            result = fill(fh)
            fh.flush()
            fsync(fh.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
        return result
    except OSError as err:
        raise WriteError(_why(path, err)) from None
    finally:
        if tmp_name is not None:     # a failure or Ctrl-C mid-write: no temporary file left behind
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def _open(path: Path, mode: str, binary: bool):
    return open(path, mode) if binary else open(path, mode, encoding="utf-8", newline="")


def _why(path: Path, err: OSError) -> str:
    parent = path.parent if str(path.parent) else Path(".")
    if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"could not write {path}: the disk is full ({err.strerror}; free some space or choose another folder)"
    if err.errno == errno.ENOENT and not parent.is_dir():
        return f"could not write {path}: the folder {parent} does not exist"
    if isinstance(err, PermissionError):
        return f"could not write {path}: {err.strerror} (no permission to write in {parent})"
    return f"could not write {path}: {err.strerror or err}"
