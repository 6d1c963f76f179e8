"""Scrapbox → Markdown → Scrapbox changes text only where a diagnostic says so (hypothesis).

A page comes back when Cosense shows it as the source (`differences` of
test_corpus_roundtrip.py: link order, indentation as spaces, control characters); every source
line that does not come back must be one the conversion named in a diagnostic (for a line
inserted, one of the two lines around it). Each example is
a page of a few hundred characters, converted in milliseconds: one that takes seconds is a
stall, and fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scrapconv.markdown import write_markdown
from scrapconv.markdown.options import MarkdownOptions
from scrapconv.markdown.reader import read_markdown_with_diagnostics
from scrapconv.scrapbox.reader import read_scrapbox
from scrapconv.scrapbox.writer import write_scrapbox

from .test_corpus_roundtrip import differences
from .test_properties import any_page, scrapbox_pages

PROJECT = "p"
BOUNDED = settings(
    max_examples=1500,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)
FLAVORS = st.sampled_from(["obsidian", "markdown"])


def unannounced_changes(page: str, flavor: str) -> tuple[list[int], str, str]:
    """Source lines (1-based, the title is line 1) that change in the round trip without a
    diagnostic naming them, the Markdown written and the page read back."""
    options = MarkdownOptions(flavor=flavor, project=PROJECT)  # type: ignore[arg-type]
    markdown, diagnostics = write_markdown(read_scrapbox(page), options)
    document, unread = read_markdown_with_diagnostics(markdown, flavor, project=PROJECT)  # type: ignore[arg-type]
    back = write_scrapbox(document)
    # The writer names source lines. The reader names Markdown lines, which map to no source
    # line: anything it reports on the writer's own Markdown is itself a failure.
    assert not unread, (page, markdown, unread)
    announced = frozenset(diagnostic.line for diagnostic in diagnostics)
    unannounced = [lines for lines in differences(page, back, announced) if not lines & announced]
    return sorted(min(lines) for lines in unannounced), markdown, back


# Pages the round trip once changed unannounced (fixtures/markdown/round-trip.md).
FOUND = [
    "\n? [0  http://0][http://0 0]\r",
    "t\n[.icon]",
    "t\n[/.icon*2] [/p/.icon]",
    "\n   ",
    "\n\r",
    "t\n[\u3000][\u3000] [\xa0]",
    "t\n[/ ] [/a ]",
    "t\ncode:]\r\ncode: \n\ttable:\n\t",
    "t\n \ttable:\n \t\t",
    "t\ntable::\n \ntable:http://a\n ",
    "t\ntable::\n\u3000\t\t\n\t\u3000\t \n\t\u3000",
    "t\n[/* .] [/ \u3000] [/  ]",
    "t\nhttp://[http://y.png] http://x_[_ (http://x.com/a)",
    "t\n[[0]][* n] a[[b]][* c]",
    "t\ntable:a\n a\n \x01\tb",
    "\ntable:\n\n",
    "\n% `",
    "\nhttp://0\r",
    "\n>[ ]\n [ ]\n 1. [ ]",
    "\n[-.icon]\n [[hr.icon]]",
    "\n \n\x08\n",
    "\ntable:#/\n ",
    "\ntable:.\n \n \t",
    "\ntable:.\n \n \t0\n  ",
    "\n   table::\n    \n   table:",
    "\n0\ntable:\n ",
    "\n*\r* _\r_",
    "\nhttp://0[[:]]",
    "\n0. 0. http://0[\r]",
    "\n>[http://0 http://0.gyazo.com/00000000000000000000000000000000]",
    "\n[http://0 /.] [http://0 * a]",
    "\n\x80*:*",
    "\n 0*[*",
    "\ntable::\n \n0\ntable:\n ",
    "\ntable:0\ntable:\n ",
    "\n? 0\ntable:\n ",
    "\n0__0__ __a__b",
    "\ntable:\n \r\n\r\n 0\t\t\t\n    \r\n    ",
    "\n[http://0  ]]",
    "\nhttp://\x85",
]


def _found(test: Callable[..., None]) -> Callable[..., None]:
    for page in FOUND:
        for flavor in ("obsidian", "markdown"):
            test = example(page=page, flavor=flavor)(test)
    return test


@BOUNDED
@given(page=st.one_of(any_page, scrapbox_pages()), flavor=FLAVORS)
@_found
def test_round_trip_changes_only_what_a_diagnostic_names(page: str, flavor: str) -> None:
    lines, markdown, back = unannounced_changes(page, flavor)
    assert not lines, f"lines {lines} changed unannounced\n{page!r}\n{markdown!r}\n{back!r}"
