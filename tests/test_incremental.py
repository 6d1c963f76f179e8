"""Incremental runs of export → vault: `export_to_vault(incremental=True)`, `--incremental`,
`--force` and the folder's manifest (scrapconv.manifest)."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from scrapconv import cli, project
from scrapconv.filenames import FileNameMap
from scrapconv.manifest import (
    MANIFEST_NAME,
    Manifest,
    ManifestEntry,
    ManifestError,
    digest,
    manifest_bytes,
    read_manifest,
)
from scrapconv.markdown.options import Flavor, MarkdownOptions
from scrapconv.project import (
    Export,
    ExportPage,
    FileChange,
    KeptFile,
    VaultRun,
    check_vault,
    export_to_vault,
    read_export,
    vault,
    write_change,
)

from .corpus import CORPUS, require_corpus

CREATED = 1609936496  # 2021-01-06T12:34:56Z
LATER = CREATED + 3600


def page(title: str, *lines: str, updated: int = CREATED) -> ExportPage:
    return ExportPage(title, "\n".join((title, *lines)), CREATED, updated)


def small_export() -> Export:
    """Eight pages linking to each other, one to a page the export lacks (`[New_Page]`)."""
    pages = [page(f"Page {n}", f"[Page {(n + 1) % 8}] #tag_{n}", " an item") for n in range(8)]
    pages.append(page("Links", "[New_Page] [Page 0]"))
    return Export("p", tuple(pages))


def with_changes(export: Export, titles: set[str]) -> Export:
    """`export` with a line added to each page of `titles`, and their `updated` bumped."""
    pages = tuple(
        dataclasses.replace(p, text=p.text + "\nchanged", updated=LATER) if p.title in titles else p
        for p in export.pages
    )
    return dataclasses.replace(export, pages=pages)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file of a folder: its bytes, its inode and its modification time."""
    files: dict[str, tuple[bytes, int, int]] = {}
    for path in sorted(folder.iterdir()):
        stat = path.stat()
        files[path.name] = (path.read_bytes(), stat.st_ino, stat.st_mtime_ns)
    return files


def assert_only_rewritten(
    before: dict[str, tuple[bytes, int, int]],
    after: dict[str, tuple[bytes, int, int]],
    names: set[str],
) -> None:
    """The notes `names` have new bytes; every other note is the very same file, untouched."""
    assert set(after) == set(before)
    for name in before:
        if name in names:
            assert after[name][0] != before[name][0], name
        elif name != MANIFEST_NAME:
            assert after[name] == before[name], name


def incremental(
    export: Export,
    folder: Path,
    *,
    flavor: Flavor = "obsidian",
    jobs: int | None = 1,
    force: bool = False,
) -> project.VaultResult:
    markdown = MarkdownOptions(flavor=flavor)
    return export_to_vault(export, folder, markdown, VaultRun(jobs, incremental=True, force=force))


def export_json(export: Export) -> dict[str, object]:
    return {
        "name": export.project,
        "pages": [
            {
                "title": p.title,
                "created": p.created,
                "updated": p.updated,
                "lines": p.text.split("\n"),
            }
            for p in export.pages
        ],
    }


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.main, args)


# --- the manifest ---------------------------------------------------------------------------------


def test_a_first_incremental_run_writes_every_note_and_a_second_touches_nothing(
    tmp_path: Path,
) -> None:
    export = small_export()
    first = incremental(export, tmp_path)
    assert first.full_run == "no manifest"
    assert len(first.files) == len(export.pages)
    assert (first.unchanged, first.removed, first.kept) == ((), (), ())
    manifest = read_manifest(tmp_path / MANIFEST_NAME)
    assert manifest is not None
    assert sorted(manifest.files) == sorted(first.files)
    for name, entry in manifest.files.items():
        assert entry.written == digest((tmp_path / name).read_bytes())
    data = (tmp_path / MANIFEST_NAME).read_bytes()
    value = json.loads(data)
    assert value["format"] == 2
    # One row a file, one line a row.
    assert rows_by_line(data) == value["files"]

    before = snapshot(tmp_path)
    second = incremental(export, tmp_path)
    assert second.full_run is None
    assert second.files == second.diagnostics == ()
    assert second.unchanged == first.files
    # Nothing written at all, the manifest included.
    assert snapshot(tmp_path) == before


def test_pages_whose_title_and_time_are_as_recorded_are_not_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = small_export()
    incremental(export, tmp_path)
    manifest = read_manifest(tmp_path / MANIFEST_NAME)
    assert manifest is not None
    assert {entry.updated for entry in manifest.files.values()} == {CREATED}
    hashed: list[str] = []
    source_digest = project.incremental.source_digest

    def counted(title: str, text: str, created: int | None, updated: int | None) -> str:
        hashed.append(title)
        return source_digest(title, text, created, updated)

    monkeypatch.setattr(project.incremental, "source_digest", counted)
    result = incremental(with_changes(export, {"Page 2"}), tmp_path)
    assert result.files == ("Page 2.md",)
    # Only the page converted, for its new entry.
    assert hashed == ["Page 2"]


def test_a_manifest_without_times_tells_changes_by_digest(tmp_path: Path) -> None:
    export = small_export()
    incremental(export, tmp_path)
    path = tmp_path / MANIFEST_NAME
    value = json.loads(path.read_bytes())
    for row in value["files"]:
        row[2] = None
    path.write_text(json.dumps(value), encoding="utf-8")
    # The text changes but not the time: only the digest can tell.
    edited = dataclasses.replace(export.pages[3], text=export.pages[3].text + "\nmore")
    pages = (*export.pages[:3], edited, *export.pages[4:])
    result = incremental(dataclasses.replace(export, pages=pages), tmp_path)
    assert result.files == ("Page 3.md",)
    assert len(result.unchanged) == len(export.pages) - 1


def test_a_manifest_time_that_is_not_one_is_refused(tmp_path: Path) -> None:
    incremental(small_export(), tmp_path)
    path = tmp_path / MANIFEST_NAME
    value = json.loads(path.read_bytes())
    for time in ("yesterday", -1, True):
        value["files"][1][2] = time
        path.write_text(json.dumps(value), encoding="utf-8")
        with pytest.raises(ManifestError, match=r'"updated" is not a time'):
            incremental(small_export(), tmp_path)


_ENTRIES = st.builds(
    ManifestEntry,
    st.text(),
    st.none() | st.text(),
    st.text(),
    st.none() | st.integers(min_value=0, max_value=2**40),
)


def rows_by_line(data: bytes) -> list[object]:
    """The rows of a manifest's files, each read from its own line."""
    lines = data.decode("utf-8", "surrogatepass").split("\n")
    return [
        json.loads(line.strip().removesuffix(",")) for line in lines if line.startswith("    [")
    ]


@given(
    st.text(),
    st.text(),
    st.dictionaries(st.text(), _ENTRIES, max_size=5),
    st.none() | st.dictionaries(st.text(), st.text(), max_size=3),
)
def test_the_manifest_is_json_a_file_a_line(
    settings: str, titles: str, files: dict[str, ManifestEntry], names: dict[str, str] | None
) -> None:
    manifest = Manifest(settings, titles, files, names)
    value = {
        "files": [
            [name, entry.title, entry.updated, entry.source, entry.written]
            for name, entry in sorted(files.items())
        ],
        "format": 2,
        **({} if names is None else {"names": names}),
        "settings": settings,
        "titles": titles,
    }
    data = manifest_bytes(manifest)
    assert json.loads(data.decode("utf-8", "surrogatepass")) == value
    assert rows_by_line(data) == value["files"]
    # Each row as json's encoder writes it, so that a manifest's bytes stay what they were.
    lines = data.decode("utf-8", "surrogatepass").split("\n")
    assert [line.strip().removesuffix(",") for line in lines if line.startswith("    [")] == [
        json.dumps(row, ensure_ascii=False) for row in value["files"]
    ]
    assert list(json.loads(data.decode("utf-8", "surrogatepass"))) == sorted(value)


# What a file can hold: no lone surrogates (no run writes a manifest of pages holding any).
_CHARACTERS = st.characters(blacklist_categories=("Cs",))
_NOTE_NAMES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\x00"), min_size=1
).filter(lambda name: not name.startswith("."))
_FILED_ENTRIES = st.builds(
    ManifestEntry,
    st.text(_CHARACTERS),
    st.none() | st.text(_CHARACTERS),
    st.text(_CHARACTERS),
    st.none() | st.integers(min_value=0, max_value=2**40),
)


@given(
    st.dictionaries(_NOTE_NAMES.map(lambda name: name + ".md"), _FILED_ENTRIES, max_size=5),
    st.none() | st.dictionaries(st.text(_CHARACTERS), _NOTE_NAMES.map(lambda name: name + ".md")),
)
def test_the_manifest_reads_back_as_written(
    files: dict[str, ManifestEntry], names: dict[str, str] | None
) -> None:
    manifest = Manifest("s", "t", files, names)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / MANIFEST_NAME
        path.write_bytes(manifest_bytes(manifest))
        assert read_manifest(path) == manifest


def format_1(data: bytes) -> bytes:
    """A manifest of format 2 as scrapconv 0.x wrote it in format 1 (no file names)."""
    value = json.loads(data)
    files = {
        name: {
            "source": source,
            "title": title,
            "written": written,
            **({} if updated is None else {"updated": updated}),
        }
        for name, title, updated, source, written in value["files"]
    }
    old = {"files": files, "format": 1, "settings": value["settings"], "titles": value["titles"]}
    return (json.dumps(old, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def test_a_manifest_of_format_1_is_read_and_written_again_in_format_2(tmp_path: Path) -> None:
    export = dataclasses.replace(
        small_export(), pages=(*small_export().pages, page("a/b", "[Page 1]"))
    )
    incremental(export, tmp_path)
    path = tmp_path / MANIFEST_NAME
    written = path.read_bytes()
    path.write_bytes(format_1(written))
    old = read_manifest(path)
    assert old is not None
    assert old.names is None
    assert old.files == read_manifest_of(written).files
    # Not a full run: the settings and titles are those recorded.
    result = incremental(with_changes(export, {"Page 2"}), tmp_path)
    assert result.full_run is None
    assert result.files == ("Page 2.md",)
    again = read_manifest(path)
    assert again is not None
    assert again.names == {"a/b": "a-b.md"}
    assert json.loads(path.read_bytes())["format"] == 2


def read_manifest_of(data: bytes) -> Manifest:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / MANIFEST_NAME
        path.write_bytes(data)
        manifest = read_manifest(path)
    assert manifest is not None
    return manifest


def renamed_export() -> Export:
    """Pages whose files are not named after their titles, and links to them."""
    extra = (
        page("a/b", "[c#d] [A b]"),
        page("c#d", "[a/b]"),
        page("A b", "[a_b] [con]"),
        page("a_b", "[A b]"),
        page("con", "[Page 1]"),
    )
    return dataclasses.replace(small_export(), pages=(*small_export().pages, *extra))


def for_titles_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    for_titles = FileNameMap.for_titles.__func__  # type: ignore[attr-defined]

    def counted(cls: type[FileNameMap], titles: list[str]) -> FileNameMap:
        calls.append(1)
        return for_titles(cls, titles)  # type: ignore[no-any-return]

    monkeypatch.setattr(FileNameMap, "for_titles", classmethod(counted))
    return calls


def test_the_file_names_of_the_last_run_are_taken_from_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = renamed_export()
    incremental(export, tmp_path / "updated")
    manifest = read_manifest(tmp_path / "updated" / MANIFEST_NAME)
    assert manifest is not None
    assert manifest.names == {
        "a/b": "a-b.md",
        "c#d": "c-d.md",
        "a_b": "a_b (648fa9b3).md",
        "con": "con-.md",
    }
    calls = for_titles_calls(monkeypatch)
    changed = with_changes(export, {"a/b", "A b", "a_b"})
    result = incremental(changed, tmp_path / "updated")
    assert calls == []
    assert sorted(result.files) == ["A b.md", "a-b.md", "a_b (648fa9b3).md"]
    # The notes are those a run that names every page again writes.
    export_to_vault(changed, tmp_path / "fresh")
    updated = snapshot(tmp_path / "updated")
    fresh = snapshot(tmp_path / "fresh")
    assert {name: data for name, (data, _, _) in updated.items() if name != MANIFEST_NAME} == {
        name: data for name, (data, _, _) in fresh.items()
    }


@pytest.mark.parametrize(
    "names",
    [
        {"c#d": "c-d.md", "a_b": "a_b (648fa9b3).md", "con": "con-.md"},
        {"a/b": "a-b.md", "c#d": "c-d.md", "a_b": "a-b.md", "con": "con-.md"},
        {"a/b": "a-b.md", "c#d": "c-d.md", "a_b": "x.md", "con": "con-.md", "gone": "g.md"},
    ],
    ids=["a title no file is named after", "two pages one file", "a title not in the export"],
)
def test_file_names_that_cannot_be_the_pages_are_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: dict[str, str]
) -> None:
    export = renamed_export()
    incremental(export, tmp_path)
    path = tmp_path / MANIFEST_NAME
    value = json.loads(path.read_bytes())
    value["names"] = names
    path.write_text(json.dumps(value), encoding="utf-8")
    calls = for_titles_calls(monkeypatch)
    before = snapshot(tmp_path)
    result = incremental(export, tmp_path)
    assert calls == [1]
    assert result.files == ()
    after = snapshot(tmp_path)
    assert {name: after[name] for name in before if name != MANIFEST_NAME} == {
        name: before[name] for name in before if name != MANIFEST_NAME
    }


def test_the_settings_digest_is_made_without_the_map() -> None:
    export = renamed_export()
    for markdown in (MarkdownOptions(), MarkdownOptions(project="x", compat="reference")):
        options = project.pages.page_options(export, markdown)
        assert project.incremental.fingerprint(options)[
            0
        ] == project.incremental.settings_fingerprint(export, markdown)


def test_note_names_never_take_the_manifests_name() -> None:
    names = FileNameMap.for_titles([".scrapconv.json", ".scrapconv", "."])
    assert all(not name.startswith(".") for _, name in names)


def test_a_plain_run_writes_no_manifest_but_keeps_one_up_to_date(tmp_path: Path) -> None:
    export = small_export()
    export_to_vault(export, tmp_path)
    assert not (tmp_path / MANIFEST_NAME).exists()
    incremental(export, tmp_path)
    # A plain run rewrites every note (as it always has) and records what it wrote, so the
    # next incremental run takes none of its notes for hand-edited ones.
    changed = with_changes(export, {"Page 1"})
    result = export_to_vault(changed, tmp_path)
    assert len(result.files) == len(export.pages)
    after = incremental(changed, tmp_path)
    assert (after.files, after.kept, after.full_run) == ((), (), None)


def test_a_plain_run_without_a_manifest_hashes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_: object) -> str:
        raise AssertionError("hashed without a manifest")

    monkeypatch.setattr(project.incremental, "digest", refused)
    monkeypatch.setattr(project.incremental, "source_digest", refused)
    result = export_to_vault(small_export(), tmp_path)
    assert len(result.files) == len(small_export().pages)


def test_force_needs_incremental(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="incremental"):
        VaultRun(force=True)
    assert list(tmp_path.iterdir()) == []


# --- changed, new and deleted pages ---------------------------------------------------------------


def test_changing_three_pages_rewrites_exactly_their_notes(tmp_path: Path) -> None:
    export = small_export()
    incremental(export, tmp_path)
    before = snapshot(tmp_path)
    titles = {"Page 1", "Page 4", "Links"}
    result = incremental(with_changes(export, titles), tmp_path)
    assert result.full_run is None
    assert result.files == ("Page 1.md", "Page 4.md", "Links.md")
    assert len(result.unchanged) == len(export.pages) - 3
    assert_only_rewritten(before, snapshot(tmp_path), set(result.files))


def test_changing_three_pages_of_a_corpus_export(tmp_path: Path) -> None:
    require_corpus()
    path = CORPUS / "scrapbox-qualia-san" / "qualia-san.json"
    export = read_export(path.read_bytes(), path.name)
    incremental(export, tmp_path, jobs=2)
    before = snapshot(tmp_path)
    titles = {export.pages[n].title for n in (0, 100, 500)}
    result = incremental(with_changes(export, titles), tmp_path, jobs=2)
    files = FileNameMap.for_titles(page.title for page in export.pages)
    assert set(result.files) == {files.filename(title) + ".md" for title in titles}
    assert len(result.files) == 3
    assert (result.full_run, result.removed, result.kept) == (None, (), ())
    assert_only_rewritten(before, snapshot(tmp_path), set(result.files))


def test_a_new_page_converts_every_page_and_writes_only_the_notes_that_change(
    tmp_path: Path,
) -> None:
    export = small_export()
    incremental(export, tmp_path)
    assert "[[New_Page]]" in (tmp_path / "Links.md").read_text(encoding="utf-8")
    before = snapshot(tmp_path)
    grown = dataclasses.replace(export, pages=(*export.pages, page("New Page", "new")))
    result = incremental(grown, tmp_path)
    assert result.full_run == "titles changed"
    # `[New_Page]` now goes to the new note.
    assert result.files == ("Links.md", "New Page.md")
    assert "[[New Page|New_Page]]" in (tmp_path / "Links.md").read_text(encoding="utf-8")
    after = snapshot(tmp_path)
    del after["New Page.md"]
    assert_only_rewritten(before, after, {"Links.md"})


def test_other_settings_convert_every_page(tmp_path: Path) -> None:
    export = small_export()
    incremental(export, tmp_path)
    result = incremental(export, tmp_path, flavor="markdown")
    assert result.full_run == "settings changed"
    assert len(result.files) == len(export.pages)


def test_a_deleted_pages_note_is_removed_unless_edited(tmp_path: Path) -> None:
    export = small_export()
    incremental(export, tmp_path)
    (tmp_path / "Page 3.md").write_text("edited by hand", encoding="utf-8")
    (tmp_path / "mine.md").write_text("my own note", encoding="utf-8")
    pages = tuple(p for p in export.pages if p.title not in ("Page 2", "Page 3"))
    shrunk = dataclasses.replace(export, pages=pages)
    result = incremental(shrunk, tmp_path)
    assert result.removed == ("Page 2.md",)
    assert result.kept == (KeptFile("Page 3.md", "edited-page-gone"),)
    assert not (tmp_path / "Page 2.md").exists()
    assert (tmp_path / "Page 3.md").read_text(encoding="utf-8") == "edited by hand"
    assert (tmp_path / "mine.md").read_text(encoding="utf-8") == "my own note"
    manifest = read_manifest(tmp_path / MANIFEST_NAME)
    assert manifest is not None
    assert "Page 2.md" not in manifest.files
    assert "Page 3.md" in manifest.files
    # Kept again on the next run; removed with force.
    assert incremental(shrunk, tmp_path).kept == result.kept
    forced = incremental(shrunk, tmp_path, force=True)
    assert (forced.removed, forced.kept) == (("Page 3.md",), ())
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [MANIFEST_NAME, "mine.md", *(f"{p.title}.md" for p in pages)]
    )


# --- files changed by hand ------------------------------------------------------------------------


def test_a_hand_edited_note_is_kept_and_reported_until_forced(tmp_path: Path) -> None:
    export = small_export()
    incremental(export, tmp_path)
    note = tmp_path / "Page 5.md"
    note.write_text("edited by hand", encoding="utf-8")
    changed = with_changes(export, {"Page 5", "Page 6"})
    result = incremental(changed, tmp_path)
    assert result.files == ("Page 6.md",)
    assert result.kept == (KeptFile("Page 5.md", "edited"),)
    assert note.read_text(encoding="utf-8") == "edited by hand"
    # Still kept on the next run, though the export did not change again.
    again = incremental(changed, tmp_path)
    assert (again.files, again.kept) == ((), result.kept)
    forced = incremental(changed, tmp_path, force=True)
    assert (forced.files, forced.kept) == (("Page 5.md",), ())
    assert note.read_text(encoding="utf-8").endswith("changed\n")
    assert incremental(changed, tmp_path).kept == ()


def test_a_note_kept_when_the_settings_change_is_kept_again_on_the_next_run(
    tmp_path: Path,
) -> None:
    export = small_export()
    incremental(export, tmp_path)
    (tmp_path / "Page 5.md").write_text("edited by hand", encoding="utf-8")
    # The page did not change, but its note does (another flavor): a conflict, as long as the
    # file differs from what scrapconv wrote.
    for run in range(2):
        result = incremental(export, tmp_path, flavor="markdown")
        assert result.full_run == ("settings changed" if run == 0 else None)
        assert result.kept == (KeptFile("Page 5.md", "edited"),)


def test_an_edited_note_of_an_unchanged_page_is_left_alone_unless_forced(
    tmp_path: Path,
) -> None:
    export = small_export()
    incremental(export, tmp_path)
    note = tmp_path / "Page 5.md"
    written = note.read_bytes()
    note.write_text("edited by hand", encoding="utf-8")
    # Nothing to write there: nothing to report.
    result = incremental(export, tmp_path)
    assert (result.files, result.kept) == ((), ())
    assert note.read_text(encoding="utf-8") == "edited by hand"
    forced = incremental(export, tmp_path, force=True)
    assert forced.files == ("Page 5.md",)
    assert note.read_bytes() == written


def test_a_users_own_file_is_not_clobbered(tmp_path: Path) -> None:
    export = small_export()
    (tmp_path / "Page 0.md").write_text("my own note", encoding="utf-8")
    result = incremental(export, tmp_path)
    assert result.kept == (KeptFile("Page 0.md", "not-written"),)
    assert "Page 0.md" not in result.files
    assert (tmp_path / "Page 0.md").read_text(encoding="utf-8") == "my own note"
    manifest = read_manifest(tmp_path / MANIFEST_NAME)
    assert manifest is not None
    assert "Page 0.md" not in manifest.files
    # Never removed as a deleted page's note either: scrapconv did not write it.
    rest = dataclasses.replace(export, pages=export.pages[1:])
    assert incremental(rest, tmp_path).removed == ()
    assert (tmp_path / "Page 0.md").read_text(encoding="utf-8") == "my own note"
    forced = incremental(export, tmp_path, force=True)
    assert forced.files == ("Page 0.md",)


def test_a_file_holding_the_note_already_is_taken_as_written(tmp_path: Path) -> None:
    export = small_export()
    export_to_vault(export, tmp_path)
    before = snapshot(tmp_path)
    result = incremental(export, tmp_path)
    assert (result.files, result.kept, result.full_run) == ((), (), "no manifest")
    after = snapshot(tmp_path)
    del after[MANIFEST_NAME]
    assert after == before


# --- corrupt manifests, failures ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{", "not UTF-8 JSON"),
        (b"[]", "not a JSON object"),
        (b'{"format": 1, "settings": "x", "titles": "y", "files": []}', 'no "files" object'),
        (b'{"format": 3, "settings": "x", "titles": "y", "files": []}', "a newer scrapconv"),
        (b'{"format": "1", "settings": "x", "titles": "y", "files": {}}', '"format": 2'),
        (b'{"format": 2, "settings": "x", "titles": "y", "files": {}}', 'no "files" list'),
        (b'{"format": 2, "settings": "x", "titles": "y", "files": [["x.md"]]}', "5 values"),
        (
            b'{"format": 2, "settings": "x", "titles": "y", '
            b'"files": [["../x.md", "x", null, null, "z"]]}',
            "not the name of a note",
        ),
        (
            b'{"format": 2, "settings": "x", "titles": "y", '
            b'"files": [["x.md", 1, null, null, "z"]]}',
            'a file\'s "title", "source" or "written" is not text',
        ),
        (
            b'{"format": 2, "settings": "x", "titles": "y", '
            b'"files": [["x.md", "x", null, null, "z"], ["x.md", "x", null, null, "z"]]}',
            "listed twice",
        ),
        (
            b'{"format": 2, "settings": "x", "titles": "y", "files": [], "names": []}',
            'no "names" object',
        ),
        (
            b'{"format": 2, "settings": "x", "titles": "y", "files": [], "names": {"x": 1}}',
            "not text",
        ),
        (
            b'{"format": 2, "settings": "x", "titles": "y", "files": [], "names": {"x": ".x.md"}}',
            "not the name of a note",
        ),
        (
            b'{"format": 1, "settings": "x", "titles": "y", '
            b'"files": {"../x.md": {"title": "x", "source": null, "written": "z"}}}',
            "not the name of a note",
        ),
        (
            b'{"format": 1, "settings": "x", "titles": "y", "files": {"x.md": {"title": 1}}}',
            "lacks",
        ),
    ],
)
def test_a_corrupt_manifest_is_an_error_naming_it(
    tmp_path: Path, data: bytes, message: str
) -> None:
    folder = tmp_path / "vault"
    folder.mkdir()
    (folder / MANIFEST_NAME).write_bytes(data)
    before = snapshot(folder)
    for run in (export_to_vault, check_vault):
        with pytest.raises(ManifestError, match=message) as error:
            run(small_export(), folder, run=VaultRun(incremental=True))
        assert str(error.value).startswith(f"{folder / MANIFEST_NAME}: ")
    # A plain run keeps the manifest up to date, so it reads it too.
    with pytest.raises(ManifestError):
        export_to_vault(small_export(), folder)
    assert snapshot(folder) == before
    export = tmp_path / "e.json"
    export.write_text(json.dumps({"pages": [{"title": "T", "lines": ["T"]}]}), encoding="utf-8")
    result = invoke("convert", str(export), "-o", str(folder), "--to", "obsidian", "--incremental")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"Error: {error.value}"]
    assert snapshot(folder) == before


def test_a_failed_incremental_run_leaves_a_true_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = small_export()
    incremental(export, tmp_path)
    recorded = (tmp_path / MANIFEST_NAME).read_bytes()
    grown = with_changes(
        dataclasses.replace(export, pages=(*export.pages, page("Extra", "x"))), {"Page 1"}
    )
    write = vault.write_atomically

    def failing(path: Path, data: bytes, mtime: int | None, mode: int) -> None:
        if path.name == MANIFEST_NAME:
            raise OSError(28, "No space left on device")
        write(path, data, mtime, mode)

    monkeypatch.setattr(vault, "write_atomically", failing)
    with pytest.raises(OSError):
        incremental(grown, tmp_path)
    # The new note is gone again, the manifest is the old one.
    assert not (tmp_path / "Extra.md").exists()
    assert (tmp_path / MANIFEST_NAME).read_bytes() == recorded
    monkeypatch.undo()
    # The note rewritten before the failure holds what would be written: not an edit.
    result = incremental(grown, tmp_path)
    assert result.kept == ()
    assert result.files == ("Extra.md",)


# --- checking, jobs -------------------------------------------------------------------------------


def test_check_with_incremental_compares_only(tmp_path: Path) -> None:
    export = small_export()
    incremental(export, tmp_path)
    (tmp_path / "Page 5.md").write_text("edited by hand", encoding="utf-8")
    pages = tuple(p for p in export.pages if p.title != "Page 2")
    changed = with_changes(dataclasses.replace(export, pages=pages), {"Page 5", "Page 6"})
    before = snapshot(tmp_path)
    checked = check_vault(changed, tmp_path, run=VaultRun(incremental=True))
    assert snapshot(tmp_path) == before
    # Page 6 rewritten, Page 2 removed (a change with no new bytes); Page 5 kept.
    assert [(c.path.name, c.new is None) for c in checked.changes] == [
        ("Page 6.md", False),
        ("Page 2.md", True),
    ]
    assert checked.kept == (KeptFile("Page 5.md", "edited"),)
    removal = checked.changes[-1]
    assert removal.diff().splitlines()[:2] == [f"--- {tmp_path / 'Page 2.md'}", "+++ /dev/null"]

    export_file = tmp_path.parent / "changed.json"
    export_file.write_text(json.dumps(export_json(changed)), encoding="utf-8")
    args = ("convert", str(export_file), "-o", str(tmp_path), "--to", "obsidian", "--incremental")
    result = invoke(*args, "--check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"{len(pages)} pages, 2 files would change, 1 kept, 0 diagnostics"
    )
    result = invoke(*args, "--diff")
    assert result.exit_code == 0
    assert result.stdout == "".join(change.diff() for change in checked.changes)
    assert snapshot(tmp_path) == before
    # What the check found is what the run does.
    done = incremental(changed, tmp_path)
    assert (*done.files, *done.removed) == tuple(c.path.name for c in checked.changes)
    assert done.kept == checked.kept


def test_write_change_removes_a_file_for_a_change_without_new_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"x")
    write_change(FileChange(path, b"x", None))
    assert not path.exists()


def test_one_job_and_two_make_the_same_incremental_runs(tmp_path: Path) -> None:
    export = small_export()
    steps = [
        export,
        with_changes(export, {"Page 2", "Page 7"}),
        dataclasses.replace(export, pages=(*export.pages[1:], page("New Page"))),
    ]
    results = []
    snapshots = []
    for jobs in (1, 2):
        folder = tmp_path / f"jobs-{jobs}"
        results.append([incremental(step, folder, jobs=jobs) for step in steps])
        # Notes by bytes and times (the pages' `updated`); the manifest by bytes.
        snapshots.append(
            {
                name: (data, None if name == MANIFEST_NAME else mtime)
                for name, (data, _, mtime) in snapshot(folder).items()
            }
        )
    assert results[0] == results[1]
    assert snapshots[0] == snapshots[1]
    assert results[0][1].files == ("Page 2.md", "Page 7.md")
    assert results[0][2].removed == ("Page 0.md",)


# --- the command ----------------------------------------------------------------------------------


def test_command_incremental(tmp_path: Path) -> None:
    export = small_export()
    export_file = tmp_path / "e.json"
    folder = tmp_path / "vault"
    args = ("convert", str(export_file), "-o", str(folder), "--to", "obsidian", "--incremental")
    export_file.write_text(json.dumps(export_json(export)), encoding="utf-8")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == (
        "9 pages (all converted: no manifest), 9 files written, 0 unchanged, 0 removed, "
        "0 kept, 0 diagnostics"
    )
    (folder / "Page 5.md").write_text("edited by hand", encoding="utf-8")
    changed = with_changes(export, {"Page 5", "Page 6"})
    export_file.write_text(json.dumps(export_json(changed)), encoding="utf-8")
    result = invoke(*args)
    # The rest is done; the file kept makes the status 1.
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{folder / 'Page 5.md'}: edited since scrapconv wrote it: kept (--force to overwrite)",
        "9 pages, 1 files written, 7 unchanged, 0 removed, 1 kept, 0 diagnostics",
    ]
    assert (folder / "Page 5.md").read_text(encoding="utf-8") == "edited by hand"
    result = invoke(*args, "--force")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == (
        "9 pages, 1 files written, 8 unchanged, 0 removed, 0 kept, 0 diagnostics"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("{export}", "-o", "{tmp}/v", "--to", "obsidian", "--force"), "--force applies with"),
        (("{export}", "--to", "obsidian", "--incremental"), "into a folder (-o)"),
        (("{tmp}/p.sb", "--to", "obsidian", "--incremental"), "into a folder (-o)"),
    ],
)
def test_command_incremental_usage_errors(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    export = tmp_path / "e.json"
    export.write_text(json.dumps(export_json(small_export())), encoding="utf-8")
    (tmp_path / "p.sb").write_text("T", encoding="utf-8")
    before = sorted(tmp_path.iterdir())
    result = invoke("convert", *(arg.format(tmp=tmp_path, export=export) for arg in args))
    assert result.exit_code == 2
    assert message in result.stderr
    assert sorted(tmp_path.iterdir()) == before
