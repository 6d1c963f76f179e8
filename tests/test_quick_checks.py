"""The quick tests that let the reader and the writer skip work tell what the full ones tell:
a line the reader takes for text alone reads as the inline parse reads it, the writer's
search for what an escape may look at finds something exactly where the plain definition
does, and a page link written before is written again as it was the first time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scrapconv.ast import Line
from scrapconv.markdown import write_markdown
from scrapconv.markdown.escape import SPECIAL, special_characters
from scrapconv.markdown.options import MarkdownOptions
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


# Page links (to pages, lines, other projects, with brackets, bars and control characters in
# them), in lines and in table cells, each as likely to come again as not.
LINK_FRAGMENTS = (
    "[a]",
    "[a b]",
    "[a\x01b]",
    "[a|b]",
    "[/p/a]",
    "[/p/a\x01]",
    "[a#0123456789abcdef01234567]",
    "[README.md]",
    "#a",
    "#a[b]",
    " ",
    "x",
    "\n",
    "\n\t",
    "\ntable:t\n\t",
    "\t",
)
pages = st.lists(st.sampled_from(LINK_FRAGMENTS), max_size=12).map("".join)


def _options(flavor: str) -> MarkdownOptions:
    return MarkdownOptions(flavor=flavor, project_folders=(("p", "P"),))  # type: ignore[arg-type]


@settings(max_examples=1000, deadline=None)
@given(pages, st.sampled_from(["obsidian", "markdown"]))
def test_a_page_link_written_again_is_written_as_the_first_time(text: str, flavor: str) -> None:
    # The writer keeps each page link it wrote with one options object, for the pages after:
    # written after pages with the same links (in a table, in lines), the page is what it is
    # written first, diagnostics and all.
    document = read_scrapbox("Title\n" + text)
    kept = _options(flavor)
    for before in ("table:t\n\t" + text.replace("\n", "\t"), text):
        write_markdown(read_scrapbox("Before\n" + before), kept)
    assert write_markdown(document, kept) == write_markdown(document, _options(flavor))
