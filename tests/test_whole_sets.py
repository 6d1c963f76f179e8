"""Whole sets in every direction: an export as a folder of `.sb` pages and back
(scrapconv.project.sb_folder), a vault in the other Markdown flavor and back (vault_flavor),
and a vault that remembers its project (vault_project)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scrapconv
from scrapconv.ast import UrlLink
from scrapconv.project import (
    Export,
    ExportPage,
    PagesFolderError,
    VaultError,
    export_to_pages,
    export_to_vault,
    flavor_folder,
    read_export,
    read_pages_folder,
    told_project,
    vault_to_import,
    write_flavor,
)
from scrapconv.project.sb_folder import RECORD_NAME, page_file_texts
from scrapconv.scrapbox.reader import read_scrapbox, scrapbox_text

from .corpus import CORPUS, require_corpus
from .judges import render_obsidian, same_rendering

COMMAND = [sys.executable, "-m", "scrapconv"]
SMALL_EXPORT = CORPUS / "scrapbox-kozaneba-forum" / "kozaneba-forum.json"


def corpus_export(project: str) -> Export:
    require_corpus()
    path = CORPUS / f"scrapbox-{project}" / f"{project}.json"
    return read_export(path.read_bytes(), path.name)


def folder_files(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder` by path, with its bytes and modification time."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), int(path.stat().st_mtime))
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run(*args: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*COMMAND, *map(str, args)], capture_output=True)


# --- export → folder of .sb pages → vault ------------------------------------------------------


@pytest.mark.parametrize("project", ["kozaneba-forum", "qualia-san"])
def test_export_to_pages_to_vault_is_export_to_vault(tmp_path: Path, project: str) -> None:
    export = corpus_export(project)
    export_to_pages(export, tmp_path / "pages")
    first = export.pages[0]
    assert (tmp_path / "pages" / f"{first.title}.sb").stat().st_mtime == first.updated
    pages = read_pages_folder(tmp_path / "pages")
    assert pages.diagnostics == ()
    assert sorted(page.title for page in pages.export.pages) == sorted(
        page.title for page in export.pages
    )
    export_to_vault(export, tmp_path / "direct")
    export_to_vault(pages.export, tmp_path / "through")
    # Byte for byte, file names and modification times too.
    assert folder_files(tmp_path / "through") == folder_files(tmp_path / "direct")


def test_a_page_file_reads_as_its_page(tmp_path: Path) -> None:
    """What `convert page.sb` and `sync` read from a page's file is the page."""
    export = corpus_export("qualia-san")
    files, _ = page_file_texts(export)
    for page, file in zip(export.pages, files, strict=True):
        text = scrapbox_text(file.data.decode("utf-8"))
        assert read_scrapbox(text) == read_scrapbox(page.text)


titles = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\ufeff"))
lines = st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")))
times = st.none() | st.integers(0, 4102444800)


@st.composite
def exports(draw: st.DrawFn) -> Export:
    chosen = draw(st.lists(titles, min_size=1, max_size=6, unique=True))
    pages = tuple(
        ExportPage(title, "\n".join([title, *draw(lines)]), draw(times), draw(times))
        for title in chosen
    )
    return Export(draw(st.sampled_from(["", "p", "my-project"])), pages)


@settings(max_examples=40, deadline=None)
@given(export=exports())
def test_any_export_comes_back_from_its_pages(
    tmp_path_factory: pytest.TempPathFactory, export: Export
) -> None:
    folder = tmp_path_factory.mktemp("pages")
    export_to_pages(export, folder)
    back = read_pages_folder(folder).export
    assert back.project == export.project
    assert sorted(back.pages, key=lambda page: page.title) == sorted(
        export.pages, key=lambda page: page.title
    )


def test_what_a_page_file_cannot_hold_is_reported(tmp_path: Path) -> None:
    export = Export("", (ExportPage("a/b", "first\nx\ry"),))
    result = export_to_pages(export, tmp_path)
    assert [(name, d.code, d.line) for name, d in result.diagnostics] == [
        ("a-b.sb", "title-line", 1),
        ("a-b.sb", "page-file", 2),
        ("a-b.sb", "file-name", 1),
    ]
    assert (tmp_path / "a-b.sb").read_bytes() == b"a/b\nx\ry"


def test_a_folder_of_pages_that_cannot_be_read_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "a.sb").write_text("T\nx", encoding="utf-8")
    (tmp_path / "b.sb").write_text("T\ny", encoding="utf-8")
    with pytest.raises(PagesFolderError, match=r"b\.sb: the page \"T\" of a\.sb too"):
        read_pages_folder(tmp_path)
    (tmp_path / "b.sb").unlink()
    (tmp_path / RECORD_NAME).write_text("[]", encoding="utf-8")
    with pytest.raises(PagesFolderError, match="not a scrapconv record of pages"):
        read_pages_folder(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PagesFolderError, match="no Scrapbox pages"):
        read_pages_folder(empty)


def test_a_page_that_is_no_regular_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.sb").write_text("A", encoding="utf-8")
    (tmp_path / "dir.sb").mkdir()
    os.mkfifo(tmp_path / "fifo.sb")
    read = read_pages_folder(tmp_path)
    assert [page.title for page in read.export.pages] == ["A"]
    assert [(name, d.code) for name, d in read.diagnostics] == [("fifo.sb", "skipped")]


# --- a vault that remembers its project ---------------------------------------------------------


@pytest.mark.parametrize("project", ["kozaneba-forum", "qualia-san", "vtuber"])
def test_a_vault_imports_without_its_project_given(tmp_path: Path, project: str) -> None:
    export = corpus_export(project)
    export_to_vault(export, tmp_path)
    notes = sorted(path.name for path in tmp_path.glob("*.md"))
    assert told_project(tmp_path, notes) == export.project
    # The same pages as with the project given, which tests/test_vault_import.py compares with
    # the export; icons of the project come back as `[name.icon]`.
    without = vault_to_import(tmp_path)
    assert without == vault_to_import(tmp_path, project=export.project)
    if project == "kozaneba-forum":
        lines = [line for page in without.pages for line in page.lines]
        assert any("[nishio.icon]" in line for line in lines)
        assert not any("/kozaneba-forum/nishio.icon" in line for line in lines)


def note(folder: Path, path: str, text: str) -> None:
    file = folder / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")


ICON = "![{name}.icon|20](https://scrapbox.io/api/pages/{project}/{name}/icon)"


def test_without_a_record_the_icons_tell_the_project(tmp_path: Path) -> None:
    note(tmp_path, "a.md", ICON.format(name="me", project="q") + "\n")
    note(tmp_path, "b.md", ICON.format(name="you", project="q") + "\n")
    assert told_project(tmp_path, ["a.md", "b.md"]) == "q"
    assert vault_to_import(tmp_path).pages[0].lines == ("a", "[me.icon]")
    note(tmp_path, "c.md", ICON.format(name="hr", project="icons") + "\n")
    with pytest.raises(VaultError, match=r"icons are of several \(q in a\.md, icons in c\.md\)"):
        vault_to_import(tmp_path)
    # A record settles it; the project given wins over both.
    note(tmp_path, "d.md", "---\nproject: q\n---\n")
    assert vault_to_import(tmp_path).pages[2].lines == ("c", "[/icons/hr.icon]")
    assert vault_to_import(tmp_path, project="icons").pages[0].lines == ("a", "[/q/me.icon]")
    note(tmp_path, "e.md", "---\nproject: r\n---\n")
    with pytest.raises(VaultError, match=r"record several projects \(q in d\.md, r in e\.md\)"):
        vault_to_import(tmp_path)


def test_a_vault_without_icons_or_record_needs_no_project(tmp_path: Path) -> None:
    note(tmp_path, "a.md", "[[b]]\n")
    assert told_project(tmp_path, ["a.md"]) == ""
    assert vault_to_import(tmp_path).pages[0].lines == ("a", "[b]")


# --- a vault in the other flavor ----------------------------------------------------------------


@pytest.mark.parametrize("project", ["kozaneba-forum", "qualia-san", "vtuber"])
def test_vault_to_markdown_to_vault_renders_the_same(tmp_path: Path, project: str) -> None:
    export = corpus_export(project)
    vault, plain, back = tmp_path / "vault", tmp_path / "plain", tmp_path / "back"
    export_to_vault(export, vault)
    there = flavor_folder(vault, "obsidian", "markdown", project=export.project)
    write_flavor(there, plain)
    again = flavor_folder(plain, "markdown", "obsidian", project=export.project)
    write_flavor(again, back)
    assert [path for path, _ in again.notes] == sorted(p.name for p in vault.glob("*.md"))
    # Every note, tags of pages without a note too (links to their pages in plain Markdown).
    for path, data in again.notes:
        before = render_obsidian((vault / path).read_text(encoding="utf-8"))
        assert same_rendering(before, render_obsidian(data.decode("utf-8"))), path
    # Plain Markdown has no wikilinks: every link is a relative Markdown link (code may
    # show `[[x]]`).
    outside_code = [re.sub(r"`[^`\n]*`", "", data.decode()) for _, data in there.notes]
    assert not any(re.search(r"\[\[[^\]\n]+\]\]", text) for text in outside_code)


VAULT = {
    "Top.md": "[[Note]] [[Sub/Deep#Part|shown]] [[#Here]] ![[pic.png]] ![[Note]] #tag #Note\n",
    "Note.md": "---\ntitle: Note\n---\nback to [[Top]]\n",
    "Sub/Deep.md": "# Part\n[[Note]] ![[Sub/pic.png|100]]\n",
}


def make_vault(folder: Path) -> None:
    for path, text in VAULT.items():
        note(folder, path, text)
    (folder / "pic.png").write_bytes(b"\x89PNG top")
    (folder / "Sub" / "pic.png").write_bytes(b"\x89PNG sub")
    note(folder, ".obsidian/app.json", "{}")


def test_links_become_relative_markdown_links_and_come_back(tmp_path: Path) -> None:
    vault, plain, back = tmp_path / "vault", tmp_path / "plain", tmp_path / "back"
    make_vault(vault)
    there = flavor_folder(vault, "obsidian", "markdown")
    notes = {path: data.decode() for path, data in there.notes}
    assert notes["Top.md"] == (
        "[Note](Note.md) [shown](Sub/Deep.md#Part) [#Here](#Here) ![pic.png](pic.png) "
        "[Note](Note.md) [#tag](tag.md) [#Note](Note.md)\n"
    )
    assert notes["Sub/Deep.md"] == "# Part\n[Note](../Note.md) ![Sub/pic.png](pic.png)\n"
    assert [(path, d.code) for path, d in there.diagnostics] == [
        ("Sub/Deep.md", "embed"),
        ("Top.md", "embed"),
    ]
    # Attachments are copied; hidden folders are not read.
    assert there.attachments == ("Sub/pic.png", "pic.png")
    write_flavor(there, plain)
    assert (plain / "Sub" / "pic.png").read_bytes() == b"\x89PNG sub"
    assert not (plain / ".obsidian").exists()
    again = flavor_folder(plain, "markdown", "obsidian")
    write_flavor(again, back)
    for path in ("Note.md", "Sub/Deep.md"):
        before = (vault / path).read_text(encoding="utf-8")
        after = (back / path).read_text(encoding="utf-8")
        if path == "Sub/Deep.md":
            # The embed's size is what plain Markdown cannot say (reported).
            before = before.replace("|100", "")
        assert same_rendering(render_obsidian(before), render_obsidian(after)), path


# --- the command ---------------------------------------------------------------------------------


def test_command_export_to_pages_and_on(tmp_path: Path) -> None:
    require_corpus()
    pages, vault, direct = tmp_path / "pages", tmp_path / "vault", tmp_path / "direct"
    result = run("convert", SMALL_EXPORT, "--to", "scrapbox", "-o", pages)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.decode().splitlines()
    assert lines[-1] == "16 pages, 17 files written, 2 diagnostics"
    assert f"{pages / 'Tear - Merge.sb'}:1: file-name: " in lines[1]
    assert (pages / "Kozaneba.sb").read_text(encoding="utf-8").startswith("Kozaneba\n")
    # Checked again: nothing would change.
    assert run("convert", SMALL_EXPORT, "--to", "scrapbox", "-o", pages, "--check").returncode == 0
    result = run("convert", pages, "--to", "obsidian", "-o", vault)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == "16 pages, 16 files written, 0 diagnostics\n"
    assert run("convert", SMALL_EXPORT, "--to", "obsidian", "-o", direct).returncode == 0
    assert folder_files(vault) == folder_files(direct)
    # A folder of pages into an import, and an export into one.
    result = run("convert", pages, "--to", "scrapbox", "-o", tmp_path / "i.json")
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == "16 pages, 0 diagnostics\n"
    result = run("convert", SMALL_EXPORT, "--to", "scrapbox", "-o", tmp_path / "e.json")
    assert result.returncode == 0, result.stderr
    imported = json.loads((tmp_path / "i.json").read_text(encoding="utf-8"))["pages"]
    exported = json.loads(SMALL_EXPORT.read_text(encoding="utf-8"))["pages"]
    assert sorted(imported, key=lambda page: page["title"]) == sorted(
        ({"title": page["title"], "lines": page["lines"]} for page in exported),
        key=lambda page: page["title"],
    )
    assert json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))["pages"] == [
        {"title": page["title"], "lines": page["lines"]} for page in exported
    ]


def test_command_vault_to_import_needs_no_project(tmp_path: Path) -> None:
    require_corpus()
    vault = tmp_path / "vault"
    assert run("convert", SMALL_EXPORT, "--to", "obsidian", "-o", vault).returncode == 0
    result = run("convert", vault, "--to", "scrapbox", "-o", tmp_path / "i.json")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "i.json").read_text(encoding="utf-8")
    assert "[nishio.icon]" in text
    assert "/kozaneba-forum/nishio.icon" not in text
    # A vault of several projects' icons and no record: one line asks for --project.
    for name in vault.glob("*.md"):
        name.write_text(
            name.read_text(encoding="utf-8").replace("project: kozaneba-forum\n", ""),
            encoding="utf-8",
        )
    note(vault, "other.md", ICON.format(name="hr", project="icons") + "\n")
    result = run("convert", vault, "--to", "scrapbox", "-o", tmp_path / "j.json")
    assert result.returncode == 2
    [line] = result.stderr.decode().splitlines()
    assert line.startswith(f"Error: {vault}: the notes record no project and their icons")
    assert line.endswith("give the one to import into with --project")
    assert not (tmp_path / "j.json").exists()
    result = run("convert", vault, "--to", "scrapbox", "-o", tmp_path / "j.json", "--project", "x")
    assert result.returncode == 0, result.stderr


def test_command_vault_to_the_other_flavor_and_to_pages(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    make_vault(vault)
    plain, back, pages = tmp_path / "plain", tmp_path / "back", tmp_path / "pages"
    result = run("convert", vault, "--to", "markdown", "-o", plain)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().splitlines()[-1] == "3 notes, 5 files written, 2 diagnostics"
    assert (plain / "Sub" / "Deep.md").read_text(encoding="utf-8").startswith("# Part\n")
    result = run("convert", plain, "--from", "markdown", "--to", "obsidian", "-o", back)
    assert result.returncode == 0, result.stderr
    # The same notes, by the shortest name that finds each (as Obsidian writes links).
    assert (back / "Top.md").read_text(encoding="utf-8") == (
        "[[Note]] [[Deep#Part|shown]] [[#Here]] ![[pic.png]] [[Note]] #tag #Note\n"
    )
    # --check and --diff write nothing.
    result = run("convert", vault, "--to", "markdown", "-o", tmp_path / "new", "--diff")
    assert result.returncode == 0
    assert f"+++ {tmp_path / 'new' / 'Top.md'}" in result.stdout.decode()
    assert not (tmp_path / "new").exists()
    result = run("convert", vault, "--to", "scrapbox", "-o", pages)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in pages.iterdir()) == [
        RECORD_NAME, "Deep.sb", "Note.sb", "Top.sb"
    ]  # fmt: skip


def test_command_several_exports_each_into_its_folder(tmp_path: Path) -> None:
    require_corpus()
    copy = tmp_path / "copy.json"
    copy.write_bytes(SMALL_EXPORT.read_bytes())
    result = run("convert", SMALL_EXPORT, copy, "--to", "obsidian", "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "copy",
        "kozaneba-forum",
    ]
    assert folder_files(tmp_path / "out" / "copy") == folder_files(
        tmp_path / "out" / "kozaneba-forum"
    )
    # Vaults too, each into a folder of its name.
    make_vault(tmp_path / "one")
    make_vault(tmp_path / "two")
    result = run(
        "convert", tmp_path / "one", tmp_path / "two", "--to", "scrapbox", "-o", tmp_path / "sb"
    )
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "sb" / "two").iterdir()) == [
        RECORD_NAME, "Deep.sb", "Note.sb", "Top.sb"
    ]  # fmt: skip


def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mixed"
    note(folder, "a.sb", "a")
    note(folder, "a.md", "a")
    return folder


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("{mixed}", "--to", "obsidian", "-o", "{tmp}/o"), "give --from scrapbox to read the"),
        (("{export}", "{export}", "--to", "obsidian", "-o", "{tmp}/o"), "two inputs of one"),
        (("{export}", "{tmp}/c.json", "--to", "scrapbox", "-o", "{tmp}/o.json"), "its own"),
        (
            (
                "{export}",
                "{tmp}/c.json",
                "--to",
                "obsidian",
                "-o",
                "{tmp}/o",
                "--report",
                "{tmp}/r.json",
            ),
            "--report takes",
        ),
        (("{export}", "--to", "scrapbox", "-o", "{tmp}/o", "--incremental"), "applies to notes"),
        (("{vault}", "--to", "obsidian", "-o", "{tmp}/o"), "give --to markdown or scrapbox"),
        (("{vault}", "--to", "markdown", "-o", "{vault}/Sub"), "inside the vault"),
        (("{vault}", "--to", "markdown", "-o", "{tmp}/o.json"), "give -o FOLDER"),
        (("{pages}", "--to", "scrapbox", "-o", "{tmp}/o"), "a folder of Scrapbox pages already"),
        (("{pages}", "--to", "obsidian"), "give it with -o FOLDER or -o FILE.json"),
        (("{bad}", "--from", "scrapbox", "--to", "obsidian", "-o", "{tmp}/o"), "of a.sb too"),
    ],
)
def test_command_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    require_corpus()
    (tmp_path / "c.json").write_bytes(SMALL_EXPORT.read_bytes())
    make_vault(tmp_path / "vault")
    note(tmp_path, "pages/a.sb", "a")
    note(tmp_path, "bad/a.sb", "T")
    note(tmp_path, "bad/b.sb", "T")
    folders = {
        "mixed": mixed_folder(tmp_path),
        "export": SMALL_EXPORT,
        "vault": tmp_path / "vault",
        "pages": tmp_path / "pages",
        "bad": tmp_path / "bad",
        "tmp": tmp_path,
    }
    before = folder_files(tmp_path)
    result = run("convert", *(arg.format(**folders) for arg in args))
    assert result.returncode == 2, result.stderr
    assert b"Traceback" not in result.stderr
    assert message in result.stderr.decode()
    assert folder_files(tmp_path) == before


def test_an_interrupted_run_leaves_no_folder_of_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scrapconv.files

    written: list[Path] = []
    write = scrapconv.files.write_atomically

    def interrupted(path: Path, data: bytes, mtime: int | None, mode: int) -> None:
        if len(written) == 2:
            raise KeyboardInterrupt
        write(path, data, mtime, mode)
        written.append(path)

    monkeypatch.setattr(scrapconv.files, "write_atomically", interrupted)
    pages = tuple(ExportPage(title, title) for title in "abcd")
    with pytest.raises(KeyboardInterrupt):
        export_to_pages(Export("p", pages), tmp_path / "new" / "pages")
    assert len(written) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_url_holding_a_bar_comes_back_whole_from_plain_markdown() -> None:
    # GitHub autolinks it whole, so the plain flavor writes it bare and must read it so.
    url = "https://twitter.com/a?ref_src=twsrc^google|twcamp^serp"
    plain = scrapconv.convert(f"see <{url}> here\n", "obsidian", "markdown").text
    back = scrapconv.read(plain, "markdown")
    assert [node for node in back.blocks[0].children if isinstance(node, UrlLink)] == [
        UrlLink(url, form="bare")
    ]
