"""The three Markdown corpora (676 notes) into Scrapbox, read back by the reference parser
(@progfay/scrapbox-parser): what Obsidian showed is what Cosense shows.

* No Markdown syntax shows as Scrapbox text outside code: `**`, `__`, `[[`, `](`, `> [!`,
  `%%`, ` ^id` at a line's end, `[^n]`, `==x==`, `- [ ]`, and HTML tags. Markup that a
  CommonMark reading of the note shows as text (`f**k`, `**x”**に` whose closing run cannot
  close) is text in both; an HTML tag may stay only where an `html` diagnostic reports it.
* The text of every alias (`[[page|alias]]`, `[text](Note.md)`) is on its page.
* Every callout has its title line, and its lists, code blocks and links are Scrapbox
  structure: no quote line starts with a Markdown list marker, fence, heading or `>`, and the
  page has a code block for every fence of the note, in quotes too.
* Empty lines between blocks are kept as the note had them: where a list item, quote line or
  table row is followed by one empty row and a paragraph, the page has an item, quote line or
  table, an empty line, and a line at the margin (or the table that line names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import pytest

import scrapconv
from scrapconv.ast import (
    CodeBlock,
    Document,
    Html,
    Line,
    PageLink,
    Quote,
    Table,
    Text,
    walk_inlines,
)
from scrapconv.diagnostics import Diagnostic

from .markdown_corpus import MarkdownFile, all_markdown_files, require_corpus
from .oracle import reference_parse

Node = dict[str, object]

# Markdown syntax, each with what finds it in a line of text.
SYNTAX: dict[str, re.Pattern[str]] = {
    "**": re.compile(r"\*\*"),
    "__": re.compile(r"__"),
    "[[": re.compile(r"\[\["),
    "](": re.compile(r"\]\("),
    "> [!": re.compile(r">[ \t]*\[!"),
    "%%": re.compile(r"%%"),
    " ^id": re.compile(r"\s\^[A-Za-z0-9-]+\s*$"),
    "[^n]": re.compile(r"\[\^[^\]\s]+\]"),
    "==x==": re.compile(r"==[^=\s](?:[^=]*[^=\s])?=="),
    "- [ ]": re.compile(r"(?:^|\s)[-*+][ \t]+\[[ xX]\]"),
    "html": re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"),
}
# Syntax that CommonMark may read as text, where the note's reading has it as text.
AS_TEXT_WHERE_READ_SO = frozenset({"**", "__", "html"})
# What starts a block in Markdown: never the text of a quote line in Scrapbox. (Numbered
# items are their numbers in Scrapbox too, `1. x`.)
QUOTED_MARKDOWN = re.compile(r"[ \t]*(?:[-*+][ \t]|```|~~~|>|#{1,6}[ \t])")
FENCE_IN_QUOTE = re.compile(
    r"[ ]{0,3}>(?:[ \t]?>)*[ \t]*(?:[-*+][ \t]+|[0-9]+[.)][ \t]+)*(```|~~~)"
)
CALLOUT = re.compile(r"\[![^\]\s]+\]")
QUOTE_MARKERS = re.compile(r"(?:[ ]{0,3}>[ \t]?)+")
_SCRAPBOX_MARKUP = re.compile(
    r"`[^`]*`|\[\$ [^\]]*\]|\[\[([^\[\]]*)\]\]|\[[-*/_!#%+~]+ ([^\[\]]*)\]"
)


def _scrapbox_text(found: re.Match[str]) -> str:
    return found[1] or found[2] or ""


@dataclass(frozen=True, slots=True)
class Converted:
    note: MarkdownFile
    document: Document  # as the Markdown reader reads the note
    text: str  # the Scrapbox page
    diagnostics: tuple[Diagnostic, ...]
    blocks: tuple[Node, ...]  # the reference parser's reading of the page


@cache
def converted() -> tuple[Converted, ...]:
    """Every note of the corpora converted, and its page read by the reference parser."""
    notes = all_markdown_files()
    documents = [scrapconv.read(note.text, "obsidian") for note in notes]
    results = [scrapconv.convert(note.text, "obsidian", "scrapbox") for note in notes]
    parsed: dict[int, list[Node]] = {}
    for titled in (True, False):
        indexes = [i for i, d in enumerate(documents) if (d.title is not None) == titled]
        texts = [results[i].text for i in indexes]
        for index, blocks in zip(indexes, reference_parse(texts, has_title=titled), strict=True):
            parsed[index] = blocks
    return tuple(
        Converted(note, document, result.text, result.diagnostics, tuple(parsed[index]))
        for index, (note, document, result) in enumerate(
            zip(notes, documents, results, strict=True)
        )
    )


def _lines(blocks: Iterable[Node]) -> Iterator[Node]:
    for block in blocks:
        if block["type"] == "line":
            yield block
        elif block["type"] == "table":
            for row in block["cells"]:  # type: ignore[attr-defined]
                for cell in row:
                    yield {"type": "line", "indent": 0, "nodes": cell, "cell": True}


def _plain(nodes: Iterable[Node]) -> str:
    """The text of a line outside code: what Cosense shows as text."""
    parts: list[str] = []
    for node in nodes:
        if node["type"] == "plain":
            parts.append(str(node["text"]))
        elif node["type"] not in ("code", "formula", "commandLine") and "nodes" in node:
            parts.append(_plain(node["nodes"]))  # type: ignore[arg-type]
    return "".join(parts)


def _raw(nodes: Iterable[Node]) -> str:
    return "".join(str(node.get("raw", "")) for node in nodes)


def _read_as_text(document: Document) -> str:
    """The text of the note's reading: what CommonMark shows as text, and the HTML written as
    text (which `html` reports)."""
    return "\n".join(
        node.text if isinstance(node, Text) else node.raw
        for node in walk_inlines(document.blocks)
        if isinstance(node, Text | Html)
    )


def _reported(page: Converted) -> frozenset[str]:
    """The HTML tags the note's `html` diagnostics report (the tags of its HTML nodes), by
    name: a tag's URL may be a link on the page, between the parts of its text."""
    if not any(diagnostic.code == "html" for diagnostic in page.diagnostics):
        return frozenset()
    raw = "\n".join(
        node.raw for node in walk_inlines(page.document.blocks) if isinstance(node, Html)
    )
    return frozenset(_tag_name(tag[0]) for tag in SYNTAX["html"].finditer(raw))


def _tag_name(tag: str) -> str:
    return re.split(r"[\s/>]", tag.lstrip("</"), maxsplit=1)[0].lower()


def _syntax_shown(page: Converted) -> list[tuple[str, str]]:
    as_text = _read_as_text(page.document)
    reported = _reported(page)
    shown = []
    for line in _lines(page.blocks):
        text = _plain(line["nodes"])  # type: ignore[arg-type]
        if "cell" in line:
            # The reference parser reads only links in a table's cells: code, bold text,
            # decorations and formulas written there are Scrapbox's, not Markdown.
            text = _SCRAPBOX_MARKUP.sub(_scrapbox_text, text)
        for name, pattern in SYNTAX.items():
            for found in pattern.finditer(text):
                mark = found[0].strip()
                if name in AS_TEXT_WHERE_READ_SO and mark in as_text:
                    continue
                if name == "html" and _tag_name(mark) in reported:
                    continue
                shown.append((name, text))
    return shown


def test_the_corpora_are_there() -> None:
    require_corpus()
    assert len(converted()) >= 676


def test_no_markdown_syntax_shows_as_text() -> None:
    require_corpus()
    shown = {page.note.path: found for page in converted() if (found := _syntax_shown(page))}
    assert not shown, list(shown.items())[:5]


def test_the_text_of_every_alias_is_on_its_page() -> None:
    require_corpus()
    missing = []
    aliases = 0
    for page in converted():
        raw = "\n".join(_raw(line["nodes"]) for line in _lines(page.blocks))  # type: ignore[arg-type]
        for node in walk_inlines(page.document.blocks):
            if isinstance(node, PageLink) and node.alias:
                aliases += 1
                if node.alias.strip() not in raw:
                    missing.append((page.note.path, node.alias))
    # (713 in the help vault alone.)
    assert aliases > 700
    assert not missing, missing[:10]


def _quote_lines(blocks: Iterable[Node]) -> Iterator[tuple[int, list[Node]]]:
    """The lines of the quotes and callouts of the page's top level: from a quote line at the
    margin, the quote lines and code blocks under it. (A quote inside a list item is one
    line of the item.)"""
    in_quote = False
    for block in blocks:
        nodes: list[Node] = block.get("nodes", [])  # type: ignore[assignment]
        quote = block["type"] == "line" and bool(nodes) and nodes[0]["type"] == "quote"
        if quote and (in_quote or block["indent"] == 0):
            in_quote = True
            yield int(block["indent"]), nodes[0]["nodes"]  # type: ignore[call-overload]
        elif block["type"] != "codeBlock":
            in_quote = False


def _text_line_starts(document: Document) -> frozenset[str]:
    """The text that starts lines of the note's reading: a lazy line of a quote that looks
    like a list item (`    - x` under a paragraph) is text in CommonMark too."""
    return frozenset(
        block.children[0].text.lstrip(" \t")
        for block in document.blocks
        if isinstance(block, Line) and block.children and isinstance(block.children[0], Text)
    )


def _fences_in_quotes(text: str) -> int:
    """How many fenced code blocks the note opens inside quotes (callouts)."""
    count = 0
    fence = ""
    for row in text.split("\n"):
        found = FENCE_IN_QUOTE.match(row)
        if found is None:
            if not row.lstrip().startswith(">"):
                fence = ""
            continue
        if fence and found[1].startswith(fence[0]):
            fence = ""
        elif not fence:
            fence = found[1]
            count += 1
    return count


def _callouts(text: str) -> int:
    """How many callouts the note has, nested ones too (not in code)."""
    count = 0
    fence = ""
    for row in text.split("\n"):
        quoted = QUOTE_MARKERS.match(row)
        content = (row[quoted.end() :] if quoted else row).lstrip(" ")
        if content.startswith(("```", "~~~")):
            fence = "" if fence and content.startswith(fence) else fence or content[:3]
        elif quoted and not fence and CALLOUT.match(content):
            count += 1
    return count


def test_callouts_come_through_as_scrapbox_structure() -> None:
    require_corpus()
    problems = []
    callouts = 0
    for page in converted():
        titles = sum(
            1
            for _, nodes in _quote_lines(page.blocks)
            if (
                first := next(
                    (n for n in nodes if _plain([n]).strip() or n["type"] != "plain"), None
                )
            )
            and first["type"] == "decoration"
        )
        expected = _callouts(page.note.text)
        callouts += expected
        if titles < expected:
            problems.append((page.note.path, f"{expected} callouts, {titles} title lines"))
        starts = _text_line_starts(page.document)
        for _, nodes in _quote_lines(page.blocks):
            first = str(nodes[0].get("text", "")) if nodes and nodes[0]["type"] == "plain" else ""
            if QUOTED_MARKDOWN.match(first) and first.lstrip(" \t") not in starts:
                problems.append((page.note.path, _raw(nodes)))
        code_blocks = sum(1 for block in page.blocks if block["type"] == "codeBlock")
        outside = sum(1 for block in page.document.blocks if isinstance(block, CodeBlock))
        if code_blocks < outside + _fences_in_quotes(page.note.text):
            problems.append((page.note.path, f"{code_blocks} code blocks"))
    # (262 in the help vault alone.)
    assert callouts > 262
    assert not problems, problems[:20]


# A row of a list item, quote or table; one that starts no block (a paragraph's first row);
# a fence.
BLOCK_ROW = re.compile(r"[ \t]*(?:[-*+][ \t]|[0-9]+[.)][ \t]|>|\|)")
PARAGRAPH_ROW = re.compile(r"[^\s\-*+>|#`~<$%^\[!0-9=_]")
FENCE_ROW = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:[-*+][ \t]+)?(```|~~~)")


def _rows_outside_code(text: str, document: Document) -> list[str]:
    """The note's rows, those of its front matter and code made "```", so that no pattern
    looks into them: fenced code (in quotes too) and the code blocks the note's reading has
    (indented code)."""
    rows = [row.rstrip("\r") for row in text.split("\n")]
    code = set(range(document.front_matter.count("\n")))
    for block in document.blocks:
        if isinstance(block, CodeBlock):
            code.update(range(block.line - 1, block.line + len(block.lines) + 1))
    fence = ""
    for index, row in enumerate(rows):
        found = FENCE_ROW.match(row)
        if found is not None:
            fence = "" if fence and found[1] == fence else fence or found[1]
            code.add(index)
        elif fence:
            code.add(index)
    return ["```" if index in code else row for index, row in enumerate(rows)]


def _structure_rows(document: Document) -> set[int]:
    """The 0-based rows that the note's reading has as list items, quote lines or tables (a
    row that looks like an item may go on with a paragraph)."""
    rows: set[int] = set()
    for block in document.blocks:
        if isinstance(block, Table):
            # (From its name line, when it has one, to its last row.)
            rows.update(range(block.line - 1, block.line + len(block.rows) + 2))
        elif isinstance(block, Line) and (
            block.indent or (block.children and isinstance(block.children[0], Quote))
        ):
            rows.add(block.line - 1)
    return rows


def _blocks_then_paragraph(text: str, document: Document) -> int:
    """How often the note has a row of a list, quote or table, one empty row, and a row of
    text at the margin."""
    rows = _rows_outside_code(text, document)
    structure = _structure_rows(document)
    return sum(
        1
        for index, (above, empty, below) in enumerate(zip(rows, rows[1:], rows[2:], strict=False))
        if BLOCK_ROW.match(above)
        and index in structure
        and not empty.strip()
        and PARAGRAPH_ROW.match(below)
    )


def _page_blocks_then_line(blocks: tuple[Node, ...]) -> int:
    """How often the page has an item, quote line or table, an empty line, and a line at the
    margin that is no quote (or a table)."""

    def kind(block: Node) -> str:
        if block["type"] == "table":
            return "table"
        if block["type"] != "line":
            return "other"
        nodes: list[Node] = block["nodes"]  # type: ignore[assignment]
        if not nodes:
            return "empty" if block["indent"] == 0 else "other"
        if block["indent"] or nodes[0]["type"] == "quote":
            return "block"
        return "text"

    kinds = [kind(block) for block in blocks]
    return sum(
        1
        for above, empty, below in zip(kinds, kinds[1:], kinds[2:], strict=False)
        if above in ("block", "table") and empty == "empty" and below in ("text", "table")
    )


def test_empty_lines_after_lists_quotes_and_tables_are_kept() -> None:
    require_corpus()
    missing = []
    found = 0
    for page in converted():
        expected = _blocks_then_paragraph(page.note.text, page.document)
        found += expected
        if _page_blocks_then_line(page.blocks) < expected:
            missing.append(page.note.path)
    # (Most in the help vault, where a list or a table is followed by text.)
    assert found > 300
    assert not missing, missing[:10]


# The front matter's fields on the page (every `tags` entry a `#tag`, every other property
# shown) are checked with the same pages: `converted()` gives each note's page as the
# reference parser reads it.


@pytest.mark.parametrize("name", sorted(SYNTAX))
def test_each_syntax_check_finds_what_it_looks_for(name: str) -> None:
    samples = {
        "**": "a **b",
        "__": "a __b",
        "[[": "[[x",
        "](": "[a](b)",
        "> [!": "> [!tip]",
        "%%": "%% x",
        " ^id": "text ^abc-1",
        "[^n]": "x[^1]",
        "==x==": "==x==",
        "- [ ]": "- [ ] task",
        "html": "<kbd>",
    }
    assert SYNTAX[name].search(samples[name])
