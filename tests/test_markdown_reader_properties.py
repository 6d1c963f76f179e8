"""Properties of the Markdown reader on arbitrary and syntax-shaped text."""

from __future__ import annotations

from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scrapconv
from scrapconv.ast import CodeBlock, Document, Table
from scrapconv.markdown import inline_reader
from scrapconv.markdown.properties import with_properties
from scrapconv.markdown.reader import read_markdown
from scrapconv.markdown.reference_reader import read_reference_markdown
from scrapconv.markdown.scrapbox_form import scrapbox_form

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLAVORS = st.sampled_from(["obsidian", "markdown"])

FRAGMENTS = [
    "[[",
    "]]",
    "[",
    "]",
    "(",
    ")",
    "|",
    "#",
    "# ",
    "## ",
    "*",
    "**",
    "_",
    "__",
    "~~",
    "==",
    "%%",
    "`",
    "```",
    "```py a.py",
    "~~~",
    "$",
    "$$",
    "\\",
    "!",
    "![[",
    "<img ",
    "<img src='https://scrapbox.io/api/pages/p/x/icon' alt='x.icon' height=\"19.5\"/>",
    "<u>",
    "</u>",
    '<span class="deco-!">',
    "</span>",
    "&nbsp;",
    "&amp;",
    "&#8203;",
    "<!---->",
    "<https://example.com>",
    "https://example.com/a",
    "](",
    "](<",
    ">)",
    "- ",
    "* ",
    "1. ",
    "2) ",
    "> ",
    ">",
    "---",
    "***",
    "| a |",
    "| --- |",
    "|---|",
    "[!note]",
    "[^1]",
    "title: ",
    "\n",
    "\n\n",
    "\r\n",
    " ",
    "  ",
    "    ",
    "\t",
    "x",
    "word",
    "日本語",
    "テキスト",
]

markdown_texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=40
).map("".join)
any_text = st.one_of(st.text(), markdown_texts)


def _line_count(text: str) -> int:
    return len(text.split("\n"))


def _check_lines(document: Document, text: str) -> None:
    count = _line_count(text)
    for block in document.blocks:
        assert 1 <= block.line <= count, (block, count)


@SETTINGS
@given(text=st.text(), flavor=FLAVORS)
def test_reading_arbitrary_text_never_raises(text: str, flavor: str) -> None:
    document = read_markdown(text, flavor)  # type: ignore[arg-type]
    assert isinstance(document, Document)
    _check_lines(document, text)


@SETTINGS
@given(text=markdown_texts, flavor=FLAVORS)
def test_reading_markdown_shaped_text_never_raises(text: str, flavor: str) -> None:
    document = read_markdown(text, flavor, project="p")  # type: ignore[arg-type]
    assert isinstance(document, Document)
    _check_lines(document, text)


def _scrapbox_rows(document: Document) -> int:
    """How many Scrapbox lines the document's title and blocks take."""
    rows = 0 if document.title is None else 1
    for block in document.blocks:
        if isinstance(block, CodeBlock):
            rows += 1 + len(block.lines)
        elif isinstance(block, Table):
            rows += 1 + len(block.rows)
        else:
            rows += 1
    return rows


@SETTINGS
@given(text=any_text, flavor=FLAVORS)
def test_converting_to_scrapbox_never_raises(text: str, flavor: str) -> None:
    result = scrapconv.convert(text, flavor, "scrapbox", project="p")  # type: ignore[arg-type]
    document = scrapconv.read(text, flavor, project="p")  # type: ignore[arg-type]
    # In the forms of a Scrapbox page (callouts read again, an author's empty lines kept,
    # properties as lines): one Scrapbox line per line, heading and row, and no more.
    page, _ = scrapbox_form(document, text, flavor=flavor, project="p")  # type: ignore[arg-type]
    page, _ = with_properties(page)
    assert len(result.text.split("\n")) == max(_scrapbox_rows(page), 1)


@SETTINGS
@given(text=any_text, flavor=FLAVORS)
def test_block_lines_are_increasing(text: str, flavor: str) -> None:
    document = read_markdown(text, flavor, project="p")  # type: ignore[arg-type]
    lines = [block.line for block in document.blocks]
    assert lines == sorted(lines)
    assert len(set(lines)) == len(lines)


@SETTINGS
@given(text=any_text, flavor=FLAVORS)
def test_reading_is_deterministic(text: str, flavor: str) -> None:
    first = read_markdown(text, flavor, project="p")  # type: ignore[arg-type]
    second = read_markdown(text, flavor, project="p")  # type: ignore[arg-type]
    assert first == second
    converted = scrapconv.convert(text, flavor, "scrapbox", project="p").text  # type: ignore[arg-type]
    assert converted == scrapconv.convert(text, flavor, "scrapbox", project="p").text  # type: ignore[arg-type]


# What the reference format is made of (docs/reference-format.md), besides the fragments above.
REFERENCE_FRAGMENTS = [
    '---\ntitle: "',
    "---\ntitle: '",
    '"\n---\n\n',
    "    - ",
    "        - ",
    "    1. ",
    "### ",
    "1. ### ",
    "```\n",
    "\n\n```python\n",
    "\n```\n\n",
    "| a | b |\n| -- | -- |\n",
    "|  |",
    " | ",
    "`? ",
    "`$ ",
    "![image](https://gyazo.com/0123456789abcdef0123456789abcdef/thumb/1000)",
    "[https://a.example](https://a.example)",
    "[/q/a b](https://scrapbox.io/q/a b)",
    "](https://",
    "<img src='https://scrapbox.io/api/pages/q/y/icon' alt='/q/y.icon' height=\"19.5\"/>",
    "#tag",
    "***",
]
reference_texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS + REFERENCE_FRAGMENTS), st.text(max_size=3)),
    max_size=40,
).map("".join)


@SETTINGS
@given(text=st.one_of(st.text(), reference_texts))
def test_reading_the_reference_format_never_raises(text: str) -> None:
    document = read_reference_markdown(text, project="p")
    assert isinstance(document, Document)
    assert document == scrapconv.read(text, "obsidian", project="p", compat="reference")
    # Nor does writing what it read, in Scrapbox or back in the reference format.
    scrapbox = scrapconv.write(document, "scrapbox")
    scrapconv.convert(scrapbox, "scrapbox", "obsidian", project="p", compat="reference")
    scrapconv.write(document, "obsidian", project="p", compat="reference")


def test_every_inline_rule_names_the_characters_it_starts_at() -> None:
    """mistune passes over the text between those characters only when every rule names
    them; one rule without them makes it search for the rules' union at every position."""
    for obsidian in (True, False):
        assert inline_reader._markdown(obsidian).inline._get_fast_trigger_chars() is not None


@SETTINGS
@given(
    st.lists(st.sampled_from([*FRAGMENTS, "\\&", "&hellip;", "&#35;", "a&", "h"]), max_size=30).map(
        "".join
    ),
    FLAVORS,
)
def test_the_inline_reader_reads_as_mistunes_search_at_every_position(
    text: str, flavor: str
) -> None:
    """Passing over the text between the rules' start characters reads every line as
    searching for a rule at every position does (text split there is read whole: a
    character reference across the split is one reference)."""
    obsidian = flavor == "obsidian"
    context = inline_reader.InlineContext(obsidian=obsidian)
    searching = inline_reader._markdown(obsidian)
    searching.inline._find_fast_text_end = lambda src, pos: None  # type: ignore[method-assign]
    fast = inline_reader.read_inline(text, context)
    with mock.patch.dict(inline_reader._PARSERS, {obsidian: searching}):
        assert inline_reader.read_inline(text, context) == fast
