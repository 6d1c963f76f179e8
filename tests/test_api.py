"""The public API: read, write, convert."""

from __future__ import annotations

import pytest

import scrapconv


def test_convert_returns_the_text_and_the_diagnostics() -> None:
    result = scrapconv.convert("T\n#2019", "scrapbox", "obsidian")
    assert isinstance(result, scrapconv.Conversion)
    assert result.text == "---\ntitle: T\n---\n[[2019|#2019]]\n"
    assert [(d.code, d.line) for d in result.diagnostics] == [("tag", 2)]


def test_large_images_and_icons_are_reported() -> None:
    result = scrapconv.convert(
        "T\n[[https://a.com/b.png]] [[me.icon]]", "scrapbox", "obsidian", project="p"
    )
    assert [(d.code, d.line) for d in result.diagnostics] == [("image-size", 2), ("icon-size", 2)]
    assert "![](https://a.com/b.png)" in result.text


def test_write_takes_the_same_options() -> None:
    document = scrapconv.read("T\n[* a]", "scrapbox")
    assert scrapconv.write(document, "markdown", headings=(1,)).endswith("\n# a\n")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: scrapconv.read("x", "html"), "cannot read 'html'"),  # type: ignore[arg-type]
        (lambda: scrapconv.convert("x", "scrapbox", "html"), "unknown format"),  # type: ignore[arg-type]
        (lambda: scrapconv.convert("x", "scrapbox", "obsidian", headings=()), "1 to 6"),
        (lambda: scrapconv.convert("x", "scrapbox", "obsidian", headings=(0,)), "1 to 6"),
    ],
)
def test_bad_arguments_raise_value_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()


def test_the_scrapbox_writer_takes_no_options() -> None:
    with pytest.raises(TypeError, match="no options"):
        scrapconv.convert("x", "scrapbox", "scrapbox", project="p")
