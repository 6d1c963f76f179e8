"""A note's front matter as a Scrapbox page shows it.

Scrapbox has no front matter: a page converted from a note starts, under its title (without
one, under the first line of the text, which is the page's title), with one line of the note's
`tags` as hashtags (where Cosense users put a page's tags), then one line per
other field, `key: value`, in the order written, and an empty line before the note's text.
A list is written as its items, separated by `, `; a wikilink or a URL in a value is a link.
`created` and `updated`, when they are dates, are the page's dates (`PageDates`), which a
Cosense import carries, and no line. scrapconv's own fields, which a vault written from an
export holds, give no line either: `title` is the page's title, and `aliases` that only repeat
the title are dropped. Front matter that is not valid YAML is kept as a code block.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ..ast import (
    Block,
    CodeBlock,
    Document,
    HashTag,
    Heading,
    Inline,
    Line,
    MetaValue,
    Property,
    Text,
)
from ..diagnostics import Diagnostic
from .frontmatter import UnreadFrontMatter, front_matter, read_fields, written_yaml
from .inline_reader import InlineContext, read_inline

__all__ = ["FRONT_MATTER_BLOCK", "PageDates", "dates_left_out", "with_properties"]

# The name of the code block that holds front matter that is not valid YAML.
FRONT_MATTER_BLOCK = "front-matter.yaml"
_DATE_KEYS = ("created", "updated")
# A top-level key of a YAML mapping, as a front matter writes it (quoted or not).
_KEY_ROW = re.compile(r"""(?:"([^"]*)"|'([^']*)'|([^\s#\-"'][^:]*?))[ \t]*:(?:[ \t]|$)""")
# What cuts a hashtag short: Scrapbox reads a link or code there first.
_NOT_IN_TAG = re.compile(r"[\[`]")
# Tags written as one text (`tags: a, b` or `tags: a b`).
_TAG_SEPARATOR = re.compile(r"[,\s]+")


@dataclass(frozen=True, slots=True)
class PageDates:
    """A page's dates in Unix seconds (None: not known) and the front matter's line of the
    first of them (0: none)."""

    created: int | None = None
    updated: int | None = None
    line: int = 0

    def __bool__(self) -> bool:
        return self.created is not None or self.updated is not None

    def both(self) -> tuple[int, int] | None:
        """Creation and update time, each standing for the other where one is missing, as a
        Cosense line needs both; None without dates."""
        if self.created is None:
            return None if self.updated is None else (self.updated, self.updated)
        return self.created, self.updated if self.updated is not None else self.created


def with_properties(document: Document) -> tuple[Document, PageDates]:
    """`document` with its front matter written as lines at its start (see the module's
    text), and no front matter left; and the page's dates."""
    if not document.meta and not document.front_matter:
        return document, PageDates()
    rows = _key_rows(document.front_matter)
    blocks: list[Block] = []
    # Front matter that could not be read holds no fields; nor does the title's own block (of
    # a page converted alone), which is told apart without reading it again.
    if not document.meta and document.front_matter != front_matter(document.title):
        yaml_text = written_yaml(document.front_matter)
        try:
            read_fields(yaml_text)
        except UnreadFrontMatter:
            # (The reader reported it.)
            blocks.append(CodeBlock("", FRONT_MATTER_BLOCK, tuple(yaml_text.split("\n")), line=2))
    dates, fields = _dates(document.meta, rows)
    tags = [field for field in fields if field.key == "tags" and _tag_names(field.value)]
    if tags:
        blocks.append(Line("", _tag_nodes(tags), rows.get("tags", 1)))
    context = InlineContext()
    for field in fields:
        if field in tags:
            continue
        value = field.value
        if field.key == "aliases" and document.title is not None:
            if _only(value, document.title):
                continue
            value = _without(value, document.title)
        blocks.append(Line("", _field_nodes(field.key, value, context), rows.get(field.key, 1)))
    body = document.blocks
    # Without a title, the first line of the text is the page's title: the lines go under it.
    title_line = body[:1] if document.title is None and body and _is_title(body[0]) else ()
    body = body[len(title_line) :]
    if blocks and body and not _is_empty_line(body[0]):
        blocks.append(Line("", (), 0))
    changed = dataclasses.replace(
        document, blocks=(*title_line, *blocks, *body), meta=(), front_matter=""
    )
    return changed, dates


def dates_left_out(dates: PageDates, why: str) -> list[Diagnostic]:
    """The diagnostic of a page whose dates its output cannot carry (a page's text, a light
    import: `why`), or none without dates."""
    if not dates:
        return []
    return [
        Diagnostic("dates", dates.line, f"the note's created/updated dates are left out: {why}")
    ]


def _dates(meta: tuple[Property, ...], rows: dict[str, int]) -> tuple[PageDates, list[Property]]:
    """The page's dates, and the fields other than the dates read."""
    times: dict[str, int] = {}
    fields: list[Property] = []
    for field in meta:
        seconds = _unix_seconds(field.value) if field.key in _DATE_KEYS else None
        if seconds is None or field.key in times:
            fields.append(field)
        else:
            times[field.key] = seconds
    line = min((rows.get(key, 1) for key in times), default=0)
    return PageDates(times.get("created"), times.get("updated"), line), fields


def _unix_seconds(value: MetaValue) -> int | None:
    """An ISO 8601 date or date and time as Unix seconds (UTC when it names no time zone), or
    None for anything else or a time before 1970."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int(moment.timestamp())
    return seconds if seconds >= 0 else None


def _tag_nodes(fields: list[Property]) -> tuple[Inline, ...]:
    """The tags of the `tags` fields as hashtags separated by spaces; a tag that no hashtag
    can hold (a `[`, a backtick) as its text, which the report of Scrapbox markup names."""
    names = [name for field in fields for name in _tag_names(field.value)]
    nodes: list[Inline] = []
    for name in dict.fromkeys(names):
        if nodes:
            nodes.append(Text(" "))
        # Cosense writes a space in a hashtag as `_`: the same page.
        tag = re.sub(r"\s+", "_", name.strip())
        nodes.append(Text(f"#{tag}") if _NOT_IN_TAG.search(tag) else HashTag(tag))
    return tuple(nodes)


def _tag_names(value: MetaValue) -> list[str]:
    """The tags of a `tags` field, without a leading `#`: the items of a list, the parts of a
    text (`a, b` or `a b`)."""
    if isinstance(value, str):
        parts = _TAG_SEPARATOR.split(value)
    else:
        parts = [item if isinstance(item, str) else _text(item) for item in _items(value)]
    return [name for part in parts if (name := part.strip().removeprefix("#"))]


def _items(value: MetaValue) -> list[MetaValue]:
    """A field's values, lists within lists flattened; none for no value."""
    if value is None:
        return []
    if isinstance(value, tuple):
        return [inner for item in value for inner in _items(item)]
    return [value]


def _only(value: MetaValue, title: str) -> bool:
    """Whether aliases only repeat the page's title (scrapconv writes the title as an alias of
    a note whose file name differs from it)."""
    if isinstance(value, tuple):
        return bool(value) and all(item == title for item in value)
    return value == title


def _without(value: MetaValue, title: str) -> MetaValue:
    """Aliases without the page's title."""
    if isinstance(value, tuple):
        return tuple(item for item in value if item != title)
    return value


def _field_nodes(key: str, value: MetaValue, context: InlineContext) -> tuple[Inline, ...]:
    """`key: value`, the value's items separated by `, `."""
    nodes: list[Inline] = [Text(f"{key}:" if value in (None, ()) else f"{key}: ")]
    for index, item in enumerate(value if isinstance(value, tuple) else (value,)):
        if index:
            nodes.append(Text(", "))
        if isinstance(item, str):
            nodes.extend(read_inline(item, context))
        elif item is not None:
            nodes.append(Text(_text(item)))
    return _joined(nodes)


def _text(value: MetaValue) -> str:
    """A value as YAML writes it, `true`, `3`, nothing for null; a list in a list as
    `(a, b)` (YAML's `[a, b]` would be a link in Scrapbox)."""
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case tuple():
            return "(" + ", ".join(_text(item) for item in value) + ")"
    return str(value)


def _joined(nodes: list[Inline]) -> tuple[Inline, ...]:
    """`nodes` with neighbouring texts made one."""
    joined: list[Inline] = []
    for node in nodes:
        if joined and isinstance(node, Text) and isinstance(joined[-1], Text):
            joined[-1] = Text(joined[-1].text + node.text)
        else:
            joined.append(node)
    return tuple(joined)


def _key_rows(written: str) -> dict[str, int]:
    """The note's line of each top-level key of a front matter block as written."""
    rows: dict[str, int] = {}
    for number, row in enumerate(written.split("\n")[1:-2], 2):
        match = _KEY_ROW.match(row)
        if match is not None:
            key = next(group for group in match.groups() if group is not None)
            rows.setdefault(key, number)
    return rows


def _is_title(block: Block) -> bool:
    """Whether a block can be the title line of a page: a line of text, not indented."""
    return isinstance(block, Line | Heading) and not block.indent and bool(block.children)


def _is_empty_line(block: Block) -> bool:
    return isinstance(block, Line) and not block.indent and not block.children
