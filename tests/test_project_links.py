"""Links through the project's title → file map (reference defect 3): a link goes to the file
of the page Scrapbox would open, and reads back as the link it was."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mistune
import pytest

import scrapconv
from scrapconv.ast import (
    Decoration,
    Document,
    Heading,
    Inline,
    Line,
    NumberList,
    PageLink,
    Quote,
    Strong,
    Table,
)
from scrapconv.filenames import FileNameMap, ProjectFolders, page_filename, root_link
from scrapconv.markdown import write_markdown
from scrapconv.markdown.options import MarkdownOptions
from scrapconv.markdown.reader import read_markdown
from scrapconv.project import (
    Export,
    ExportPage,
    check_vault,
    export_to_vault,
    read_export,
    sync_page,
    vault_notes,
)
from scrapconv.scrapbox.reader import read_scrapbox

from .corpus import CORPUS, require_corpus

Token = dict[str, Any]

SOURCE = "ABC170\n[ABC170_E] [abc170 e] [a/b] [Missing_page] #ABC170_E"
PAGES = FileNameMap.for_titles(["ABC170", "ABC170 E", "a/b"])


def test_links_go_to_the_file_of_the_page_scrapbox_opens() -> None:
    text, _ = write_markdown(read_scrapbox(SOURCE), MarkdownOptions(pages=PAGES))
    body = text.split("---\n")[-1]
    # Obsidian finds notes whatever the case: a link that differs only in case keeps its own
    # text. A tag stays an Obsidian tag; links to pages the project lacks keep their text.
    assert body == ("[[ABC170 E|ABC170_E]] [[abc170 e]] [[a-b|a/b]] [[Missing_page]] #ABC170_E\n")


def test_without_the_map_links_use_their_own_text() -> None:
    text, _ = write_markdown(read_scrapbox(SOURCE), MarkdownOptions())
    assert "[[ABC170_E]]" in text


def test_links_through_the_map_read_back_as_written() -> None:
    text, _ = write_markdown(read_scrapbox(SOURCE), MarkdownOptions(pages=PAGES))
    assert scrapconv.write(scrapconv.read(text, "obsidian"), "scrapbox") == SOURCE


# ---------------------------------------------------------------------------------------------
# Links to other projects: their URLs, and their notes in folders of the same vault


def _body(text: str) -> str:
    return text.split("---\n")[-1]


def _written(source: str, **options: Any) -> str:
    text, _ = write_markdown(read_scrapbox(source), MarkdownOptions(**options))
    return _body(text)


def _links(markdown: str) -> list[Token]:
    """The top-level nodes of the one paragraph mistune reads `markdown` as."""
    (paragraph,) = mistune.create_markdown(renderer="ast")(markdown)
    assert paragraph["type"] == "paragraph"
    return paragraph["children"]


@pytest.mark.parametrize(
    ("target", "url"),
    [
        ("/villagepump/a b", "https://scrapbox.io/villagepump/a_b"),
        ("/p/a/b", "https://scrapbox.io/p/a%2Fb"),
        ("/p/Social Hack Day #62", "https://scrapbox.io/p/Social_Hack_Day_%2362"),
        ("/p/a?b=1", "https://scrapbox.io/p/a%3Fb%3D1"),
        ("/p/100% (a)", "https://scrapbox.io/p/100%25_%28a%29"),
        ("/p/f(x", "https://scrapbox.io/p/f%28x"),
        ("/p/x))", "https://scrapbox.io/p/x%29%29"),
        ("/p/日本", "https://scrapbox.io/p/%E6%97%A5%E6%9C%AC"),
        ("/p/a#5fe632811280f000007d95e7", "https://scrapbox.io/p/a#5fe632811280f000007d95e7"),
    ],
)
@pytest.mark.parametrize("flavor", ["obsidian", "markdown"])
def test_a_renderer_sees_one_link_with_the_whole_url(flavor: str, target: str, url: str) -> None:
    written = _written(f"T\n[{target}]", flavor=flavor)
    (link,) = _links(written)
    assert link["type"] == "link"
    assert link["attrs"]["url"] == url
    assert "".join(child["raw"] for child in link["children"]) == target
    (line,) = scrapconv.read(written, flavor).blocks
    assert line == Line("", (PageLink(target),), 1)


VILLAGEPUMP = (("villagepump", "villagepump"),)
CROSS_PROJECT = "T\n[/villagepump/a b] [/villagepump/a/b] [/nishio/c] [/villagepump/x.icon] [d]"


def test_links_to_a_project_with_a_folder_are_wikilinks_to_its_notes() -> None:
    assert _written(CROSS_PROJECT, project="nishio", project_folders=VILLAGEPUMP) == (
        "[[villagepump/a b|/villagepump/a b]] [[villagepump/a-b|/villagepump/a/b]] "
        "[/nishio/c](https://scrapbox.io/nishio/c) ![/villagepump/x.icon|20]("
        "https://scrapbox.io/api/pages/villagepump/x/icon) [[d]]\n"
    )


def test_in_plain_markdown_they_are_relative_links_to_the_note_files() -> None:
    # The notes written are in a folder beside the other project's, by default.
    written = _written(CROSS_PROJECT, flavor="markdown", project_folders=VILLAGEPUMP)
    assert written.startswith(
        "[/villagepump/a b](../villagepump/a%20b.md) [/villagepump/a/b](../villagepump/a-b.md) "
        "[/nishio/c](https://scrapbox.io/nishio/c) ![/villagepump/x.icon]"
    )
    assert _links(written)[0]["attrs"]["url"] == "../villagepump/a%20b.md"


@pytest.mark.parametrize(
    ("folders", "destination"),
    [
        # The project's own folder says where the notes written are.
        ((("nishio", "."), ("villagepump", "villagepump")), "villagepump/a%20b.md"),
        ((("nishio", "notes/nishio"), ("villagepump", "notes/villagepump")), "../villagepump/"),
        ((("nishio", "nishio"), ("villagepump", "pages/vp (2)")), "../pages/vp%20%282%29/"),
        ((("nishio", "a/b"), ("villagepump", ".")), "../../a%20b.md"),
    ],
)
def test_relative_links_start_from_the_folder_of_the_project_written(
    folders: tuple[tuple[str, str], ...], destination: str
) -> None:
    written = _written("T\n[/villagepump/a b]", flavor="markdown", project="nishio",
                       project_folders=folders)  # fmt: skip
    (link,) = _links(written)
    assert link["attrs"]["url"].startswith(destination)
    assert link["attrs"]["url"].endswith("a%20b.md")


def test_a_link_to_a_line_goes_to_the_note_and_shows_the_line() -> None:
    source = "T\n[/villagepump/a b#5fe632811280f000007d95e7]"
    assert _written(source, project_folders=VILLAGEPUMP) == (
        "[[villagepump/a b|/villagepump/a b#5fe632811280f000007d95e7]]\n"
    )
    assert _written(source, flavor="markdown", project_folders=VILLAGEPUMP) == (
        "[/villagepump/a b#5fe632811280f000007d95e7](../villagepump/a%20b.md)\n"
    )


def test_file_names_follow_the_rules_of_a_vault_of_that_project() -> None:
    # `.`, a device name and a trailing dot are named as that project's export names them.
    source = "T\n[/villagepump/.env] [/villagepump/CON] [/villagepump/etc.]"
    assert _written(source, project_folders=VILLAGEPUMP) == (
        "[[villagepump/-env|/villagepump/.env]] [[villagepump/CON-|/villagepump/CON]] "
        "[[villagepump/etc|/villagepump/etc.]]\n"
    )
    assert [page_filename(title) for title in (".env", "CON", "etc.")] == ["-env", "CON-", "etc"]


def test_in_a_table_the_bar_of_the_wikilink_is_escaped() -> None:
    source = "T\ntable:t\n [/villagepump/a b]\tx"
    assert "| [[villagepump/a b\\|/villagepump/a b]] | x |" in _written(
        source, project_folders=VILLAGEPUMP
    )


def test_without_a_folder_for_a_linked_project_nothing_changes() -> None:
    for flavor in ("obsidian", "markdown"):
        plain = _written(CROSS_PROJECT, flavor=flavor)
        unrelated = _written(CROSS_PROJECT, flavor=flavor, project_folders=(("other", "o"),))
        assert unrelated == plain
        assert "[/villagepump/a b](https://scrapbox.io/villagepump/a_b)" in plain


@pytest.mark.parametrize("flavor", ["obsidian", "markdown"])
def test_links_to_notes_of_other_projects_read_back_with_the_same_folders(flavor: str) -> None:
    source = (
        "T\n[/villagepump/a b] [/villagepump/a/b] [/villagepump/f(x)#5fe632811280f000007d95e7]"
        " [/villagepump] [/nishio/c]\n table:t\n  [/villagepump/a b]\tx"
    )
    folders = (("nishio", "nishio"), ("villagepump", "villagepump"))
    text, _ = write_markdown(
        read_scrapbox(source),
        MarkdownOptions(flavor=flavor, project="nishio", project_folders=folders),
    )
    document = read_markdown(text, flavor, project="nishio", project_folders=folders)
    assert scrapconv.write(document, "scrapbox") == source


def test_without_the_folders_the_reader_keeps_the_link_and_shows_its_text() -> None:
    text, _ = write_markdown(
        read_scrapbox("T\n[/villagepump/a b]"), MarkdownOptions(project_folders=VILLAGEPUMP)
    )
    result = scrapconv.convert(text, "obsidian", "scrapbox")
    # The text shown, before the link to the note the link names: nothing is lost.
    assert result.text == "T\n/villagepump/a b ([villagepump/a b])"
    assert result.diagnostics == ()


def test_a_link_written_another_way_is_not_taken_for_one_to_another_project() -> None:
    for text in (
        "[[villagepump/other|/villagepump/a b]]",
        "[[elsewhere/a b|/villagepump/a b]]",
        "[/villagepump/a b](villagepump/a%20b.md)",
    ):
        document = read_markdown(text, project_folders=VILLAGEPUMP)
        (line,) = document.blocks
        assert isinstance(line, Line)
        (link,) = line.children
        assert isinstance(link, PageLink)
        assert link.path and link.alias == "/villagepump/a b"


@pytest.mark.parametrize(
    ("folders", "message"),
    [
        ((("", "x"),), "'' is not a Scrapbox project name"),
        ((("a/b", "x"),), "'a/b' is not a Scrapbox project name"),
        ((("p", "../x"),), "the folder '../x' of p is not inside the vault"),
        ((("p", "/x"),), "the folder '/x' of p is not inside the vault"),
        ((("p", "x/a#b"),), "the folder 'x/a#b' of p holds a character no file name has"),
        ((("p", "x"), ("p", "y")), "two folders for p: 'x' and 'y'"),
    ],
)
def test_malformed_folders_are_refused(folders: tuple[tuple[str, str], ...], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        MarkdownOptions(project_folders=folders)


def test_folders_are_normalised_and_refused_with_the_reference_format() -> None:
    options = MarkdownOptions(project_folders=(("p", "x/./y/"), ("q", ""), ("p", "x/y")))
    assert options.project_folders == (("p", "x/y"), ("q", "."))
    with pytest.raises(ValueError, match="faithful"):
        MarkdownOptions(compat="reference", project_folders=(("p", "x"),))
    # A dict would give its keys, which a two-letter name would pass for a pair.
    with pytest.raises(TypeError, match="pairs, not 'vp'"):
        MarkdownOptions(project_folders={"vp": "x"})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Whole exports, pages kept in sync and the command


NISHIO = Export(
    "nishio",
    (
        ExportPage("A", "A\n[/villagepump/a b] [B] [/nishio/B]"),
        ExportPage("B", "B\n[/villagepump/c]"),
    ),
)


def test_an_export_links_to_the_notes_of_other_projects(tmp_path: Path) -> None:
    folder = tmp_path / "vault" / "nishio"
    export_to_vault(NISHIO, folder, MarkdownOptions(flavor="markdown", project_folders=VILLAGEPUMP))
    assert _body((folder / "A.md").read_text(encoding="utf-8")) == (
        "[/villagepump/a b](../villagepump/a%20b.md) [B](B.md) "
        "[/nishio/B](https://scrapbox.io/nishio/B)\n"
    )
    check = check_vault(
        NISHIO, folder, MarkdownOptions(flavor="markdown", project_folders=VILLAGEPUMP)
    )
    assert check.changes == ()
    notes = vault_notes(
        NISHIO, MarkdownOptions(project_folders=(("nishio", "nishio"), *VILLAGEPUMP)), jobs=2
    )
    assert [_body(note.text) for note in notes] == [
        "[[villagepump/a b|/villagepump/a b]] [[B]] [[nishio/B|/nishio/B]]\n",
        "[[villagepump/c|/villagepump/c]]\n",
    ]


def test_a_synced_note_links_to_the_notes_of_other_projects(tmp_path: Path) -> None:
    page = tmp_path / "page.sb"
    page.write_text("T\n[/villagepump/a b]", encoding="utf-8")
    synced = sync_page(page, MarkdownOptions(project_folders=VILLAGEPUMP))
    assert _body(synced.change.new.decode()) == "[[villagepump/a b|/villagepump/a b]]\n"


def _command(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", "from scrapconv.cli import main; main()", *args],
        input=stdin,
        capture_output=True,
    )


def test_the_command_takes_project_folders(tmp_path: Path) -> None:
    export = tmp_path / "nishio.json"
    export.write_text(
        '{"name": "nishio", "pages": [{"title": "A", "lines": ["A", "[/villagepump/a b]"]}]}',
        encoding="utf-8",
    )
    folder = tmp_path / "vault" / "nishio"
    result = _command(
        "convert", str(export), "-o", str(folder), "--to", "obsidian",
        "--project-folder", "villagepump=villagepump", "--project-folder", "shokai=people/shokai",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _body((folder / "A.md").read_text(encoding="utf-8")) == (
        "[[villagepump/a b|/villagepump/a b]]\n"
    )
    result = _command(
        "convert", "--from", "scrapbox", "--to", "markdown", "--project-folder", "villagepump=vp",
        stdin=b"T\n[/villagepump/a b]",
    )  # fmt: skip
    assert result.stdout.decode().endswith("\n[/villagepump/a b](../vp/a%20b.md)\n")
    page = tmp_path / "page.sb"
    page.write_text("T\n[/villagepump/a b]", encoding="utf-8")
    assert _command("sync", str(page), "--project-folder", "villagepump=vp").returncode == 0
    assert (
        page.with_suffix(".md")
        .read_text(encoding="utf-8")
        .endswith("\n[[vp/a b|/villagepump/a b]]\n")
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("villagepump", "Error: --project-folder 'villagepump': give NAME=FOLDER, such as "
         "villagepump=villagepump"),
        ("=vp", "Error: --project-folder '=vp': give NAME=FOLDER, such as villagepump=villagepump"),
        ("vp=../x", "Error: --project-folder: the folder '../x' of vp is not inside the vault"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["convert", "sync"])
def test_a_malformed_project_folder_is_one_line_and_exit_2(
    command: str, value: str, message: str, tmp_path: Path
) -> None:
    page = tmp_path / "page.sb"
    page.write_text("T", encoding="utf-8")
    args = ("--to", "obsidian") if command == "convert" else ()
    result = _command(command, *args, "--project-folder", value, str(page))
    assert result.returncode == 2
    assert result.stderr.decode() == message + "\n"
    assert not page.with_suffix(".md").exists()


# ---------------------------------------------------------------------------------------------
# A real export


def _root_links(document: Document) -> Iterator[str]:
    """The targets of the links to other projects' pages, in order."""

    def walk(nodes: tuple[Inline, ...]) -> Iterator[str]:
        for node in nodes:
            if isinstance(node, PageLink) and node.target.startswith("/"):
                yield node.target
            elif isinstance(node, Decoration | Strong | Quote | NumberList):
                yield from walk(node.children)

    for block in document.blocks:
        if isinstance(block, Line | Heading):
            yield from walk(block.children)
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row:
                    yield from walk(cell)


def test_a_corpus_export_links_to_the_folders_of_the_projects_it_links_most() -> None:
    require_corpus()
    data = (CORPUS / "scrapbox-villagepump/villagepump.json").read_bytes()
    export = read_export(data, "villagepump.json")
    links = [list(_root_links(read_scrapbox(page.text))) for page in export.pages]
    counts = Counter(root_link(target)[0] for targets in links for target in targets)
    folders = tuple((name, f"projects/{name}") for name, _ in counts.most_common(3))
    mapped = ProjectFolders(folders, "villagepump")
    notes = vault_notes(export, MarkdownOptions(project_folders=folders), jobs=None)
    checked = 0
    for page, note, targets in zip(export.pages, notes, links, strict=True):
        targets = [target for target in targets if mapped.note(target)]
        if not targets:
            continue
        for target in targets:
            project, name, _ = root_link(target)
            link = f"[[projects/{project}/{page_filename(name)}|{target}]]"
            assert link in note.text or link.replace("|", "\\|") in note.text, (page.title, link)
        # Every one is a link to a note, and reads back, with the same folders, as it was.
        assert note.text.count("[[projects/") == len(targets), page.title
        back = read_markdown(note.text, project="villagepump", project_folders=folders)
        assert [target for target in _root_links(back) if mapped.note(target)] == targets
        checked += len(targets)
    assert checked > 500
