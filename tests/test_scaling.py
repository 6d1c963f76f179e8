"""Every reader is linear on any input: each pathological shape read at 100 kB and at 1 MB.

A shape is a unit repeated (a marker that opens or closes something, nested or not); a reader
that rescans for each unit takes about 100 times longer on ten times the text, a linear one
about 10 times. The test allows 15, and absolute bounds generous enough for a loaded machine
but not for a stall. Both sizes are read in one process, the collector paused and emptied
before each timing (its passes grow with the objects alive, not with the text's shape), and
timed in the process's CPU time, which does not count the time it waits for a core; a short
reading is timed more than once, and a ratio over the bound is measured once more before it
fails, so that one burst of load elsewhere does not fail the test. With `-s` the test prints
each ratio.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

import scrapconv
from scrapconv.project import ExportError, scan_export

SMALL = 100_000
LARGE = 1_000_000
RATIO = 15.0
# Seconds for 1 MB; the slowest shape takes about 3 on an idle machine.
LARGE_BOUND = 30.0


# Text between the markers: a reader's time grows with the number of markers, so words keep
# a megabyte quick to read without making any shape less hostile.
WORD = "word "


def nested(opening: str, closing: str | None = None) -> Callable[[int], str]:
    """`*word *word … x word* word*`: each opener closed at the other end of the line."""
    closing = opening if closing is None else closing

    def make(size: int) -> str:
        count = size // (len(opening) + len(closing) + 2 * len(WORD))
        return f"{opening}{WORD}" * count + "x" + f" {WORD.strip()}{closing}" * count

    return make


def repeated(unit: str, before: str = "a ", after: str = "") -> Callable[[int], str]:
    """`before`, `unit` repeated, then `after`; `a ` keeps a line from being a block marker."""

    def make(size: int) -> str:
        return before + unit * ((size - len(before) - len(after)) // len(unit)) + after

    return make


SHAPES: dict[str, Callable[[int], str]] = {
    "emphasis *": nested("*"),
    "emphasis _": nested("_"),
    "strong **": nested("**"),
    "strong __": nested("__"),
    "strikethrough ~~": nested("~~"),
    "highlight ==": nested("=="),
    "list markers": repeated("- ", before=""),
    "quote markers": repeated("> ", before=""),
    # After a `]`, so that the reader does not take the line for one without links.
    "brackets [": repeated("[" + WORD, before="a ] "),
    "wikilinks [[": repeated("[[" + WORD, before="a ]] "),
    "links": repeated(f"[{WORD}](b) "),
    "unclosed links": repeated(f"[{WORD}]("),
    "backticks": repeated("`" + WORD),
    "angle brackets <": repeated("<" + WORD),
    "strong openers __": repeated("__" + WORD),
    "footnotes ^[": repeated("^[" + WORD, before="a ] "),
    "deep indentation": repeated(" ", before=""),
}

GYAZO = "https://gyazo.com/" + "0123456789abcdef" * 2
# Scrapbox brackets opened and never closed: after a closer (so that the line does not lack
# the closer a rule needs), or before one that ends none of them. No rule may look for its
# closer from every opener to the end of the line, or to the closer.
SCRAPBOX_SHAPES: dict[str, Callable[[int], str]] = {
    "decorations [*": repeated("[* " + WORD, before="a ] "),
    "a decoration [* never closed": repeated(WORD, before="a ] [* "),
    "a formula [$ never closed": repeated(WORD, before="a ] [$ "),
    "formulas [$": repeated("[$ " + WORD, before="a ] "),
    "coordinates [N35,E139": repeated("[N35,E139 ", before="a ] "),
    "places [x N35,E139": repeated(f"[{WORD}N35,E139 ", before="a ] "),
    "URL links [https://": repeated(f"[https://a.com {WORD}", before="a ] "),
    "URLs [https://": repeated("[https://a.com/x", before="a ] "),
    "image URLs [https://": repeated(f"[https://a.com/x.png {WORD}", before="a ] "),
    "Gyazo links [https://": repeated(f"[https://a.com {GYAZO} ", before="a ] "),
    "strong images [[https://": repeated("[[https://a.com/x.png ", before="a ]] "),
    "coordinates [N35,E139 before ]": repeated("[N35,E139 ", after="]"),
    "places [x N35,E139 before ]": repeated(f"[{WORD}N35,E139 ", after="]"),
    "URL links [https:// before ]": repeated(f"[https://a.com {WORD}", after="]"),
    "wikilinks [[ before a line break and ]]": repeated("[[" + WORD, after="\r]]"),
    # A code span before each `>`: the quote rule, tried at each, cannot end at the line break.
    "quotes before a line break": repeated("`x`>" + WORD, after="\r"),
    # One decoration or formula the length of the line: its body is read once, not with a
    # state kept for each character.
    "a decoration [* …]": repeated(WORD, before="[* ", after="]"),
    "a decoration [** …]": repeated(WORD, before="[** ", after="]"),
    "a decoration [/ …]": repeated(WORD, before="[/ ", after="]"),
    "a decoration [- …]": repeated(WORD, before="[- ", after="]"),
    "a decoration [* … [x] …]": repeated(WORD + "[x] ", before="[* ", after="]"),
    "a formula [$ … ]": repeated("x ", before="[$ ", after=" ]"),
    "a formula [$ … [x] … ]": repeated("x [x] ", before="[$ ", after=" ]"),
}


def pages(size: int) -> str:
    """An export of many small pages, each of its own title."""
    units = [
        f'{{"title": "t{number}", "updated": 1, "lines": ["{WORD}"]}}'
        for number in range(size // 48)
    ]
    return '{"pages": [' + ", ".join(units) + "]}"


# Exports the scanner reads (`scan_export`), or refuses late, after a long run of what it reads,
# so that `read_export` reads them again.
EXPORT_SHAPES: dict[str, Callable[[int], str]] = {
    "pages": pages,
    "lines": repeated(f'"{WORD}", ', before='{"pages": [{"title": "t", "lines": [', after='""]}]}'),
    "lines, the last one broken": repeated(
        f'"{WORD}", ', before='{"pages": [{"title": "t", "lines": [', after='"\\x"]}]}'
    ),
    "escapes in a line": repeated("\\\"", before='{"pages": [{"title": "t", "lines": ["',
                                  after='"]}]}'),
    "escapes in a title, then a line break": repeated(
        "\\t", before='{"pages": [{"title": "', after='\\n", "lines": []}]}'
    ),
    "members": repeated('"k": 1, ', before='{"pages": [{"title": "t", ', after='"lines": []}]}'),
    "members after the pages": repeated(
        ', "k": 1', before='{"pages": [{"title": "t", "lines": []}]', after="}"
    ),
    "lists in a member": repeated("[", before='{"pages": [{"title": "t", "x": '),
}  # fmt: skip


def scanned(text: str) -> object:
    try:
        return scan_export(text.encode("utf-8"), "export.json")
    except ExportError as error:
        return error


def timed(read: Callable[[str], object], text: str) -> float:
    """The shortest of the readings made in a twentieth of a second (one, if it takes
    longer): a reading of a millisecond or two is timed more than once."""
    best = spent = 0.0
    while spent < 0.05:
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            read(text)
            seconds = time.process_time() - start
        finally:
            gc.enable()
        best = seconds if not spent else min(best, seconds)
        spent += seconds
    return best


def growth(read: Callable[[str], object], make: Callable[[int], str]) -> tuple[float, float]:
    """t(1 MB) / t(100 kB), and t(1 MB)."""
    small, large = make(SMALL), make(LARGE)
    small_time = timed(read, small)
    large_time = timed(read, large)
    return large_time / small_time, large_time


READERS: dict[str, Callable[[str], object]] = {
    "obsidian": lambda text: scrapconv.read(text, "obsidian"),
    "markdown": lambda text: scrapconv.read(text, "markdown"),
    # The first line is the title, which the reader takes as it is.
    "scrapbox": lambda text: scrapconv.read("title\n" + text, "scrapbox"),
    "export": scanned,
}


CASES = (
    [(reader, shape) for reader in READERS if reader != "export" for shape in SHAPES]
    + [("scrapbox", shape) for shape in SCRAPBOX_SHAPES]
    + [("export", shape) for shape in EXPORT_SHAPES]
)


@pytest.mark.parametrize(("reader", "shape"), CASES)
def test_reading_time_grows_linearly(reader: str, shape: str) -> None:
    shapes = EXPORT_SHAPES if reader == "export" else SHAPES | SCRAPBOX_SHAPES
    read, make = READERS[reader], shapes[shape]
    read(make(1_000))  # the parser built, the patterns compiled
    ratio, large_time = growth(read, make)
    if ratio > RATIO:
        ratio, large_time = growth(read, make)
    print(f"{reader}, {shape}: {ratio:.1f} times longer, {large_time:.3f} s for 1 MB")
    assert large_time < LARGE_BOUND, f"{large_time:.2f} s for 1 MB"
    assert ratio <= RATIO, f"{ratio:.1f} times longer for 10 times the text"
