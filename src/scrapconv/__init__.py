"""scrapconv: Scrapbox (Cosense) notation to and from Obsidian and plain Markdown.

import scrapconv
document = scrapconv.read(text, "scrapbox")
text = scrapconv.write(document, "scrapbox")
"""

from __future__ import annotations

from typing import Literal

from .ast import Document

__version__ = "0.1.0.dev0"

Format = Literal["scrapbox"]
FORMATS: tuple[str, ...] = ("scrapbox",)


def read(text: str, format: Format, *, has_title: bool = True) -> Document:
    """Read `text` written in `format` into a Document. Never raises on any text."""
    if format == "scrapbox":
        from .scrapbox.reader import read_scrapbox

        return read_scrapbox(text, has_title=has_title)
    raise ValueError(f"unknown format {format!r}; known formats: {', '.join(FORMATS)}")


def write(document: Document, format: Format) -> str:
    """Write a Document in `format`."""
    if format == "scrapbox":
        from .scrapbox.writer import write_scrapbox

        return write_scrapbox(document)
    raise ValueError(f"unknown format {format!r}; known formats: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "Document", "Format", "__version__", "read", "write"]
