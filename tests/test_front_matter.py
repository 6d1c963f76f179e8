"""YAML front matter: what pyyaml's safe dumper writes, and the title loads back."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scrapconv.ast import Property
from scrapconv.markdown.frontmatter import _yaml_fields, front_matter

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


# Titles made mostly of YAML's indicators, spaces and text: where plain and quoted differ.
_INDICATOR_TITLES = st.text(
    st.sampled_from([*"?,[]{}'\"!&*|>%@`:#- .aZ1日()/;$^_~+=<", "\u3000", "\t"]), max_size=8
)
# Titles that YAML 1.1 may read as numbers, dates, booleans or null, and their neighbours.
_TYPED_TITLES = st.lists(
    st.sampled_from([*"0123456789+-._:eExXbBoO~<=TtZ ", "inf", "nan", "yes", "Null"]), max_size=10
).map("".join)
# Titles where a rule of plain scalars decides, each on its edge.
_EDGE_TITLES = [
    *("井戸端はチャットか?", "Don't be evil", "a:b", "a: b", "a:", ":a", "a #b", "a#b", "日本#"),
    *("yes?", "yEs", "NULL", "~", "<<", "=", "1,000/2", "(WIP) Vim mode", "_x", "/", ""),
    *("42 Tokyo", "1000", "1_000", "._", ".5_", "0x1F", "0o17", "017", "08", "1:20"),
    *("190:20:30.15", ".inf", "-.Inf", ".NaN", "2020-01-16 12:00:00"),
    *("2001-12-14t21:59:43.10-05:00", "---x", "...", "- a", "-a", "? a", "?a"),
    *("a\u3000b", "a  b", "\xa0"),
]


def _assert_written_as_pyyaml_writes(title: str) -> None:
    written = front_matter(title)
    assert written == _pyyaml(title)
    assert _loaded_title(written) == title


@pytest.mark.parametrize("title", _EDGE_TITLES)
def test_titles_on_the_edge_of_plain_are_what_pyyaml_writes(title: str) -> None:
    _assert_written_as_pyyaml_writes(title)


@settings(max_examples=6000, deadline=None)
@given(st.one_of(_INDICATOR_TITLES, _TYPED_TITLES))
def test_titles_with_indicators_or_types_are_what_pyyaml_writes(title: str) -> None:
    _assert_written_as_pyyaml_writes(title)


def test_every_corpus_title_loads_back() -> None:
    require_corpus()
    for export in SCRAPBOX_EXPORTS:
        for page in scrapbox_pages(export):
            for title in {page.title, page.text.split("\n")[0]}:
                written = front_matter(title)
                assert written == _pyyaml(title)
                assert _loaded_title(written) == title


_FIELD_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["2021-01-06T12:34:56Z", "2024-01-02", "yes", "a: b", "- x", "日本語"]),
)


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(st.none(), _FIELD_TEXT),
    st.lists(
        st.tuples(
            st.sampled_from(["created", "updated", "aliases", "tags", "x y", "- k"]),
            st.one_of(_FIELD_TEXT, st.tuples(_FIELD_TEXT, _FIELD_TEXT)),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_fields_are_what_pyyaml_writes(title: str | None, fields: list[tuple[str, object]]) -> None:
    # The fast path for plain fields gives pyyaml's own output.
    meta = tuple(Property(key, value) for key, value in fields)  # type: ignore[arg-type]
    collected: dict[str, object] = {} if title is None else {"title": title}
    for field in meta:
        value = field.value
        collected.setdefault(field.key, list(value) if isinstance(value, tuple) else value)
    assert front_matter(title, meta) == f"---\n{_yaml_fields(collected)}---\n"
