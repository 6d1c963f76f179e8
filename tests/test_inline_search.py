"""The inline parser's searches find what a plain search of each pattern finds.

Patterns whose attempt from one opener may read far are searched opener by opener, skipping
the openers a failed attempt rules out (scrapbox/inline.py, `Opened`); and pieces holding a
line break are not tried with the anchored patterns that end in `.*$`. Both only save work:
these properties check that the result is the plain search's, on text made of the pieces of
every pattern (openers, closers, URLs, coordinates, line breaks), between any bounds.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapconv.scrapbox.inline import _ANCHOR_CLASS, _BREAK_BEFORE_END, RULES, _compile

GYAZO_ID = "0123456789abcdef" * 2
FRAGMENTS = (
    "[",
    "]",
    "[[",
    "]]",
    "[[[",
    "]]]",
    "a",
    "x y",
    " ",
    "\u3000",
    "\t",
    "\r",
    "\n",
    "\u2028",
    "\u2029",
    "*",
    "[* ",
    "[*/ ",
    "[$ ",
    " ]",
    "$ ",
    "% ",
    "> ",
    "? ",
    "1. ",
    "12",
    "http://",
    "https://",
    "HTTPS://",
    "http",
    "://",
    ".png",
    ".JPG",
    "?q=1",
    f"https://gyazo.com/{GYAZO_ID}",
    "/raw",
    "N35",
    "S1.5",
    ",E139",
    ",W2.25",
    ",Z3",
    ",",
    ".",
    ".icon",
    "`",
    "#",
)

text = st.lists(st.sampled_from(FRAGMENTS), max_size=20).map("".join)


# For each rule searched opener by opener, a few fragments that make its openers succeed, fail
# and follow one another: a short text of them is likely to hold each case.
FRAGMENTS_OF = {
    "decoration": ("[* ", "[-/ ", "[", "]", "a", " "),
    "formula": ("[$ ", " ]", "[", "]", "a", "\r"),
    "strongImage": ("[[https://a", "[[http://", ".png", ".GIF", "]]", "]", " ", "x"),
    "strong": ("[[", "[", "]]", "]", "a", "\r", "\u2028"),
    "image": ("[https://a", "[http://", ".png", "?q", "]", " ", "\u3000", f"gyazo.com/{GYAZO_ID}"),
    "link": ("[https://a", "[http://", "]", "]]", " ", "\t", "x", "["),
    "googleMap": ("[", "]", "a", " ", "N1", ",E2", ".5", ",Z3", "[S1,W2", "]]"),
}


@st.composite
def pieces(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> tuple[str, int, int]:
    segment = draw(texts)
    begin = draw(st.integers(0, len(segment)))
    return segment, begin, draw(st.integers(begin, len(segment)))


def summary(found: re.Match[str] | None) -> tuple[tuple[int, int], dict[str, str | None]] | None:
    return None if found is None else (found.span(), found.groupdict())


# Each pattern with its searches for a segment with many `[` and with a few.
SEARCHED = [
    (rule.name, pattern, search)
    for rule in RULES
    if not rule.starts
    for pattern, searches in map(_compile, (*rule.sources, *rule.reference_sources))
    for search in (searches.many, searches.few)
]
# The anchored patterns that end in `.*$`.
RUNNING_TO_THE_END = [
    (rule.name, pattern)
    for rule in RULES
    if rule.starts and all(_ANCHOR_CLASS[character] > 1 for character in rule.starts)
    for pattern, _ in map(_compile, (*rule.sources, *rule.reference_sources))
]


def test_every_pattern_is_covered() -> None:
    assert {name for name, _, _ in SEARCHED} >= set(FRAGMENTS_OF)
    assert {name for name, _ in RUNNING_TO_THE_END} == {
        "quote",
        "helpfeel",
        "numberList",
        "commandLine",
    }


def assert_same_matches(rule: str | None, piece: tuple[str, int, int]) -> None:
    segment, begin, end = piece
    for name, pattern, search in SEARCHED:
        if rule in (None, name):
            expected = summary(pattern.search(segment, begin, end))
            assert summary(search(segment, begin, end)) == expected, (name, pattern.pattern)


@settings(max_examples=3000, deadline=None)
@given(pieces(text))
def test_each_search_finds_the_leftmost_match(piece: tuple[str, int, int]) -> None:
    assert_same_matches(None, piece)


@pytest.mark.parametrize("rule", FRAGMENTS_OF)
@settings(max_examples=1500, deadline=None)
@given(data=st.data())
def test_each_search_finds_the_leftmost_match_of_its_rule(rule: str, data: st.DataObject) -> None:
    fragments = st.lists(st.sampled_from(FRAGMENTS_OF[rule]), max_size=14).map("".join)
    assert_same_matches(rule, data.draw(pieces(fragments)))


# The characters the parser takes for line breaks, among those that might be.
LINE_BREAKS = [c for c in "\n\v\f\r\x85\u2028\u2029" if _BREAK_BEFORE_END.fullmatch(c)]


@st.composite
def pieces_with_a_line_break(draw: st.DrawFn) -> tuple[str, int, int]:
    before, after = draw(text), draw(text)
    start = draw(st.sampled_from((">", "> ", "?", "? ", "$ ", "% ", "1", "1. ", "12. ")))
    piece = start + draw(text) + draw(st.sampled_from(LINE_BREAKS)) + draw(text)
    return before + piece + after, len(before), len(before) + len(piece)


@settings(max_examples=2000, deadline=None)
@given(pieces_with_a_line_break())
def test_no_piece_with_a_line_break_matches_a_pattern_running_to_its_end(
    piece: tuple[str, int, int],
) -> None:
    segment, begin, end = piece
    assert _BREAK_BEFORE_END.search(segment, begin, end) is not None
    for name, pattern in RUNNING_TO_THE_END:
        assert pattern.match(segment, begin, end) is None, name


# The patterns as they are plainly written, each body a group repeated once per character
# (which keeps a state per character in Python's engine, so that a long match reads ever slower
# per character); the rules write them so that nothing is repeated per character, and must find
# the same matches.
PLAINLY_WRITTEN = {
    "decoration": r"""\[[!"#%&'()*+,\-./{|}<>_~]+ (?:\[[^\[\]]+\]|[^\]])+\]""",
    "formula": "\\[\\$ (?:(?!\\[\\$ )[^\n\r\u2028\u2029])+? \\]",
}
# The pair rules' fast path takes full matches of the decoration pattern.
FULL_MATCHED = {"decoration"}
# With each rule's fragments: what else its body may hold or stop at.
MORE_FRAGMENTS_OF = {
    "decoration": ("\n", "[[", "]]"),
    "formula": (" ", "[$"),
}

# Texts where a body ends otherwise than at its first `]` or ` ]`, or stops at another opener.
TRICKY = {
    "decoration": ("x [* a [b] [c] d", "[* a]b]", "[* a [b]]", "[* []", "[* ]", "[* a\n[b]"),
    "formula": ("[$ [$ x ]", "[$ a [$ b ]", "[$ a  ]", "[$  ] ]", "[$ a\r ]", "[$ [x] ]"),
}


def assert_finds_what_it_finds_plainly_written(rule: str, piece: tuple[str, int, int]) -> None:
    segment, begin, end = piece
    (pattern,) = (r.patterns[0] for r in RULES if r.name == rule)
    plainly = re.compile(PLAINLY_WRITTEN[rule])
    ways = ("search", "match", "fullmatch") if rule in FULL_MATCHED else ("search", "match")
    for way in ways:
        expected = summary(getattr(plainly, way)(segment, begin, end))
        assert summary(getattr(pattern, way)(segment, begin, end)) == expected, (way, piece)


@pytest.mark.parametrize(("rule", "segment"), [(r, t) for r in TRICKY for t in TRICKY[r]])
def test_each_pattern_finds_what_it_finds_plainly_written_in_a_tricky_text(
    rule: str, segment: str
) -> None:
    for begin in range(len(segment) + 1):
        for end in range(begin, len(segment) + 1):
            assert_finds_what_it_finds_plainly_written(rule, (segment, begin, end))


@pytest.mark.parametrize("rule", PLAINLY_WRITTEN)
@settings(max_examples=3000, deadline=None)
@given(data=st.data())
def test_each_pattern_finds_what_it_finds_plainly_written(rule: str, data: st.DataObject) -> None:
    fragments = FRAGMENTS_OF[rule] + MORE_FRAGMENTS_OF[rule]
    texts = st.lists(st.sampled_from(fragments), max_size=16).map("".join)
    assert_finds_what_it_finds_plainly_written(rule, data.draw(pieces(texts)))
