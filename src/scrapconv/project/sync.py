"""Notes beside Scrapbox-notation pages, one page at a time: `sync_page` converts a page
(`page.sb`) into the note beside it (`page.md`) and gives what would be written;
`scrapconv.files.write_change` writes it atomically, only when it changes the file.
`sync_targets` pairs the files named (pages and notes) with the pages to sync.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic
from ..files import FileChange, compare_file, read_regular
from ..markdown import write_markdown
from ..markdown.options import MarkdownOptions
from ..scrapbox.reader import read_scrapbox, scrapbox_text
from .pages import NOTE_EXTENSION

__all__ = [
    "SCRAPBOX_EXTENSIONS",
    "PageSync",
    "SyncError",
    "SyncOptions",
    "SyncTarget",
    "note_path",
    "sync_page",
    "sync_targets",
]

# The file names of pages in Scrapbox notation (compared without case).
SCRAPBOX_EXTENSIONS = (".sb", ".scrapbox")


class SyncError(ValueError):
    """A page that cannot be synced; the message is one line naming the file."""


# Deprecated: `sync_page` takes `MarkdownOptions`, which has the same fields; the name is
# kept for one release.
SyncOptions = MarkdownOptions


@dataclass(frozen=True, slots=True)
class PageSync:
    """A Scrapbox-notation page and its note beside it: the note as it is and as it would be
    written, and what the conversion lost or changed."""

    source: Path
    change: FileChange
    diagnostics: tuple[Diagnostic, ...]
    # The note was named without its page and differs from what the page gives: the page did
    # not change, so the note was edited by hand, and is kept.
    hand_edited: bool = False


@dataclass(frozen=True, slots=True)
class SyncTarget:
    """A page to sync; `page_named` is False when only its note was named."""

    page: Path
    page_named: bool


def note_path(source: Path) -> Path:
    """The note beside a page: `page.sb` or `page.scrapbox` → `page.md`. SyncError for a
    file of another kind."""
    if source.suffix.lower() not in SCRAPBOX_EXTENSIONS:
        raise SyncError(f"{source}: not a Scrapbox page: give FILE.sb or FILE.scrapbox")
    return source.with_suffix(NOTE_EXTENSION)


def sync_targets(files: Iterable[Path]) -> tuple[SyncTarget, ...]:
    """The pages to sync for the files named, in the order named, each once: a page
    (`page.sb`, `page.scrapbox`) stands for itself, and a note (`page.md`) for the page beside
    it, which is left out quietly when there is none. Raises SyncError (one line) for a file of
    another kind, or a note with two pages beside it."""
    targets: dict[Path, SyncTarget] = {}
    listings: dict[Path, dict[str, list[str]]] = {}
    for file in files:
        suffix = file.suffix.lower()
        if suffix in SCRAPBOX_EXTENSIONS:
            page, named = file, True
        elif suffix == NOTE_EXTENSION:
            found = _page_beside(file, listings)
            if found is None:
                continue
            page, named = found, False
        else:
            raise SyncError(
                f"{file}: not a Scrapbox page or its note: give FILE.sb, FILE.scrapbox or FILE.md"
            )
        key = page.resolve()
        known = targets.get(key)
        if known is None:
            targets[key] = SyncTarget(page, named)
        elif named and not known.page_named:
            targets[key] = SyncTarget(known.page, True)
    return tuple(targets.values())


def _page_beside(note: Path, listings: dict[Path, dict[str, list[str]]]) -> Path | None:
    """The page whose note is `note`, found in its folder (listed once per run, so that many
    notes of one folder cost one listing)."""
    folder = note.parent
    listing = listings.get(folder)
    if listing is None:
        listing = listings[folder] = _pages_by_stem(folder)
    names = listing.get(note.stem, [])
    if not names:
        return None
    if len(names) > 1:
        first, second = sorted(names)[:2]
        raise SyncError(f"{note}: the note of both {folder / first} and {folder / second}")
    return folder / names[0]


def _pages_by_stem(folder: Path) -> dict[str, list[str]]:
    """The names of the pages in `folder` by stem; none when it cannot be listed."""
    pages: dict[str, list[str]] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = Path(entry.name)
                if name.suffix.lower() in SCRAPBOX_EXTENSIONS and not entry.is_dir():
                    pages.setdefault(name.stem, []).append(entry.name)
    except OSError:
        return {}
    return pages


def sync_page(source: Path, options: MarkdownOptions, *, page_named: bool = True) -> PageSync:
    """Convert the page `source` into the note beside it (`note_path`), writing nothing: the
    note's text is what `scrapconv convert --from scrapbox --to FLAVOR` prints for the page
    (ending with a newline). With `page_named` False (only the note was named, so the page
    did not change), a note there that differs is `hand_edited`. Raises SyncError (one line)
    for a file that is not a page, cannot be read or is not UTF-8, or a note that cannot be
    read."""
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
    written, diagnostics = write_markdown(read_scrapbox(text), options)
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
    hand_edited = not page_named and change.old is not None and change.changed
    return PageSync(source, change, tuple(diagnostics), hand_edited)
