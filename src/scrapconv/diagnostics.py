"""What a conversion lost or changed, reported instead of dropped silently.

`CODES` is the registry of every code a diagnostic can have, each with one line of meaning:
docs/diagnostics.md and `scrapconv convert --help` list the same codes. `CodeFilter` keeps the
codes a run selects (`--select`, `--ignore`, as ruff does), and `folded` gives one line per file
and code for people to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from .frozen import frozen


@frozen
class Diagnostic:
    """`code` names the kind of change (stable, for filtering; one of `CODES`); `line` is the
    1-based source line (0 when unknown)."""

    code: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code}: {self.message}"


# Every code, with what it means. Sorted by code.
CODES = MappingProxyType(
    {
        "callout-fold": "a callout's fold marker (`+`, `-`) is left out",
        "code": "an empty code span is left out",
        "code-name": "a code block's name of whitespace only is left out",
        "comment": "the note's `%%comments%%` are left out",
        "control": "control characters, which Markdown cannot hold, are left out",
        "dates": "a note's created/updated dates are left out (a page's text or a light "
        "import holds none)",
        "decoration": "a Scrapbox decoration's marks are written once, or only its text is kept",
        "duplicate-page": "Scrapbox reads two titles as one page: the other page is written apart",
        "duplicate-title": "two notes have one title: the later one is renamed",
        "embed": "an Obsidian embed is written as a link",
        "file-name": "a note's file name differs from the reference pipeline's",
        "formula": "a formula is changed (spaces, empty) or written as code",
        "front-matter": "front matter that is not valid YAML, or fields the output leaves out",
        "heading-code": "code in a heading is written as text",
        "heading-level": "a Markdown heading of level 4 to 6 is written as a level-3 one",
        "heading-size": "a Scrapbox heading larger than Markdown's largest is shown smaller",
        "html": "HTML markup is written as text",
        "icon-project": "an icon has no project name to make its URL from",
        "icon-size": "a large icon is written at the normal size",
        "image-alt": "an image's alternative text is left out",
        "image-link": "the link around an image is left out",
        "image-local": "a local image is written as its name",
        "image-size": "a large image is written at the normal size",
        "image-webp": "a .webp image is written as a link",
        "link": "a link's URL is encoded, or the link reads back as another",
        "link-label": "the markup of a link's label is left out; its text stays",
        "link-scheme": "a link whose URL Scrapbox cannot link is written as text",
        "link-section": "a link to a heading or block goes to the whole page",
        "link-title": "a link's title is left out",
        "list-depth": "a line is written at another depth",
        "list-number": "the number of an item that holds only another list is left out",
        "number": "a numbered line is written with another number",
        "page-file": "a `.sb` file would read a page's text otherwise (a BOM, a line break)",
        "quote-spacing": "the spacing after '>' is written as one space",
        "rule": "an icon written as a thematic break reads back as [/icons/hr.icon]",
        "scrapbox-markup": "Scrapbox reads text of the line as markup",
        "skipped": "a file or folder that is not read (not UTF-8, not a regular file)",
        "table-align": "a table's column alignment is left out",
        "table-cells": "a table row is padded to the widest row",
        "table-empty": "a table without rows is written as its name",
        "table-name": "a table's name is written as text above the table, or text above a "
        "table is read as its name",
        "tag": "a tag that would not be one is written as a link",
        "title-line": "a page's title line differs from its title, or a title holds a line break",
    }
)


@frozen
class CodeFilter:
    """Which codes a run reports: those of `select` (every code when it is None) that are not
    in `ignore`."""

    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()

    def keeps(self, code: str) -> bool:
        return (self.select is None or code in self.select) and code not in self.ignore


def folded(diagnostics: Sequence[tuple[str, Diagnostic]]) -> list[tuple[str, Diagnostic, int]]:
    """One entry per file and code, at the place of its first diagnostic, with the number of
    the others of that file and code folded into it."""
    first: dict[tuple[str, str], int] = {}
    entries: list[tuple[str, Diagnostic, int]] = []
    for label, diagnostic in diagnostics:
        key = (label, diagnostic.code)
        index = first.get(key)
        if index is None:
            first[key] = len(entries)
            entries.append((label, diagnostic, 0))
        else:
            entries[index] = (label, entries[index][1], entries[index][2] + 1)
    return entries
