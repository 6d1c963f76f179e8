"""Needless devices in the Markdown written for every corpus page (tests/devices.py): at most
one per 1,000 output lines, the project's target, in each flavor."""

from __future__ import annotations

import pytest

from .corpus import require_corpus
from .devices import measure, written_pages
from .judges import Flavor

# Needless devices allowed per 1,000 lines of output.
TARGET = 1.0


@pytest.mark.parametrize("flavor", ["obsidian", "markdown"])
def test_needless_devices_are_rare(flavor: Flavor, capsys: pytest.CaptureFixture[str]) -> None:
    require_corpus()
    result = measure(written_pages(flavor), flavor, examples=3)
    with capsys.disabled():
        print(
            f"\n{flavor}: {result.per_thousand_lines:.1f} needless devices per 1,000 output lines"
        )
    assert result.pages > 10_000
    assert result.per_thousand_lines <= TARGET, result.report()
