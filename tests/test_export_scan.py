"""An export read for an incremental run (`scan_export`): the same pages or the same error as
`read_export`, each page's text decoded when first read."""

from __future__ import annotations

import dataclasses
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from scrapconv import cli
from scrapconv.manifest import MANIFEST_NAME
from scrapconv.project import (
    Export,
    ExportError,
    ExportPage,
    VaultRun,
    export_reader,
    read_export,
    scan_export,
)
from scrapconv.project.export_scan import _scanned

from .corpus import CORPUS, SCRAPBOX_EXPORTS, require_corpus

# The slot of a page's text, read without the page's own look-up (which decodes it).
_TEXT_SLOT = ExportPage.__dict__["text"]


def outcome(read: Callable[[bytes, str], Export], data: bytes) -> tuple[str, Any]:
    """What reading `data` gives: the project and each page's fields, or the error."""
    try:
        export = read(data, "export.json")
    except ExportError as error:
        return "error", str(error)
    pages = [(page.title, page.text, page.created, page.updated) for page in export.pages]
    return export.project, pages


def scanned_export(data: bytes) -> Export:
    export = _scanned(data)
    assert export is not None, "the export was read by read_export, not scanned"
    return export


def assert_same_reading(data: bytes) -> None:
    assert outcome(scan_export, data) == outcome(read_export, data)


@pytest.mark.parametrize("export", SCRAPBOX_EXPORTS)
def test_corpus_exports_are_scanned_to_the_pages_read_export_reads(export: str) -> None:
    require_corpus()
    data = (CORPUS / export).read_bytes()
    scanned, read = scanned_export(data), read_export(data, export)
    assert scanned.project == read.project
    assert scanned.pages == read.pages
    assert [page.text for page in scanned.pages] == [page.text for page in read.pages]


# Texts with what JSON escapes, what it refuses raw, and what a page cannot hold (line breaks,
# lone surrogates).
_TEXTS = st.text(
    st.sampled_from(['a', "あ", " ", '"', "\\", "/", "\n", "\t", "\x00", "\x7f", "\u2028",
                     "\ud800", "\udc00", "😀", "[", "]", "{", ",", ":"]),
    max_size=6,
)  # fmt: skip
_TIMES = (
    st.none()
    | st.integers(-2, 3)
    | st.sampled_from([0, 1700000000, 253402300799, 253402300800, 10**13, 1.5, True, "1700000000"])
)
_LINES = st.lists(
    _TEXTS | st.builds(lambda text: {"text": text, "updated": 1}, _TEXTS) | st.integers(),
    max_size=4,
)
_PAGE = st.fixed_dictionaries(
    {"title": _TEXTS | st.integers(), "lines": _LINES},
    optional={
        "created": _TIMES,
        "updated": _TIMES,
        "id": st.text(max_size=3),
        "views": st.integers() | st.floats(allow_nan=False),
        "linked": st.lists(st.integers(), max_size=2),
        "text": _TEXTS,
        "title\u00e9": st.booleans(),
    },
)
_EXPORT = st.fixed_dictionaries(
    {"pages": st.lists(_PAGE, max_size=4)},
    optional={"name": _TEXTS | st.integers(), "displayName": _TEXTS, "exported": _TIMES},
)
_LAYOUTS = st.sampled_from(
    [
        {},
        {"ensure_ascii": False},
        {"ensure_ascii": False, "indent": 1},
        {"separators": (",", ":"), "ensure_ascii": False},
    ]
)
# Keys sorted put a page's lines before its title: not the common shape.
_ANY_LAYOUTS = _LAYOUTS | st.just({"sort_keys": True, "ensure_ascii": False})


# What a page of the common shape holds: text without line breaks or lone surrogates, times
# or null, other members of plain values.
_PLAIN_TEXTS = _TEXTS.filter(
    lambda text: "\n" not in text and "\ud800" not in text and "\udc00" not in text
)
_PLAIN_PAGE = st.fixed_dictionaries(
    {"title": _PLAIN_TEXTS},
    optional={
        "created": st.none() | st.integers(0, 253402300799),
        "updated": st.none() | st.integers(0, 253402300799),
        "id": _PLAIN_TEXTS,
        "views": st.integers(-(10**30), 10**30) | st.floats(allow_nan=False, allow_infinity=False),
        "pin": st.booleans() | st.none(),
    },
).flatmap(
    lambda page: st.lists(_PLAIN_TEXTS, max_size=4).map(lambda lines: {**page, "lines": lines})
)
_PLAIN_EXPORT = st.fixed_dictionaries(
    {
        "pages": st.lists(
            _PLAIN_PAGE, min_size=1, max_size=4, unique_by=lambda page: str(page["title"])
        )
    },
    optional={
        "name": _PLAIN_TEXTS,
        "displayName": _PLAIN_TEXTS,
        "exported": st.integers(0, 10**10),
    },
)


@given(_PLAIN_EXPORT, _LAYOUTS)
def test_an_export_of_the_common_shape_is_scanned(
    export: dict[str, Any], layout: dict[str, Any]
) -> None:
    data = json.dumps(export, **layout).encode("utf-8", "surrogatepass")
    scanned_export(data)
    assert_same_reading(data)


@given(_EXPORT, _ANY_LAYOUTS)
def test_an_export_is_scanned_as_read_export_reads_it(
    export: dict[str, Any], layout: dict[str, Any]
) -> None:
    assert_same_reading(json.dumps(export, **layout).encode("utf-8", "surrogatepass"))


@given(
    _PLAIN_EXPORT | _EXPORT,
    st.integers(0, 10**6),
    st.sampled_from([b'"', b"\\", b"\x01", b"\xff", b"]", b"}", b"\n", b"0"]),
)
def test_a_broken_export_gives_read_exports_error(
    export: dict[str, Any], where: int, inserted: bytes
) -> None:
    data = json.dumps(export, ensure_ascii=False).encode("utf-8", "surrogatepass")
    where %= len(data) + 1
    assert_same_reading(data[:where] + inserted + data[where:])


@given(_PLAIN_EXPORT | _EXPORT, st.integers(0, 10**6))
def test_a_cut_export_gives_read_exports_error(export: dict[str, Any], where: int) -> None:
    data = json.dumps(export, ensure_ascii=False).encode("utf-8", "surrogatepass")
    assert_same_reading(data[: where % (len(data) + 1)])


def plain_export(*lines: str) -> bytes:
    pages = [
        {"title": "First", "created": 1, "updated": 2, "lines": ["First", *lines]},
        {"title": "Second", "created": 3, "updated": 4, "lines": []},
    ]
    return json.dumps({"name": "p", "pages": pages}, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "broken",
    [
        b'"a\\x"',  # no such escape
        b'"a\x01b"',  # a control character
        b'"a\xffb"',  # not UTF-8
        b'"a\\ud800"',  # a lone surrogate
        b'"a\\nb"',  # a line break inside a line
        b'"a", 5',  # a line that is no text
    ],
)
def test_an_error_in_a_page_no_run_converts_is_still_found(broken: bytes) -> None:
    data = plain_export("x").replace(b'"x"', broken)
    with pytest.raises(ExportError) as scanned:
        scan_export(data, "export.json")
    with pytest.raises(ExportError) as read:
        read_export(data, "export.json")
    assert str(scanned.value) == str(read.value)


def test_a_scanned_page_decodes_its_text_when_first_read() -> None:
    page = scanned_export(plain_export("a \\ b", "あ")).pages[0]
    with pytest.raises(AttributeError):
        _TEXT_SLOT.__get__(page)
    assert page.text == "First\na \\ b\nあ"
    assert _TEXT_SLOT.__get__(page) == "First\na \\ b\nあ"


def test_a_scanned_page_is_an_export_page_of_its_values() -> None:
    page = scanned_export(plain_export("a")).pages[0]
    plain = ExportPage("First", "First\na", 1, 2)
    assert page == plain and plain == page and page != ExportPage("First", "other", 1, 2)
    assert hash(page) == hash(plain)
    assert repr(page) == repr(plain)
    assert pickle.loads(pickle.dumps(page)) == plain
    assert dataclasses.replace(page, text="b") == ExportPage("First", "b", 1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.title = "x"  # type: ignore[misc]


def test_a_page_without_lines_is_its_title() -> None:
    assert scanned_export(plain_export()).pages[1].text == "Second"


def test_an_incremental_run_refuses_a_broken_export_and_writes_nothing(tmp_path: Path) -> None:
    export = tmp_path / "p.json"
    export.write_bytes(plain_export("x"))
    vault = tmp_path / "vault"
    runner = CliRunner()
    arguments = ["convert", str(export), "-o", str(vault), "--to", "obsidian", "--incremental"]
    assert runner.invoke(cli.main, arguments).exit_code == 0
    before = {path.name: path.read_bytes() for path in vault.iterdir()}
    export.write_bytes(plain_export("x").replace(b'"x"', b'"x\\q"'))
    result = runner.invoke(cli.main, arguments)
    assert result.exit_code == 2
    assert f"{export}:1:" in result.output and "not JSON: Invalid \\escape" in result.output
    assert {path.name: path.read_bytes() for path in vault.iterdir()} == before


def test_only_an_incremental_run_that_finds_a_manifest_scans(tmp_path: Path) -> None:
    data, vault = plain_export("x"), tmp_path / "vault"
    vault.mkdir()
    incremental = VaultRun(incremental=True)
    assert export_reader(vault, incremental) is read_export
    (vault / MANIFEST_NAME).write_text("{}", encoding="utf-8")
    assert export_reader(vault, VaultRun()) is read_export
    assert export_reader(vault, incremental) is scan_export
    scanned = export_reader(vault, incremental)(data, "e")
    assert type(scanned.pages[0]) is not ExportPage
    assert scanned == read_export(data, "e")
