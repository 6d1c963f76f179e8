"""The command line as people use it: several inputs, -o FILE for one page, python -m scrapconv,
--version, help texts with examples, summaries that fit, --report checked before converting,
and one rule for settings that do not apply. (Ctrl-C: tests/test_faults.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import scrapconv

COMMAND = [sys.executable, "-m", "scrapconv"]


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*COMMAND, *map(str, args)], capture_output=True, cwd=cwd)


def page(folder: Path, name: str, text: str = "T\n[a] #b") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def printed(source: Path, *args: str) -> bytes:
    result = run("convert", "--to", "obsidian", *args, source)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_python_m_scrapconv_and_the_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.decode() == f"scrapconv, version {scrapconv.__version__}\n"


def test_one_page_into_a_file_is_what_the_command_prints(tmp_path: Path) -> None:
    source = page(tmp_path, "p.sb")
    result = run("convert", "--to", "obsidian", source, "-o", tmp_path / "p.md")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p.md").read_bytes() == printed(source)
    assert result.stdout == b""
    assert result.stderr.decode().splitlines()[-1] == "1 pages, 1 files written, 0 diagnostics"
    # Written again: the file is the same, nothing to write.
    again = run("convert", "--to", "obsidian", source, "-o", tmp_path / "p.md", "--check")
    assert again.returncode == 0


def test_several_pages_go_into_a_folder_one_file_each(tmp_path: Path) -> None:
    first, second = page(tmp_path, "a.sb"), page(tmp_path, "b.scrapbox", "U\nx")
    notes = tmp_path / "notes"
    result = run("convert", "--to", "obsidian", first, second, "-o", notes)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in notes.iterdir()) == ["a.md", "b.md"]
    assert (notes / "a.md").read_bytes() == printed(first)
    assert (notes / "b.md").read_bytes() == printed(second)
    # Back to Scrapbox, into the same kind of folder.
    pages = tmp_path / "pages"
    back = run("convert", "--to", "scrapbox", notes / "a.md", notes / "b.md", "-o", pages)
    assert back.returncode == 0, back.stderr
    assert (pages / "b.sb").read_text(encoding="utf-8") == "U\nx\n"


def test_several_inputs_need_a_folder_and_pages(tmp_path: Path) -> None:
    first, second = page(tmp_path, "a.sb"), page(tmp_path, "b.sb")
    result = run("convert", "--to", "obsidian", first, second)
    assert result.returncode == 2
    assert "give it with -o FOLDER" in result.stderr.decode()
    export = tmp_path / "e.json"
    export.write_text('{"pages": []}', encoding="utf-8")
    result = run("convert", "--to", "obsidian", first, export, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert "give pages alone, or exports and folders alone" in result.stderr.decode()
    assert not (tmp_path / "out").exists()


def test_every_help_text_has_an_example_and_the_summaries_fit() -> None:
    main = run("--help").stdout.decode()
    assert "Examples:" in main
    summaries = main.split("Commands:")[1].splitlines()
    assert summaries[1:] == [
        "  convert  Convert pages, an export or a vault.",
        "  sync     Keep the note beside each Scrapbox page up to date.",
    ]
    for command in ("convert", "sync"):
        text = run(command, "--help").stdout.decode()
        examples = text.split("Examples:")[1].split("Options:")[0].split()
        assert examples.count("scrapconv") >= 2, command


@pytest.mark.parametrize("where", ["missing/r.json", "folder"])
def test_a_report_that_cannot_be_written_fails_before_converting(
    tmp_path: Path, where: str
) -> None:
    export = tmp_path / "e.json"
    export.write_text('{"pages": [{"title": "A", "lines": ["A"]}]}', encoding="utf-8")
    (tmp_path / "folder").mkdir()
    vault = tmp_path / "vault"
    result = run("convert", export, "-o", vault, "--to", "obsidian", "--report", tmp_path / where)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines()[-1].startswith("Error: ")
    assert "--report" in result.stderr.decode() or where in result.stderr.decode()
    assert not vault.exists()


def test_a_setting_that_does_not_apply_is_unused_from_either_source(tmp_path: Path) -> None:
    source = page(tmp_path, "p.sb")
    alone = printed(source)
    assert printed(source, "--jobs", "3") == alone
    (tmp_path / "pyproject.toml").write_text("[tool.scrapconv]\njobs = 3\n", encoding="utf-8")
    assert printed(source) == alone
    # Vaults take no icons, whichever way they are given.
    vault = tmp_path / "vault"
    vault.mkdir()
    page(vault, "A.md", "a\n")
    result = run("convert", vault, "-o", tmp_path / "i.json", "--to", "scrapbox", "--icons", "link")
    assert result.returncode == 0, result.stderr
