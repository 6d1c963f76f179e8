"""Links through the project's title → file map (reference defect 3): a link goes to the file
of the page Scrapbox would open, and reads back as the link it was."""

from __future__ import annotations

import scrapconv
from scrapconv.filenames import FileNameMap
from scrapconv.markdown.writer import MarkdownOptions, write_markdown
from scrapconv.scrapbox.reader import read_scrapbox

SOURCE = "ABC170\n[ABC170_E] [abc170 e] [a/b] [Missing_page] #ABC170_E"
PAGES = FileNameMap.for_titles(["ABC170", "ABC170 E", "a/b"])


def test_links_go_to_the_file_of_the_page_scrapbox_opens() -> None:
    text, _ = write_markdown(read_scrapbox(SOURCE), MarkdownOptions(pages=PAGES))
    body = text.split("---\n")[-1]
    # Obsidian finds notes whatever the case: a link that differs only in case keeps its own
    # text. A tag stays an Obsidian tag; links to pages the project lacks keep their text.
    assert body == ("[[ABC170 E|ABC170_E]] [[abc170 e]] [[a-b|a/b]] [[Missing_page]] #ABC170_E\n")


def test_without_the_map_links_use_their_own_text() -> None:
    text, _ = write_markdown(read_scrapbox(SOURCE), MarkdownOptions())
    assert "[[ABC170_E]]" in text


def test_links_through_the_map_read_back_as_written() -> None:
    text, _ = write_markdown(read_scrapbox(SOURCE), MarkdownOptions(pages=PAGES))
    assert scrapconv.write(scrapconv.read(text, "obsidian"), "scrapbox") == SOURCE
