"""Markdown built to make the reader stall or raise: each shape that once did, read in time.

Every case is one finding: the text that took minutes (or raised), a bound of a few seconds
that it now meets with room to spare on a loaded machine, and what it reads as.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TypeVar
from unittest import mock

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mistune.inline_parser import InlineParser

import scrapconv
from scrapconv.ast import Decoration, Document, Html, Inline, Line, Property, Strong, Text
from scrapconv.markdown.inline_reader import InlineContext, _InlineParser, read_inline
from scrapconv.markdown.reader import read_markdown_with_diagnostics

Result = TypeVar("Result")
COMMAND = [sys.executable, "-c", "from scrapconv.cli import main; main()"]
# CPU seconds (the time this process ran, whatever else the machine runs): the fixed reader
# takes a tenth of this or less; the old one took minutes.
BOUND = 5.0


def timed(call: Callable[[], Result]) -> tuple[Result, float]:
    start = time.process_time()
    result = call()
    return result, time.process_time() - start


def only_line(document: Document) -> tuple[Inline, ...]:
    [line] = document.blocks
    assert isinstance(line, Line)
    return line.children


def texts(nodes: tuple[Inline, ...]) -> str:
    """The text of the nodes, markup left out."""
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            parts.append(node.text)
        elif isinstance(node, Decoration | Strong):
            parts.append(texts(node.children))
    return "".join(parts)


def depth(nodes: tuple[Inline, ...]) -> int:
    return max(
        (1 + depth(node.children) for node in nodes if isinstance(node, Decoration | Strong)),
        default=0,
    )


# --- emphasis --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "levels"),
    # Twenty levels, as mistune nests at most, the markers beyond staying text.
    [("*", 20), ("_", 20), ("**", 20), ("__", 20)],
)
def test_nested_emphasis_reads_in_time(marker: str, levels: int) -> None:
    # 100 kB: 114 s before (mistune's emphasis pass), and about N^2.5 beyond.
    count = 100_000 // (2 * len(marker) + 4)
    text = f"{marker}a " * count + "x" + f" b{marker}" * count
    document, seconds = timed(lambda: scrapconv.read(text, "obsidian"))
    assert seconds < BOUND
    children = only_line(document)
    assert depth(children) == levels
    assert texts(children).replace(marker, "") == "a " * count + "x" + " b" * count


# Fragments that make runs of `*` and `_` open, close, both or neither, next to other markup.
EMPHASIS_FRAGMENTS = ["*", "**", "***", "_", "__", "a", "b", " ", ".", "`", "[", "](u)", "\\"]
# mistune's pass leaves a run open when it is all that a pair holds (`_**_`), and may pair it
# later; CommonMark's algorithm, which ours follows, closes it with the pair.
_RUN_ALONE_IN_A_PAIR = re.compile(r"\*_+\*|_\*+_")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(EMPHASIS_FRAGMENTS), max_size=30).map("".join), st.booleans())
def test_emphasis_pairs_as_mistunes_own_pass(text: str, obsidian: bool) -> None:
    assume(_RUN_ALONE_IN_A_PAIR.search(text) is None)
    context = InlineContext(project="p", obsidian=obsidian)
    ours = read_inline(text, context)
    with mock.patch.object(_InlineParser, "finalize_tokens", InlineParser.finalize_tokens):
        mistunes = read_inline(text, context)
    # (mistune's pass does not tell `_x_` from `*x*`, nor `__x__` from `**x**`; ours keeps
    # them for the writer.)
    assert _without_delimiters(ours) == mistunes


def _without_delimiters(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
    return tuple(
        _strong_as_asterisks(node)
        if isinstance(node, Decoration) and "*" in node.marks
        else replace(node, children=_without_delimiters(node.children), delimiter="")
        if isinstance(node, Decoration)
        else replace(node, children=_without_delimiters(node.children))
        if isinstance(node, Strong)
        else node
        for node in nodes
    )


def _strong_as_asterisks(node: Decoration) -> Inline:
    """`__x__` (the `*` of the marks, the outer marks first) as the Strong of `**x**`."""
    outer, _, inner = node.marks.partition("*")
    children = _without_delimiters((Decoration(inner, node.children),) if inner else node.children)
    strong: Inline = Strong(children)
    return Decoration(outer, (strong,)) if outer else strong


def test_a_run_alone_in_a_pair_is_closed_with_it() -> None:
    # mistune's pass reads `*a`, strong(a), em(********), `**`: it leaves the 8-run open, tries
    # it as the opener of the last `**`, fails, and so leaves the first `*` unpaired.
    children = read_inline("*a**a**_********_**", InlineContext())
    assert children == (
        Decoration(
            "/",
            (Text("a"), Strong((Text("a"),)), Decoration("/", (Text("********"),), "_")),
        ),
        Text("*"),
    )


@pytest.mark.parametrize(
    ("unit", "size"),
    [
        # 280 s for 100 kB: each `__` looked for its closer to the end of the line.
        ("__a ", 100_000),
        ("__ a", 100_000),
        # 116 s for 300 kB: each `^[` looked for its `]` to the end of the line.
        ("^[", 300_000),
        ("[^", 300_000),
        # Each `~~` that cannot close (after punctuation, before a letter) is judged once.
        ("~~a。~~b ", 300_000),
    ],
)
def test_openers_without_closers_read_in_time(unit: str, size: int) -> None:
    # The `]` first keeps the reader from escaping every `[` of a line without `]`.
    text = "a ] " + unit * (size // len(unit))
    document, seconds = timed(lambda: scrapconv.read(text, "obsidian"))
    assert seconds < BOUND
    assert texts(only_line(document)) == text


def test_strong_underscore_and_footnotes_still_close() -> None:
    # (`__` after a backslash is one `_`, as CommonMark reads it: `_b_` in `_ c_`.)
    children = read_inline("__a__ x^[note] [^1] __b\\__ c__", InlineContext())
    assert children == (
        Decoration("*", (Text("a"),)),
        Text(" x"),
        Html("^[note]"),
        Text(" "),
        Html("[^1]"),
        Text(" "),
        Decoration("/", (Decoration("/", (Text("b_"),), "_"), Text(" c")), "_"),
        Text("_"),
    )


# --- character references --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("&copy 2020", "&copy 2020"),
        ("x &notes y", "x &notes y"),
        ("&copy; &amp; &#65; &#x42;", "© & A B"),
        # Windows-1252 would make this the euro sign; CommonMark gives the code point.
        ("&#128;", "\x80"),
        ("&#0;", "\ufffd"),
    ],
)
def test_character_references_decode_as_commonmark(markdown: str, text: str) -> None:
    assert only_line(scrapconv.read(markdown, "obsidian")) == (Text(text),)


# --- lists -----------------------------------------------------------------------------------


def test_a_row_of_list_markers_reads_in_time() -> None:
    # 1 MB of `- ` took 7.8 s: the row was cut after each marker.
    count = 500_000
    document, seconds = timed(lambda: scrapconv.read("- " * count + "x", "markdown"))
    assert seconds < BOUND
    [line] = document.blocks
    assert isinstance(line, Line)
    assert (len(line.indent), line.children) == (count, (Text("x"),))


def test_a_deeply_indented_scrapbox_line_comes_back_in_time() -> None:
    # 25 s for 1 MB of indentation: the writer's `- - - … x` read back.
    page = "title\n" + " " * 1_000_000 + "x"

    def round_trip() -> str:
        markdown = scrapconv.convert(page, "scrapbox", "obsidian").text
        return scrapconv.convert(markdown, "obsidian", "scrapbox").text

    back, seconds = timed(round_trip)
    assert seconds < BOUND
    assert back == page


# --- front matter ----------------------------------------------------------------------------


def alias_bomb(levels: int) -> str:
    """Front matter whose every level holds nine aliases to the level before: 9**levels
    values once expanded, from a few hundred bytes."""
    rows = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    rows += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "---\n" + "\n".join(rows) + "\n---\nbody\n"


def test_an_alias_bomb_is_kept_as_written() -> None:
    # 349 bytes took 17.8 s and 772 MB; each level nine times more.
    text = alias_bomb(9)
    result, seconds = timed(lambda: scrapconv.convert(text, "obsidian", "obsidian"))
    assert seconds < BOUND
    assert result.text == text
    assert [(d.code, d.line) for d in result.diagnostics] == [("front-matter", 1)]
    assert "aliases" in result.diagnostics[0].message
    document = scrapconv.read(text, "obsidian")
    assert (document.title, document.meta) == (None, ())
    assert document.front_matter == text.removesuffix("body\n")
    assert document.blocks == (Line("", (Text("body"),), 12),)


@pytest.mark.parametrize(
    "yaml",
    [
        "a: &a [*a]",
        "a: &a {b: *a}",
        "a: &a [[[*a]]]",
        "a: 2020-13-45",
        "a: !!timestamp x",
        "a: !!int x",
        "a: 0x" + "f" * 5000,
        "title: 0x" + "f" * 5000,
        "a: \ud800",
        "a: " + "[" * 150 + "]" * 150,
    ],
)
def test_front_matter_that_cannot_be_read_is_kept_as_written(yaml: str) -> None:
    # A recursive alias raised RecursionError, other values ValueError or AttributeError.
    text = f"---\n{yaml}\n---\nbody\n"
    document = scrapconv.read(text, "obsidian")
    assert (document.title, document.meta) == (None, ())
    assert document.front_matter == f"---\n{yaml}\n---\n"
    assert scrapconv.convert(text, "obsidian", "obsidian").text == text
    result = scrapconv.convert(text, "obsidian", "scrapbox")
    assert [diagnostic.code for diagnostic in result.diagnostics] == ["front-matter"]
    # The YAML in a code block under the first line, which is the page's title.
    assert result.text.split("\n") == ["body", "code:front-matter.yaml", f" {yaml}"]


def test_a_few_aliases_are_expanded() -> None:
    text = "---\ntitle: T\nbase: &base [x, y]\ntags: *base\n---\nbody\n"
    result = scrapconv.convert(text, "obsidian", "obsidian")
    assert result.diagnostics == ()
    document = scrapconv.read(text, "obsidian")
    assert document.title == "T"
    assert document.meta == (Property("base", ("x", "y")), Property("tags", ("x", "y")))


def test_an_alias_bomb_does_not_stop_a_vault_import(tmp_path: Path) -> None:
    # One such note aborted `convert VAULT -o FILE.json` with a traceback.
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "bomb.md").write_text(alias_bomb(9), encoding="utf-8")
    (vault / "self.md").write_text("---\na: &a [*a]\n---\ntext\n", encoding="utf-8")
    (vault / "plain.md").write_text("plain\n", encoding="utf-8")
    output = tmp_path / "import.json"
    result = subprocess.run(
        [*COMMAND, "convert", str(vault), "-o", str(output), "--to", "scrapbox"],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert result.stderr.decode().splitlines()[-1].startswith("3 notes, 3 pages")


# --- any text, in bounded time ---------------------------------------------------------------

# Each example is a few hundred characters at most, read in milliseconds: a reading that takes
# seconds is a stall.
BOUNDED = settings(max_examples=300, deadline=timedelta(seconds=2))
FLAVORS = ["obsidian", "markdown"]
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
MARKUP = ["*", "**", "_", "__", "~~", "==", "[", "[[", "]", "]]", "](", "`", "<", "> ", "- ", "1. "]
MARKUP += ["^[", "[^", "&copy", "&#0;", "&amp;", "\\", "#", "|", "\n", "    ", "\t", "---\n"]
YAML = ["title", "a", "b", ": ", "- ", "[", "]", "{", "}", ", ", "? ", "\n", "\n  ", "  - "]
YAML += ["&x ", "*x", "&y ", "*y", "&x [*x]", "!!str ", "!!int ", "!!timestamp ", "!!binary "]
YAML += ["2020-13-45", "0x1f", "1e400", "yes", "~", "'", '"', "|", ">", "#", "%", "@", "`"]

hostile_text = st.lists(
    st.one_of(st.text(max_size=4), st.sampled_from(MARKUP + LONE_SURROGATES)), max_size=40
).map("".join)
front_matter = st.lists(
    st.one_of(st.text(max_size=3), st.sampled_from(YAML + LONE_SURROGATES)), max_size=40
).map(lambda pieces: "---\n" + "".join(pieces) + "\n---\n")


@BOUNDED
@given(st.one_of(st.just(""), front_matter), hostile_text, st.sampled_from(FLAVORS))
def test_the_markdown_reader_reads_any_text_in_time(front: str, body: str, flavor: str) -> None:
    text = front + body
    document = scrapconv.read(text, flavor)  # type: ignore[arg-type]
    assert isinstance(document, Document)
    unread = read_markdown_with_diagnostics(text, flavor)[1]  # type: ignore[arg-type]
    assert all(diagnostic.code == "front-matter" for diagnostic in unread)


@BOUNDED
@given(hostile_text, st.booleans())
def test_the_scrapbox_reader_reads_any_text_in_time(text: str, has_title: bool) -> None:
    assert isinstance(scrapconv.read(text, "scrapbox", has_title=has_title), Document)
