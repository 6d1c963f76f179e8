"""Diagnostic codes: one registry, the same in docs/diagnostics.md and `convert --help`; one
printed line per file and code; `--quiet`, `--select` and `--ignore`, on the command line and
in the configuration."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scrapconv.cli import main
from scrapconv.diagnostics import CODES, CodeFilter, Diagnostic, folded

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "scrapconv"
_DOCUMENTED = re.compile(r"^\| `([a-z-]+)` \| (.+) \|$", re.MULTILINE)


def codes_made_in_the_package() -> set[str]:
    """The first argument of every `Diagnostic(...)` and `_report(...)` in the package: the
    codes it can report."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            function = node.func
            name = getattr(function, "id", None) or getattr(function, "attr", None)
            if name in ("Diagnostic", "_report"):
                first = node.args[0]
                # (`_report(code, ...)` passes its own argument on.)
                if isinstance(first, ast.Constant):
                    found.add(first.value)
                else:
                    assert isinstance(first, ast.Name) and first.id == "code", path
    return found


def test_every_code_made_is_in_the_registry() -> None:
    made = codes_made_in_the_package()
    assert len(made) >= 30
    assert made <= set(CODES)
    # And the registry names no code that nothing makes.
    assert set(CODES) <= made


def test_the_docs_the_help_and_the_registry_hold_the_same_codes() -> None:
    documented = dict(_DOCUMENTED.findall((ROOT / "docs" / "diagnostics.md").read_text()))
    assert documented == dict(CODES)
    help_text = invoke("convert", "--help").output
    listed = help_text.split("Diagnostic codes (--select, --ignore):\n", 1)[1]
    rows = dict(
        re.fullmatch(r" +([a-z-]+) +(.+)", row).groups()  # type: ignore[union-attr]
        for row in listed.strip("\n").split("\n")
    )
    assert rows == dict(CODES)


def test_codes_are_sorted_and_meanings_one_line() -> None:
    assert list(CODES) == sorted(CODES)
    assert all("\n" not in meaning and len(meaning) < 100 for meaning in CODES.values())


def test_folded_keeps_the_first_of_each_file_and_code() -> None:
    a1, a2, b1 = (Diagnostic("html", 1, "x"), Diagnostic("html", 4, "y"), Diagnostic("tag", 2, "z"))
    assert folded([("f", a1), ("f", b1), ("f", a2), ("g", a2)]) == [
        ("f", a1, 1),
        ("f", b1, 0),
        ("g", a2, 0),
    ]
    assert folded([]) == []


def test_a_code_filter_selects_and_ignores() -> None:
    everything = CodeFilter()
    assert everything.keeps("html") and everything.keeps("tag")
    chosen = CodeFilter(frozenset({"html", "tag"}), frozenset({"tag"}))
    assert chosen.keeps("html")
    assert not chosen.keeps("tag")
    assert not chosen.keeps("embed")
    assert not CodeFilter(ignore=frozenset({"html"})).keeps("html")


# --- the command -----------------------------------------------------------------------------

# Two `html` diagnostics (lines 3 and 4) and one `heading-level` (line 2), after a title.
NOTE = "---\ntitle: T\n---\n#### deep\n<span>a</span>\n<span>b</span>\n"


def invoke(*args: str | Path) -> Result:
    runner = CliRunner()
    return runner.invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def convert_note(tmp_path: Path, *options: str) -> Result:
    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    return invoke("convert", note, "--to", "scrapbox", "-o", tmp_path / "page.sb", *options)


def test_one_line_per_file_and_code(tmp_path: Path) -> None:
    result = convert_note(tmp_path, "--report", tmp_path / "report.json")
    note = tmp_path / "note.md"
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{note}:4: heading-level: a level-4 heading is written as a level-3 one",
        f"{note}:5: html: the markup '<span>' is written as text (and 3 more)",
        "1 pages, 1 files written, 5 diagnostics",
    ]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [(item["line"], item["code"]) for item in report["diagnostics"]] == [
        (4, "heading-level"),
        (5, "html"),
        (5, "html"),
        (6, "html"),
        (6, "html"),
    ]


def test_quiet_prints_the_summary_only(tmp_path: Path) -> None:
    result = convert_note(tmp_path, "-q", "--report", tmp_path / "report.json")
    assert result.stderr == "1 pages, 1 files written, 5 diagnostics\n"
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert len(report["diagnostics"]) == 5


def test_select_and_ignore(tmp_path: Path) -> None:
    selected = convert_note(tmp_path, "--select", "heading-level,tag")
    assert [line.split(": ")[1] for line in selected.stderr.splitlines()[:-1]] == ["heading-level"]
    assert selected.stderr.endswith(", 1 diagnostics\n")
    ignored = convert_note(tmp_path, "--ignore", "heading-level")
    assert [line.split(": ")[1] for line in ignored.stderr.splitlines()[:-1]] == ["html"]
    assert ignored.stderr.endswith(", 4 diagnostics\n")
    both = convert_note(tmp_path, "--select", "html", "--ignore", "html")
    assert both.stderr.endswith(", 0 diagnostics\n")
    assert both.stderr.count("\n") == 1


def test_an_unknown_code_is_one_line_and_status_2(tmp_path: Path) -> None:
    result = convert_note(tmp_path, "--select", "html,nope")
    assert result.exit_code == 2
    assert "unknown diagnostic code 'nope'" in result.stderr
    assert not (tmp_path / "page.sb").exists()


@pytest.mark.parametrize(
    "setting", ['select = ["heading-level"]', 'select = "heading-level"', 'ignore = ["html"]']
)
def test_the_configuration_selects_and_ignores(tmp_path: Path, setting: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.scrapconv]\n{setting}\n", encoding="utf-8")
    result = convert_note(tmp_path)
    assert [line.split(": ")[1] for line in result.stderr.splitlines()[:-1]] == ["heading-level"]
    # The command line wins.
    result = convert_note(tmp_path, "--select", "html", "--ignore", "heading-level")
    assert [line.split(": ")[1] for line in result.stderr.splitlines()[:-1]] == ["html"]


def test_an_unknown_code_in_the_configuration(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.scrapconv]\nignore = ["html", "nope"]\n', encoding="utf-8")
    result = convert_note(tmp_path)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: {config}: tool.scrapconv.ignore: ")
    assert "'nope'" in line
    config.write_text("[tool.scrapconv]\nselect = [1]\n", encoding="utf-8")
    assert "expected codes" in convert_note(tmp_path).stderr


def test_sync_selects_ignores_and_is_quiet(tmp_path: Path) -> None:
    page = tmp_path / "page.sb"
    page.write_text("T\n[me.icon] #2019\n", encoding="utf-8")
    result = invoke("sync", page)
    assert [line.split(": ")[1] for line in result.stderr.splitlines()[:-1]] == [
        "icon-project",
        "tag",
    ]
    result = invoke("sync", page, "--ignore", "tag", "--check")
    assert [line.split(": ")[1] for line in result.stderr.splitlines()[:-1]] == ["icon-project"]
    result = invoke("sync", page, "--select", "tag", "-q", "--check")
    assert result.stderr == "1 file, 0 would change, 1 diagnostic\n"


def test_the_import_format_setting(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "a.md").write_text("---\ncreated: 2023-09-12\n---\ntext\n", encoding="utf-8")
    output = tmp_path / "import.json"

    def lines() -> list[object]:
        return json.loads(output.read_text(encoding="utf-8"))["pages"][0]["lines"]  # type: ignore[no-any-return]

    assert invoke("convert", vault, "-o", output, "--to", "scrapbox").exit_code == 0
    assert lines()[0] == {"text": "a", "created": 1694476800, "updated": 1694476800}
    (tmp_path / "pyproject.toml").write_text(
        '[tool.scrapconv]\nimport-format = "light"\n', encoding="utf-8"
    )
    result = invoke("convert", vault, "-o", output, "--to", "scrapbox")
    assert lines() == ["a", "text"]
    assert f"{vault / 'a.md'}:2: dates: " in result.stderr
    invoke("convert", vault, "-o", output, "--to", "scrapbox", "--import-format", "dated")
    assert isinstance(lines()[0], dict)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.scrapconv]\nimport-format = "heavy"\n', encoding="utf-8"
    )
    result = invoke("convert", vault, "-o", output, "--to", "scrapbox")
    assert result.exit_code == 2
    assert "tool.scrapconv.import-format" in result.stderr
