"""Notes beside Scrapbox-notation pages, one page at a time: `sync_page` converts a page
(`page.sb`) into the note beside it (`page.md`) and gives what would be written;
`scrapconv.files.write_change` writes it atomically, only when it changes the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic
from ..files import FileChange, compare_file, read_regular
from ..markdown import write_markdown
from ..markdown.options import MarkdownOptions
from ..scrapbox.reader import read_scrapbox, scrapbox_text
from .pages import NOTE_EXTENSION

__all__ = ["SCRAPBOX_EXTENSIONS", "PageSync", "SyncError", "SyncOptions", "note_path", "sync_page"]

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


def note_path(source: Path) -> Path:
    """The note beside a page: `page.sb` or `page.scrapbox` → `page.md`. SyncError for a
    file of another kind."""
    if source.suffix.lower() not in SCRAPBOX_EXTENSIONS:
        raise SyncError(f"{source}: not a Scrapbox page: give FILE.sb or FILE.scrapbox")
    return source.with_suffix(NOTE_EXTENSION)


def sync_page(source: Path, options: MarkdownOptions) -> PageSync:
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
    return PageSync(source, change, tuple(diagnostics))
