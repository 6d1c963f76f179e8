"""Scrapbox → Obsidian and plain Markdown on every page of the corpus, judged by renderers
written elsewhere (tests/judges.py): cmark-gfm for the plain flavor, markdown-it-py taught
Obsidian's syntax for the Obsidian flavor.

The checks on the HTML a reader gets: the text, the code blocks, the tables, one line per
Scrapbox line at its depth (nothing runs into the line before), the links, images, icons and
tags, the emphasis, the headings and the quotes. A failure lists the failing pages by cause,
each cause with the first Scrapbox line where it goes wrong on its first page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

from scrapconv.ast import (
    CodeBlock,
    Decoration,
    Document,
    GoogleMap,
    HashTag,
    Heading,
    Icon,
    Image,
    Inline,
    Line,
    NumberList,
    PageLink,
    Quote,
    Strong,
    Table,
    UrlLink,
)
from scrapconv.markdown import write_markdown
from scrapconv.markdown.common import code_language
from scrapconv.markdown.frontmatter import front_matter
from scrapconv.markdown.options import MarkdownOptions
from scrapconv.scrapbox.reader import read_scrapbox

from .corpus import CorpusPage, all_scrapbox_pages, require_corpus
from .documents import plain_texts
from .judges import Flavor, render

FLAVORS: tuple[Flavor, ...] = ("obsidian", "markdown")
# What Obsidian accepts as a tag (the writer's rule).
OBSIDIAN_TAG = re.compile(r"^(?=.*[^\d/])[\w\-/]+$")
HR_ICONS = frozenset({"/icons/hr", "/scrapboxlab/hr", "hr", "-"})
_SPACE = re.compile(r"\s+")
# The whitespace HTML does not show (a no-break space shows).
_HTML_SPACE = " \t\n\r\f"

# ---------------------------------------------------------------------------------------------
# The rendering as a tree

_VOID = frozenset(("area", "br", "col", "embed", "hr", "img", "input", "source", "wbr"))
_BLOCKS = frozenset(
    ("p", "ul", "ol", "li", "blockquote", "pre", "table", "hr", "div", "section")
) | {f"h{level}" for level in range(1, 7)}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def elements(self) -> Iterator[Element]:
        """This element and every element inside it."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.elements()

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(element)
        if tag not in _VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, 0, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def html_tree(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# ---------------------------------------------------------------------------------------------
# What the Scrapbox page holds


def _inlines(document: Document) -> Iterator[tuple[Inline, Line | None]]:
    def walk(nodes: tuple[Inline, ...], line: Line | None) -> Iterator[tuple[Inline, Line | None]]:
        for node in nodes:
            yield node, line
            if isinstance(node, Decoration | Strong | Quote | NumberList):
                yield from walk(node.children, line)

    for block in document.blocks:
        if isinstance(block, Line):
            yield from walk(block.children, block)
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row:
                    yield from walk(cell, None)


def _is_heading_line(line: Line) -> bool:
    """A line that is only a `[* x]` decoration at depth 0: the writer's heading."""
    children = line.children
    return (
        not line.indent
        and len(children) == 1
        and isinstance(children[0], Decoration)
        and "*" in children[0].marks
    )


def _source_lines(document: Document) -> list[tuple[int, int]]:
    """The depth and line number of each Scrapbox line that shows: a line at depth 0 only
    when it holds something, a numbered line at the top level at depth 1."""
    lines: list[tuple[int, int]] = []
    for block in document.blocks:
        depth = len(block.indent)
        match block:
            case Line(children=children):
                if depth:
                    lines.append((depth, block.line))
                elif children:
                    lines.append((1 if isinstance(children[0], NumberList) else 0, block.line))
            case CodeBlock():
                lines.append((depth, block.line))
            case Table(name=name, rows=rows):
                if depth or name:
                    lines.append((depth, block.line))
                if rows:
                    lines.append((depth, block.line))
            case Heading():
                lines.append((depth, block.line))
    return lines


@dataclass
class Expected:
    kinds: Counter[str] = field(default_factory=Counter)
    bare_urls: list[str] = field(default_factory=list)


def _expected(document: Document, flavor: Flavor) -> Expected:
    obsidian = flavor == "obsidian"
    expected = Expected()
    kinds = expected.kinds
    for node, line in _inlines(document):
        heading = line is not None and _is_heading_line(line)
        match node:
            case PageLink():
                kinds["link"] += 1
            case UrlLink(form="bare"):
                expected.bare_urls.append(node.url)
            case UrlLink() | GoogleMap():
                kinds["link"] += 1
            case Image():
                kinds["image"] += 1
                kinds["link"] += bool(node.link)
                kinds["emphasis"] += node.strong
            case Icon():
                if line is not None and line.children == (node,) and node.path in HR_ICONS:
                    kinds["rule"] += 1
                    continue
                kinds["image"] += node.count
                kinds["emphasis"] += node.strong
            case HashTag() if obsidian:
                kinds["link"] += 1
            case Strong():
                kinds["emphasis"] += 1
            case Decoration(marks=marks):
                styled = set(marks) & set("*/-")
                kinds["emphasis"] += len(styled) - (heading and "*" in styled)
    for block in document.blocks:
        if isinstance(block, Heading) or (isinstance(block, Line) and _is_heading_line(block)):
            kinds["heading"] += 1
        if isinstance(block, CodeBlock):
            kinds["code"] += 1
        if isinstance(block, Table) and block.rows:
            kinds["table"] += 1
        if isinstance(block, Line) and block.children and isinstance(block.children[0], Quote):
            kinds["quote line"] += 1
    return expected


# ---------------------------------------------------------------------------------------------
# What the rendering shows


_EMPHASIS = frozenset(("strong", "em", "del", "s"))


def _output_kinds(tree: Element) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for element in tree.elements():
        tag, attrs = element.tag, element.attrs
        if tag == "a" and attrs.get("href", "").startswith("mailto:"):
            # GitHub links an e-mail address in text, showing the same text: no link of the
            # page's own.
            continue
        if (tag == "a" and ("href" in attrs or attrs.get("class") == "wikilink")) or (
            tag == "span" and attrs.get("class") == "tag"
        ):
            kinds["link"] += 1
        elif tag == "img":
            kinds["image"] += 1
        elif tag in _EMPHASIS:
            kinds["emphasis"] += 1
        elif re.fullmatch(r"h[1-6]", tag):
            kinds["heading"] += 1
        elif tag == "pre":
            kinds["code"] += 1
        elif tag == "table":
            kinds["table"] += 1
        elif tag == "hr":
            kinds["rule"] += 1
    return kinds


@dataclass
class _Lines:
    """The lines of the rendering at their depths, and the lines run on into others."""

    flavor: Flavor
    depths: list[int] = field(default_factory=list)
    quoted: int = 0
    merged: list[str] = field(default_factory=list)

    def blocks(self, children: list[Element | str], depth: int, quote: bool = False) -> None:
        run: list[Element | str] = []
        for child in children:
            if isinstance(child, Element) and child.tag in _BLOCKS:
                self.inline_run(run, depth, quote)
                run = []
                self.block(child, depth, quote)
            else:
                run.append(child)
        self.inline_run(run, depth, quote)

    def inline_run(self, run: list[Element | str], depth: int, quote: bool) -> None:
        """Inline content outside a paragraph: an HTML block, one line."""
        if any(not isinstance(child, str) or child.strip(_HTML_SPACE) for child in run):
            self.add(depth, 1, quote)

    def add(self, depth: int, count: int, quote: bool) -> None:
        self.depths.extend([depth] * count)
        if quote:
            self.quoted += count

    def block(self, element: Element, depth: int, quote: bool) -> None:
        match element.tag:
            case "p":
                self.paragraph(element, depth, quote, "paragraph")
            case "blockquote":
                self.blocks(element.children, depth, True)
            case "ul" | "ol":
                for item in element.children:
                    if isinstance(item, Element) and item.tag == "li":
                        self.item(item, depth + 1, quote)
            case "section" | "div":
                self.blocks(element.children, depth, quote)
            case _:
                self.add(depth, 1, quote)

    def paragraph(
        self, element: Element | list[Element | str], depth: int, quote: bool, where: str
    ) -> None:
        children = element.children if isinstance(element, Element) else element
        breaks, soft = _breaks(children)
        # Plain renderers join the lines of a paragraph; Obsidian shows a soft break as a
        # line break, except in a list item, where the next line should be an item.
        if soft and (self.flavor == "markdown" or where == "list item"):
            self.merged.append(f"{where}: {_text(children)[:80]!r}")
        self.add(depth, 1 + breaks + soft, quote)

    def item(self, item: Element, depth: int, quote: bool) -> None:
        children = item.children
        first_block = next(
            (
                index
                for index, child in enumerate(children)
                if isinstance(child, Element) and child.tag in _BLOCKS
            ),
            len(children),
        )
        head, rest = children[:first_block], children[first_block:]
        if any(not isinstance(child, str) or child.strip(_HTML_SPACE) for child in head):
            self.paragraph(head, depth, quote, "list item")
        elif rest and isinstance(rest[0], Element) and rest[0].tag == "p":
            self.paragraph(rest[0], depth, quote, "list item")
            rest = rest[1:]
        elif not rest:
            self.add(depth, 1, quote)  # an empty item
        self.blocks(rest, depth, quote)


def _breaks(children: list[Element | str]) -> tuple[int, int]:
    """The hard and the soft line breaks of inline content (not inside code)."""
    flat = _flat(children).replace("\x00\n", "\x00").strip(_HTML_SPACE)
    return flat.count("\x00"), flat.count("\n")


def _flat(children: list[Element | str]) -> str:
    """Inline content as text, a hard break as NUL, an image or a code span as SOH (content
    whose line breaks are no breaks of the line)."""
    return "".join(_flat_one(child) for child in children)


def _flat_one(child: Element | str) -> str:
    if isinstance(child, str):
        return child
    match child.tag:
        case "br":
            return "\x00"
        case "img" | "code":
            return "\x01"
        case _:
            return _flat(child.children)


def _text(children: list[Element | str]) -> str:
    return "".join(child if isinstance(child, str) else child.text() for child in children)


# ---------------------------------------------------------------------------------------------
# One summary per page and flavor


def _body(document: Document, text: str) -> str:
    if document.title is None:
        return text
    head = front_matter(document.title)
    assert text.startswith(head)
    return text[len(head) :]


def _code_language(block: CodeBlock) -> str:
    if re.fullmatch(r"[0-9A-Za-z+#_-]+", block.filename):
        return block.filename
    return code_language(block.filename) or ("text" if block.filename.strip() else "")


def _pre_language(pre: Element) -> str:
    if "lang" in pre.attrs:  # cmark-gfm
        return pre.attrs["lang"]
    for child in pre.children:
        if isinstance(child, Element) and child.tag == "code":
            found = re.match(r"language-(\S+)", child.attrs.get("class", ""))
            return found[1] if found else ""
    return ""


def causes(document: Document, flavor: Flavor) -> dict[str, str]:
    """Each check the page fails, with what goes wrong."""
    text, _ = write_markdown(document, MarkdownOptions(flavor=flavor, project="p"))
    tree = html_tree(render(_body(document, text), flavor))
    found: dict[str, str] = {}

    visible = _SPACE.sub("", tree.text())
    lost = [plain for plain in plain_texts(document) if _SPACE.sub("", plain) not in visible]
    if lost:
        found["text lost"] = repr(lost[0][:80])

    expected = _expected(document, flavor)
    output = _output_kinds(tree)
    bare = len(expected.bare_urls)
    # (markdown-it shows an autolink's URL percent-decoded.)
    lost_urls = [
        url
        for url in expected.bare_urls
        if _SPACE.sub("", url) not in visible and _SPACE.sub("", unquote(url)) not in visible
    ]
    if lost_urls:
        found["bare URL lost"] = lost_urls[0]
    # Bare URLs may or may not become links (GitHub links them, Obsidian's reading view
    # does not); every other link is one.
    links = output["link"] - expected.kinds["link"]
    if not 0 <= links <= bare:
        found["links"] = f"{output['link']} links for {expected.kinds['link']} (+{bare} bare)"
    for kind in ("image", "emphasis", "heading", "code", "table", "rule"):
        if output[kind] != expected.kinds[kind]:
            found[f"{kind} count"] = f"{output[kind]} for {expected.kinds[kind]}"

    pres = [element for element in tree.elements() if element.tag == "pre"]
    codes = [block for block in document.blocks if isinstance(block, CodeBlock)]
    if len(pres) == len(codes):
        for pre, code in zip(pres, codes, strict=True):
            if _SPACE.sub("", pre.text()) != _SPACE.sub("", code.content):
                found["code text"] = repr(code.content[:80])
            elif _pre_language(pre) != _code_language(code):
                found["code language"] = f"{_pre_language(pre)!r} for {code.filename!r}"

    tables = [element for element in tree.elements() if element.tag == "table"]
    sources = [block for block in document.blocks if isinstance(block, Table) and block.rows]
    if len(tables) == len(sources):
        for table, source in zip(tables, sources, strict=True):
            rows = [row for row in table.elements() if row.tag == "tr"]
            widths = {sum(cell.tag in ("td", "th") for cell in row.elements()) for row in rows}
            if len(rows) != len(source.rows) or len(widths) != 1:
                found["table shape"] = f"{len(rows)} rows of widths {sorted(widths)}"

    lines = _Lines(flavor)
    lines.blocks(tree.children, 0)
    source_lines = _source_lines(document)
    if lines.merged:
        found["line runs on"] = lines.merged[0]
    elif tuple(lines.depths) != tuple(depth for depth, _ in source_lines):
        found["line depths"] = _depth_difference(source_lines, lines.depths)
    if lines.quoted != expected.kinds["quote line"] and "line depths" not in found:
        found["quote lines"] = f"{lines.quoted} for {expected.kinds['quote line']}"
    return found


def _depth_difference(source: list[tuple[int, int]], output: list[int]) -> str:
    for index, ((depth, line), actual) in enumerate(zip(source, output, strict=False)):
        if depth != actual:
            return f"Scrapbox line {line} at depth {depth}, rendered at {actual} (#{index})"
    return f"{len(source)} Scrapbox lines, {len(output)} rendered"


# ---------------------------------------------------------------------------------------------
# Failure messages: for each cause, its first page and the first line where it goes wrong


def _first_failing_line(document: Document, flavor: Flavor, cause: str) -> int:
    low, high = 1, len(document.blocks)
    while low < high:
        middle = (low + high) // 2
        if cause in causes(Document(None, document.blocks[:middle]), flavor):
            high = middle
        else:
            low = middle + 1
    return document.blocks[low - 1].line


def _example(page: CorpusPage, flavor: Flavor, cause: str, detail: str) -> str:
    document = read_scrapbox(page.text)
    line = _first_failing_line(document, flavor, cause)
    blocks = tuple(block for block in document.blocks if block.line <= line)
    markdown, _ = write_markdown(
        Document(None, blocks), MarkdownOptions(flavor=flavor, project="p")
    )
    scrapbox = "\n".join(f"    {text!r}" for text in page.text.split("\n")[max(1, line - 2) : line])
    written = "\n".join(f"    {text!r}" for text in markdown.rstrip("\n").split("\n")[-4:])
    return (
        f"  {page.title!r}: {detail}\n  Scrapbox, to line {line}:\n{scrapbox}\n"
        f"  Markdown:\n{written}"
    )


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_page_renders_as_its_scrapbox_tree(flavor: Flavor) -> None:
    require_corpus()
    failing: dict[str, list[tuple[CorpusPage, str]]] = {}
    pages = all_scrapbox_pages()
    for page in pages:
        for cause, detail in causes(read_scrapbox(page.text), flavor).items():
            failing.setdefault(cause, []).append((page, detail))
    assert len(pages) > 10_000
    if failing:
        report = [
            f"{len({p.title for found in failing.values() for p, _ in found})} of {len(pages)} "
            f"pages differ ({flavor}):"
        ]
        for cause, found in sorted(failing.items(), key=lambda item: -len(item[1])):
            page, detail = found[0]
            report.append(f"\n{cause}: {len(found)} pages\n{_example(page, flavor, cause, detail)}")
        pytest.fail("\n".join(report), pytrace=False)
