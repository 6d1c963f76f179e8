"""The untimed parts of benchmarks/bench_pipeline.py: its arguments, the edit that makes P3's
daily update, the page P4 converts, and the count of changed notes that checks P3."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_pipeline


def test_arguments_default_to_every_measure_and_five_pairs() -> None:
    args = bench_pipeline.parse_arguments([])
    assert args.only == ["P1", "P2", "P3", "P4", "P5"]
    assert args.pairs == 5
    assert args.file == bench_pipeline.DEFAULT_EXPORT


def test_scratch_is_the_temporary_folder_unless_a_folder_is_given(tmp_path: Path) -> None:
    assert bench_pipeline.parse_arguments([]).scratch is None
    assert bench_pipeline.parse_arguments(["--scratch", str(tmp_path)]).scratch == tmp_path


def test_scratch_must_be_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "file"
    file.write_text("")
    for value in (tmp_path / "missing", file):
        with pytest.raises(SystemExit) as stopped:
            bench_pipeline.parse_arguments(["--scratch", str(value)])
        assert stopped.value.code == 2
        assert f"argument --scratch: not a folder: '{value}'" in capsys.readouterr().err


def test_only_takes_measures_in_the_order_given_once_each() -> None:
    args = bench_pipeline.parse_arguments(["x.json", "--only", "p3, P1,P3", "--pairs", "2"])
    assert args.only == ["P3", "P1"]
    assert args.pairs == 2
    assert args.file == Path("x.json")


@pytest.mark.parametrize("argv", [["--only", "P6"], ["--only", ","], ["--pairs", "0"]])
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        bench_pipeline.parse_arguments(argv)
    assert stopped.value.code == 2
    assert "error: argument" in capsys.readouterr().err


def _export() -> dict[str, object]:
    return {
        "name": "p",
        "pages": [
            {"title": "old", "updated": 100, "lines": ["old", "a"]},
            {"title": "newest", "updated": 500, "lines": ["newest", "b"]},
            {"title": "objects", "updated": 400, "lines": [{"text": "objects", "id": "x"}]},
            {"title": "older", "updated": 50, "lines": ["older"]},
            {"title": "new", "updated": 300, "lines": ["new", "c"]},
        ],
    }


def test_edit_pages_changes_the_three_latest_pages_and_keeps_titles() -> None:
    data = _export()
    before = copy.deepcopy(data)
    assert bench_pipeline.edit_pages(data) == ["newest", "objects", "new"]
    pages = data["pages"]
    assert isinstance(pages, list)
    old_pages = before["pages"]
    assert isinstance(old_pages, list)
    assert pages[0] == old_pages[0] and pages[3] == old_pages[3]
    edited = [pages[1], pages[2], pages[4]]
    assert [page["title"] for page in edited] == ["newest", "objects", "new"]
    assert sorted(page["updated"] for page in edited) == [560, 620, 680]
    assert pages[1]["lines"] == ["newest", "b", bench_pipeline.EDIT_LINE]
    assert pages[4]["lines"] == ["new", "c", bench_pipeline.EDIT_LINE]
    # An object line is followed by an object line, with the same metadata.
    assert pages[2]["lines"][-1] == {"text": bench_pipeline.EDIT_LINE, "id": "x"}


def test_edit_pages_needs_enough_pages() -> None:
    with pytest.raises(bench_pipeline.BenchError, match="fewer than 3 pages"):
        bench_pipeline.edit_pages({"pages": [{"title": "a", "lines": ["a"]}]})


def test_typical_page_is_the_median_in_bytes() -> None:
    # "ééé" is 6 bytes, longer than "abcd" (4) though fewer characters.
    assert bench_pipeline.typical_page(["a", "ééé", "abcd", "abcdefghij", "ab"]) == "abcd"
    assert bench_pipeline.typical_page(["bb", "a", "cc", "dd"]) == "bb"


def test_differing_notes_counts_changed_new_and_removed_notes(tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    for vault in (before, after):
        (vault / "sub").mkdir(parents=True)
        (vault / "same.md").write_text("same")
        (vault / "sub" / "same.md").write_text("same")
        (vault / ".scrapconv.json").write_text(vault.name)
    (before / "changed.md").write_text("one")
    (after / "changed.md").write_text("two")
    (before / "removed.md").write_text("gone")
    (after / "sub" / "new.md").write_text("new")
    assert bench_pipeline.differing_notes(before, before) == 0
    assert bench_pipeline.differing_notes(before, after) == 3
