"""The `scrapconv` command."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import scrapconv
from scrapconv import cli

COMMAND = [sys.executable, "-c", "from scrapconv.cli import main; main()"]


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*COMMAND, *args], input=stdin, capture_output=True)


def test_converts_standard_input() -> None:
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", stdin=b"T\n a [b]")
    assert result.returncode == 0
    assert result.stdout.decode() == "---\ntitle: T\n---\n- a [[b]]\n"
    assert result.stderr == b""


def test_converts_a_file_and_reports_diagnostics_on_standard_error(tmp_path: Path) -> None:
    page = tmp_path / "page.sb"
    page.write_text("T\n#2019 [me.icon]", encoding="utf-8")
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", str(page))
    assert result.returncode == 0
    assert "[[2019|#2019]]" in result.stdout.decode()
    lines = result.stderr.decode().splitlines()
    assert lines == [
        f"{page}:2: tag: #2019 is not an Obsidian tag: written as a link",
        f"{page}:2: icon-project: no project name for the icon me",
    ]


def test_options_reach_the_writer() -> None:
    result = run(
        "convert", "--from", "scrapbox", "--to", "markdown", "--project", "p", "--icons", "link",
        "-", stdin=b"T\n[me.icon]",
    )  # fmt: skip
    assert result.stdout.decode().endswith("[me.icon](https://scrapbox.io/p/me)\n")


def test_heading_levels() -> None:
    result = run(
        "convert", "--from", "scrapbox", "--to", "obsidian", "--headings", "2,1",
        stdin=b"T\n[* a]\n[** b]\n[*** c]",
    )  # fmt: skip
    assert result.stdout.decode().endswith("## a\n# b\n# c ###\n")
    assert "heading-size" in result.stderr.decode()


def test_output_is_the_library_s() -> None:
    text = "Title\n[* H]\n a [b] #c\n  code:x.py\n   y"
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", stdin=text.encode())
    expected = scrapconv.convert(text, "scrapbox", "obsidian", project="").text
    assert result.stdout.decode() == expected


def test_scrapbox_to_scrapbox_gives_the_text_back() -> None:
    text = "T\n [a]  `b`\t\n"
    result = run("convert", "--from", "scrapbox", "--to", "scrapbox", stdin=text.encode())
    assert result.stdout.decode() == text


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"scrapconv, version {scrapconv.__version__}"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ("convert", "--from", "scrapbox", "--to", "obsidian", "/no/such/file"),
            b"",
            "cannot read",
        ),
        (("convert", "--from", "scrapbox", "--to", "obsidian"), b"\xff\xfe", "not UTF-8"),
        (("convert", "--from", "scrapbox", "--to", "html"), b"", "'html' is not one of"),
        (("convert", "--to", "obsidian"), b"", "Missing option '--from'"),
        (("convert", "--from", "scrapbox", "--to", "obsidian", "a", "b"), b"", "-o FOLDER"),
        (
            ("convert", "--from", "scrapbox", "--to", "scrapbox", "--project-folder", "a=b"),
            b"T",
            "faithful",
        ),
        (("convert", "--from", "scrapbox", "--to", "obsidian", "--headings", "3,x"), b"", "1 to 6"),
        (("convert", "--from", "scrapbox", "--to", "obsidian", "--headings", "7"), b"", "1 to 6"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    args: tuple[str, ...], stdin: bytes, message: str
) -> None:
    result = run(*args, stdin=stdin)
    assert result.returncode == 2
    assert message in result.stderr.decode()
    assert b"Traceback" not in result.stderr
    assert result.stdout == b""


EXPORT = (
    '{"name": "p", "pages": [{"title": "A", "lines": ["A", "[B]"], "updated": 1600000000},'
    ' {"title": "B", "lines": ["B", "x"]}]}'
)


def test_check_and_diff_of_an_export_into_a_vault_write_nothing(tmp_path: Path) -> None:
    export = tmp_path / "p.json"
    export.write_text(EXPORT, encoding="utf-8")
    vault = tmp_path / "vault"
    args = ("convert", str(export), "-o", str(vault), "--to", "obsidian")
    result = run(*args, "--check", "--diff")
    assert result.returncode == 1
    diff = f"+++ {vault / 'B.md'}\n@@ -0,0 +1,5 @@\n+---\n+title: B\n+project: p\n"
    assert diff in result.stdout.decode()
    assert result.stderr.decode() == "2 pages, 2 files would change, 0 diagnostics\n"
    assert not vault.exists()
    assert run(*args).returncode == 0
    assert run(*args, "--check").returncode == 0
    note = vault / "B.md"
    note.write_text(note.read_text(encoding="utf-8") + "by hand\n", encoding="utf-8")
    result = run(*args, "--diff")
    assert result.returncode == 0
    assert result.stdout.decode().endswith(" x\n-by hand\n")
    assert result.stderr.decode() == "2 pages, 1 files would change, 0 diagnostics\n"
    assert note.read_text(encoding="utf-8").endswith("by hand\n")
    assert run(*args, "--check").returncode == 1


def test_check_and_diff_of_a_vault_into_an_import_write_nothing(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "A.md").write_text("a [[B]]\n", encoding="utf-8")
    output = tmp_path / "import.json"
    args = ("convert", str(vault), "-o", str(output), "--to", "scrapbox")
    result = run(*args, "--check")
    assert result.returncode == 1
    assert result.stdout == b""
    assert result.stderr.decode().endswith(f"{output} would change\n")
    assert not output.exists()
    assert run(*args).returncode == 0
    written = output.read_bytes()
    result = run(*args, "--check", "--diff")
    assert (result.returncode, result.stdout) == (0, b"")
    assert result.stderr.decode().endswith(f"{output} unchanged\n")
    (vault / "A.md").write_text("a [[C]]\n", encoding="utf-8")
    result = run(*args, "--diff")
    assert result.returncode == 0
    assert '-        "a [B]"\n+        "a [C]"\n' in result.stdout.decode()
    assert output.read_bytes() == written


def test_check_and_diff_need_an_output() -> None:
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", "--check", stdin=b"T")
    assert result.returncode == 2
    assert "with -o" in result.stderr.decode()


class FakeTerminal(io.StringIO):
    """Standard error as a terminal: where the progress bar goes."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> FakeTerminal:
    terminal = FakeTerminal()
    monkeypatch.setattr(cli, "_terminal", lambda: terminal)
    return terminal


def full_bar(label: str, steps: int) -> str:
    return f"{label}  [{'#' * 36}]  {steps}/{steps}  100%"


def export_of(folder: Path, pages: int) -> Path:
    export = folder / "many.json"
    titles = [f"P{number}" for number in range(pages)]
    data = {"name": "p", "pages": [{"title": title, "lines": [title, "x"]} for title in titles]}
    export.write_text(json.dumps(data), encoding="utf-8")
    return export


@pytest.mark.parametrize(("pages", "long"), [(201, True), (200, False)])
def test_an_export_of_more_than_200_pages_shows_a_progress_bar_on_a_terminal(
    tmp_path: Path, terminal: FakeTerminal, pages: int, long: bool
) -> None:
    export = export_of(tmp_path, pages)
    args = ["convert", str(export), "-o", str(tmp_path / "vault"), "--to", "obsidian", "-j", "1"]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0
    assert result.stderr == f"{pages} pages, {pages} files written, 0 diagnostics\n"
    assert (full_bar("Converting pages", pages) in terminal.getvalue()) is long
    assert (terminal.getvalue() != "") is long
    result = CliRunner().invoke(cli.main, [*args, "--check"])
    assert result.stderr == f"{pages} pages, 0 files would change, 0 diagnostics\n"
    assert terminal.getvalue().count(full_bar("Converting pages", pages)) == (2 if long else 0)


@pytest.mark.parametrize(("notes", "long"), [(101, True), (100, False)])
def test_a_vault_of_more_than_100_notes_shows_a_progress_bar_on_a_terminal(
    tmp_path: Path, terminal: FakeTerminal, notes: int, long: bool
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    for number in range(notes):
        (vault / f"N{number}.md").write_text("x\n", encoding="utf-8")
    output = tmp_path / "import.json"
    args = ["convert", str(vault), "-o", str(output), "--to", "scrapbox"]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0
    assert result.stderr == f"{notes} notes, {notes} pages, 0 diagnostics\n"
    # A note is read, then written: two steps.
    assert (full_bar("Converting notes", 2 * notes) in terminal.getvalue()) is long


def test_a_sync_of_more_than_200_files_shows_a_progress_bar_on_a_terminal(
    tmp_path: Path, terminal: FakeTerminal
) -> None:
    pages = [tmp_path / f"P{number}.sb" for number in range(201)]
    for page in pages:
        page.write_text("T\nx", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["sync", *map(str, pages)])
    assert result.exit_code == 0
    assert result.stderr == "201 files, 201 changed\n"
    assert full_bar("Converting pages", 201) in terminal.getvalue()


def test_no_progress_bar_where_standard_error_is_no_terminal(tmp_path: Path) -> None:
    export = export_of(tmp_path, 201)
    result = run("convert", str(export), "-o", str(tmp_path / "vault"), "--to", "obsidian")
    assert result.returncode == 0
    assert result.stderr == b"201 pages, 201 files written, 0 diagnostics\n"
    assert result.stdout == b""
