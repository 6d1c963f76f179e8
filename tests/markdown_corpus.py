"""The Markdown files of the real-data corpus in ../shared/corpus (see tests/corpus.py).

Three corpora: the Obsidian help vault (English), kepano's Obsidian vault, and a sample of the
pages that the reference pipeline published from Scrapbox (external-brain-md-sample). Only the
`.md` files of each corpus's content folders are read, never the PROVENANCE.md beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .corpus import CORPUS, require_corpus

__all__ = [
    "MARKDOWN_CORPORA",
    "MarkdownFile",
    "all_markdown_files",
    "markdown_files",
    "require_corpus",
]

# Each corpus, and the folders under it that hold its Markdown files.
MARKDOWN_CORPORA: dict[str, tuple[str, ...]] = {
    "obsidian-help-en": ("en",),
    "obsidian-kepano-vault": ("vault",),
    "external-brain-md-sample": ("en", "ja"),
}


@dataclass(frozen=True, slots=True)
class MarkdownFile:
    corpus: str
    # The path relative to the corpus folder, with `/` separators.
    path: str
    text: str


@cache
def markdown_files(corpus: str) -> tuple[MarkdownFile, ...]:
    """The Markdown files of one corpus, sorted by path; empty when the corpus is absent."""
    root = CORPUS / corpus
    files = []
    for folder in MARKDOWN_CORPORA[corpus]:
        for path in sorted((root / folder).rglob("*.md")):
            if path.is_file():
                # Read as bytes and decode: `read_text` would translate CR LF line ends.
                text = path.read_bytes().decode("utf-8")
                files.append(MarkdownFile(corpus, path.relative_to(root).as_posix(), text))
    return tuple(files)


def all_markdown_files() -> tuple[MarkdownFile, ...]:
    return tuple(file for corpus in MARKDOWN_CORPORA for file in markdown_files(corpus))
