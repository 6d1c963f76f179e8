"""The README as a user follows it: every shell command it shows is run, in the README's order,
in one folder holding the files the commands name; its Python examples run; its configuration
is accepted. The commands not run here are listed with where they are tested instead. (The
`.pre-commit-config.yaml` it shows: tests/test_hooks.py.)"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

PLACEHOLDER = "the repository's URL is a placeholder in the README (no public URL is recorded)"
BENCHMARK = "a benchmark: timed runs over the corpus, run by hand (their parts: test_bench_*.py)"
# Commands shown but not run here, and why.
NOT_RUN = {
    "pipx install git+https://github.com/OWNER/scrapconv": PLACEHOLDER,
    "python -m pip install git+https://github.com/OWNER/scrapconv": PLACEHOLDER,
    "python -m pip install -e '.[test]'": ".ci/run runs the Setup commands in a fresh venv",
    "python -m pytest": ".ci/run runs the Setup commands in a fresh venv",
    "python benchmarks/bench_scrapbox.py ../shared/corpus/scrapbox-villagepump/villagepump.json": (
        BENCHMARK
    ),
    "python benchmarks/bench_markdown.py": BENCHMARK,
    "python benchmarks/bench_project.py": BENCHMARK,
    "python benchmarks/bench_pipeline.py [--pairs 5] [--only P1,P3] [--scratch DIR]": BENCHMARK,
}


def blocks(language: str) -> list[str]:
    """The README's fenced blocks of `language`, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.DOTALL | re.MULTILINE)


def commands() -> list[str]:
    """The README's shell commands, in order: a command goes on over the next line while a
    quote is open; comment lines are not commands."""
    found: list[str] = []
    for block in blocks("sh"):
        pending = ""
        for line in block.splitlines():
            if not pending and (not line.strip() or line.startswith("#")):
                continue
            pending = f"{pending}\n{line}" if pending else line
            try:
                shlex.split(pending)
            except ValueError:  # a quote still open
                continue
            found.append(pending)
            pending = ""
        assert not pending, f"an unclosed quote in README.md: {pending!r}"
    return found


def export(name: str, pages: dict[str, list[str]]) -> str:
    return json.dumps(
        {
            "name": name,
            "pages": [
                {
                    "title": title,
                    "created": 1_600_000_000,
                    "updated": 1_700_000_000,
                    "lines": [title, *lines],
                }
                for title, lines in pages.items()
            ],
        }
    )


# The files the README's commands name, as small as will do.
FILES = {
    "myproject.json": export(
        "myproject",
        {"My page": ["[* Heading]", " a [link] #tag [me.icon] [Other page]"],
         "Other page": ["back to [My page]", "[a/b]"],
         "a/b": ["a title with a slash"]},
    ),
    "villagepump.json": export("villagepump", {"a b": ["in villagepump"]}),
    "nishio.json": export("nishio", {"Page": ["see [/villagepump/a b]"]}),
    "page.sb": "My page\n[* Heading]\n a [link] #tag [me.icon]",
    "a.sb": "A\n[x] y",
    "b.sb": "B\n code:b.py\n  print()",
    "note.md": "---\ntitle: Note\n---\n# Note\n- a [[link|alias]]\n",
    "notes/page.sb": "Page in notes\n[* Heading]\n text",
}  # fmt: skip


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder holding FILES, and an environment whose `scrapconv` and `python` are this
    checkout's."""
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / ".git").mkdir()  # the configuration is looked for up to here
    bin_folder = tmp_path.parent / f"{tmp_path.name}-bin"
    bin_folder.mkdir()
    for name, prefix in (("scrapconv", "-m scrapconv "), ("python", "")):
        script = bin_folder / name
        script.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {prefix}"$@"\n')
        script.chmod(0o755)
    environment = {
        **os.environ,
        "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT / "src"),
    }
    return tmp_path, environment


def test_the_commands_not_run_here_are_still_shown() -> None:
    shown = commands()
    assert [command for command in NOT_RUN if command not in shown] == []


@pytest.mark.skipif(sys.platform == "win32", reason="the README's commands are POSIX shell")
def test_every_command_runs_as_shown(sandbox: tuple[Path, dict[str, str]]) -> None:
    folder, environment = sandbox
    ran = []
    for command in commands():
        if command in NOT_RUN:
            continue
        result = subprocess.run(
            ["sh", "-c", command],
            cwd=folder,
            env=environment,
            capture_output=True,
            text=True,
            encoding="utf-8",
        )
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        assert "Traceback" not in result.stderr, command
        ran.append(command)
    assert len(ran) >= 15, ran
    # What the README says the commands do.
    assert (
        (folder / "vault" / "My page.md")
        .read_text(encoding="utf-8")
        .startswith("---\ntitle: My page\n")
    )
    nishio = (folder / "vault" / "nishio" / "Page.md").read_text(encoding="utf-8")
    assert "[[villagepump/a b|/villagepump/a b]]" in nishio
    # The daily job's files are named as the pipeline names them.
    assert sorted(path.name for path in (folder / "site").glob("*.md")) == [
        "My page.md", "Other page.md", "a-b.md"
    ]  # fmt: skip
    imported = json.loads((folder / "import.json").read_text(encoding="utf-8"))
    # The vault's notes carry the export's dates, so the import's lines do too.
    lines = {page["title"]: [line["text"] for line in page["lines"]] for page in imported["pages"]}
    assert {line["created"] for page in imported["pages"] for line in page["lines"]} == {
        1_600_000_000
    }
    assert lines["My page"] == ["My page", "[* Heading]", " a [link] #tag [me.icon] [Other page]"]
    assert lines["Other page"] == ["Other page", "back to [My page]", "[a/b]"]
    assert (folder / "notes" / "page.md").exists()
    assert sorted(path.name for path in (folder / "notes").glob("[ab].md")) == ["a.md", "b.md"]


def test_the_python_examples_run_and_print_what_they_say(
    sandbox: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = sandbox
    monkeypatch.chdir(folder)
    namespace: dict[str, object] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks("python"):
            exec(compile(block, "README.md", "exec"), namespace)
    assert "### Heading\n- a [[link]] [[2019|#2019]] ![me.icon|20](" in printed.getvalue()
    assert "line 3: tag: #2019 is not an Obsidian tag: written as a link\n" in printed.getvalue()
    assert (folder / "vault-from-python" / "My page.md").exists()


def test_the_configuration_shown_is_accepted(sandbox: tuple[Path, dict[str, str]]) -> None:
    folder, environment = sandbox
    [toml] = blocks("toml")
    (folder / "pyproject.toml").write_text(toml, encoding="utf-8")
    for args in (["convert", "page.sb"], ["sync", "--check", "notes/page.sb"]):
        result = subprocess.run(
            ["scrapconv", *args], cwd=folder, env=environment, capture_output=True, text=True
        )
        assert result.returncode in (0, 1), result.stderr
        assert "Error" not in result.stderr
    # The configuration's icons = "link" was taken.
    printed = subprocess.run(
        ["scrapconv", "convert", "page.sb"], cwd=folder, env=environment, capture_output=True
    ).stdout.decode()
    assert "[me.icon](https://scrapbox.io/myproject/me)" in printed
