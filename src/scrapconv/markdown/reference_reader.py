"""Markdown in the reference format → Document: the reference writer read backwards.

The reference format (docs/reference-format.md) is Scrapbox's lines written almost verbatim:
one Markdown line per Scrapbox line, plain text not escaped. So this reader does not read
CommonMark: it undoes the pipeline's rules, line by line (the front matter and the empty line
that stands for the title, a list line's depth from its indentation, code blocks and tables
with their name line) and, within a line, turns the markup the pipeline writes (wikilinks,
links, `<img>` icons, `![image]()`, code spans, `$…$`, `**…**`, `*…*`, headings) back into the
nodes it was written from. Everything else is text, as it was in Scrapbox.

Where two Scrapbox sources give the same Markdown, the reader takes the one most common in
the Scrapbox corpora (docs/reference-format.md, "Reading it back"). Delimiters (`*`, `**`,
`~~`, `==`, `$`) are markup exactly where Markdown would read them as markup: there, text would
have been escaped by scrapconv's writer, so only the markup reading writes the page back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from ..ast import (
    HEADING_STARS,
    Block,
    Cell,
    Code,
    CodeBlock,
    CommandLine,
    Decoration,
    Document,
    Formula,
    HashTag,
    Helpfeel,
    Icon,
    Image,
    Inline,
    Line,
    NumberList,
    PageLink,
    Property,
    Quote,
    Strong,
    Table,
    Text,
    UrlLink,
)

# A list line: `"    " * (n - 1) + "- "`, or the same indentation before a numbered line.
_BULLET = re.compile(r"((?:    )*)- (.*)", re.DOTALL)
_NUMBERED = re.compile(r"((?:    )*)([0-9]+)\. (.*)", re.DOTALL)
# A code block: its name line, an empty line, then the fence with the language.
_FENCE = re.compile(r"```[A-Za-z0-9_+#.-]*")
_CLOSING_FENCE = "```"
# A table: its name line, the first row, then the separator as wide as the widest row.
_ROW = re.compile(r"\| .* \|", re.DOTALL)
_SEPARATOR = re.compile(r"\|(?: -- \|)+")
_CELL_SEPARATOR = " | "
# `[*** x]`, `[** x]`, `[* x]` at the start of a top-level line.
_HEADING = re.compile(r"(#{1,3}) (.*)", re.DOTALL)
_HELPFEEL = re.compile(r"`\? ([^`]*)`")
_COMMAND = re.compile(r"`([$%]) ([^`]*)`")
# The rule icon, written `---` (as often as it is repeated); `[/icons/hr.icon]` is its most
# common source.
_RULE = re.compile(r"(?:---)+")
_RULE_ICON = "/icons/hr"
# Inline markup.
_ICON = re.compile(
    r"<img src='(https?://[^'/]+)/api/pages/([^']*)/icon' alt='([^']*)\.icon' height=\"19\.5\"/>"
)
_IMAGE = re.compile(r"!\[image\]\(([^\s)]+)\)")
_WIKILINK = re.compile(r"\[\[([^\[\]]+)\]\]")
_LINK_LABEL = re.compile(r"\[([^\[\]]*)\]\(")
_URL = re.compile(r"https?://\S+")
_GYAZO_THUMB = re.compile(r"(https?://(?:[0-9a-z-]\.)?gyazo\.com/[0-9a-f]{32})/thumb/1000")
_NON_SPACE = re.compile(r"\S+")
# The characters an inline markup can start with.
_MARKUP_START = re.compile(r"[`$<!\[*~=]")
_DELIMITERS = {"*": (1, 2, 3), "~": (2,), "=": (2,)}


def read_reference_markdown(
    text: str, *, project: str = "", host: str = "https://scrapbox.io"
) -> Document:
    """Read a page the reference pipeline wrote (or scrapconv's reference mode) into a
    Document. Never raises on any text.

    `project` is the Scrapbox project the page belongs to: an icon of that project is written
    without a project name. `host` is the Scrapbox server the icons and root links point to.
    """
    rows = text.split("\n")
    title, meta, first = _front_matter(rows)
    body = rows[first:]
    if title is not None:
        # The title line is written as an empty line; a title-only page has none.
        body = body[1:] if body and body[0] == "" else body
        first += 1
    blocks = _BlockReader(body, first, _InlineReader(project, host)).read()
    return Document(title, tuple(blocks), meta)


# --- front matter ----------------------------------------------------------------------------


def _front_matter(rows: list[str]) -> tuple[str | None, tuple[Property, ...], int]:
    """The title, the other fields and the index of the first row after the front matter.

    The pipeline quotes the title without escaping anything, so it is no YAML: the quotes are
    taken off as written (`"…"` as it is, `'…'` with `''` for `'`).
    """
    if len(rows) < 2 or rows[0] != "---":
        return None, (), 0
    try:
        end = rows.index("---", 1)
    except ValueError:
        return None, (), 0
    title: str | None = None
    meta: list[Property] = []
    for row in rows[1:end]:
        key, colon, value = row.partition(":")
        if not colon or not key or key[0] in " \t":
            continue
        value = _unquoted(value.strip(" \t"))
        if key == "title" and title is None:
            title = value
        else:
            meta.append(Property(key, value))
    if title is None:
        return None, (), 0
    return title, tuple(meta), end + 1


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


# --- blocks ----------------------------------------------------------------------------------


@dataclass
class _BlockReader:
    """Reads the rows of the body, each into one block (code blocks and tables take several).

    `offset` is the index of the first row in the file, for the blocks' line numbers.
    """

    rows: list[str]
    offset: int
    inline: _InlineReader

    def read(self) -> list[Block]:
        blocks: list[Block] = []
        index = 0
        while index < len(self.rows):
            block, index = self._block(index, blocks[-1] if blocks else None)
            if block is not None:
                blocks.append(block)
            elif blocks and isinstance(blocks[-1], Line):
                # The rest of a line a heading broke (`x [* h] y` is `x ### h` / ` y`).
                last = blocks[-1]
                rest = self.inline.line(self.rows[index - 1], top=True, heading=False)
                blocks[-1] = Line(last.indent, last.children + rest, last.line)
        return blocks

    def _block(self, index: int, last: Block | None) -> tuple[Block | None, int]:
        """The block starting at a row and the index after it; None for a continued line."""
        end = self._code_block_end(index)
        if end is not None:
            return self._code_block(index, end)
        end = self._table_end(index)
        if end is not None:
            return self._table(index, end)
        row = self.rows[index]
        if row[:1] in (" ", "\t") and _continues(last) and not _list_line(row):
            return None, index + 1
        return self._line(row, index, last), index + 1

    def _line(self, row: str, index: int, last: Block | None) -> Line:
        """One Scrapbox line: its depth from the list formula, then its content."""
        number = self.offset + index + 1
        bullet = _BULLET.fullmatch(row)
        if bullet:
            depth = len(bullet[1]) // 4 + 1
            return Line(" " * depth, self.inline.line(bullet[2], top=False), number)
        numbered = _NUMBERED.fullmatch(row)
        if numbered and numbered[1]:
            depth = len(numbered[1]) // 4 + 1
            return Line(" " * depth, self.inline.line(row.lstrip(" "), top=False), number)
        if row == "":
            return Line("", (), number)
        children = self.inline.line(row, top=True)
        if numbered and _top_numbered_is_indented(children, last):
            # `1. x` at column 0 is a numbered line at depth 1 or 0; depth 1 is the more
            # common, but only depth 0 has headings (`1. ### x`), and a line right after a
            # code block or table is not deeper than it.
            return Line(" ", self.inline.line(row, top=False), number)
        return Line("", children, number)

    def _code_block_end(self, index: int) -> int | None:
        """Where the code block whose name line is at `index` ends, if one starts there."""
        rows = self.rows
        if index + 2 >= len(rows) or rows[index + 1] != "" or not _FENCE.fullmatch(rows[index + 2]):
            return None
        try:
            return rows.index(_CLOSING_FENCE, index + 3)
        except ValueError:
            return None

    def _code_block(self, index: int, closing: int) -> tuple[CodeBlock, int]:
        body = tuple(self.rows[index + 3 : closing])
        if body == ("",):
            body = ()  # the pipeline writes an empty body as one empty line
        end = closing + 1
        if end < len(self.rows) and self.rows[end] == "":
            end += 1  # the empty line the pipeline writes after every code block
        indent = self._indent_before(end)
        return CodeBlock(indent, self.rows[index], body, None, self.offset + index + 1), end

    def _table_end(self, index: int) -> int | None:
        """Where the table whose name line is at `index` ends, if one starts there."""
        rows = self.rows
        if (
            index + 2 >= len(rows)
            or not _ROW.fullmatch(rows[index + 1])
            or not _SEPARATOR.fullmatch(rows[index + 2])
        ):
            return None
        end = index + 3
        while end < len(rows) and _ROW.fullmatch(rows[end]):
            end += 1
        return end

    def _table(self, index: int, end: int) -> tuple[Table, int]:
        rows = [self.rows[index + 1], *self.rows[index + 3 : end]]
        cells = tuple(self._cells(row) for row in rows)
        indent = self._indent_before(end)
        return Table(indent, self.rows[index], cells, None, self.offset + index + 1), end

    def _cells(self, row: str) -> tuple[Cell, ...]:
        # `| a | b |`; cells are neither trimmed nor escaped, so `" | "` always parts them.
        return tuple(self.inline.cell(text) for text in row[2:-2].split(_CELL_SEPARATOR))

    def _indent_before(self, index: int) -> str:
        """The indent of a code block or table: the pipeline writes them at column 0 whatever
        their depth, but a list line right after one was no deeper than the block."""
        if index >= len(self.rows):
            return ""
        bullet = _list_line(self.rows[index])
        return " " * bullet if bullet else ""


def _list_line(row: str) -> int:
    """The depth of an indented list line, 0 for any other row."""
    match = _BULLET.fullmatch(row) or _NUMBERED.fullmatch(row)
    if match is None or (match.re is _NUMBERED and not match[1]):
        return 0
    return len(match[1]) // 4 + 1


def _continues(last: Block | None) -> bool:
    """Whether the line before ended in a heading, after which the pipeline broke the line."""
    return (
        isinstance(last, Line)
        and not last.indent
        and bool(last.children)
        and _ends_in_heading(last.children)
    )


def _ends_in_heading(children: tuple[Inline, ...]) -> bool:
    node = children[-1]
    if isinstance(node, NumberList):
        return bool(node.children) and _ends_in_heading(node.children)
    return isinstance(node, Decoration) and "*" in node.marks


def _top_numbered_is_indented(children: tuple[Inline, ...], last: Block | None) -> bool:
    if isinstance(last, CodeBlock | Table):
        return False
    return not (children and isinstance(children[0], NumberList) and _has_heading(children[0]))


def _has_heading(node: NumberList) -> bool:
    return any(isinstance(child, Decoration) and "*" in child.marks for child in node.children)


# --- inline ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Run:
    """A run of a delimiter character, and whether Markdown lets it open or close."""

    char: str
    length: int
    opens: bool
    closes: bool

    @property
    def text(self) -> str:
        return self.char * self.length


_Token = Inline | _Run


@dataclass(frozen=True, slots=True)
class _InlineReader:
    project: str
    host: str

    def line(self, content: str, *, top: bool, heading: bool = True) -> tuple[Inline, ...]:
        """The nodes of a line's content; `top`: a line at depth 0, where the pipeline
        writes headings."""
        if content == ">" or content.startswith("> "):
            # The pipeline writes `>` + children as `> ` + children.
            return (Quote(self.text(content[2:])),)
        if helpfeel := _HELPFEEL.fullmatch(content):
            return (Helpfeel(helpfeel[1]),)
        if command := _COMMAND.fullmatch(content):
            symbol: Literal["$", "%"] = "$" if command[1] == "$" else "%"
            return (CommandLine(symbol, command[2]),)
        if content.startswith("$ ") and (formula := _formula(content, 0, spaced=True)):
            # Text `$ ` would start a command line: the pipeline wrote a formula whose TeX
            # starts with a space (`[$  x]`).
            return (formula[0], *self.text(content[formula[1] :]))
        if _RULE.fullmatch(content):
            count = len(content) // 3
            return (Icon(_RULE_ICON, str(count) if count > 1 else ""),)
        numbered = re.fullmatch(r"([0-9]+)\. (.*)", content, re.DOTALL)
        if numbered:
            body = self._with_heading(numbered[2]) if top else self.text(numbered[2])
            return (NumberList((numbered[1],), body),)
        return self._with_heading(content) if top and heading else self.text(content)

    def _with_heading(self, content: str) -> tuple[Inline, ...]:
        heading = _HEADING.fullmatch(content)
        if heading is None or not heading[2]:
            return self.text(content)
        stars = "*" * HEADING_STARS[len(heading[1])]
        children = self.text(heading[2])
        marks = ""
        # Italic, strikethrough and highlight inside the heading are marks of the same bracket.
        while len(children) == 1 and isinstance(children[0], Decoration):
            marks += children[0].marks
            children = children[0].children
        return (Decoration(stars + marks, children),)

    def cell(self, text: str) -> Cell:
        """A table cell: Scrapbox reads only page links and icons in cells."""
        nodes: list[Inline] = []
        index = 0
        start = 0
        while index < len(text):
            found = self._icon(text, index) if text[index] == "<" else None
            if found is None and text.startswith("[[", index):
                link = _WIKILINK.match(text, index)
                if link and not link[1].endswith(".icon"):
                    found = PageLink(link[1]), link.end()
            if found is None:
                index += 1
                continue
            if index > start:
                nodes.append(Text(text[start:index]))
            nodes.append(found[0])
            index = start = found[1]
        if start < len(text):
            nodes.append(Text(text[start:]))
        return tuple(nodes)

    def text(self, text: str) -> tuple[Inline, ...]:
        """Inline text: markup tokens, delimiter runs paired as Markdown pairs them, text."""
        tokens = list(self._tokens(text))
        pairs = _pairs(tokens)
        return tuple(_hash_tags(_build(tokens, 0, len(tokens), pairs)))

    def _tokens(self, text: str) -> Iterator[_Token]:
        index = 0
        start = 0
        while True:
            found = _MARKUP_START.search(text, index)
            if found is None:
                break
            index = found.start()
            token = self._token(text, index)
            if token is None:
                index += 1
                continue
            if index > start:
                yield Text(text[start:index])
            yield token[0]
            index = start = token[1]
            if not isinstance(token[0], _Run) and text.startswith("> ", index):
                # Parser 8.1.0 read a `>` right after a node as a quote (`[a.icon]>x`).
                yield Quote(self.text(text[index + 2 :]))
                return
        if start < len(text):
            yield Text(text[start:])

    def _token(self, text: str, index: int) -> tuple[_Token, int] | None:
        """The markup at `index`, and where it ends."""
        char = text[index]
        if char == "`":
            end = text.find("`", index + 1)
            return (Code(text[index + 1 : end]), end + 1) if end > 0 else None
        if char == "$":
            return _formula(text, index)
        if char == "<":
            return self._icon(text, index)
        if char == "!":
            image = _IMAGE.match(text, index)
            return (_image(image[1]), image.end()) if image else None
        if char == "[":
            return self._link(text, index)
        if char in _DELIMITERS:
            return _run(text, index)
        return None

    def _icon(self, text: str, index: int) -> tuple[Inline, int] | None:
        icon = _ICON.match(text, index)
        if icon is None:
            return None
        end = icon.end()
        count = 1
        while text.startswith(icon[0], end):
            end += len(icon[0])
            count += 1
        path = icon[3]
        if not path.startswith("/") and not (
            icon[2] == f"{self.project}/{path}" or (not self.project and icon[2].endswith(path))
        ):
            path = "/" + icon[2]  # another project's icon
        return Icon(path, str(count) if count > 1 else ""), end

    def _link(self, text: str, index: int) -> tuple[Inline, int] | None:
        wikilink = _WIKILINK.match(text, index)
        if wikilink:
            return PageLink(wikilink[1]), wikilink.end()
        label = _LINK_LABEL.match(text, index)
        if label is None:
            return None
        start = label.end()
        root = self.host + label[1]
        if label[1].startswith("/") and text.startswith(root + ")", start):
            return PageLink(label[1]), start + len(root) + 1  # not encoded: spaces stay
        if label[1] and text.startswith(label[1] + ")", start) and _URL.match(label[1]):
            url, end = label[1], start + len(label[1]) + 1  # `[url](url)`
        else:
            found = _href(text, start)
            if found is None:
                return None
            url, end = found
        if label[1] == url:
            # A bare URL in Scrapbox, unless text follows it, which it would take in.
            bare = end == len(text) or _space(text[end])
            return UrlLink(url, form="bare" if bare else "bracket", separator=""), end
        return UrlLink(url, label[1], form="url_label"), end


def _href(text: str, start: int) -> tuple[str, int] | None:
    """A link's URL from `start` to the first `)` that closes the parentheses it opened."""
    run = _NON_SPACE.match(text, start)
    if run is None or not _URL.match(run[0]):
        return None
    first = None
    for at, char in enumerate(run[0]):
        if char != ")":
            continue
        url = run[0][:at]
        if first is None:
            first = at
        if url.count("(") == url.count(")"):
            first = at
            break
    if first is None:
        return None
    return run[0][:first], start + first + 1


def _image(src: str) -> Image:
    # The parser adds `/thumb/1000` to a Gyazo page's URL.
    gyazo = _GYAZO_THUMB.fullmatch(src)
    return Image(gyazo[1] if gyazo else src)


def _formula(text: str, index: int, *, spaced: bool = False) -> tuple[Inline, int] | None:
    """`$tex$`, as Markdown's math reads it: no space inside either `$` (`spaced`: a space
    after the first is allowed)."""
    if index + 1 >= len(text) or text[index + 1] == "$":
        return None
    if _space(text[index + 1]) and not spaced:
        return None
    end = index + 1
    while (end := text.find("$", end + 1)) > 0:
        if not _space(text[end - 1]):
            tex = text[index + 1 : end]
            # Only `[$ tex ]` can hold a `]`: the formula with a space before its bracket.
            return Formula(tex, spaced_close="]" in tex), end + 1
    return None


def _run(text: str, index: int) -> tuple[_Run, int] | None:
    char = text[index]
    end = index
    while end < len(text) and text[end] == char:
        end += 1
    length = end - index
    if (index and text[index - 1] == char) or length not in _DELIMITERS[char]:
        return None
    before = text[index - 1] if index else " "
    after = text[end] if end < len(text) else " "
    left = not _space(after) and (not _punctuation(after) or _space(before) or _punctuation(before))
    right = not _space(before) and (
        not _punctuation(before) or _space(after) or _punctuation(after)
    )
    return _Run(char, length, left, right), end


def _space(char: str) -> bool:
    """Whitespace as Markdown's delimiter rules see it (Unicode Zs and ASCII controls)."""
    return char in " \t\n\r\f\v" or unicodedata.category(char) == "Zs"


def _punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _pairs(tokens: list[_Token]) -> dict[int, int]:
    """Opening runs and the closing runs Markdown pairs them with (the nearest opener of the
    same character and length before a run that can close)."""
    pairs: dict[int, int] = {}
    openers: list[int] = []
    for index, token in enumerate(tokens):
        if not isinstance(token, _Run):
            continue
        if token.closes:
            for place in range(len(openers) - 1, -1, -1):
                opener = tokens[openers[place]]
                if (
                    isinstance(opener, _Run)
                    and opener.char == token.char
                    and opener.length == token.length
                ):
                    pairs[openers[place]] = index
                    del openers[place:]
                    break
            else:
                if token.opens:
                    openers.append(index)
            continue
        if token.opens:
            openers.append(index)
    return pairs


def _build(tokens: list[_Token], start: int, end: int, pairs: dict[int, int]) -> list[Inline]:
    nodes: list[Inline] = []
    index = start
    while index < end:
        token = tokens[index]
        if isinstance(token, _Run):
            closing = pairs.get(index)
            if closing is not None and closing < end:
                children = tuple(_build(tokens, index + 1, closing, pairs))
                nodes.append(_wrapped(token, children))
                index = closing + 1
                continue
            token = Text(token.text)
        if isinstance(token, Text) and nodes and isinstance(nodes[-1], Text):
            nodes[-1] = Text(nodes[-1].text + token.text)
        else:
            nodes.append(token)
        index += 1
    return nodes


def _wrapped(run: _Run, children: tuple[Inline, ...]) -> Inline:
    if run.char == "~":
        return Decoration("~", children)
    if run.char == "=":
        return Decoration("+", children)
    if run.length == 2:
        return Strong(children)
    if run.length == 3:
        return Decoration("/", (Strong(children),))
    return Decoration("/", children)


def _hash_tags(nodes: list[Inline]) -> Iterator[Inline]:
    """Text with `#name` after whitespace or at the start of a piece of text split into the
    hashtags Scrapbox reads there."""
    for node in nodes:
        if not isinstance(node, Text) or "#" not in node.text:
            yield node
            continue
        text = node.text
        start = 0
        for found in re.finditer(r"(?:^|(?<=\s))#(\S+)", text):
            if found.start() > start:
                yield Text(text[start : found.start()])
            yield HashTag(found[1])
            start = found.end()
        if start < len(text):
            yield Text(text[start:])
