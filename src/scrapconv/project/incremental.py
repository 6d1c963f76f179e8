"""Incremental runs of an export into a vault: what to convert, write, remove and keep.

An incremental run relies on the folder's manifest (`scrapconv.manifest`): it converts only the
pages changed since the last run, writes only notes whose bytes change, removes the notes of
pages gone from the export, and keeps (and reports, as `KeptFile`) every file edited by hand
since scrapconv wrote it or not written by scrapconv at all, unless forced. `IncrementalRun`
decides; `vault` does what it decides, or compares it without writing.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .. import __version__
from ..filenames import collision_key
from ..files import error_reason, read_if_present
from ..manifest import (
    Manifest,
    ManifestEntry,
    digest,
    file_state,
    settings_digest,
    source_digest,
    titles_digest,
)
from ..markdown.options import MarkdownOptions
from .export import Export, ExportPage
from .pages import NOTE_EXTENSION, PageOptions, VaultNote, page_options

__all__ = [
    "FullRun",
    "IncrementalRun",
    "KeepReason",
    "KeptFile",
    "ManifestEntries",
    "NoteUnchanged",
    "RemoveNote",
    "WriteNote",
    "fingerprint",
    "settings_fingerprint",
    "written_entry",
]

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
class WriteNote:
    """Write a note's bytes `data` over the file's `old` ones (None: there is no file, or it
    could not be read), once the note recorded as `moved_from` is moved to its new name."""

    data: bytes
    old: bytes | None
    moved_from: str | None = None


@dataclass(frozen=True, slots=True)
class NoteUnchanged:
    """Leave a note as it is: it holds what would be written (once the note recorded as
    `moved_from` is moved to its new name)."""

    moved_from: str | None = None


@dataclass(frozen=True, slots=True)
class RemoveNote:
    """Remove the note of a page gone from the export; it holds `old` (None: it could not be
    read, for the reason `unread`)."""

    filename: str
    old: bytes | None
    unread: str | None = None


class IncrementalRun:
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
        markdown: MarkdownOptions | None,
        recorded: Manifest | None,
        force: bool,
    ) -> None:
        self._folder = folder
        self._force = force
        self._recorded = recorded
        self._entries = ManifestEntries(recorded)
        markdown = markdown or MarkdownOptions()
        titles = [page.title for page in export.pages]
        self._settings = settings_fingerprint(export, markdown)
        self._titles = titles_digest(titles)
        self.full_run = full_run_reason(recorded, self._settings, self._titles)
        # With the settings and titles of the last run, its file names are this one's: they
        # are taken from the manifest instead of being made again from every title.
        known = None
        if recorded is not None and self.full_run is None and markdown.compat != "reference":
            known = recorded.page_files(titles)
        self.options = page_options(export, markdown, known)
        files = self.options.files
        self._filenames = tuple(files[title] + NOTE_EXTENSION for title in titles)
        self.pages_in_export = len(export.pages)
        if self.full_run is not None:
            self.pages = export.pages
            self.unconverted: tuple[str, ...] = ()
            return
        self._present = _plain_entries(folder)
        converted: list[ExportPage] = []
        unconverted: list[str] = []
        for page, name in zip(export.pages, self._filenames, strict=True):
            if self._needs_conversion(page, name):
                converted.append(page)
            else:
                unconverted.append(name)
        self.pages = tuple(converted)
        self.unconverted = tuple(unconverted)

    def _needs_conversion(self, page: ExportPage, filename: str) -> bool:
        found = self._recorded.find(filename) if self._recorded is not None else None
        if found is None or found[0] != filename or not _same_source(page, found[1]):
            return True
        if not self._force:
            # (Only a missing note matters: reading every unchanged note would be wasted.)
            return filename not in self._present and not (self._folder / filename).exists()
        path = self._folder / filename
        try:
            data = read_if_present(path)
        except OSError:
            return True
        return data is None or digest(data) != found[1].written

    def note_step(self, page: ExportPage, note: VaultNote) -> WriteNote | NoteUnchanged | KeptFile:
        """What to do with the note of a converted page, recorded for the manifest."""
        data = note.text.encode("utf-8")
        found = self._recorded.find(note.filename) if self._recorded is not None else None
        name, entry = found if found is not None else (note.filename, None)
        # A page renamed in case only (`FAQ` → `faq`): its note moves to the new name.
        moved_from = name if name != note.filename and self._moves(name, note.filename) else None
        try:
            old = read_if_present(self._folder / (moved_from or note.filename))
        except OSError as error:
            if not self._force:
                return KeptFile(moved_from or note.filename, "unread", error_reason(error))
            old, moved_from = None, None
        if old == data:
            self._entries.record(note.filename, written_entry(page, digest(data)))
            return NoteUnchanged(moved_from)
        match file_state(entry, old):
            case "edited" if entry is not None and not self._force:
                # Still the bytes scrapconv wrote, but no longer those of the page: the page
                # is converted again next time, and the file kept again while it differs.
                self._entries.record(name, dataclasses.replace(entry, source=None))
                return KeptFile(moved_from or note.filename, "edited")
            case "not-written" if not self._force:
                return KeptFile(note.filename, "not-written")
        self._entries.record(note.filename, written_entry(page, digest(data)))
        return WriteNote(data, old, moved_from)

    def _moves(self, recorded: str, filename: str) -> bool:
        """Whether the note recorded as `recorded` moves to `filename` (the same name in
        another case): when it is there and nothing else is at the new name."""
        source, target = self._folder / recorded, self._folder / filename
        if not source.exists():
            return False
        return not target.exists() or os.path.samefile(source, target)

    def gone_files(self) -> Iterator[RemoveNote | KeptFile]:
        """What to do with the notes scrapconv wrote for pages no longer in the export: remove
        them, unless edited since or unreadable (and not `force`); recorded for the
        manifest."""
        if self._recorded is None:
            return
        # Most recorded names are names of this run as they are: only the others need keys.
        current = set(self._filenames)
        others = [name for name in self._recorded.files if name not in current]
        if not others:
            return
        named = {collision_key(filename) for filename in self._filenames}
        for filename in others:
            entry = self._recorded.files[filename]
            if collision_key(filename) in named:
                continue
            try:
                old = read_if_present(self._folder / filename)
            except OSError as error:
                if not self._force:
                    yield KeptFile(filename, "unread-page-gone", error_reason(error))
                    continue
                self._entries.forget(filename)
                yield RemoveNote(filename, None, error_reason(error))
                continue
            match file_state(entry, old):
                case "edited" if not self._force:
                    yield KeptFile(filename, "edited-page-gone")
                case _:
                    self._entries.forget(filename)
                    if old is not None:
                        yield RemoveNote(filename, old)

    def in_export_order(self, filenames: set[str]) -> tuple[str, ...]:
        """Some of the notes of the export's pages, in the pages' order."""
        return tuple(name for name in self._filenames if name in filenames)

    def manifest(self) -> Manifest:
        """The manifest as the steps decided so far leave it."""
        return self._entries.manifest(self._settings, self._titles, self.options.files)


class ManifestEntries:
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

    def manifest(self, settings: str, titles: str, files: Mapping[str, str]) -> Manifest:
        """The manifest, which also records the file names `files` (without `.md`, by title)
        of the pages whose file is not named after the title."""
        names = {title: name + NOTE_EXTENSION for title, name in files.items() if name != title}
        return Manifest(settings, titles, self._entries, names)


def fingerprint(options: PageOptions) -> tuple[str, str]:
    """The digests of what every note depends on besides its own page: the settings (every
    Markdown option but the file-name map, which the titles make, and scrapconv's version)
    and the set of page titles."""
    return _settings_digest(options.markdown), titles_digest(options.files)


def settings_fingerprint(export: Export, markdown: MarkdownOptions) -> str:
    """`fingerprint`'s settings digest of `page_options(export, markdown)`, without making
    its file-name map."""
    project = markdown.project or export.project
    return _settings_digest(dataclasses.replace(markdown, project=project))


def _settings_digest(markdown: MarkdownOptions) -> str:
    settings = {
        option.name: repr(getattr(markdown, option.name))
        for option in dataclasses.fields(markdown)
        if option.name != "pages"
    }
    settings["scrapconv"] = __version__
    return settings_digest(settings)


def full_run_reason(recorded: Manifest | None, settings: str, titles: str) -> FullRun | None:
    """Why an incremental run must convert every page, or None when it need not."""
    if recorded is None:
        return "no manifest"
    if recorded.settings != settings:
        return "settings changed"
    if recorded.titles != titles:
        return "titles changed"
    return None


def _plain_entries(folder: Path) -> frozenset[str]:
    """The names in `folder` that are not symbolic links: files there for sure, found by one
    listing instead of a look-up per note."""
    try:
        with os.scandir(folder) as entries:
            return frozenset({entry.name for entry in entries if not entry.is_symlink()})
    except OSError:
        return frozenset()


def _same_source(page: ExportPage, entry: ManifestEntry) -> bool:
    """Whether `page` is the one the note recorded in `entry` was converted from: by its title
    and `updated` time when both have one (Scrapbox changes it with every edit), else by its
    digest."""
    if entry.source is None:
        return False
    if page.updated is not None and entry.updated is not None:
        return page.updated == entry.updated and page.title == entry.title
    return entry.source == _source_digest(page)


def _source_digest(page: ExportPage) -> str:
    return source_digest(page.title, page.text, page.created, page.updated)


def written_entry(page: ExportPage, written: str) -> ManifestEntry:
    """The manifest's entry of a note converted from `page`, whose bytes have the SHA-256
    `written`."""
    return ManifestEntry(page.title, _source_digest(page), written, page.updated)
