"""The Markdown → Scrapbox golden cases in fixtures/from-markdown/, and the Obsidian →
Obsidian ones of forms.md.

lacking.md shows the rules for what Scrapbox has no form for.
"""

from __future__ import annotations

import pytest

import scrapconv

from .fixtures import FixtureCase, all_cases

CASES = all_cases("from-markdown")
# Header options that take a value, and the convert option each one sets.
VALUE_OPTIONS = {"--project": "project", "--compat": "compat", "--asset-url": "asset_url"}
DEFAULT_PROJECT = "p"


def _options(case: FixtureCase) -> dict[str, str]:
    options = {"project": DEFAULT_PROJECT}
    words = iter(case.options)
    for word in words:
        if word in VALUE_OPTIONS:
            options[VALUE_OPTIONS[word]] = next(words)
        elif word != "--escaped":
            raise ValueError(f"{case.id}: unknown option {word}")
    return options


def test_there_are_cases_for_both_flavors_and_every_file() -> None:
    assert {case.source for case in CASES} == {"obsidian", "markdown"}
    assert {case.target for case in CASES} == {"scrapbox", "obsidian"}
    names = {case.path.name for case in CASES}
    assert {"lacking.md", "forms.md"} <= names
    assert len(CASES) >= 80


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_golden(case: FixtureCase, golden) -> None:  # type: ignore[no-untyped-def]
    assert case.target == "scrapbox" or case.source == case.target == "obsidian"
    text = scrapconv.convert(case.input, case.source, case.target, **_options(case)).text
    if case.target == "obsidian":
        # A Markdown file ends with a newline, which a case leaves out, as its input does.
        assert text.endswith("\n")
        text = text.removesuffix("\n")
    golden(case, text, equal=text == case.expected)
