from __future__ import annotations

from pathlib import Path

import pytest

from .fixtures import FixtureCase, rewrite_expected

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CORPUS = SHARED / "corpus"

_updates: dict[Path, list[tuple[FixtureCase, str]]] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the expected output of failing golden cases with the actual output",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Compare a case's output with its expected section, or record it for rewriting."""
    update = request.config.getoption("--update-golden")

    def check(case: FixtureCase, actual: str, *, equal: bool) -> None:
        if equal:
            return
        if update:
            _updates.setdefault(case.path, []).append((case, actual))
            return
        pytest.fail(f"{case.path.name}:{case.line} ({case.section}): output differs\n{actual}")

    return check


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _updates:
        rewrite_expected(_updates)
        _updates.clear()
