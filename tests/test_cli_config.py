"""`scrapconv` settings from pyproject.toml ([tool.scrapconv]) and the --report JSON file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .corpus import require_corpus, scrapbox_pages

COMMAND = [sys.executable, "-c", "from scrapconv.cli import main; main()"]
ICON_URL = "https://scrapbox.io/api/pages/{}/me/icon"


def run(
    *args: str | Path, cwd: Path | None = None, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*COMMAND, *map(str, args)], input=stdin, capture_output=True, cwd=cwd)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def settings(folder: Path, *lines: str) -> Path:
    return write(folder / "pyproject.toml", "\n".join(["[tool.scrapconv]", *lines, ""]))


def page(folder: Path, name: str = "page.sb") -> Path:
    return write(folder / name, "T\n[me.icon] #2019")


# ---------------------------------------------------------------------------------------------
# Configuration


def test_the_project_of_pyproject_toml_reaches_the_icon_urls(tmp_path: Path) -> None:
    settings(tmp_path, 'project = "myproject"')
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", page(tmp_path))
    assert result.returncode == 0
    assert ICON_URL.format("myproject") in result.stdout.decode()
    assert "icon-project" not in result.stderr.decode()


def test_the_command_line_overrides_the_configuration(tmp_path: Path) -> None:
    settings(tmp_path, 'project = "myproject"', 'icons = "link"', 'to = "markdown"')
    source = page(tmp_path)
    configured = run("convert", "--from", "scrapbox", source).stdout.decode()
    assert "[me.icon](https://scrapbox.io/myproject/me)" in configured
    assert "[[2019|#2019]]" not in configured  # Markdown, not Obsidian
    given = run(
        "convert", "--from", "scrapbox", "--to", "obsidian", "--project", "other", "--icons",
        "img", source,
    ).stdout.decode()  # fmt: skip
    assert ICON_URL.format("other") in given
    assert "[[2019|#2019]]" in given
    # An option given with its default value is given all the same.
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", "--project", "", source)
    assert "myproject" not in result.stdout.decode()
    assert "icon-project: no project name" in result.stderr.decode()


@pytest.mark.parametrize("levels", ["[2, 1]", '"2,1"'])
def test_heading_levels_as_a_list_or_as_on_the_command_line(tmp_path: Path, levels: str) -> None:
    settings(tmp_path, f"headings = {levels}")
    source = write(tmp_path / "page.sb", "T\n[* a]\n[** b]")
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", source)
    assert result.stdout.decode().endswith("## a\n# b\n")


def test_standard_input_takes_the_settings_of_the_current_folder(tmp_path: Path) -> None:
    settings(tmp_path, 'project = "myproject"', 'to = "obsidian"')
    result = run("convert", "--from", "scrapbox", cwd=tmp_path, stdin=b"T\n[me.icon]")
    assert result.returncode == 0
    assert ICON_URL.format("myproject") in result.stdout.decode()


def test_settings_that_do_not_apply_to_the_input_are_left_unused(tmp_path: Path) -> None:
    settings(
        tmp_path, 'project = "p"', 'icons = "link"', "headings = [1]", 'compat = "reference"',
        "jobs = 2",
    )  # fmt: skip
    page = write(tmp_path / "page.sb", "T\n [a]")
    result = run("convert", "--to", "scrapbox", page)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"T\n [a]\n", b"")
    vault = tmp_path / "vault"
    write(vault / "A.md", "a [[B]]\n")
    result = run("convert", vault, "-o", tmp_path / "import.json", "--to", "scrapbox")
    assert result.returncode == 0, result.stderr
    result = run("sync", page)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "page.md").read_text(encoding="utf-8") == "---\ntitle: T\n---\n- [[a]]\n"


def test_a_configured_compat_applies_where_it_can(tmp_path: Path) -> None:
    settings(tmp_path, 'compat = "reference"')
    source = write(tmp_path / "page.sb", "T\n a [b]")
    reference = run("convert", "--from", "scrapbox", "--to", "obsidian", source)
    assert reference.stdout == b'---\ntitle: "T"\n---\n\n- a [[b]]'
    # Not to plain Markdown: the reference format is Obsidian's.
    markdown = run("convert", "--from", "scrapbox", "--to", "markdown", source)
    assert (markdown.returncode, markdown.stdout) == (0, b"---\ntitle: T\n---\n- a [b](b.md)\n")
    # Settings that apply but contradict each other are an error, wherever they come from.
    obsidian = run("convert", "--from", "scrapbox", "--to", "obsidian", "--icons", "link", source)
    assert obsidian.returncode == 2
    assert f"compat from {tmp_path / 'pyproject.toml'}" in obsidian.stderr.decode()


def test_the_asset_url_of_pyproject_toml_reaches_pages_and_vaults(tmp_path: Path) -> None:
    settings(tmp_path, 'asset-url = "https://files.example/vault/"')
    note = write(tmp_path / "vault" / "A.md", "![[pics/cat one.png]]\n")
    write(tmp_path / "vault" / "pics" / "cat one.png", "")
    result = run("convert", note, "--from", "obsidian", "--to", "scrapbox")
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == b"[https://files.example/vault/pics/cat%20one.png]\n"
    imported = tmp_path / "import.json"
    result = run("convert", tmp_path / "vault", "-o", imported, "--to", "scrapbox")
    assert result.returncode == 0, result.stderr
    (page,) = json.loads(imported.read_text(encoding="utf-8"))["pages"]
    assert page["lines"][1] == "[https://files.example/vault/pics/cat%20one.png]"
    # The command line wins; given empty, the image is a link to its name again.
    given = run("convert", note, "--from", "obsidian", "--to", "scrapbox", "--asset-url", "")
    assert given.stdout == b"[pics/cat one.png]\n"
    assert "image-local" in given.stderr.decode()


def test_the_nearest_pyproject_toml_wins(tmp_path: Path) -> None:
    settings(tmp_path, 'project = "outer"')
    settings(tmp_path / "notes", 'project = "inner"')
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", page(tmp_path / "notes"))
    assert ICON_URL.format("inner") in result.stdout.decode()


def test_a_pyproject_toml_without_the_table_is_passed_over(tmp_path: Path) -> None:
    settings(tmp_path, 'project = "outer"')
    write(tmp_path / "notes" / "pyproject.toml", '[project]\nname = "notes"\n')
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", page(tmp_path / "notes"))
    assert ICON_URL.format("outer") in result.stdout.decode()


@pytest.mark.parametrize("marker", [".git", ".hg"])
def test_the_search_stops_at_the_repository_root(tmp_path: Path, marker: str) -> None:
    settings(tmp_path, 'project = "outside"')
    (tmp_path / "repo" / marker).mkdir(parents=True)
    source = page(tmp_path / "repo" / "notes")
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", source)
    assert result.returncode == 0
    assert "outside" not in result.stdout.decode()
    assert "icon-project" in result.stderr.decode()
    # The root's own pyproject.toml counts.
    settings(tmp_path / "repo", 'project = "inside"')
    result = run("convert", "--from", "scrapbox", "--to", "obsidian", source)
    assert ICON_URL.format("inside") in result.stdout.decode()


def test_config_names_the_file_to_use(tmp_path: Path) -> None:
    settings(tmp_path, 'project = "nearest"')
    chosen = write(tmp_path / "elsewhere" / "settings.toml", '[tool.scrapconv]\nproject = "x"\n')
    result = run(
        "convert", "--from", "scrapbox", "--to", "obsidian", "--config", chosen, page(tmp_path)
    )
    assert ICON_URL.format("x") in result.stdout.decode()


def test_sync_takes_the_settings_of_its_files(tmp_path: Path) -> None:
    settings(tmp_path, 'project = "myproject"', 'to = "markdown"', 'icons = "link"')
    result = run("sync", page(tmp_path / "notes"))
    assert result.returncode == 0
    note = (tmp_path / "notes" / "page.md").read_text(encoding="utf-8")
    assert note.endswith("[me.icon](https://scrapbox.io/myproject/me) #2019\n")


EXPORT = (
    '{"name": "p", "pages": [{"title": "A", "lines": ["A", "[B] #2019 [me.icon]"]},'
    ' {"title": "B", "lines": ["B", "#1984"]}]}'
)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('colour = "red"', "tool.scrapconv.colour: unknown setting"),
        ("project = 1", "tool.scrapconv.project: expected a string, got an integer"),
        ('icons = "png"', "tool.scrapconv.icons: 'png' is not one of"),
        ('to = "html"', "tool.scrapconv.to: 'html' is not one of"),
        ('compat = ["reference"]', "tool.scrapconv.compat: expected a string, got an array"),
        ("headings = [3, 7]", "tool.scrapconv.headings: '3,7': give heading levels from 1 to 6"),
        ('headings = ["3"]', "tool.scrapconv.headings: expected heading levels"),
        ("jobs = 0", "tool.scrapconv.jobs: 0 is not in the range"),
        ("asset-url = true", "tool.scrapconv.asset-url: expected a string, got a boolean"),
        ("jobs = true", "tool.scrapconv.jobs: expected an integer, got a boolean"),
        ("project = ", "not valid TOML: Invalid value (at line 2, column 11)"),
    ],
)
def test_a_bad_configuration_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, table: str, message: str
) -> None:
    pyproject = settings(tmp_path, table)
    export = write(tmp_path / "p.json", EXPORT)
    vault = tmp_path / "vault"
    report = tmp_path / "report.json"
    source = page(tmp_path)
    for args in (
        ("convert", export, "-o", vault, "--to", "obsidian", "--report", report),
        ("sync", source, "--report", report),
    ):
        result = run(*args)
        assert result.returncode == 2
        assert result.stderr.decode().startswith(f"Error: {pyproject}: {message}")
        assert len(result.stderr.decode().splitlines()) == 1
        assert result.stdout == b""
        assert not vault.exists()
        assert not report.exists()
        assert not (tmp_path / "page.md").exists()


def test_a_table_that_is_no_table_and_a_missing_config_file(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool]\nscrapconv = 1\n")
    result = run("sync", page(tmp_path))
    assert result.returncode == 2
    assert result.stderr.decode() == (
        f"Error: {tmp_path / 'pyproject.toml'}: tool.scrapconv: expected a table, got an integer\n"
    )
    result = run("sync", "--config", tmp_path / "absent.toml", page(tmp_path))
    assert result.returncode == 2
    assert result.stderr.decode().startswith(f"Error: {tmp_path / 'absent.toml'}: cannot read")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "page.md").exists()


# ---------------------------------------------------------------------------------------------
# --report


def reported_lines(report: Path) -> list[str]:
    """The report's diagnostics in the form of the lines on standard error: one line per file
    and code, its first diagnostic's, saying how many more the report holds."""
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert set(data) == {"version", "summary", "diagnostics"}
    groups: dict[tuple[str, str], list[dict[str, object]]] = {}
    for item in data["diagnostics"]:
        groups.setdefault((item["file"], item["code"]), []).append(item)
    return [
        f"{first['file']}:{first['line']}: {first['code']}: {first['message']}"
        + (f" (and {len(rest)} more)" if rest else "")
        for first, *rest in groups.values()
    ]


def reported_count(report: Path) -> int:
    return len(json.loads(report.read_text(encoding="utf-8"))["diagnostics"])


def summary(report: Path) -> dict[str, int]:
    result: dict[str, int] = json.loads(report.read_text(encoding="utf-8"))["summary"]
    return result


def test_the_report_of_an_export_holds_the_diagnostics_printed(tmp_path: Path) -> None:
    export = write(tmp_path / "p.json", EXPORT)
    vault = tmp_path / "vault"
    report = tmp_path / "report.json"
    args = ("convert", export, "-o", vault, "--to", "obsidian", "--report", report)
    result = run(*args)
    assert result.returncode == 0
    *printed, last = result.stderr.decode().splitlines()
    assert last == "2 pages, 2 files written, 2 diagnostics"
    assert printed[0].startswith(f"{vault / 'A.md'}:2: tag: ")
    assert reported_lines(report) == printed
    assert summary(report) == {"pages": 2, "files_written": 2, "diagnostics": 2}
    # With --check the report is written too: it is a report, not an output.
    (vault / "B.md").unlink()
    report.unlink()
    result = run(*args, "--check")
    assert result.returncode == 1
    assert reported_lines(report) == result.stderr.decode().splitlines()[:-1]
    assert summary(report) == {"pages": 2, "files_would_change": 1, "diagnostics": 2}
    assert not (vault / "B.md").exists()


def test_the_report_of_one_page_from_standard_input(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = run(
        "convert", "--from", "scrapbox", "--to", "obsidian", "--report", report,
        stdin=b"T\n[me.icon] #2019",
    )  # fmt: skip
    printed = result.stderr.decode().splitlines()
    assert printed == [
        "<stdin>:2: icon-project: no project name for the icon me",
        "<stdin>:2: tag: #2019 is not an Obsidian tag: written as a link",
    ]
    assert reported_lines(report) == printed
    assert summary(report) == {"pages": 1, "diagnostics": 2}


def test_the_report_of_a_vault_and_of_sync(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    write(vault / "A.md", "# Title\n#### deep\n")
    report = tmp_path / "report.json"
    result = run("convert", vault, "-o", tmp_path / "import.json", "--to", "scrapbox",
                 "--report", report)  # fmt: skip
    printed = result.stderr.decode().splitlines()[:-1]
    assert printed and printed[0].startswith(f"{vault / 'A.md'}:")
    assert reported_lines(report) == printed
    assert summary(report) == {
        "notes": 1, "pages": 1, "files_written": 1, "diagnostics": reported_count(report)
    }  # fmt: skip
    source = page(tmp_path / "notes")
    result = run("sync", "--report", report, source)
    assert result.stderr.decode().splitlines()[-1] == "1 file, 1 changed, 2 diagnostics"
    assert reported_lines(report) == result.stderr.decode().splitlines()[:-1]
    assert reported_lines(report)[0].startswith(f"{source}:2: ")
    assert summary(report) == {"files": 1, "files_written": 1, "files_kept": 0, "diagnostics": 2}
    run("sync", "--check", "--report", report, source)
    assert summary(report) == {
        "files": 1, "files_would_change": 0, "files_kept": 0, "diagnostics": 2
    }  # fmt: skip
    # A note edited by hand, named without its page, is kept and counted.
    note = source.with_suffix(".md")
    note.write_text(note.read_text(encoding="utf-8") + "edit\n", encoding="utf-8")
    assert run("sync", "--report", report, note).returncode == 1
    assert summary(report) == {"files": 1, "files_written": 0, "files_kept": 1, "diagnostics": 2}


def test_the_report_goes_to_standard_output_only_where_nothing_else_does(
    tmp_path: Path,
) -> None:
    export = write(tmp_path / "p.json", EXPORT)
    vault = tmp_path / "vault"
    result = run("convert", export, "-o", vault, "--to", "obsidian", "--report", "-")
    assert result.returncode == 0
    reported = json.loads(result.stdout)
    assert reported["summary"] == {"pages": 2, "files_written": 2, "diagnostics": 2}
    for args in (
        ("convert", "--from", "scrapbox", "--to", "obsidian", "--report", "-"),
        ("convert", export, "-o", vault, "--to", "obsidian", "--diff", "--report", "-"),
        ("sync", page(tmp_path), "--diff", "--report", "-"),
    ):
        result = run(*args, stdin=b"T")
        assert result.returncode == 2
        assert "--report -: standard output carries" in result.stderr.decode()
        assert result.stdout == b""


def test_the_report_of_a_corpus_page(tmp_path: Path) -> None:
    require_corpus()
    pages = scrapbox_pages("scrapbox-qualia-san/qualia-san.json")
    text = next(page.text for page in pages if page.title == "Qualia-san")
    source = write(tmp_path / "Qualia-san.sb", text)
    report = tmp_path / "report.json"
    result = run(
        "convert", "--from", "scrapbox", "--to", "obsidian", "--project", "qualia-san",
        "--report", report, source,
    )  # fmt: skip
    assert result.returncode == 0
    printed = result.stderr.decode().splitlines()
    assert printed and all(line.startswith(f"{source}:") for line in printed)
    assert reported_lines(report) == printed
    assert summary(report) == {"pages": 1, "diagnostics": reported_count(report)}
    # Folded: the page has more diagnostics than lines printed.
    assert reported_count(report) > len(printed)
