"""The Scrapbox golden cases in fixtures/scrapbox/.

Expected outputs are the reference parser's JSON (and, in deliberate-differences.md,
scrapconv's where it keeps text the reference parser loses).
"""

from __future__ import annotations

import json

import pytest

import scrapconv
from scrapconv.scrapbox.parser_json import document_to_parser_json
from scrapconv.scrapbox.reader import read_scrapbox

from .fixtures import FixtureCase, all_cases

CASES = all_cases("scrapbox")


def _parse(case: FixtureCase) -> list[dict[str, object]]:
    document = read_scrapbox(
        case.input,
        has_title=not case.has("--no-title"),
        reference_bugs=case.has("--reference-bugs"),
    )
    return document_to_parser_json(document)


def test_there_are_enough_cases() -> None:
    spec_examples = [case for case in CASES if case.path.name == "spec-examples.md"]
    assert len(spec_examples) == 71
    assert len(CASES) - len(spec_examples) >= 150


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_golden(case: FixtureCase, golden) -> None:  # type: ignore[no-untyped-def]
    assert (case.source, case.target) == ("scrapbox", "parser-json")
    actual = _parse(case)
    expected = json.loads(case.expected)
    golden(
        case,
        json.dumps(actual, ensure_ascii=False, indent=2),
        equal=actual == expected,
    )


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c.has("--reference-bugs")], ids=lambda case: case.id
)
def test_golden_inputs_round_trip(case: FixtureCase) -> None:
    has_title = not case.has("--no-title")
    document = scrapconv.read(case.input, "scrapbox", has_title=has_title)
    assert scrapconv.write(document, "scrapbox") == case.input
