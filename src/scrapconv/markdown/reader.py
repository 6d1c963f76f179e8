"""Obsidian or plain Markdown → Document, one Scrapbox line per Markdown line.

Blocks are read here, line by line, because the document tree is made of lines: each list
item, paragraph line, quote line and heading becomes one `Line` (or `Heading`) with its
source line number, fences become `CodeBlock`s and tables `Table`s. The inline text of each
line is read by `inline_reader`, on mistune.

The reader undoes what the Markdown writer adds for Markdown's sake: the front matter, the
empty line that keeps a paragraph from running into the list or quote above it, the name
line and empty lines around a table, `- &nbsp;` for a line of whitespace, the backslash that
ends a line of the plain flavor, and `- - x` for a line two levels deeper than its parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, TypeGuard

from ..ast import (
    HEADING_STARS,
    Block,
    Callout,
    CodeBlock,
    Decoration,
    Document,
    Heading,
    Html,
    Icon,
    Inline,
    Line,
    NumberList,
    Property,
    Quote,
    Strong,
    Table,
    Text,
)
from ..diagnostics import Diagnostic
from ..filenames import ProjectFolders
from .escape import LONE_TAG, is_table_name
from .frontmatter import UnreadFrontMatter, read_fields
from .inline_reader import InlineContext, read_inline

Flavor = Literal["obsidian", "markdown"]

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_MARKER = re.compile(r"([-*+]|(\d{1,9})[.)])(?:([ \t]+)|$)")
# (A backtick after a run of backticks makes the line a code span, not a fence.)
_FENCE = re.compile(r"(`{3,}(?![^`]*`)|~{3,})(.*)")
_HEADING = re.compile(r"(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+(#+))?[ \t]*")
_SETEXT = re.compile(r"(=+|-+)[ \t]*")
_TABLE_DELIMITER = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_EMPTY_ITEM = "&nbsp;"
# The start of a block inside a quote: further `>`, a list marker, a heading.
# (Possessive: a megabyte of `> > >` keeps no backtracking state.)
_QUOTED_BLOCK = re.compile(r"(?:>[ \t]?)++|(?:[-*+]|[0-9]{1,9}[.)]|#{1,6})[ \t]+")
# (A type is a word: `[![](image)](link)` is a linked image, not a callout of type `[`.)
_CALLOUT = re.compile(r"\[!([^\[\]\s]+)\]([+-]?)")
_RULE_ICON = "/icons/hr"
# A thematic break (as `_is_rule`), for a part of a row: possessive, it fails where the first
# other character stands, so a row of many markers is read in linear time.
_RULE = re.compile(r"([-*_])[ \t]*+(?:\1[ \t]*+){2,}+")
# The starts of CommonMark's HTML blocks: a block-level tag, or (when it does not interrupt a
# paragraph) a line that is one whole tag.
_HTML_BLOCK_TAG = re.compile(
    r"</?(?:address|article|aside|blockquote|body|caption|center|colgroup|dd|details|dialog|"
    r"div|dl|dt|fieldset|figcaption|figure|footer|form|h[1-6]|header|hr|iframe|li|main|nav|"
    r"ol|p|section|summary|table|tbody|td|tfoot|th|thead|tr|ul)(?:[ \t/>]|$)",
    re.IGNORECASE,
)


def read_markdown(
    text: str,
    flavor: Flavor = "obsidian",
    *,
    project: str = "",
    host: str = "https://scrapbox.io",
    project_folders: tuple[tuple[str, str], ...] = (),
) -> Document:
    """Read Markdown into a Document. Never raises on any text.

    `project` is the Scrapbox project whose icons appear without a project name of their own;
    `host` is the Scrapbox server that icon and page URLs point to. `project_folders`, as the
    writer's option (`ProjectFolders`, which raises ValueError for a malformed one): a link to
    a note of another project's folder, as the writer makes it, reads as `[/project/page]`.
    """
    return read_markdown_with_diagnostics(
        text, flavor, project=project, host=host, project_folders=project_folders
    )[0]


def read_markdown_with_diagnostics(
    text: str,
    flavor: Flavor = "obsidian",
    *,
    project: str = "",
    host: str = "https://scrapbox.io",
    project_folders: tuple[tuple[str, str], ...] = (),
) -> tuple[Document, tuple[Diagnostic, ...]]:
    """`read_markdown`, and what reading changed: a front matter block kept as its lines
    (`front-matter`) instead of read as fields."""
    # A newline ends a line, the last one too: it does not start an empty line after it.
    rows = [row[:-1] if row.endswith("\r") else row for row in text.split("\n")]
    if len(rows) > 1 and rows[-1] == "":
        rows.pop()
    front = _front_matter(rows)
    folders = ProjectFolders(project_folders, project) if project_folders else None
    context = InlineContext(
        project=project, host=host, obsidian=flavor == "obsidian", project_folders=folders
    )
    reader = _BlockReader(rows, front.end, context)
    diagnostics: list[Diagnostic] = []
    if front.unread:
        # Front matter that is no YAML (a template's `{{date}}`), or YAML that is not read
        # (aliases that expand without bound): kept as written, with no title and no fields.
        diagnostics.append(
            Diagnostic(
                "front-matter",
                front.unread_line,
                f"the front matter is kept as written, not read: {front.unread}",
            )
        )
    reader.read()
    written = "".join(row + "\n" for row in rows[: front.end])
    document = Document(front.title, tuple(reader.blocks), front.meta, written)
    return document, tuple(diagnostics)


def read_markdown_blocks(
    text: str, flavor: Flavor = "obsidian", *, project: str = "", host: str = "https://scrapbox.io"
) -> tuple[Block, ...]:
    """The blocks of Markdown that has no front matter (the text of a quote, its `>` taken
    away), line numbers counted from its first line. Never raises on any text."""
    rows = text.split("\n")
    context = InlineContext(project=project, host=host, obsidian=flavor == "obsidian")
    reader = _BlockReader(rows, 0, context)
    reader.read()
    return tuple(reader.blocks)


# --- front matter ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FrontMatter:
    """The title and other fields of a front matter block, and the index of the first row
    after it (0 without one); `unread` says why a block was not read as fields, and
    `unread_line` is the note's line where it went wrong."""

    title: str | None = None
    meta: tuple[Property, ...] = ()
    end: int = 0
    unread: str = ""
    unread_line: int = 1


def _front_matter(rows: list[str]) -> _FrontMatter:
    if not rows or rows[0].rstrip() != "---":
        return _FrontMatter()
    for end in range(1, len(rows)):
        if _FRONT_MATTER_END.match(rows[end]):
            break
    else:
        return _FrontMatter()
    try:
        title, meta = read_fields("\n".join(rows[1:end]))
    except UnreadFrontMatter as error:
        # (The YAML's first row is the note's second line.)
        line = 1 if error.row is None else error.row + 2
        return _FrontMatter(end=end + 1, unread=str(error), unread_line=line)
    return _FrontMatter(title, meta, end + 1)


# --- blocks ----------------------------------------------------------------------------------


@dataclass
class _Level:
    """An open list item: the column of its marker and of its content."""

    marker: int
    content: int
    numbered: bool = False


@dataclass
class _BlockReader:
    rows: list[str]
    index: int
    context: InlineContext
    blocks: list[Block] = field(default_factory=list)
    levels: list[_Level] = field(default_factory=list)
    # What the last block that was not an empty line was: "list", "quote", "paragraph", …
    last: str = "start"
    # The fence of a code block open inside a quote.
    quote_fence: str = ""
    # Whether a table is open inside a quote (its rows are written as they are).
    quote_table: bool = False

    def read(self) -> None:
        while self.index < len(self.rows):
            self._row()

    def _row(self) -> None:
        row = self.rows[self.index]
        number = self.index + 1
        if not row.strip(" \t"):
            self.blocks.append(Line("", (), number))
            self.index += 1
            return
        column, rest = _column(row)
        if not rest.startswith(">"):
            # The quote ended; so did any fence or table open in it.
            self.quote_fence = ""
            self.quote_table = False
        if column >= self._content_column() + 4 and self._indented_code_starts():
            self._indented_code(self._content_column(), number)
            return
        marker = _MARKER.match(rest) if column < 4 or self.levels else None
        if marker is not None and self._cannot_interrupt_paragraph(marker, rest):
            marker = None
        if marker is not None and self._indented_past_item(column):
            # Four columns past the item's text, after a line of it: no list item starts
            # there (it would be indented code, which cannot interrupt a paragraph).
            self._list_content(len(self.levels), column, rest, number)
            return
        if marker is not None and not (rest[0] in "-*" and _is_rule(rest)):
            self._list_item(column, rest, number)
            return
        if self.levels and column >= self.levels[-1].content:
            # Text inside the open item (Markdown-born notes): one more line at its depth.
            self._list_content(len(self.levels), column, rest, number)
            return
        if self._continues_paragraph(rest):
            # A lazy line: it goes on with the paragraph of the item or quote above.
            depth = len(self.levels)
            children = self._inline(_without_hard_break(rest))
            margin = row[: len(row) - len(rest)] if depth else None
            self.blocks.append(Line(" " * depth, children, number, continued=True, margin=margin))
            self.index += 1
            return
        if self.levels and column >= self.levels[0].content:
            # Text of an outer item, after an empty line: the items deeper than it end.
            while column < self.levels[-1].content:
                self.levels.pop()
            self._list_content(len(self.levels), column, rest, number)
            return
        self.levels.clear()
        if column >= 4:
            rest = row.lstrip(" \t")
        if fence := _FENCE.match(rest):
            self._code_block("", column, fence, number)
        elif (underline := _SETEXT.fullmatch(rest)) and self._setext(underline[1], rest):
            self.index += 1
        elif heading := _HEADING.fullmatch(rest):
            children = self._inline(heading[2] or "")
            level = len(heading[1])
            stars = len(heading[3] or "")
            if children and stars > HEADING_STARS[level]:
                # A closing sequence longer than the level's size is a Scrapbox heading
                # larger than Markdown's largest (`[**** x]`, written `# x ####`).
                self.blocks.append(Line("", (Decoration("*" * stars, children),), number))
            else:
                self.blocks.append(Heading(level, children, number))
            self.last = "heading"
            self.index += 1
        elif _is_rule(rest):
            self.blocks.append(Line("", (Icon(_RULE_ICON),), number, rule=rest.rstrip(" \t")))
            self.last = "rule"
            self.index += 1
        elif self._table_starts(rest):
            self._table("", 0, number)
        elif rest.startswith("<") and (end := self._html_block_end(rest)):
            self._html_block(end)
        elif rest.rstrip(" \t") == "$$" and (end := self._math_block_end()):
            # Display math: Scrapbox has no such block; its lines stay as they are.
            self._html_block(end)
        elif rest.startswith(">"):
            if self.last == "list":
                self._drop_separator()
            # `>` alone inside a quote only separates its paragraphs, as Markdown writes it.
            separates = rest.rstrip(" \t") == ">" and self.last == "quote"
            self.blocks.append(Line("", (self._quote(rest),), number, continued=separates))
            self.last = "quote"
            self.index += 1
        else:
            if self.last in ("list", "quote"):
                self._drop_separator()
            children = self._inline(_without_hard_break(rest))
            match children:
                case (Decoration(marks=marks, children=inner, delimiter=delimiter),) if (
                    marks.count("*") == 1
                ):
                    # `__x__` alone on a line (`___x___` too): the writer's `[* x]` would be a
                    # heading there, so this is Markdown's bold, Scrapbox's `[[x]]`.
                    outer, _, rest = marks.partition("*")
                    strong = Strong((Decoration(rest, inner, delimiter),) if rest else inner)
                    children = (Decoration(outer, (strong,), delimiter),) if outer else (strong,)
            self.blocks.append(Line("", children, number))
            self.last = "paragraph"
            self.index += 1

    def _html_block_end(self, rest: str) -> int:
        """Where the HTML block starting on this row ends (the index after its last row), or
        0 when the row starts none. CommonMark reads such lines as raw HTML, not Markdown."""
        if rest.startswith("<!--"):
            for index in range(self.index, len(self.rows)):
                if "-->" in self.rows[index]:
                    return index + 1
            return len(self.rows)
        paragraph_above = self.last == "paragraph" and self.rows[self.index - 1].strip(" \t")
        if not _HTML_BLOCK_TAG.match(rest) and (paragraph_above or not LONE_TAG.fullmatch(rest)):
            return 0
        for index in range(self.index, len(self.rows)):
            if not self.rows[index].strip(" \t"):
                return index
        return len(self.rows)

    def _math_block_end(self) -> int:
        """The index after the `$$` line that closes the display math opened on this row, or
        0 when none does."""
        for index in range(self.index + 1, len(self.rows)):
            if self.rows[index].strip(" \t") == "$$":
                return index + 1
        return 0

    def _html_block(self, end: int) -> None:
        # Each line as it is: Scrapbox gets its text, Markdown the same HTML.
        if self.last in ("list", "quote"):
            self._drop_separator()
        row = self.rows[self.index].strip(" \t")
        if end == self.index + 1 and row[:4].lower() == "<img":
            nodes = self._inline(row)
            if len(nodes) == 1 and isinstance(nodes[0], Icon):
                # An icon alone before an empty line: the writer writes it so.
                self.blocks.append(Line("", nodes, self.index + 1))
                self.index += 1
                self.last = "paragraph"
                return
        while self.index < end:
            self.blocks.append(Line("", (Html(self.rows[self.index]),), self.index + 1))
            self.index += 1
        # (The writer writes its lines as paragraph lines.)
        self.last = "paragraph"

    def _cannot_interrupt_paragraph(self, marker: re.Match[str], rest: str) -> bool:
        """Whether a list marker right under a line of a top-level paragraph is text of it: a
        list that starts at another number than 1, or with an empty item, cannot interrupt
        a paragraph (CommonMark)."""
        if self.levels or self.last != "paragraph" or not self.rows[self.index - 1].strip(" \t"):
            return False
        return (marker[2] is not None and int(marker[2]) != 1) or not rest[marker.end() :].strip(
            " \t"
        )

    def _indented_code_starts(self) -> bool:
        """Whether a row indented four columns past the open item's text (or the margin)
        starts indented code: it cannot interrupt a paragraph."""
        if self.index == 0 or not self.rows[self.index - 1].strip(" \t"):
            return True
        return not self.levels and self.last in ("heading", "rule")

    def _indented_code(self, column: int, number: int) -> None:
        """Indented code: the rows indented four columns past `column`, with the empty rows
        between them. Scrapbox gets a code block without a name; Markdown a fence."""
        end = index = self.index
        while index < len(self.rows):
            row = self.rows[index]
            if row.strip(" \t"):
                if _column(row)[0] < column + 4:
                    break
                end = index + 1
            index += 1
        lines = tuple(_dedent(row, column + 4) for row in self.rows[self.index : end])
        depth = len(self.levels)
        self.blocks.append(CodeBlock(" " * depth, "", lines, None, number, bool(depth)))
        self.index = end
        self.last = "list" if depth else "code"

    def _indented_past_item(self, column: int) -> bool:
        """Whether a row starts four or more columns past the text of the open item and
        continues the paragraph on the row above it."""
        if not self.levels or column < self.levels[-1].content + 4 or self.last != "list":
            return False
        above = self.blocks[-1] if self.blocks else None
        return (
            isinstance(above, Line)
            and bool(above.children)
            and bool(self.rows[self.index - 1].strip(" \t"))
        )

    def _continues_paragraph(self, rest: str) -> bool:
        """Whether a line that starts no block of its own continues the paragraph of the list
        item or quote on the line right above it."""
        if self.last not in ("list", "quote") or not self.blocks:
            return False
        above = self.blocks[-1]
        if not isinstance(above, Line) or not above.children or self.index == 0:
            return False
        if _is_heading_item(above):
            # A heading is no paragraph to go on with.
            return False
        if not self.rows[self.index - 1].strip(" \t"):
            return False
        return not (
            rest.startswith(">")
            # Only HTML blocks of the first six kinds interrupt a paragraph.
            or (rest.startswith("<") and (rest.startswith("<!--") or _HTML_BLOCK_TAG.match(rest)))
            or _FENCE.match(rest)
            or _HEADING.fullmatch(rest)
            # (A `--` or `==` line cannot underline a lazy line: it goes on with it.)
            or _is_rule(rest)
        )

    def _setext(self, underline: str, row: str) -> bool:
        """Make the paragraph line right above a `===` or `---` line a heading."""
        previous = self.blocks[-1] if self.blocks else None
        if not self._is_paragraph_line(previous):
            return False
        if len(self.blocks) >= 2 and self._is_paragraph_line(self.blocks[-2]):
            # Markdown makes the whole paragraph one heading; Scrapbox has headings of one
            # line only: the lines stay lines, and the underline stays as it is, for Markdown.
            self.blocks.append(Line("", (Html(row),), self.index + 1))
            self.last = "heading"
            return True
        level = 1 if underline[0] == "=" else 2
        self.blocks[-1] = Heading(level, previous.children, previous.line)
        self.last = "heading"
        return True

    def _is_paragraph_line(self, block: Block | None) -> TypeGuard[Line]:
        """Whether `block` is a line of the paragraph being read (top level, text)."""
        return (
            self.last == "paragraph"
            and isinstance(block, Line)
            and not block.indent
            and not block.continued
            and bool(block.children)
            and not isinstance(block.children[0], Html)
        )

    def _drop_separator(self) -> None:
        """Drop the empty line the writer puts between a list or quote and what follows."""
        if self.blocks and _is_empty_line(self.blocks[-1]) and self.last in ("list", "quote"):
            self.blocks.pop()

    def _list_item(self, column: int, rest: str, number: int) -> None:
        row = self.rows[self.index]
        margin = row[: len(row) - len(rest)]
        # A numbered item after a numbered sibling goes on with its list.
        numbered_sibling = False
        while self.levels and column < self.levels[-1].content:
            closed = self.levels.pop()
            numbered_sibling = closed.marker == column and closed.numbered
        ordinal = ""
        top_level_number = False
        bullet_mark = ""
        # Where the item's text starts: the row is cut once, after the last marker (cutting
        # it after each marker of `- - - … x` took time quadratic in the markers).
        start = 0
        written: list[str] = []
        while (marker := _MARKER.match(rest, start)) is not None:
            written.append(marker[1])
            bullet_mark = marker[1]
            spaces = marker[3] or ""
            width = len(marker[1]) + (len(spaces) if 0 < len(spaces) <= 4 else 1)
            ordinal = marker[2] or ""
            self.levels.append(_Level(column, column + width, bool(ordinal)))
            column += width
            start = marker.end() if len(spaces) <= 4 else marker.end(1) + 1
            # `1)` is the writer's form of a numbered line at the top level (`1.` of one in a
            # list): an item at depth 1 in Markdown, a line at depth 0 in Scrapbox.
            top_level_number = marker[1].endswith(")")
            if ordinal and not _bullet_item_follows(rest, start):
                break
        markers = len(written)
        spacing = rest[len(bullet_mark) : start] if markers == 1 else ""
        rest = rest[start:]
        # (The row's first marker starts the list that would interrupt text: `2.` of `2. - x`,
        # but not of `- 2. x`.)
        first_number = written[0][:-1] if written[0][0].isdigit() else ""
        if (
            first_number
            and first_number != "1"
            and not numbered_sibling
            and self.last in ("list", "paragraph", "quote")
        ):
            self._drop_ordered_separator()
        depth = len(self.levels)
        self.last = "list"
        if fence := _FENCE.match(rest):
            self._code_block(" " * depth, column, fence, number)
            return
        heading = _HEADING.fullmatch(rest)
        if heading and not ordinal:
            # A heading as an item's text (`- ### x`).
            children = self._inline(heading[2] or "")
            self.blocks.append(Heading(len(heading[1]), children, number, " " * depth))
            self.index += 1
            return
        if heading:
            # A heading in a numbered item (`1. ### x`): Scrapbox has no place for it in a
            # numbered line; its marker stays Markdown, as in a quote.
            children = (Html(heading[1] + " "), *self._inline(heading[2] or ""))
        else:
            children = self._item_children(rest)
        if ordinal:
            children = (NumberList((ordinal,), children),)
        indent = " " * (depth - 1 if top_level_number else depth)
        bullet = "" if ordinal or bullet_mark == "-" else bullet_mark
        self.blocks.append(
            Line(
                indent,
                children,
                number,
                bullet=bullet,
                # (After `- - x`, the writer's own margins.)
                margin=margin if markers == 1 else None,
                spacing=_marker_spacing(spacing),
                opens=markers - 1,
                opened=_opened(written),
            )
        )
        self.index += 1
        if not ordinal and (_HTML_BLOCK_TAG.match(rest) or LONE_TAG.fullmatch(rest)):
            self._html_in_item(depth)

    def _html_in_item(self, depth: int) -> None:
        """The rows of an HTML block that an item's text starts (a tag alone, a block-level
        tag): up to an empty row or one left of the item's text, each as written."""
        content = self.levels[-1].content
        while self.index < len(self.rows):
            row = self.rows[self.index]
            column, rest = _column(row)
            if not rest or column < content:
                break
            margin = row[: len(row) - len(rest)]
            self.blocks.append(
                Line(" " * depth, (Html(rest),), self.index + 1, continued=True, margin=margin)
            )
            self.index += 1

    def _drop_ordered_separator(self) -> None:
        # A list starting at another number than 1 cannot interrupt text: the writer put an
        # empty line before it.
        if self.blocks and _is_empty_line(self.blocks[-1]):
            self.blocks.pop()

    def _list_content(self, depth: int, column: int, rest: str, number: int) -> None:
        if fence := _FENCE.match(rest):
            self._code_block(" " * depth, column, fence, number, continued=True)
            return
        if self._table_starts(rest):
            self._table(" " * depth, self.levels[-1].content, number)
            return
        row = self.rows[self.index]
        margin = row[: len(row) - len(rest)]
        children = self._item_children(rest)
        self.blocks.append(Line(" " * depth, children, number, continued=True, margin=margin))
        self.index += 1

    def _item_children(self, rest: str) -> tuple[Inline, ...]:
        if rest == _EMPTY_ITEM or not rest.strip(" \t"):
            return ()
        if _is_rule(rest):
            return (Icon(_RULE_ICON),)
        if rest.startswith(">"):
            return (self._quote(rest),)
        return self._inline(_without_hard_break(rest))

    def _quote(self, rest: str) -> Quote:
        body = _without_hard_break(rest[1:])
        content = body.lstrip(" \t")
        space = body[: len(body) - len(content)]
        start: tuple[Inline, ...] = (Text(space),) if space else ()
        if self.quote_fence:
            # A line of code in a fence inside the quote: Markdown, kept as it is, with all
            # its indentation.
            if content.startswith(self.quote_fence) and not content.strip(self.quote_fence[0]):
                self.quote_fence = ""
            return Quote((Html(body),)) if body else Quote(())
        code = self._quoted_code(rest)
        if code:
            return Quote((Html(code),))
        if self.quote_table and content and not _ends_table(content, 0):
            # One more row of the table (GFM: any line, pipes or not).
            return Quote((*start, Html(content)))
        self.quote_table = False
        if fence := _FENCE.match(content):
            self.quote_fence = fence[1]
            return Quote((*start, Html(content)))
        if content == _EMPTY_ITEM or not content:
            return Quote(start)
        if content.startswith("|"):
            # A table row inside the quote.
            return Quote((*start, Html(content)))
        if block := _QUOTED_BLOCK.match(content):
            # A list item, a heading or a quote inside the quote: its marker is Markdown.
            return Quote((*start, Html(block[0]), *self._inline(content[block.end() :])))
        if self._quoted_table_starts(content):
            # A table inside the quote whose rows need no pipe at either end.
            self.quote_table = True
            return Quote((*start, Html(content)))
        if callout := _CALLOUT.match(content):
            children = self._inline(content[callout.end() :])
            return Quote((*start, Callout(callout[1], callout[2]), *children))
        return Quote(
            _join_text(Text(space), self._inline(content)) if space else self._inline(content)
        )

    def _quoted_code(self, rest: str) -> str:
        """The row of indented code that the quote starting `rest` holds, written with spaces
        after `>`, or "" when it holds none: four columns past the one space `>` takes,
        unless it goes on with a paragraph of the quote. Tabs count to their stops in the
        whole row (`- >  \t` is code, `  - >  \t` is not), so they become spaces."""
        row = self.rows[self.index]
        before = row[: len(row) - len(rest)] + ">"
        body = rest[1:]
        content = body.lstrip(" \t")
        column = len(before.expandtabs(4))
        width = len((before + body[: len(body) - len(content)]).expandtabs(4)) - column
        if not content or width < 5 or self._quote_goes_on(before):
            return ""
        return " " * width + content

    def _quote_goes_on(self, before: str) -> bool:
        """Whether the quote row whose `>` ends `before` goes on with the paragraph of the
        quote on the row above (no list marker starts a new item before the `>`)."""
        if before[:-1].strip(" \t") or not self.index or not self.rows[self.index - 1].strip(" \t"):
            return False
        above = self.blocks[-1] if self.blocks else None
        if not isinstance(above, Line) or not above.children:
            return False
        match above.children[0]:
            case Quote(children=children):
                # (Rows of code, fences and tables are written as they are, as `Html`.)
                return any(
                    not isinstance(node, (Html, Text))
                    or (isinstance(node, Text) and node.text.strip())
                    for node in children
                )
        return above.continued and self.last == "quote"

    def _quoted_table_starts(self, content: str) -> bool:
        """Whether a quote's row is the header of a table: the quote's next row is a
        delimiter row with as many cells."""
        if not _CELL_SPLIT.search(content) or self.index + 1 >= len(self.rows):
            return False
        following = _column(self.rows[self.index + 1])[1]
        if not following.startswith(">"):
            return False
        delimiter = following[1:].strip(" \t")
        return _TABLE_DELIMITER.fullmatch(delimiter) is not None and len(_cells(content)) == len(
            _cells(delimiter)
        )

    def _inline(self, text: str) -> tuple[Inline, ...]:
        return read_inline(text, self.context)

    def _code_block(
        self,
        indent: str,
        column: int,
        fence: re.Match[str],
        number: int,
        *,
        continued: bool = False,
    ) -> None:
        marks = fence[1]
        info = fence[2].lstrip(" \t")
        closing = re.compile(rf"[ \t]*{re.escape(marks[0])}{{{len(marks)},}}[ \t]*")
        lines: list[str] = []
        self.index += 1
        while self.index < len(self.rows):
            row = self.rows[self.index]
            self.index += 1
            body = _dedent(row, column)
            if closing.fullmatch(body):
                break
            lines.append(body)
        # `lang name`: the name as written (spaces included), else the language alone.
        language, _, name = info.partition(" ")
        filename = name if name.strip() else language.rstrip(" \t")
        self.blocks.append(
            CodeBlock(
                indent, filename, tuple(lines), None, number, continued and bool(indent), marks
            )
        )
        self.last = "list" if indent else "code"

    def _table_starts(self, rest: str) -> bool:
        if not _CELL_SPLIT.search(rest) or self.index + 1 >= len(self.rows):
            return False
        following = _dedent(self.rows[self.index + 1], self._content_column())
        # GFM: the header row has as many cells as the delimiter row, or it is no table.
        return _TABLE_DELIMITER.fullmatch(following) is not None and len(_cells(rest)) == len(
            _cells(following)
        )

    def _content_column(self) -> int:
        return self.levels[-1].content if self.levels else 0

    def _table(self, indent: str, column: int, number: int) -> None:
        header = _dedent(self.rows[self.index], column)
        rows = [self._cells(header)]
        # The row after the header is the delimiter row (`| --- |`, `| :-: |`).
        delimiter_row = _dedent(self.rows[self.index + 1], column).rstrip(" \t")
        alignments = tuple(_alignment(cell.strip()) for cell in _cells(delimiter_row))
        self.index += 2
        while self.index < len(self.rows) and not _ends_table(self.rows[self.index], column):
            # (GFM's rows need no pipe at either end, nor any at all.)
            rows.append(self._cells(_dedent(self.rows[self.index], column)))
            self.index += 1
        name, number = self._table_name(indent, number)
        if not any(alignments):
            alignments = ()
        self.blocks.append(
            Table(indent, name, tuple(rows), None, number, alignments, delimiter_row)
        )
        # The writer ends a table with an empty line.
        if self.index < len(self.rows) and not self.rows[self.index].strip(" \t"):
            self.index += 1
        self.last = "list" if indent else "table"

    def _cells(self, row: str) -> tuple[tuple[Inline, ...], ...]:
        return tuple(self._inline(cell) for cell in _cells(row))

    def _table_name(self, indent: str, number: int) -> tuple[str, int]:
        """The table's name: the line the writer puts before the table, with an empty line
        between them; it is taken out of the blocks read so far."""
        if len(self.blocks) >= 2 and _is_empty_line(self.blocks[-1]):
            name_line = self.blocks[-2]
            if (
                isinstance(name_line, Line)
                and indent
                and name_line.indent == indent
                and not (name_line.children or name_line.continued)
            ):
                # The empty item, `- &nbsp;`, the writer opens for a table without a name.
                del self.blocks[-2:]
                return "", name_line.line
            if (
                isinstance(name_line, Line)
                and name_line.indent == indent
                and name_line.children
                and not name_line.continued
                and all(isinstance(node, Text) for node in name_line.children)
            ):
                # The writer writes a name as plain text.
                name = "".join(node.text for node in name_line.children)  # type: ignore[union-attr]
                if is_table_name(name):
                    del self.blocks[-2:]
                    return name, name_line.line
        if self.blocks and _is_empty_line(self.blocks[-1]):
            # No name: the empty line only kept the table from the text above (in a list too,
            # where the text is an item's).
            self.blocks.pop()
        return "", number


def _bullet_item_follows(rest: str, start: int) -> bool:
    """Whether a bullet item starts at `start` of `rest`, right after a numbered marker
    (`2. - x`: the numbered item holds a list), rather than a thematic break (`2. - - -`)."""
    marker = _MARKER.match(rest, start)
    return marker is not None and marker[2] is None and not _RULE.fullmatch(rest, start)


def _opened(markers: list[str]) -> tuple[str, ...]:
    """The markers of the items a row starts around its own item, as `Line.opened` keeps
    them: () when each is `-`, the writer's own."""
    opened = markers[:-1]
    return tuple(opened) if any(marker != "-" for marker in opened) else ()


def _marker_spacing(spacing: str) -> str:
    """The spaces after a list marker as `Line` keeps them: two to four spaces, after which
    the item's text starts; "" for the writer's own one space (or other whitespace)."""
    return spacing if 1 < len(spacing) <= 4 and not spacing.strip(" ") else ""


def _is_heading_item(line: Line) -> bool:
    """Whether `line` is a numbered item whose text is a heading (`1. ### x`)."""
    match line.children[0]:
        case NumberList(children=(Html(raw=raw), *_)):
            return raw.startswith("#")
    return False


def _ends_table(row: str, column: int) -> bool:
    """Whether `row` ends a table whose rows start at `column` rather than being one more
    row: an empty line, a line left of the table or indented as code, or one that starts
    another block (GFM)."""
    indent, rest = _column(row)
    if not rest or not column <= indent < column + 4:
        return True
    return bool(
        rest.startswith(">")
        or (rest.startswith("<") and (rest.startswith("<!--") or _HTML_BLOCK_TAG.match(rest)))
        or _FENCE.match(rest)
        or _MARKER.match(rest)
        or _HEADING.fullmatch(rest)
        or _is_rule(rest)
    )


def _is_rule(text: str) -> bool:
    """Whether `text` is a thematic break: three or more of one of `-`, `*`, `_`, with spaces
    or tabs between them. (A regular expression's backtracking took up to twice as long a
    character on a megabyte of `- - -`.)"""
    marks = text.replace(" ", "").replace("\t", "")
    return len(marks) >= 3 and text[0] in "-*_" and marks.count(text[0]) == len(marks)


def _alignment(delimiter: str) -> str:
    if delimiter.startswith(":") and delimiter.endswith(":") and len(delimiter) > 1:
        return "center"
    if delimiter.startswith(":"):
        return "left"
    return "right" if delimiter.endswith(":") else ""


def _column(row: str) -> tuple[int, str]:
    """The column of the first character that is not a space or tab, and the rest."""
    rest = row.lstrip(" \t")
    return len(row[: len(row) - len(rest)].expandtabs(4)), rest


def _dedent(row: str, column: int) -> str:
    """`row` without up to `column` columns of indentation."""
    width = 0
    index = 0
    while index < len(row) and width < column and row[index] in " \t":
        width = (width // 4 + 1) * 4 if row[index] == "\t" else width + 1
        index += 1
    return row[index:]


def _cells(row: str) -> list[str]:
    body = row.strip(" \t")
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and (len(body) - len(body[:-1].rstrip("\\"))) % 2:
        # The closing `|`, not an escaped one.
        body = body[:-1]
    return [_cell_text(cell) for cell in _CELL_SPLIT.split(body)]


def _cell_text(cell: str) -> str:
    # The writer puts one space on each side of a cell's text.
    return cell.removeprefix(" ").removesuffix(" ")


def _without_hard_break(text: str) -> str:
    """`text` without the backslash that ends a line with a hard break (plain flavor)."""
    trailing = len(text) - len(text.rstrip("\\"))
    return text[:-1] if trailing % 2 else text


def _is_empty_line(block: Block) -> bool:
    return isinstance(block, Line) and not block.indent and not block.children


def _join_text(first: Text, nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
    if nodes and isinstance(nodes[0], Text):
        return (Text(first.text + nodes[0].text), *nodes[1:])
    return (first, *nodes)
