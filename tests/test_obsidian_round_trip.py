"""Obsidian → tree → Obsidian keeps what Scrapbox has no place for: each form comes back as
it was written (the corpus-wide check is tests/test_corpus_markdown_roundtrip.py)."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scrapconv
from scrapconv.ast import CodeBlock, Line, Text, UrlLink

from .judges import render_obsidian

FORMS = [
    pytest.param("> [!tip]+ Title\n> body\n", id="callout"),
    pytest.param(
        "> [!tip] x\n> - a\n> 1. b\n>\n> ```css\n> --x: 1;\n> ```\n> > nested\n> | a | b |\n",
        id="blocks inside a quote",
    ),
    pytest.param("[[Plugins/Templates|Templates]] [[Note#Part]] [[#Here]]\n", id="note links"),
    pytest.param("![[picture.png|100]] ![[Other note]]\n", id="embeds"),
    pytest.param("![a cat](https://example.com/cat.png)\n", id="image alt text"),
    pytest.param("a<br>b <kbd>K</kbd> %%hidden%%\n", id="html and comments"),
    pytest.param("- item\n  more of the item\n  and more\n\nnext\n", id="continued lines"),
    pytest.param("> quote\nlazy line of the quote\n", id="lazy quote line"),
    pytest.param(
        "1. Copy this:\n\n   > quoted\n\n2. Run:\n\n   ```bash\n   snap install\n   ```\n",
        id="blocks inside a list item",
    ),
    pytest.param("text[^1] and ^[inline].\n\n[^1]: the note\n", id="footnotes"),
    pytest.param("---\ncreated: {{date}}\n---\nbody\n", id="front matter that is no YAML"),
    pytest.param("> ```css\n> a {\n>     b: c;\n> }\n> ```\n", id="code in a quote"),
    pytest.param("see (https://example.com/a) and [API key](https://x.com)\n", id="urls"),
    pytest.param("\n| a | b | c |\n| :--- | :---: | ---: |\n| 1 | 2 | 3 |\n\n", id="aligned table"),
    pytest.param("<div>\n- raw\n</div>\n\n- item\n", id="html block"),
    pytest.param(
        "---\ntitle: T\ntags:\n- a\n- b\ncreated: 2024-01-02\n---\nbody\n", id="front matter"
    ),
    pytest.param("---\naliases:\n- x\n---\nno title\n", id="front matter without a title"),
    pytest.param(
        "x <img src='https://scrapbox.io/api/pages/p/o1 Pro/icon' alt='o1 Pro.icon' "
        'height="19.5"/>\n',
        id="icon tag with a URL not percent-encoded",
    ),
    pytest.param(
        "text\n<img src='https://scrapbox.io/api/pages/p/a/icon' alt='a.icon' height=\"19.5\"/>\n",
        id="icon tag going on with a paragraph",
    ),
    pytest.param("- a\n    - b\n\n    - c\n", id="empty line inside a list"),
    pytest.param("[[logical depth]](1988)\n", id="wikilink before parentheses"),
    pytest.param(
        "[Custom name](Example.md) and [S](Example.md#Details)\n", id="markdown note links"
    ),
    pytest.param('By [Chanut](https://icon-icons.com/u/ "Designer")\n', id="link title"),
    pytest.param("$$\n\\begin{vmatrix}a & b\\\\\nc & d\n\\end{vmatrix}\n$$\n", id="display math"),
    pytest.param("first line\nsecond line\n---\n", id="setext heading of two lines"),
    pytest.param("see https://scrapbox.io/nishio/増井 too\n", id="url with other than ascii"),
    pytest.param("* a\n    + b\n- c\n+ d\n", id="bullets, and lists side by side"),
    pytest.param(
        '[a #tag b](https://x.com) [**a** `b`](https://y.com "t")\n', id="markup in a label"
    ),
    pytest.param("- a\n\t- b\n  - c\n-   d\n1.  e\n", id="list margins and spacing"),
    pytest.param("1. a\n2. - b\n   - c\n3. c\n", id="a numbered item holding a list"),
    pytest.param("* a\n* - b\n+ 2. * c\n", id="markers of the items a row starts"),
    pytest.param("- a\nlazy\n  - b\n\n  more of a\n", id="continued lines as written"),
    pytest.param("~~~js\ncode\n~~~\n\n`````md\n```\n`````\n", id="fences as written"),
    pytest.param("\n| a | b |\n|-|:-:|\n| 1 | 2 |\n\n", id="delimiter row as written"),
    pytest.param('---\ntitle: "T"\naliases:\n---\nbody\n', id="front matter as written"),
    pytest.param("---\n---\nbody\n", id="empty front matter"),
    pytest.param("a\n\n---\n\n* * *\n", id="thematic breaks as written"),
    pytest.param("_a_ and *b*, in_word_ and __c__\n", id="underscore emphasis"),
]


@pytest.mark.parametrize("text", FORMS)
def test_form_comes_back(text: str) -> None:
    assert scrapconv.write(scrapconv.read(text, "obsidian"), "obsidian") == text


def _one_number_at_a_time(markers: list[str]) -> bool:
    # (`1. 2. x`, a numbered item holding a numbered list, is still read as one item whose
    # text is `2. x`.)
    return not any(a[0].isdigit() and b[0].isdigit() for a, b in pairwise(markers))


# A row that starts one to three items, each marker one of the bullets or a number.
ITEM_ROWS = st.lists(
    st.sampled_from(["- ", "* ", "+ ", "1. ", "2. "]), min_size=1, max_size=3
).filter(_one_number_at_a_time)
LIST_NOTES = st.lists(
    st.one_of(ITEM_ROWS.map(lambda markers: "".join(markers) + "x"), st.sampled_from(["", "t"])),
    min_size=1,
    max_size=6,
).map(lambda rows: "\n".join(rows) + "\n")


@settings(max_examples=300, deadline=None)
@given(text=LIST_NOTES)
def test_rows_that_start_several_items_render_the_same(text: str) -> None:
    written = scrapconv.write(scrapconv.read(text, "obsidian"), "obsidian")
    assert render_obsidian(written) == render_obsidian(text), written


def test_a_lazy_line_keeps_its_place_and_goes_under_the_item_without_one() -> None:
    document = scrapconv.read("- item\nlazy\n", "obsidian")
    assert scrapconv.write(document, "obsidian") == "- item\nlazy\n"
    # A tree that does not say where the line stood: the same paragraph of the same item,
    # written where it belongs.
    unplaced = replace(
        document, blocks=tuple(replace(block, margin=None) for block in document.blocks)
    )
    assert scrapconv.write(unplaced, "obsidian") == "- item\n  lazy\n"


def test_forms_as_written_give_way_where_they_would_change_the_note() -> None:
    document = scrapconv.read("- a\n\t- b\n\n~~~\nx\n~~~\n\n---\n", "obsidian")
    first, second, _, code, *rest = document.blocks
    assert isinstance(second, Line) and second.margin == "\t"
    assert isinstance(code, CodeBlock) and code.fence == "~~~"
    changed = replace(
        document,
        blocks=(
            first,
            # Now an item of the outer list, which its tab would put under `a`; a fence in
            # the code; a paragraph line right above the `---`.
            replace(second, indent=" "),
            replace(code, lines=("~~~",)),
            Line("", (Text("text"),)),
            *rest[1:],
        ),
    )
    assert scrapconv.write(changed, "obsidian") == "- a\n- b\n````\n~~~\n````\ntext\n***\n"


def test_scrapbox_gets_the_text_and_a_diagnostic_for_each_form_it_lacks() -> None:
    result = scrapconv.convert("> [!tip]+ Title\n![[picture.png|100]]\n", "obsidian", "scrapbox")
    # (The lazy line goes on with the callout's text.)
    assert result.text == "> [* tip] Title\n> [picture.png]"
    assert sorted((d.line, d.code) for d in result.diagnostics) == [
        (1, "callout-fold"),
        (2, "image-local"),
    ]


def test_a_non_breaking_space_in_a_link_label_is_the_character() -> None:
    document = scrapconv.read("[API&nbsp;key](https://example.com)\n", "obsidian")
    line = document.blocks[0]
    assert isinstance(line, Line)
    assert line.children == (UrlLink("https://example.com", "API\xa0key", form="label_url"),)


def test_a_link_title_is_reported_when_scrapbox_gets_the_link() -> None:
    result = scrapconv.convert('[a](https://example.com "Tip")\n', "obsidian", "scrapbox")
    assert result.text == "[a https://example.com]"
    assert [(d.line, d.code) for d in result.diagnostics] == [(1, "link-title")]


def test_markup_in_a_label_is_reported_and_its_text_kept() -> None:
    text = "x\n[**a** `b` #c](https://example.com)\n"
    result = scrapconv.convert(text, "obsidian", "scrapbox")
    assert result.text == "x\n[a b #c https://example.com]"
    assert [(d.line, d.code) for d in result.diagnostics] == [(2, "link-label")]
