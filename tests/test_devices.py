"""The device finder of tests/devices.py: what counts as a device, what is skipped, and which
devices are needless."""

from __future__ import annotations

import pytest

from .devices import Device, Page, is_needless, measure, needless_devices
from .judges import Flavor

FLAVORS: tuple[Flavor, ...] = ("obsidian", "markdown")


def _found(markdown: str) -> list[tuple[str, str, str]]:
    """(kind, text, replacement) of each device of `markdown`."""
    page = Page(markdown)
    return [(d.kind, markdown[d.start : d.end], d.replacement) for d in page.devices]


@pytest.mark.parametrize(
    ("markdown", "devices"),
    [
        ("a \\* b\n", [("backslash", "\\*", "*")]),
        ("a \\\\ b\n", [("backslash", "\\\\", "\\")]),
        # A hard break, and a backslash before a letter: no devices.
        ("a\\\nb \\a\n", []),
        ("&amp; &lt;\n", [("reference", "&amp;", "&"), ("reference", "&lt;", "<")]),
        ("&#x41;&#65;\n", [("reference", "&#x41;", "A"), ("reference", "&#65;", "A")]),
        # A space or a no-break space as a reference: a plain space.
        ("&nbsp;&#32;&#xA0;\n", [("reference", r, " ") for r in ("&nbsp;", "&#32;", "&#xA0;")]),
        ("a&#8203;b\n", [("zero-width", "&#8203;", "")]),
        ("&nosuch; & b\n", []),
        ("<img src='x'/><!---->\n", [("comment", "<!---->", "")]),
        ("a <!-- note --> b\n", []),
        ("[a](<http://x.org/a_b>)\n", [("angle-url", "<http://x.org/a_b>", "http://x.org/a_b")]),
        (
            "[a](<http://x.org/\\(>)\n",
            [("angle-url", "<http://x.org/\\(>", "http://x.org/\\("), ("backslash", "\\(", "(")],
        ),
        # (`](<` is taken for a link's end even where no link opened: that device is then
        # needed, as the text changes without it.)
        ("\\[a](<x>)\n", [("backslash", "\\[", "["), ("angle-url", "<x>", "x")]),
    ],
)
def test_devices_found(markdown: str, devices: list[tuple[str, str, str]]) -> None:
    assert _found(markdown) == devices


@pytest.mark.parametrize(
    "markdown",
    [
        # Front matter, code blocks, code spans, formulas, raw HTML, autolinks.
        "---\ntitle: a\\*b &amp;\n---\ntext\n",
        "```py\na\\*b &amp;\n```\n",
        "- x\n\n      a\\*b &amp;\n",
        "a `\\* &amp;` b\n",
        "a ``x ` \\*`` b\n",
        "a $\\{x\\}$ b\n",
        "<img src='a&amp;b' alt=\"\\*\"/> x\n",
        "<http://x.org/\\*&amp;> x\n",
    ],
)
def test_what_is_no_markdown_text_has_no_devices(markdown: str) -> None:
    assert _found(markdown) == []


def test_devices_know_their_lines() -> None:
    page = Page("---\ntitle: t\n---\na\n- b \\*\n")
    assert [device.line for device in page.devices] == [4]
    assert page.line_text(4) == "- b \\*"


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(
    ("markdown", "needless"),
    [
        ("a \\! b\n", True),
        ("\\*a*\n", False),
        ("a \\* b\n", True),
        ("a&nbsp;b\n", False),
        ("a&amp;b\n", True),
        ("a&#8203;b\n", True),
        # The empty comment keeps the next line out of the HTML block the tag starts.
        ("<img src='x'/><!---->\n- a\n", False),
        ("a <img src='x'/><!----> b\n", True),
        ("[a](<http://x.org>)\n", True),
        ("[a](<http://x.org/a b>)\n", False),
        # Without the backslash, a fence would take in what follows.
        ("x\n\n\\```\n\ny\n", False),
        ("- a\n- \\- b\n", False),
    ],
)
def test_needless(markdown: str, needless: bool, flavor: Flavor) -> None:
    page = Page(markdown)
    assert len(page.devices) == 1
    assert is_needless(page, page.devices[0], flavor) is needless


@pytest.mark.parametrize(
    ("markdown", "flavor", "needless"),
    [
        ("a \\#tag\n", "obsidian", False),
        ("a \\#tag\n", "markdown", True),
        ("a \\==b==\n", "obsidian", False),
        ("a \\==b==\n", "markdown", True),
        ("a \\[[b]]\n", "obsidian", False),
        ("a \\[[b]]\n", "markdown", True),
        ("a \\~~b~~\n", "markdown", False),
        ("a \\$b$\n", "obsidian", False),
    ],
)
def test_needless_by_flavor(markdown: str, flavor: Flavor, needless: bool) -> None:
    page = Page(markdown)
    assert is_needless(page, page.devices[0], flavor) is needless


def test_a_change_that_reaches_the_next_block_is_seen() -> None:
    # The list item is rendered with the blocks around it: a `-` that would join the
    # paragraph below to the list shows there.
    markdown = "a\n\n- b\n- c \\<div>\n\nd\n\ne\n"
    page = Page(markdown)
    (device,) = page.devices
    assert page.window(device.line) == (markdown.index("- b"), markdown.index("\n\ne"))
    assert not is_needless(page, device, "obsidian")


def test_a_page_with_link_definitions_is_rendered_whole() -> None:
    markdown = "[x]: /url\n\na\n\nb \\[x]\n\nc\n"
    page = Page(markdown)
    (device,) = page.devices
    assert page.window(device.line) == (0, len(markdown))
    assert not is_needless(page, device, "markdown")


def test_needless_devices() -> None:
    devices = needless_devices("a \\! \\*b*\n", "obsidian")
    assert devices == [Device("backslash", 2, 4, "!", 0)]


def test_measure() -> None:
    result = measure(
        [("p", "---\ntitle: p\n---\na \\! &amp;\n\\*b*\n"), ("q", "`\\*`\n")],
        "obsidian",
        examples=1,
    )
    assert (result.pages, result.lines) == (2, 6)
    assert result.devices == {"backslash": 2, "reference": 1}
    assert result.needless == {"backslash": 1, "reference": 1}
    assert result.per_thousand_lines == pytest.approx(1000 * 2 / 6)
    assert result.examples["backslash"] == [("p", "a ⟦\\!⟧ &amp;")]
    report = result.report()
    assert "2 pages, 6 output lines, 3 devices, 2 needless" in report
    assert "needless reference in 'p': a \\! ⟦&amp;⟧" in report


def test_devices_of_a_long_repeated_line_are_judged_once_per_surroundings() -> None:
    # 6,000 icons as images on one line, each with an escaped `*` in its alternative text,
    # and an escape that is needed at the end.
    markdown = "- " + "![a\\*](u)" * 6000 + " \\*b*\n"
    page = Page(markdown)
    verdicts = [is_needless(page, device, "markdown") for device in page.devices]
    assert verdicts == [True] * 6000 + [False]
    # Those within 2,000 characters of the window's edges are judged each on its own.
    assert len(page.verdicts) < 500
