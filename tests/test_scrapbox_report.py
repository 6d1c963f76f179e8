"""Diagnostics of writing Scrapbox: what a Markdown-born document loses, and nothing for a
page read from Scrapbox."""

from __future__ import annotations

import scrapconv
from scrapconv.scrapbox.reader import read_scrapbox
from scrapconv.scrapbox.report import scrapbox_diagnostics

from .corpus import all_scrapbox_pages, require_corpus

MARKDOWN = """---
title: T
---
#### h4
[[a#b|c]] ![[x.png]]
text [x] #1 `code`
plain text only
"""


def test_what_scrapbox_cannot_say_is_reported_with_its_line() -> None:
    result = scrapconv.convert(MARKDOWN, "obsidian", "scrapbox")
    # (The alias is shown, before the link: only the heading it went to is lost.)
    assert result.text == "T\n[* h4]\nc ([a]) [x.png]\ntext [x] #1 `code`\nplain text only"
    found = [(diagnostic.line, diagnostic.code) for diagnostic in result.diagnostics]
    assert found == [
        (4, "heading-level"),
        (5, "image-local"),
        (5, "link-section"),
        (6, "scrapbox-markup"),
    ]


def test_the_number_of_an_item_a_row_starts_around_its_own_is_reported() -> None:
    result = scrapconv.convert("1. a\n2. - b\n* - c\n", "obsidian", "scrapbox")
    assert result.text == " 1. a\n  b\n  c"
    assert [(d.line, d.code, d.message) for d in result.diagnostics] == [
        (2, "list-number", "the number '2.' of the item holding this one is left out")
    ]


def test_text_that_stays_text_is_not_reported() -> None:
    result = scrapconv.convert("a \\[ b # c `", "obsidian", "scrapbox")
    assert result.text == "a [ b # c `"
    assert result.diagnostics == ()


def test_pages_read_from_scrapbox_have_nothing_to_report() -> None:
    require_corpus()
    reported = [
        page.title
        for page in all_scrapbox_pages()
        if scrapbox_diagnostics(read_scrapbox(page.text))
    ]
    assert reported == []
