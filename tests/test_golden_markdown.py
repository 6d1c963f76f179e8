"""The Scrapbox → Markdown golden cases in fixtures/markdown/."""

from __future__ import annotations

import pytest

from scrapconv.markdown import write_markdown
from scrapconv.markdown.options import MarkdownOptions
from scrapconv.scrapbox.reader import read_scrapbox, scrapbox_text

from .fixtures import FixtureCase, all_cases

CASES = all_cases("markdown")
# Header options that take a value, and the writer option each one sets.
VALUE_OPTIONS = {"--project": "project", "--icons": "icons", "--compat": "compat"}


def _options(case: FixtureCase) -> dict[str, str]:
    options: dict[str, str] = {}
    words = iter(case.options)
    for word in words:
        if word in VALUE_OPTIONS:
            options[VALUE_OPTIONS[word]] = next(words)
        elif word not in ("--no-title", "--escaped", "--file"):
            raise ValueError(f"{case.id}: unknown option {word}")
    return options


def test_there_are_cases_for_both_flavors() -> None:
    assert {case.target for case in CASES} == {"obsidian", "markdown"}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_golden(case: FixtureCase, golden) -> None:  # type: ignore[no-untyped-def]
    assert case.source == "scrapbox"
    # `--file`: the input as read from a file (`scrapconv.convert` and the command).
    source = scrapbox_text(case.input) if case.has("--file") else case.input
    document = read_scrapbox(source, has_title=not case.has("--no-title"))
    options = MarkdownOptions(flavor=case.target, **_options(case))
    text, _ = write_markdown(document, options)
    if options.compat == "faithful" and text:
        # Every line ends with a newline; the cases leave out the last one.
        assert text.endswith("\n")
        text = text.removesuffix("\n")
    golden(case, text, equal=text == case.expected)
