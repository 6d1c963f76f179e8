"""The Scrapbox reader and writer on every page of the four corpus projects (and the Scrapbox
help's Syntax page), and against the reference parser."""

from __future__ import annotations

import pytest

import scrapconv
from scrapconv.scrapbox.parser_json import document_to_parser_json
from scrapconv.scrapbox.reader import read_scrapbox

from .corpus import SCRAPBOX_EXPORTS, all_scrapbox_pages, require_corpus, scrapbox_pages
from .oracle import reference_parse


@pytest.fixture(autouse=True)
def _corpus() -> None:
    require_corpus()


def test_the_corpus_is_complete() -> None:
    pages = all_scrapbox_pages()
    assert len(pages) == 11_861  # as the corpus README counts them, the help page included


@pytest.mark.parametrize("export", SCRAPBOX_EXPORTS)
def test_every_page_reads_and_writes_back_byte_for_byte(export: str) -> None:
    for page in scrapbox_pages(export):
        document = scrapconv.read(page.text, "scrapbox")
        assert document.title == page.text.split("\n")[0]
        assert scrapconv.write(document, "scrapbox") == page.text, page.title


@pytest.mark.parametrize("export", SCRAPBOX_EXPORTS)
def test_parser_json_equals_the_reference_parsers(export: str) -> None:
    pages = scrapbox_pages(export)
    texts = [page.text for page in pages]
    expected = reference_parse(texts)

    # With the reference's five text-losing behaviours restored: the same on every page.
    mismatched = [
        page.title
        for page, blocks in zip(pages, expected, strict=True)
        if document_to_parser_json(read_scrapbox(page.text, reference_bugs=True)) != blocks
    ]
    assert mismatched == []

    # By default: the same except where one of the deliberate differences applies. Since the
    # reader differs from the one above only by those, every difference is one of them; they
    # are rare, and each keeps text the reference parser loses or misreads.
    differing_lines = 0
    for page, blocks in zip(pages, expected, strict=True):
        document = read_scrapbox(page.text)
        actual = document_to_parser_json(document)
        if actual != blocks:
            differing_lines += sum(a != b for a, b in zip(actual, blocks, strict=True))
            assert scrapconv.write(document, "scrapbox") == page.text
    assert differing_lines <= 10
