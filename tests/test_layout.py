"""The layout of the package: every module imports alone, the modules import one another only
as the list below says (so no cycle can creep in), and no module takes another's private
names. docs/architecture.md draws the same graph."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from graphlib import TopologicalSorter
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SOURCE / "scrapconv"

# What each module imports from the package (at the top or inside a function), by name
# without `scrapconv.`. A package stands for its `__init__`.
IMPORTS: dict[str, set[str]] = {
    "": {"api"},
    "api": {"ast", "diagnostics", "frozen", "markdown", "markdown.options", "markdown.properties",
            "markdown.reader", "markdown.reference_reader", "markdown.scrapbox_form",
            "scrapbox.reader", "scrapbox.report", "scrapbox.writer"},
    "__main__": {"cli"},
    "ast": {"frozen"},
    "cli": {"", "config", "diagnostics", "files", "filenames", "frozen", "manifest", "markdown",
            "markdown.options", "project", "scrapbox.reader"},
    "config": {"files", "frozen"},
    "diagnostics": {"frozen"},
    "filenames": {"frozen"},
    "files": {"frozen"},
    "frozen": set(),
    "manifest": {"filenames", "files"},
    "markdown": {"ast", "diagnostics", "markdown.options", "markdown.reference",
                 "markdown.writer"},
    "markdown.common": {"ast"},
    "markdown.emphasis": {"markdown.escape"},
    "markdown.escape": {"frozen"},
    "markdown.frontmatter": {"ast"},
    "markdown.inline_reader": {"ast", "filenames", "markdown.emphasis", "markdown.escape",
                               "scrapbox.inline"},
    "markdown.options": {"filenames", "frozen"},
    "markdown.properties": {"ast", "diagnostics", "markdown.frontmatter",
                            "markdown.inline_reader"},
    "markdown.reader": {"ast", "diagnostics", "filenames", "markdown.escape",
                        "markdown.frontmatter", "markdown.inline_reader"},
    "markdown.reference": {"ast", "diagnostics", "filenames", "markdown.common",
                           "markdown.escape", "markdown.options", "scrapbox.inline",
                           "scrapbox.parser_json", "scrapbox.writer"},
    "markdown.reference_reader": {"ast"},
    "markdown.scrapbox_form": {"ast", "diagnostics", "markdown.frontmatter", "markdown.reader"},
    "markdown.writer": {"ast", "diagnostics", "filenames", "markdown.common", "markdown.escape",
                        "markdown.frontmatter", "markdown.options", "scrapbox.writer"},
    "project": {"files", "project.export", "project.export_scan", "project.incremental",
                "project.pages", "project.sb_folder", "project.sync", "project.vault",
                "project.vault_flavor", "project.vault_import", "project.vault_project",
                "project.workers"},
    "project.export": {"diagnostics"},
    "project.export_scan": {"project.export"},
    "project.incremental": {"", "filenames", "files", "manifest", "markdown.options",
                            "project.export", "project.pages"},
    "project.memory": set(),
    "project.note_index": set(),
    "project.pages": {"ast", "diagnostics", "filenames", "markdown", "markdown.options",
                      "project.export", "project.workers", "scrapbox.reader"},
    "project.sb_folder": {"diagnostics", "filenames", "files", "project.export",
                          "project.pages", "scrapbox.reader"},
    "project.sync": {"diagnostics", "files", "markdown", "markdown.options",
                     "project.pages", "scrapbox.reader"},
    "project.vault": {"diagnostics", "files", "manifest", "markdown.options", "project.export",
                      "project.export_scan", "project.incremental", "project.pages",
                      "project.workers"},
    "project.vault_flavor": {"ast", "diagnostics", "filenames", "files", "markdown",
                             "markdown.options", "markdown.reader", "project.export",
                             "project.note_index", "project.pages", "project.vault_project"},
    "project.vault_import": {"", "ast", "diagnostics", "filenames", "files", "project.export",
                             "markdown.properties", "markdown.reader", "project.note_index",
                             "markdown.scrapbox_form", "project.pages", "project.vault_project",
                             "scrapbox.report",
                             "scrapbox.writer"},
    "project.vault_project": {"files", "markdown.frontmatter"},
    "project.workers": {"files", "project.memory"},
    "scrapbox": set(),
    "scrapbox.inline": {"ast", "frozen"},
    "scrapbox.parser_json": {"", "ast", "scrapbox.inline", "scrapbox.reader",
                             "scrapbox.writer"},
    "scrapbox.reader": {"ast", "scrapbox.inline"},
    "scrapbox.report": {"ast", "diagnostics", "scrapbox.reader", "scrapbox.writer"},
    "scrapbox.writer": {"ast", "filenames"},
}  # fmt: skip

# The imports of the package itself that only serve it as an entry point, and are no layer:
# `scrapconv` reads and writes through the modules below it; a module needing the version
# or `read` imports it back, inside the function that needs it or for the version.
ENTRY_POINTS = {"", "__main__", "cli"}


def module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def module_path(name: str) -> Path:
    base = PACKAGE.joinpath(*name.split(".")) if name else PACKAGE
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def imports_of(name: str) -> tuple[set[str], list[str]]:
    """The package's modules `name` imports, and the private names it takes from them."""
    tree = ast.parse(module_path(name).read_text(encoding="utf-8"))
    package = name if module_path(name).name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    private: list[str] = []
    known = set(IMPORTS)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("scrapconv"):
                    found.add(alias.name.removeprefix("scrapconv").lstrip("."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("scrapconv"):
                target = node.module.removeprefix("scrapconv").lstrip(".")
            else:
                continue
            for alias in node.names:
                child = f"{target}.{alias.name}" if target else alias.name
                if child in known:
                    found.add(child)
                else:
                    found.add(target)
                    if alias.name.startswith("_") and alias.name != "__version__":
                        private.append(f"{target}.{alias.name}")
    found.discard(name)
    return found, private


def test_the_list_names_every_module() -> None:
    assert sorted(IMPORTS) == module_names()


@pytest.mark.parametrize("name", module_names())
def test_each_module_imports_what_the_list_says(name: str) -> None:
    found, private = imports_of(name)
    assert found == IMPORTS[name]
    assert private == []


def test_the_modules_form_layers_without_a_cycle() -> None:
    graph = {
        name: {target for target in targets if target not in ENTRY_POINTS}
        for name, targets in IMPORTS.items()
    }
    order = list(TopologicalSorter(graph).static_order())
    assert set(order) == set(IMPORTS)


@pytest.mark.parametrize("name", [name for name in module_names() if name != "__main__"])
def test_each_module_imports_alone(name: str) -> None:
    module = f"scrapconv.{name}" if name else "scrapconv"
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        env={"PYTHONPATH": str(SOURCE)},
    )
    assert result.returncode == 0, result.stderr.decode()


# What converting one page from the command line must not import: the modules of the other
# commands, formats and options, and the libraries only some pages need (hashlib and json
# for colliding file names, html.entities for a `&` reference, yaml for a title that cannot
# be written plain). One page costs mostly start-up, so each of these would be felt; a test
# of imports holds where a test of time would not.
ONE_PAGE_LEAVES_OUT = {
    "concurrent.futures",
    "difflib",
    "hashlib",
    "html",
    "html.entities",
    "json",
    "mistune",
    "multiprocessing",
    "scrapconv.manifest",
    "scrapconv.markdown.inline_reader",
    "scrapconv.markdown.properties",
    "scrapconv.markdown.reader",
    "scrapconv.markdown.reference",
    "scrapconv.markdown.reference_reader",
    "scrapconv.markdown.scrapbox_form",
    "scrapconv.project",
    "scrapconv.scrapbox.parser_json",
    "scrapconv.scrapbox.report",
    "shlex",
    "subprocess",
    "tomllib",
    "yaml",
}
# What `--version` and `--help` need no more than the library's entry (the command's options
# name its formats): no reader, writer or configuration.
ENTRY_LEAVES_OUT = ONE_PAGE_LEAVES_OUT | {
    "scrapconv.config",
    "scrapconv.files",
    "scrapconv.markdown.writer",
    "scrapconv.scrapbox.inline",
    "scrapconv.scrapbox.reader",
}

# Runs the command as `python -m scrapconv` does, in this process, then prints the status
# and the modules it imported.
_RUN_COMMAND = """
import sys
sys.argv = ["scrapconv", *sys.argv[1:]]
from scrapconv.__main__ import main
try:
    main()
except SystemExit as end:
    status = end.code
print("\\n#", status, *sorted(sys.modules))
"""

# A page of median size and kinds: a title, links, an indented list, a URL with a label, a
# hashtag.
_PAGE = """High-context culture
[High context] culture
\thigh [context] culture
\tShared habits and background, so that much goes [unsaid].
\t\tSee #culture

[https://en.wikipedia.org/wiki/High-context_and_low-context_cultures Wikipedia]
"""


def _command_modules(tmp_path: Path, *arguments: str) -> tuple[str, set[str]]:
    """What the command writes, and the modules it imported, after checking it succeeded."""
    result = subprocess.run(
        [sys.executable, "-c", _RUN_COMMAND, *arguments],
        capture_output=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(SOURCE)},
        text=True,
        encoding="utf-8",
    )
    output, _, report = result.stdout.rpartition("\n# ")
    status, *modules = report.split()
    assert status in ("None", "0"), result.stderr
    return output, set(modules)


def test_one_page_from_the_command_line_imports_only_what_it_uses(tmp_path: Path) -> None:
    page = tmp_path / "page.sb"
    page.write_text(_PAGE, encoding="utf-8")
    output, modules = _command_modules(
        tmp_path, "convert", "--from", "scrapbox", "--to", "obsidian", str(page)
    )
    assert output.startswith("---\ntitle: High-context culture\n---\n[[High context]] culture\n")
    assert "[Wikipedia](https://en.wikipedia.org/wiki/" in output
    assert {"scrapconv.scrapbox.reader", "scrapconv.markdown.writer"} <= modules
    assert sorted(modules & ONE_PAGE_LEAVES_OUT) == []


@pytest.mark.parametrize("arguments", [("--version",), ("--help",), ("convert", "--help")])
def test_the_version_and_help_import_no_reader_or_writer(
    tmp_path: Path, arguments: tuple[str, ...]
) -> None:
    output, modules = _command_modules(tmp_path, *arguments)
    assert "scrapconv" in output
    assert "scrapconv.cli" in modules
    assert sorted(modules & ENTRY_LEAVES_OUT) == []


def _printed_by(script: str) -> str:
    """What a Python script prints, run alone with this package."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        env={"PYTHONPATH": str(SOURCE)},
        text=True,
        check=True,
    )
    return result.stdout


def test_the_inline_parser_compiles_a_rule_when_a_parse_first_tries_it() -> None:
    script = (
        "from scrapconv.scrapbox import inline\n"
        "before = inline._compile.cache_info().currsize\n"
        "inline.parse_inline('[https://example.com a label] and `code`')\n"
        "print(before, inline._compile.cache_info().currsize, len(inline.RULES))\n"
    )
    before, after, rules = map(int, _printed_by(script).split())
    assert before == 0
    assert 0 < after < rules


# What an export converted into a vault must not import: the modules of the other jobs on
# whole sets (reading a vault, writing pages or an import, syncing a page) and their readers,
# yaml, which no title of one line of printable characters needs, and the export's scanner,
# which only an incremental run into a vault with a manifest uses.
EXPORT_TO_VAULT_LEAVES_OUT = {
    "yaml",
    "mistune",
    "scrapconv.project.export_scan",
    "scrapconv.markdown.reader",
    "scrapconv.markdown.scrapbox_form",
    "scrapconv.project.note_index",
    "scrapconv.project.sb_folder",
    "scrapconv.project.sync",
    "scrapconv.project.vault_flavor",
    "scrapconv.project.vault_import",
    "scrapconv.project.vault_project",
    "scrapconv.scrapbox.report",
}


def test_an_export_into_a_vault_imports_only_the_jobs_it_runs(tmp_path: Path) -> None:
    titles = ["A", "@user", "1000", "it's: quoted", "#7119", "YUKI\u3000『JOY』"]
    pages = [{"title": title, "lines": [title, "[B] text"]} for title in titles]
    export = {"name": "p", "pages": pages}
    (tmp_path / "p.json").write_text(json.dumps(export), encoding="utf-8")
    _, modules = _command_modules(
        tmp_path, "convert", "p.json", "-o", "vault", "--to", "obsidian", "-q"
    )
    assert (tmp_path / "vault" / "A.md").read_text(encoding="utf-8").endswith("[[B]] text\n")
    notes = sorted((tmp_path / "vault").glob("*.md"))
    titles_written = {note.read_text(encoding="utf-8").split("\n")[1] for note in notes}
    assert titles_written == {
        "title: A",
        "title: '@user'",
        "title: '1000'",
        "title: 'it''s: quoted'",
        "title: '#7119'",
        "title: YUKI\u3000『JOY』",
    }
    assert {"scrapconv.project.export", "scrapconv.project.vault"} <= modules
    assert sorted(modules & EXPORT_TO_VAULT_LEAVES_OUT) == []


def test_the_project_package_gives_each_public_name_from_its_module() -> None:
    script = (
        "import sys, scrapconv.project as project\n"
        "loaded = [m for m in sys.modules if m.startswith('scrapconv.project.')]\n"
        "missing = [name for name in project.__all__ if getattr(project, name, None) is None]\n"
        "print(len(loaded), sorted(project.__all__) == sorted(project._MODULE_OF), *missing)\n"
    )
    # Importing the package imports none of its modules; every name it lists is there, and
    # it lists every name it gives.
    assert _printed_by(script).split() == ["0", "True"]
