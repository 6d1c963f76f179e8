"""Document → Obsidian or plain Markdown: one writer, two flavors.

Each Scrapbox line becomes one Markdown line: a paragraph line at depth 0, a list item at
depth n. Markdown joins what Scrapbox keeps apart (a paragraph after a list or a quote, lines
of a paragraph in plain renderers), so the writer adds the separation Markdown needs and
reports, as diagnostics, everything it cannot say in Markdown.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from ..ast import (
    Blank,
    Code,
    CodeBlock,
    CommandLine,
    Decoration,
    Document,
    Dropped,
    Formula,
    GoogleMap,
    HashTag,
    Helpfeel,
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
from ..scrapbox.writer import write_inline
from .escape import escape_inline, escape_line_start
from .frontmatter import front_matter

Flavor = Literal["obsidian", "markdown"]
IconForm = Literal["img", "image", "embed", "link"]
Compat = Literal["faithful", "reference"]


@dataclass(frozen=True, slots=True)
class MarkdownOptions:
    """How to write Markdown.

    * `flavor`: `obsidian` (wikilinks, tags, highlights) or `markdown` (portable GFM).
    * `project`: the Scrapbox project, for the URLs of its icons.
    * `icons`: `img` (an `<img>` tag at text height, as the reference converter writes),
      `image` (a Markdown image), `embed` (an Obsidian embed of a local `NAME.icon.png`) or
      `link` (a link to the icon's page).
    * `headings`: the heading level for a line that is only a `[* ]`, `[** ]`, … decoration,
      by number of asterisks; counts beyond the last entry take the last entry's level.
    * `scrapbox_host`: where links to Scrapbox pages and icons point.
    """

    flavor: Flavor = "obsidian"
    project: str = ""
    icons: IconForm | None = None
    headings: tuple[int, ...] = (3, 2, 1)
    scrapbox_host: str = "https://scrapbox.io"
    compat: Compat = "faithful"

    @property
    def icon_form(self) -> IconForm:
        if self.icons is not None:
            return self.icons
        return "img" if self.flavor == "obsidian" else "image"

    def __post_init__(self) -> None:
        if not self.headings or not all(1 <= level <= 6 for level in self.headings):
            raise ValueError(f"headings must be levels from 1 to 6, not {self.headings!r}")

    def heading_level(self, stars: int) -> int:
        return self.headings[min(stars, len(self.headings)) - 1]


_LANGUAGES = {
    "py": "python",
    "js": "javascript",
    "mjs": "javascript",
    "ts": "typescript",
    "rb": "ruby",
    "rs": "rust",
    "sh": "bash",
    "bash": "bash",
    "zsh": "bash",
    "yml": "yaml",
    "md": "markdown",
    "htm": "html",
    "cc": "cpp",
    "hpp": "cpp",
    "h": "c",
    "cs": "csharp",
    "kt": "kotlin",
    "hs": "haskell",
    "pl": "perl",
    "tex": "latex",
}
# An invisible character written as a reference: punctuation to Markdown's emphasis rules.
_INVISIBLE = "&#8203;"
# A character Obsidian reads as part of a tag.
_TAG_CHARACTER = re.compile(r"[\w\-/]")
# A line that is one HTML tag and nothing else starts an HTML block, in which Markdown is not
# read (CommonMark's kind 7); an icon alone on a line is one.
_LONE_TAG = re.compile(r"<[A-Za-z][^<>]*>[ \t]*")
# URLs that read as themselves in running text.
_PLAIN_URL = re.compile(r"[A-Za-z0-9\-.:/?#@&=+,;%']+")
# The content of an empty list item: Markdown cannot start a list with an empty item right
# under text (it would continue the text, or underline it as a heading).
_EMPTY_ITEM = "&nbsp;"
# The marker of a numbered item that may start a list right under text.
_FIRST_NUMBER = re.compile(r"0*1\. ")
# Nodes whose Markdown depends on their neighbours in a run: emphasis runs, tags.
_EMPHASIS = (Decoration, Strong)
_NEIGHBOUR_SENSITIVE = (Decoration, Strong, HashTag)
_HR_ICONS = frozenset({"/icons/hr", "/scrapboxlab/hr", "hr", "-"})
# What Obsidian accepts as a tag: letters, digits, `_`, `-`, `/`, and at least one non-digit.
_OBSIDIAN_TAG = re.compile(r"^(?=.*[^\d/])[\w\-/]+$")
# Not allowed in file names on Windows, macOS or Linux, or read as link syntax by Obsidian.
_FILENAME_UNSAFE = re.compile(r'[/\\:*?"<>|#^\[\]\x00-\x1f\x7f]|%%')


# Patterns compiled once: `re.search(pattern, …)` looks its pattern up in a cache each call.
_EXPLICIT_LANGUAGE = re.compile(r"\(([^()\s]+)\)$")
_LANGUAGE_WORD = re.compile(r"[0-9a-z+#_-]+")
_URL_NEEDS_BRACKETS = re.compile(r"[\s()<>]")
_BACKTICKS = re.compile(r"`+")
_FENCE_LIKE = re.compile(r"[ \t]*(`{3,}|~{3,})")


def code_language(filename: str) -> str:
    """The fence language for a Scrapbox code block's file name: `name(lang)`, the extension,
    or the name itself when it has none (`code:python`)."""
    name = filename.strip()
    explicit = _EXPLICIT_LANGUAGE.search(name)
    if explicit:
        return explicit[1].lower()
    base, dot, extension = name.rpartition(".")
    word = extension if dot and base else name
    word = word.lower()
    if not _LANGUAGE_WORD.fullmatch(word):
        return ""
    return _LANGUAGES.get(word, word)


@dataclass(slots=True)
class _Output:
    lines: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # What the last written block was, to separate what Markdown would join.
    last: str = "start"
    # The open list levels, outermost first: the column of each item's marker and of its
    # content, and whether it is numbered. A child's marker must stand within its parent's
    # content.
    levels: list[tuple[int, int, bool]] = field(default_factory=list)


def write_markdown(
    document: Document, options: MarkdownOptions | None = None
) -> tuple[str, list[Diagnostic]]:
    """The Markdown text of `document`, and what the conversion lost or changed."""
    options = options or MarkdownOptions()
    if options.compat == "reference":
        from .reference import ReferenceWriter  # imported here: it builds on this module

        return ReferenceWriter(options).write(document)
    writer = MarkdownWriter(options)
    return writer.write(document)


class MarkdownWriter:
    def __init__(self, options: MarkdownOptions) -> None:
        self.options = options
        self.obsidian = options.flavor == "obsidian"
        # The options every icon needs, looked up once.
        self.project = options.project
        self.icon_form = options.icon_form
        self.scrapbox_host = options.scrapbox_host
        # In a table cell the `|` of a wikilink must be escaped.
        self.in_table = False

    # --- blocks -------------------------------------------------------------------------------

    def write(self, document: Document) -> tuple[str, list[Diagnostic]]:
        out = _Output()
        for block in document.blocks:
            match block:
                case Line(indent=indent) if indent:
                    self._list_line(block, out)
                case Line():
                    self._line(block, out)
                case CodeBlock():
                    self._code_block(block, out)
                case Table():
                    self._table(block, out)
        body = "\n".join(out.lines)
        if document.title is not None:
            body = front_matter(document.title) + body
        return body, out.diagnostics

    def _top_level(self, out: _Output, kind: str, text: str) -> None:
        """Write a block that is not in a list, separated from what Markdown would join it to."""
        if (out.last in ("list", "quote") and kind == "paragraph") or (
            out.last == "list" and kind == "quote"
        ):
            # It would continue the list item or the quote (lazy continuation).
            out.lines.append("")
        elif out.last == kind and kind in ("paragraph", "quote") and not self.obsidian:
            # Plain renderers join consecutive lines; a backslash keeps the break.
            out.lines[-1] += "\\"
        out.lines.append(text)
        out.last = kind
        out.levels.clear()

    def _line(self, line: Line, out: _Output) -> None:
        children = line.children
        if line.indent:
            self._list_line(line, out)
        elif not children:
            out.lines.append("")
            out.last = "blank"
            out.levels.clear()
        elif (heading := self._heading(children, line.line, out)) is not None:
            self._top_level(out, "heading", heading)
        elif len(children) == 1 and isinstance(children[0], Icon) and _is_rule(children[0]):
            # `***`, unlike `---`, cannot turn the line above into a heading.
            self._top_level(out, "rule", "***")
        elif isinstance(children[0], Quote):
            quoted = self._inlines(children[0].children, line.line, out).lstrip(" \t")
            rest = self._inlines(children[1:], line.line, out)
            # An empty quote line would vanish between the quote's paragraphs.
            text = escape_line_start(quoted + rest) or _EMPTY_ITEM
            self._top_level(out, "quote", "> " + text)
        elif isinstance(children[0], NumberList):
            self._list_line(line, out)
        else:
            text = _not_html_block(escape_line_start(self._inlines(children, line.line, out)))
            self._top_level(out, "paragraph", text)

    def _list_line(self, line: Line, out: _Output) -> None:
        children = line.children
        # A numbered line at the top level is an item at depth 1.
        depth = len(line.indent) or 1
        if not children:
            prefix, _ = self._open_item(depth, "- ", out)
            out.lines.append(prefix + _EMPTY_ITEM)
            return
        first = children[0]
        if isinstance(first, NumberList):
            number = first
            marker = f"{number.numbers[0]}. "
            inner: tuple[Inline, ...] = (
                (NumberList(number.numbers[1:], number.children),)
                if number.numbers[1:]
                else number.children
            )
            text = escape_line_start(self._inlines((*inner, *children[1:]), line.line, out))
        elif isinstance(first, Quote):
            # A quote in a list item is a block quote inside the item.
            quoted = self._inlines(first.children, line.line, out).lstrip(" \t")
            rest = self._inlines(children[1:], line.line, out)
            # An empty quote would be no block at all and let the next line run into it.
            text = "> " + (escape_line_start(quoted + rest) or _EMPTY_ITEM)
            marker = "- "
        else:
            marker = "- "
            text = escape_line_start(self._inlines(children, line.line, out))
        prefix, _ = self._open_item(depth, marker, out)
        out.lines.append(prefix + (_not_html_block(text) or _EMPTY_ITEM))

    def _open_item(self, depth: int, marker: str, out: _Output) -> tuple[str, int]:
        """Open a list item at `depth`: the text before its content, and its content column.

        Markdown has no list item without a parent, so missing levels (a line at depth 3
        right under one at depth 1) become empty items on the same line: `- - x`.
        """
        levels = out.levels
        if out.last != "list":
            levels.clear()
        sibling = levels[depth - 1] if len(levels) >= depth else None
        del levels[depth - 1 :]
        parent = len(levels)
        if sibling is not None:
            # A sibling's marker stands where the previous one at this depth stood.
            column = sibling[0]
        elif parent:
            marker_column, content_column, _ = levels[-1]
            column = max(content_column, marker_column + 4)
        else:
            column = 0
        numbered = marker[0].isdigit()
        if (
            numbered
            and not _FIRST_NUMBER.fullmatch(marker)
            and (sibling is None or not sibling[2])
            and out.last in ("list", "paragraph", "quote")
        ):
            # Only a list starting at 1 may interrupt text: start this one after a blank line.
            out.lines.append("")
        text = " " * column
        for _ in range(depth - parent - 1):
            levels.append((column, column + 2, False))
            text += "- "
            column += 2
        content = column + len(marker)
        levels.append((column, content, numbered))
        out.last = "list"
        return text + marker, content

    def _code_block(self, block: CodeBlock, out: _Output) -> None:
        language = code_language(block.filename)
        name = block.filename.strip()
        info = f"{language or 'text'} {name}" if name and name.lower() != language else language
        fence = _fence_for(block.lines, info)
        if block.indent:
            first, column = self._open_item(len(block.indent), "- ", out)
            indent = " " * column
            out.lines.append(first + fence + info)
            out.lines.extend(indent + text if text else "" for text in block.lines)
            out.lines.append(indent + fence)
            return
        self._top_level(out, "code", fence + info)
        out.lines.extend(block.lines)
        out.lines.append(fence)

    def _table(self, table: Table, out: _Output) -> None:
        width = max((len(row) for row in table.rows), default=0)
        name = escape_line_start(escape_inline(table.name))
        if table.indent:
            first, column = self._open_item(len(table.indent), "- ", out)
            out.lines.append(first + (name or _EMPTY_ITEM))
            indent = " " * column
        else:
            if name:
                self._top_level(out, "paragraph", name)
            indent = ""
        if width == 0:
            return
        if any(len(row) != width for row in table.rows):
            out.diagnostics.append(
                Diagnostic("table-cells", table.line, f"short rows padded to {width} cells")
            )
        # A table needs a blank line before it here, and after it, or the next line would be
        # read as one more row.
        out.lines.append("")
        for index, row in enumerate(table.rows):
            cells = [self._cell(cell, table.line + index + 1, out) for cell in row]
            cells += [""] * (width - len(cells))
            out.lines.append(indent + "| " + " | ".join(cells) + " |")
            if index == 0:
                out.lines.append(indent + "|" + " --- |" * width)
        out.lines.append("")
        # In a list, the items after the table go on in the same list.
        out.last = "list" if table.indent else "blank"
        if not table.indent:
            out.levels.clear()

    def _cell(self, cell: Iterable[Inline], line: int, out: _Output) -> str:
        self.in_table = True
        try:
            return self._inlines(cell, line, out)
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
                    f"a size-{node.stars} heading is written at the level of size "
                    f"{len(self.options.headings)}",
                )
            )
        level = self.options.heading_level(node.stars)
        others = node.marks.replace("*", "")
        inner = self._decorated(others, self._inlines(node.children, line, out), line, out)
        return "#" * level + " " + inner.strip()

    def _inlines(
        self, nodes: Iterable[Inline], line: int, out: _Output, *, after_space: bool = True
    ) -> str:
        """The Markdown of a run of nodes; `after_space` tells whether what stands before the
        run ends in a space (or the line starts there)."""
        nodes = tuple(nodes)
        if len(nodes) == 1 and nodes[0].__class__ is Text:
            # A line of text alone, the most common run.
            return escape_inline(nodes[0].text)
        render = self._inline
        parts: list[str] = []
        append = parts.append
        # Whether a node's Markdown depends on its neighbours (see below).
        sensitive = False
        for node in nodes:
            if node.__class__ is Text:
                # Text is most nodes: escaped here, without the dispatch on the node's class.
                append(escape_inline(node.text))
            else:
                append(render(node, line, out))
                sensitive = sensitive or isinstance(node, _NEIGHBOUR_SENSITIVE)
        if not sensitive:
            if len(parts) == 1:
                return parts[0]
            joined = "".join(parts)
            if "$" not in joined:
                # No closing `$` to keep from a digit (see below).
                return joined
        for index, node in enumerate(nodes):
            if index and parts[index - 1].endswith("$") and parts[index][:1].isdigit():
                # `$x$1` is no formula: a closing `$` must not be followed by a digit. An
                # empty HTML comment, which renderers hide, keeps them apart.
                parts[index] = "<!---->" + parts[index]
            if not isinstance(node, _NEIGHBOUR_SENSITIVE):
                continue
            if isinstance(node, _EMPHASIS) and parts[index].lstrip(" \t")[:1] in "*~":
                parts[index] = _flanked(parts, index, after_space)
            if isinstance(node, HashTag) and parts[index].startswith("#"):
                before = parts[index - 1][-1:] if index else (" " if after_space else "x")
                after = parts[index + 1][:1] if index + 1 < len(parts) else ""
                if not before.isspace() or _TAG_CHARACTER.match(after):
                    # Obsidian would not see the tag here, or would read on into the next
                    # node: a link to the tag's page keeps the meaning.
                    parts[index] = self._page_link(node.name)
        return "".join(parts)

    def _inline(self, node: Inline, line: int, out: _Output) -> str:
        # Cases in order of how common the nodes are.
        match node:
            case Text(text=text) | Dropped(text=text):
                return escape_inline(text)
            case Icon(path=path, strong=strong):
                if strong:
                    out.diagnostics.append(
                        Diagnostic(
                            "icon-size", line, f"the large icon {path} is written at normal size"
                        )
                    )
                if not self.project and not path.startswith("/"):
                    out.diagnostics.append(
                        Diagnostic("icon-project", line, f"no project name for the icon {path}")
                    )
                    return escape_inline(write_inline(node))
                icon = _icon_markdown(path, self.project, self.icon_form, self.scrapbox_host)
                return icon * node.count
            case PageLink(target=target):
                return self._page_link(target)
            case UrlLink(url=url, label=label, form=form):
                if form == "bare":
                    return _bare_url(url) + escape_inline(label)
                return f"[{escape_inline(label or url)}]({_url(url)})"
            case Image(src=src, link=link, strong=strong):
                if strong:
                    out.diagnostics.append(
                        Diagnostic("image-size", line, "a large image is written at normal size")
                    )
                image = f"![]({_url(src)})"
                return f"[{image}]({_url(link)})" if link else image
            case Decoration(marks=marks, children=children):
                inner = self._inlines(children, line, out, after_space=False)
                return self._decorated(marks, inner, line, out)
            case Code(text=text):
                return _code_span(text)
            case HashTag(name=name):
                if not self.obsidian:
                    return escape_inline("#" + name)
                if not _OBSIDIAN_TAG.match(name):
                    out.diagnostics.append(
                        Diagnostic(
                            "tag", line, f"#{name} is not an Obsidian tag: written as a link"
                        )
                    )
                    return self._page_link(name)
                return "#" + name
            case Quote(children=children):
                return escape_inline(">") + self._inlines(children, line, out, after_space=False)
            case Formula(tex=tex):
                return self._formula(tex, line, out)
            case Strong(children=children):
                return _emphasis("**", self._inlines(children, line, out, after_space=False))
            case NumberList(numbers=numbers, children=children):
                prefix = "".join(f"{number}. " for number in numbers)
                return escape_line_start(prefix) + self._inlines(children, line, out)
            case CommandLine(symbol=symbol, text=text):
                return _code_span(f"{symbol} {text}")
            case GoogleMap(coordinates=coordinates, place=place):
                return f"[{escape_inline(place or coordinates)}]({_map_url(node)})"
            case Blank(text=text):
                # Visible space, as Scrapbox shows it; plain spaces would collapse.
                return "&nbsp;" * len(text)
            case Helpfeel(text=text):
                return escape_inline(f"? {text}")
        raise TypeError(f"not an inline node: {node!r}")

    def _formula(self, tex: str, line: int, out: _Output) -> str:
        # Inline math must not start or end with a space (TeX ignores them anyway) nor hold
        # a `$`, which would end it.
        tex = tex.strip()
        if tex and "$" not in tex:
            return f"${tex}$"
        out.diagnostics.append(
            Diagnostic(
                "formula", line, f"the formula {tex!r} cannot be inline math: written as code"
            )
        )
        return _code_span(tex) if tex else ""

    def _decorated(self, marks: str, inner: str, line: int, out: _Output) -> str:
        stars = marks.count("*")
        if stars > 1:
            out.diagnostics.append(
                Diagnostic("text-size", line, f"text of size {stars} is written as bold")
            )
        delimiters = ("**" if stars else "") + ("*" if "/" in marks else "")
        delimiters += "~~" if "-" in marks else ""
        inner = _emphasis(delimiters, inner)
        if "_" in marks:
            inner = f"<u>{inner}</u>"
        if "+" in marks:
            inner = f"=={inner}==" if self.obsidian else f"<mark>{inner}</mark>"
        for mark in dict.fromkeys(marks):
            if mark not in "*/-_+":
                inner = f'<span class="deco-{_attribute(mark)}">{inner}</span>'
        return inner

    def _page_link(self, target: str) -> str:
        if target.startswith("/"):
            url = self.options.scrapbox_host + _scrapbox_path(target)
            return f"[{escape_inline(target)}]({url})"
        filename = title_to_filename(target)
        if self.obsidian and not ("[" in target or "]" in target):
            # (A wikilink cannot show a bracket: a tag's name may hold one.)
            if filename != target:
                link = f"[[{filename}|{target}]]"
                return link.replace("|", "\\|") if self.in_table else link
            return f"[[{target}]]"
        return f"[{escape_inline(target)}]({_url(_path_segment(filename + '.md'))})"


@functools.lru_cache(maxsize=4096)
def _icon_markdown(path: str, project: str, form: IconForm, host: str) -> str:
    """One icon in Markdown; cached, since pages repeat the same few icons many times."""
    if path in _HR_ICONS:
        return "***"
    project, name = _icon_page(path, project)
    url = f"{host}/api/pages/{_path_segment(project)}/{_path_segment(name)}/icon"
    match form:
        case "img":
            return f"<img src='{_attribute(url)}' alt='{_attribute(path)}.icon' height=\"19.5\"/>"
        case "image":
            return f"![{escape_inline(name)}.icon]({url})"
        case "embed":
            return f"![[{title_to_filename(name)}.icon.png]]"
        case "link":
            page = f"{host}/{_path_segment(project)}/{_path_segment(name)}"
            return f"[{escape_inline(name)}.icon]({page})"


def _is_rule(icon: Icon) -> bool:
    return icon.path in _HR_ICONS


def title_to_filename(title: str) -> str:
    """The file name (without `.md`) of the note for a page title: characters that file
    systems or Obsidian links cannot hold become `-`."""
    return _FILENAME_UNSAFE.sub("-", title)


def _icon_page(path: str, project: str) -> tuple[str, str]:
    if path.startswith("/"):
        project_name, _, name = path[1:].partition("/")
        return project_name, name
    return project, path


def _scrapbox_path(target: str) -> str:
    # Scrapbox writes the spaces of a page title in its URL as `_`.
    return "/".join(_path_segment(part.replace(" ", "_")) for part in target.split("/"))


def _path_segment(text: str) -> str:
    return quote(text, safe="!$&'()*+,;=:@~", errors="surrogatepass")


def _url(url: str) -> str:
    # A destination with spaces or parentheses is written in angle brackets.
    if _URL_NEEDS_BRACKETS.search(url):
        return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    return url


def _emphasis(delimiters: str, inner: str) -> str:
    """`inner` between the opening `delimiters` and the same closing in reverse order.

    Emphasis cannot start or end with a space, so spaces at the edges go outside it; text of
    spaces only gets none.
    """
    core = inner.strip(" \t")
    if not delimiters or not core:
        return inner
    start = inner.index(core)
    return f"{inner[:start]}{delimiters}{core}{delimiters[::-1]}{inner[start + len(core) :]}"


def _flanked(parts: list[str], index: int, after_space: bool) -> str:
    """The emphasis run `parts[index]`, made to open and close where it stands.

    CommonMark lets `**` open only where it is left-flanking and close where right-flanking,
    which fails between a letter and punctuation: `という**[[x]]**のこと` shows its asterisks.
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
    before = lead[-1:] or (parts[index - 1][-1:] if index else edge)
    after = trail[:1] or (parts[index + 1][:1] if index + 1 < len(parts) else edge)
    if not _left_flanking(before, body[opening]):
        body = _INVISIBLE + body
    if not _right_flanking(body[-closing - 1], after):
        body += _INVISIBLE
    return lead + body + trail


def _left_flanking(before: str, after: str) -> bool:
    if not after or after.isspace():
        return False
    return not _is_punctuation(after) or not before or before.isspace() or _is_punctuation(before)


def _right_flanking(before: str, after: str) -> bool:
    if not before or before.isspace():
        return False
    return not _is_punctuation(before) or not after or after.isspace() or _is_punctuation(after)


def _is_punctuation(character: str) -> bool:
    return unicodedata.category(character)[0] in "PS"


def _not_html_block(text: str) -> str:
    # An empty comment after the tag, which renderers hide, keeps the line Markdown.
    return text + "<!---->" if text[:1] == "<" and _LONE_TAG.fullmatch(text) else text


def _bare_url(url: str) -> str:
    # A URL holding a character Markdown could read as markup (`$`, `*`, `_`, `~`, …) is
    # written as an autolink, whose content is never read as markup.
    if _PLAIN_URL.fullmatch(url):
        return url
    return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"


def _map_url(node: GoogleMap) -> str:
    latitude, longitude, *rest = node.coordinates.split(",")
    zoom = rest[0][1:] if rest else "14"
    at = f"@{_signed(latitude)},{_signed(longitude)},{zoom}z"
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


def _code_span(text: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fence_for(lines: tuple[str, ...], info: str) -> str:
    """A fence longer than any fence-like run that starts a line of the code (a carriage
    return starts a line too)."""
    runs = (
        len(found[1])
        for line in lines
        for part in line.split("\r")
        if (found := _FENCE_LIKE.match(part))
    )
    longest = max(runs, default=0)
    if "`" in info:
        return "~" * max(3, longest + 1)
    return "`" * max(3, longest + 1)
