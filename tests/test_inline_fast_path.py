"""The shortcut for lines of text and simple bracket pairs gives what the general parse gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapconv.ast import Blank, GoogleMap, Icon, PageLink, Text
from scrapconv.scrapbox.inline import _ONLY_PAIRS, LINE, _parse_pieces, parse_inline

# Pieces that make each pair rule match, fail, or compete, and that make a line leave the
# shortcut (anchored starts, other rules' triggers).
FRAGMENTS = (
    "[",
    "]",
    "[]",
    "a",
    "本",
    " ",
    "\u3000",
    "\t",
    ",",
    "*",
    "-",
    "/",
    "!",
    "#",
    "`",
    "$",
    "$ ",
    ">",
    "?",
    "%",
    "1",
    "1. ",
    ".icon",
    ".icon*2",
    ".icon*0",
    "x.icon",
    "N35.6,E139.7",
    "N35.6,E139.7,Z14",
    "S1,W2",
    "http",
    "://",
    "https://e.com/a.png",
    "[* ",
    "[$ ",
    "[[",
    "]]",
)

lines = st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join)
# Mostly lines the shortcut takes: text and pairs of the fragments without brackets or the
# triggers of rules other than the pair rules.
INNER = tuple(
    fragment
    for fragment in FRAGMENTS
    if not any(character in fragment for character in "[]#`:") and "http" not in fragment
)
pairs = st.lists(st.sampled_from(INNER), max_size=5).map(lambda inner: "[" + "".join(inner) + "]")
lines_of_pairs = st.lists(st.one_of(st.sampled_from(INNER), pairs), max_size=8).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(lines, lines_of_pairs))
def test_same_nodes_as_the_general_parse(line: str) -> None:
    expected = _parse_pieces(line, LINE) if line else []
    assert parse_inline(line) == expected


@pytest.mark.parametrize(
    ("line", "nodes"),
    [
        ("今日は[takker.icon]", [Text("今日は"), Icon("takker")]),
        ("[a] and [b.icon*3]", [PageLink("a"), Text(" and "), Icon("b", "3")]),
        ("[]x[ ]", [Text("[]x"), Blank(" ")]),
        ("[N35.6,E139.7 Tokyo]", [GoogleMap("N35.6,E139.7", "Tokyo")]),
    ],
)
def test_examples(line: str, nodes: list[object]) -> None:
    assert _ONLY_PAIRS.fullmatch(line)
    assert parse_inline(line) == nodes == _parse_pieces(line, LINE)


@pytest.mark.parametrize("line", ["[a]1. b", "[a]> b", "#[a]", "[a]`b`", "[a] http://x"])
def test_lines_the_shortcut_leaves_to_the_general_parse(line: str) -> None:
    assert not (_ONLY_PAIRS.fullmatch(line) and "://" not in line and "http" not in line)
    assert parse_inline(line) == _parse_pieces(line, LINE)
