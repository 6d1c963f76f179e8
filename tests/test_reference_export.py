"""Reference mode for whole exports (`convert EXPORT.json -o DIR --compat reference`): the files
the reference pipeline writes, named as it names them, each holding what the page converted
alone in reference mode gives."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import scrapconv
from scrapconv import cli
from scrapconv.filenames import collision_key, reference_filenames
from scrapconv.manifest import MANIFEST_NAME
from scrapconv.markdown.options import MarkdownOptions
from scrapconv.project import Export, ExportPage, VaultRun, export_to_vault, read_export

from .corpus import CORPUS, require_corpus

REFERENCE = MarkdownOptions(compat="reference")
# A rename reported: the pipeline's name and the name written, both as JSON strings.
NAME = r'("(?:[^"\\]|\\.)*")'
RENAME = re.compile(
    rf".*: file-name: the reference pipeline's file name {NAME} .*: written as {NAME}"
)


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def alone(page: ExportPage, project: str) -> str:
    """The page converted alone in reference mode, its title line the export's title."""
    _, _, rest = page.text.partition("\n")
    text = page.title + ("\n" + rest if "\n" in page.text else "")
    return scrapconv.convert(text, "scrapbox", "obsidian", project=project, compat="reference").text


@pytest.mark.parametrize("name", ["qualia-san", "kozaneba-forum", "vtuber"])
def test_every_page_of_an_export_is_the_pipeline_s_file(tmp_path: Path, name: str) -> None:
    require_corpus()
    export_file = CORPUS / f"scrapbox-{name}" / f"{name}.json"
    status, _, stderr = invoke(
        "convert", export_file, "-o", tmp_path, "--to", "obsidian", "--compat", "reference"
    )
    assert status == 0, stderr
    export = read_export(export_file.read_bytes(), name)
    # The renames reported: the pipeline's name → the name written.
    renamed = dict(
        RENAME.fullmatch(line).groups()  # type: ignore[union-attr]
        for line in stderr.splitlines()
        if ": file-name: " in line
    )
    written = {path.name for path in tmp_path.iterdir()}
    assert len(written) == len(export.pages)
    for page in export.pages:
        pipeline = page.title.replace("/", "-") + ".md"
        name = json.loads(
            renamed.get(json.dumps(pipeline, ensure_ascii=False), json.dumps(pipeline))
        )
        path = tmp_path / name
        assert path.read_text(encoding="utf-8") == alone(page, export.project), page.title
        if page.updated is not None:
            assert path.stat().st_mtime == page.updated


def test_the_vtuber_page_the_pipeline_cannot_write_is_renamed(tmp_path: Path) -> None:
    require_corpus()
    export = read_export((CORPUS / "scrapbox-vtuber" / "vtuber.json").read_bytes(), "vtuber")
    longest = max(export.pages, key=lambda page: len(page.title.encode("utf-8")))
    assert len(longest.title.encode("utf-8")) + 3 > 255
    result = export_to_vault(export, tmp_path, REFERENCE)
    too_long = [
        (name, diagnostic)
        for name, diagnostic in result.diagnostics
        if diagnostic.code == "file-name" and "longer than 255 bytes" in diagnostic.message
    ]
    assert too_long
    for name, _ in too_long:
        assert len(name.encode("utf-8")) <= 255
        assert (tmp_path / name).is_file()


def test_invalid_and_colliding_names_are_made_valid_and_unique() -> None:
    titles = ["a/b", "a-b", "FAQ", "faq", "CON", "dot.", "x" * 300, "tab\tin", "plain: yes?"]
    named = reference_filenames(titles)
    assert named["a-b"] == ("a-b", None)
    assert named["a/b"][0].startswith("a-b (") and "taken by the page" in str(named["a/b"][1])
    assert named["FAQ"] == ("FAQ", None)
    assert named["faq"][0].startswith("faq (")
    assert named["CON"] == ("CON-", "is a device name on Windows")
    assert named["dot."] == ("dot.", None)
    assert named["x" * 300] == ("x" * 252, "is longer than 255 bytes")
    assert named["tab\tin"] == ("tab-in", "holds a character no file name can hold")
    # The pipeline's own names stay, though Windows would refuse `:` and `?`.
    assert named["plain: yes?"] == ("plain: yes?", None)
    keys = [collision_key(name) for name, _ in named.values()]
    assert len(set(keys)) == len(keys)


def test_reference_mode_writes_the_title_only_and_keeps_the_mtime(tmp_path: Path) -> None:
    export = Export("p", (ExportPage("a/b", "a/b\n[c]", 1600000000, 1700000000),))
    result = export_to_vault(export, tmp_path, REFERENCE)
    assert result.files == ("a-b.md",)
    assert (tmp_path / "a-b.md").read_text(encoding="utf-8") == '---\ntitle: "a/b"\n---\n\n[[c]]'
    assert os.stat(tmp_path / "a-b.md").st_mtime == 1700000000


def test_an_incremental_reference_run_rewrites_only_what_changed(tmp_path: Path) -> None:
    pages = (ExportPage("A", "A\nx"), ExportPage("B", "B\ny"))
    run = VaultRun(incremental=True)
    export_to_vault(Export("p", pages), tmp_path, REFERENCE, run)
    assert (tmp_path / MANIFEST_NAME).is_file()
    changed = (ExportPage("A", "A\nz"), ExportPage("B", "B\ny"))
    result = export_to_vault(Export("p", changed), tmp_path, REFERENCE, run)
    assert (result.files, result.unchanged) == (("A.md",), ("B.md",))
    # Settings changed: another format, every page converted again.
    faithful = export_to_vault(Export("p", changed), tmp_path, run=run)
    assert faithful.full_run == "settings changed"
