"""A project as a folder of Scrapbox-notation pages, one `.sb` file a page: an export written
into one (`export_to_pages`, `check_pages`) and one read back as an export
(`read_pages_folder`).

A page's file holds its text as Scrapbox holds it, the title line first, with no line break
added at the end (one there would be an empty last line), so that `convert page.sb` and `sync`
read the same page. The files are named through the project's one title → file-name map, as
the notes of a vault are (`pages.page_files`), with `.sb` for `.md`. What a `.sb` file cannot
hold, the folder's record keeps: `.scrapconv-pages.json`, hidden, holds the project's name and
each page's times,

    {"format": 1, "project": "myproject", "pages": {"Page.sb": {"created": 1609459200,
     "updated": 1609459200}}}

so that the folder converts into the same vault as the export it was written from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic
from ..filenames import FileNameMap
from ..files import (
    FileChange,
    IrregularFileError,
    compare_file,
    error_reason,
    folder_run,
    read_regular,
)
from ..scrapbox.reader import scrapbox_text
from .export import LATEST_TIME, LONE_SURROGATE, Export, ExportPage, ImportPage, ImportResult, shown
from .pages import page_files

__all__ = [
    "PAGE_EXTENSION",
    "RECORD_NAME",
    "PageFile",
    "PagesFolder",
    "PagesFolderError",
    "PagesResult",
    "check_pages",
    "export_import",
    "export_to_pages",
    "is_pages_folder",
    "page_file_texts",
    "pages_import",
    "read_pages_folder",
]

PAGE_EXTENSION = ".sb"
# The file names of pages in Scrapbox notation, compared without case.
_PAGE_EXTENSIONS = (".sb", ".scrapbox")
RECORD_NAME = ".scrapconv-pages.json"
_FORMAT = 1


class PagesFolderError(ValueError):
    """A folder of pages that cannot be read; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class PageFile:
    """One page of an export as a `.sb` file: its name, its bytes, the time to give the file
    (the page's `updated`) and what writing it so changed."""

    filename: str
    data: bytes
    mtime: int | None
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class PagesResult:
    """What `export_to_pages` wrote: the number of pages, the files (names inside the folder,
    the record last) and the diagnostics, each with the name of its file."""

    pages: int
    files: tuple[str, ...]
    diagnostics: tuple[tuple[str, Diagnostic], ...]


def page_file_texts(export: Export) -> tuple[tuple[PageFile, ...], bytes]:
    """The `.sb` file of every page of `export`, in its order, and the folder's record."""
    names = FileNameMap.for_titles(page.title for page in export.pages)
    files = page_files([page.title for page in export.pages], names)
    made: list[PageFile] = []
    times: dict[str, dict[str, int]] = {}
    for page in export.pages:
        filename = files[page.title] + PAGE_EXTENSION
        text, diagnostics = _page_text(page)
        if files[page.title] != page.title:
            diagnostics.append(
                Diagnostic(
                    "file-name",
                    1,
                    f"the title {shown(page.title)} is not a file name on every system: "
                    f"the page is {json.dumps(filename, ensure_ascii=False)}",
                )
            )
        made.append(PageFile(filename, text.encode("utf-8"), page.updated, tuple(diagnostics)))
        page_times = {
            key: value
            for key, value in (("created", page.created), ("updated", page.updated))
            if value is not None
        }
        if page_times:
            times[filename] = page_times
    record = {"format": _FORMAT, "pages": times, "project": export.project}
    data = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return tuple(made), data.encode("utf-8")


def _page_text(page: ExportPage) -> tuple[str, list[Diagnostic]]:
    """The text of a page's file: its title line, then its other lines; with what a `.sb` file
    would read otherwise."""
    if LONE_SURROGATE.search(page.text) or LONE_SURROGATE.search(page.title):
        raise ValueError(f"the page {shown(page.title)} holds a lone surrogate")
    first, newline, rest = page.text.partition("\n")
    diagnostics: list[Diagnostic] = []
    if first != page.title:
        diagnostics.append(
            Diagnostic(
                "title-line",
                1,
                f"the first line {shown(first)} is not the page's title {shown(page.title)}: "
                "the title is written",
            )
        )
    text = page.title + newline + rest
    if text.startswith("\ufeff"):
        diagnostics.append(
            Diagnostic("page-file", 1, "the title's leading U+FEFF is read as a byte order mark")
        )
    for number, line in enumerate(text.split("\n"), 1):
        if "\r" in line:
            diagnostics.append(
                Diagnostic(
                    "page-file", number, "a carriage return in the line is read as a line break"
                )
            )
    return text, diagnostics


def export_to_pages(
    export: Export,
    folder: Path,
    *,
    wait: bool = True,
    waiting: Callable[[], None] | None = None,
) -> PagesResult:
    """Write every page of `export` as a `.sb` file into `folder` (made when absent), then the
    folder's record. Other files are left alone; a file replaced keeps its permissions; each is
    written whole, and a run that fails or is interrupted removes the files it made. One run
    at a time writes into a folder: `wait` and `waiting` as for `export_to_vault`. Raises
    OSError, FolderLockedError, and ValueError for a page holding a lone surrogate."""
    files, record = page_file_texts(export)
    with folder_run(folder, wait=wait, waiting=waiting) as run:
        for file in files:
            run.write(folder / file.filename, file.data, file.mtime)
        run.write(folder / RECORD_NAME, record)
    return PagesResult(
        len(files),
        (*(file.filename for file in files), RECORD_NAME),
        tuple((file.filename, diagnostic) for file in files for diagnostic in file.diagnostics),
    )


def check_pages(export: Export, folder: Path) -> tuple[tuple[FileChange, ...], PagesResult]:
    """What `export_to_pages` would change in `folder`, writing nothing: the files whose
    content would change (the record included), and the result it would give."""
    files, record = page_file_texts(export)
    written = [(file.filename, file.data) for file in files] + [(RECORD_NAME, record)]
    changes = tuple(
        change
        for change in (compare_file(folder / name, data) for name, data in written)
        if change.changed
    )
    result = PagesResult(
        len(files),
        tuple(name for name, _ in written),
        tuple((file.filename, diagnostic) for file in files for diagnostic in file.diagnostics),
    )
    return changes, result


@dataclass(frozen=True, slots=True)
class PagesFolder:
    """A folder of pages read: the pages as an export (the project's name from the record),
    the file of each page (in the pages' order) and what reading skipped."""

    export: Export
    files: tuple[str, ...]
    diagnostics: tuple[tuple[str, Diagnostic], ...]


def is_pages_folder(folder: Path) -> bool | None:
    """Whether `folder` holds pages (`.sb`, `.scrapbox`, or the record of a folder of pages)
    and no notes (`.md`) directly inside it: True; notes and no pages: False; both: None (it
    could be either)."""
    pages = notes = False
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name.lower()
            pages = pages or name.endswith(_PAGE_EXTENSIONS) or entry.name == RECORD_NAME
            notes = notes or name.endswith(".md")
    if pages and notes:
        return None
    return pages


def read_pages_folder(folder: Path) -> PagesFolder:
    """The pages directly in `folder` (`*.sb`, `*.scrapbox`; hidden files left out), in the
    order of their names, each page's title its first line, with the times and the project
    the folder's record keeps. A page that is not a regular file, or whose name is not UTF-8,
    is skipped with a diagnostic. Raises PagesFolderError (one line) for a folder or page that
    cannot be read, a page that is not UTF-8, two pages of one title, a record that is not
    one, or a folder with neither pages nor a record."""
    if not folder.is_dir():
        raise PagesFolderError(
            f"{folder}: {'not a folder' if folder.exists() else 'no such folder'}"
        )
    try:
        # (A folder named as a page is no page.)
        with os.scandir(folder) as entries:
            names = sorted(entry.name for entry in entries if not entry.is_dir())
    except OSError as error:
        raise PagesFolderError(f"{folder}: cannot read: {error.strerror or error}") from None
    project, times = _read_record(folder / RECORD_NAME)
    pages: list[ExportPage] = []
    files: list[str] = []
    skipped: list[tuple[str, Diagnostic]] = []
    first_of_title: dict[str, str] = {}
    for name in names:
        if name.startswith(".") or not name.lower().endswith(_PAGE_EXTENSIONS):
            continue
        if LONE_SURROGATE.search(name):
            shown_name = os.fsencode(name).decode("utf-8", "backslashreplace")
            skipped.append((shown_name, _skipped("the name is not UTF-8")))
            continue
        try:
            data = read_regular(folder / name, folder)
        except IrregularFileError as error:
            skipped.append((name, _skipped(error_reason(error))))
            continue
        except OSError as error:
            raise PagesFolderError(
                f"{folder / name}: cannot read: {error.strerror or error}"
            ) from None
        try:
            text = scrapbox_text(data.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise PagesFolderError(
                f"{folder / name}: not UTF-8 text (byte {error.start}: {data[error.start]:#04x})"
            ) from None
        title = text.partition("\n")[0]
        earlier = first_of_title.setdefault(title, name)
        if earlier != name:
            raise PagesFolderError(
                f"{folder / name}: the page {shown(title)} of {earlier} too: a project has one "
                "page of a title"
            )
        created, updated = times.get(name, (None, None))
        pages.append(ExportPage(title, text, created, updated))
        files.append(name)
    if not files and not skipped and not (folder / RECORD_NAME).exists():
        raise PagesFolderError(f"{folder}: no Scrapbox pages (.sb, .scrapbox) in it")
    return PagesFolder(Export(project, tuple(pages)), tuple(files), tuple(skipped))


def _skipped(why: str) -> Diagnostic:
    return Diagnostic("skipped", 0, f"{why}: not read")


def _read_record(path: Path) -> tuple[str, dict[str, tuple[int | None, int | None]]]:
    """The project's name and the pages' times (created, updated) by file name, from the
    folder's record; "" and none without one."""
    try:
        data = read_regular(path, path.parent)
    except FileNotFoundError:
        return "", {}
    except OSError as error:
        raise PagesFolderError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        raise _not_a_record(path, "not UTF-8 JSON") from None
    if not isinstance(value, dict) or value.get("format") != _FORMAT:
        raise _not_a_record(path, f'no "format": {_FORMAT}')
    project = value.get("project", "")
    pages = value.get("pages", {})
    if not isinstance(project, str) or not isinstance(pages, dict):
        raise _not_a_record(path, 'no "project" name and "pages" object')
    times: dict[str, tuple[int | None, int | None]] = {}
    for name, entry in pages.items():
        if not isinstance(entry, dict):
            raise _not_a_record(path, f"the entry of {json.dumps(name)} is not an object")
        times[name] = (_time(path, name, entry, "created"), _time(path, name, entry, "updated"))
    return project, times


def _time(path: Path, name: str, entry: dict[str, Any], key: str) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LATEST_TIME:
        raise _not_a_record(path, f'the "{key}" of {json.dumps(name)} is no time')
    return value


def _not_a_record(path: Path, reason: str) -> PagesFolderError:
    return PagesFolderError(
        f"{path}: not a scrapconv record of pages ({reason}): remove it to read the pages alone"
    )


def pages_import(folder: PagesFolder) -> ImportResult:
    """The Cosense import of a folder's pages: each page's lines as its file holds them."""
    return ImportResult(
        folder.files,
        tuple(ImportPage(page.title, tuple(page.text.split("\n"))) for page in folder.export.pages),
        folder.diagnostics,
    )


def export_import(export: Export) -> ImportResult:
    """The Cosense import of an export's pages: each page's lines, the title first."""
    pages = []
    for page in export.pages:
        lines = page.text.split("\n")
        pages.append(ImportPage(page.title, (page.title, *lines[1:])))
    return ImportResult((), tuple(pages), ())
