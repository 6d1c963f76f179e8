"""The quick tests that let the reader and the writer skip work tell what the full ones tell:
a line the reader takes for text alone reads as the inline parse reads it, and the writer's
search for what an escape may look at finds something exactly where the plain definition
does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scrapconv.ast import Line
from scrapconv.markdown.escape import SPECIAL, special_characters
from scrapconv.scrapbox.inline import JS_WHITESPACE_CHARACTERS, LINE, parse_inline
from scrapconv.scrapbox.reader import read_scrapbox

from .test_inline_fast_path import FRAGMENTS

# Block headers and the first characters of anchored rules, besides the inline fragments.
ROW_FRAGMENTS = (*FRAGMENTS, "code:", "table:", "\u3000", "h", "ttp", "s://", "?", "> ")
rows = st.lists(st.sampled_from(ROW_FRAGMENTS), max_size=10).map("".join)


@settings(max_examples=3000, deadline=None)
@given(rows)
def test_a_line_read_as_the_inline_parse_reads_it(row: str) -> None:
    content = row.lstrip(JS_WHITESPACE_CHARACTERS)
    if content.startswith(("code:", "table:")):
        return  # a block header, read as a block
    (block,) = read_scrapbox(row, has_title=False).blocks
    assert isinstance(block, Line)
    assert block.indent == row[: len(row) - len(content)]
    assert list(block.children) == parse_inline(content, LINE)


# What the escapes look at, what reads as a URL, and their near misses.
ESCAPE_FRAGMENTS = (
    "a",
    "本",
    " ",
    ":",
    "/",
    "//",
    "://",
    "w",
    "ww",
    "ww.",
    ".",
    "http",
    "\x01",
    "\x0c",
    *"\\`*_~=%[]!(<$|&#^",
)
texts = st.lists(st.sampled_from(ESCAPE_FRAGMENTS), max_size=10).map("".join)


@settings(max_examples=3000, deadline=None)
@given(texts)
def test_special_characters_found_where_the_plain_definition_finds_them(text: str) -> None:
    special = SPECIAL.search(text) is not None
    assert (special_characters(True).search(text) is not None) == (special or "://" in text)
    assert (special_characters(False).search(text) is not None) == (
        special or "://" in text or "ww." in text
    )
