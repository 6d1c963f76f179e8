"""Whole projects: a Scrapbox export → a vault of notes (scrapconv.project, `convert -o`)."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from scrapconv import cli
from scrapconv.filenames import page_key
from scrapconv.files import LOCK_NAME
from scrapconv.markdown.options import MarkdownOptions
from scrapconv.project import (
    Export,
    ExportError,
    ExportPage,
    VaultResult,
    VaultRun,
    check_vault,
    convert_page,
    default_jobs,
    export_to_vault,
    iso_time,
    read_export,
    vault,
    workers,
)

from .corpus import CORPUS, SCRAPBOX_EXPORTS, require_corpus
from .test_filenames import invalid_reason, same_file

COMMAND = [sys.executable, "-c", "from scrapconv.cli import main; main()"]

HOSTILE = [
    "../x",
    "/etc/passwd",
    "a/b",
    "CON",
    "nul.txt",
    "a\x00b",
    "x" + "あ" * 100,  # 301 bytes
    "A",
    "a",
    "a_b",
    "a b",
    "",
    "   ",
    "etc.",
    "Missing link target",  # absent below: only linked to, never a page
]
PAGES = HOSTILE[:-1]
CREATED = 1609936496  # 2021-01-06T12:34:56Z


def hostile_export() -> dict[str, object]:
    """Every page links to every title, the absent one too, as a bracket link and a tag."""
    links = " ".join(
        f"[{title}]" for title in HOSTILE if title.strip() and not title.startswith("/")
    )
    pages = []
    for number, title in enumerate(PAGES):
        lines: list[object] = [title, f"links: {links}", "#a_b #CON [/etc/passwd]"]
        if number % 2:  # an export with metadata: lines as objects
            lines = [{"text": line, "created": CREATED, "updated": CREATED} for line in lines]
        pages.append(
            {"title": title, "created": CREATED + number, "updated": CREATED + 100 + number,
             "lines": lines}
        )  # fmt: skip
    return {"name": "hostile", "displayName": "Hostile", "exported": CREATED, "pages": pages}


def hostile_bytes() -> bytes:
    return json.dumps(hostile_export()).encode()


_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_WIKILINK = re.compile(r"!?\[\[([^\[\]|#]*?)(?:#[^\[\]|]*)?(?:\\?\|([^\[\]]*))?\]\]")


def wikilinks(markdown: str) -> list[tuple[str, str]]:
    """The (target, shown text) of every wikilink outside code."""
    body = _CODE_SPAN.sub("", _FENCE.sub("", markdown))
    return [(match[1], match[2] or "") for match in _WIKILINK.finditer(body)]


def front_matter(markdown: str) -> dict[str, object]:
    assert markdown.startswith("---\n")
    end = markdown.index("\n---\n", 3)
    loaded = yaml.safe_load(markdown[4 : end + 1])
    assert isinstance(loaded, dict)
    return loaded


def assert_vault(folder: Path, titles: list[str], pages: int) -> None:
    """One valid, distinct file per page, all inside `folder`; every wikilink resolves to a
    file of the vault (as Obsidian finds notes: without case), or names a page the export
    lacks."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    assert len(files) == pages
    assert all(path.parent == folder for path in files)
    names = [path.name.removesuffix(".md") for path in files]
    assert all(path.suffix == ".md" for path in files)
    for name in names:
        assert invalid_reason(name) is None, (name, invalid_reason(name))
    assert len({same_file(name) for name in names}) == len(names)
    keys = {page_key(title) for title in titles}
    existing = {same_file(name) for name in names}
    for path in files:
        for target, shown in wikilinks(path.read_text(encoding="utf-8")):
            if same_file(target) in existing:
                continue
            page = shown.removeprefix("#") if shown else target
            assert page_key(page) not in keys, (path.name, target, shown)
            assert page_key(target) not in keys, (path.name, target, shown)


# --- reading an export -----------------------------------------------------------------------


def test_read_export() -> None:
    export = read_export(hostile_bytes(), "hostile.json")
    assert export.project == "hostile"
    assert [page.title for page in export.pages] == PAGES
    first = export.pages[0]
    assert first.text.split("\n")[0] == "../x"
    assert (first.created, first.updated) == (CREATED, CREATED + 100)
    # Lines as objects read as their text.
    assert export.pages[1].text.split("\n")[2] == "#a_b #CON [/etc/passwd]"


def test_a_page_without_lines_is_its_title_and_times_are_optional() -> None:
    data = b'\xef\xbb\xbf{"pages": [{"title": "T", "lines": []}]}'
    assert read_export(data, "x.json") == Export("", (ExportPage("T", "T"),))


@given(st.integers(min_value=0, max_value=253402300799))
def test_iso_time_is_the_utc_time_of_unix_seconds(seconds: int) -> None:
    expected = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert iso_time(seconds) == expected


def test_pages_read_whatever_other_fields_they_hold() -> None:
    # Fields a page does not need, even those of line objects or of the export, are ignored;
    # the last of a repeated field counts, as in any JSON object.
    data = (
        b'{"pages": [{"text": 1, "title": "T", "lines": ["T", {"text": "a", "lines": []}],'
        b' "pages": [], "updated": 5, "updated": 7}], "title": "E", "lines": []}'
    )
    assert read_export(data, "x.json") == Export("", (ExportPage("T", "T\na", None, 7),))


MALFORMED = [
    (b"\xff\xfe{}", "x.json: not UTF-8 text (byte 0: 0xff)"),
    (bytes(range(256)), "x.json: not UTF-8 text (byte 128: 0x80)"),
    (b"", "x.json:1:1: not JSON: Expecting value"),
    # (The column is json's: 15 before Python 3.13, 14 since, which points at the comma.)
    (b'{"pages": [\n{"title": "t",}]}', "x.json:2:1"),
    (b"[]", "not a Scrapbox export: a list instead of an object"),
    (b'{"name": "p"}', 'not a Scrapbox export: no "pages" list'),
    (b'{"title": "t", "lines": []}', 'not a Scrapbox export: no "pages" list'),
    (b'{"pages": {}}', 'not a Scrapbox export: an object as its "pages" list'),
    (b'{"name": 3, "pages": []}', '"name" is a number (3)'),
    (b'{"pages": [1]}', "page 0 is a number (1), not an object"),
    (b'{"pages": [{"lines": []}]}', "page 0 has no title"),
    (b'{"pages": [{"title": 3, "lines": []}]}', "page 0 has a number (3) as its title"),
    (b'{"pages": [{"title": "t"}]}', 'page 0 ("t") has no lines'),
    (b'{"pages": [{"title": "t", "lines": "t"}]}', 'page 0 ("t") has a string as its lines'),
    (b'{"pages": [{"title": "t", "lines": ["t", 1]}]}', 'page 0 ("t"), line 1: a number (1)'),
    (b'{"pages": [{"title": "t", "lines": [null]}]}', 'page 0 ("t"), line 0: null'),
    (b'{"pages": [{"title": "t", "lines": [{"x": 1}]}]}', "line 0: an object without a text"),
    # (An object with a title and lines is read as a page when the parser meets it.)
    (b'{"pages": [{"title": "t", "lines": [{"title": "u", "lines": []}]}]}', "line 0: an object"),
    (
        b'{"pages": [{"title": "t", "lines": [], "created": {"title": "u", "lines": []}}]}',
        '"created" is an object',
    ),
    (b'{"pages": [{"title": "t", "lines": ["a\\nb"]}]}', "line 0: a line holding a line break"),
    (b'{"pages": [{"title": "t", "lines": ["t", "\\ud800"]}]}', "line 1: a lone surrogate"),
    (b'{"pages": [{"title": "\\udc00", "lines": []}]}', "the title holds a lone surrogate"),
    (b'{"pages": [{"title": "t", "lines": ["t", "\\uD83D x"]}]}', "line 1: a lone surrogate"),
    (b'{"pages": [{"title": "t", "lines": [], "created": "x"}]}', '"created" is a string'),
    (b'{"pages": [{"title": "t", "lines": [], "updated": true}]}', '"updated" is a boolean'),
    (b'{"pages": [{"title": "t", "lines": [], "updated": -1}]}', '"updated" is -1'),
    (b'{"pages": [{"title": "t", "lines": []}, {"title": "t", "lines": []}]}', "same title"),
    (b"[" * 100000, "not a Scrapbox export"),
]


@pytest.mark.parametrize(("data", "message"), MALFORMED)
def test_malformed_exports(data: bytes, message: str) -> None:
    with pytest.raises(ExportError) as raised:
        read_export(data, "x.json")
    text = str(raised.value)
    assert message in text
    assert text.startswith("x.json")
    assert "\n" not in text


def test_surrogate_escapes_that_make_text_are_read() -> None:
    # A pair of surrogate escapes is one character; an escaped backslash before `ud800` is text.
    data = b'{"pages": [{"title": "\\ud83d\\ude00", "lines": ["\\ud83d\\ude00", "\\\\ud800"]}]}'
    (page,) = read_export(data, "x.json").pages
    assert (page.title, page.text) == ("\U0001f600", "\U0001f600\n\\ud800")


# --- writing a vault -------------------------------------------------------------------------


def test_hostile_titles_land_inside_the_folder_and_links_resolve(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    export = read_export(hostile_bytes(), "hostile.json")
    result = export_to_vault(export, folder)
    assert result.pages == len(PAGES)
    assert len(result.files) == len(PAGES) == len(set(result.files))
    assert sorted(path.name for path in folder.iterdir()) == sorted(result.files)
    assert [path.name for path in tmp_path.iterdir()] == ["vault"]
    assert_vault(folder, PAGES, len(PAGES))
    # The links to the pages of the export all went to files: only the absent page is left.
    text = (folder / "A.md").read_text(encoding="utf-8")
    stems = {same_file(path.name.removesuffix(".md")) for path in folder.iterdir()}
    unresolved = {target for target, _ in wikilinks(text) if same_file(target) not in stems}
    assert unresolved == {"Missing link target"}
    # `a\x00b` is `a-b` too, and comes first in sorted order: `a/b` gets a suffix.
    file_of_a_b = result.files[PAGES.index("a/b")].removesuffix(".md")
    assert re.fullmatch(r"a-b \([0-9a-f]{8}\)", file_of_a_b)
    assert f"[[{file_of_a_b}|a/b]]" in text
    assert "[[CON-|CON]]" in text
    assert "[/etc/passwd](https://scrapbox.io/etc/passwd)" in text


def test_pages_scrapbox_reads_as_one_get_a_file_each(tmp_path: Path) -> None:
    export = read_export(hostile_bytes(), "hostile.json")
    result = export_to_vault(export, tmp_path)
    duplicates = [(name, d) for name, d in result.diagnostics if d.code == "duplicate-page"]
    # `a` is `A`'s page, `a b` is `a_b`'s (the first title in sorted order names the file).
    assert sorted(name for name, _ in duplicates) == sorted(
        name for name in result.files if re.fullmatch(r"(a|a_b) \([0-9a-f]{8}\)\.md", name)
    )
    assert len(duplicates) == 2
    # Links to either title go to the page Scrapbox opens.
    text = (tmp_path / "CON-.md").read_text(encoding="utf-8")
    # (Obsidian finds `A.md` whatever the case of the link.)
    assert "[[A]] [[a]]" in text
    assert "[[a b|a_b]]" in text or "[[a_b|a b]]" in text


def test_front_matter_and_modification_times(tmp_path: Path) -> None:
    export = read_export(hostile_bytes(), "hostile.json")
    result = export_to_vault(export, tmp_path)
    for page, filename in zip(export.pages, result.files, strict=True):
        path = tmp_path / filename
        text = path.read_text(encoding="utf-8")
        fields = front_matter(text)
        assert fields["title"] == page.title
        assert page.created is not None and page.updated is not None
        created = datetime.fromtimestamp(page.created, tz=UTC)
        updated = datetime.fromtimestamp(page.updated, tz=UTC)
        assert f"\ncreated: {created:%Y-%m-%dT%H:%M:%SZ}\n" in text
        assert f"\nupdated: {updated:%Y-%m-%dT%H:%M:%SZ}\n" in text
        assert fields["created"] == created
        assert fields["updated"] == updated
        if filename == page.title + ".md":
            assert "aliases" not in fields
        else:
            assert fields["aliases"] == [page.title]
        assert path.stat().st_mtime == page.updated
    assert "\ncreated: 2021-01-06T12:34:56Z\n" in (tmp_path / result.files[0]).read_text()


def test_a_page_without_times_has_only_its_title_and_project(tmp_path: Path) -> None:
    export = Export("p", (ExportPage("T", "T\n a"),))
    result = export_to_vault(export, tmp_path, MarkdownOptions(flavor="markdown"))
    text = (tmp_path / "T.md").read_text(encoding="utf-8")
    assert text == "---\ntitle: T\nproject: p\n---\n- a\n"
    assert result.diagnostics == ()


def test_a_first_line_other_than_the_title_is_reported() -> None:
    from scrapconv.filenames import FileNameMap
    from scrapconv.markdown.options import MarkdownOptions
    from scrapconv.project import PageOptions

    names = FileNameMap.for_titles(["new_"])
    options = PageOptions(MarkdownOptions(pages=names), {"new_": "new_"})
    filename, text, diagnostics = convert_page(ExportPage("new_", "new\nbody"), options)
    assert (filename, text) == ("new_.md", "---\ntitle: new_\n---\nbody\n")
    assert [d.code for d in diagnostics] == ["title-line"]


def test_files_not_in_the_export_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "mine.md").write_text("mine", encoding="utf-8")
    (tmp_path / "T.md").write_text("old", encoding="utf-8")
    export_to_vault(Export("p", (ExportPage("T", "T\nnew"),)), tmp_path)
    assert (tmp_path / "mine.md").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "T.md").read_text(encoding="utf-8").endswith("new\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["T.md", "mine.md"]


def test_a_failed_write_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    replace = os.replace

    def failing_replace(source: str, target: str) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    folder = tmp_path / "new" / "vault"
    with pytest.raises(OSError):
        export_to_vault(read_export(hostile_bytes(), "hostile.json"), folder)
    assert list(tmp_path.iterdir()) == []


# --- parallel runs ---------------------------------------------------------------------------


def mixed_export() -> Export:
    """The hostile pages and enough others (links, tags, icons, code, tables, a bad first
    line) that two workers get several chunks each."""
    hostile = read_export(hostile_bytes(), "hostile.json")
    pages = list(hostile.pages)
    for number in range(60):
        title = f"Page {number}"
        lines = [
            title if number % 7 else f" {title}",
            f"[Page {(number + 1) % 60}] #tag_{number} [a_b] [missing {number}]",
            f" [* bold] [/icons/hr.icon] [{title}.icon*2]",
            "code:x.py",
            f" print({number})",
            "table:t",
            " a\tb",
            f" {number}",
        ]
        pages.append(ExportPage(title, "\n".join(lines), CREATED + number, CREATED + 2 * number))
    return Export("mixed", tuple(pages))


def vault_snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a folder: its bytes and its modification time (whole seconds)."""
    return {
        path.name: (path.read_bytes(), int(path.stat().st_mtime))
        for path in sorted(folder.iterdir())
    }


def pools_started(monkeypatch: pytest.MonkeyPatch, fewest: int) -> list[int]:
    """Workers start for `fewest` pages each or more; the list given grows by the number of
    workers of every pool started."""
    monkeypatch.setattr(workers, "MIN_PAGES_PER_WORKER", fewest)
    started: list[int] = []
    run_in_workers = workers.run_in_workers

    def counted(function: Any, items: Any, shared: Any, count: int) -> Any:
        started.append(count)
        return run_in_workers(function, items, shared, count)

    monkeypatch.setattr(workers, "run_in_workers", counted)
    return started


def assert_same_vaults(export: Export, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The vault written and checked with 1 and with 2 jobs (2 workers, started) is the same,
    file for file, byte for byte, with the same diagnostics in the same order."""
    started = pools_started(monkeypatch, 5)
    results: list[VaultResult] = []
    snapshots: list[dict[str, tuple[bytes, int]]] = []
    for jobs in (1, 2):
        folder = tmp_path / f"jobs-{jobs}"
        results.append(export_to_vault(export, folder, run=VaultRun(jobs)))
        snapshots.append(vault_snapshot(folder))
        # Checking the vault just written: nothing would change, the same diagnostics.
        checked = check_vault(export, folder, run=VaultRun(3 - jobs))
        assert checked.changes == ()
        assert checked.diagnostics == results[-1].diagnostics
    assert results[0] == results[1]
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0]) == len(export.pages)
    # Against an empty folder, the changes are every note, in the export's order.
    empty = tmp_path / "empty"
    changes = [check_vault(export, empty, run=VaultRun(jobs)).changes for jobs in (1, 2)]
    assert changes[0] == changes[1]
    assert [change.path.name for change in changes[0]] == list(results[0].files)
    # Two jobs wrote once and checked twice, each time with two workers.
    assert started == [2, 2, 2]


def test_one_job_and_two_write_the_same_vault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_same_vaults(mixed_export(), tmp_path, monkeypatch)


def test_one_job_and_two_write_the_same_vault_of_a_corpus_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_corpus()
    path = CORPUS / "scrapbox-qualia-san" / "qualia-san.json"
    assert_same_vaults(read_export(path.read_bytes(), path.name), tmp_path, monkeypatch)


@pytest.mark.parametrize(
    "method", [m for m in ("spawn", "forkserver") if m in multiprocessing.get_all_start_methods()]
)
def test_workers_started_otherwise_than_by_fork_write_the_same_vault(
    method: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # How workers start where fork is not used (macOS, Windows): the task is sent to them,
    # and their parent process is not this one for a fork server's.
    export = mixed_export()
    forked = tmp_path / "fork"
    export_to_vault(export, forked, run=VaultRun(1))
    monkeypatch.setattr(workers, "_context", lambda: multiprocessing.get_context(method))
    started = pools_started(monkeypatch, 5)
    folder = tmp_path / method
    export_to_vault(export, folder, run=VaultRun(3))
    assert started == [3]
    assert vault_snapshot(folder) == vault_snapshot(forked)
    assert multiprocessing.active_children() == []


def test_a_check_reads_the_notes_a_folder_holds_and_no_others(tmp_path: Path) -> None:
    export = mixed_export()
    written = export_to_vault(export, tmp_path / "vault", run=VaultRun(1))
    every_note = [tmp_path / "vault" / name for name in written.files]
    # Absent, empty, or holding only a run's lock: every note would be added.
    (tmp_path / "empty").mkdir()
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / LOCK_NAME).write_bytes(b"")
    for folder in ("absent", "empty", "locked"):
        changes = check_vault(export, tmp_path / folder, run=VaultRun(1)).changes
        assert [(change.path.name, change.old) for change in changes] == [
            (path.name, None) for path in every_note
        ]
        assert [change.new for change in changes] == [path.read_bytes() for path in every_note]
    # One note edited, one removed, another file beside them: those two would change.
    edited, removed = every_note[0], every_note[1]
    edited.write_bytes(b"edited\n")
    removed.unlink()
    (tmp_path / "vault" / "other.txt").write_bytes(b"not a note")
    changes = check_vault(export, tmp_path / "vault", run=VaultRun(1)).changes
    assert [(change.path, change.old) for change in changes] == [
        (edited, b"edited\n"),
        (removed, None),
    ]


def test_jobs_default_to_the_cpus_and_never_exceed_the_pages(tmp_path: Path) -> None:
    assert default_jobs() >= 1
    export = Export("p", (ExportPage("T", "T\n[U]"),))
    # One page: converted here, whatever the number of jobs.
    result = export_to_vault(export, tmp_path, run=VaultRun(None))
    assert result.files == ("T.md",)
    assert multiprocessing.active_children() == []


@given(st.integers(0, 3000), st.integers(2, 8))
def test_chunks_shrink_with_the_items_left(count: int, processes: int) -> None:
    chunks = list(workers._chunks(range(count), processes))
    assert [item for chunk in chunks for item in chunk] == list(range(count))
    sizes = [len(chunk) for chunk in chunks]
    assert all(size <= workers._CHUNK_ITEMS for size in sizes)
    # Only the last may hold fewer than the fewest, and none more than the one before it.
    assert all(size >= workers._FEWEST_CHUNK_ITEMS for size in sizes[:-1])
    assert sizes == sorted(sizes, reverse=True)


def _slow_in_a_worker(item: int, parent: int) -> tuple[int, bool]:
    """`item`, and whether a worker did it: slowly, where this process does it at once."""
    in_worker = os.getpid() != parent
    if in_worker:
        time.sleep(0.02)
    return item, in_worker


def test_this_process_goes_on_while_a_worker_is_behind() -> None:
    # The worker takes the chunks handed out first and is slow with them; this process does
    # every other chunk of the 23 rather than wait for the worker's (when only as many results
    # could wait as chunks are handed out, it waited, and handed the worker more), and the
    # results still come in order.
    results = list(workers.run_in_workers(_slow_in_a_worker, range(200), os.getpid(), 2))
    assert [item for item, _ in results] == list(range(200))
    handed_out = [list(chunk) for chunk in workers._chunks(range(200), 2)][: workers._CHUNKS_AHEAD]
    assert [item for item, in_worker in results if in_worker] == [
        item for chunk in handed_out for item in chunk
    ]


def test_few_pages_start_no_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started = pools_started(monkeypatch, workers.MIN_PAGES_PER_WORKER)
    pages = tuple(ExportPage(f"P{n}", f"P{n}\n[P{n + 1}]") for n in range(3))
    for jobs in (None, 2, 8):
        result = export_to_vault(Export("p", pages), tmp_path / str(jobs), run=VaultRun(jobs))
        assert len(result.files) == 3
        check_vault(Export("p", pages), tmp_path / "empty", run=VaultRun(jobs))
    assert started == []
    assert workers.worker_count(3, None) == workers.worker_count(3, 8) == 1
    many = 3 * workers.MIN_PAGES_PER_WORKER
    assert (workers.worker_count(many, 2), workers.worker_count(many, 8)) == (2, 3)


def test_an_interrupt_during_a_parallel_run_leaves_no_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = pools_started(monkeypatch, 5)

    def interrupted(done: int, _: int) -> None:
        # Ctrl-C reaches the parent process, while the workers write notes.
        if done == 20:
            raise KeyboardInterrupt

    folder = tmp_path / "new" / "vault"
    with pytest.raises(KeyboardInterrupt):
        export_to_vault(mixed_export(), folder, run=VaultRun(2), progress=interrupted)
    assert started == [2]
    assert list(tmp_path.iterdir()) == []
    # The workers are gone.
    assert multiprocessing.active_children() == []


def test_a_failing_write_in_a_worker_leaves_no_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = pools_started(monkeypatch, 5)
    write = vault.write_atomically

    def failing(path: Path, data: bytes, mtime: int | None, mode: int) -> None:
        # (Forked workers inherit this: writing fails once the folder holds ten files.)
        if len(list(path.parent.iterdir())) >= 10:
            raise OSError(28, "No space left on device")
        write(path, data, mtime, mode)

    monkeypatch.setattr(vault, "write_atomically", failing)
    folder = tmp_path / "new" / "vault"
    with pytest.raises(OSError, match="No space"):
        export_to_vault(mixed_export(), folder, run=VaultRun(2))
    assert started == [2]
    assert list(tmp_path.iterdir()) == []
    assert multiprocessing.active_children() == []


def test_command_jobs(tmp_path: Path) -> None:
    export = tmp_path / "e.json"
    export.write_bytes(hostile_bytes())
    outputs = []
    for jobs in ("1", "2"):
        folder = tmp_path / f"vault-{jobs}"
        result = run("convert", str(export), "-o", str(folder), "--to", "obsidian", "-j", jobs)
        assert result.returncode == 0, result.stderr
        outputs.append((vault_snapshot(folder), result.stderr.decode().replace(folder.name, "")))
    assert outputs[0] == outputs[1]
    result = run("convert", str(export), "-o", str(tmp_path / "v"), "--to", "obsidian", "-j", "0")
    assert result.returncode == 2
    assert b"--jobs" in result.stderr
    page = tmp_path / "page.sb"
    page.write_text("T", encoding="utf-8")
    # A setting that does not apply is unused, from the command line as from a configuration.
    alone = run("convert", str(page), "--to", "obsidian")
    assert run("convert", str(page), "--to", "obsidian", "--jobs", "2").stdout == alone.stdout


# --- the command -----------------------------------------------------------------------------


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*COMMAND, *args], input=stdin, capture_output=True)


def test_command_converts_an_export_into_a_folder(tmp_path: Path) -> None:
    export = tmp_path / "hostile.json"
    export.write_bytes(hostile_bytes())
    folder = tmp_path / "vault"
    result = run("convert", str(export), "-o", str(folder), "--to", "obsidian")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert (
        lines[-1] == f"{len(PAGES)} pages, {len(PAGES)} files written, {len(lines) - 1} diagnostics"
    )
    for line in lines[:-1]:
        assert re.fullmatch(rf"{re.escape(str(folder))}/[^/]+\.md:\d+: [a-z-]+: .+", line), line
    assert_vault(folder, PAGES, len(PAGES))


def test_command_options_reach_the_notes(tmp_path: Path) -> None:
    export = tmp_path / "e.json"
    export.write_text(
        json.dumps({"name": "p", "pages": [{"title": "T", "lines": ["T", "[me.icon]", "[* h]"]}]})
    )
    result = run(
        "convert", "--from", "export", str(export), "-o", str(tmp_path / "v"), "--to", "markdown",
        "--icons", "link", "--project", "q", "--headings", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "v" / "T.md").read_text(encoding="utf-8")
    # The project given, not the export's, is the one the notes record.
    assert text == "---\ntitle: T\nproject: q\n---\n[me.icon](https://scrapbox.io/q/me)\n# h\n"


@pytest.mark.parametrize(("data", "message"), MALFORMED[:4] + MALFORMED[8:14])
def test_command_rejects_a_malformed_export(tmp_path: Path, data: bytes, message: str) -> None:
    export = tmp_path / "x.json"
    export.write_bytes(data)
    folder = tmp_path / "vault"
    result = run("convert", str(export), "-o", str(folder), "--to", "obsidian")
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1
    assert message.removeprefix("x.json") in lines[0]
    assert not folder.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("/no/such.json", "-o", "{tmp}/v", "--to", "obsidian"), "cannot read"),
        (("{export}", "-o", "{export}", "--to", "obsidian"), "exists and is not a folder"),
        (("{export}", "-o", "{export}/v", "--to", "obsidian"), "cannot write"),
        (("{export}", "--to", "obsidian"), "give it with -o FOLDER"),
        (("{export}", "-o", "{tmp}/v", "--to", "scrapbox", "--incremental"), "applies to notes"),
        (("{export}", "{tmp}/p.sb", "-o", "{tmp}/v", "--to", "obsidian"), "give pages alone"),
        (("{tmp}/p.txt", "--to", "obsidian"), "Missing option '--from'"),
    ],
)
def test_command_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    export = tmp_path / "e.json"
    export.write_bytes(hostile_bytes())
    (tmp_path / "p.sb").write_text("T")
    (tmp_path / "p.txt").write_text("T")
    before = sorted(tmp_path.iterdir())
    result = run("convert", *(arg.format(tmp=tmp_path, export=export) for arg in args))
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert message in result.stderr.decode()
    assert sorted(tmp_path.iterdir()) == before
    assert export.read_bytes() == hostile_bytes()


def test_command_reports_an_unwritable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder that refuses new files (as a read-only one does, whoever runs the test).
    export = tmp_path / "e.json"
    export.write_bytes(hostile_bytes())
    folder = tmp_path / "vault"
    folder.mkdir()

    os_open = os.open

    def refuse(path: str, *args: int, **kwargs: object) -> int:
        if os.path.basename(path).startswith(".scrapconv-"):
            raise PermissionError(13, "Permission denied")
        return os_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)
    result = CliRunner().invoke(
        cli.main, ["convert", str(export), "-o", str(folder), "--to", "obsidian"]
    )
    assert result.exit_code == 2
    assert "cannot write" in result.output
    assert "Traceback" not in result.output
    assert list(folder.iterdir()) == []


def test_single_pages_still_go_to_standard_output(tmp_path: Path) -> None:
    page = tmp_path / "page.sb"
    page.write_text("T\n a [b]", encoding="utf-8")
    result = run("convert", str(page), "--to", "obsidian")
    assert result.returncode == 0
    assert result.stdout.decode() == "---\ntitle: T\n---\n- a [[b]]\n"


# --- the corpus ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCRAPBOX_EXPORTS[:3])
def test_corpus_export_into_a_vault(tmp_path: Path, name: str) -> None:
    """The three large exports: villagepump, vtuber and qualia-san."""
    require_corpus()
    path = CORPUS / name
    export = read_export(path.read_bytes(), path.name)
    assert export.project == path.stem
    result = export_to_vault(export, tmp_path)
    titles = [page.title for page in export.pages]
    assert result.pages == len(titles) == len(result.files) == len(set(result.files))
    assert_vault(tmp_path, titles, len(titles))


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        ([], "T"),
        ([""], ""),
        (["T", ""], "T\n"),
        (["T", {"text": "a", "updated": 1}, "b"], "T\na\nb"),
        ([{"text": "T"}, {"text": ""}], "T\n"),
    ],
)
def test_a_pages_text_is_its_lines_joined(lines: list[object], text: str) -> None:
    data = json.dumps({"pages": [{"title": "T", "lines": lines}]}).encode()
    assert read_export(data, "e.json").pages[0].text == text
