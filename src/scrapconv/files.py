"""Files as scrapconv reads and writes them: only regular files are read, and one run at a time
writes into a folder.

`read_regular` reads a regular file, and refuses, without blocking or reading endlessly, a
FIFO, a device, a socket or a folder, and a symbolic link that leads out of the folder the
file is looked for in (`IrregularFileError`).

`folder_lock` holds the lock of a folder for a run that writes into it: an exclusive OS lock
(`flock` on POSIX, `msvcrt.locking` on Windows) on `.scrapconv.lock` in the folder. The lock
belongs to the process holding it, so a run killed by any means leaves no stale lock behind:
the lock file it leaves locks nothing and is used by the next run. The run that takes the lock
first removes the temporary files (`.scrapconv-*.tmp`) that killed runs left in the folder,
then removes the lock file again as it lets the lock go.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = [
    "LOCK_NAME",
    "FolderLockedError",
    "IrregularFileError",
    "folder_lock",
    "read_regular",
    "temporary_name",
]

LOCK_NAME = ".scrapconv.lock"
_TEMPORARY = re.compile(r"\.scrapconv-[0-9a-f]{12}\.tmp")
# How often a run waiting for a lock on Windows tries again (POSIX waits in the kernel).
_RETRY_SECONDS = 0.1


class IrregularFileError(OSError):
    """A path that is not a regular file or a folder (`strerror` says what it is instead)."""


class FolderLockedError(Exception):
    """Another run holds the lock of a folder and the caller chose not to wait."""


def temporary_name() -> str:
    """A fresh name for a temporary file: `.scrapconv-` + 12 hex digits + `.tmp`."""
    return f".scrapconv-{secrets.token_hex(6)}.tmp"


def read_regular(path: Path, within: Path | None) -> bytes:
    """The bytes of the regular file `path`, a file of the folder `within` (or below it).

    A symbolic link is followed only to a file inside `within` (anywhere when it is None).
    Raises FileNotFoundError when there is nothing at `path` (or a link to nothing),
    IrregularFileError for what is neither a regular file nor a folder or a link out of
    `within`, and OSError when it cannot be read (IsADirectoryError for a folder)."""
    if (
        within is not None
        and os.path.islink(path)
        and not _inside(os.path.realpath(path), os.path.realpath(within))
    ):
        raise IrregularFileError(0, f"a symbolic link leading out of {within}", str(path))
    _check_regular(os.stat(path), path)
    # Not blocking on a FIFO put in its place since; the kind is checked again on what opened.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        _check_regular(os.fstat(descriptor), path)
    except BaseException:
        os.close(descriptor)
        raise
    with open(descriptor, "rb") as file:
        return file.read()


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath((path, folder)) == folder
    except ValueError:  # on different drives (Windows)
        return False


def _check_regular(status: os.stat_result, path: Path) -> None:
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        # As reading it would say.
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if stat.S_ISFIFO(mode):
        kind = "a FIFO"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "not a file"
    raise IrregularFileError(0, f"{kind}, not a regular file", str(path))


# The folders whose lock this process holds, by thread and folder: a thread taking a lock it
# holds already goes on (an OS lock taken twice by one process would wait for itself).
_held: dict[tuple[int, str], int] = {}


@contextlib.contextmanager
def folder_lock(
    folder: Path, *, wait: bool = True, waiting: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the lock of the existing folder `folder` for the `with` block; see the module.

    When another run holds it: wait for it to end (`wait`, calling `waiting` once first), or
    raise FolderLockedError. Raises OSError when the lock file cannot be made."""
    key = (threading.get_ident(), os.path.realpath(folder))
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    path = folder / LOCK_NAME
    descriptor = _acquire(path, wait, waiting)
    _held[key] = 1
    try:
        _remove_temporary_files(folder)
        yield
    finally:
        del _held[key]
        _release(path, descriptor)


def _acquire(path: Path, wait: bool, waiting: Callable[[], None] | None) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    while True:
        descriptor = os.open(path, flags, 0o666)
        try:
            if not _try_lock(descriptor):
                if not wait:
                    raise FolderLockedError(
                        f"{path.parent}: another scrapconv run is writing into this folder"
                    )
                if waiting is not None:
                    waiting()
                    waiting = None
                _lock(descriptor)
            # The run that held the lock removes the file as it ends: a lock taken on a file
            # removed meanwhile locks nothing, so take the lock of the file there now.
            if _is_file_at(descriptor, path):
                return descriptor
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)


def _is_file_at(descriptor: int, path: Path) -> bool:
    try:
        there = os.lstat(path)
    except FileNotFoundError:
        return False
    here = os.fstat(descriptor)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _remove_temporary_files(folder: Path) -> None:
    """Remove what runs killed while writing into `folder` left: their temporary files."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if _TEMPORARY.fullmatch(entry.name) and not entry.is_dir(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _lock(descriptor: int) -> None:
        while not _try_lock(descriptor):
            time.sleep(_RETRY_SECONDS)

    def _release(path: Path, descriptor: int) -> None:
        # Windows removes no file another process holds open: unlock and close first; a run
        # that opened the file meanwhile keeps it.
        try:
            msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(descriptor)
        with contextlib.suppress(OSError):
            os.unlink(path)

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)

    def _release(path: Path, descriptor: int) -> None:
        # Removed while still locked: a run waiting on this file finds it gone and tries again.
        try:
            with contextlib.suppress(OSError):
                os.unlink(path)
        finally:
            os.close(descriptor)
