"""scrapconv: Scrapbox (Cosense) notation to and from Obsidian and plain Markdown.

import scrapconv
document = scrapconv.read(text, "scrapbox")
text = scrapconv.write(document, "scrapbox")
result = scrapconv.convert(text, "scrapbox", "obsidian", project="nishio")
result.text, result.diagnostics
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .ast import Document
from .diagnostics import Diagnostic

__version__ = "0.1.0.dev0"

Format = Literal["scrapbox", "obsidian", "markdown"]
FORMATS: tuple[str, ...] = ("scrapbox", "obsidian", "markdown")
READABLE_FORMATS: tuple[str, ...] = ("scrapbox", "obsidian", "markdown")


@dataclass(frozen=True, slots=True)
class Conversion:
    """A converted text, and what the conversion lost or changed."""

    text: str
    diagnostics: tuple[Diagnostic, ...]


def read(text: str, format: Format, *, has_title: bool = True, project: str = "") -> Document:
    """Read `text` written in `format` into a Document. Never raises on any text.

    `has_title` (Scrapbox): whether the first line is the title. `project` (Markdown): the
    Scrapbox project that icons written without a project name belong to.
    """
    if format == "scrapbox":
        from .scrapbox.reader import read_scrapbox

        return read_scrapbox(text, has_title=has_title)
    if format in ("obsidian", "markdown"):
        from .markdown.reader import read_markdown

        return read_markdown(text, format, project=project)
    raise ValueError(f"cannot read {format!r}; readable formats: {', '.join(READABLE_FORMATS)}")


def write(document: Document, format: Format, **options: Any) -> str:
    """Write a Document in `format`; see `convert` for the options."""
    return _write(document, format, options)[0]


def convert(text: str, source: Format, target: Format, **options: Any) -> Conversion:
    """Convert `text` from one format to another.

    Options for Markdown sources and targets (`obsidian`, `markdown`): `project` (the
    Scrapbox project name, for icons and root links). For Markdown targets also `icons`
    (`img`, `image`, `embed` or `link`), `headings` (heading levels by number of asterisks,
    default (3, 2, 1)) and `compat` (`faithful` or `reference`).
    """
    if source in ("obsidian", "markdown"):
        document = read(text, source, project=options.get("project", ""))
        if target == "scrapbox":
            options = {key: value for key, value in options.items() if key != "project"}
    else:
        document = read(text, source)
    written, diagnostics = _write(document, target, options)
    return Conversion(written, tuple(diagnostics))


def _write(
    document: Document, format: Format, options: dict[str, Any]
) -> tuple[str, list[Diagnostic]]:
    if format == "scrapbox":
        if options:
            raise TypeError(f"the scrapbox writer takes no options: {', '.join(options)}")
        from .scrapbox.report import scrapbox_diagnostics
        from .scrapbox.writer import write_scrapbox

        return write_scrapbox(document), scrapbox_diagnostics(document)
    if format in ("obsidian", "markdown"):
        from .markdown.writer import MarkdownOptions, write_markdown

        return write_markdown(document, MarkdownOptions(flavor=format, **options))
    raise ValueError(f"unknown format {format!r}; known formats: {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "Conversion",
    "Diagnostic",
    "Document",
    "Format",
    "__version__",
    "convert",
    "read",
    "write",
]
