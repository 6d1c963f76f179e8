"""Document → Markdown in the reference format (docs/reference-format.md).

The reference format is what NISHIO Hirokazu's export pipeline writes: pages parsed by
@progfay/scrapbox-parser 8.1.0 and converted by blu3mo's `convert.js`. This writer gives the
same bytes, except where that output is broken (the defects of the shared
`reference-defects.md`): there it makes the smallest change that fixes it. Everything the
format drops is reported as a diagnostic. The last section of docs/reference-format.md lists
the changes.

Inline nodes become pieces of text tagged with what they are, so that escaping can touch only
the text that came from the page and still see the markup the writer made around it.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..ast import (
    Blank,
    Callout,
    Code,
    CodeBlock,
    CommandLine,
    Decoration,
    Document,
    Dropped,
    Embed,
    Formula,
    GoogleMap,
    HashTag,
    Helpfeel,
    Html,
    Icon,
    Image,
    Inline,
    Line,
    NumberList,
    PageLink,
    Quote,
    Strong,
    Table,
    Text,
    UrlLink,
)
from ..diagnostics import Diagnostic
from ..filenames import path_segment
from ..scrapbox.inline import (
    JS_WHITESPACE,
    JS_WHITESPACE_CHARACTERS,
    LINE,
    QUOTED,
    RULES,
    parse_inline,
    strip_js,
)
from ..scrapbox.parser_json import google_map_node, image_src
from ..scrapbox.writer import write_inline, write_inlines
from .common import OBSIDIAN_TAG, code_language, fence_for, is_rule_icon, link_destination
from .escape import ENTITY
from .options import MarkdownOptions

# What a piece of output is:
# * text: text of the page, escaped where Markdown would read it as markup;
# * label: the same inside a link's brackets, where `[` and `]` need escaping too;
# * mark: emphasis delimiters the writer makes, which delimiters in text could pair with;
# * quote: the `> ` of a quote, after which a line starts again;
# * raw: any other markup the writer makes, written as it is.
PieceKind = Literal["text", "label", "mark", "quote", "raw"]
Piece = tuple[str, PieceKind]

ShapeKind = Literal["blank", "text", "heading", "quote", "rule", "item", "table"]


@dataclass(frozen=True, slots=True)
class _Shape:
    """What Markdown makes of an output line, as far as the next line's fate depends on it."""

    kind: ShapeKind
    depth: int = 0  # of a list item
    start: int | None = None  # the number of an ordered list item


_BLANK = _Shape("blank")


@dataclass(frozen=True, slots=True)
class _Block:
    """The output lines of one block, and the shapes of its first and last line."""

    lines: list[str]
    first: _Shape
    last: _Shape


# The languages of the pipeline's code fences, by the name's extension (or the whole name).
# Not `common.code_language`'s table, on purpose: these are the pipeline's bytes, as are
# `_attribute` and `_is_punctuation` below next to the faithful writer's look-alikes.
_LANGUAGES = {
    key: language
    for language, keys in (
        ("javascript", ("javascript", "js")),
        ("typescript", ("typescript", "ts")),
        ("cpp", ("cpp", "hpp")),
        ("c", ("c", "cc", "h")),
        ("cs", ("cs", "csharp")),
        ("markdown", ("markdown", "md")),
        ("html", ("htm", "html")),
        ("json", ("json",)),
        ("xml", ("xml",)),
        ("yaml", ("yaml", "yml")),
        ("toml", ("toml",)),
        ("ini", ("ini",)),
        ("tex", ("tex", "sty")),
        ("svg", ("svg",)),
    )
    for key in keys
}
_EXTENSION = re.compile(r".*\.([A-Za-z0-9_]+)")
_ORDERED_ITEM = re.compile(r"([0-9]+)\. ")
# Parser 8.1.0's images, which had no `.webp` (reference-format.md §8).
_IMAGE_8 = re.compile(
    r"(?ai)https?://[^\s\]]+\.(?:png|jpe?g|gif|svg)(?:\?[^\]\s]+)?"
    r"|https?://(?:[0-9a-z-]+\.)?gyazo\.com/[0-9a-f]{32}(?:/raw)?"
)
_WEBP = re.compile(r"(?ai)https?://[^\s\]]+\.webp(?:\?[^\]\s]+)?")
# The reader's patterns, by kind, for reading a line as parser 8.1.0 ranked the kinds: code,
# then formulas, before everything but the kinds that take a whole line.
_PATTERNS = {rule.name: rule.patterns for rule in RULES}
_FIRST_PATTERNS = (*_PATTERNS["code"], *_PATTERNS["formula"])
# A link to a line of a page ends in the line's id.
_LINE_ANCHOR = re.compile(r"#[0-9a-f]{24}$")
# In the URL of a page of another project: what ends or changes the URL (defect 16).
_URL_UNSAFE = re.compile(r'[\x00-\x20\x7f"#%<>?\[\\\]^`{|}]')
# What Obsidian reads as a tag after `#`.
_TAG_CHARACTERS = re.compile(r"[\w\-/]*")
_MARK_NAMES = {"*": "bold", "-": "strikethrough", "_": "underline"}
_ASCII_PUNCTUATION = frozenset(string.punctuation)
# A line that Markdown would start a block with, though Scrapbox had it as text.
_BLOCK_START = re.compile(
    r"#{1,6}(?:[ \t]|$)"  # heading
    r"|[-+*](?:[ \t]|$)"  # list item
    r"|([-*_])(?:[ \t]*\1){2,}[ \t]*$|=+[ \t]*$"  # thematic break, heading underline
    r"|`{3}|~{3}|>"  # code fence, quote
    # HTML blocks that need no whole tag: CommonMark's kinds 1 and 6.
    r"|(?i:<(?:script|pre|style|textarea)(?:[ \t>]|$)"
    r"|</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup"
    r"|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset"
    r"|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol"
    r"|optgroup|option|p|param|search|section|source|summary|table|tbody|td|tfoot|th|thead"
    r"|title|tr|track|ul)(?:[ \t>]|/>|$))"
)
# What Markdown reads as raw HTML or an autolink where text has `<` before a letter or `/`:
# a whole opening or closing tag, or an autolink (a URI or an e-mail address).
_HTML_TAG = re.compile(
    r"<[A-Za-z][A-Za-z0-9-]*"
    r"(?:[ \t\n]+[A-Za-z_:][A-Za-z0-9_.:-]*"
    r"(?:[ \t\n]*=[ \t\n]*(?:[^ \t\n\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*"
    r"[ \t\n]*/?>"
    r"|</[A-Za-z][A-Za-z0-9-]*[ \t\n]*>"
    r"|<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20\x7f<>]*>"
    r"|<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>"
)
_ORDERED_START = re.compile(r"[0-9]{1,9}([.)])(?:[ \t]|$)")
_LINE_END = re.compile(f"[{JS_WHITESPACE}]*?(?:\n|\\Z)")


class ReferenceWriter:
    """Writes one page in the reference format; `write` may be called once per writer."""

    def __init__(self, options: MarkdownOptions) -> None:
        if options.flavor != "obsidian" or options.icons not in (None, "img"):
            raise ValueError("the reference format is Obsidian Markdown with <img> icons")
        if options.headings != MarkdownOptions().headings:
            raise ValueError("the reference format has fixed heading levels")
        self.project = options.project
        self.host = options.scrapbox_host
        self.diagnostics: list[Diagnostic] = []
        self.source_line = 0
        self.in_cell = False
        # The open list levels: (depth in Scrapbox, depth written).
        self.levels: list[tuple[int, int]] = []

    def write(self, document: Document) -> tuple[str, list[Diagnostic]]:
        front_matter = "" if document.title is None else self._front_matter(document)
        # The pipeline writes the title block as an empty line.
        lines: list[str] = [] if document.title is None else [""]
        last = _BLANK
        for block in document.blocks:
            match block:
                case Line():
                    written = self._line(block)
                case CodeBlock():
                    written = self._code_block(block)
                case Table():
                    written = self._table(block)
            if _needs_blank_line(last, written.first):
                lines.append("")
            lines.extend(written.lines)
            last = written.last
        return front_matter + "\n".join(lines), self.diagnostics

    def _report(self, code: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(code, self.source_line, message))

    # --- page and blocks ------------------------------------------------------------------------

    def _front_matter(self, document: Document) -> str:
        title = document.title or ""
        self.source_line = 1
        if "\\" in title:
            self._report(
                "front-matter", "the title's `\\` is written as it is: YAML reads an escape"
            )
        if document.meta:
            keys = ", ".join(item.key for item in document.meta)
            self._report("front-matter", f"only the title is written: {keys} dropped")
        # Double quotes unless the title holds one; nothing else is escaped.
        quoted = "'" + title.replace("'", "''") + "'" if '"' in title else f'"{title}"'
        return f"---\ntitle: {quoted}\n---\n"

    def _line(self, line: Line) -> _Block:
        self.source_line = line.line
        top = line.depth == 0
        children = _formulas_first_line(line.children)
        headings = top and _headings_only(children)
        pieces: list[Piece] = []
        for index, node in enumerate(children):
            pieces += self._line_node(node, index == 0, headings)
        content = strip_js(_escape(pieces))
        if not content:
            return _Block([""], _BLANK, _BLANK)
        if top:
            shape = _top_shape(content, headings)
            self.levels = [(0, 1)] if shape.kind == "item" else []
            return _Block([content], shape, shape)
        depth = self._list_depth(line.depth)
        ordered = _ORDERED_ITEM.match(content)
        prefix = "    " * (depth - 1) + ("" if ordered else "- ")
        shape = _Shape("item", depth, int(ordered[1]) if ordered else None)
        return _Block([prefix + content], shape, shape)

    def _list_depth(self, depth: int) -> int:
        """The depth a list line is written at: its own, or one below the line it belongs to
        where Scrapbox skips levels, which Markdown would read as text (defect 11)."""
        while self.levels and self.levels[-1][0] >= depth:
            self.levels.pop()
        parent = self.levels[-1][1] if self.levels else 0
        written = min(depth, parent + 1)
        if written != depth:
            self._report("list-depth", f"a line at depth {depth} is written at depth {written}")
        self.levels.append((depth, written))
        return written

    def _code_block(self, block: CodeBlock) -> _Block:
        self.source_line = block.line
        language = _language(block.filename)
        fence = fence_for(block.lines, language)
        name = _escape([(block.filename, "text")])
        code = block.lines or ("",)  # the pipeline writes an empty body as an empty line
        if not block.indent:
            self.levels = []
            first = _Shape("text") if strip_js(name) else _BLANK
            return _Block([name, "", fence + language, *code, fence, ""], first, _BLANK)
        # In a list, the block is an item of it, indented under its marker (defect 9).
        depth = self._list_depth(len(block.indent))
        marker = "    " * (depth - 1) + "- "
        indent = " " * len(marker)
        # Trimmed as the content of a line is: spaces after the marker would move the item's
        # content column past the indented body.
        name = strip_js(name)
        head = (
            [marker + name, "", indent + fence + language] if name else [marker + fence + language]
        )
        body = [indent + text if text else "" for text in code]
        lines = [*head, *body, indent + fence, ""]
        return _Block(lines, _Shape("item", depth), _BLANK)

    def _table(self, table: Table) -> _Block:
        self.source_line = table.line
        name = _escape([(table.name, "text")])
        rows = self._rows(table)
        if not table.indent:
            self.levels = []
            head = [name, ""] if strip_js(name) and rows else [name]
            first = _Shape("text") if strip_js(name) else _BLANK
            last = _Shape("table") if rows else first
            return _Block([*head, *rows], first, last)
        depth = self._list_depth(len(table.indent))
        marker = "    " * (depth - 1) + "- "
        indent = " " * len(marker)
        name = strip_js(name)  # as in a code block's name
        if name:
            lines = [marker + name, *(["", *(indent + row for row in rows)] if rows else [])]
        elif rows:
            lines = [marker + rows[0], *(indent + row for row in rows[1:])]
        else:
            return _Block([""], _BLANK, _BLANK)
        first = _Shape("item", depth)
        return _Block(lines, first, _Shape("table", depth) if rows else first)

    def _rows(self, table: Table) -> list[str]:
        # Every row as wide as the widest, so that the rows make one table (defect 7).
        width = max((len(row) for row in table.rows), default=0)
        rows: list[str] = []
        self.in_cell = True
        for index, row in enumerate(table.rows):
            self.source_line = table.line + index + 1
            cells = [_escape(self._nodes(cell), cell=True) for cell in row]
            cells += [""] * (width - len(cells))
            rows.append("| " + " | ".join(cells) + " |")
            if index == 0:
                rows.append("|" + " -- |" * width)
        self.in_cell = False
        return rows

    # --- inline nodes ---------------------------------------------------------------------------

    def _line_node(self, node: Inline, first: bool, headings: bool) -> list[Piece]:
        """A node directly in a line (or in the text of a number list at its start, which
        parser 8.1.0 read as the line's own nodes)."""
        match node:
            case Decoration() if headings and 1 <= node.stars <= 3:
                return self._heading(node)
            case Helpfeel(text=text) if not first:
                # A `? ` after another node starts no helpfeel: the rest is text (defect 6).
                return [("? ", "text"), *self._reread(text, headings)]
            case NumberList():
                return self._number_list(node, headings)
        return self._inline(node)

    def _nodes(self, nodes: Iterable[Inline]) -> list[Piece]:
        return [piece for node in nodes for piece in self._inline(node)]

    def _inline(self, node: Inline) -> list[Piece]:
        match node:
            case Text(text=text) | Dropped(text=text) | Blank(text=text):
                return [(text, "text")]
            case Html(raw=raw):
                return [(raw, "raw")]
            case Callout(kind=kind, fold=fold):
                return [(f"[!{kind}]{fold}", "raw")]
            case Code(text=text):
                return [(f"`{text}`", "raw")]
            case CommandLine(symbol=symbol, text=text):
                return [(f"`{symbol} {text}`", "raw")]
            case Helpfeel(text=text):
                return [(f"`? {text}`", "raw")]
            case Decoration():
                return self._decorated(node, heading=False)
            case Formula(tex=tex):
                return [(f"${tex}$", "raw")]
            case Strong(children=children):
                return [("**", "mark"), *self._nodes(children), ("**", "mark")]
            case PageLink(target=target) | Embed(target=target):
                return self._page_link(target)
            case UrlLink(url=url, label=label):
                return _link(label or url, url)
            case Image():
                return self._image(node)
            case Icon():
                return self._icon(node)
            case GoogleMap():
                place_and_url = google_map_node(node, write_inline(node))
                return _link(place_and_url["place"], place_and_url["url"])
            case HashTag(name=name):
                return self._hash_tag(name)
            case Quote(children=children):
                return [("> ", "quote"), *self._nodes(children)]
            case NumberList():
                return self._number_list(node, headings=False)
        raise TypeError(f"not an inline node: {node!r}")

    def _heading(self, node: Decoration) -> list[Piece]:
        # `[*** x]` is the largest: `# x`.
        return [("#" * (4 - node.stars) + " ", "raw"), *self._decorated(node, heading=True)]

    def _decorated(self, node: Decoration, heading: bool) -> list[Piece]:
        pieces = self._nodes(node.children)
        for mark, delimiter in (("/", "*"), ("~", "~~"), ("+", "==")):
            if mark in node.marks:
                pieces = [(delimiter, "mark"), *pieces, (delimiter, "mark")]
        dropped = [
            _mark_name(mark, node.stars)
            for mark in dict.fromkeys(node.marks)
            if mark not in "/~+" and not (heading and mark == "*")
        ]
        if dropped:
            self._report(
                "decoration", f"[{node.marks} …]: {', '.join(dropped)} dropped, the text kept"
            )
        # A heading ends its line; what follows is only spaces or another heading.
        return [*pieces, ("\n", "raw")] if heading else pieces

    def _number_list(self, node: NumberList, headings: bool) -> list[Piece]:
        number = _js_integer(node.numbers[0])
        if number != node.numbers[0]:
            self._report("number", f"the number {node.numbers[0]} is written as {number}")
        pieces: list[Piece] = [(f"{number}. ", "raw")]
        # Parser 8.1.0 tried a number list last, so it held only the plain text at the start
        # of its line: further numbers, and a quote, helpfeel or command line after them,
        # were text, and the rest of the line was the line's own nodes.
        pieces += [(f"{later}. ", "text") for later in node.numbers[1:]]
        children = node.children
        if children:
            pieces += self._body_start(children[0], headings)
        for child in children[1:]:
            pieces += self._line_node(child, False, headings)
        return pieces

    def _body_start(self, node: Inline, headings: bool) -> list[Piece]:
        match node:
            case Quote(children=children):
                return [(">", "text"), *self._nodes(children)]
            case Helpfeel(text=text):
                return [("? ", "text"), *self._reread(text, headings)]
            case CommandLine(symbol=symbol, text=text):
                return [(f"{symbol} ", "text"), *self._reread(text, headings)]
        return self._line_node(node, False, headings)

    def _reread(self, text: str, headings: bool) -> list[Piece]:
        """Text kept whole as a helpfeel or command line, read as the line's own nodes."""
        nodes = parse_inline(text, QUOTED)  # every kind but those that start a line
        return [piece for node in nodes for piece in self._line_node(node, False, headings)]

    def _page_link(self, target: str) -> list[Piece]:
        # `page#<line id>` links to a line of the page: that `#` is no part of the title.
        anchor = _LINE_ANCHOR.search(target)
        page = target[: anchor.start()] if anchor else target
        line_id = anchor[0] if anchor else ""
        if page.startswith("/"):
            # Encoded, so that the URL is one (defect 16); Scrapbox writes spaces as `_`.
            path = _URL_UNSAFE.sub(_percent_encoded, page.replace(" ", "_"))
            return _link(target, self.host + path + line_id)
        file_name = page.replace("/", "-")  # the pipeline's file names
        if "#" in page or "|" in page:
            # Obsidian reads these as a heading or an alias in a wikilink (defect 2).
            return _link(target, link_destination(path_segment(file_name + ".md") + line_id))
        if file_name != page:
            # Point at the file the page is written to (defect 1).
            bar = "\\|" if self.in_cell else "|"
            return [(f"[[{file_name}{line_id}{bar}{target}]]", "raw")]
        return [(f"[[{target}]]", "raw")]

    def _image(self, image: Image) -> list[Piece]:
        if _WEBP.fullmatch(image.src) and not _IMAGE_8.fullmatch(image.src):
            return self._webp(image)
        if image.strong:
            self._report("image-size", "a large image [[…]] is written at the normal size")
        if image.link:
            self._report("image-link", f"the link of an image is dropped: {image.link}")
        return [(f"![image]({image_src(image.src)})", "raw")]

    def _webp(self, image: Image) -> list[Piece]:
        """Parser 8.1.0 took no `.webp` URL for an image: the bracket was a link."""
        self._report("image-webp", f"a .webp image is written as a link: {image.src}")
        src, link = image.src, image.link
        if image.strong:
            return [("**", "mark"), *_link(src, src), ("**", "mark")]
        if image.link_first and _IMAGE_8.fullmatch(link):
            return [(f"![image]({image_src(link)})", "raw")]
        if image.link_first:
            return _link(src, link)
        return _link(link or src, src)

    def _icon(self, icon: Icon) -> list[Piece]:
        if icon.strong:
            self._report("image-size", "a large icon [[….icon]] is written at the normal size")
        if is_rule_icon(icon):
            return [("---" * icon.count, "raw")]
        if icon.is_root:
            src = f"{self.host}/api/pages{icon.path}/icon"
        else:
            if not self.project:
                self._report("icon-project", f"no project name for the icon {icon.path}")
            src = f"{self.host}/api/pages/{self.project}/{icon.path}/icon"
        # Escaped, so that a `'` cannot end the attribute (defect 18).
        tag = f"<img src='{_attribute(src)}' alt='{_attribute(icon.path)}.icon' height=\"19.5\"/>"
        return [(tag * icon.count, "raw")]

    def _hash_tag(self, name: str) -> list[Piece]:
        # Obsidian reads a tag up to the first character a tag cannot hold; a number alone is
        # no tag, so the tag becomes the link to its page it is in Scrapbox (defect 17).
        read = _TAG_CHARACTERS.match(name)
        if read is not None and read[0] and not OBSIDIAN_TAG.match(read[0]):
            self._report("tag", f"#{name} is not an Obsidian tag: written as a link")
            return self._page_link(name)
        return [(f"#{name}", "raw")]


def _formulas_first_line(children: tuple[Inline, ...]) -> tuple[Inline, ...]:
    text = write_inlines(children)
    return tuple(_formulas_first(text, LINE)) if "[$ " in text else children


def _formulas_first(segment: str, context: int) -> list[Inline]:
    """The nodes of parser 8.1.0, which tried formulas before blanks and decorations
    (`[* [$ x]]` holds a formula, not a link): otherwise the kinds rank as in 10.1.1."""
    nodes: list[Inline] = []
    anchored = not context & QUOTED
    # Pieces still to read (their bounds, and the first pattern that may match in them),
    # last first, or nodes already read. A pattern that matched nowhere in a piece matches in
    # no part of it, so no text is searched twice for one pattern.
    pending: list[tuple[int, int, int] | list[Inline]] = [(0, len(segment), 0)]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            nodes += item
            continue
        begin, end, first = item
        if segment.find("[$ ", begin, end) < 0 or (
            anchored and _PATTERNS["helpfeel"][0].match(segment, begin, end)
        ):
            nodes += parse_inline(segment[begin:end], context)
            continue
        if anchored and _PATTERNS["quote"][0].match(segment, begin, end):
            body = _formulas_first(segment[begin + 1 : end], context | QUOTED)
            nodes.append(Quote(tuple(body)))
            continue
        found = None
        for index in range(first, len(_FIRST_PATTERNS)):
            if index and anchored and _PATTERNS["commandLine"][0].match(segment, begin, end):
                break  # without code, a command line takes the whole piece
            found = _FIRST_PATTERNS[index].search(segment, begin, end)
            if found:
                break
        if found is None:
            nodes += parse_inline(segment[begin:end], context)
            continue
        pending += [
            (found.end(), end, index),
            parse_inline(found[0], context),
            (begin, found.start(), index + 1),
        ]
    return nodes


def _needs_blank_line(last: _Shape, first: _Shape) -> bool:
    """Whether Markdown would pull the next line into the block the last line ends, where
    Scrapbox had them apart."""
    # An ordered list can only interrupt a paragraph when it starts at 1.
    late_start = first.kind == "item" and first.start not in (None, 1)
    match last.kind:
        case "table":
            # Defect 8: a line of text would be one more row (GFM; in a list, Obsidian's
            # editor takes in a line at a lower level too), and so would an ordered list not
            # starting at 1 in Obsidian's editor, which also reads `---` under a top-level
            # table as the underline of a heading. Other blocks end the table by themselves.
            return first.kind == "text" or late_start or (first.kind == "rule" and last.depth == 0)
        case "quote":
            return first.kind == "text" or late_start  # defect 13
        case "text":
            return first.kind == "rule" or late_start  # defects 12 and 11
        case "item":
            return late_start and first.depth > last.depth  # defect 11
    return False


def _headings_only(children: tuple[Inline, ...]) -> bool:
    """Whether a top-level line is only size decorations and spaces, after its number: the
    only place where the pipeline's headings do not break the line (defect 5)."""
    if children and isinstance(children[0], NumberList):
        children = children[0].children + children[1:]
    found = False
    for node in children:
        match node:
            case Decoration() if 1 <= node.stars <= 3:
                found = True
            case Text(text=text) | Blank(text=text) if not strip_js(text):
                pass
            case _:
                return False
    return found


def _top_shape(content: str, headings: bool) -> _Shape:
    ordered = _ORDERED_ITEM.match(content)
    if ordered:
        return _Shape("item", 1, int(ordered[1]))
    if headings:
        return _Shape("heading")
    if content.startswith(">"):
        return _Shape("quote")
    if not content.strip("-"):
        return _Shape("rule")
    return _Shape("text")


def _link(text: str, url: str) -> list[Piece]:
    return [("[", "raw"), (text, "label"), (f"]({url})", "raw")]


def _language(filename: str) -> str:
    extension = _EXTENSION.fullmatch(filename)
    language = _LANGUAGES.get(extension[1] if extension else filename, "")
    name = filename.strip().lstrip(".")
    if not language and "." not in name:
        # A name that is only a language or an extension names the language (defect 10).
        return code_language(name)
    return language


def _mark_name(mark: str, stars: int) -> str:
    if mark == "*" and stars > 1:
        return f"size {stars}"
    return _MARK_NAMES.get(mark, f"the mark {mark}")


def _js_integer(digits: str) -> str:
    """`parseInt(digits)` as JavaScript writes it: exact up to 2**53, then the shortest
    digits that read back, padded with zeros up to 21 digits, with an exponent beyond."""
    if len(digits.lstrip("0")) > 309:  # beyond the largest double
        return "Infinity"
    number = int(digits)
    if number <= 2**53:
        return str(number)
    try:
        shortest = repr(float(number))
    except OverflowError:
        return "Infinity"
    mantissa, _, exponent = shortest.partition("e")
    whole, _, fraction = mantissa.partition(".")
    significant = (whole + fraction).rstrip("0")
    length = len(whole) + int(exponent or 0)
    if length <= 21:
        return significant.ljust(length, "0")
    point = "." + significant[1:] if len(significant) > 1 else ""
    return f"{significant[0]}{point}e+{length - 1}"


def _attribute(text: str) -> str:
    # What ends a single-quoted attribute value or starts a character reference in it.
    return text.replace("&", "&amp;").replace("'", "&#39;")


def _percent_encoded(found: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in found[0].encode("utf-8"))


# --- escaping ----------------------------------------------------------------------------------
# Text of the page is escaped only where Markdown would read it as markup (defects 14 and 15),
# so that the many lines the pipeline wrote right stay as they are.


def _escape(pieces: Sequence[Piece], *, cell: bool = False) -> str:
    text = "".join(piece for piece, _ in pieces)
    kinds = [kind for piece, kind in pieces for _ in piece]
    plain = [kind in ("text", "label") for kind in kinds]
    escaped = (
        _delimiters(text, kinds, plain)
        | _backticks(text, plain)
        | _dollars(text, plain)
        | _singles(text, kinds, plain, cell)
    )
    if not cell:  # a table cell holds no blocks
        escaped |= _block_start(text, kinds, plain)
    if not escaped and "\r" not in text:
        return text
    return "".join(
        _escaped(char, index in escaped, plain[index]) for index, char in enumerate(text)
    )


def _escaped(char: str, escaped: bool, plain: bool) -> str:
    if char == "\r" and plain:
        # Scrapbox keeps a carriage return in a line; Markdown would end the line there.
        return "&#13;"
    return "\\" + char if escaped else char


def _is_space(char: str | None) -> bool:
    return char is None or char in " \t\n\r\f\v" or unicodedata.category(char) == "Zs"


def _is_punctuation(char: str | None) -> bool:
    return char is not None and (
        char in _ASCII_PUNCTUATION or unicodedata.category(char)[0] in "PS"
    )


def _around(text: str, start: int, end: int) -> tuple[str | None, str | None]:
    """The characters before and after a span; None at the start or end of its line."""
    before = text[start - 1] if start and text[start - 1] != "\n" else None
    after = text[end] if end < len(text) and text[end] != "\n" else None
    return before, after


def _delimiters(text: str, kinds: list[PieceKind], plain: list[bool]) -> set[int]:
    """`*`, `_`, `~` and `=` in text that could open or close emphasis, strikethrough or a
    highlight with a partner in the line (CommonMark's flanking rules)."""
    escaped: set[int] = set()
    for char, lengths in (("*", ()), ("_", ()), ("~", (1, 2)), ("=", (2,))):
        if char not in text:
            continue
        runs = _runs(text, kinds, char)
        # Strikethrough (`~` in GFM, `~~`) and highlight (`==`) pair runs of one length.
        groups = [[run for run in runs if run[1] - run[0] == n] for n in lengths] or [runs]
        for group in groups:
            escaped |= _paired(text, char, group, plain)
    return escaped


def _runs(text: str, kinds: list[PieceKind], char: str) -> list[tuple[int, int]]:
    """The runs of a character outside the raw markup the writer made."""
    runs: list[tuple[int, int]] = []
    for found in re.finditer(re.escape(char) + "+", text):
        start = found.start()
        for index in range(found.start(), found.end() + 1):
            if index == found.end() or kinds[index] == "raw":
                if index > start:
                    runs.append((start, index))
                start = index + 1
    return runs


def _paired(text: str, char: str, runs: list[tuple[int, int]], plain: list[bool]) -> set[int]:
    """The characters of text in runs that pair up as Markdown pairs them: a run that can
    close takes the nearest open run before it, else it may open one."""
    escaped: set[int] = set()
    openers: list[tuple[int, int]] = []
    for start, end in runs:
        opens, closes = _flanking(text, char, start, end)
        if closes and openers:
            for run_start, run_end in (openers.pop(), (start, end)):
                escaped.update(at for at in range(run_start, run_end) if plain[at])
        elif opens:
            openers.append((start, end))
    return escaped


def _flanking(text: str, char: str, start: int, end: int) -> tuple[bool, bool]:
    """Whether a run of a delimiter can open and can close."""
    before, after = _around(text, start, end)
    left = not _is_space(after) and (
        not _is_punctuation(after) or _is_space(before) or _is_punctuation(before)
    )
    right = not _is_space(before) and (
        not _is_punctuation(before) or _is_space(after) or _is_punctuation(after)
    )
    if char == "_":
        # Within a word, `_` is no delimiter.
        return left and (not right or _is_punctuation(before)), right and (
            not left or _is_punctuation(after)
        )
    return left, right


def _backticks(text: str, plain: list[bool]) -> set[int]:
    """Backticks in text that Markdown would pair with the next run of as many backticks into
    code, or that would lengthen a run the writer made."""
    if "`" not in text:
        return set()
    runs = [found.span() for found in re.finditer("`+", text)]
    # For each run, the next run of the same width.
    following: list[int | None] = [None] * len(runs)
    latest: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        width = runs[index][1] - runs[index][0]
        following[index] = latest.get(width)
        latest[width] = index
    escaped: set[int] = set()
    index = 0
    while index < len(runs):
        closing = following[index]
        pair = [index] if closing is None else [index, closing]
        for start, end in (runs[at] for at in pair):
            mine = [at for at in range(start, end) if plain[at]]
            if mine and (closing is not None or len(mine) < end - start):
                escaped.update(mine)
        index = index + 1 if closing is None else closing + 1
    return escaped


def _dollars(text: str, plain: list[bool]) -> set[int]:
    """`$` in text that could open math closed by a later `$`, or close math opened by an
    earlier one."""
    if "$" not in text:
        return set()
    places = [found.start() for found in re.finditer(r"\$", text)]
    opens = [not _is_space(_around(text, at, at + 1)[1]) for at in places]
    closes = [not _is_space(_around(text, at, at + 1)[0]) for at in places]
    closer_after = [False] * (len(places) + 1)
    for index in range(len(places) - 1, -1, -1):
        closer_after[index] = closer_after[index + 1] or closes[index]
    escaped: set[int] = set()
    opener_before = False
    for index, at in enumerate(places):
        if plain[at] and (
            (opens[index] and closer_after[index + 1]) or (closes[index] and opener_before)
        ):
            escaped.add(at)
        opener_before = opener_before or opens[index]
    return escaped


def _singles(text: str, kinds: list[PieceKind], plain: list[bool], cell: bool) -> set[int]:
    """Characters that are markup by what stands right next to them."""
    escaped: set[int] = set()
    # A wikilink needs its `]]` later in the line.
    last_closing = text.rfind("]]")
    for found in re.finditer(r"[\\<&!%\[\]|]", text):
        index = found.start()
        if not plain[index]:
            continue
        char = text[index]
        after = text[index + 1 : index + 2]
        if char == "\\":
            # Before punctuation, an escape; at the end of a line, a line break.
            markup = after in _ASCII_PUNCTUATION or bool(_LINE_END.match(text, index + 1))
        elif char == "<":
            # A comment, a processing instruction or a declaration starts an HTML block at
            # the start of a line even unclosed; a tag or an autolink must be whole.
            markup = after in ("!", "?") or _HTML_TAG.match(text, index) is not None
        elif char == "&":
            markup = ENTITY.match(text, index) is not None
        elif char == "!":
            markup = after == "["  # an image or an embed
        elif char == "[" and after == "[":
            markup = last_closing > index  # a wikilink
        elif char == "%":
            markup = after == "%" or text[index - 1 : index] == "%"  # an Obsidian comment
        elif char == "|":
            markup = cell
        else:
            markup = kinds[index] == "label"  # a bracket in a link's text
        if markup:
            escaped.add(index)
    return escaped


def _block_start(text: str, kinds: list[PieceKind], plain: list[bool]) -> set[int]:
    """The first character of text that Markdown would read as the start of a block."""
    index = _first_visible(text, 0)
    if index < len(text) and kinds[index] == "quote":
        index = _first_visible(text, index + 1)
    if index >= len(text) or not plain[index]:
        return set()
    line = text[index:].split("\n", 1)[0]
    ordered = _ORDERED_START.match(line)
    if ordered:
        return {index + ordered.start(1)}
    return {index} if _BLOCK_START.match(line) else set()


def _first_visible(text: str, start: int) -> int:
    rest = text[start:]
    return start + len(rest) - len(rest.lstrip(JS_WHITESPACE_CHARACTERS))
