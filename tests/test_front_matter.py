"""YAML front matter: what pyyaml's safe dumper writes, and the title loads back."""

from __future__ import annotations

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scrapconv.markdown.frontmatter import front_matter

from .corpus import SCRAPBOX_EXPORTS, require_corpus, scrapbox_pages


def _pyyaml(title: str) -> str:
    return "---\n" + yaml.safe_dump({"title": title}, allow_unicode=True, width=2**30) + "---\n"


def _loaded_title(text: str) -> object:
    assert text.startswith("---\n") and text.endswith("\n---\n")
    return yaml.safe_load(text[4:-4])["title"]


@settings(max_examples=2000, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",))))
@example("Title: with 'quotes' and \"double\" #hash")
@example("[leading bracket")
@example("trailing spaces  ")
@example("yes")
@example("2020-01-16")
@example("日本語のタイトル (2)")
@example("👍いいね")
@example("next\x85line")
def test_front_matter_is_what_pyyaml_writes(title: str) -> None:
    written = front_matter(title)
    if "\x85" not in title:  # pyyaml's own style would not load a NEL back
        assert written == _pyyaml(title)
    assert _loaded_title(written) == title


def test_every_corpus_title_loads_back() -> None:
    require_corpus()
    for export in SCRAPBOX_EXPORTS:
        for page in scrapbox_pages(export):
            for title in {page.title, page.text.split("\n")[0]}:
                written = front_matter(title)
                assert written == _pyyaml(title)
                assert _loaded_title(written) == title
