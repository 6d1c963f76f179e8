"""Document → Obsidian or plain Markdown: one writer, two flavors.

Each Scrapbox line becomes one Markdown line: a paragraph line at depth 0, a list item at
depth n. Markdown joins what Scrapbox keeps apart (a paragraph after a list or a quote, lines
of a paragraph in plain renderers), so the writer adds the separation Markdown needs and
reports, as diagnostics, everything it cannot say in Markdown.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

from ..ast import (
    Blank,
    Block,
    Callout,
    Cell,
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
    Heading,
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
from ..filenames import (
    ProjectFolders,
    icon_page,
    line_link,
    path_segment,
    scrapbox_path,
    title_to_filename,
)
from ..scrapbox.writer import write_inline
from .common import (
    NOT_IN_AUTOLINK,
    OBSIDIAN_TAG,
    autolink,
    code_language,
    fence_for,
    fence_holds,
    is_rule_icon,
    link_destination,
)
from .escape import (
    BARE_URL,
    CONTROL,
    LINE_START_CHARACTERS,
    LONE_TAG,
    SPECIAL,
    URL_STOP,
    Context,
    character_references,
    escape_inline,
    escape_line_start,
    is_punctuation,
    is_table_name,
    is_whitespace,
    special_characters,
)
from .frontmatter import front_matter
from .options import IconForm, MarkdownOptions

# An invisible character written as a reference: punctuation to Markdown's emphasis rules.
_INVISIBLE = "&#8203;"
# A character Obsidian reads as part of a tag.
_TAG_CHARACTER = re.compile(r"[\w\-/]")
_OBSIDIAN_URL = re.compile(BARE_URL)
# What a line of Markdown cannot hold as text: control characters, and CR and FF, which end it.
_LINE_BREAKING = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# What a bare URL may hold to be written as it is (and then only where no character of it
# would be read as markup there): no whitespace, no control character.
_URL_TEXT = re.compile(r"[^\s\x00-\x1f\x7f]+")
# The content of an empty list item: Markdown cannot start a list with an empty item right
# under text (it would continue the text, or underline it as a heading).
_EMPTY_ITEM = "&nbsp;"
# Three or more of one marker with only spaces between: a thematic break, not items.
_THEMATIC_BREAK = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*")
# The marker of a numbered item that may start a list right under text.
_FIRST_NUMBER = re.compile(r"0*1[.)] +")
# Nodes whose Markdown depends on their neighbours in a run: emphasis runs, tags, blanks
# (two in a row would read as one).
_NEIGHBOUR_SENSITIVE = frozenset((Decoration, Strong, HashTag, Blank))


# Patterns compiled once: `re.search(pattern, …)` looks its pattern up in a cache each call.
# A code block name that is itself a language word: no extension, no spaces.
_LANGUAGE_NAME = re.compile(r"[0-9A-Za-z+#_-]+")
_BACKTICKS = re.compile(r"`+")
# What Markdown could read as markup in TeX: escapes, emphasis, code, links, HTML.
_TEX_MARKUP = re.compile(r"[\\_*`~\[\]<&]")
# A title's `.md`, in any case, which Obsidian would take for the note's own.
_MD_SUFFIXES = (".md", ".mD", ".Md", ".MD")
_CLOSING_SEQUENCE = re.compile(r"(?:^|[ \t])(#+)$")


@dataclass(slots=True)
class _Output:
    """What a page's writing has made so far, and where it stands."""

    lines: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # What the last written block was, to separate what Markdown would join, and the last
    # one that was not an empty line.
    last: str = "start"
    last_solid: str = "start"
    # The open list levels, outermost first: the column of each item's marker and of its
    # content, and whether it is numbered. A child's marker must stand within its parent's
    # content.
    levels: list[tuple[int, int, bool]] = field(default_factory=list)
    # Lines that are one HTML tag (an icon), each with the column of its block's content and
    # where the tag ends: such a line starts an HTML block, which takes in the lines after it
    # up to an empty line.
    lone_tags: list[tuple[int, int, int]] = field(default_factory=list)


@functools.cache
def default_options() -> MarkdownOptions:
    return MarkdownOptions()


class MarkdownWriter:
    def __init__(self, options: MarkdownOptions) -> None:
        self.options = options
        self.obsidian = options.flavor == "obsidian"
        # The options every icon needs, looked up once.
        self.project = options.project
        self.icon_form = options.icon_form
        self.scrapbox_host = options.scrapbox_host
        self.project_folders = (
            ProjectFolders(options.project_folders, options.project)
            if options.project_folders
            else None
        )
        # In a table cell the `|` of a wikilink must be escaped.
        self.in_table = False
        # The delimiter characters of the emphasis being written, which text inside it could
        # close.
        self.enclosing = ""
        # Whether the block being written had a control character, which is left out.
        self.left_out_control = False
        # The blocks being written, and the index of the one being written.
        self.blocks: tuple[Block, ...] = ()
        self.index = 0
        # Finds what the flavor's escapes look at, if a text holds any.
        self.special = special_characters(self.obsidian).search
        # What may follow the last character of a paragraph or quote line: a hard break in
        # the plain flavor.
        self.line_end = "" if self.obsidian else "\\"

    @contextlib.contextmanager
    def _inside(self, delimiters: str) -> Iterator[None]:
        """Write what is inside emphasis written with `delimiters` (see `enclosing`)."""
        enclosing = self.enclosing
        self.enclosing += delimiters
        try:
            yield
        finally:
            self.enclosing = enclosing

    @property
    def previous(self) -> Block | None:
        """The block before the one being written."""
        return self.blocks[self.index - 1] if self.index else None

    @property
    def following(self) -> Block | None:
        """The block after the one being written."""
        index = self.index + 1
        return self.blocks[index] if index < len(self.blocks) else None

    def _next_with_text(self) -> Block | None:
        """The first block after the one being written that is not an empty line: an empty
        line ends an empty item, so the items after it cannot show under the item otherwise."""
        for block in self.blocks[self.index + 1 :]:
            if not (isinstance(block, Line) and not block.indent and not block.children):
                return block
        return None

    def _escape(
        self,
        text: str,
        before: str | None = None,
        after: str | None = None,
        *,
        label: bool = False,
        closed: bool = False,
    ) -> str:
        """`text` escaped where it stands: between `before` and `after` (see `Context`), or
        as a link's whole label."""
        if self.special(text) is None:
            return text
        if label and SPECIAL.search(text) is None:
            # (Only a URL GitHub would link is left, and GitHub links none in a label.)
            return text
        if CONTROL.search(text):
            self.left_out_control = True
        if label:
            before, after, closed = before or "[", after or "]", True
        # (GitHub links no URL inside a link's label.)
        return escape_inline(
            text,
            Context(self.obsidian, before, after, self.in_table, label, closed, self.enclosing),
            autolinks=not label,
        )

    def _report_control(self, line: int, out: _Output) -> None:
        """A `control` diagnostic for `line` if its text had control characters (left out)."""
        if self.left_out_control:
            self.left_out_control = False
            out.diagnostics.append(Diagnostic("control", line, "control characters are left out"))

    # --- blocks -------------------------------------------------------------------------------

    def write(self, document: Document) -> tuple[str, list[Diagnostic]]:
        out = _Output()
        self.blocks = document.blocks
        for index, block in enumerate(self.blocks):
            self.index = index
            match block:
                case Line():
                    if block.indent and not block.continued:
                        self._list_line(block, out)
                    else:
                        self._line(block, out)
                case CodeBlock():
                    self._code_block(block, out)
                case Table():
                    self._table(block, out)
                case Heading(level=level, children=children, indent=indent):
                    text = self._inlines(children, block.line, out).strip(" \t")
                    heading = "#" * level + (" " + text if text else "")
                    if indent:
                        prefix, _ = self._open_item(len(indent), "- ", out)
                        out.lines.append(prefix + heading)
                    else:
                        self._top_level(out, "heading", heading)
            if self.left_out_control:
                self._report_control(block.line, out)
        _keep_tags_inline(out)
        # Every line ends with a newline, as in any text file: the last one too, so that a
        # page that ends with an empty line keeps it.
        body = "\n".join(out.lines) + "\n" if out.lines else ""
        if document.title is not None or document.meta or document.front_matter:
            body = front_matter(document.title, document.meta, document.front_matter) + body
        return body, out.diagnostics

    def _top_level(self, out: _Output, kind: str, text: str) -> None:
        """Write a block that is not in a list, separated from what Markdown would join it to."""
        if (out.last_solid in ("list", "quote") and kind == "paragraph") or (
            out.last_solid == "list" and kind == "quote"
        ):
            # It would continue the list item or the quote (lazy continuation). The empty line
            # is written even after the page's own empty lines, so that a reader can tell it
            # from them.
            out.lines.append("")
        elif out.last == kind and kind in ("paragraph", "quote") and not self.obsidian:
            # Plain renderers join consecutive lines; a backslash keeps the break.
            out.lines[-1] += "\\"
        out.lines.append(text)
        out.last = out.last_solid = kind
        out.levels.clear()

    def _line(self, line: Line, out: _Output) -> None:
        """A line that is not a list item's row: at the top level, or going on with the
        paragraph above."""
        children = line.children
        if line.continued:
            self._continued_line(line, out)
            return
        if not children:
            # (The open list stays open for what continues its items; a new item after an
            # empty line starts a new list, see `_open_item`.)
            out.lines.append("")
            out.last = "blank"
            return
        first = children[0].__class__
        if first is Decoration and (heading := self._heading(children, line.line, out)) is not None:
            self._top_level(out, "heading", heading)
        elif first is Icon and len(children) == 1 and is_rule_icon(children[0]):  # type: ignore[arg-type]
            # `***`, unlike `---`, cannot turn the line above into a heading: a rule as
            # written only where nothing above it could be one.
            keeps = line.rule and (line.rule[0] != "-" or out.last != "paragraph")
            self._top_level(out, "rule", line.rule if keeps else "***")
            _report_rule_icon(children[0], line.line, out)  # type: ignore[arg-type]
        elif first is Quote:
            self._top_level(out, "quote", self._quote(children, line.line, out))
        elif first is NumberList:
            self._list_line(line, out)
        else:
            # (In the plain flavor, the line may end in a hard break, `\`.)
            text = self._inlines(children, line.line, out, after=self.line_end)
            if not text:
                # All of it left out (control characters, an empty code span): an empty line,
                # as it reads back.
                out.lines.append("")
                out.last = "blank"
                return
            # (A line that starts with Markdown read from Markdown stays as it was; a tag under
            # a line of text goes on with its paragraph.)
            starts_block = first is not Html and out.last != "paragraph"
            if first is not Html and text[:1] in LINE_START_CHARACTERS:
                text = escape_line_start(text)
            self._top_level(out, "paragraph", text)
            if starts_block and text[:1] == "<" and _is_lone_tag(text):
                out.lone_tags.append((len(out.lines) - 1, 0, len(text)))

    def _list_line(self, line: Line, out: _Output) -> None:
        children = line.children
        # A numbered line at the top level is an item at depth 1.
        depth = len(line.indent) or 1
        spacing = line.spacing or " "
        bullet = f"{line.bullet or '-'}{spacing}"
        if not children:
            # An empty item may follow an item at its depth, an empty line or a heading, but
            # cannot start a list right under text, which it would make a heading; and with
            # nothing in it, the items under it would show on its line, as a skipped level.
            following = self._next_with_text()
            next_depth = len(following.indent) if following is not None else 0
            bare = next_depth <= depth and (
                (out.last_solid == "list" and len(out.levels) >= depth - line.opens)
                or out.last in ("start", "blank", "heading", "code")
            )
            prefix, _ = self._open_item(depth, bullet, out, line.margin, line.opens, line.opened)
            # (Three bare markers, `- - -`, would be a thematic break.)
            bare = bare and _THEMATIC_BREAK.fullmatch(prefix) is None
            out.lines.append(prefix.rstrip(" ") if bare else prefix + _EMPTY_ITEM)
            return
        first = children[0]
        cls = first.__class__
        if cls is NumberList:
            number = first
            assert isinstance(number, NumberList)
            # `1)` for a numbered line at the top level, `1.` for one in a list: both are
            # ordered lists, and the reader tells them apart.
            marker = f"{number.numbers[0]}{'.' if line.indent else ')'}{spacing}"
            # The numbers after the first are text (`1. 2. x`), which the escape of the
            # line's start keeps from being markers; written with the nodes after them, so
            # that each is written knowing its neighbours.
            more = "".join(f"{value}. " for value in number.numbers[1:])
            inner = ((Text(more),) if more else ()) + number.children
            text = self._inlines((*inner, *children[1:]), line.line, out, closed=True)
            if not (inner and isinstance(inner[0], Html)):
                # (Markdown read from Markdown, `1. ### x`, stays as it was.)
                text = escape_line_start(text, item=True)
        elif cls is Quote:
            # A quote in a list item is a block quote inside the item.
            text = self._quote(children, line.line, out)
            marker = bullet
        elif cls is Icon and len(children) == 1 and is_rule_icon(first):  # type: ignore[arg-type]
            text = "***"
            marker = bullet
            _report_rule_icon(first, line.line, out)  # type: ignore[arg-type]
        else:
            marker = bullet
            text = self._inlines(children, line.line, out, closed=True)
            if text[:1] in LINE_START_CHARACTERS:
                text = escape_line_start(text, item=True)
        prefix, content = self._open_item(depth, marker, out, line.margin, line.opens, line.opened)
        out.lines.append(prefix + (_unlike_empty(text) or _EMPTY_ITEM))
        if text[:1] == "<" and _is_lone_tag(text) and not _starts_with_html(self.following):
            # (Unless the lines after it were read as the HTML block the tag starts.)
            out.lone_tags.append((len(out.lines) - 1, content, len(prefix + text)))

    def _continued_line(self, line: Line, out: _Output) -> None:
        """A line that goes on with the paragraph above: under the open item's content, or as
        it is after a quote or a paragraph."""
        if line.children and isinstance(line.children[0], Quote):
            # `>` (and what follows) separating a quote's paragraphs, or a quote inside the
            # item above, under its text.
            quote = self._quote(line.children, line.line, out, empty="")
            if line.indent and out.levels and out.last in ("list", "blank"):
                column = out.levels[min(len(line.indent), len(out.levels)) - 1][1]
                quote = " " * column + quote
            out.lines.append(quote)
            return
        text = self._inlines(line.children, line.line, out)
        if not _starts_with_html(line):
            # (A line of an HTML block read from Markdown stays as it was.)
            text = escape_line_start(text)
        if line.indent and out.levels and out.last in ("list", "blank"):
            depth = min(len(line.indent), len(out.levels))
            column = out.levels[depth - 1][1]
            margin = line.margin
            if margin is not None and self._keeps_continued_margin(margin, depth, out):
                out.lines.append(margin + text)
                return
            out.lines.append(" " * column + text)
        else:
            out.lines.append(text)

    def _keeps_continued_margin(self, margin: str, depth: int, out: _Output) -> bool:
        """Whether a line that goes on with the item at `depth` may keep the `margin` a note
        wrote: right under a line of the item's text any margin goes on with its paragraph;
        after an empty line, it must stand within the item's content, short of code."""
        previous = self.previous
        if out.last == "list":
            return isinstance(previous, Line) and bool(previous.children)
        column = len(margin.expandtabs(4))
        start = out.levels[depth - 1][1]
        deeper = out.levels[depth][1] if depth < len(out.levels) else start + 4
        return start <= column < min(start + 4, deeper)

    def _quote(
        self, children: tuple[Inline, ...], line: int, out: _Output, *, empty: str = _EMPTY_ITEM
    ) -> str:
        """A line that starts with a quote: `>`, the spacing written after it in Scrapbox
        (Markdown shows none of it), and the rest; `empty` is what an empty quote holds."""
        quote = children[0]
        assert isinstance(quote, Quote)
        if quote.children and isinstance(quote.children[0], Html):
            # Markdown inside the quote, spacing and all (a line of a fenced code block).
            return (
                ">"
                + self._inlines(quote.children, line, out)
                + self._inlines(children[1:], line, out)
            )
        quoted = self._inlines((*quote.children, *children[1:]), line, out, after=self.line_end)
        text = quoted.lstrip(" \t")
        spacing = quoted[: len(quoted) - len(text)]
        if len(spacing) > 4:
            # Spaces enough to start a code block (Markdown shows no spacing there anyway).
            out.diagnostics.append(
                Diagnostic(
                    "quote-spacing",
                    line,
                    f"the spacing {spacing!r} after '>' is not shown: written as one space",
                )
            )
            spacing = " "
        elif spacing.strip(" "):
            # A tab or a wide space, each as a space: as in indentation, Cosense shows
            # them alike, while a tab after `>` could start a code block.
            spacing = " " * len(spacing)
        if any(isinstance(node, Html) for node in quote.children[:2]):
            # Markdown inside the quote (a list item, a fence), read from Markdown: as it was.
            return ">" + spacing + text
        # An empty quote would be no block at all and let the next line run into it.
        return ">" + spacing + (_unlike_empty(escape_line_start(text)) or empty)

    def _open_item(
        self,
        depth: int,
        marker: str,
        out: _Output,
        margin: str | None = None,
        opens: int = 0,
        opened: tuple[str, ...] = (),
    ) -> tuple[str, int]:
        """Open a list item at `depth`: the text before its content, and its content column.

        Markdown has no list item without a parent, so missing levels (a line at depth 3
        right under one at depth 1) become empty items on the same line: `- - x`. `margin`,
        the whitespace a note wrote before the marker, is kept where it opens the same item;
        `opens` items around it are started anew on its row too (`Line.opens`), with the
        markers `opened` (`Line.opened`).
        """
        levels = out.levels
        if out.last_solid != "list":
            # (Empty lines do not end a list: an item after them goes on with it.)
            levels.clear()
        if margin is None and not opens and depth <= len(levels) + 1 and not marker[0].isdigit():
            # The most common items, bulleted, each where the general case below puts it: a
            # sibling of an open item, where the sibling's marker stood; a first child, under
            # its parent's content; the first item of a list.
            if depth <= len(levels):
                column = levels[depth - 1][0]
                del levels[depth - 1 :]
            elif levels:
                marker_column, content_column, _ = levels[-1]
                column = max(content_column, marker_column + 4)
            else:
                column = 0
            content = column + len(marker)
            levels.append((column, content, False))
            out.last = out.last_solid = "list"
            return " " * column + marker, content
        # The outermost item the row starts.
        first = depth - min(opens, depth - 1)
        sibling = levels[first - 1] if len(levels) >= first else None
        del levels[first - 1 :]
        parent = len(levels)
        if sibling is not None:
            # A sibling's marker stands where the previous one at this depth stood.
            column = sibling[0]
        elif parent:
            marker_column, content_column, _ = levels[-1]
            column = max(content_column, marker_column + 4)
        else:
            column = 0
        written = (
            _margin_column(margin, levels, sibling)
            if margin is not None and depth - parent == 1
            else None
        )
        if written is not None:
            column = written
        # The markers of the items the row starts, outermost first: `- ` for missing levels,
        # those it opened as written.
        markers = ["- "] * (depth - parent - 1)
        kept = min(len(opened), len(markers))
        if kept:
            markers[len(markers) - kept :] = [f"{mark} " for mark in opened[len(opened) - kept :]]
        markers.append(marker)
        # (A list that a row's new item holds interrupts no text: only the row's first may.)
        if (
            markers[0][0].isdigit()
            and not _FIRST_NUMBER.fullmatch(markers[0])
            and (sibling is None or not sibling[2])
            and out.last_solid in ("list", "paragraph", "quote")
        ):
            # Only a list starting at 1 may interrupt text: start this one after a blank line.
            out.lines.append("")
        text = margin if written is not None and margin is not None else " " * column
        for mark in markers[:-1]:
            levels.append((column, column + len(mark), mark[0].isdigit()))
            text += mark
            column += len(mark)
        content = column + len(marker)
        levels.append((column, content, marker[0].isdigit()))
        out.last = out.last_solid = "list"
        return text + marker, content

    def _code_block(self, block: CodeBlock, out: _Output) -> None:
        name = block.filename
        if _LINE_BREAKING.search(name):
            # A carriage return would end the fence's line, a control character shows as
            # nothing: left out of the name.
            name = _LINE_BREAKING.sub("", name)
            self.left_out_control = True
        language = code_language(name)
        lines = block.lines
        if any("\r" in text for text in lines):
            # Markdown ends a line at a carriage return: left out of the code.
            for number, text in enumerate(lines, block.line + 1):
                if "\r" in text:
                    out.diagnostics.append(
                        Diagnostic("control", number, "a carriage return in code is left out")
                    )
            lines = tuple(text.replace("\r", "") for text in lines)
        if _LANGUAGE_NAME.fullmatch(name):
            # A name that is a language (`code:py`, `code:md`): the info string as written.
            info = name
        else:
            # The name as written follows the language.
            info = f"{language or 'text'} {name}" if name.strip() else language
            if name and not name.strip():
                # (A fence's info string drops whitespace: Markdown has no place for it.)
                out.diagnostics.append(
                    Diagnostic(
                        "code-name",
                        block.line,
                        f"the code block name {name!r}, only whitespace, is left out",
                    )
                )
        fence = fence_for(lines, info)
        if block.fence and fence_holds(block.fence, lines, info):
            # The fence as written, where it still encloses the code.
            fence = block.fence
        if block.continued and block.indent and out.levels and out.last in ("list", "blank"):
            # Inside the item above, under its text.
            column = out.levels[min(len(block.indent), len(out.levels)) - 1][1]
            indent = " " * column
            out.lines.append(indent + fence + info)
            out.lines.extend(indent + text if text else "" for text in lines)
            out.lines.append(indent + fence)
            return
        if block.indent:
            first, column = self._open_item(len(block.indent), "- ", out)
            indent = " " * column
            out.lines.append(first + fence + info)
            out.lines.extend(indent + text if text else "" for text in lines)
            out.lines.append(indent + fence)
            return
        self._top_level(out, "code", fence + info)
        out.lines.extend(lines)
        out.lines.append(fence)

    def _table(self, table: Table, out: _Output) -> None:
        width = max((len(row) for row in table.rows), default=0)
        name = escape_line_start(self._escape(table.name, "", ""))
        self._report_control(table.line, out)
        if table.indent:
            first, column = self._open_item(len(table.indent), "- ", out)
            out.lines.append(first + (name or _EMPTY_ITEM))
            indent = " " * column
        else:
            if name:
                self._top_level(out, "paragraph", name)
            elif width and out.last == "paragraph":
                self._report_name_above(table, out)
            indent = ""
        if width == 0:
            out.diagnostics.append(
                Diagnostic("table-empty", table.line, "a table without rows is written as its name")
            )
            if not name and not table.indent:
                # An empty name: an empty line, which keeps the lines after it in place.
                out.lines.append("")
                out.last = "blank"
            return
        if name and (not is_table_name(table.name) or "://" in table.name):
            # A sentence, a long line or a URL above a table is read back as text before it.
            out.diagnostics.append(
                Diagnostic(
                    "table-name",
                    table.line,
                    f"the table name {table.name!r} is written as a line of text above the table",
                )
            )
        for index, row in enumerate(table.rows):
            if len(row) != width:
                out.diagnostics.append(
                    Diagnostic(
                        "table-cells",
                        table.line + index + 1,
                        f"a row of {len(row)} cells padded to {width}",
                    )
                )
        # A table needs a blank line before it here, and after it, or the next line would be
        # read as one more row.
        out.lines.append("")
        for index, row in enumerate(table.rows):
            cells = [self._cell(cell, table.line + index + 1, out) for cell in row]
            # Each row is a line of its own in the source.
            self._report_control(table.line + index + 1, out)
            cells += [""] * (width - len(cells))
            out.lines.append(indent + "| " + " | ".join(cells) + " |")
            if index == 0:
                delimiter_row = table.delimiter_row
                if not delimiter_row or _alignments(delimiter_row) != _padded(table, width):
                    delimiter_row = "|" + _delimiter_row(table.alignments, width)
                out.lines.append(indent + delimiter_row)
        out.lines.append("")
        # In a list, the items after the table go on in the same list.
        out.last = "list" if table.indent else "blank"
        out.last_solid = "list" if table.indent else "table"
        if not table.indent:
            out.levels.clear()

    def _report_name_above(self, table: Table, out: _Output) -> None:
        """Diagnostics for a table without a name right under a line of plain text, which
        reads back as its name (as the writer writes a name): the line and the table join."""
        above = self.previous
        match above:
            case Line(indent="", children=children) if children and all(
                isinstance(node, (Text, Dropped, Helpfeel)) for node in children
            ):
                # (Each written as text.)
                text = "".join(
                    f"? {node.text}" if isinstance(node, Helpfeel) else node.text  # type: ignore[union-attr]
                    for node in children
                )
            case Table(indent="", rows=(), name=name):
                # (A table without rows is written as its name.)
                text = name
            case _:
                return
        if not is_table_name(text):
            return
        for line in (above.line, table.line):
            out.diagnostics.append(
                Diagnostic(
                    "table-name",
                    line,
                    "a line of text right above a table without a name reads back as its name",
                )
            )

    def _cell(self, cell: Cell, line: int, out: _Output) -> str:
        self.in_table = True
        try:
            return self._inlines(cell, line, out, before=" ", after="", closed=True)
        finally:
            self.in_table = False

    # --- inline -------------------------------------------------------------------------------

    def _heading(self, children: tuple[Inline, ...], line: int, out: _Output) -> str | None:
        if len(children) != 1:
            return None
        node = children[0]
        if not isinstance(node, Decoration) or not node.stars:
            return None
        if node.stars > len(self.options.headings):
            out.diagnostics.append(
                Diagnostic(
                    "heading-size",
                    line,
                    f"a size-{node.stars} heading is shown at the level of size "
                    f"{len(self.options.headings)}",
                )
            )
        level = self.options.heading_level(node.stars)
        others = node.marks.replace("*", "")
        with self._inside("".join(_mark_characters(others, self.obsidian))):
            text = self._inlines(node.children, line, out, closed=not others)
        inner = self._decorated(others, text, line, out)
        # Markdown drops the spaces at a heading's ends: keep them as character references.
        core = inner.strip(" \t")
        start = inner.index(core) if core else len(inner)
        lead = character_references(inner[:start])
        trail = character_references(inner[start + len(core) :])
        closing = _CLOSING_SEQUENCE.search(core)
        if closing is not None:
            # A run of `#` at the end would be the heading's closing sequence, not shown.
            core = core[: closing.start(1)] + "\\" + core[closing.start(1) :]
        heading = "#" * level + " " + lead + core + trail
        if node.stars > len(self.options.headings):
            # The size goes into the closing sequence, which Markdown does not show.
            heading += " " + "#" * node.stars
        return heading

    def _inlines(
        self,
        nodes: tuple[Inline, ...],
        line: int,
        out: _Output,
        *,
        after_space: bool = True,
        before: str | None = "",
        after: str | None = "",
        closed: bool = False,
    ) -> str:
        """The Markdown of a run of nodes; `after_space` tells whether what stands before the
        run ends in a space (or the line starts there), `before` and `after` what is written
        around it, and `closed` whether the run ends its container (see `escape.Context`)."""
        if len(nodes) == 1 and nodes[0].__class__ is Text:
            # A line of text alone, the most common run.
            text = nodes[0].text
            if self.special(text) is None:
                return text
            return self._escape(text, before, after, closed=closed)
        if len(nodes) > 1 and nodes[0].__class__ is Helpfeel:
            # (Only a line break character, CR, U+2028 or U+2029, ends Helpfeel text early.)
            out.diagnostics.append(
                Diagnostic(
                    "control",
                    line,
                    "a line break character ends the Helpfeel text early: what follows it may "
                    "read back in another form",
                )
            )
        render = self._inline
        # Every node but text first, then the text, escaped knowing what stands around it.
        parts: list[str] = []
        append = parts.append
        texts: list[int] = []
        # Whether a node's Markdown depends on its neighbours (see below).
        sensitive = False
        special = self.special
        for node in nodes:
            cls = node.__class__
            if cls is Text:
                if special(node.text) is None:  # type: ignore[union-attr]
                    # Nothing in it to escape, wherever it stands.
                    append(node.text)  # type: ignore[union-attr]
                    continue
                texts.append(len(parts))
                append("")
            elif cls is UrlLink and node.form == "bare":  # type: ignore[union-attr]
                texts.append(len(parts))
                append("")
                self._check_url(node.url, line, out)  # type: ignore[union-attr]
            else:
                append(render(node, line, out))
                if not sensitive and (
                    cls in _NEIGHBOUR_SENSITIVE or (cls in _SIZED_CLASSES and node.strong)  # type: ignore[union-attr]
                ):
                    sensitive = True
        last = len(nodes) - 1
        for index in texts:
            node = nodes[index]
            previous = parts[index - 1][-2:] if index else before
            if index == last:
                following = after
            else:
                following = parts[index + 1][:1] or _first_character(nodes[index + 1])
            if isinstance(node, UrlLink):
                parts[index] = self._bare_url(node, previous, following)
            else:
                assert isinstance(node, Text)
                parts[index] = self._escape(
                    node.text, previous, following, closed=closed and index == last
                )
        if not sensitive:
            if len(parts) == 1:
                return parts[0]
            joined = "".join(parts)
            if "$" not in joined and "``" not in joined:
                # No closing `$` to keep from a digit, no code spans in a row (see below).
                return joined
        for index, node in enumerate(nodes):
            if index and parts[index - 1].endswith("`") and parts[index][:1] == "`":
                # Two code spans in a row would read as one run of backticks.
                parts[index] = "<!---->" + parts[index]
            if index and parts[index - 1].endswith("$") and parts[index][:1].isdigit():
                # `$x$1` is no formula: a closing `$` must not be followed by a digit. An
                # empty HTML comment, which renderers hide, keeps them apart.
                parts[index] = "<!---->" + parts[index]
            if index and node.__class__ is Blank and nodes[index - 1].__class__ is Blank:
                # `[ ][ ]`: the references of two blanks in a row would read as one blank.
                parts[index] = "<!---->" + parts[index]
            if not _neighbour_sensitive(node):
                continue
            if not isinstance(node, HashTag) and parts[index].lstrip(" \t")[:1] in "*_~":
                parts[index] = _flanked(parts, index, after_space, self.obsidian)
                previous_node = nodes[index - 1] if index else None
                if (
                    isinstance(previous_node, UrlLink)
                    and previous_node.form == "bare"
                    and parts[index].startswith(_INVISIBLE)
                ):
                    # A bare URL right before would read on into the reference.
                    parts[index - 1] = self._bare_url(
                        previous_node, parts[index - 2][-2:] if index > 1 else before, "&"
                    )
            if isinstance(node, HashTag) and parts[index].startswith("#"):
                before_tag = parts[index - 1][-1:] if index else (" " if after_space else "x")
                after_tag = parts[index + 1][:1] if index + 1 < len(parts) else ""
                if not before_tag.isspace() or _TAG_CHARACTER.match(after_tag):
                    # Obsidian would not see the tag here, or would read on into the next
                    # node: a link to the tag's page keeps the meaning.
                    out.diagnostics.append(
                        Diagnostic(
                            "tag", line, f"#{node.name} would not be a tag here: written as a link"
                        )
                    )
                    parts[index] = self._tag_link(node.name)
        return "".join(parts)

    def _check_url(self, url: str, line: int, out: _Output) -> None:
        if NOT_IN_AUTOLINK.search(url):
            out.diagnostics.append(
                Diagnostic(
                    "link",
                    line,
                    f"the URL {url!r} is written with its '<', '>' or controls percent-encoded",
                )
            )

    def _bare_url(self, link: UrlLink, before: str | None, after: str | None) -> str:
        """A bare URL: as it is where it reads as itself, else as an autolink, `<url>`, whose
        content is never markup."""
        url = link.url
        following = link.label[:1] or after
        if (
            _URL_TEXT.fullmatch(url)
            and (
                SPECIAL.search(url) is None
                or escape_inline(url, Context(self.obsidian, before, following), autolinks=False)
                == url
            )
            and (
                _obsidian_url_ends(url, following)
                if self.obsidian
                else _gfm_autolink_ends(url, before, following)
            )
        ):
            return url + self._escape(link.label, url[-1:], after)
        return autolink(url) + self._escape(link.label, ">", after)

    def _inline(self, node: Inline, line: int, out: _Output) -> str:
        # Cases in order of how common the nodes are.
        match node:
            case PageLink(destination="", path=False):
                return self._page_link(node.target, node.section, node.alias)
            case Icon(path=path, strong=strong, repeat=repeat):
                if not self.project and not path.startswith("/"):
                    out.diagnostics.append(
                        Diagnostic("icon-project", line, f"no project name for the icon {path}")
                    )
                    return self._escape(write_inline(node))
                icon = (
                    _icon_markdown(
                        path,
                        self.project,
                        "img" if node.tag else self.icon_form,
                        self.scrapbox_host,
                        self.obsidian,
                        repeat,
                        node.src,
                        node.alt,
                    )
                    * node.count
                )
                if self.in_table and self.obsidian and not node.tag and self.icon_form == "image":
                    # (Obsidian's size, `|20`, would end the table cell.)
                    icon = icon.replace("|20]", "\\|20]")
                if strong:
                    # Scrapbox's large icon: bold, which keeps it apart from a normal one.
                    out.diagnostics.append(
                        Diagnostic(
                            "icon-size", line, f"the large icon {path} is written at normal size"
                        )
                    )
                    return f"**{icon}**"
                return icon
            case PageLink(destination=destination, alias=alias) if destination:
                # A Markdown link to a note stays one.
                return f"[{self._escape(alias, label=True)}]({link_destination(destination)})"
            case PageLink(target=target, section=section, alias=alias, path=True):
                return self._note_link(target, section, alias)
            case Text(text=text) | Dropped(text=text):
                return self._escape(text)
            case Html(raw=raw):
                return raw
            case Callout(kind=kind, fold=fold):
                if self.obsidian:
                    return f"[!{kind}]{fold}"
                return f"**{self._escape(kind, '*', '*')}**"
            case Embed(target=target, size=size):
                if self.obsidian:
                    if not size:
                        return f"![[{target}]]"
                    # In a table cell the `|` must be escaped.
                    bar = "\\|" if self.in_table else "|"
                    return f"![[{target}{bar}{size}]]"
                destination = link_destination(path_segment(target))
                return f"![{self._escape(target, label=True)}]({destination})"
            case UrlLink(url=url, label=label, form=form):
                if form == "bare":
                    self._check_url(url, line, out)
                    return self._bare_url(node, None, None)
                if label.startswith("/") and url == self.scrapbox_host + scrapbox_path(label):
                    out.diagnostics.append(
                        Diagnostic(
                            "link", line, f"[{label} {url}] reads back as the link [{label}]"
                        )
                    )
                self._check_url(url, line, out)
                return self._url_link(node)
            case Image(src=src, link=link, strong=strong):
                # A space other than one between image and link goes into the alt text.
                alt = node.alt or (node.separator if link and node.separator != " " else "")
                image = f"![{self._escape(alt, label=True)}]({link_destination(src)})"
                if link:
                    image = f"[{image}]({link_destination(link)})"
                if strong:
                    # Scrapbox's large image: bold, which keeps it apart from a normal one.
                    out.diagnostics.append(
                        Diagnostic("image-size", line, "a large image is written at normal size")
                    )
                    return f"**{image}**"
                return image
            case Decoration(marks=marks, children=children, delimiter=delimiter):
                characters = _mark_characters(marks, self.obsidian, delimiter)
                # The innermost mark's delimiter stands around the text, or an HTML tag's `>`
                # and `<`.
                edge = characters[-1] if characters else ""
                with self._inside("".join(characters)):
                    inner = self._inlines(
                        children,
                        line,
                        out,
                        after_space=False,
                        before=edge or ">",
                        after=edge or "<",
                    )
                return self._decorated(marks, inner, line, out, delimiter)
            case Code(text=text):
                if not text:
                    # Markdown has no empty code span: `` would show as two backticks.
                    out.diagnostics.append(
                        Diagnostic("code", line, "an empty code span is left out")
                    )
                    return ""
                return _code_span(text)
            case HashTag(name=name):
                if not self.obsidian:
                    return self._escape("#" + name)
                if not OBSIDIAN_TAG.match(name):
                    out.diagnostics.append(
                        Diagnostic(
                            "tag", line, f"#{name} is not an Obsidian tag: written as a link"
                        )
                    )
                    return self._tag_link(name)
                return "#" + name
            case Quote(children=children):
                return ">" + self._inlines(children, line, out, after_space=False, before=">")
            case Formula():
                return self._formula(node, line, out)
            case Strong(children=children):
                with self._inside("*"):
                    inner = self._inlines(
                        children, line, out, after_space=False, before="*", after="*"
                    )
                return _emphasis("**", inner)
            case NumberList(numbers=numbers, children=children):
                prefix = "".join(f"{number}. " for number in numbers)
                return escape_line_start(prefix) + self._inlines(children, line, out)
            case CommandLine(symbol=symbol, text=text):
                # One backtick more than the code needs tells it from code that starts
                # with a prompt.
                return _code_span(f"{symbol} {text}", longer=True)
            case GoogleMap(coordinates=coordinates, place=place, separator=separator):
                if not place:
                    return f"[{self._escape(coordinates, label=True)}]({_map_url(node)})"
                # As for links: a separator other than one space stays at the label's edge.
                spacing = "" if separator == " " else separator
                if node.place_first:
                    return f"[{self._escape(place + spacing, label=True)}]({_map_url(node)})"
                return f"[{self._escape(spacing + place, label=True)}]({_map_url(node)})"
            case Blank(text=text):
                # Visible space, as Scrapbox shows it; plain spaces would collapse. Other
                # whitespace than a space is a hexadecimal reference, which tells it from
                # text written as references.
                return "".join(
                    "&nbsp;" if character == " " else f"&#x{ord(character):X};"
                    for character in text
                )
            case Helpfeel(text=text):
                return self._escape(f"? {text}")
        raise TypeError(f"not an inline node: {node!r}")

    def _formula(self, node: Formula, line: int, out: _Output) -> str:
        # Inline math must not start or end with a space (TeX ignores them anyway) nor hold
        # a `$`, which would end it.
        tex = node.tex.strip()
        if not tex:
            out.diagnostics.append(Diagnostic("formula", line, "an empty formula is left out"))
            return ""
        if tex != node.tex or node.spaced_close:
            out.diagnostics.append(
                Diagnostic("formula", line, "spaces around the formula's TeX are left out")
            )
        if "$" in tex:
            out.diagnostics.append(
                Diagnostic(
                    "formula", line, f"the formula {tex!r} cannot be inline math: written as code"
                )
            )
            return _code_span(tex)
        if not self.obsidian and _TEX_MARKUP.search(tex):
            # GitHub reads `$…$` as Markdown first, where `\`, `_` or `*` are markup; its
            # other form of inline math, $`…`$, keeps the TeX as it is.
            return f"${_code_span(tex)}$"
        return f"${tex}$"

    def _decorated(
        self, marks: str, inner: str, line: int, out: _Output, delimiter: str = ""
    ) -> str:
        """`inner` under the decoration `marks`; `delimiter`, `_`, for italics as written."""
        stars = marks.count("*")
        distinct = _distinct_marks(marks)
        if len(distinct) + stars - ("*" in distinct) < len(marks):
            out.diagnostics.append(
                Diagnostic(
                    "decoration", line, f"the repeated marks of [{marks} …] are written once"
                )
            )
        if not inner.strip() and ("/" in distinct or "-" in distinct or stars == 1):
            out.diagnostics.append(
                Diagnostic(
                    "decoration",
                    line,
                    f"[{marks} …] around whitespace only: Markdown has no emphasis of it",
                )
            )
        # The first mark is the outermost, so that the marks read back in their order.
        for mark in reversed(distinct):
            match mark:
                case "*" if stars > 1:
                    # Larger text, with the class Cosense gives it: bold, and a size a
                    # style sheet can show.
                    inner = f'<strong class="level-{stars}">{inner}</strong>'
                case "*":
                    # `__` for Scrapbox's bold (`[* x]`), since `**` is `[[x]]`.
                    inner = _emphasis("__", inner)
                case "/":
                    inner = _emphasis(delimiter or "*", inner)
                case "-":
                    inner = _emphasis("~~", inner)
                case "_":
                    inner = f"<u>{inner}</u>"
                case "+":
                    inner = f"=={inner}==" if self.obsidian else f"<mark>{inner}</mark>"
                case _:
                    inner = f'<span class="deco-{_attribute(mark)}">{inner}</span>'
        return inner

    def _note_link(self, target: str, section: str, alias: str) -> str:
        """A link read from Obsidian, to a note as Obsidian finds it: written as it was."""
        if self.obsidian:
            path = f"{target}#{section}" if section else target
            link = f"[[{path}|{alias}]]" if alias else f"[[{path}]]"
            return link.replace("|", "\\|") if self.in_table else link
        destination = path_segment(target + ".md") if target else ""
        if section:
            destination += "#" + path_segment(section)
        label = self._escape(alias or target or section, label=True)
        return f"[{label}]({link_destination(destination)})"

    def _filename(self, target: str) -> str:
        """The file name of the page a link goes to."""
        pages = self.options.pages
        found = pages.resolve(target) if pages is not None else None
        if found is None:
            return title_to_filename(target)
        # Obsidian finds a note whatever the case of the link: the link's own text then
        # names it, and needs no alias.
        return target if found.casefold() == target.casefold() else found

    def _tag_link(self, name: str) -> str:
        """A tag Obsidian would not read as one: a link to the tag's page that shows `#name`,
        as Scrapbox shows it."""
        filename = self._filename(name)
        if "[" in name or "]" in name:
            # (A wikilink cannot show a bracket: a Markdown link to the note.)
            return self._page_link(name, alias="#" + name)
        link = f"[[{filename}|#{name}]]"
        return link.replace("|", "\\|") if self.in_table else link

    def _page_link(self, target: str, section: str = "", alias: str = "") -> str:
        if target.startswith("/"):
            if self.project_folders is not None:
                vault_link = self._project_note_link(target, self.project_folders, alias)
                if vault_link is not None:
                    return vault_link
            url = self.options.scrapbox_host + scrapbox_path(target)
            return f"[{self._escape(alias or target, label=True)}]({link_destination(url)})"
        # A link to a line of a page goes to the page's note (Obsidian has no line ids),
        # showing the link as Scrapbox does.
        filename = self._filename(line_link(target)[0])
        if self.obsidian and not ("[" in target or "]" in target):
            # (A wikilink cannot show a bracket: a tag's name may hold one.)
            if filename.endswith(_MD_SUFFIXES):
                # Obsidian takes a link's `.md` for the note's own: `[[README.md]]` would go
                # to the note README.
                filename += ".md"
            path = f"{filename}#{section}" if section else filename
            shown = alias or (target if filename != target else "")
            link = f"[[{path}|{shown}]]" if shown else f"[[{path}]]"
            return link.replace("|", "\\|") if self.in_table else link
        destination = path_segment(filename + ".md") + (
            f"#{path_segment(section)}" if section else ""
        )
        return f"[{self._escape(alias or target, label=True)}]({link_destination(destination)})"

    def _url_link(self, link: UrlLink) -> str:
        """`[label](url)`, whichever side of the URL the label stood in Scrapbox (Cosense
        shows both alike). Whitespace other than one space between them stays in the
        label."""
        url, label, separator = link.url, link.label, link.separator
        title = _link_title(link.title) if link.title else ""
        if link.label_markdown:
            return f"[{link.label_markdown}]({link_destination(url)}{title})"
        if not label:
            return f"[{self._escape(url, label=True)}]({link_destination(url)})"
        spacing = "" if separator == " " else separator
        label = link.lead + label + spacing if link.form == "label_url" else spacing + label
        return f"[{self._escape(label, label=True)}]({link_destination(url)}{title})"

    def _project_note_link(self, target: str, folders: ProjectFolders, alias: str) -> str | None:
        """A link to a page of another project whose notes are a folder of the vault: to its
        note, showing the link as Scrapbox does (`[[villagepump/a b|/villagepump/a b]]`);
        None when the project has no folder."""
        note = folders.note(target)
        if note is None:
            return None
        shown = alias or target
        if self.obsidian and not ("[" in shown or "]" in shown):
            # (A wikilink cannot show a bracket.)
            link = f"[[{note}|{shown}]]"
            return link.replace("|", "\\|") if self.in_table else link
        return f"[{self._escape(shown, label=True)}]({folders.destination(target)})"


@functools.lru_cache(maxsize=4096)
def _icon_markdown(
    path: str,
    project: str,
    form: IconForm,
    host: str,
    obsidian: bool,
    repeat: str = "",
    src: str = "",
    alt: str = "",
) -> str:
    """One icon in Markdown; cached, since pages repeat the same few icons many times.

    Each copy of a repeated icon (`[name.icon*3]`) says `*3` in its alt text or label, which
    tells it from icons written one after another. `src` and `alt`: what an `<img>` tag read
    from Markdown had, written again as it was.
    """
    project, name = icon_page(path, project)
    url = f"{host}/api/pages/{path_segment(project)}/{path_segment(name)}/icon"
    match form:
        case "img":
            alt = _attribute(alt or (f"{path}.icon*{repeat}" if repeat else f"{path}.icon"))
            return f"<img src='{_attribute(src or url)}' alt='{alt}' height=\"19.5\"/>"
        case "image":
            alt = _label(f"{path}.icon*{repeat}" if repeat else f"{path}.icon", obsidian)
            # Obsidian shows an image at the width after `|`: an icon at text height.
            return f"![{alt}|20]({url})" if obsidian else f"![{alt}]({url})"
        case "embed":
            return f"![[{title_to_filename(name)}.icon.png]]"
        case "link":
            page = f"{host}/{path_segment(project)}/{path_segment(name)}"
            return f"[{_label(name + '.icon', obsidian)}]({page})"


def _label(text: str, obsidian: bool) -> str:
    """`text` escaped as a link's whole label."""
    return escape_inline(text, Context(obsidian, "[", "]", in_label=True, closed=True))


_DELIMITERS = {"left": " :--- |", "center": " :---: |", "right": " ---: |"}


def _delimiter_row(alignments: tuple[str, ...], width: int) -> str:
    cells = (alignments + ("",) * width)[:width]
    return "".join(_DELIMITERS.get(alignment, " --- |") for alignment in cells)


def _margin_column(
    margin: str | None, parents: list[tuple[int, int, bool]], sibling: tuple[int, int, bool] | None
) -> int | None:
    """The column of a list marker after `margin`, if it stands where it opens an item under
    `parents` (within the last one's content, short of code) and beside `sibling` (before its
    content); else None."""
    if margin is None:
        return None
    column = len(margin.expandtabs(4))
    start = parents[-1][1] if parents else 0
    if not start <= column < start + 4:
        return None
    if sibling is not None and column >= sibling[1]:
        return None
    return column


def _alignments(delimiter_row: str) -> tuple[str, ...]:
    """The column alignments a delimiter row as written gives, one a column."""
    cells = delimiter_row.strip(" \t").removeprefix("|").removesuffix("|").split("|")
    return tuple(
        {(True, True): "center", (True, False): "left", (False, True): "right"}.get(
            (cell.strip(" \t")[:1] == ":", cell.strip(" \t")[-1:] == ":"), ""
        )
        for cell in cells
    )


def _padded(table: Table, width: int) -> tuple[str, ...]:
    """The table's alignments, one for each of its `width` columns."""
    return (table.alignments + ("",) * width)[:width]


def _distinct_marks(marks: str) -> list[str]:
    """The marks to write, in order: each Markdown-styled mark once (`**` is a size, `//`
    no more italic than `/`), other marks as often as written (`[.. x]`)."""
    ordered: list[str] = []
    for mark in marks:
        if mark not in ordered or mark not in "*/-_+":
            ordered.append(mark)
    return ordered


# Nodes that are emphasis when large (written in bold).
_SIZED_CLASSES = frozenset((Icon, Image))


def _neighbour_sensitive(node: Inline) -> bool:
    """Whether a node's Markdown depends on its neighbours in a run: emphasis (bold images
    and icons too), tags and blanks."""
    cls = node.__class__
    if cls in _NEIGHBOUR_SENSITIVE:
        return True
    return cls in _SIZED_CLASSES and node.strong  # type: ignore[union-attr]


def _report_rule_icon(icon: Icon, line: int, out: _Output) -> None:
    """A `rule` diagnostic for a rule icon written as a thematic break, which reads back as
    the one icon `[/icons/hr.icon]`: any other, or a large or repeated one, changes."""
    if (icon.path, icon.repeat, icon.strong) != (_RULE_ICON, "", False):
        out.diagnostics.append(
            Diagnostic(
                "rule",
                line,
                f"{write_inline(icon)} is written as a thematic break, read back as "
                f"[{_RULE_ICON}.icon]",
            )
        )


_RULE_ICON = "/icons/hr"


def _unlike_empty(text: str) -> str:
    """The content of an item or a quote, which a blank alone would make read as the mark of
    an empty one (`&nbsp;`): an empty comment after the blank tells them apart."""
    return text + "<!---->" if text == _EMPTY_ITEM else text


def _link_title(title: str) -> str:
    escaped = title.replace("\\", "\\\\").replace('"', '\\"')
    return f' "{escaped}"'


def _emphasis(delimiters: str, inner: str) -> str:
    """`inner` between the opening `delimiters` and the same closing in reverse order.

    Emphasis cannot start or end with whitespace, so whitespace at its edges is written as
    character references, which Markdown does not see as spaces; text of whitespace only gets
    no emphasis.
    """
    core = inner.strip()
    if not delimiters or not core:
        return inner
    start = inner.index(core)
    lead = character_references(inner[:start])
    trail = character_references(inner[start + len(core) :])
    return f"{delimiters}{lead}{core}{trail}{delimiters[::-1]}"


def _flanked(parts: list[str], index: int, after_space: bool, obsidian: bool) -> str:
    """The emphasis run `parts[index]`, made to open and close where it stands.

    CommonMark lets `**` open only where it is left-flanking and close where right-flanking,
    which fails between a letter and punctuation: `という**[[x]]**のこと` shows its asterisks;
    `__` moreover neither opens nor closes between two letters.
    Japanese text has no spaces to help, so an invisible character reference (a punctuation
    character in the source) is put on the side that needs it.
    """
    part = parts[index]
    body = part.strip(" \t")
    lead = part[: part.index(body)] if body else part
    trail = part[len(lead) + len(body) :]
    mark = body[:1]
    opening = len(body) - len(body.lstrip(mark))
    closing = len(body) - len(body.rstrip(mark))
    if not mark or opening >= len(body):
        return part
    # Outside a run nested in another, its neighbours are the outer run's delimiters.
    edge = "" if after_space else mark
    neighbour_before = lead[-1:] or (_edge_character(parts[index - 1], -1) if index else "")
    neighbour_after = trail[:1] or (
        _edge_character(parts[index + 1], 0) if index + 1 < len(parts) else ""
    )
    before = neighbour_before or edge
    after = neighbour_after or edge
    # Next to the same delimiter character (`**a****b**`), the two runs would be one; an
    # escaped one (`\*`) is text.
    joins_before = neighbour_before == mark and not (
        index and not lead and parts[index - 1].endswith("\\" + mark)
    )
    # GitHub's renderer pairs neither `__` nor `~~` right next to the other from outside
    # (`__b__~~c~~`), though CommonMark's rules would.
    clash = "" if obsidian else _GFM_CLASHES.get(mark, "")
    if (
        not _can_open(mark, before, body[opening], obsidian)
        or joins_before
        or (clash and neighbour_before == clash)
    ):
        body = _INVISIBLE + body
    if (
        not _can_close(mark, body[-closing - 1], after, obsidian)
        or neighbour_after == body[-1]
        or (clash and neighbour_after == clash)
    ):
        body += _INVISIBLE
    return lead + body + trail


_GFM_CLASHES = {"_": "~", "~": "_"}


def _edge_character(part: str, side: int) -> str:
    """The character of `part` next to an emphasis run; a wikilink counts as a letter, since
    a renderer may read it before the emphasis."""
    if (side == 0 and part.startswith("[[")) or (side == -1 and part.endswith("]]")):
        return "a"
    return part[side] if part else ""


def _can_open(mark: str, before: str, after: str, obsidian: bool) -> bool:
    if not _left_flanking(before, after, obsidian):
        return False
    # `_` opens inside a word only after punctuation.
    return (
        mark != "_"
        or not _right_flanking(before, after, obsidian)
        or is_punctuation(before, obsidian)
    )


def _can_close(mark: str, before: str, after: str, obsidian: bool) -> bool:
    if not _right_flanking(before, after, obsidian):
        return False
    return (
        mark != "_"
        or not _left_flanking(before, after, obsidian)
        or is_punctuation(after, obsidian)
    )


def _left_flanking(before: str, after: str, obsidian: bool) -> bool:
    if not after or is_whitespace(after):
        return False
    return (
        not is_punctuation(after, obsidian)
        or not before
        or is_whitespace(before)
        or is_punctuation(before, obsidian)
    )


def _right_flanking(before: str, after: str, obsidian: bool) -> bool:
    if not before or is_whitespace(before):
        return False
    return (
        not is_punctuation(before, obsidian)
        or not after
        or is_whitespace(after)
        or is_punctuation(after, obsidian)
    )


def _starts_with_html(block: Block | None) -> bool:
    """Whether `block` is a line that goes on with an item and starts with Markdown read from
    Markdown (a line of an HTML block)."""
    return (
        isinstance(block, Line)
        and block.continued
        and bool(block.children)
        and isinstance(block.children[0], Html)
    )


def _is_lone_tag(text: str) -> bool:
    # (An icon alone on a line is one tag.)
    return text[:1] == "<" and LONE_TAG.fullmatch(text) is not None


def _keep_tags_inline(out: _Output) -> None:
    """End each line that is one tag with an empty comment, which renderers hide, where the
    line after it would be taken into the HTML block the tag starts (it is not empty and
    belongs to the same block: indented to its content): so that line stays Markdown."""
    for index, column, end in out.lone_tags:
        following = out.lines[index + 1] if index + 1 < len(out.lines) else ""
        if following.strip() and len(following) - len(following.lstrip(" ")) >= column:
            # (Right after the tag: the plain flavor may have ended the line with a `\`.)
            line = out.lines[index]
            out.lines[index] = line[:end] + "<!---->" + line[end:]


def _mark_characters(marks: str, obsidian: bool, italic: str = "") -> list[str]:
    """The delimiter character of the Markdown `_decorated` writes for each of `marks`,
    outermost first; "" for a mark written as an HTML tag."""
    stars = marks.count("*")
    found = []
    for mark in _distinct_marks(marks):
        match mark:
            case "*" if stars == 1:
                found.append("_")
            case "/":
                found.append(italic or "*")
            case "-":
                found.append("~")
            case "+" if obsidian:
                found.append("=")
            case _:
                found.append("")
    return found


def _first_character(node: Inline) -> str:
    """The first character a text or a bare URL is written with (before any escape)."""
    if isinstance(node, Text):
        text = node.text
        if CONTROL.match(text):
            # Left out: the first character written is the one after.
            text = CONTROL.sub("", text)
        # A carriage return or form feed is written as a character reference.
        return "&" if text[:1] in ("\r", "\f") else text[:1]
    if isinstance(node, UrlLink):
        return node.url[:1]
    return ""


def _gfm_autolink_ends(url: str, before: str | None, after: str | None) -> bool:
    """Whether GitHub's autolinking reads a bare `url` whole and no further: it starts a link
    only at a line's start, after a space or after `*`, `_`, `~` or `(`; it takes in
    everything up to ASCII whitespace or `<`; and it leaves trailing punctuation out."""
    if before is None or after is None:
        return False
    if before and before[-1] not in " \t*_~(":
        return False
    if after and after not in " \t<":
        return False
    return url[-1] not in "?!.,:*_~'\";)"


def _obsidian_url_ends(url: str, after: str | None) -> bool:
    """Whether the Obsidian flavor reads a bare `url` whole and no further (`BARE_URL`)."""
    # (The reader leaves out a `)` that closes no `(` of the URL, so one after the URL, as
    # around a URL in parentheses, ends it; the writer sees one character ahead only.)
    balanced = url.count(")") <= url.count("(")
    if after is None or (
        after and URL_STOP.match(after) is None and not (after == ")" and balanced)
    ):
        return False
    unbalanced = url.endswith(")") and not balanced
    return not unbalanced and _OBSIDIAN_URL.fullmatch(url) is not None


def _map_url(node: GoogleMap) -> str:
    latitude, longitude, *rest = node.coordinates.split(",")
    at = f"@{_signed(latitude)},{_signed(longitude)}" + (f",{rest[0][1:]}z" if rest else "")
    if node.place:
        place = quote(node.place, safe="-_.!~*'()", errors="surrogatepass")
        return f"https://www.google.com/maps/place/{place}/{at}"
    return f"https://www.google.com/maps/{at}"


def _signed(coordinate: str) -> str:
    sign = "-" if coordinate[0] in "SW" else ""
    return sign + coordinate[1:]


def _attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("'", "&#39;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _code_span(text: str, *, longer: bool = False) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 2 if longer else longest + 1)
    # Markdown takes one space off each end of a code span that starts and ends with one.
    pad = (
        " "
        if text[:1] == "`" or text[-1:] == "`" or (text[:1] == text[-1:] == " " and text.strip(" "))
        else ""
    )
    return f"{fence}{pad}{text}{pad}{fence}"
