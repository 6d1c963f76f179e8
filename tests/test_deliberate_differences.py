"""The deliberate differences from the reference parser, listed in
docs/deliberate-differences.md, pinned by two fixture files that pair up."""

from __future__ import annotations

import json

from scrapconv.scrapbox.parser_json import document_to_parser_json
from scrapconv.scrapbox.reader import read_scrapbox
from scrapconv.scrapbox.writer import write_scrapbox

from .fixtures import FIXTURES, FixtureCase, read_cases

REFERENCE = read_cases(FIXTURES / "scrapbox" / "reference-bugs.md")
DIFFERENCES = read_cases(FIXTURES / "scrapbox" / "deliberate-differences.md")


def _key(case: FixtureCase) -> tuple[str, bool]:
    return case.input, case.has("--no-title")


def _default_json(case: FixtureCase) -> object:
    document = read_scrapbox(case.input, has_title=not case.has("--no-title"))
    return document_to_parser_json(document)


def test_every_reference_case_reproduces_a_bug() -> None:
    assert len(REFERENCE) >= 15
    assert all(case.has("--reference-bugs") for case in REFERENCE)
    assert not any(case.has("--reference-bugs") for case in DIFFERENCES)


def test_every_difference_has_its_reference_twin_and_differs_from_it() -> None:
    reference = {_key(case): case for case in REFERENCE}
    for case in DIFFERENCES:
        twin = reference.get(_key(case))
        assert twin is not None, f"{case.id}: no case with this input in reference-bugs.md"
        assert json.loads(case.expected) != json.loads(twin.expected), case.id


def test_each_of_the_five_differences_is_pinned() -> None:
    sections = {case.section.split(":")[0] for case in DIFFERENCES}
    assert sections == {"bug 1", "bug 2", "bug 3", "bug 4", "bug 5"}


def test_reference_cases_not_listed_as_differences_read_the_same() -> None:
    listed = {_key(case) for case in DIFFERENCES}
    for case in REFERENCE:
        if _key(case) not in listed:
            assert _default_json(case) == json.loads(case.expected), case.id


def test_both_modes_keep_every_character() -> None:
    for case in REFERENCE:
        has_title = not case.has("--no-title")
        for reference_bugs in (False, True):
            document = read_scrapbox(case.input, has_title=has_title, reference_bugs=reference_bugs)
            assert write_scrapbox(document) == case.input, case.id
