"""Front matter → Scrapbox on the 676 notes of the Markdown corpora, each corpus imported as a
vault and its pages read back with the reference parser; the import file with dates against a
schema the tests hold; export → vault → import on qualia-san with the command, dates included;
one printed line per note and code.

The expected tags and fields come from the front matter read here with pyyaml, not with
scrapconv's reader.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import scrapconv
from scrapconv.project import read_export, vault_to_import

from .corpus import CORPUS, require_corpus
from .markdown_corpus import MARKDOWN_CORPORA, MarkdownFile, all_markdown_files
from .oracle import reference_parse
from .test_corpus_roundtrip import changed_lines

COMMAND = [sys.executable, "-c", "from scrapconv.cli import main; main()"]
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|$)", re.DOTALL)
_WIKILINK = re.compile(r"\[\[([^\[\]|#]*)[^\[\]]*\]\]")


@dataclass(frozen=True, slots=True)
class ConvertedNote:
    file: MarkdownFile
    fields: dict[str, Any] | None  # None: front matter that is no YAML mapping
    yaml_text: str
    blocks: list[dict[str, Any]]  # the reference parser's, of the Scrapbox page
    codes: tuple[str, ...]
    dates: tuple[int, int] | None  # of the page's lines


def front_matter(text: str) -> tuple[str, dict[str, Any] | None] | None:
    """The YAML of a note's front matter and its fields (None when it cannot be read), or
    None when the note has no front matter."""
    found = _FRONT_MATTER.match(text)
    if found is None:
        return None
    yaml_text = found[1] or ""
    try:
        fields = yaml.safe_load(yaml_text)
    except (yaml.YAMLError, TypeError, ValueError):
        return yaml_text, None
    return yaml_text, fields if isinstance(fields, dict) else ({} if fields is None else None)


@cache
def converted_notes() -> tuple[ConvertedNote, ...]:
    """Every corpus note with front matter, imported from its vault (its title the front
    matter's or its file name) and read back."""
    require_corpus()
    notes = []
    pages = []
    files = {(file.corpus, file.path): file for file in all_markdown_files()}
    for corpus, folders in MARKDOWN_CORPORA.items():
        for folder in folders:
            # (No project: these notes hold icons of several.)
            result = vault_to_import(CORPUS / corpus / folder, project="")
            codes: dict[str, list[str]] = {}
            for note, diagnostic in result.diagnostics:
                codes.setdefault(note, []).append(diagnostic.code)
            for note, page in zip(result.notes, result.pages, strict=True):
                file = files[corpus, f"{folder}/{note}"]
                found = front_matter(file.text)
                if found is not None:
                    pages.append("\n".join(page.lines))
                    notes.append((file, found, tuple(codes.get(note, ())), page.dates))
    parsed = reference_parse(pages)
    return tuple(
        ConvertedNote(file, fields, yaml_text, blocks, codes, dates)
        for (file, (yaml_text, fields), codes, dates), blocks in zip(notes, parsed, strict=True)
    )


def nodes(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The parser's nodes, those inside others too."""
    for node in items:
        yield node
        inner = node.get("nodes")
        if isinstance(inner, list):
            yield from nodes(inner)


def line_nodes(block: dict[str, Any]) -> list[dict[str, Any]]:
    return block.get("nodes", []) if block.get("type") == "line" else []


def shown_text(items: list[dict[str, Any]]) -> str:
    """A line as a reader sees it: plain text, and the text of links."""
    return "".join(
        node.get("text", "") if node["type"] == "plain" else node.get("href", "")
        for node in nodes(items)
        if node["type"] in ("plain", "link", "hashTag")
    )


def expected_tags(value: object) -> list[str]:
    """The hashtags of a `tags` field: Cosense writes a space in a tag as `_`."""
    if value is None:
        return []
    items = re.split(r"[,\s]+", value) if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    names = [str(item).strip().removeprefix("#") for item in items if item is not None]
    return [re.sub(r"\s+", "_", name) for name in names if name]


def is_date(value: object) -> bool:
    if isinstance(value, datetime.date):
        return True
    if not isinstance(value, str):
        return False
    try:
        datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def value_texts(value: object) -> list[str]:
    """What a reader must find of a field's value on its line: each item's text, a wikilink
    as its page's name."""
    if isinstance(value, list | tuple):
        return [text for item in value for text in value_texts(item)]
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, str):
        return [_WIKILINK.sub(r"\1", value).strip()]
    if isinstance(value, datetime.datetime):
        return [str(value)]
    return [value.isoformat() if isinstance(value, datetime.date) else str(value)]


def with_fields(notes: tuple[ConvertedNote, ...]) -> list[ConvertedNote]:
    return [note for note in notes if note.fields]


# --- the corpus --------------------------------------------------------------------------------


def test_every_tags_entry_is_a_hashtag() -> None:
    tagged = [note for note in with_fields(converted_notes()) if note.fields.get("tags")]  # type: ignore[union-attr]
    assert len(tagged) >= 30
    for note in tagged:
        tags = expected_tags(note.fields["tags"])  # type: ignore[index]
        # The line right under the title.
        line = line_nodes(note.blocks[1])
        hashtags = [node["href"] for node in line if node["type"] == "hashTag"]
        assert hashtags == list(dict.fromkeys(tags)), note.file.path
        assert "front-matter" not in note.codes


def test_every_other_property_is_on_the_page() -> None:
    notes = with_fields(converted_notes())
    checked = 0
    for note in notes:
        # The page's title, which an alias need not repeat.
        title = note.fields.get("title") or Path(note.file.path).stem  # type: ignore[union-attr]
        lines = {
            shown_text(line_nodes(block)).split(":", 1)[0]: line_nodes(block)
            for block in note.blocks[1:]
        }
        for key, value in note.fields.items():  # type: ignore[union-attr]
            key = str(key)
            if key in ("title", "tags") or (key in ("created", "updated") and is_date(value)):
                continue
            if key == "aliases" and isinstance(value, list):
                value = [alias for alias in value if alias != title]
            if key == "aliases" and value in ([], title):
                continue
            assert key in lines, (note.file.path, key)
            text = shown_text(lines[key])
            for part in value_texts(value):
                assert part in text, (note.file.path, key, part, text)
            checked += 1
    assert len(notes) >= 250
    assert checked >= 600


def test_the_dates_are_the_pages_dates_not_lines() -> None:
    dated = [
        note
        for note in with_fields(converted_notes())
        if is_date(note.fields.get("created"))  # type: ignore[union-attr]
    ]
    assert len(dated) >= 10
    for note in dated:
        shown = [shown_text(line_nodes(block)) for block in note.blocks]
        assert not any(line.startswith("created:") for line in shown), note.file.path
        created = note.fields["created"]  # type: ignore[index]
        # (The corpus's dates are days, which are UTC midnight.)
        assert isinstance(created, datetime.date)
        day = datetime.datetime(created.year, created.month, created.day, tzinfo=datetime.UTC)
        assert note.dates == (int(day.timestamp()), int(day.timestamp())), note.file.path


def test_front_matter_that_is_no_yaml_is_one_diagnostic_and_a_code_block() -> None:
    unread = [note for note in converted_notes() if note.fields is None]
    # The templates of kepano's vault (`{{date}}`).
    assert len(unread) >= 20
    for note in unread:
        assert note.codes.count("front-matter") == 1, note.file.path
        assert "html" not in note.codes
        [block] = [block for block in note.blocks if block["type"] == "codeBlock"][:1]
        assert block["fileName"] == "front-matter.yaml"
        assert block["content"] == note.yaml_text.removesuffix("\n")


# --- any front matter --------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(), st.text(max_size=20)
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=8)
_KEYS = st.from_regex(r"[A-Za-z][A-Za-z0-9 _-]{0,11}", fullmatch=True).map(str.rstrip)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=6), st.text(max_size=40))
def test_any_front_matter_gives_a_line_per_field(fields: dict[str, Any], body: str) -> None:
    text = "---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\n" + body
    result = scrapconv.convert(text, "obsidian", "scrapbox")
    assert "front-matter" not in [diagnostic.code for diagnostic in result.diagnostics]
    lines = result.text.split("\n")
    for key, value in fields.items():
        if key in ("title", "tags") or (key in ("created", "updated") and is_date(value)):
            continue
        assert any(line.startswith(f"{key}:") for line in lines), (key, lines)
    tags = expected_tags(fields.get("tags"))
    if tags and "title" in fields:
        assert lines[1].startswith("#"), lines


# --- the import file -----------------------------------------------------------------------------

# The shape of a Cosense import (the docs: ecosystem.md), as JSON Schema writes one.
LINE_WITH_DATES = {
    "type": "object",
    "required": ["text", "created", "updated"],
    "properties": {
        "text": {"type": "string"},
        "created": {"type": "integer", "minimum": 0},
        "updated": {"type": "integer", "minimum": 0},
    },
    "additionalProperties": False,
}
IMPORT_SCHEMA = {
    "type": "object",
    "required": ["pages"],
    "properties": {
        "pages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["title", "lines"],
                "properties": {
                    "title": {"type": "string"},
                    "lines": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"anyOf": [{"type": "string"}, LINE_WITH_DATES]},
                    },
                },
                "additionalProperties": False,
            },
        }
    },
    "additionalProperties": False,
}
_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
}


def violations(value: object, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Where `value` does not have the shape `schema` says (the keywords it uses)."""
    if "anyOf" in schema:
        if all(violations(value, option, where) for option in schema["anyOf"]):
            return [f"{where}: matches none of the shapes"]
        return []
    kind = _TYPES[schema["type"]]
    if not isinstance(value, kind) or isinstance(value, bool):
        return [f"{where}: not {schema['type']}"]
    found: list[str] = []
    if isinstance(value, int) and value < schema.get("minimum", value):
        found.append(f"{where}: below {schema['minimum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            found.append(f"{where}: fewer than {schema['minItems']} items")
        for index, item in enumerate(value):
            found += violations(item, schema["items"], f"{where}[{index}]")
    if isinstance(value, dict):
        found += [f"{where}: no {key!r}" for key in schema.get("required", ()) if key not in value]
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                found += violations(item, properties[key], f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{where}: {key!r} is not allowed")
    return found


def test_the_schema_checker_finds_what_is_wrong() -> None:
    assert violations({"pages": []}, IMPORT_SCHEMA) == []
    assert violations({"pages": [{"title": "t", "lines": ["t"]}]}, IMPORT_SCHEMA) == []
    assert violations({"page": []}, IMPORT_SCHEMA) == [
        "$: no 'pages'",
        "$: 'page' is not allowed",
    ]
    line = {"text": "t", "created": 1, "updated": True}
    assert violations({"pages": [{"title": "t", "lines": [line]}]}, IMPORT_SCHEMA) == [
        "$.pages[0].lines[0]: matches none of the shapes"
    ]
    assert violations({"pages": [{"title": "t", "lines": []}]}, IMPORT_SCHEMA) == [
        "$.pages[0].lines: fewer than 1 items"
    ]


def make_vault(folder: Path) -> Path:
    notes = {
        "Dated.md": "---\ncreated: 2023-09-12\nupdated: 2023-09-14T10:30:00Z\n---\ntext\n",
        "Created.md": "---\ncreated: 2023-09-12T08:00:00+09:00\n---\ntext\n",
        "Plain.md": "text\n",
        "Not a date.md": "---\ncreated: last week\n---\ntext\n",
    }
    for name, text in notes.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_the_import_with_dates_has_the_shape_cosense_takes(tmp_path: Path) -> None:
    data = vault_to_import(make_vault(tmp_path)).to_json()
    assert violations(data, IMPORT_SCHEMA) == []
    pages = {page["title"]: page["lines"] for page in data["pages"]}
    september_12 = int(datetime.datetime(2023, 9, 12, tzinfo=datetime.UTC).timestamp())
    september_14 = int(datetime.datetime(2023, 9, 14, 10, 30, tzinfo=datetime.UTC).timestamp())
    assert pages["Dated"] == [
        {"text": "Dated", "created": september_12, "updated": september_14},
        {"text": "text", "created": september_12, "updated": september_14},
    ]
    # One date stands for both; a time zone counts.
    eight_in_tokyo = september_12 - 3600
    assert {(line["created"], line["updated"]) for line in pages["Created"]} == {
        (eight_in_tokyo, eight_in_tokyo)
    }
    assert pages["Plain"] == ["Plain", "text"]
    assert pages["Not a date"] == ["Not a date", "created: last week", "", "text"]


def test_the_light_import_has_no_dates_and_says_so(tmp_path: Path) -> None:
    result = vault_to_import(make_vault(tmp_path), import_format="light")
    data = result.to_json()
    assert violations(data, IMPORT_SCHEMA) == []
    assert all(isinstance(line, str) for page in data["pages"] for line in page["lines"])
    assert sorted((note, d.code, d.line) for note, d in result.diagnostics) == [
        ("Created.md", "dates", 2),
        ("Dated.md", "dates", 2),
    ]


# --- qualia-san through a vault and back, with the command --------------------------------------


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def qualia_san_round_trip(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require_corpus()
    folder = tmp_path_factory.mktemp("qualia-san")
    export = CORPUS / "scrapbox-qualia-san" / "qualia-san.json"
    vault, output, report = folder / "vault", folder / "import.json", folder / "report.json"
    # No --project either way: the export names its project, and the vault records it.
    result = run("convert", export, "-o", vault, "--to", "obsidian")
    assert result.returncode == 0, result.stderr
    result = run("convert", vault, "-o", output, "--to", "scrapbox", "--report", report)
    assert result.returncode == 0, result.stderr
    return {
        "export": read_export(export.read_bytes(), export.name),
        "import": json.loads(output.read_text(encoding="utf-8")),
        "printed": result.stderr.splitlines(),
        "report": json.loads(report.read_text(encoding="utf-8")),
    }


def test_qualia_san_comes_back_with_titles_text_and_dates(
    qualia_san_round_trip: dict[str, Any],
) -> None:
    export = qualia_san_round_trip["export"]
    data = qualia_san_round_trip["import"]
    assert violations(data, IMPORT_SCHEMA) == []
    pages = {page["title"]: page["lines"] for page in data["pages"]}
    assert sorted(pages) == sorted(page.title for page in export.pages)
    for page in export.pages:
        lines = pages[page.title]
        # The text as a reader sees it (a tab of indentation comes back a space, as the round
        # trip's measure counts it).
        back = "\n".join(line["text"] for line in lines)
        assert changed_lines(page.text, back) == frozenset(), page.title
        assert {(line["created"], line["updated"]) for line in lines} == {
            (page.created, page.updated)
        }, page.title


def test_qualia_san_prints_one_line_per_note_and_code(
    qualia_san_round_trip: dict[str, Any],
) -> None:
    *printed, summary = qualia_san_round_trip["printed"]
    reported = qualia_san_round_trip["report"]["diagnostics"]
    keys = [(line.split(":")[0], line.split(": ")[1]) for line in printed]
    assert len(keys) == len(set(keys))
    # The report keeps every diagnostic, each line's "more" counted in.
    more = sum(
        int(found[1]) for line in printed if (found := re.search(r"\(and (\d+) more\)$", line))
    )
    assert len(printed) + more == len(reported)
    assert summary.endswith(f", {len(reported)} diagnostics")
    # No notice about fields scrapconv wrote itself.
    assert not [item for item in reported if item["code"] == "front-matter"]
