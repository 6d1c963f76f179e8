"""Markdown in the forms of a Scrapbox page (markdown/scrapbox_form.py): any text converts
without raising, quotes nested without bound are read again a bounded number of times, and
the diagnostics say what is left out, once per note for comments."""

from __future__ import annotations

from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

import scrapconv
from scrapconv.markdown import scrapbox_form

# Markdown made of the pieces the pass reshapes.
PIECES = st.sampled_from(
    [
        "> ",
        ">",
        "> [!tip]- T",
        "- ",
        "  ",
        "```",
        "$$",
        "%%",
        "[^1]",
        "[^1]: n",
        "^[x]",
        " ^id",
        "[ ] ",
        "[[a|b]]",
        "[[a#h]]",
        "![[p.png]]",
        "![](q.jpg)",
        "| a |",
        "|---|",
        "# h",
        "x",
        "\n",
        "\n\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_any_markdown_converts_to_scrapbox(text: str) -> None:
    result = scrapconv.convert(text, "obsidian", "scrapbox", asset_url="https://x.example")
    assert isinstance(result.text, str)
    assert all(diagnostic.line >= 0 for diagnostic in result.diagnostics)


def test_deeply_nested_quotes_are_read_again_a_bounded_number_of_times() -> None:
    text = "\n".join("> " * 2000 + f"line {number}" for number in range(50)) + "\n"
    read = scrapbox_form.read_markdown_blocks
    characters: list[int] = []

    def counted(body: str, *args: object, **kwargs: object) -> object:
        characters.append(len(body))
        return read(body, *args, **kwargs)  # type: ignore[arg-type]

    with mock.patch.object(scrapbox_form, "read_markdown_blocks", counted):
        result = scrapconv.convert(text, "obsidian", "scrapbox")
    # Each level down to the bound reads the text once: linear in the text's size.
    assert 0 < sum(characters) <= scrapbox_form._QUOTE_DEPTH * len(text)
    lines = result.text.split("\n")
    assert len(lines) == 50
    assert all(line.endswith(f"line {number}") for number, line in enumerate(lines))


def test_comments_are_one_diagnostic_per_note() -> None:
    result = scrapconv.convert("a %%x%% b %%y%%\n%%\nhidden\n%%\nc\n", "obsidian", "scrapbox")
    assert result.text == "a  b \nc"
    [diagnostic] = result.diagnostics
    assert (diagnostic.code, diagnostic.line) == ("comment", 1)
    assert "3 comments" in diagnostic.message


def test_plain_markdown_has_no_comments() -> None:
    result = scrapconv.convert("%%\ntext\n%%\n", "markdown", "scrapbox")
    assert result.text == "%%\ntext\n%%"


def test_a_footnote_without_a_definition_stays_as_written() -> None:
    result = scrapconv.convert("a[^x]\n", "obsidian", "scrapbox")
    assert result.text == "a[^x]"
    assert [diagnostic.code for diagnostic in result.diagnostics] == ["html", "scrapbox-markup"]


def test_a_footnote_in_a_footnote_gets_the_next_number() -> None:
    text = "a[^1]\n\n[^1]: see[^2] and ^[inline]\n[^2]: two\n"
    result = scrapconv.convert(text, "obsidian", "scrapbox")
    assert result.text == "a¹\n\n¹ see² and ³\n² two\n³ inline"


def test_quote_markers_before_text_that_is_no_footnote_read_in_time() -> None:
    # A search that tried each space after `>` as the next marker's took exponential time.
    text = "> " * 5000 + "x [^1]\n"
    result = scrapconv.convert(text, "obsidian", "scrapbox")
    assert result.text.endswith("x [^1]")


def test_a_quote_read_again_counts_its_notes_and_comments_once() -> None:
    text = "> [!note] T\n> - a^[inline] %%c%%\n> text ^[two]\n"
    result = scrapconv.convert(text, "obsidian", "scrapbox")
    # (`text` goes on with the item's paragraph, as CommonMark reads it.)
    assert result.text == "> [* note] T\n > a¹ \n > text ²\n\n¹ inline\n² two"
    assert [d.code for d in result.diagnostics] == ["comment"]
    assert "1 comment" in result.diagnostics[0].message


def test_a_nested_quote_without_spaces_is_one_deeper() -> None:
    result = scrapconv.convert(">a\n>>b\n>- c\n", "obsidian", "scrapbox")
    assert result.text == ">a\n >b\n > c"


# Blocks after which Markdown needs an empty line before text, and text; a long sentence is
# no table's name.
BLOCKS = st.sampled_from(
    [
        "- item\n  - deeper",
        "> quote",
        "> [!note] Title\n> - item",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "A sentence of text, long enough that it names no table below it.",
        "1. first",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(BLOCKS, st.integers(1, 3)), min_size=1, max_size=8))
def test_an_authors_empty_lines_between_blocks_are_the_pages(
    blocks: list[tuple[str, int]],
) -> None:
    text = _joined(blocks)
    page = scrapconv.convert(text, "obsidian", "scrapbox").text
    assert page.split("\n").count("") == sum(empty for _, empty in blocks[:-1])


# Scrapbox blocks of the same kinds, for pages written to Markdown and read back.
PAGE_BLOCKS = st.sampled_from(
    [" item\n  deeper", "> quote", "table:t\n a\tb\n 1\t2", "text", "code:x.py\n print()"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(PAGE_BLOCKS, st.integers(0, 2)), min_size=1, max_size=8))
def test_a_page_comes_back_from_the_markdown_scrapconv_writes(
    blocks: list[tuple[str, int]],
) -> None:
    # (An indented line right under a table's rows would be one more row of it.)
    blocks = [
        (block, empty or int(block.startswith(("table:", "code:")) and following[:1] == " "))
        for (block, empty), (following, _) in zip(blocks, [*blocks[1:], ("", 0)], strict=True)
    ]
    page = "Title\n" + _joined(blocks)
    note = scrapconv.convert(page, "scrapbox", "obsidian").text
    assert scrapconv.convert(note, "obsidian", "scrapbox").text == page


def _joined(blocks: list[tuple[str, int]]) -> str:
    """The blocks, each followed by its empty lines but the last (a note's text ends with its
    last block)."""
    return (
        "\n".join(block + "\n" * empty for block, empty in blocks[:-1])
        + ("\n" if len(blocks) > 1 else "")
        + blocks[-1][0]
    )
