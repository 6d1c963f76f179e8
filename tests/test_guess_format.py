"""`scrapconv.guess_format` and the command's `--from` told by the input's name or content."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import scrapconv

from .corpus import all_scrapbox_pages, require_corpus
from .markdown_corpus import all_markdown_files

COMMAND = [sys.executable, "-c", "from scrapconv.cli import main; main()"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"pages": []}', "export"),
        ('\ufeff  {"name": "p", "pages": []}', "export"),
        ("---\ntitle: T\n---\nbody", "obsidian"),
        ("# Heading\ntext", "obsidian"),
        ("text\n```python\nx = 1\n```", "obsidian"),
        ("see [the docs](https://example.com)", "obsidian"),
        ("Title\n indented line", "scrapbox"),
        ("Title\ncode:a.py\n x = 1", "scrapbox"),
        ("Title\n[* bold] and [me.icon]", "scrapbox"),
        # Marks of neither, or of both: not told.
        ("just a line of text", None),
        ("", None),
        ("# Heading\n indented Scrapbox line", None),
        # Markdown's nested list items are not Scrapbox's indented lines.
        ("text\n- item\n    - child", None),
    ],
)
def test_guess_format(text: str, expected: str | None) -> None:
    assert scrapconv.guess_format(text) == expected


def test_corpus_texts_are_never_taken_for_the_other_format() -> None:
    """Measured on the corpus: 8,524 of 11,861 Scrapbox pages and 674 of 676 Markdown notes
    are told; one Scrapbox page, which shows a Markdown link, is taken for Markdown."""
    require_corpus()
    pages = all_scrapbox_pages()
    scrapbox = [scrapconv.guess_format(page.text) for page in pages]
    wrong = [page.title for page, guess in zip(pages, scrapbox, strict=True) if guess == "obsidian"]
    assert len(wrong) <= 1, wrong
    assert scrapbox.count("scrapbox") >= 0.7 * len(pages)
    notes = [scrapconv.guess_format(note.text) for note in all_markdown_files()]
    assert "scrapbox" not in notes and "export" not in notes
    assert notes.count("obsidian") >= 0.99 * len(notes)


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*COMMAND, *args], input=stdin, capture_output=True)


def test_a_markdown_file_name_tells_obsidian(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("[[page]] and **bold**\n", encoding="utf-8")
    result = run("convert", "--to", "scrapbox", str(note))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "[page] and [[bold]]\n"


def test_standard_input_is_told_by_its_content(tmp_path: Path) -> None:
    scrapbox = run("convert", "--to", "obsidian", stdin=b"Title\n [* big] text\n")
    assert scrapbox.returncode == 0, scrapbox.stderr
    # (The page ends with an empty line, as its text ends with a line break.)
    assert scrapbox.stdout.decode() == "---\ntitle: Title\n---\n- __big__ text\n\n"
    markdown = run("convert", "--to", "scrapbox", stdin=b"# Title\n\n- item\n")
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.decode() == "[*** Title]\n\n item\n"
    vault = tmp_path / "vault"
    export = b'{"name": "p", "pages": [{"title": "A", "lines": ["A", "x"]}]}'
    exported = run("convert", "--to", "obsidian", "-o", str(vault), stdin=export)
    assert exported.returncode == 0, exported.stderr
    assert (vault / "A.md").read_text(encoding="utf-8").endswith("x\n")


def test_an_input_whose_format_cannot_be_told_is_a_usage_error(tmp_path: Path) -> None:
    text = tmp_path / "page.txt"
    text.write_text("just text\n", encoding="utf-8")
    for args, stdin in (((str(text),), b""), ((), b"just text\n")):
        result = run("convert", "--to", "obsidian", *args, stdin=stdin)
        assert result.returncode == 2
        assert "Missing option '--from'" in result.stderr.decode()
        assert b"Traceback" not in result.stderr
        assert result.stdout == b""
