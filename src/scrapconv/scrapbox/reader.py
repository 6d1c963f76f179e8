"""Scrapbox page text → Document.

Rows are grouped into blocks as the reference parser groups them (docs/scrapbox-notation.md
§2.4): a `code:` or `table:` row opens a block that takes every following row indented deeper
than it; anything else is a line. Every character of the input ends up in the Document, so
`write_scrapbox(read_scrapbox(text)) == text` for any text.
"""

from __future__ import annotations

from ..ast import Block, Cell, CodeBlock, Document, Line, Table, Text
from .inline import JS_WHITESPACE_CHARACTERS, LINE, REFERENCE_BUGS, TABLE, parse_inline

# JavaScript's whitespace characters: a line's indent is its run of them.
_WHITESPACE = JS_WHITESPACE_CHARACTERS
# A line is one text node when it holds none of what every inline rule but the anchored ones
# needs (`[`, a backtick, `#`, a URL's `http`), starts with none of what those start with, and
# is no block header. (Each `in` test reads the line at a few instructions a character: together
# they cost a fifth of one regular expression search for them all.)
_ANCHOR_STARTS = ">?$%0123456789"
_BLOCK_HEADERS = ("code:", "table:")


def scrapbox_text(text: str) -> str:
    """The text of a page as read from a file: a byte order mark at its start left out, and
    each CR LF or lone CR a line break, as a text editor shows them (the reader itself keeps
    every character, for a page given as a string)."""
    text = text.removeprefix("\ufeff")
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_scrapbox(text: str, *, has_title: bool = True, reference_bugs: bool = False) -> Document:
    """Read a Scrapbox page. With `has_title` the first line is the page title.

    `reference_bugs` reproduces the reference parser's known text-losing behaviour (for
    comparing JSON with it); the default keeps every character.
    """
    rows = text.split("\n")
    title: str | None = None
    first = 0
    if has_title:
        title = rows[0]
        first = 1
    context = REFERENCE_BUGS if reference_bugs else LINE
    return Document(title, tuple(_read_blocks(rows, first, context)))


def _read_blocks(rows: list[str], first: int, context: int) -> list[Block]:
    blocks: list[Block] = []
    append = blocks.append
    whitespace = _WHITESPACE
    count = len(rows)
    index = first
    while index < count:
        row = rows[index]
        index += 1
        content = row.lstrip(whitespace)
        depth = len(row) - len(content)
        if not content:
            append(Line(row, (), index))
        elif (
            "[" not in content
            and "`" not in content
            and "#" not in content
            and "http" not in content
            and content[0] not in _ANCHOR_STARTS
            and not content.startswith(_BLOCK_HEADERS)
        ):
            append(Line(row[:depth], (Text(content),), index))
        elif content.startswith(_BLOCK_HEADERS):
            end = index
            while end < count and _depth(rows[end]) > depth:
                end += 1
            body = rows[index:end]
            if content[0] == "c":
                append(_code_block(row, depth, body, index))
            else:
                append(_table(row, depth, body, index, context))
            index = end
        else:
            append(Line(row[:depth], tuple(parse_inline(content, context)), index))
    return blocks


def _depth(row: str) -> int:
    return len(row) - len(row.lstrip(_WHITESPACE))


def _code_block(header: str, depth: int, body: list[str], line: int) -> CodeBlock:
    cut = depth + 1
    return CodeBlock(
        indent=header[:depth],
        filename=header[depth + len("code:") :],
        lines=tuple(row[cut:] for row in body),
        line_indents=tuple(row[:cut] for row in body),
        line=line,
    )


def _table(header: str, depth: int, body: list[str], line: int, context: int) -> Table:
    cut = depth + 1
    cell_context = context | TABLE
    rows: list[tuple[Cell, ...]] = []
    for row in body:
        rows.append(
            tuple(tuple(parse_inline(cell, cell_context)) for cell in row[cut:].split("\t"))
        )
    return Table(
        indent=header[:depth],
        name=header[depth + len("table:") :],
        rows=tuple(rows),
        row_indents=tuple(row[:cut] for row in body),
        line=line,
    )
