"""The shared document tree that every reader produces and every writer consumes.

The tree is closed (a fixed set of node classes), typed and immutable. For Scrapbox it is
lossless: every node keeps what the notation distinguishes (which brackets, which side a link
title was on, the whitespace that separated the parts, the indent characters, `*N` as written),
so the Scrapbox writer can give the source back byte for byte.

Fields that only Scrapbox sources fill (separators, forms, raw indents) have defaults, so a
Markdown reader can build the same nodes without inventing Scrapbox details; writers fill in
the usual form where a field is left at its default. New Markdown constructs (headings,
emphasis, embeds, callouts, footnotes, HTML) are added as further classes of the same unions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from typing import Literal, TypeAlias, get_args

from .frozen import frozen

# ---------------------------------------------------------------------------------------------
# Inline nodes


@frozen
class Text:
    """Text with no markup."""

    text: str


@frozen
class Code:
    """Inline code: `` `text` ``."""

    text: str


@frozen
class CommandLine:
    """A shell-prompt line, `$ cmd` or `% cmd`."""

    symbol: Literal["$", "%"]
    text: str


@frozen
class Helpfeel:
    """Helpfeel notation, `? phrasing`."""

    text: str


@frozen
class Blank:
    """`[ ]`: brackets around whitespace only; `text` is that whitespace."""

    text: str


@frozen
class Decoration:
    """`[marks body]`: `marks` is written exactly as in the source (`*/*`)."""

    marks: str
    children: tuple[Inline, ...]
    # Markdown: `_` for italics written `_x_`, "" for the writer's own `*x*`.
    delimiter: str = ""

    @property
    def stars(self) -> int:
        """How many `*` the marks hold (text size; 0 when none)."""
        return self.marks.count("*")


@frozen
class Formula:
    """TeX: `[$ tex]`, or `[$ tex ]` when `spaced_close` (the space is not part of the TeX)."""

    tex: str
    spaced_close: bool = False


@frozen
class Strong:
    """`[[body]]` in Scrapbox: bold text, never a page link."""

    children: tuple[Inline, ...]


@frozen
class PageLink:
    """A link to a page: `[page]` in Scrapbox. `target` is kept as written.

    A target starting with `/` is a root link (`/project/page`, `/project`). Obsidian links
    may also name a part of the page (`section`: `heading` or `^block` of `[[page#heading]]`)
    and show other text (`alias` of `[[page|alias]]`); Scrapbox links have neither.
    `path` tells a target read from an Obsidian link, which names a note's file as Obsidian
    finds it (`Plugins/Templates`), from a Scrapbox page title. `destination` is the URL of
    a Markdown link to a note (`[text](Note.md)`) as written, or "" for any other link.
    """

    target: str
    section: str = ""
    alias: str = ""
    path: bool = False
    destination: str = ""

    @property
    def is_root(self) -> bool:
        return self.target.startswith("/")


UrlLinkForm: TypeAlias = Literal["bare", "bracket", "url_label", "label_url"]


@frozen
class UrlLink:
    """A link to a URL.

    Forms: `bare` (a URL in running text), `bracket` (`[url]`), `url_label` (`[url label]`) and
    `label_url` (`[label url]`). `separator` is the whitespace between URL and label;
    `lead` is whitespace before a label written first (Scrapbox trims both from the label).
    `title` is the title of a Markdown link (`[label](url "title")`), which Scrapbox lacks;
    `label_markdown` the label as Markdown wrote it when it holds markup (emphasis, code, a
    tag) that Scrapbox's plain label lacks, or "".
    """

    url: str
    label: str = ""
    form: UrlLinkForm = "bracket"
    separator: str = " "
    lead: str = ""
    title: str = ""
    label_markdown: str = ""


@frozen
class Image:
    """An image, with an optional link target.

    In Scrapbox: `[src]`, `[src link]`, `[link src]` (`link_first`), or `[[src]]` (`strong`).
    `alt` is Markdown's alternative text; Scrapbox images have none.
    """

    src: str
    link: str = ""
    link_first: bool = False
    separator: str = " "
    strong: bool = False
    alt: str = ""


@frozen
class Icon:
    """An icon: `[path.icon]`, `[path.icon*N]`, or `[[path.icon]]` (`strong`).

    `repeat` is the `N` of `*N` exactly as written, or "" when there is none. `src` and `alt`
    are the URL and the alt text of the icon's `<img>` tag as Markdown wrote them, when they
    are not what the Markdown writer makes (a URL not percent-encoded, an alt text without
    the project), or "". `tag`: Markdown wrote it as an `<img>` tag, which Markdown written
    again keeps.
    """

    path: str
    repeat: str = ""
    strong: bool = False
    src: str = ""
    alt: str = ""
    tag: bool = False

    @property
    def count(self) -> int:
        return int(self.repeat) if self.repeat else 1

    @property
    def is_root(self) -> bool:
        return self.path.startswith("/")


@frozen
class GoogleMap:
    """Location notation: `[N35.68,E139.76,Z14 place]` or `[place N35.68,E139.76]`.

    `coordinates` is the coordinate text as written; `separator` the whitespace before or after
    the place.
    """

    coordinates: str
    place: str = ""
    place_first: bool = False
    separator: str = " "


@frozen
class Embed:
    """An Obsidian embed, `![[target]]` or `![[target|size]]`: a note or an attachment shown
    in place. Scrapbox has no embeds."""

    target: str
    size: str = ""


@frozen
class Html:
    """Raw HTML in Markdown text (`<br>`, `<kbd>`, `</span>`), or an Obsidian comment
    (`%%note%%`), kept as written. Scrapbox shows it as text."""

    raw: str


@frozen
class Callout:
    """The start of an Obsidian callout, `[!kind]` after `>` (`fold` is `+`, `-` or ""); the
    title follows as the quote's other nodes. Scrapbox has no callouts."""

    kind: str
    fold: str = ""


@frozen
class HashTag:
    """`#name`."""

    name: str


@frozen
class Quote:
    """`>` and the rest of the line; the children keep the space after `>`."""

    children: tuple[Inline, ...]


@frozen
class NumberList:
    """`1. body`. `numbers` holds each number as written, outermost first: `1. 2. x` is one
    node with numbers ("1", "2") rather than a chain of nested nodes."""

    numbers: tuple[str, ...]
    children: tuple[Inline, ...]


@frozen
class Dropped:
    """Text the reference parser drops or mangles (bugs 1 and 2 of the notation spec, §10).

    Only a reader asked to reproduce the reference parser's bugs makes it, so that its JSON
    can match the reference's; writers write the text as it is.
    """

    text: str


Inline: TypeAlias = (
    Text
    | Code
    | CommandLine
    | Helpfeel
    | Blank
    | Decoration
    | Formula
    | Strong
    | PageLink
    | Embed
    | Html
    | Callout
    | UrlLink
    | Image
    | Icon
    | GoogleMap
    | HashTag
    | Quote
    | NumberList
    | Dropped
)

# A table cell is a run of inline nodes.
Cell: TypeAlias = tuple[Inline, ...]

# ---------------------------------------------------------------------------------------------
# Blocks. `line` is the 1-based source line the block starts on (0 when not read from text).


@frozen
class Line:
    """One line of text. `indent` holds the indent characters themselves; its length is the
    depth (0: no bullet; n: a bullet at depth n).

    `continued` marks a Markdown line that goes on with the paragraph of the line before it
    (a list item's further lines, a lazy line under a quote) rather than starting an item or
    a paragraph; Scrapbox has no such lines and shows it as a line of its own. `bullet` is
    the marker of a Markdown list item written with `*` or `+` (two lists side by side differ
    in it), or "" (`-`, the writer's own).

    `margin` and `spacing` are a Markdown list item's whitespace before and after its marker
    as written (`\t- x`, `-   x`), which the writer keeps where they give the same list;
    None and "" leave both to the writer. `rule` is a thematic break as Markdown wrote it
    (`---`, `* * *`), which the line's one icon stands for; "" for the writer's own.
    `opens` is how many items around its own a Markdown list item's row starts (`- - x`
    after a sibling `- a` starts one: a new item holding a list), which the writer starts
    again; 0 lets a line at depth 2 under one at depth 1 be that line's child. `opened` holds
    the markers of those items as written, outermost first (`2.` of `2. - x`, `*` of `* - x`),
    or () when each is `-`.
    """

    indent: str
    children: tuple[Inline, ...]
    line: int = 0
    continued: bool = False
    bullet: str = ""
    margin: str | None = None
    spacing: str = ""
    rule: str = ""
    opens: int = 0
    opened: tuple[str, ...] = ()

    @property
    def depth(self) -> int:
        return len(self.indent)


@frozen
class CodeBlock:
    """`code:filename` and its body lines.

    `lines` are the body lines with the block's indent removed. `line_indents`, when known,
    are the exact characters removed from each body line (for byte-exact Scrapbox output).
    """

    indent: str
    filename: str
    lines: tuple[str, ...]
    line_indents: tuple[str, ...] | None = None
    line: int = 0
    # Markdown: the block goes on with the list item above (like `Line.continued`).
    continued: bool = False
    # Markdown: the opening fence as written (`~~~`, `````), or "" for the writer's own.
    fence: str = ""

    @property
    def content(self) -> str:
        return "\n".join(self.lines)


@frozen
class Table:
    """`table:name` and its rows of cells; rows may have different lengths."""

    indent: str
    name: str
    rows: tuple[tuple[Cell, ...], ...]
    row_indents: tuple[str, ...] | None = None
    line: int = 0
    # Markdown: each column's alignment, `left`, `center`, `right` or "" (Scrapbox has none).
    alignments: tuple[str, ...] = ()
    # Markdown: the delimiter row as written (`|:--|--:|`), or "" for the writer's own.
    delimiter_row: str = ""


@frozen
class Heading:
    """A Markdown heading, `#` to `######` (`level` 1 to 6), at the top level of a page or,
    with an `indent` (one space per depth, as a `Line`'s), as the text of a list item.

    Scrapbox has no headings of its own: its readers write a heading as a `Line` holding one
    `[* ]` decoration, and its writer turns a Heading into one.
    """

    level: int
    children: tuple[Inline, ...]
    line: int = 0
    indent: str = ""


# The Scrapbox text size (the stars of `[* ]`) of a heading of each level: the inverse of the
# usual `[* ]`, `[** ]`, `[*** ]` → `###`, `##`, `#`; levels 4 to 6 share the smallest size.
HEADING_STARS: dict[int, int] = {1: 3, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1}

Block: TypeAlias = Line | CodeBlock | Table | Heading

# ---------------------------------------------------------------------------------------------
# The document


MetaValue: TypeAlias = str | int | float | bool | tuple["MetaValue", ...] | None


@frozen
class Property:
    """One metadata field (a front matter key, an export's `created`)."""

    key: str
    value: MetaValue


@frozen
class Document:
    """A page. `title` is None when the source had no title line.

    `front_matter` is a Markdown front matter block as written, `---` lines included, which
    the writer writes again as long as it holds `title` and `meta`; "" when there was none.
    """

    title: str | None
    blocks: tuple[Block, ...]
    meta: tuple[Property, ...] = ()
    front_matter: str = ""


# ---------------------------------------------------------------------------------------------
# JSON form: every node becomes an object with its class name under "type"; tuples become
# arrays. `document_from_json(document_to_json(d)) == d` for every document.

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None

NODE_CLASSES: dict[str, type] = {
    cls.__name__: cls for cls in (*get_args(Inline), *get_args(Block), Property, Document)
}


def map_inlines(node: Block, change: Callable[[Inline], Inline]) -> Block:
    """`node` with `change` applied to each inline that holds no others, inside decorations,
    strong runs, quotes and numbered lines too, and in every table cell."""

    def inlines(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
        return tuple(inline(item) for item in nodes)

    def inline(item: Inline) -> Inline:
        match item:
            case Decoration(children=children):
                return dataclasses.replace(item, children=inlines(children))
            case Strong(children=children):
                return dataclasses.replace(item, children=inlines(children))
            case Quote(children=children):
                return dataclasses.replace(item, children=inlines(children))
            case NumberList(children=children):
                return dataclasses.replace(item, children=inlines(children))
        return change(item)

    match node:
        case Line(children=children) | Heading(children=children):
            return dataclasses.replace(node, children=inlines(children))
        case Table(rows=rows):
            return dataclasses.replace(
                node, rows=tuple(tuple(inlines(cell) for cell in row) for row in rows)
            )
    return node


def walk_inlines(blocks: Iterable[Block]) -> Iterator[Inline]:
    """Every inline of `blocks` in reading order, each before those it holds (in decorations,
    strong runs, quotes and numbered lines), table cells included; code blocks hold none."""

    def walk(nodes: tuple[Inline, ...]) -> Iterator[Inline]:
        for node in nodes:
            yield node
            match node:
                case (
                    Decoration(children=children)
                    | Strong(children=children)
                    | Quote(children=children)
                    | NumberList(children=children)
                ):
                    yield from walk(children)

    for block in blocks:
        match block:
            case Line(children=children) | Heading(children=children):
                yield from walk(children)
            case Table(rows=rows):
                for row in rows:
                    for cell in row:
                        yield from walk(cell)


def to_json(node: object) -> JsonValue:
    """The JSON-compatible form of a node, a document or a tuple of them."""
    if isinstance(node, tuple):
        return [to_json(item) for item in node]
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        data: dict[str, JsonValue] = {"type": type(node).__name__}
        for field in dataclasses.fields(node):
            data[field.name] = to_json(getattr(node, field.name))
        return data
    if node is None or isinstance(node, str | int | float | bool):
        return node
    raise TypeError(f"not an AST value: {node!r}")


def from_json(data: JsonValue) -> object:
    """The node (or tuple) that `to_json` turned into `data`."""
    if isinstance(data, list):
        return tuple(from_json(item) for item in data)
    if isinstance(data, dict):
        name = data.get("type")
        cls = NODE_CLASSES.get(name) if isinstance(name, str) else None
        if cls is None:
            raise ValueError(f"unknown node type: {name!r}")
        names = _field_names(cls)
        kwargs = {}
        for key, value in data.items():
            if key == "type":
                continue
            if key not in names:
                raise ValueError(f"{name} has no field {key!r}")
            kwargs[key] = from_json(value)
        return cls(**kwargs)
    return data


def document_to_json(document: Document) -> JsonValue:
    return to_json(document)


def document_from_json(data: JsonValue) -> Document:
    document = from_json(data)
    if not isinstance(document, Document):
        raise ValueError("JSON does not hold a Document")
    return document


def _field_names(cls: type) -> frozenset[str]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = frozenset(field.name for field in dataclasses.fields(cls))
        _FIELD_NAMES[cls] = names
    return names


_FIELD_NAMES: dict[type, frozenset[str]] = {}
