"""The real-data corpus in ../shared/corpus (absent on users' machines: tests skip there)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"

SCRAPBOX_EXPORTS = (
    "scrapbox-villagepump/villagepump.json",
    "scrapbox-vtuber/vtuber.json",
    "scrapbox-qualia-san/qualia-san.json",
    "scrapbox-kozaneba-forum/kozaneba-forum.json",
    "scrapbox-help-syntax/help-syntax.json",
)


@dataclass(frozen=True, slots=True)
class CorpusPage:
    project: str
    title: str
    text: str


def require_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus folder {CORPUS} is absent (it is there in CI)")


@cache
def scrapbox_pages(export: str) -> tuple[CorpusPage, ...]:
    data = json.loads((CORPUS / export).read_text(encoding="utf-8"))
    project = export.split("/")[0]
    pages = []
    for page in data["pages"]:
        lines = [line if isinstance(line, str) else line["text"] for line in page["lines"]]
        pages.append(
            CorpusPage(project, page["title"], "\n".join(lines) if lines else page["title"])
        )
    return tuple(pages)


def all_scrapbox_pages() -> tuple[CorpusPage, ...]:
    return tuple(page for export in SCRAPBOX_EXPORTS for page in scrapbox_pages(export))
