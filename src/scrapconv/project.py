"""Whole projects: a Scrapbox (Cosense) export → a folder of Markdown notes (a vault).

`read_export` checks an export completely and gives an `Export`, or raises `ExportError` with
one line saying what is wrong, before anything is written. `export_to_vault` writes one note
per page, named through one `FileNameMap` for the whole project, which also resolves every
link, so notes and the links to them always agree. Each file is written whole or not at all
(a temporary file in the same folder, then a rename).

The work on one page is `convert_page`, a pure function of the page and `PageOptions`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .ast import Property
from .diagnostics import Diagnostic
from .filenames import FileNameMap, page_key
from .markdown.writer import Flavor, IconForm, MarkdownOptions, write_markdown
from .scrapbox.reader import read_scrapbox

__all__ = [
    "Export",
    "ExportError",
    "ExportPage",
    "PageOptions",
    "VaultResult",
    "convert_page",
    "export_to_vault",
    "iso_time",
    "read_export",
]

_EXTENSION = ".md"
# `name.md` must fit in one path component of 255 bytes (as in scrapconv.filenames).
_MAX_NAME_BYTES = 255 - len(_EXTENSION)
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
    for links) and the file name of every page (without `.md`), by title."""

    markdown: MarkdownOptions
    files: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class VaultResult:
    """What `export_to_vault` did: the number of pages, the files written (names inside the
    folder) and the diagnostics, each with the name of the file it is about."""

    pages: int
    files: tuple[str, ...]
    diagnostics: tuple[tuple[str, Diagnostic], ...]


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
    read_pages = tuple(_read_page(page, index, name) for index, page in enumerate(pages))
    first_of_title: dict[str, int] = {}
    for index, page in enumerate(read_pages):
        earlier = first_of_title.setdefault(page.title, index)
        if earlier != index:
            raise ExportError(
                f"{name}: pages {earlier} and {index} have the same title {_shown(page.title)}"
            )
    return Export(project, read_pages)


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
    taken = {_same_file(name) for name in files.values()}
    for title in sorted(others):
        # The title's own safe name, as if it were the only page.
        base = FileNameMap.for_titles((title,)).filename(title)
        digits = 8
        while True:
            digest = hashlib.sha256(title.encode("utf-8")).hexdigest()[:digits]
            suffix = f" ({digest})"
            name = _cut(base, _MAX_NAME_BYTES - len(suffix)) + suffix
            if _same_file(name) not in taken or digits == 64:
                break
            digits += 4
        taken.add(_same_file(name))
        files[title] = name
    return files


def _same_file(name: str) -> str:
    """Names that are one file on a case-insensitive, normalising file system meet here."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _cut(name: str, max_bytes: int) -> str:
    def size(text: str) -> int:
        return max(
            len(form.encode("utf-8"))
            for form in (
                text,
                unicodedata.normalize("NFC", text),
                unicodedata.normalize("NFD", text),
            )
        )

    while size(name) > max_bytes:
        name = name[:-1]
    return name


# ---------------------------------------------------------------------------------------------
# Writing a vault


def export_to_vault(
    export: Export,
    folder: Path,
    *,
    flavor: Flavor = "obsidian",
    project: str | None = None,
    icons: IconForm | None = None,
    headings: tuple[int, ...] = (3, 2, 1),
) -> VaultResult:
    """Write every page of `export` as a note in `folder` (created when absent).

    `project` (default: the export's name) is the project of icons written without one. Files
    of the folder that no page names are left alone; a note of the same name is replaced.
    Raises OSError when the folder cannot be made or written; the notes written by this call
    are then removed again, and so is the folder if this call made it.
    """
    titles = [page.title for page in export.pages]
    names = FileNameMap.for_titles(titles)
    options = PageOptions(
        MarkdownOptions(
            flavor=flavor,
            project=export.project if project is None else project,
            icons=icons,
            headings=headings,
            pages=names,
        ),
        MappingProxyType(page_files(titles, names)),
    )
    made = _make_folder(folder)
    written: list[str] = []
    new_files: list[Path] = []
    diagnostics: list[tuple[str, Diagnostic]] = []
    mode = _file_mode()
    try:
        for page in export.pages:
            filename, text, page_diagnostics = convert_page(page, options)
            path = folder / filename
            existed = path.exists() or path.is_symlink()
            _write_atomically(path, text.encode("utf-8"), page.updated, mode)
            if not existed:
                new_files.append(path)
            written.append(filename)
            diagnostics.extend((filename, diagnostic) for diagnostic in page_diagnostics)
    except BaseException:
        for path in new_files:
            with contextlib.suppress(OSError):
                path.unlink()
        for made_folder in reversed(made):
            with contextlib.suppress(OSError):
                made_folder.rmdir()
        raise
    return VaultResult(len(export.pages), tuple(written), tuple(diagnostics))


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
    """Write `path` whole or not at all: a temporary file in the same folder, then a rename."""
    descriptor, temporary = tempfile.mkstemp(prefix=".scrapconv-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
        if mtime is not None:
            os.utime(temporary, (mtime, mtime))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
