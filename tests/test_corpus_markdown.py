"""Scrapbox → Obsidian and plain Markdown on every page of the corpus, checked by rendering
the output with the flavor's judge (tests/judges.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from scrapconv.ast import CodeBlock, Decoration, Document, Line, Strong, Table
from scrapconv.markdown import write_markdown
from scrapconv.markdown.common import code_language
from scrapconv.markdown.options import MarkdownOptions
from scrapconv.scrapbox.reader import read_scrapbox

from .corpus import SCRAPBOX_EXPORTS, require_corpus, scrapbox_pages
from .documents import plain_texts
from .judges import Flavor, Token, reader_tokens, render, render_obsidian

# An Obsidian tag: letters, digits, `_`, `-`, `/`, at least one of them not a digit.
OBSIDIAN_TAG = re.compile(r"^(?=.*[^\d/])[\w\-/]+$")


@pytest.fixture(autouse=True)
def _corpus() -> None:
    require_corpus()


def _without_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _elements(tokens: list[Token], tag: str) -> Iterator[tuple[Token, list[Token]]]:
    """Each outermost `tag` element: its start tag, and the tokens inside it."""
    depth = 0
    start: Token = ()
    inside: list[Token] = []
    for token in tokens:
        if token[:2] == ("start", tag):
            depth += 1
            if depth == 1:
                start, inside = token, []
                continue
        elif token[:2] == ("end", tag):
            depth -= 1
            if depth == 0:
                yield start, inside
                continue
        if depth:
            inside.append(token)


def _language(start: Token, inside: list[Token]) -> str:
    """A code block's language: `<pre lang>` (cmark-gfm), or `<code class="language-…">`."""
    for attribute in (*start[2:], *(inside[0][2:] if inside else ())):
        name, _, value = attribute.partition("=")
        if name == "lang":
            return value
        if name == "class" and value.startswith("language-"):
            return value.removeprefix("language-")
    return ""


def _text(tokens: list[Token]) -> str:
    return "".join(token[1] for token in tokens if token[0] == "text")


@pytest.mark.parametrize("flavor", ["obsidian", "markdown"])
@pytest.mark.parametrize("export", SCRAPBOX_EXPORTS)
def test_every_page_converts_without_losing_text(export: str, flavor: Flavor) -> None:
    # Judged by the flavor's renderer (tests/judges.py): cmark-gfm, or markdown-it-py with
    # Obsidian's syntax.
    options = MarkdownOptions(flavor=flavor, project="p")
    for page in scrapbox_pages(export):
        document = read_scrapbox(page.text)
        text, _ = write_markdown(document, options)
        tokens = reader_tokens(render(text.split("\n---\n", 1)[1], flavor))
        rendered = _without_space(_text(tokens))
        for plain in plain_texts(document):
            assert _without_space(plain) in rendered, (page.title, plain)

        tables = [inside for _, inside in _elements(tokens, "table")]
        scrapbox_tables = [b for b in document.blocks if isinstance(b, Table) and b.rows]
        assert len(tables) == len(scrapbox_tables), page.title
        for table, source in zip(tables, scrapbox_tables, strict=True):
            rows = [inside for _, inside in _elements(table, "tr")]
            assert len(rows) == len(source.rows), page.title
            widths = {sum(t[:2] in (("start", "td"), ("start", "th")) for t in r) for r in rows}
            assert len(widths) == 1, page.title

        codes = list(_elements(tokens, "pre"))
        scrapbox_codes = [b for b in document.blocks if isinstance(b, CodeBlock)]
        assert len(codes) == len(scrapbox_codes), page.title
        for (start, code), source in zip(codes, scrapbox_codes, strict=True):
            # Renderers widen a tab inside a list item into spaces: compare the text.
            assert _without_space(_text(code)) == _without_space(source.content), page.title
            # A name that is a language word as written (`code:sh`); else the language of
            # the name, or `text` before a file name whose language is not known.
            if re.fullmatch(r"[0-9A-Za-z+#_-]+", source.filename):
                language = source.filename
            else:
                language = code_language(source.filename) or (
                    "text" if source.filename.strip() else ""
                )
            assert _language(start, code) == language, page.title


@pytest.mark.parametrize("export", SCRAPBOX_EXPORTS)
def test_every_obsidian_tag_is_valid(export: str) -> None:
    options = MarkdownOptions(project="p")
    for page in scrapbox_pages(export):
        text, _ = write_markdown(read_scrapbox(page.text), options)
        body = text.split("\n---\n", 1)[1]  # after the front matter
        for line in _outside_code(body.split("\n")):
            # Obsidian reads a tag from `#` after a space up to the first character a tag
            # cannot hold: a run with a character other than a digit must be a valid tag
            # (digits alone are no tag in Obsidian: text, as `#7119` is in Scrapbox).
            for tag in re.findall(r"(?:^|(?<=\s))#(?=[^\s#])([\w\-/]*)", line):
                if not re.fullmatch(r"[\d/]*", tag):
                    assert OBSIDIAN_TAG.match(tag), (page.title, line)


def _outside_code(lines: list[str]) -> Iterator[str]:
    """The lines outside fenced code blocks, without their code spans and wikilinks."""
    fence = ""
    for line in lines:
        stripped = line.lstrip(" -")
        if fence:
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        opening = re.match(r"(`{3,}|~{3,})", stripped)
        if opening:
            fence = opening[1]
            continue
        # Neither code spans nor wikilinks (their alias included) hold tags.
        yield re.sub(r"(`+).*?\1|\[\[.*?\]\]", "", line)


def _is_emphasis(node: object) -> bool:
    return isinstance(node, Strong) or (
        isinstance(node, Decoration) and bool(set(node.marks) & set("*/-"))
    )


def test_emphasis_renders_as_emphasis() -> None:
    # Bold, italic and struck-through runs (outside headings) must open and close under
    # CommonMark's flanking rules, next to Japanese text too, as the Obsidian flavor's judge
    # reads them.
    require_corpus()
    options = MarkdownOptions(project="p")
    lines = lost = 0
    for export in SCRAPBOX_EXPORTS:
        for page in scrapbox_pages(export):
            for block in read_scrapbox(page.text).blocks:
                if not isinstance(block, Line):
                    continue
                expected = sum(_is_emphasis(node) for node in block.children)
                heading = not block.indent and len(block.children) == 1 and expected
                if not expected or (heading and "*" in getattr(block.children[0], "marks", "")):
                    continue
                text, _ = write_markdown(Document(None, (block,)), options)
                tokens = reader_tokens(render_obsidian(text))
                found = sum(
                    token[0] == "start" and token[1] in ("strong", "em", "del", "s")
                    for token in tokens
                )
                lines += 1
                lost += found < expected
    assert lines > 2000
    assert lost == 0
