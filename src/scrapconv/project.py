"""Whole projects: a Scrapbox (Cosense) export ⇄ a folder of Markdown notes (a vault).

`read_export` checks an export completely and gives an `Export`, or raises `ExportError` with
one line saying what is wrong, before anything is written. `export_to_vault` writes one note
per page, named through one `FileNameMap` for the whole project, which also resolves every
link, so notes and the links to them always agree. Each file is written whole or not at all
(a temporary file in the same folder, then a rename).

The work on one page is `convert_page`, a pure function of the page and `PageOptions`; with
`jobs` above 1, pages are converted in that many worker processes, in chunks, and written by the
calling process in the export's order, so the output does not depend on the number of jobs.

The other way, `vault_to_import` reads every note of a vault and gives the pages of a Cosense
import (`{"pages": [{"title", "lines"}]}`), with links resolved as Obsidian resolves them and
written as links to the titles of the notes they find; `write_import` writes it atomically.

Checking without writing: `check_vault` and `compare_file` (with `import_bytes`) give each file
as it is and as it would be (`FileChange`, with its unified diff).

Incremental runs (`incremental=True`) rely on the folder's manifest (`scrapconv.manifest`):
they convert only the pages changed since the last run, write only notes whose bytes change,
remove the notes of pages gone from the export, and keep (and report, as `KeptFile`) every
file edited by hand since scrapconv wrote it or not written by scrapconv at all, unless
`force=True`. A run writes the manifest last, when it is incremental or the folder has one.

One page at a time: `sync_page` converts a Scrapbox-notation page (`page.sb`) into the note
beside it (`page.md`) and gives what would be written; `write_change` writes it atomically,
only when it changes the file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import math
import multiprocessing
import os
import posixpath
import re
import signal
import stat
import sys
import threading
import unicodedata
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from . import __version__
from .ast import (
    Block,
    Decoration,
    Document,
    Embed,
    Heading,
    Inline,
    Line,
    NumberList,
    PageLink,
    Property,
    Quote,
    Strong,
    Table,
)
from .diagnostics import Diagnostic
from .filenames import FileNameMap, claim_suffixed, collision_key, page_key
from .files import (
    IrregularFileError,
    folder_lock,
    read_regular,
    temporary_name,
)
from .manifest import (
    MANIFEST_NAME,
    Manifest,
    ManifestEntry,
    digest,
    file_state,
    manifest_bytes,
    read_manifest,
    settings_digest,
    source_digest,
    titles_digest,
)
from .markdown.writer import Flavor, IconForm, MarkdownOptions, write_markdown
from .scrapbox.reader import read_scrapbox, scrapbox_text
from .scrapbox.report import scrapbox_diagnostics
from .scrapbox.writer import write_scrapbox

__all__ = [
    "SCRAPBOX_EXTENSIONS",
    "Export",
    "ExportError",
    "ExportPage",
    "FileChange",
    "FullRun",
    "ImportPage",
    "ImportResult",
    "KeepReason",
    "KeptFile",
    "PageOptions",
    "PageSync",
    "SyncError",
    "SyncOptions",
    "VaultCheck",
    "VaultError",
    "VaultNote",
    "VaultResult",
    "check_vault",
    "compare_file",
    "convert_page",
    "default_jobs",
    "export_to_vault",
    "import_bytes",
    "iso_time",
    "note_path",
    "read_export",
    "sync_page",
    "vault_notes",
    "vault_to_import",
    "write_change",
    "write_import",
]

_EXTENSION = ".md"
# Unix seconds that datetime can show as a year of four digits.
_LATEST_TIME = 253402300799
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class ExportError(ValueError):
    """An export that cannot be converted; the message is one line naming the problem."""


@dataclass(frozen=True, slots=True)
class ExportPage:
    """One page of an export: its title, its text (the title line first, as in Scrapbox) and
    its times in Unix seconds, when the export has them."""

    title: str
    text: str
    created: int | None = None
    updated: int | None = None


@dataclass(frozen=True, slots=True)
class Export:
    """A project export: the project's name ("" when the export has none) and its pages."""

    project: str
    pages: tuple[ExportPage, ...]


@dataclass(frozen=True, slots=True)
class PageOptions:
    """What converting one page needs: how to write Markdown (with the project's file-name map
    for links, and the vault folders of other projects) and the file name of every page
    (without `.md`), by title."""

    markdown: MarkdownOptions
    files: Mapping[str, str]


# Why an incremental run converted every page: the folder had no manifest, or the settings
# or the set of page titles differ from the manifest's.
FullRun = Literal["no manifest", "settings changed", "titles changed"]

# Why an incremental run kept a file as it was: `edited` by hand since scrapconv wrote it,
# `not-written` by scrapconv (the manifest does not list it), `unread`: it cannot be read (not
# a regular file, a symbolic link out of the folder, no permission), or `edited-page-gone` and
# `unread-page-gone`: so, and its page is no longer in the export, so the file would have been
# removed.
KeepReason = Literal["edited", "not-written", "unread", "edited-page-gone", "unread-page-gone"]


@dataclass(frozen=True, slots=True)
class KeptFile:
    """A file (its name inside the folder) that an incremental run kept as it was, instead
    of writing or removing it, and why (`detail`: why it could not be read)."""

    filename: str
    reason: KeepReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class VaultResult:
    """What `export_to_vault` did: the number of pages, the files written (names inside the
    folder) and the diagnostics of the pages converted, each with the name of the file it is
    about. An incremental run also gives the notes it left as they were (`unchanged`: their
    pages had not changed, or they held what would be written already), the files of pages
    gone from the export that it removed, the files it kept, and why it converted every page
    (`full_run`, else None)."""

    pages: int
    files: tuple[str, ...]
    diagnostics: tuple[tuple[str, Diagnostic], ...]
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept: tuple[KeptFile, ...] = ()
    full_run: FullRun | None = None


# ---------------------------------------------------------------------------------------------
# Reading an export


def read_export(data: bytes, name: str) -> Export:
    """Parse and check a whole export (`name` is for messages); ExportError if it is malformed.

    Lines are strings or objects with a `text` string (an export with metadata). A page's text
    is its lines joined by newlines, the first of them being the title line; a page without
    lines is its title alone.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ExportError(
            f"{name}: not UTF-8 text (byte {error.start}: {data[error.start]:#04x})"
        ) from None
    try:
        value = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        raise ExportError(f"{name}:{error.lineno}:{error.colno}: not JSON: {error.msg}") from None
    except RecursionError:
        raise ExportError(f"{name}: not a Scrapbox export: JSON nested too deeply") from None
    except ValueError:
        # What json lets through: a number of more digits than Python turns into an int.
        raise ExportError(f"{name}: not a Scrapbox export: a number too long to read") from None
    # (Memory: the text, up to four bytes a character, is not needed any more.)
    del text
    if not isinstance(value, dict):
        raise ExportError(
            f"{name}: not a Scrapbox export: {_kind(value)} instead of an object with pages"
        )
    pages = value.get("pages")
    if not isinstance(pages, list):
        found = "no" if pages is None else f"{_kind(pages)} as its"
        raise ExportError(f'{name}: not a Scrapbox export: {found} "pages" list')
    project = value.get("name")
    if project is None:
        project = ""
    elif not isinstance(project, str):
        raise ExportError(f'{name}: "name" is {_kind(project)}, not the project\'s name')
    read_pages = tuple(_read_page_once(pages, index, name) for index in range(len(pages)))
    first_of_title: dict[str, int] = {}
    for index, page in enumerate(read_pages):
        earlier = first_of_title.setdefault(page.title, index)
        if earlier != index:
            raise ExportError(
                f"{name}: pages {earlier} and {index} have the same title {_shown(page.title)}"
            )
    return Export(project, read_pages)


def _read_page_once(pages: list[Any], index: int, name: str) -> ExportPage:
    """Page `index` of the JSON `pages`, whose objects are let go once read, to keep the peak
    memory of a large export low."""
    page = pages[index]
    pages[index] = None
    return _read_page(page, index, name)


def _read_page(page: object, index: int, name: str) -> ExportPage:
    where = f"{name}: page {index}"
    if not isinstance(page, dict):
        raise ExportError(f"{where} is {_kind(page)}, not an object")
    title = page.get("title")
    if not isinstance(title, str):
        found = "no" if title is None else f"{_kind(title)} as its"
        raise ExportError(f"{where} has {found} title (a string)")
    where = f"{where} ({_shown(title)})"
    if _SURROGATE.search(title):
        raise ExportError(f"{where}: the title holds a lone surrogate, which is not text")
    lines = page.get("lines")
    if not isinstance(lines, list):
        found = "no" if lines is None else f"{_kind(lines)} as its"
        raise ExportError(f"{where} has {found} lines (a list)")
    texts: list[str] = []
    for number, line in enumerate(lines):
        if isinstance(line, dict):
            line = line.get("text")
            if not isinstance(line, str):
                raise ExportError(f"{where}, line {number}: an object without a text string")
        elif not isinstance(line, str):
            raise ExportError(
                f"{where}, line {number}: {_kind(line)}, not a string or an object with a text"
            )
        if "\n" in line:
            raise ExportError(f"{where}, line {number}: a line holding a line break")
        texts.append(line)
    text = "\n".join(texts) if texts else title
    if _SURROGATE.search(text):
        number = next(n for n, line in enumerate(texts) if _SURROGATE.search(line))
        raise ExportError(f"{where}, line {number}: a lone surrogate, which is not text")
    return ExportPage(
        title,
        text,
        _read_time(page, "created", where),
        _read_time(page, "updated", where),
    )


def _read_time(page: dict[str, Any], key: str, where: str) -> int | None:
    value = page.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExportError(f'{where}: "{key}" is {_kind(value)}, not a time in Unix seconds')
    if not 0 <= value <= _LATEST_TIME:
        raise ExportError(f'{where}: "{key}" is {value}, not a time in Unix seconds')
    return value


def _kind(value: object) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return f"a number ({value})"
        case str():
            return "a string"
        case list():
            return "a list"
        case dict():
            return "an object"
    return type(value).__name__


def _shown(title: str) -> str:
    """A title in a one-line message: quoted, escaped, cut when long."""
    shown = json.dumps(title if len(title) <= 60 else title[:57] + "…", ensure_ascii=False)
    return shown


def iso_time(seconds: int) -> str:
    """Unix seconds as an ISO 8601 date and time in UTC: `2021-01-06T12:34:56Z`."""
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# Converting a page


def convert_page(page: ExportPage, options: PageOptions) -> tuple[str, str, list[Diagnostic]]:
    """One page as a note: its file name (with `.md`), its text and its diagnostics.

    The front matter holds the title, `created` and `updated` (ISO 8601, UTC) when the export
    has them, and `aliases: [title]` when the file name is not the title.
    """
    filename = options.files[page.title]
    document = read_scrapbox(page.text)
    diagnostics: list[Diagnostic] = []
    if document.title != page.title:
        diagnostics.append(
            Diagnostic(
                "title-line",
                1,
                f"the first line {_shown(document.title or '')} is not the page's title "
                f"{_shown(page.title)}: the title is written",
            )
        )
    main = options.markdown.pages.resolve(page.title) if options.markdown.pages else None
    if main is not None and main != filename:
        diagnostics.append(
            Diagnostic(
                "duplicate-page",
                1,
                f"Scrapbox reads {_shown(page.title)} as the page of {main}{_EXTENSION}, where "
                "links go: this page is written apart",
            )
        )
    meta: list[Property] = []
    if page.created is not None:
        meta.append(Property("created", iso_time(page.created)))
    if page.updated is not None:
        meta.append(Property("updated", iso_time(page.updated)))
    if filename != page.title:
        meta.append(Property("aliases", (page.title,)))
    document = dataclasses.replace(document, title=page.title, meta=tuple(meta))
    text, written = write_markdown(document, options.markdown)
    diagnostics.extend(written)
    return filename + _EXTENSION, text, diagnostics


def page_files(titles: list[str], names: FileNameMap) -> dict[str, str]:
    """The file name of every page, by title. Titles that are one page to Scrapbox (`A` and
    `a`, `a_b` and `a b`) share the map's name for links; the one it is made from gets the
    file, every other its own safe name with ` (` + 8 hex digits of the SHA-256 of its title
    + `)`, as the map names a page whose name is taken.
    """
    # The map names a page's file after the first of its titles in sorted order.
    first: dict[str, str] = {}
    for title, _ in names:
        first.setdefault(page_key(title), title)
    files: dict[str, str] = {}
    others: list[str] = []
    for title in titles:
        if first[page_key(title)] == title:
            files[title] = names.filename(title)
        else:
            others.append(title)
    if not others:
        return files
    taken = {collision_key(name) for name in files.values()}
    for title in sorted(others):
        files[title] = claim_suffixed(title, title, taken)
    return files


# ---------------------------------------------------------------------------------------------
# Writing a vault


@dataclass(frozen=True, slots=True)
class VaultNote:
    """One note of a vault made from an export: its file name (with `.md`), its text, the
    time to give the file (the page's `updated`, or None) and its diagnostics."""

    filename: str
    text: str
    mtime: int | None
    diagnostics: tuple[Diagnostic, ...]


def default_jobs() -> int:
    """The number of CPUs this process may use: the default number of jobs."""
    count = getattr(os, "process_cpu_count", os.cpu_count)()
    return count if count else 1


def vault_notes(
    export: Export,
    *,
    flavor: Flavor = "obsidian",
    project: str | None = None,
    icons: IconForm | None = None,
    headings: tuple[int, ...] = (3, 2, 1),
    jobs: int | None = 1,
    project_folders: tuple[tuple[str, str], ...] = (),
) -> Generator[VaultNote, None, None]:
    """The notes of the vault made from `export`, one per page, in the export's order (see
    `export_to_vault` for the options).

    With `jobs` 1 the pages are converted here, one at a time; with more (None: one per CPU,
    `default_jobs`), in as many worker processes, each given chunks of pages. The notes are the
    same either way. Close the iterator when stopping early: that stops the workers.
    """
    options = _page_options(export, flavor, project, icons, headings, project_folders)
    return _converted_notes(export.pages, options, jobs)


def _page_options(
    export: Export,
    flavor: Flavor,
    project: str | None,
    icons: IconForm | None,
    headings: tuple[int, ...],
    project_folders: tuple[tuple[str, str], ...],
) -> PageOptions:
    """What converting each page of `export` takes: one file-name map for all its titles."""
    titles = [page.title for page in export.pages]
    names = FileNameMap.for_titles(titles)
    markdown = MarkdownOptions(
        flavor=flavor,
        project=export.project if project is None else project,
        icons=icons,
        headings=headings,
        pages=names,
        project_folders=project_folders,
    )
    return PageOptions(markdown, MappingProxyType(page_files(titles, names)))


def _converted_notes(
    pages: tuple[ExportPage, ...], options: PageOptions, jobs: int | None
) -> Generator[VaultNote, None, None]:
    """The notes of `pages` (some or all of an export's), in their order, converted here or in
    `jobs` worker processes (see `vault_notes`)."""
    workers = min(default_jobs() if jobs is None else jobs, len(pages))
    if workers <= 1:
        for page in pages:
            filename, text, diagnostics = convert_page(page, options)
            yield VaultNote(filename, text, page.updated, tuple(diagnostics))
        return
    converted = _convert_in_workers(pages, options.markdown, dict(options.files), workers)
    with contextlib.closing(converted):
        for page, (filename, text, diagnostics) in zip(pages, converted, strict=True):
            yield VaultNote(filename, text, page.updated, tuple(diagnostics))


# At most this many pages go to a worker at once; fewer when there are few pages per worker, so
# that every worker gets several chunks and the last ones end close together.
_CHUNK_PAGES = 100
_CHUNKS_PER_WORKER = 8
# Chunks handed out ahead of the one being written, per worker: enough to keep the workers
# busy, few enough that converted notes do not pile up in memory.
_CHUNKS_AHEAD = 3

# What a worker process converts with: set once per worker by `_start_worker`.
_worker_options: PageOptions | None = None

# prctl's option that asks the kernel for a signal when the parent process ends (Linux).
_PR_SET_PDEATHSIG = 1


def _start_worker(markdown: MarkdownOptions, files: dict[str, str], parent: int) -> None:
    """Set up a worker process: the options of the run (picklable parts, sent once). Ctrl-C
    is the calling process's to handle (it stops the workers): the worker starts with SIGINT
    blocked (`_signals_blocked`) and ignores it before unblocking it. The worker ends with
    its parent `parent` (a process id), however that ends."""
    global _worker_options
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _end_with_parent(parent)
    _worker_options = PageOptions(markdown, MappingProxyType(files))


def _end_with_parent(parent: int) -> None:
    """End this process as soon as its parent process ends, even when SIGKILL lets the parent
    stop nothing: at once through the kernel on Linux, and on any system through a thread that
    waits for the end of the parent (its sentinel, which multiprocessing gives every child)."""
    if sys.platform.startswith("linux"):
        import ctypes  # here: only workers need it

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    watched = multiprocessing.parent_process()
    if watched is not None:
        threading.Thread(target=_exit_after, args=(watched,), daemon=True).start()
    if os.getppid() != parent and sys.platform != "win32":
        # The parent ended before the kernel was asked to tell (POSIX gives the orphan a new
        # parent; Windows keeps the id, and the thread above watches there).
        os._exit(1)


def _exit_after(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(1)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
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


def _convert_chunk(
    pages: tuple[ExportPage, ...],
) -> list[tuple[str, str, list[Diagnostic]]]:
    """`convert_page` on each page of a chunk, in a worker process."""
    options = _worker_options
    if options is None:
        raise RuntimeError("_convert_chunk runs in a worker started by _start_worker")
    return [convert_page(page, options) for page in pages]


def _convert_in_workers(
    pages: tuple[ExportPage, ...],
    markdown: MarkdownOptions,
    files: dict[str, str],
    workers: int,
) -> Generator[tuple[str, str, list[Diagnostic]], None, None]:
    """`convert_page` on every page in `workers` processes, the results in the pages' order.

    Closing the iterator early (or an error, Ctrl-C included) cancels what is left and stops
    the workers. The processes are spawned (not forked), as on every platform.
    """
    size = max(1, min(_CHUNK_PAGES, math.ceil(len(pages) / (workers * _CHUNKS_PER_WORKER))))
    chunks = (pages[start : start + size] for start in range(0, len(pages), size))
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(markdown, files, os.getpid()),
    )
    pending: deque[Future[list[tuple[str, str, list[Diagnostic]]]]] = deque()
    finished = False
    try:
        for chunk in chunks:
            # A submission may start a worker process.
            with _signals_blocked():
                pending.append(executor.submit(_convert_chunk, chunk))
            if len(pending) >= workers * _CHUNKS_AHEAD:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
        finished = True
    finally:
        with _signals_blocked():
            if finished:
                executor.shutdown(wait=True)
            else:
                _stop_workers(executor)


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    """Cancel the work not started, and let the workers end the chunks they hold (each takes
    well under a second) before they stop: a worker terminated while it sends its result
    would leave half a message in the pipe, which the executor would wait on forever, and the
    process with it as it exits."""
    executor.shutdown(wait=True, cancel_futures=True)


def export_to_vault(
    export: Export,
    folder: Path,
    *,
    flavor: Flavor = "obsidian",
    project: str | None = None,
    icons: IconForm | None = None,
    headings: tuple[int, ...] = (3, 2, 1),
    jobs: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
    project_folders: tuple[tuple[str, str], ...] = (),
    incremental: bool = False,
    force: bool = False,
    wait: bool = True,
    waiting: Callable[[], None] | None = None,
) -> VaultResult:
    """Write every page of `export` as a note in `folder` (created when absent).

    `project` (default: the export's name) is the project of icons written without one. Files
    of the folder that no page names are left alone; a note of the same name is replaced, and
    keeps its permissions. `jobs` is the number of processes converting pages (None: one per
    CPU); the files are written here, in the export's order, and are the same whatever the
    number. `progress`, when given, is called with the number of notes written and the number
    of pages after each note. `project_folders`: `(project, folder)` pairs of the projects whose
    notes are folders of the same vault, relative to its root, which is the parent of `folder`
    unless the export's own project is named among them; links to their pages go to those
    notes (`MarkdownOptions`).

    `incremental`: convert only the pages changed since the last run, as the folder's manifest
    (`.scrapconv.json`) tells, and write only the notes whose bytes change; every page is
    converted when there is no manifest or the settings or the set of titles changed
    (`full_run`). The notes scrapconv wrote for pages gone from the export are removed. A file
    edited by hand since scrapconv wrote it, that scrapconv did not write, or that it cannot read
    (not a regular file, a symbolic link out of the folder, unreadable) is neither overwritten
    nor removed but kept (`kept`), unless `force`; `progress` then counts the pages converted.
    The manifest is written after the notes, by every run that is incremental or finds one (a
    run that is not rewrites every note, as it always has). A note the manifest records under
    a name that differs only in case from its new one is moved to the new name.

    One run at a time writes into a folder (`scrapconv.files.folder_lock`): when another holds
    it, this one waits for it to end (`wait`, calling `waiting` once first) or raises
    FolderLockedError, writing nothing. The run removes the temporary files that killed runs
    left in the folder.

    Raises OSError when the folder cannot be made or written; the notes written by this call
    are then removed again, and so is the folder if this call made it. The same goes for any
    other error and for Ctrl-C (KeyboardInterrupt), which also stop the workers. Raises
    ManifestError, before writing anything, when the folder's manifest is not one; ExportError
    when a page holds a lone surrogate (text no file can hold), and ValueError for `force`
    without `incremental`.
    """
    if force and not incremental:
        raise ValueError("force applies to incremental runs only")
    _check_writable(export, project, project_folders)
    options = _page_options(export, flavor, project, icons, headings, project_folders)
    with _run_in(folder, wait, waiting) as new_files:
        recorded = read_manifest(folder / MANIFEST_NAME)
        if incremental:
            run = _IncrementalRun(export, folder, options, recorded, force)
            return _update_vault(run, folder, options, jobs, progress, new_files)
        return _write_vault(export, folder, options, recorded, jobs, progress, new_files)


def _check_writable(
    export: Export, project: str | None, project_folders: tuple[tuple[str, str], ...]
) -> None:
    """ExportError for a page whose title or text no file can hold (a lone surrogate), and
    ValueError for such an option: they come from code, as `read_export` refuses them."""
    if any(
        map(
            _SURROGATE.search, (project or "", *(part for pair in project_folders for part in pair))
        )
    ):
        raise ValueError("an option holds a lone surrogate, which no note can hold")
    for index, page in enumerate(export.pages):
        if _SURROGATE.search(page.title) or _SURROGATE.search(page.text):
            raise ExportError(
                f"page {index} ({_shown(page.title)}): a lone surrogate, which no file can hold"
            )


def _write_vault(
    export: Export,
    folder: Path,
    options: PageOptions,
    recorded: Manifest | None,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    new_files: list[Path],
) -> VaultResult:
    """Every note written; the folder's manifest, when it has one, brought up to date."""
    entries = _ManifestEntries(recorded)
    written: list[str] = []
    diagnostics: list[tuple[str, Diagnostic]] = []
    notes = _converted_notes(export.pages, options, jobs)
    with contextlib.closing(notes):
        for page, note in zip(export.pages, notes, strict=True):
            data = note.text.encode("utf-8")
            if recorded is not None:
                _move_case_renamed(folder, recorded, note.filename)
            _write_counted(folder / note.filename, data, note.mtime, new_files)
            entries.record(note.filename, _written_entry(page, data))
            written.append(note.filename)
            diagnostics.extend((note.filename, diagnostic) for diagnostic in note.diagnostics)
            if progress is not None:
                progress(len(written), len(export.pages))
        if recorded is not None:
            _write_manifest(folder, entries.manifest(*_fingerprint(options)), new_files)
    return VaultResult(len(export.pages), tuple(written), tuple(diagnostics))


def _update_vault(
    run: _IncrementalRun,
    folder: Path,
    options: PageOptions,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    new_files: list[Path],
) -> VaultResult:
    """An incremental run: the notes it converts written when they change, the notes of pages
    gone removed, then the manifest."""
    written: list[str] = []
    unchanged = set(run.unconverted)
    removed: list[str] = []
    kept: list[KeptFile] = []
    diagnostics: list[tuple[str, Diagnostic]] = []
    notes = _converted_notes(run.pages, options, jobs)
    with contextlib.closing(notes):
        for done, (page, note) in enumerate(zip(run.pages, notes, strict=True), 1):
            match run.note_step(page, note):
                case _Write(data=data, moved_from=moved_from):
                    if moved_from is not None:
                        _move(folder / moved_from, folder / note.filename)
                    _write_counted(folder / note.filename, data, note.mtime, new_files)
                    written.append(note.filename)
                case _Unchanged(moved_from=moved_from):
                    if moved_from is not None:
                        _move(folder / moved_from, folder / note.filename)
                        written.append(note.filename)
                    else:
                        unchanged.add(note.filename)
                case KeptFile() as file:
                    kept.append(file)
            diagnostics.extend((note.filename, diagnostic) for diagnostic in note.diagnostics)
            if progress is not None:
                progress(done, len(run.pages))
        for step in run.gone_files():
            match step:
                case _Remove(filename=filename):
                    (folder / filename).unlink(missing_ok=True)
                    removed.append(filename)
                case KeptFile():
                    kept.append(step)
        _write_manifest(folder, run.manifest(), new_files)
    return VaultResult(
        run.pages_in_export,
        tuple(written),
        tuple(diagnostics),
        run.in_export_order(unchanged),
        tuple(removed),
        tuple(kept),
        run.full_run,
    )


@contextlib.contextmanager
def _run_in(folder: Path, wait: bool, waiting: Callable[[], None] | None) -> Iterator[list[Path]]:
    """A run writing into `folder`: make it (and its missing parents), hold its lock; on any
    failure, Ctrl-C included, remove again the files the run adds to the list given, then let
    the lock go and remove the folders made."""
    made = _make_folder(folder)
    new_files: list[Path] = []
    try:
        with folder_lock(folder, wait=wait, waiting=waiting):
            try:
                yield new_files
            except BaseException:
                with _signals_blocked():
                    _remove_files(new_files)
                raise
    except BaseException:
        with _signals_blocked():
            for made_folder in reversed(made):
                with contextlib.suppress(OSError):
                    made_folder.rmdir()
        raise


def _remove_files(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def _write_counted(path: Path, data: bytes, mtime: int | None, new_files: list[Path]) -> None:
    """Write a file atomically, with the permissions of the file it replaces; one that is new
    is added to `new_files` before it exists, so that an interrupt just after the rename still
    finds it to remove."""
    mode = _kept_mode(path)
    if mode is None:
        if not path.is_symlink():
            new_files.append(path)
        mode = _file_mode()
    _write_atomically(path, data, mtime, mode)


def _kept_mode(path: Path) -> int | None:
    """The permissions of the regular file at `path` (a file replaced keeps them), or None."""
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return stat.S_IMODE(status.st_mode) if stat.S_ISREG(status.st_mode) else None


def _move(source: Path, target: Path) -> None:
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


def _move_case_renamed(folder: Path, recorded: Manifest, filename: str) -> None:
    """Move the note the manifest records under a name that differs from `filename` only in
    case (its page was renamed so) to `filename`, when nothing else is there."""
    found = recorded.find(filename)
    if found is None or found[0] == filename:
        return
    source, target = folder / found[0], folder / filename
    if source.exists() and (not target.exists() or os.path.samefile(source, target)):
        _move(source, target)


def _write_manifest(folder: Path, manifest: Manifest, new_files: list[Path]) -> None:
    """Write the folder's manifest when it changes (a run that changes nothing touches
    nothing)."""
    path = folder / MANIFEST_NAME
    data = manifest_bytes(manifest)
    try:
        old = _read_if_present(path)
    except OSError:
        old = None
    if old != data:
        _write_counted(path, data, None, new_files)


# ---------------------------------------------------------------------------------------------
# Incremental runs: what to convert, write, remove and keep


@dataclass(frozen=True, slots=True)
class _Write:
    """Write a note's bytes `data` over the file's `old` ones (None: there is no file, or it
    could not be read), once the note recorded as `moved_from` is moved to its new name."""

    data: bytes
    old: bytes | None
    moved_from: str | None = None


@dataclass(frozen=True, slots=True)
class _Unchanged:
    """Leave a note as it is: it holds what would be written (once the note recorded as
    `moved_from` is moved to its new name)."""

    moved_from: str | None = None


@dataclass(frozen=True, slots=True)
class _Remove:
    """Remove the note of a page gone from the export; it holds `old` (None: it could not be
    read, for the reason `unread`)."""

    filename: str
    old: bytes | None
    unread: str | None = None


class _IncrementalRun:
    """What an incremental run into `folder` does, decided from the folder's manifest
    (`recorded`) and files, and the manifest it leaves.

    `pages` are the pages to convert: all of them when `full_run` says why, else those changed
    since the manifest was written or whose note is missing (with `force`, also those whose
    note is not as scrapconv wrote it); their notes are `unconverted`. `note_step` and
    `gone_files` decide the fate of each file and record it for `manifest`.
    """

    def __init__(
        self,
        export: Export,
        folder: Path,
        options: PageOptions,
        recorded: Manifest | None,
        force: bool,
    ) -> None:
        self._folder = folder
        self._force = force
        self._recorded = recorded
        self._entries = _ManifestEntries(recorded)
        self._settings, self._titles = _fingerprint(options)
        self._filenames = tuple(options.files[page.title] + _EXTENSION for page in export.pages)
        self.pages_in_export = len(export.pages)
        self.full_run = _full_run(recorded, self._settings, self._titles)
        if self.full_run is not None:
            self.pages = export.pages
            self.unconverted: tuple[str, ...] = ()
            return
        pages = zip(export.pages, self._filenames, strict=True)
        converted = [(page, name) for page, name in pages if self._needs_conversion(page, name)]
        self.pages = tuple(page for page, _ in converted)
        names = {name for _, name in converted}
        self.unconverted = tuple(name for name in self._filenames if name not in names)

    def _needs_conversion(self, page: ExportPage, filename: str) -> bool:
        found = self._recorded.find(filename) if self._recorded is not None else None
        if found is None or found[0] != filename or found[1].source != _source_digest(page):
            return True
        path = self._folder / filename
        if not self._force:
            # (Only a missing note matters: reading every unchanged note would be wasted.)
            return not path.exists()
        try:
            data = _read_if_present(path)
        except OSError:
            return True
        return data is None or digest(data) != found[1].written

    def note_step(self, page: ExportPage, note: VaultNote) -> _Write | _Unchanged | KeptFile:
        """What to do with the note of a converted page, recorded for the manifest."""
        data = note.text.encode("utf-8")
        found = self._recorded.find(note.filename) if self._recorded is not None else None
        name, entry = found if found is not None else (note.filename, None)
        # A page renamed in case only (`FAQ` → `faq`): its note moves to the new name.
        moved_from = name if name != note.filename and self._moves(name, note.filename) else None
        try:
            old = _read_if_present(self._folder / (moved_from or note.filename))
        except OSError as error:
            if not self._force:
                return KeptFile(moved_from or note.filename, "unread", _why(error))
            old, moved_from = None, None
        if old == data:
            self._entries.record(note.filename, _written_entry(page, data))
            return _Unchanged(moved_from)
        match file_state(entry, old):
            case "edited" if entry is not None and not self._force:
                # Still the bytes scrapconv wrote, but no longer those of the page: the page
                # is converted again next time, and the file kept again while it differs.
                self._entries.record(name, dataclasses.replace(entry, source=None))
                return KeptFile(moved_from or note.filename, "edited")
            case "not-written" if not self._force:
                return KeptFile(note.filename, "not-written")
        self._entries.record(note.filename, _written_entry(page, data))
        return _Write(data, old, moved_from)

    def _moves(self, recorded: str, filename: str) -> bool:
        """Whether the note recorded as `recorded` moves to `filename` (the same name in
        another case): when it is there and nothing else is at the new name."""
        source, target = self._folder / recorded, self._folder / filename
        if not source.exists():
            return False
        return not target.exists() or os.path.samefile(source, target)

    def gone_files(self) -> Iterator[_Remove | KeptFile]:
        """What to do with the notes scrapconv wrote for pages no longer in the export: remove
        them, unless edited since or unreadable (and not `force`); recorded for the
        manifest."""
        if self._recorded is None:
            return
        named = {collision_key(filename) for filename in self._filenames}
        for filename, entry in self._recorded.files.items():
            if collision_key(filename) in named:
                continue
            try:
                old = _read_if_present(self._folder / filename)
            except OSError as error:
                if not self._force:
                    yield KeptFile(filename, "unread-page-gone", _why(error))
                    continue
                self._entries.forget(filename)
                yield _Remove(filename, None, _why(error))
                continue
            match file_state(entry, old):
                case "edited" if not self._force:
                    yield KeptFile(filename, "edited-page-gone")
                case _:
                    self._entries.forget(filename)
                    if old is not None:
                        yield _Remove(filename, old)

    def in_export_order(self, filenames: set[str]) -> tuple[str, ...]:
        """Some of the notes of the export's pages, in the pages' order."""
        return tuple(name for name in self._filenames if name in filenames)

    def manifest(self) -> Manifest:
        """The manifest as the steps decided so far leave it."""
        return self._entries.manifest(self._settings, self._titles)


class _ManifestEntries:
    """The entries of the manifest a run leaves: those of the manifest it found (`recorded`),
    as the run changes them."""

    def __init__(self, recorded: Manifest | None) -> None:
        self._recorded = recorded
        self._entries = dict(recorded.files) if recorded is not None else {}

    def record(self, filename: str, entry: ManifestEntry) -> None:
        """`filename` now holds what `entry` says. A recorded name that is the same file on a
        file system that ignores case (`a.md` for `A.md`) gives way to it."""
        found = self._recorded.find(filename) if self._recorded is not None else None
        if found is not None and found[0] != filename:
            self._entries.pop(found[0], None)
        self._entries[filename] = entry

    def forget(self, filename: str) -> None:
        self._entries.pop(filename, None)

    def manifest(self, settings: str, titles: str) -> Manifest:
        return Manifest(settings, titles, self._entries)


def _fingerprint(options: PageOptions) -> tuple[str, str]:
    """The digests of what every note depends on besides its own page: the settings (every
    Markdown option but the file-name map, which the titles make, and scrapconv's version)
    and the set of page titles."""
    markdown = options.markdown
    settings = {
        option.name: repr(getattr(markdown, option.name))
        for option in dataclasses.fields(markdown)
        if option.name != "pages"
    }
    settings["scrapconv"] = __version__
    return settings_digest(settings), titles_digest(options.files)


def _full_run(recorded: Manifest | None, settings: str, titles: str) -> FullRun | None:
    """Why an incremental run must convert every page, or None when it need not."""
    if recorded is None:
        return "no manifest"
    if recorded.settings != settings:
        return "settings changed"
    if recorded.titles != titles:
        return "titles changed"
    return None


def _source_digest(page: ExportPage) -> str:
    return source_digest(page.title, page.text, page.created, page.updated)


def _written_entry(page: ExportPage, data: bytes) -> ManifestEntry:
    """The manifest's entry of a note holding `data`, converted from `page`."""
    return ManifestEntry(page.title, _source_digest(page), digest(data))


@dataclass(frozen=True, slots=True)
class VaultCheck:
    """What `export_to_vault` would change in a folder, found by `check_vault` without
    writing: the number of pages, the notes whose content would change (absent or different
    now; for an incremental run also the notes it would remove, `new` None), the diagnostics,
    each with the name of the file it is about, and the files an incremental run would keep."""

    pages: int
    changes: tuple[FileChange, ...]
    diagnostics: tuple[tuple[str, Diagnostic], ...]
    kept: tuple[KeptFile, ...] = ()


def check_vault(
    export: Export,
    folder: Path,
    *,
    flavor: Flavor = "obsidian",
    project: str | None = None,
    icons: IconForm | None = None,
    headings: tuple[int, ...] = (3, 2, 1),
    jobs: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
    project_folders: tuple[tuple[str, str], ...] = (),
    incremental: bool = False,
    force: bool = False,
) -> VaultCheck:
    """Compare the notes `export_to_vault` would write into `folder` with the files there,
    writing nothing. Only content counts (not modification times). `jobs`, `progress`,
    `project_folders`, `incremental` and `force` as for `export_to_vault`: an incremental
    check gives the changes an incremental run would make. Raises OSError when a file of the
    folder cannot be read, ManifestError when its manifest is not one."""
    if force and not incremental:
        raise ValueError("force applies to incremental runs only")
    options = _page_options(export, flavor, project, icons, headings, project_folders)
    if incremental:
        recorded = read_manifest(folder / MANIFEST_NAME)
        run = _IncrementalRun(export, folder, options, recorded, force)
        return _check_update(run, folder, options, jobs, progress)
    changes: list[FileChange] = []
    diagnostics: list[tuple[str, Diagnostic]] = []
    notes = _converted_notes(export.pages, options, jobs)
    with contextlib.closing(notes):
        for done, note in enumerate(notes, 1):
            change = compare_file(folder / note.filename, note.text.encode("utf-8"))
            if change.changed:
                changes.append(change)
            diagnostics.extend((note.filename, diagnostic) for diagnostic in note.diagnostics)
            if progress is not None:
                progress(done, len(export.pages))
    return VaultCheck(len(export.pages), tuple(changes), tuple(diagnostics))


def _check_update(
    run: _IncrementalRun,
    folder: Path,
    options: PageOptions,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
) -> VaultCheck:
    """The changes an incremental run would make, made by none."""
    changes: list[FileChange] = []
    kept: list[KeptFile] = []
    diagnostics: list[tuple[str, Diagnostic]] = []
    notes = _converted_notes(run.pages, options, jobs)
    with contextlib.closing(notes):
        for done, (page, note) in enumerate(zip(run.pages, notes, strict=True), 1):
            match run.note_step(page, note):
                case _Write(data=data, old=old, moved_from=str() as moved_from):
                    changes.append(FileChange(folder / moved_from, old, None))
                    changes.append(FileChange(folder / note.filename, None, data))
                case _Write(data=data, old=old):
                    changes.append(FileChange(folder / note.filename, old, data))
                case _Unchanged(moved_from=str() as moved_from):
                    data = note.text.encode("utf-8")
                    changes.append(FileChange(folder / moved_from, data, None))
                    changes.append(FileChange(folder / note.filename, None, data))
                case KeptFile() as file:
                    kept.append(file)
            diagnostics.extend((note.filename, diagnostic) for diagnostic in note.diagnostics)
            if progress is not None:
                progress(done, len(run.pages))
    for step in run.gone_files():
        match step:
            case _Remove(filename=filename, old=old, unread=unread):
                changes.append(FileChange(folder / filename, old, None, unread))
            case KeptFile():
                kept.append(step)
    return VaultCheck(run.pages_in_export, tuple(changes), tuple(diagnostics), tuple(kept))


# ---------------------------------------------------------------------------------------------
# Files: what is there, what would be written


@dataclass(frozen=True, slots=True)
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
        return FileChange(path, _read_if_present(path), new)
    except IrregularFileError as error:
        return FileChange(path, None, new, _why(error))


def _read_if_present(path: Path) -> bytes | None:
    """The bytes of the regular file `path`, or None when there is none. Raises
    IrregularFileError for what is not a regular file or a link out of its folder, OSError
    when it cannot be read."""
    try:
        return read_regular(path, path.parent)
    except FileNotFoundError:
        return None


def _why(error: OSError) -> str:
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
    mode = _kept_mode(change.path)
    _write_atomically(change.path, change.new, None, _file_mode() if mode is None else mode)


def _make_folder(folder: Path) -> list[Path]:
    """Make `folder` and its missing parents; the folders made, outermost first."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and not current.is_symlink():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))


def _file_mode() -> int:
    """The mode a new file gets here (what `open` would give under the current umask)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _write_atomically(path: Path, data: bytes, mtime: int | None, mode: int) -> None:
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
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
        if mtime is not None:
            os.utime(temporary, (mtime, mtime))
        os.replace(temporary, path)
    except BaseException:
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise


# ---------------------------------------------------------------------------------------------
# Reading a vault: notes → a Cosense import

# Folders Obsidian keeps its own files in (hidden folders, which are skipped too, cover
# `.obsidian`; `.trash` is named for clarity).
_SKIPPED_FOLDERS = frozenset({".obsidian", ".trash"})


class VaultError(ValueError):
    """A vault that cannot be read; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class ImportPage:
    """One page of a Cosense import: its title and its lines, the first being the title."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What `vault_to_import` made: the notes read, one page per note (in the notes' order)
    and the diagnostics, each with the path of its note inside the vault (`/` separated)."""

    notes: tuple[str, ...]
    pages: tuple[ImportPage, ...]
    diagnostics: tuple[tuple[str, Diagnostic], ...]

    def to_json(self) -> dict[str, list[dict[str, Any]]]:
        """The Cosense import format: `{"pages": [{"title": ..., "lines": [...]}]}`."""
        return {"pages": [{"title": page.title, "lines": list(page.lines)} for page in self.pages]}


@dataclass(frozen=True, slots=True)
class _Note:
    path: str  # inside the vault, `/` separated, with `.md`
    title: str  # from the front matter or the file name, before duplicates are renamed
    document: Document


def vault_to_import(
    folder: Path,
    *,
    flavor: Literal["obsidian", "markdown"] = "obsidian",
    project: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Read every note (`*.md`) under `folder` and make a Cosense import of them.

    Notes are taken in the order of their paths; hidden folders (`.obsidian`, `.trash`) and
    hidden files are skipped, as Obsidian does. A page's title is the front matter `title`, else
    the file name without `.md`. Titles are unique as Cosense reads them (`page_key`): of notes
    with one title, the first keeps it and the others get the name of their folder after it,
    `Title (Folder)`, reported as `duplicate-title`.

    Links to notes (`[[Folder/Note]]`, `[[note#heading|alias]]`, `[x](Note.md)`, embeds) are
    resolved as Obsidian does (see `_NoteIndex`) and written as links to the title of the note
    they find; a link that finds no note stays as written. `project` is the Scrapbox project of
    icons written without one. Raises VaultError (one line) for a folder or note that cannot be
    read, or a note that is not UTF-8; never for what a note says.

    `progress`, when given, is called with the steps done and the steps in all after each step:
    reading a note is one step, making its page another.
    """
    paths, diagnostics = _note_paths(folder)
    steps = 2 * len(paths)
    notes: list[_Note] = []
    for done, path in enumerate(paths, 1):
        try:
            notes.append(_read_note(folder, path, flavor, project))
        except IrregularFileError as error:
            diagnostics.append((path, Diagnostic("skipped", 0, f"{_why(error)}: not imported")))
        if progress is not None:
            progress(done, steps)
    titles, renamed = _unique_titles(notes)
    index = _NoteIndex(tuple(note.path for note in notes), tuple(titles))
    pages: list[ImportPage] = []
    # Notes skipped count as made, for the progress.
    made = len(paths) - len(notes)
    for note, title in zip(notes, titles, strict=True):
        note_diagnostics: list[Diagnostic] = []
        if note.document.title is not None and note.document.title != note.title:
            note_diagnostics.append(
                Diagnostic(
                    "title-line",
                    1,
                    f"the title {_shown(note.document.title)} holds a line break: written as "
                    f"{_shown(note.title)}",
                )
            )
        if note.path in renamed:
            note_diagnostics.append(
                Diagnostic(
                    "duplicate-title",
                    1,
                    f"{renamed[note.path]} has the title {_shown(note.title)} too: this page is "
                    f"{_shown(title)}",
                )
            )
        document = _with_resolved_links(note.document, note.path, title, index)
        document = dataclasses.replace(document, title=title)
        text = write_scrapbox(document)
        note_diagnostics.extend(scrapbox_diagnostics(document))
        pages.append(ImportPage(title, tuple(text.split("\n"))))
        diagnostics.extend((note.path, diagnostic) for diagnostic in note_diagnostics)
        if progress is not None:
            progress(len(paths) + made + len(pages), steps)
    return ImportResult(tuple(note.path for note in notes), tuple(pages), tuple(diagnostics))


def write_import(
    result: ImportResult,
    path: Path,
    *,
    wait: bool = True,
    waiting: Callable[[], None] | None = None,
) -> None:
    """Write the import JSON to `path` whole or not at all: UTF-8, characters as they are
    (not `\\u` escapes), indented by 2, with a final newline; a file replaced keeps its
    permissions. One run at a time writes into the folder of `path`: `wait` and `waiting` as
    for `export_to_vault`. Raises OSError, FolderLockedError, and ValueError for a page that
    holds a lone surrogate (`import_bytes`)."""
    data = import_bytes(result)
    with folder_lock(path.parent, wait=wait, waiting=waiting):
        mode = _kept_mode(path)
        _write_atomically(path, data, None, _file_mode() if mode is None else mode)


def import_bytes(result: ImportResult) -> bytes:
    """The import JSON as `write_import` writes it. Raises ValueError, naming the page, when
    a page holds a lone surrogate, which no file can hold (pages made by `vault_to_import`
    never do)."""
    text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        page = next(
            page
            for page in result.pages
            if _SURROGATE.search(page.title) or any(map(_SURROGATE.search, page.lines))
        )
        raise ValueError(
            f"the page {_shown(page.title)} holds a lone surrogate, which no file can hold"
        ) from None


def _note_paths(folder: Path) -> tuple[list[str], list[tuple[str, Diagnostic]]]:
    """The notes under `folder`, `/` separated, sorted; hidden folders and files skipped, and
    so are the notes and folders whose names are not UTF-8 (no page title can hold them), each
    with a diagnostic (its path shown with `\\x` escapes)."""
    if not folder.is_dir():
        reason = "no such folder" if not folder.exists() else "not a folder"
        raise VaultError(f"{folder}: {reason}")
    errors: list[OSError] = []
    paths: list[str] = []
    skipped: list[tuple[str, Diagnostic]] = []
    for root, folders, files in os.walk(folder, onerror=errors.append):
        inside = Path(root).relative_to(folder).as_posix()
        prefix = "" if inside == "." else f"{inside}/"
        visible = sorted(
            name for name in folders if not name.startswith(".") and name not in _SKIPPED_FOLDERS
        )
        folders[:] = [name for name in visible if not _SURROGATE.search(name)]
        skipped.extend(
            (_shown_path(prefix + name), _skipped("the folder's name is not UTF-8: its notes are"))
            for name in visible
            if _SURROGATE.search(name)
        )
        for name in files:
            if not name.lower().endswith(_EXTENSION) or name.startswith("."):
                continue
            if _SURROGATE.search(name):
                skipped.append((_shown_path(prefix + name), _skipped("the name is not UTF-8:")))
            else:
                paths.append(prefix + name)
    if errors:
        error = errors[0]
        raise VaultError(f"{error.filename}: cannot read: {error.strerror or error}")
    skipped.sort(key=lambda item: item[0].split("/"))
    return sorted(paths, key=lambda path: path.split("/")), skipped


def _skipped(why: str) -> Diagnostic:
    return Diagnostic("skipped", 0, f"{why} not imported")


def _shown_path(path: str) -> str:
    """A path read from the file system, its bytes that are not UTF-8 shown as `\\xNN`."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _read_note(folder: Path, path: str, flavor: str, project: str) -> _Note:
    """A note of the vault, read. Raises IrregularFileError for what is not a regular file or
    a symbolic link out of the vault, VaultError for a note that cannot be read or is not
    UTF-8."""
    from . import read

    file = folder / path
    try:
        data = read_regular(file, folder)
    except IrregularFileError:
        raise
    except OSError as error:
        raise VaultError(f"{file}: cannot read: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise VaultError(
            f"{file}: not UTF-8 text (byte {error.start}: {data[error.start]:#04x})"
        ) from None
    document = read(text, flavor, project=project)  # type: ignore[arg-type]
    title = document.title
    if title is not None:
        # A page title is one line.
        title = " ".join(part for part in title.splitlines())
    if title is None or not title.strip():
        title = path.rsplit("/", 1)[-1][: -len(_EXTENSION)]
    return _Note(path, title, document)


def _unique_titles(notes: list[_Note]) -> tuple[list[str], dict[str, str]]:
    """Each note's page title, unique under `page_key`, and the notes renamed for it (by path,
    with the path of the note that kept the title). The first note of a title keeps it; a
    later one becomes `Title (folder)`, else `Title (folder/path)`, else `Title (N)`."""
    first: dict[str, str] = {}
    for note in notes:
        first.setdefault(page_key(note.title), note.path)
    taken = set(first)
    titles: list[str] = []
    renamed: dict[str, str] = {}
    # The number to try next for `Title (N)`, by the title's key: every lower one is taken
    # (`page_key` of `T (N)` is the key of T and `_(N)`), so many notes of one title take
    # linear time.
    numbers: dict[str, int] = {}
    for note in notes:
        key = page_key(note.title)
        if first[key] == note.path:
            titles.append(note.title)
            continue
        folder = note.path.rpartition("/")[0]
        candidates = [f"{note.title} ({folder.rpartition('/')[2]})", f"{note.title} ({folder})"]
        title = next(
            (c for c in candidates if folder and page_key(c) not in taken),
            None,
        )
        number = numbers.get(key, 2)
        while title is None:
            candidate = f"{note.title} ({number})"
            title = candidate if page_key(candidate) not in taken else None
            number += 1
        numbers[key] = number
        taken.add(page_key(title))
        titles.append(title)
        renamed[note.path] = first[key]
    return titles, renamed


def _link_key(path: str) -> str:
    """How Obsidian compares a link with a note's path: without case, in one normal form."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", path).casefold())


class _NoteIndex:
    """Which note a link names, by Obsidian's rules.

    A link's target (without `#section`, a leading `/` or a final `.md`) names a note by its
    path from the vault's root, by a path relative to the linking note when it starts with
    `./` or `../`, or by its file name or a final part of its path (`Folder/Note`); when several
    notes match, the one nearest the root (fewest folders, then first by path) wins. Matching
    ignores case and Unicode normal form. Spaces around a target count: a vault written from an
    export links `[[x ]]` for Scrapbox's `[x ]`, another page than `x`.

    The final parts are a tree of path parts from the last one up (one node per part of each
    note's path, so it takes linear space), each node holding the note that wins among those
    whose paths end so: a link is resolved in the time of its own parts.
    """

    def __init__(self, paths: tuple[str, ...], titles: tuple[str, ...]) -> None:
        self._titles: dict[str, str] = {}
        self._by_path: dict[str, str] = {}
        # Node 0 is the root; a child is found by (node, part).
        self._children: dict[tuple[int, str], int] = {}
        self._winner: dict[int, str] = {}
        for path, title in zip(paths, titles, strict=True):
            self._titles[path] = title
            self._by_path[_link_key(path[: -len(_EXTENSION)])] = path
        for path in sorted(paths, key=lambda path: (path.count("/"), path.split("/"))):
            node = 0
            for part in reversed(_link_key(path[: -len(_EXTENSION)]).split("/")):
                node = self._children.setdefault((node, part), len(self._children) + 1)
                self._winner.setdefault(node, path)

    def title(self, target: str, source: str) -> str | None:
        """The title of the note `target` names in a link from the note `source`, or None."""
        if target[-len(_EXTENSION) :].lower() == _EXTENSION:
            target = target[: -len(_EXTENSION)]
        if target.startswith(("./", "../")):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
        key = _link_key(target.lstrip("/"))
        if not key:
            return None
        path = self._by_path.get(key)
        if path is None:
            path = self._ending_in(key)
        return None if path is None else self._titles[path]

    def _ending_in(self, key: str) -> str | None:
        """The winning note whose path (without `.md`, as a key) ends with `/` + `key`."""
        node = 0
        for part in reversed(key.split("/")):
            found = self._children.get((node, part))
            if found is None:
                return None
            node = found
        return self._winner[node]


def _with_resolved_links(
    document: Document, source: str, title: str, index: _NoteIndex
) -> Document:
    """`document` with every link to a note of the vault made a link to its title."""

    def link(node: PageLink) -> PageLink:
        if not node.path:
            # Read as a page title already (`[[a-b|a/b]]` as the export writes it).
            return node
        if not node.target.startswith("#"):
            found = index.title(node.target, source)
        else:
            # `[[#heading]]`: a part of the note itself.
            found = title
            node = dataclasses.replace(node, target="", section=node.target[1:])
        if found is None:
            return node
        if node.alias and page_key(node.alias) == page_key(found):
            # The text shown is a name of the same page: Scrapbox can show it.
            return PageLink(node.alias, node.section)
        if node.target and page_key(node.target) == page_key(found):
            return PageLink(node.target, node.section, node.alias)
        return PageLink(found, node.section, node.alias)

    def inlines(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
        return tuple(inline(node) for node in nodes)

    def inline(node: Inline) -> Inline:
        match node:
            case PageLink():
                return link(node)
            case Embed(target=target, size=size):
                page = target.partition("#")[0]
                found = index.title(page, source) if page else None
                return node if found is None else Embed(found, size)
            case Decoration(children=children):
                return dataclasses.replace(node, children=inlines(children))
            case Strong(children=children):
                return dataclasses.replace(node, children=inlines(children))
            case Quote(children=children):
                return dataclasses.replace(node, children=inlines(children))
            case NumberList(children=children):
                return dataclasses.replace(node, children=inlines(children))
        return node

    def block(node: Block) -> Block:
        match node:
            case Line(children=children) | Heading(children=children):
                return dataclasses.replace(node, children=inlines(children))
            case Table(rows=rows):
                return dataclasses.replace(
                    node, rows=tuple(tuple(inlines(cell) for cell in row) for row in rows)
                )
        return node

    return dataclasses.replace(document, blocks=tuple(block(node) for node in document.blocks))


# ---------------------------------------------------------------------------------------------
# Keeping notes in sync with Scrapbox-notation pages

# The file names of pages in Scrapbox notation (compared without case).
SCRAPBOX_EXTENSIONS = (".sb", ".scrapbox")


class SyncError(ValueError):
    """A page that cannot be synced; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How `sync_page` writes notes: as `MarkdownOptions` (flavor, project of icons, icon
    form, heading levels, vault folders of projects)."""

    flavor: Flavor = "obsidian"
    project: str = ""
    icons: IconForm | None = None
    headings: tuple[int, ...] = (3, 2, 1)
    project_folders: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PageSync:
    """A Scrapbox-notation page and its note beside it: the note as it is and as it would be
    written, and what the conversion lost or changed."""

    source: Path
    change: FileChange
    diagnostics: tuple[Diagnostic, ...]


def note_path(source: Path) -> Path:
    """The note beside a page: `page.sb` or `page.scrapbox` → `page.md`. SyncError for a
    file of another kind."""
    if source.suffix.lower() not in SCRAPBOX_EXTENSIONS:
        raise SyncError(f"{source}: not a Scrapbox page: give FILE.sb or FILE.scrapbox")
    return source.with_suffix(_EXTENSION)


def sync_page(source: Path, options: SyncOptions) -> PageSync:
    """Convert the page `source` into the note beside it (`note_path`), writing nothing: the
    note's text is what `scrapconv convert --from scrapbox --to FLAVOR` prints for the page
    (ending with a newline). Raises SyncError (one line) for a file that is not a page, cannot
    be read or is not UTF-8, or a note that cannot be read."""
    target = note_path(source)
    try:
        data = read_regular(source, None)
    except OSError as error:
        raise SyncError(f"{source}: cannot read: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SyncError(
            f"{source}: not UTF-8 text (byte {error.start}: {data[error.start]:#04x})"
        ) from None
    text = scrapbox_text(text)
    markdown = MarkdownOptions(
        flavor=options.flavor,
        project=options.project,
        icons=options.icons,
        headings=options.headings,
        project_folders=options.project_folders,
    )
    written, diagnostics = write_markdown(read_scrapbox(text), markdown)
    if written and not written.endswith("\n"):
        written += "\n"
    try:
        note = written.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"{target}: the note would hold a lone surrogate (from the options), which no file "
            "can hold"
        ) from None
    try:
        change = compare_file(target, note)
    except OSError as error:
        raise SyncError(f"{target}: cannot read: {error.strerror or error}") from None
    if change.unread is not None:
        raise SyncError(f"{target}: cannot read: {change.unread}")
    return PageSync(source, change, tuple(diagnostics))
