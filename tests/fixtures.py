"""Golden fixture files: many cases per Markdown file.

A case is a fenced block whose opening fence (32 backticks) carries a header,
`SOURCE -> TARGET [--option ...]`; inside, the input, a line holding only `.`, and the
expected output. With `--escaped` the input is one JSON string literal (for CR, tabs,
trailing spaces and other characters a text editor would not keep). A paragraph line right
before the fence describes the case; `## ` headings name sections.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

FENCE = "`" * 32
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass(frozen=True, slots=True)
class FixtureCase:
    path: Path
    line: int  # 1-based line of the opening fence
    section: str
    description: str
    source: str
    target: str
    options: tuple[str, ...]
    input: str
    expected: str
    # 0-based line numbers of the first expected line and of the closing fence.
    expected_start: int
    expected_end: int

    @property
    def id(self) -> str:
        return f"{self.path.stem}:{self.line}:{self.section}"

    def has(self, option: str) -> bool:
        return option in self.options


class FixtureError(ValueError):
    pass


def read_cases(path: Path) -> list[FixtureCase]:
    lines = path.read_text(encoding="utf-8").split("\n")
    cases: list[FixtureCase] = []
    section = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith(FENCE + " "):
            cases.append(_read_case(path, lines, index, section))
            index = cases[-1].expected_end
        elif line.startswith(FENCE):
            raise FixtureError(f"{path}:{index + 1}: a fence without a case header")
        index += 1
    return cases


def _read_case(path: Path, lines: list[str], start: int, section: str) -> FixtureCase:
    header = lines[start][len(FENCE) + 1 :].split()
    if len(header) < 3 or header[1] != "->":
        raise FixtureError(f"{path}:{start + 1}: the header must be 'SOURCE -> TARGET [options]'")
    try:
        dot = lines.index(".", start + 1)
        end = lines.index(FENCE, dot + 1)
    except ValueError:
        raise FixtureError(f"{path}:{start + 1}: an unfinished case") from None
    options = tuple(header[3:])
    text = "\n".join(lines[start + 1 : dot])
    if "--escaped" in options:
        text = json.loads(text)
        if not isinstance(text, str):
            raise FixtureError(f"{path}:{start + 1}: --escaped input must be a JSON string")
    description = lines[start - 1] if start > 0 and lines[start - 1].strip() else ""
    return FixtureCase(
        path=path,
        line=start + 1,
        section=section,
        description=description,
        source=header[0],
        target=header[2],
        options=options,
        input=text,
        expected="\n".join(lines[dot + 1 : end]),
        expected_start=dot + 1,
        expected_end=end,
    )


def all_cases(folder: str) -> list[FixtureCase]:
    cases: list[FixtureCase] = []
    for path in sorted((FIXTURES / folder).glob("*.md")):
        cases.extend(read_cases(path))
    return cases


def rewrite_expected(updates: dict[Path, list[tuple[FixtureCase, str]]]) -> None:
    """Replace the expected sections of cases with new text (for --update-golden)."""
    for path, changes in updates.items():
        lines = path.read_text(encoding="utf-8").split("\n")
        for case, text in sorted(changes, key=lambda change: -change[0].expected_start):
            lines[case.expected_start : case.expected_end] = text.split("\n")
        path.write_text("\n".join(lines), encoding="utf-8")
