"""A folder of notes written again in the other Markdown flavor: an Obsidian vault as a folder
of plain Markdown (`obsidian` → `markdown`), and back (`markdown` → `obsidian`).

Each note keeps its path, and each other file of the folder (an attachment) is copied as it
is. Links are made to work in the other flavor: a wikilink to a note of the folder becomes a
Markdown link to its file, relative to the linking note (`[[Sub/Note#part|x]]` in `Top.md` →
`[x](Sub/Note.md#part)`), a tag a link to its page's note (`[#tag](tag.md)`, as Scrapbox
links tags), an embed of an attachment an image of it (`![[a.png]]` → `![a.png](a.png)`), an
embed of a note, which plain Markdown cannot show, a link to it (with a diagnostic). Back, a
relative Markdown link to a note of the folder becomes a wikilink, one shown as `#name` to
its page's note a tag, and an image of an attachment named as its alt text an embed, so that
a vault written to plain Markdown and back reads as it did.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from ..ast import (
    Block,
    Document,
    Embed,
    HashTag,
    Image,
    Inline,
    PageLink,
    UrlLink,
    map_inlines,
)
from ..diagnostics import Diagnostic
from ..filenames import page_key, path_segment, title_to_filename
from ..files import (
    FileChange,
    IrregularFileError,
    compare_file,
    error_reason,
    folder_run,
    read_regular,
)
from ..markdown import write_markdown
from ..markdown.options import MarkdownOptions
from .export import LONE_SURROGATE
from .note_index import NoteIndex
from .pages import NOTE_EXTENSION
from .vault_project import UnknownProjectError, told_project

__all__ = ["FlavorError", "FlavorFolder", "check_flavor", "flavor_folder", "write_flavor"]

MarkdownFlavor = Literal["obsidian", "markdown"]
_SKIPPED_FOLDERS = frozenset({".obsidian", ".trash"})


class FlavorError(ValueError):
    """A folder that cannot be read; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class FlavorFolder:
    """A folder of notes as the other flavor: each note (its path inside the folder, `/`
    separated) with its bytes, in the order of their paths; the attachments, copied as they
    are from `folder` (read when written, so that large files are not held); and the
    diagnostics, each with the path of its note."""

    folder: Path
    notes: tuple[tuple[str, bytes], ...]
    attachments: tuple[str, ...]
    diagnostics: tuple[tuple[str, Diagnostic], ...]

    def files(self) -> Iterator[tuple[str, bytes]]:
        """Every file to write, with its bytes: the notes, then the attachments. Raises
        OSError for an attachment that cannot be read now."""
        yield from self.notes
        for path in self.attachments:
            yield path, read_regular(self.folder / path, self.folder)


def flavor_folder(
    folder: Path,
    source: MarkdownFlavor,
    target: MarkdownFlavor,
    *,
    project: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FlavorFolder:
    """Every note of `folder` (hidden files and folders, `.obsidian` and `.trash` left out)
    read as `source` and written as `target`, links made to work there (see the module), and
    every other file to be copied as it is. `project` is the Scrapbox project of the notes'
    icons (for their alt texts: `[name.icon]` of the project, `[/other/name.icon]`); None:
    the one they record or their icons name (`told_project`), else none. A file
    that is not a regular file, or whose name is not UTF-8, is skipped with a diagnostic. Raises
    FlavorError (one line) for a folder or file that cannot be read or a note that is not
    UTF-8."""
    # Imported here: `scrapconv.project` is imported by `sync`, which reads no Markdown.
    from ..markdown.reader import read_markdown_with_diagnostics

    notes, others, diagnostics = _folder_files(folder)
    if project is None:
        try:
            project = told_project(folder, notes)
        except UnknownProjectError:
            # (Here the project names only the icons' alt texts: nothing is lost without.)
            project = ""
    note_index = NoteIndex(tuple(notes))
    file_index = NoteIndex(tuple(others), extension="")
    links = _Links(note_index, file_index, frozenset(notes), frozenset(others))
    written: list[tuple[str, bytes]] = []
    for done, path in enumerate(notes, 1):
        text = _read(folder, path, diagnostics)
        if text is not None:
            document, read_diagnostics = read_markdown_with_diagnostics(
                text, source, project=project
            )
            found: list[Diagnostic] = list(read_diagnostics)
            if target == "markdown":
                document = links.as_markdown(document, path, found)
            else:
                document = links.as_obsidian(document, path)
            options = MarkdownOptions(flavor=target, project=project)
            note, write_diagnostics = write_markdown(document, options)
            found.extend(write_diagnostics)
            written.append((path, note.encode("utf-8")))
            diagnostics.extend((path, diagnostic) for diagnostic in found)
        if progress is not None:
            progress(done, len(notes) + len(others))
    copied: list[str] = []
    for path in others:
        if _is_regular(folder, path):
            copied.append(path)
        else:
            diagnostics.append((path, Diagnostic("skipped", 0, "not a regular file: not copied")))
    return FlavorFolder(folder, tuple(written), tuple(copied), tuple(diagnostics))


def write_flavor(
    converted: FlavorFolder,
    output: Path,
    *,
    wait: bool = True,
    waiting: Callable[[], None] | None = None,
) -> tuple[str, ...]:
    """Write the files of `converted` into `output` (made when absent), each whole; a run that
    fails or is interrupted removes the files and folders it made. Other files are left alone.
    One run at a time writes into a folder: `wait` and `waiting` as for `export_to_vault`.
    The files written; raises OSError and FolderLockedError."""
    written: list[str] = []
    with folder_run(output, wait=wait, waiting=waiting) as run:
        for path, data in converted.files():
            file = output / path
            if "/" in path:
                run.make_folder(file.parent)
            run.write(file, data)
            written.append(path)
    return tuple(written)


def check_flavor(converted: FlavorFolder, output: Path) -> tuple[FileChange, ...]:
    """The files of `output` that `write_flavor` would change, writing nothing."""
    changes = (compare_file(output / path, data) for path, data in converted.files())
    return tuple(change for change in changes if change.changed)


def _folder_files(folder: Path) -> tuple[list[str], list[str], list[tuple[str, Diagnostic]]]:
    """The notes and the other files under `folder`, each sorted by path, and the files
    skipped for names that are not UTF-8."""
    if not folder.is_dir():
        raise FlavorError(f"{folder}: {'not a folder' if folder.exists() else 'no such folder'}")
    errors: list[OSError] = []
    notes: list[str] = []
    others: list[str] = []
    skipped: list[tuple[str, Diagnostic]] = []
    for root, folders, files in os.walk(folder, onerror=errors.append):
        inside = Path(root).relative_to(folder).as_posix()
        prefix = "" if inside == "." else f"{inside}/"
        folders[:] = sorted(
            name for name in folders if not name.startswith(".") and name not in _SKIPPED_FOLDERS
        )
        for name in files:
            if name.startswith("."):
                continue
            if LONE_SURROGATE.search(prefix + name):
                shown = os.fsencode(prefix + name).decode("utf-8", "backslashreplace")
                skipped.append((shown, Diagnostic("skipped", 0, "the name is not UTF-8: not read")))
            elif name.lower().endswith(NOTE_EXTENSION):
                notes.append(prefix + name)
            else:
                others.append(prefix + name)
    if errors:
        error = errors[0]
        raise FlavorError(f"{error.filename}: cannot read: {error.strerror or error}")

    def by_path(path: str) -> list[str]:
        return path.split("/")

    return sorted(notes, key=by_path), sorted(others, key=by_path), skipped


def _read_bytes(folder: Path, path: str, diagnostics: list[tuple[str, Diagnostic]]) -> bytes | None:
    try:
        return read_regular(folder / path, folder)
    except IrregularFileError as error:
        diagnostics.append((path, Diagnostic("skipped", 0, f"{error_reason(error)}: not read")))
        return None
    except OSError as error:
        raise FlavorError(f"{folder / path}: cannot read: {error.strerror or error}") from None


def _is_regular(folder: Path, path: str) -> bool:
    """Whether the file `path` of `folder` is a regular file, or a symbolic link to one
    inside the folder, as `read_regular` reads."""
    file = folder / path
    if not file.is_file():
        return False
    return not file.is_symlink() or Path(os.path.realpath(file)).is_relative_to(
        os.path.realpath(folder)
    )


def _read(folder: Path, path: str, diagnostics: list[tuple[str, Diagnostic]]) -> str | None:
    data = _read_bytes(folder, path, diagnostics)
    if data is None:
        return None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise FlavorError(
            f"{folder / path}: not UTF-8 text (byte {error.start}: {data[error.start]:#04x})"
        ) from None


def _relative(path: str, source: str) -> str:
    """The URL of the file `path` from the note `source`, each part percent-encoded."""
    relative = posixpath.relpath(path, posixpath.dirname(source) or ".")
    return "/".join(path_segment(part) for part in relative.split("/"))


def _shown(target: str, section: str) -> str:
    """What a wikilink without an alias shows (as written: `Note#part`)."""
    return f"{target}#{section}" if section else target


class _Links:
    """The links of a folder's notes, made to work in the other flavor."""

    def __init__(
        self,
        notes: NoteIndex,
        files: NoteIndex,
        note_paths: frozenset[str],
        file_paths: frozenset[str],
    ) -> None:
        self._notes = notes
        self._files = files
        self._note_paths = note_paths
        self._file_paths = file_paths
        # A page title's note, for a link read as a title (`[[a-b|a/b]]`): by `page_key` of
        # its name, as the writer named it.
        self._by_key: dict[str, str] = {}
        for path in sorted(note_paths, key=lambda path: (path.count("/"), path.split("/"))):
            name = path.rpartition("/")[2][: -len(NOTE_EXTENSION)]
            self._by_key.setdefault(page_key(name), path)

    def as_markdown(self, document: Document, source: str, found: list[Diagnostic]) -> Document:
        line = 0

        def inline(node: Inline) -> Inline:
            match node:
                case PageLink(destination=destination) if destination:
                    return node
                case PageLink(target=target, section=section, alias=alias, path=True):
                    if not target or target.startswith("#"):
                        part = section or target[1:]
                        return PageLink(
                            target, section, alias or _shown(target, section), True,
                            "#" + path_segment(part),
                        )  # fmt: skip
                    note = self._notes.path(target, source)
                    if note is None:
                        return node
                    return self._link(note, source, section, alias or _shown(target, section))
                case PageLink(target=target, section=section, alias=alias):
                    note = self._title_note(target, source)
                    if note is None:
                        return node
                    return self._link(note, source, section, alias or target)
                case HashTag(name=name):
                    # A link to the tag's page, as in Scrapbox: to the note beside, named as
                    # the writer names a page's file, when the folder has none.
                    note = self._title_note(name, source)
                    if note is None:
                        folder = posixpath.dirname(source)
                        note = posixpath.join(folder, title_to_filename(name) + NOTE_EXTENSION)
                    return self._link(note, source, "", "#" + name)
                case Embed(target=target, size=size):
                    name = target.partition("#")[0]
                    note = self._notes.path(name, source)
                    if note is not None:
                        found.append(
                            Diagnostic(
                                "embed", line, f"the embedded note {target} is written as a link"
                            )
                        )
                        return self._link(note, source, target.partition("#")[2], target)
                    file = self._files.path(name, source)
                    if file is None:
                        return node
                    if size:
                        found.append(
                            Diagnostic("embed", line, f"the size of the image {target} is left out")
                        )
                    return Image(_relative(file, source), alt=target)
            return node

        def block(node: Block) -> Block:
            nonlocal line
            line = getattr(node, "line", line)
            return map_inlines(node, inline)

        return dataclasses.replace(document, blocks=tuple(block(node) for node in document.blocks))

    def _link(self, note: str, source: str, section: str, label: str) -> PageLink:
        destination = _relative(note, source)
        if section:
            destination += "#" + path_segment(section)
        target = note[: -len(NOTE_EXTENSION)]
        return PageLink(target, section, label, True, destination)

    def _title_note(self, title: str, source: str) -> str | None:
        """The note of a link read as a page title: named as the writer names a page's file,
        or one page with it to Scrapbox."""
        note = self._notes.path(title_to_filename(title), source)
        return note if note is not None else self._by_key.get(page_key(title))

    def as_obsidian(self, document: Document, source: str) -> Document:
        folder = posixpath.dirname(source)

        def inline(node: Inline) -> Inline:
            match node:
                case PageLink(
                    target=target, section=section, alias=alias, destination=str() as d
                ) if d and _is_relative(d):
                    note = posixpath.normpath(posixpath.join(folder, target + NOTE_EXTENSION))
                    if alias.startswith("#") and not section:
                        # A tag, written as a link to its page (see `as_markdown`).
                        tag = posixpath.join(folder, title_to_filename(alias[1:]) + NOTE_EXTENSION)
                        if note == posixpath.normpath(tag):
                            return HashTag(alias[1:])
                    if note not in self._note_paths:
                        return node
                    return self._wikilink(note, source, section, alias)
                case UrlLink(url=url, label=label) if url.startswith("#") and len(url) > 1:
                    # A link to a part of the note itself, `[[#part]]` before.
                    target = "#" + unquote(url[1:])
                    return PageLink(target, "", "" if label in ("", target) else label, True)
                case Image(src=src, alt=alt, link="") if _is_relative(src):
                    file = posixpath.normpath(posixpath.join(folder, unquote(src)))
                    if file in self._file_paths and self._files.path(alt, source) == file:
                        return Embed(alt)
            return node

        return dataclasses.replace(
            document, blocks=tuple(map_inlines(node, inline) for node in document.blocks)
        )

    def _wikilink(self, note: str, source: str, section: str, label: str) -> PageLink | HashTag:
        """A wikilink to `note` showing `label`: with the target the label shows, where it
        names the note, as the link was before it became a Markdown one (a tag, for `#name`);
        else the note's name (its path where the name alone finds another) and the label as
        its alias."""
        shown = label.removesuffix("#" + section) if section else label
        if not section and shown.startswith("#") and self._title_note(shown[1:], source) == note:
            return HashTag(shown[1:])
        if self._notes.path(shown, source) == note:
            return PageLink(shown, section, "", True)
        name = note.rpartition("/")[2][: -len(NOTE_EXTENSION)]
        if self._notes.path(name, source) != note:
            name = note[: -len(NOTE_EXTENSION)]
        return PageLink(name, section, "" if label == _shown(name, section) else label, True)


def _is_relative(url: str) -> bool:
    """A URL of a file of the folder, relative to the note: no scheme, no root."""
    return bool(url) and ":" not in url.partition("/")[0] and not url.startswith(("/", "#"))
