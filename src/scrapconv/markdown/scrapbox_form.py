"""A note read from Markdown, in the forms a Scrapbox page shows it as Obsidian did.

The Markdown reader keeps a note as it was written, so that Markdown written from the tree
gives the note back. A Scrapbox page needs some of it in other forms, which this pass makes
before the Scrapbox writer runs (docs/markdown-input.md says what each one becomes):

* a quote or callout is read again without its `>`, so that its lists, code and nested
  quotes are Scrapbox structure: quote lines at their depth, code blocks at their indent;
* footnotes become numbered references, their notes gathered at the end of the page;
* comments (`%%…%%`) and block ids (`^id`) are left out, task boxes become ☐ and ☑;
* display math becomes a formula line, a table without a name takes the heading above it;
* attachments (images and other files of the vault) become links to their names, or
  images and links at `asset_url/<path>` when the attachments are on the web;
* an author's empty line after a list, quote or table, which the reader takes for the one
  the Markdown writer adds there, is an empty line of the page again (a note whose front
  matter is the one scrapconv writes keeps the reader's count).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from ..ast import (
    HEADING_STARS,
    Block,
    Callout,
    Code,
    CodeBlock,
    Decoration,
    Document,
    Embed,
    Formula,
    Heading,
    Html,
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
from .frontmatter import front_matter
from .reader import Flavor, read_markdown_blocks

__all__ = ["scrapbox_form"]

# What Obsidian embeds as an image, and the other files it embeds (audio, video, PDF).
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "svg", "webp", "avif"})
_FILE_EXTENSIONS = frozenset(
    {"mp3", "webm", "wav", "m4a", "ogg", "3gp", "flac", "mp4", "ogv", "mov", "mkv", "pdf"}
)
# One level of quote marker: up to three spaces, `>`, and one space or tab after it.
_QUOTE_MARKER = re.compile(r"[ ]{0,3}>[ \t]?")
_QUOTE_SPACING = re.compile(r"[ ]{0,3}>([ \t]*)")
# What stands before a quote's `>` in a list item: the margin, and the item's markers.
_ITEM_START = re.compile(r"[ \t]*(?:(?:[-*+]|[0-9]{1,9}[.)])[ \t]+)*")
_BLOCK_ID = re.compile(r"(?:^|[ \t])\^[A-Za-z0-9-]+[ \t]*$")
# (Possessive: the space after `>` is not tried as the next marker's, which would take time
# exponential in the markers of a line that is no definition.)
_FOOTNOTE_DEFINITION = re.compile(r"^(?:[ ]{0,3}>[ \t]?)*+[ ]{0,3}\[\^([^\]\s]+)\]:", re.MULTILINE)
_TASK = re.compile(r"\[([ xX])\](?:[ \t]|$)")
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_TABLE_NAME = "table"
# The fields scrapconv writes into a note's front matter besides the title (a vault's).
_OWN_FIELDS = frozenset({"project", "created", "updated", "aliases"})
# How deep quotes are read again: each level reads its text once more, so a megabyte of
# `> > > …` takes time linear in its size; deeper quotes stay the lines the reader made.
_QUOTE_DEPTH = 8


def scrapbox_form(
    document: Document,
    text: str,
    *,
    flavor: Flavor = "obsidian",
    project: str = "",
    asset_url: str = "",
    attachment_path: Callable[[str], str] | None = None,
) -> tuple[Document, tuple[Diagnostic, ...]]:
    """`document`, read from the Markdown `text`, in the forms of a Scrapbox page; and the
    diagnostics of what is left out (comments; attachments that stay links).

    `asset_url` is where the vault's attachments are on the web (`URL/<path>`), or "";
    `attachment_path` gives the path in the vault of an attachment a note names (its name as
    written when not given)."""
    marks = _Marks.of(text, flavor)
    authored = not _written_by_scrapconv(document, text)
    # The source rows, which only quotes (read again), comments (their ends) and an
    # author's empty lines look at.
    rows = text.split("\n") if ">" in text or marks.comments or authored else []
    if "\r" in text:
        rows = [row[:-1] if row.endswith("\r") else row for row in rows]
    shaper = _Shaper(
        flavor,
        project,
        asset_url.rstrip("/"),
        attachment_path or (lambda name: name),
        frozenset(_FOOTNOTE_DEFINITION.findall(text)) if "[^" in text else frozenset(),
        marks,
        authored,
    )
    blocks = shaper.blocks(document.blocks, _Rows(rows, 0))
    blocks.extend(shaper.notes(after_empty_line=bool(blocks) and _is_empty(blocks[-1])))
    if shaper.comments:
        shaper.diagnostics.append(
            Diagnostic(
                "comment",
                shaper.comments[0],
                f"{_count(len(shaper.comments), 'comment')} left out, as Obsidian hides them "
                f"(lines {', '.join(map(str, shaper.comments[:10]))}"
                f"{', …' if len(shaper.comments) > 10 else ''})",
            )
        )
    shaper.diagnostics.sort(key=lambda diagnostic: diagnostic.line)
    return dataclasses.replace(document, blocks=tuple(blocks)), tuple(shaper.diagnostics)


@dataclass(frozen=True, slots=True)
class _Rows:
    """The source rows a level of blocks was read from: line `n` of the note is `rows[n - 1 -
    offset]` (a quote's rows, its `>` taken away, start further down the note)."""

    rows: list[str]
    offset: int

    def at(self, line: int) -> str | None:
        index = line - 1 - self.offset
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def blank(self, line: int) -> bool:
        row = self.at(line)
        return row is not None and not row.strip(" \t")


@dataclass(frozen=True, slots=True)
class _Marks:
    """What a note's text can hold that this pass changes, told by the characters it holds:
    a note without them has its lines passed over as they are."""

    comments: bool
    footnotes: bool
    block_ids: bool
    math: bool
    tasks: bool
    # Whether inline nodes may change (comments, footnotes, attachments), and lines at all.
    inlines: bool
    lines: bool

    @classmethod
    def of(cls, text: str, flavor: Flavor) -> _Marks:
        comments = flavor == "obsidian" and "%%" in text
        footnotes = "[^" in text or "^[" in text
        block_ids = "^" in text
        tasks = "[ ]" in text or "[x]" in text or "[X]" in text
        inlines = comments or footnotes or "![" in text
        lines = inlines or tasks or block_ids
        return cls(comments, footnotes, block_ids, "$$" in text, tasks, inlines, lines)


@dataclass
class _Shaper:
    flavor: Flavor
    project: str
    asset_url: str
    attachment_path: Callable[[str], str]
    defined_notes: frozenset[str]
    marks: _Marks
    # Whether every empty row between blocks is an empty line of the page (see
    # `_written_by_scrapconv`).
    authored: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # How many quotes the blocks being shaped are in.
    depth: int = 0
    # Lines of the comments left out, for one diagnostic.
    comments: list[int] = field(default_factory=list)
    # Footnotes by label, in the order of their first reference: their numbers.
    numbers: dict[str, int] = field(default_factory=dict)
    # Each footnote's text and line, by label (`[^label]: text`, or `^[text]`).
    texts: dict[str, tuple[tuple[Inline, ...], int]] = field(default_factory=dict)

    def blocks(self, blocks: tuple[Block, ...], rows: _Rows) -> list[Block]:
        marks = self.marks
        if self.authored:
            blocks = _with_empty_rows(blocks, rows)
        result: list[Block] = []
        heading = ""
        in_comment = False
        index = 0
        while index < len(blocks):
            block = blocks[index]
            index += 1
            if marks.comments:
                row = rows.at(block.line) or ""
                if in_comment:
                    # A comment over several lines hides every block up to its end.
                    in_comment = not (isinstance(block, Line) and "%%" in row)
                    continue
                if "%%" in row and isinstance(block, Line) and _opens_comment(row):
                    self.comments.append(block.line)
                    in_comment = True
                    continue
            if block.__class__ is not Line:
                if isinstance(block, Heading):
                    heading = _plain_text(block.children)
                result.append(self.block(block, heading))
                continue
            children = block.children
            if children and children[0].__class__ is Quote and self.depth < _QUOTE_DEPTH:
                end = index
                indent = block.indent
                if indent:
                    # A quote in a list item: its lines are the item's.
                    while end < len(blocks) and _goes_on_with_item_quote(blocks[end], indent):
                        end += 1
                else:
                    while end < len(blocks) and _goes_on_with_quote(blocks[end]):
                        end += 1
                result.extend(self.quote(blocks[index - 1 : end], rows, indent))
                index = end
                continue
            if (marks.block_ids and _dropped_line(block)) or (
                marks.footnotes and self.footnote_definition(block)
            ):
                continue
            if marks.math and _is_math_fence(block):
                closing = next(
                    (at for at in range(index, len(blocks)) if _is_math_fence(blocks[at])), None
                )
                if closing is not None:
                    result.append(_display_math(blocks[index:closing], block.line))
                    index = closing + 1
                    continue
            result.append(self.block(block, heading) if marks.lines else block)
        return result

    def block(self, block: Block, heading: str) -> Block:
        match block:
            case Line(indent=indent, children=children, line=line):
                shaped = self.inlines(children, line) if self.marks.inlines else children
                if indent and self.marks.tasks:
                    shaped = _task_box(shaped)
                if self.marks.block_ids:
                    shaped = _without_block_id(shaped)
                # (Most lines have nothing to change: no copy of them.)
                return block if shaped is children else dataclasses.replace(block, children=shaped)
            case Heading(children=children, line=line):
                shaped = self.inlines(children, line)
                return block if shaped is children else dataclasses.replace(block, children=shaped)
            case Table(rows=table_rows, name=name, line=line):
                rows = tuple(
                    tuple(self.inlines(cell, line + number) for cell in cells)
                    for number, cells in enumerate(table_rows)
                )
                return dataclasses.replace(
                    block, rows=rows, name=name or heading.strip() or _TABLE_NAME
                )
        return block

    def quote(self, run: Sequence[Block], rows: _Rows, indent: str) -> list[Block]:
        """A quote's lines, read again without their `>`: quote lines at the depth of their
        list items (a nested quote one deeper), code blocks and tables at their indent, all
        at the depth of the list item the quote is in (`indent`); a callout's first line is
        its title line."""
        first, last = run[0], run[-1]
        result: list[Block] = []
        offset = first.line - 1
        if _is_callout(first):
            result.append(self.block(first, ""))
            run, offset = run[1:], offset + 1
        if not any(_holds_blocks(block) for block in run):
            # Lines of text only (most quotes): the quote lines as they are, spacing and all.
            result.extend(self.block(block, "") for block in run)
            return result
        quoted = [rows.at(line) or "" for line in range(offset + 1, last.line + 1)]
        if indent:
            # (Without the item's margin and markers before the `>`.)
            quoted = [_after_item_start(row) for row in quoted]
        body = [_unquoted(row) for row in quoted]
        inner = tuple(
            _shifted(block, offset)
            for block in read_markdown_blocks("\n".join(body), self.flavor, project=self.project)
        )
        if not body or not inner:
            return result
        self.depth += 1
        shaped = self.blocks(inner, _Rows(body, offset))
        self.depth -= 1
        # A line of text keeps the spacing after its `>`.
        for block in shaped:
            at = block.line - offset - 1
            block = _quoted(block, _spacing(quoted[at] if 0 <= at < len(quoted) else ""))
            result.append(
                dataclasses.replace(block, indent=indent + block.indent) if indent else block
            )
        return result

    def inlines(self, nodes: tuple[Inline, ...], line: int) -> tuple[Inline, ...]:
        """The nodes in Scrapbox's forms: `nodes` itself when none changes."""
        for node in nodes:
            if node.__class__ not in _KEPT:
                break
        else:
            return nodes
        result: list[Inline] = []
        for node in nodes:
            match node:
                case Html(raw=raw) if raw.startswith("%%") and raw.endswith("%%"):
                    self.comments.append(line)
                case Html(raw=raw) if raw.startswith("[^") and raw[2:-1] in self.defined_notes:
                    result.append(Text(self.reference(raw[2:-1])))
                case Html(raw=raw) if raw.startswith("^[") and raw.endswith("]"):
                    label = f"^{len(self.texts)}"
                    self.texts[label] = (self.read_inline(raw[2:-1]), line)
                    result.append(Text(self.reference(label)))
                case Embed():
                    result.append(self.embed(node, line))
                case Image(src=src) if not src[:8].lower().startswith(("http://", "https://")):
                    # (Without Obsidian's `#part` of the file.)
                    result.append(self.attachment(unquote(src.partition("#")[0]), line, True))
                case (
                    Decoration(children=children)
                    | Strong(children=children)
                    | Quote(children=children)
                    | NumberList(children=children)
                ):
                    shaped = self.inlines(children, line)
                    result.append(
                        node if shaped is children else dataclasses.replace(node, children=shaped)
                    )
                case _:
                    result.append(node)
        return tuple(result) if result != list(nodes) else nodes

    def read_inline(self, text: str) -> tuple[Inline, ...]:
        blocks = read_markdown_blocks(text, self.flavor, project=self.project)
        first = blocks[0] if blocks else None
        return first.children if isinstance(first, Line) else (Text(text),)

    def reference(self, label: str) -> str:
        number = self.numbers.setdefault(label, len(self.numbers) + 1)
        return str(number).translate(_SUPERSCRIPTS)

    def footnote_definition(self, line: Line) -> bool:
        """Take `[^label]: text` out of the page for its notes; whether `line` was one."""
        match line.children:
            case (Html(raw=raw), Text(text=text), *rest) if (
                not line.indent and raw.startswith("[^") and text.startswith(":")
            ):
                label = raw[2:-1]
                if label not in self.defined_notes:
                    return False
                after = text[1:].lstrip(" \t")
                children = ((Text(after),) if after else ()) + tuple(rest)
                self.texts[label] = (children, line.line)
                return True
        return False

    def notes(self, *, after_empty_line: bool) -> list[Block]:
        """The footnotes at the end of the page, in the order of their numbers, after an
        empty line: `¹ text`."""
        notes: list[Block] = []
        labels = list(self.numbers)
        # (A note may refer to a further note, which gets the next number and its line too.)
        for label in labels:
            children, line = self.texts.get(label, ((), 0))
            mark = Text(self.reference(label) + " ")
            count = len(self.numbers)
            notes.append(Line("", (mark, *self.inlines(children, line)), line))
            if len(self.numbers) > count:
                labels.extend(list(self.numbers)[count:])
        if not notes or after_empty_line:
            return notes
        return [Line("", ()), *notes]

    def embed(self, node: Embed, line: int) -> Inline:
        target = node.target.partition("#")[0]
        extension = target.rpartition(".")[2].lower() if "." in target else ""
        if extension in IMAGE_EXTENSIONS or extension in _FILE_EXTENSIONS:
            return self.attachment(target, line, extension in IMAGE_EXTENSIONS)
        return node

    def attachment(self, name: str, line: int, image: bool) -> Inline:
        """A file of the vault: an image or a link at `asset_url`, else a link to a page of
        its name (reported)."""
        if self.asset_url:
            url = f"{self.asset_url}/{quote(self.attachment_path(name))}"
            return Image(url) if image else UrlLink(url, name.rpartition("/")[2], "url_label")
        message = (
            f"the {'image' if image else 'file'} {name!r} of the vault is written as a link to "
            "its name (--asset-url makes it a link to where the vault's files are)"
        )
        self.diagnostics.append(
            Diagnostic("image-local", line, message)
            if image
            else Diagnostic("embed", line, message)
        )
        return PageLink(name)


# The inline nodes this pass never changes, nor looks into.
_KEPT = frozenset({Text, Code, PageLink, UrlLink, Formula, Callout})


def _written_by_scrapconv(document: Document, text: str) -> bool:
    """Whether a note's front matter is the one scrapconv writes (its title first, as it
    writes a title, then fields of its own only): then the first empty line after a list,
    quote or table is the one the Markdown writer adds there, which the page does not have,
    and the reader has left it out. In an author's note that empty line is the author's."""
    if document.title is None or any(field.key not in _OWN_FIELDS for field in document.meta):
        return False
    # (The title's block without its closing `---`.)
    if not document.front_matter.startswith(front_matter(document.title)[:-4]):
        return False
    # The reference pipeline quotes a title that holds `"` as scrapconv does, but always
    # writes an empty row after its front matter (for the title line); scrapconv writes one
    # only for a page's empty second line, and records the project in a vault.
    if document.meta or '"' not in document.title:
        return True
    end = document.front_matter.count("\n")
    rows = text.split("\n", end + 1)
    return len(rows) <= end or bool(rows[end].strip(" \t\r"))


def _with_empty_rows(blocks: tuple[Block, ...], rows: _Rows) -> tuple[Block, ...]:
    """`blocks` with an empty line for each empty row the reader left out: the one after a
    list, quote or table, before a table or a numbered list that cannot interrupt text.
    Every other empty row is a block of its own, and no block ends with an empty row. (Not
    above a block id alone on its line: Markdown needs that row to keep the id off the list,
    table or quote it names, and the id is left out.)"""
    lines = [block.line for block in blocks]
    # The blocks with rows above them that the block before does not start on: after a block
    # of several rows, or where the reader left out an empty row (few in a note).
    gaps = [
        index
        for index, (above, line) in enumerate(zip([0, *lines], lines, strict=False))
        if line - above > 1
    ]
    if not gaps:
        return blocks
    result: list[Block] = []
    start = 0
    for index in gaps:
        line = lines[index]
        if not rows.blank(line - 1) or _dropped_line(blocks[index]):
            continue
        result.extend(blocks[start:index])
        start = index
        above = lines[index - 1] if index else 0
        empty = line - 1
        while empty - 1 > above and rows.blank(empty - 1):
            empty -= 1
        result.extend(Line("", (), number) for number in range(empty, line))
    result.extend(blocks[start:])
    return tuple(result) if len(result) > len(blocks) else blocks


def _holds_blocks(block: Block) -> bool:
    """Whether a line of a quote holds more than text: a list item, fence, table row, heading
    or nested quote (kept as its Markdown marker), or it is a lazy line."""
    match block:
        case Line(children=(Quote(children=children), *_)):
            return any(isinstance(node, Html) for node in children[:2])
    return True


def _spacing(row: str) -> str:
    """The whitespace after the `>` of a quote's row (" " for a lazy line, which has none)."""
    marker = _QUOTE_SPACING.match(row)
    return marker[1] if marker else " "


def _opens_comment(row: str) -> bool:
    """Whether a row starts a comment that goes on over the lines below."""
    return row.lstrip(" \t").startswith("%%") and row.count("%%") % 2 == 1


def _dropped_line(block: Block) -> bool:
    """A line that is only a block id (`^id` under a paragraph, list or table): an anchor,
    no text."""
    match block:
        case Line(children=(Text(text=text),)):
            return _BLOCK_ID.fullmatch(text.strip(" \t")) is not None
    return False


def _is_empty(block: Block) -> bool:
    return isinstance(block, Line) and not block.indent and not block.children


def _is_quote_line(block: Block) -> bool:
    return (
        isinstance(block, Line)
        and not block.indent
        and bool(block.children)
        and isinstance(block.children[0], Quote)
    )


def _is_callout(block: Block) -> bool:
    match block:
        case Line(children=(Quote(children=children), *_)):
            return any(isinstance(node, Callout) for node in children)
    return False


def _goes_on_with_quote(block: Block) -> bool:
    """A quote line, or a lazy line that goes on with the quote's paragraph."""
    return _is_quote_line(block) or (
        isinstance(block, Line) and block.continued and not block.indent
    )


def _goes_on_with_item_quote(block: Block, indent: str) -> bool:
    """A quote line further down the list item of a quote's first line (at `indent`)."""
    return (
        isinstance(block, Line)
        and block.continued
        and block.indent == indent
        and bool(block.children)
        and isinstance(block.children[0], Quote)
    )


def _after_item_start(row: str) -> str:
    found = _ITEM_START.match(row)
    return row[found.end() :] if found else row


def _unquoted(row: str) -> str:
    marker = _QUOTE_MARKER.match(row)
    return row[marker.end() :] if marker else row


def _shifted(block: Block, offset: int) -> Block:
    return dataclasses.replace(block, line=block.line + offset) if block.line else block


def _quoted(block: Block, spacing: str = " ") -> Block:
    """A block of a quote's text in the quote: a line as a quote line at its depth (a line of
    a nested quote one deeper), a heading as a bold quote line; code and tables as they are.
    `spacing` is what follows `>` on a line of text."""
    match block:
        case Line(indent=indent, children=(Quote(), *_)):
            return dataclasses.replace(block, indent=" " + indent, continued=False)
        case Line(indent=indent, children=children):
            space = spacing if not indent else " "
            body = _join_space(space, children) if children else ()
            return dataclasses.replace(block, children=(Quote(body),), continued=False)
        case Heading(level=level, children=children, indent=indent, line=line):
            bold = Decoration("*" * HEADING_STARS.get(level, 1), children)
            return Line(indent, (Quote((Text(" "), bold)),), line)
    return block


def _join_space(space: str, children: tuple[Inline, ...]) -> tuple[Inline, ...]:
    if not space:
        return children
    if isinstance(children[0], Text):
        return (Text(space + children[0].text), *children[1:])
    return (Text(space), *children)


def _is_math_fence(block: Block) -> bool:
    match block:
        case Line(indent="", children=(Html(raw=raw),)):
            return raw.strip(" \t") == "$$"
    return False


def _display_math(blocks: tuple[Block, ...], line: int) -> Block:
    """Display math: one formula line; a code block `tex` when the TeX holds `]`, which would
    end Scrapbox's formula."""
    lines = tuple(
        block.children[0].raw
        for block in blocks
        if isinstance(block, Line) and block.children and isinstance(block.children[0], Html)
    )
    tex = " ".join(part.strip(" \t") for part in lines if part.strip(" \t"))
    if "]" in tex or not tex:
        return CodeBlock("", "tex", lines, line=line)
    return Line("", (Formula(tex),), line)


def _task_box(children: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """A task list item's box, `[ ]` or `[x]`, as ☐ or ☑ (Scrapbox would read `[x]` as a link
    to the page `x`)."""
    match children:
        case (Text(text=text), *rest) if (task := _TASK.match(text)) is not None:
            box = "☐" if task[1] == " " else "☑"
            return (Text(box + text[3:]), *rest)
    return children


def _without_block_id(children: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """A line without the block id at its end (`text ^id`)."""
    match children:
        case (*rest, Text(text=text)) if "^" in text:
            kept, space, last = text.rstrip(" \t").rpartition(" ")
            if _BLOCK_ID.fullmatch(space + last) is None:
                return children
            return (*rest, Text(kept)) if kept else tuple(rest)
    return children


def _plain_text(nodes: tuple[Inline, ...]) -> str:
    parts: list[str] = []
    for node in nodes:
        match node:
            case Text(text=text) | Code(text=text):
                parts.append(text)
            case PageLink(target=target, alias=alias):
                parts.append(alias or target)
            case Decoration(children=children) | Strong(children=children):
                parts.append(_plain_text(children))
    return "".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
