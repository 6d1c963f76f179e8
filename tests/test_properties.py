"""Property tests for the Scrapbox reader and writer (hypothesis).

* The reader never raises, on any text and on syntax-shaped text.
* `write(read(x)) == x` for any text.
* The reference-shaped JSON is serialisable, and within every line the `raw` of the
  top-level nodes adds up to the line after its indent (docs: scrapbox-notation.md §9.7).
* The AST's JSON form round-trips.
* Reading is linear in the length of a line, even for pathological lines.
"""

from __future__ import annotations

import gc
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import scrapconv
from scrapconv.ast import Document, from_json, to_json
from scrapconv.scrapbox.parser_json import document_to_parser_json
from scrapconv.scrapbox.reader import read_scrapbox
from scrapconv.scrapbox.writer import write_scrapbox

# JavaScript's `\s` (spec §2.3), spelled out here independently of the package.
JS_WHITESPACE = (
    "\t\n\v\f\r \xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)

CHEAP = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GRAMMAR = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------
# Arbitrary text

_CONTROL = "".join(chr(c) for c in range(0x00, 0x20)) + "".join(chr(c) for c in range(0x7F, 0xA0))
_SPACES = "\r\t\n \u3000\u2028\u2029\ufeff\xa0\u1680\u2000\u200a\u202f\u205f\u0085\u001c"
_FULL_WIDTH = "\uff3b\uff3d\uff5b\uff5d\uff08\uff09\u3010\u3011\u300c\u300d\uff03\uff0a\uff40"
_EMOJI = "\U0001f600\U0001f44d\U0001f3fd\u200d\U0001f469\u2764\ufe0f"
_SYNTAX = "[]`#>?$%*/-_.:, 0123456789NSEWZhtps"
# Each group is drawn as often as any other, so the rare characters are not rare in the text.
_CHARACTERS = st.one_of(
    st.sampled_from(_CONTROL),
    st.sampled_from(_SPACES),
    st.sampled_from(_FULL_WIDTH),
    st.sampled_from(_EMOJI),
    st.sampled_from(_SYNTAX),
    st.characters(exclude_categories=("Cs",)),
)
# st.text() turns an alphabet of characters into code point ranges and favours low code
# points, so U+3000 or U+FEFF would hardly ever appear; a list of drawn characters keeps the
# groups above evenly mixed. Both kinds are used, short and longer.
any_text = st.one_of(
    st.text(alphabet=_CHARACTERS),
    st.lists(_CHARACTERS, max_size=30).map("".join),
    st.lists(_CHARACTERS, min_size=20, max_size=400).map("".join),
)

# ---------------------------------------------------------------------------------------------
# Syntax-shaped text: pages built from real Scrapbox tokens

_INDENT_CHARS = " \t\u3000"
_GYAZO_ID = "0f82099330f378fe4917a1b4a5fe8815"


def _string(alphabet: str, min_size: int = 0, max_size: int = 6) -> st.SearchStrategy[str]:
    """Strings of characters drawn evenly from `alphabet` (see `any_text`)."""
    return st.lists(st.sampled_from(alphabet), min_size=min_size, max_size=max_size).map("".join)


_word = _string("abxyz AZ09あ.-/*_#:")
_name = _string("abxyzあ", min_size=1, max_size=4)
_marks = st.sampled_from(["*", "**", "***", "/", "-", "_", "**/", "*/*", "!", "<>", "*-"])
_repeat = st.sampled_from(["0", "1", "2", "3", "01", "10"])
_space = st.sampled_from([" ", "  ", "\t", "\u3000", "\xa0"])

_FIXED_TOKENS = [
    "[page]",
    "[/proj/page]",
    "[/proj]",
    "[* x]",
    "[**/ x]",
    "[- x]",
    "[$ x]",
    "[$ x ]",
    "[$ ]",
    "[[x]]",
    "[x.icon]",
    "[x.icon*3]",
    "[x.icon*0]",
    "[[x.icon]]",
    "[[x.icon*2]]",
    "[https://a.com/b.png]",
    "[[https://a.com/b.png]]",
    "[https://a.com/b.png?w=1]",
    "[https://a.com label]",
    "[label https://a.com]",
    "[https://a.com]",
    f"[https://gyazo.com/{_GYAZO_ID}]",
    f"[https://a.com https://img.gyazo.com/{_GYAZO_ID}]",
    "https://a.com/x",
    "http://",
    "https://",
    "#tag",
    "`code`",
    "> ",
    ">",
    "? ",
    "1. ",
    "01. ",
    "$ ",
    "% ",
    "[ ]",
    "[\u3000]",
    "[]",
    "[N35.6,E139.7,Z14 place]",
    "[place N35.6,E139.7]",
    "[S1,W2]",
    "[",
    "]",
    "[[",
    "]]",
    "`",
    "#",
    " ",
    "\t",
    "\u3000",
    "\r",
    "x",
    "あ",
]

_inline_token = st.one_of(
    st.sampled_from(_FIXED_TOKENS),
    _word,
    st.lists(_CHARACTERS, max_size=3).map("".join),
    _word.map(lambda w: f"[{w}]"),
    st.tuples(_name, _name).map(lambda p: f"[/{p[0]}/{p[1]}]"),
    st.tuples(_marks, _word).map(lambda p: f"[{p[0]} {p[1]}]"),
    _word.map(lambda w: f"[$ {w}]"),
    _word.map(lambda w: f"[$ {w} ]"),
    _word.map(lambda w: f"[[{w}]]"),
    _word.map(lambda w: f"[{w}.icon]"),
    st.tuples(_word, _repeat).map(lambda p: f"[{p[0]}.icon*{p[1]}]"),
    _word.map(lambda w: f"[[{w}.icon]]"),
    st.tuples(_word, _repeat).map(lambda p: f"[[{p[0]}.icon*{p[1]}]]"),
    _name.map(lambda w: f"[https://a.com/{w}.png]"),
    st.tuples(_space, _word).map(lambda p: f"[https://a.com{p[0]}{p[1]}]"),
    st.tuples(_word, _space).map(lambda p: f"[{p[0]}{p[1]}https://a.com]"),
    _word.map(lambda w: f"https://a.com/{w}"),
    _word.map(lambda w: f"#{w}"),
    _word.map(lambda w: f"`{w}`"),
    _space.map(lambda s: f"[{s}]"),
    _name.map(lambda w: f"[N35.6,E139.7,Z14 {w}]"),
)

_inline = st.lists(_inline_token, max_size=10).map("".join)
# The whole-line kinds only match at the start of a segment, so lines often start with one.
_line_start = st.sampled_from(["", "", "", "> ", ">", "? ", "1. ", "12. ", "1. 2. ", "$ ", "% "])
_indent = _string(_INDENT_CHARS, max_size=3)


@st.composite
def _line_rows(draw: st.DrawFn) -> list[str]:
    return [draw(_indent) + draw(_line_start) + draw(_inline)]


@st.composite
def _code_rows(draw: st.DrawFn) -> list[str]:
    indent = draw(_indent)
    rows = [f"{indent}code:{draw(_word)}"]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            rows.append("")  # a truly empty row ends the block
        elif kind == 1:
            rows.append(draw(_indent) + draw(_inline))  # maybe too shallow: ends the block
        else:
            deeper = indent + draw(_string(_INDENT_CHARS, 1, 3))
            rows.append(deeper + draw(_inline))
    return rows


@st.composite
def _table_rows(draw: st.DrawFn) -> list[str]:
    indent = draw(_indent)
    rows = [f"{indent}table:{draw(_word)}"]
    for _ in range(draw(st.integers(0, 4))):
        deeper = indent + draw(_string(_INDENT_CHARS, 1, 2))
        cells = draw(st.lists(_inline, max_size=4))
        rows.append(deeper + "\t".join(cells))
    return rows


@st.composite
def scrapbox_pages(draw: st.DrawFn) -> str:
    """A page made of real Scrapbox syntax: a title, lines, code blocks and tables."""
    rows: list[str] = [draw(st.one_of(_word, _inline))]
    for _ in range(draw(st.integers(0, 6))):
        rows.extend(draw(st.one_of(_line_rows(), _line_rows(), _code_rows(), _table_rows())))
    return draw(st.sampled_from(["\n", "\n", "\n", "\r\n"])).join(rows)


any_page = st.one_of(any_text, scrapbox_pages())

TRICKY = [
    "[[a]]]",
    "`[a`]",
    "[* [a] b]",
    "1. 2. > x",
    "x http://] y",
    "[[x.icon*0]]",
    "[$ x] and [$ y ]",
    "[ https://x.com]",
    "https://x.com/a]b",
    "[x.icon*3][[y.icon*2]]",
    "[* a [[b]] c]",
    "code:a\n x\n\n y",
    "table:t\n\t\ta\tb\n\t[x.icon*2]\t`y`",
    "> q\r",
    "\u3000\t #tag",
]


def _with_examples(**extra: object) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Pin the tricky inputs as explicit examples (with `extra` for the other arguments)."""

    def pin(test: Callable[..., None]) -> Callable[..., None]:
        for text in TRICKY:
            test = example(text=text, **extra)(test)
        return test

    return pin


# ---------------------------------------------------------------------------------------------
# An independent model of the row grouping (spec §2.4), to find each line's source text


def _indent_width(row: str) -> int:
    return len(row) - len(row.lstrip(JS_WHITESPACE))


def _group_rows(rows: list[str]) -> list[tuple[str, list[str]]]:
    """(kind, rows) per block, kind being "line", "codeBlock" or "table"."""
    groups: list[tuple[str, list[str]]] = []
    open_indent = -1  # indent of the open block's header, -1 when none is open
    for row in rows:
        width = _indent_width(row)
        if open_indent >= 0 and width > open_indent:
            groups[-1][1].append(row)
            continue
        open_indent = -1
        content = row[width:]
        if content.startswith("code:"):
            groups.append(("codeBlock", [row]))
            open_indent = width
        elif content.startswith("table:"):
            groups.append(("table", [row]))
            open_indent = width
        else:
            groups.append(("line", [row]))
    return groups


_ICON_REPEAT = re.compile(r"\*([0-9]+)\]{1,2}$")


def _joined_raw(nodes: list[dict[str, Any]]) -> str:
    """The top-level raws joined, each run of N icons from one `*N` counted once."""
    parts: list[str] = []
    index = 0
    while index < len(nodes):
        node = nodes[index]
        assert isinstance(node.get("type"), str), node
        raw = node["raw"]
        assert isinstance(raw, str), node
        step = 1
        if node["type"] in ("icon", "strongIcon"):
            repeat = _ICON_REPEAT.search(raw)
            if repeat is not None:
                step = int(repeat[1])
                assert step >= 1, node
                group = nodes[index : index + step]
                assert group == [node] * step, (node, group)
        parts.append(raw)
        index += step
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# The properties


@CHEAP
@given(text=any_text)
@_with_examples()
def test_reader_never_raises_on_any_text(text: str) -> None:
    for has_title in (True, False):
        document = read_scrapbox(text, has_title=has_title)
        assert isinstance(document, Document)
        assert (document.title is not None) == has_title
        # The reference-bugs mode must not raise either.
        read_scrapbox(text, has_title=has_title, reference_bugs=True)


@CHEAP
@given(text=any_text)
@_with_examples()
def test_write_read_round_trips_any_text(text: str) -> None:
    for has_title in (True, False):
        document = scrapconv.read(text, "scrapbox", has_title=has_title)
        assert scrapconv.write(document, "scrapbox") == text


@GRAMMAR
@given(text=scrapbox_pages())
@_with_examples()
def test_reader_never_raises_on_syntax(text: str) -> None:
    for has_title in (True, False):
        document = read_scrapbox(text, has_title=has_title)
        assert isinstance(document, Document)
        read_scrapbox(text, has_title=has_title, reference_bugs=True)


@GRAMMAR
@given(text=scrapbox_pages())
@_with_examples()
def test_write_read_round_trips_syntax(text: str) -> None:
    for has_title in (True, False):
        document = scrapconv.read(text, "scrapbox", has_title=has_title)
        assert scrapconv.write(document, "scrapbox") == text


@GRAMMAR
@given(text=any_page, has_title=st.booleans())
@_with_examples(has_title=False)
@example(text="[x.icon*3]", has_title=False)
def test_parser_json_raws_rebuild_each_line(text: str, has_title: bool) -> None:
    document = read_scrapbox(text, has_title=has_title)
    blocks = document_to_parser_json(document)
    json.dumps(blocks, ensure_ascii=False, allow_nan=False)

    rows = text.split("\n")
    if has_title:
        assert blocks[0] == {"type": "title", "text": rows[0]}
        blocks, rows = blocks[1:], rows[1:]
    groups = _group_rows(rows)
    assert [block["type"] for block in blocks] == [kind for kind, _ in groups]
    for block, (kind, group) in zip(blocks, groups, strict=True):
        header = group[0]
        width = _indent_width(header)
        assert block["indent"] == width
        if kind == "line":
            assert _joined_raw(block["nodes"]) == header[width:], (header, block)
        elif kind == "codeBlock":
            assert block["fileName"] == header[width + len("code:") :]
            assert block["content"] == "\n".join(row[width + 1 :] for row in group[1:])
        else:
            assert block["fileName"] == header[width + len("table:") :]
            body = [row[width + 1 :].split("\t") for row in group[1:]]
            assert len(block["cells"]) == len(body)
            for cells, texts in zip(block["cells"], body, strict=True):
                assert [_joined_raw(cell) for cell in cells] == texts


@CHEAP
@given(text=any_page, has_title=st.booleans())
@_with_examples(has_title=False)
@example(text="[x.icon*3]", has_title=False)
def test_ast_json_round_trips(text: str, has_title: bool) -> None:
    document = read_scrapbox(text, has_title=has_title)
    data = to_json(document)
    assert from_json(data) == document
    assert from_json(json.loads(json.dumps(data, allow_nan=False))) == document


# ---------------------------------------------------------------------------------------------
# Linear time

_UNITS = ["[", "[[", "`", "#", "[a]", "1. ", "[* ", "[https://a.com "]


def _best_read_time(line: str) -> tuple[float, Document]:
    best = float("inf")
    document: Document | None = None
    for _ in range(3):
        gc.collect()
        start = time.process_time()
        document = read_scrapbox(line, has_title=False)
        best = min(best, time.process_time() - start)
    assert document is not None
    return best, document


@pytest.mark.parametrize("unit", _UNITS)
def test_reading_a_long_line_takes_linear_time(unit: str) -> None:
    small = unit * (100_000 // len(unit))
    large = unit * (1_000_000 // len(unit))
    small_time, _ = _best_read_time(small)
    large_time, document = _best_read_time(large)
    ratio = large_time / max(small_time, 1e-9)
    assert ratio < 30, f"{unit!r}: 100 kB {small_time:.4f} s, 1 MB {large_time:.4f} s"
    assert write_scrapbox(document) == large
