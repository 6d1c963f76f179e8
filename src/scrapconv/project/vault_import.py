"""A vault (a folder of Markdown notes) read into a Cosense import.

`vault_to_import` reads every note of a vault and gives the pages of a Cosense import
(`{"pages": [{"title", "lines"}]}`), with links resolved as Obsidian resolves them and written
as links to the titles of the notes they find, and the notes' dates as the dates of their
pages' lines; `write_import` writes it atomically.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .. import ImportFormat
from ..ast import (
    Document,
    Embed,
    Inline,
    PageLink,
    map_inlines,
)
from ..diagnostics import Diagnostic
from ..filenames import page_key
from ..files import (
    IrregularFileError,
    error_reason,
    folder_lock,
    kept_mode,
    new_file_mode,
    read_regular,
    write_atomically,
)
from ..scrapbox.report import scrapbox_diagnostics
from ..scrapbox.writer import write_scrapbox
from .export import LONE_SURROGATE, ImportPage, ImportResult, import_bytes, shown
from .note_index import NoteIndex, link_key
from .pages import NOTE_EXTENSION
from .vault_project import UnknownProjectError, told_project

__all__ = ["VaultError", "vault_to_import", "write_import"]

_SKIPPED_FOLDERS = frozenset({".obsidian", ".trash"})


class VaultError(ValueError):
    """A vault that cannot be read; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class _Note:
    path: str  # inside the vault, `/` separated, with `.md`
    title: str  # from the front matter or the file name, before duplicates are renamed
    document: Document
    diagnostics: tuple[Diagnostic, ...] = ()  # of reading it


def vault_to_import(
    folder: Path,
    *,
    flavor: Literal["obsidian", "markdown"] = "obsidian",
    project: str | None = None,
    import_format: ImportFormat = "dated",
    asset_url: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Read every note (`*.md`) under `folder` and make a Cosense import of them.

    Notes are taken in the order of their paths; hidden folders (`.obsidian`, `.trash`) and
    hidden files are skipped, as Obsidian does. A page's title is the front matter `title`, else
    the file name without `.md`. Titles are unique as Cosense reads them (`page_key`): of notes
    with one title, the first keeps it and the others get the name of their folder after it,
    `Title (Folder)`, reported as `duplicate-title`.

    Links to notes (`[[Folder/Note]]`, `[[note#heading|alias]]`, `[x](Note.md)`, embeds) are
    resolved as Obsidian does (see `NoteIndex`) and written as links to the title of the note
    they find; a link that finds no note stays as written. `project` is the Scrapbox project
    the pages are for (an icon of another project keeps its project's name); None: the one
    the notes record, else the one their icons name (`vault_project.told_project`). Raises
    VaultError (one line) for a folder or note that cannot be read, a note that is not UTF-8,
    or a project that cannot be told; never for what a note says.

    A note's front matter starts its page (`markdown.properties`). Its `created` and `updated`
    dates are the dates of every line of its page in the `dated` import format; the `light`
    format has lines of text only, and a `dates` diagnostic for each note whose dates it
    leaves out.

    Attachments (images and other files the notes embed) become links to their names, or,
    with `asset_url`, images and links at `asset_url/<path>`, the path being that of the file
    Obsidian finds in the vault.

    `progress`, when given, is called with the steps done and the steps in all after each step:
    reading a note is one step, making its page another.
    """
    # Imported here: the Markdown reader (mistune, pyyaml) is not loaded for other commands.
    from ..markdown.properties import dates_left_out, with_properties

    paths, diagnostics = _note_paths(folder)
    if project is None:
        try:
            project = told_project(folder, paths)
        except UnknownProjectError as error:
            raise VaultError(str(error)) from None
    attachments = _attachment_paths(folder) if asset_url else {}
    steps = 2 * len(paths)
    notes: list[_Note] = []
    for done, path in enumerate(paths, 1):
        try:
            notes.append(_read_note(folder, path, flavor, project, asset_url, attachments))
        except IrregularFileError as error:
            diagnostics.append(
                (path, Diagnostic("skipped", 0, f"{error_reason(error)}: not imported"))
            )
        if progress is not None:
            progress(done, steps)
    titles, renamed = _unique_titles(notes)
    index = _NoteTitles(tuple(note.path for note in notes), tuple(titles))
    pages: list[ImportPage] = []
    # Notes skipped count as made, for the progress.
    made = len(paths) - len(notes)
    for note, title in zip(notes, titles, strict=True):
        note_diagnostics: list[Diagnostic] = list(note.diagnostics)
        if note.document.title is not None and note.document.title != note.title:
            note_diagnostics.append(
                Diagnostic(
                    "title-line",
                    1,
                    f"the title {shown(note.document.title)} holds a line break: written as "
                    f"{shown(note.title)}",
                )
            )
        if note.path in renamed:
            note_diagnostics.append(
                Diagnostic(
                    "duplicate-title",
                    1,
                    f"{renamed[note.path]} has the title {shown(note.title)} too: this page is "
                    f"{shown(title)}",
                )
            )
        # The project a note records is the one it is imported into: nothing is left out.
        meta = tuple(f for f in note.document.meta if (f.key, f.value) != ("project", project))
        document = dataclasses.replace(note.document, title=title, meta=meta)
        document, dates = with_properties(document)
        times = dates.both()
        if import_format == "light":
            note_diagnostics.extend(dates_left_out(dates, "a light import holds none"))
            times = None
        document = _with_resolved_links(document, note.path, title, index)
        text = write_scrapbox(document)
        note_diagnostics.extend(scrapbox_diagnostics(document))
        note_diagnostics.sort(key=lambda diagnostic: diagnostic.line)
        pages.append(ImportPage(title, tuple(text.split("\n")), times))
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
        mode = kept_mode(path)
        write_atomically(path, data, None, new_file_mode() if mode is None else mode)


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
        folders[:] = [name for name in visible if not LONE_SURROGATE.search(name)]
        skipped.extend(
            (_shown_path(prefix + name), _skipped("the folder's name is not UTF-8: its notes are"))
            for name in visible
            if LONE_SURROGATE.search(name)
        )
        for name in files:
            if not name.lower().endswith(NOTE_EXTENSION) or name.startswith("."):
                continue
            if LONE_SURROGATE.search(name):
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


def _attachment_paths(folder: Path) -> dict[str, str]:
    """The files of the vault that are not notes, by name (and by path), `/` separated: of
    files of one name, the first the walk finds (the root's before its folders')."""
    found: dict[str, str] = {}
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(
            name for name in folders if not name.startswith(".") and name not in _SKIPPED_FOLDERS
        )
        inside = Path(root).relative_to(folder).as_posix()
        prefix = "" if inside == "." else f"{inside}/"
        for name in sorted(files):
            if name.startswith(".") or name.lower().endswith(NOTE_EXTENSION):
                continue
            found.setdefault(link_key(name), prefix + name)
            found.setdefault(link_key(prefix + name), prefix + name)
    return found


def _read_note(
    folder: Path,
    path: str,
    flavor: str,
    project: str,
    asset_url: str = "",
    attachments: dict[str, str] | None = None,
) -> _Note:
    """A note of the vault, read in the forms of a Scrapbox page. Raises IrregularFileError
    for what is not a regular file or a symbolic link out of the vault, VaultError for a note
    that cannot be read or is not UTF-8."""
    from ..markdown.reader import read_markdown_with_diagnostics
    from ..markdown.scrapbox_form import scrapbox_form

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
    document, read_diagnostics = read_markdown_with_diagnostics(
        text,
        flavor,  # type: ignore[arg-type]
        project=project,
    )
    found = attachments or {}
    document, shaped = scrapbox_form(
        document,
        text,
        flavor=flavor,  # type: ignore[arg-type]
        project=project,
        asset_url=asset_url,
        attachment_path=lambda name: found.get(link_key(name.lstrip("/")), name),
    )
    title = document.title
    if title is not None:
        # A page title is one line.
        title = " ".join(part for part in title.splitlines())
    if title is None or not title.strip():
        title = path.rsplit("/", 1)[-1][: -len(NOTE_EXTENSION)]
    return _Note(path, title, document, (*read_diagnostics, *shaped))


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


class _NoteTitles:
    """The title of the note a link names (`NoteIndex`)."""

    def __init__(self, paths: tuple[str, ...], titles: tuple[str, ...]) -> None:
        self._index = NoteIndex(paths)
        self._titles = dict(zip(paths, titles, strict=True))

    def title(self, target: str, source: str) -> str | None:
        path = self._index.path(target, source)
        return None if path is None else self._titles[path]


def _with_resolved_links(
    document: Document, source: str, title: str, index: _NoteTitles
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
        if node.alias and page_key(node.alias.rpartition("#")[0]) == page_key(found):
            # Scrapbox's link to a line of the page, `[title#id]`, as the export writes it.
            return PageLink(node.alias)
        if node.target and page_key(node.target) == page_key(found):
            return PageLink(node.target, node.section, node.alias)
        return PageLink(found, node.section, node.alias)

    def inline(node: Inline) -> Inline:
        match node:
            case PageLink():
                return link(node)
            case Embed(target=target, size=size):
                page = target.partition("#")[0]
                found = index.title(page, source) if page else None
                return node if found is None else Embed(found, size)
        return node

    return dataclasses.replace(
        document, blocks=tuple(map_inlines(node, inline) for node in document.blocks)
    )
