"""Files as scrapconv reads and writes them: only regular files are read, each file is written
whole or not at all, and one run at a time writes into a folder.

`read_regular` reads a regular file, and refuses, without blocking or reading endlessly, a
FIFO, a device, a socket or a folder, and a symbolic link that leads out of the folder the
file is looked for in (`IrregularFileError`).

`folder_lock` holds the lock of a folder for a run that writes into it: an exclusive OS lock
(`flock` on POSIX, `msvcrt.locking` on Windows) on `.scrapconv.lock` in the folder. The lock
belongs to the process holding it, so a run killed by any means leaves no stale lock behind:
the lock file it leaves locks nothing and is used by the next run. The run that takes the lock
first removes the temporary files (`.scrapconv-*.tmp`) that killed runs left in the folder,
then removes the lock file again as it lets the lock go.

`write_atomically` writes a file whole or not at all (a temporary file in the same folder, then
a rename); `folder_run` writes many files into a folder so, and removes the new ones again when
the run fails or is interrupted. `compare_file` gives a file as it is next to what would be
written (`FileChange`, with its unified diff), and `write_change` writes it only when it
changes the file.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .frozen import frozen

__all__ = [
    "LOCK_NAME",
    "FileChange",
    "FolderLockedError",
    "FolderRun",
    "IrregularFileError",
    "compare_file",
    "error_reason",
    "folder_lock",
    "folder_run",
    "interrupts_held",
    "kept_mode",
    "make_folder",
    "new_file_mode",
    "read_if_present",
    "read_regular",
    "remove_files",
    "rename_case",
    "temporary_name",
    "write_atomically",
    "write_change",
]

LOCK_NAME = ".scrapconv.lock"
_TEMPORARY = re.compile(r"\.scrapconv-[0-9a-f]{12}\.tmp")
# Whether a file's mode and times can be set through its open descriptor (POSIX).
_BY_DESCRIPTOR = os.chmod in os.supports_fd and os.utime in os.supports_fd
# How often a run waiting for a lock on Windows tries again (POSIX waits in the kernel).
_RETRY_SECONDS = 0.1


class IrregularFileError(OSError):
    """A path that is not a regular file or a folder (`strerror` says what it is instead)."""


class FolderLockedError(Exception):
    """Another run holds the lock of a folder and the caller chose not to wait."""


# What makes this process's temporary names its own: a random prefix drawn once per process
# (a forked worker draws its own) and a counter, instead of random bytes asked of the system for
# every file; a name that is taken all the same is skipped (`O_EXCL`).
_name_source: tuple[int, str, Iterator[int]] | None = None


def temporary_name() -> str:
    """A fresh name for a temporary file: `.scrapconv-` + 12 hex digits + `.tmp`."""
    global _name_source
    if _name_source is None or _name_source[0] != os.getpid():
        _name_source = (os.getpid(), os.urandom(3).hex(), itertools.count())
    _, prefix, counter = _name_source
    return f".scrapconv-{prefix}{next(counter) % 0x1000000:06x}.tmp"


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


@frozen
class FileChange:
    """A file as it is (`old`, None when there is none) and as a conversion would write it
    (`new`, None when it would remove it). `unread` says why the file there was not read
    (`old` is then None): it is not a regular file, or a symbolic link out of its folder."""

    path: Path
    old: bytes | None
    new: bytes | None
    unread: str | None = None

    @property
    def changed(self) -> bool:
        return self.unread is not None or self.old != self.new

    def diff(self) -> str:
        """A unified diff from the file as it is to the file as it would be ("" when they
        are the same); a file that is absent, before or after, is `/dev/null`, and one that
        was not read is named with the reason (`a.md (not read: a FIFO, …)`)."""
        if not self.changed:
            return ""
        before = "/dev/null" if self.old is None else str(self.path)
        if self.unread is not None:
            before = f"{self.path} (not read: {self.unread})"
        import difflib  # here: only a diff needs it, and a page converts without

        lines = difflib.unified_diff(
            [] if self.old is None else _diff_lines(self.old),
            [] if self.new is None else _diff_lines(self.new),
            before,
            "/dev/null" if self.new is None else str(self.path),
        )
        return "".join(lines)


def _diff_lines(data: bytes) -> list[str]:
    lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def compare_file(path: Path, new: bytes) -> FileChange:
    """`path` as it is now next to `new`. What is not a regular file, or a symbolic link out of
    its folder, is not read (`FileChange.unread`). Raises OSError when `path` exists and cannot
    be read."""
    try:
        return FileChange(path, read_if_present(path), new)
    except IrregularFileError as error:
        return FileChange(path, None, new, error_reason(error))


def read_if_present(path: Path) -> bytes | None:
    """The bytes of the regular file `path`, or None when there is none. Raises
    IrregularFileError for what is not a regular file or a link out of its folder, OSError
    when it cannot be read."""
    try:
        return read_regular(path, path.parent)
    except FileNotFoundError:
        return None


def error_reason(error: OSError) -> str:
    """Why a file could not be read, for a message."""
    return error.strerror or str(error)


def write_change(change: FileChange) -> None:
    """Write `change.new` to its path, whole or not at all, and only when it changes the file;
    a file replaced keeps its permissions. A change with no `new` removes the file. Raises
    OSError. It takes no lock: hold `scrapconv.files.folder_lock` of the folder around it
    where other runs may write there."""
    if not change.changed:
        return
    if change.new is None:
        change.path.unlink(missing_ok=True)
        return
    mode = kept_mode(change.path)
    write_atomically(change.path, change.new, None, new_file_mode() if mode is None else mode)


def make_folder(folder: Path) -> list[Path]:
    """Make `folder` and its missing parents; the folders made, outermost first."""
    missing = _missing_folders(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _missing_folders(folder: Path) -> list[Path]:
    """`folder` and those of its parents that do not exist, outermost first."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and not current.is_symlink():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    return list(reversed(missing))


def new_file_mode() -> int:
    """The mode a new file gets here (what `open` would give under the current umask)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, data: bytes, mtime: int | None, mode: int) -> None:
    """Write `path` whole or not at all: a temporary file in the same folder, then a rename.

    The temporary file is named before it is made, inside the `try`, so that an interrupt
    (Ctrl-C) at any point after it is made still removes it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    temporary = ""
    try:
        while True:
            temporary = os.path.join(path.parent, temporary_name())
            try:
                descriptor = os.open(temporary, flags, 0o600)
            except FileExistsError:
                temporary = ""
                continue
            break
        try:
            _write_all(descriptor, data)
            # Through the open file: no look-up of the path again.
            if _BY_DESCRIPTOR:
                os.fchmod(descriptor, mode)
                if mtime is not None:
                    os.utime(descriptor, (mtime, mtime))
        finally:
            os.close(descriptor)
        if not _BY_DESCRIPTOR:
            os.chmod(temporary, mode)
            if mtime is not None:
                os.utime(temporary, (mtime, mtime))
        os.replace(temporary, path)
    except BaseException:
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def kept_mode(path: Path) -> int | None:
    """The permissions of the regular file at `path` (a file replaced keeps them), or None."""
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return stat.S_IMODE(status.st_mode) if stat.S_ISREG(status.st_mode) else None


def rename_case(source: Path, target: Path) -> None:
    """Rename `source` to `target`, which differs from it only in case: also where the file
    system takes them for one name (a plain rename there may keep the old spelling)."""
    step = source.with_name(temporary_name())
    os.rename(source, step)
    try:
        os.rename(step, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.rename(step, source)
        raise


def remove_files(paths: list[Path]) -> None:
    """Remove the files (those a failed run made), whatever is left of them."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C (SIGINT) held back in this thread for the block, then delivered: processes
    started meanwhile inherit the mask, so none starts with a handler that would print a
    traceback; cleaning up after a failure is not cut short either."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
    # (The names picked in C: a vault's folder holds thousands of notes and no such file.)
    for name in filter(_TEMPORARY.fullmatch, os.listdir(folder)):
        path = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                os.unlink(path)


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


class FolderRun:
    """The files a run writes into one folder (see `folder_run`): each written whole, with
    the permissions of the file it replaces; the new ones remembered, to be removed again
    should the run fail."""

    def __init__(self) -> None:
        self.new_files: list[Path] = []
        self.new_folders: list[Path] = []

    def make_folder(self, folder: Path) -> None:
        """Make `folder` and its missing parents, each remembered before it is made, to be
        removed again (when empty) should the run fail."""
        self.new_folders.extend(_missing_folders(folder))
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, path: Path, data: bytes, mtime: int | None = None) -> None:
        """Write `path` atomically; a new file is remembered before it exists, so that an
        interrupt just after the rename still finds it to remove."""
        mode = kept_mode(path)
        if mode is None:
            if not path.is_symlink():
                self.new_files.append(path)
            mode = new_file_mode()
        write_atomically(path, data, mtime, mode)


@contextlib.contextmanager
def folder_run(
    folder: Path, *, wait: bool = True, waiting: Callable[[], None] | None = None
) -> Iterator[FolderRun]:
    """A run writing files into `folder`: the folder (and its missing parents) made and its
    lock held (`folder_lock`) for the block. On any failure, Ctrl-C included, the files the
    run made are removed again, then the folders it made."""
    run = FolderRun()
    try:
        run.make_folder(folder)
        with folder_lock(folder, wait=wait, waiting=waiting):
            try:
                yield run
            except BaseException:
                with interrupts_held():
                    remove_files(run.new_files)
                raise
    except BaseException:
        with interrupts_held():
            for made_folder in reversed(run.new_folders):
                with contextlib.suppress(OSError):
                    made_folder.rmdir()
        raise
