"""Scrapbox → Obsidian and plain Markdown on every page of the corpus: the structure of the
output, read back with mistune.

1. Lines: every Scrapbox line is one Markdown line at the same depth, in the same order, and
   no line runs on into the one before it (docs/markdown-output.md, "Page and lines"). The
   depths of the lines that show on each side are compared exactly; _source_lines says
   which Scrapbox lines show, _Lines how Markdown lines are read from mistune's tree.
2. Links: every link, image, icon and tag of the source is one in the output, in the
   writer's default forms (project "p"): exact counts of each kind, "at least" for bare URLs.

Each page is written and parsed once per flavor; both checks read the same summary. mistune
is taught the few things it reads otherwise than Obsidian or CommonMark (wikilinks, tags,
`<img/>` alone on a line, the order of a block quote that a list ends).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from re import Match
from typing import Any, Literal

import mistune
import pytest

from scrapconv.ast import (
    CodeBlock,
    Decoration,
    Document,
    GoogleMap,
    HashTag,
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
from scrapconv.markdown.frontmatter import front_matter
from scrapconv.markdown.options import MarkdownOptions
from scrapconv.scrapbox.reader import read_scrapbox

from .corpus import SCRAPBOX_EXPORTS, CorpusPage, require_corpus, scrapbox_pages

Flavor = Literal["obsidian", "markdown"]
Token = dict[str, Any]

FLAVORS: tuple[Flavor, ...] = ("obsidian", "markdown")
# How many failing pages a failure message shows.
SHOWN = 8

# What Obsidian accepts as a tag: letters, digits, `_`, `-`, `/`, at least one of them not a
# digit (help.obsidian.md, "Tags"; the writer's own rule).
OBSIDIAN_TAG = re.compile(r"^(?=.*[^\d/])[\w\-/]+$")
# The icons the writer draws as a rule (`***`), as Scrapbox draws them as a line.
HR_ICONS = frozenset({"/icons/hr", "/scrapboxlab/hr", "hr", "-"})


@pytest.fixture(autouse=True)
def _corpus() -> None:
    require_corpus()


# ---------------------------------------------------------------------------------------------
# Reading the output: mistune, taught what Obsidian and CommonMark read that it does not


def _parse_wikilink(inline: Any, match: Match[str], state: Any) -> int:
    state.append_token({"type": "wikilink", "raw": match.group(0)})
    return match.end()


def _parse_tag(inline: Any, match: Match[str], state: Any) -> int | None:
    if OBSIDIAN_TAG.match(match.group(0)[1:]) is None:
        return None  # `#123`: text, as in Obsidian
    state.append_token({"type": "tag", "raw": match.group(0)})
    return match.end()


def _parse_autolink(inline: Any, match: Match[str], state: Any) -> int:
    end: int = inline.parse_auto_link(match, state)
    if state.tokens and state.tokens[-1]["type"] == "link":
        state.tokens[-1]["type"] = "autolink"
    return end


def _parse_block_quote(block: Any, match: Match[str], state: Any) -> int:
    """A block quote, kept where it starts.

    mistune 3.4 inserts a block quote that a list ends (`> a` right before `- b`) before the
    last token the list's parse added, which is not always the list: `> a\\n- b\\n> c` comes
    out as the list, then `a`, then `c`. Its only use of `prepend_token` is this one.
    """
    start = len(state.tokens)
    saved = state.__dict__.get("prepend_token")
    state.prepend_token = lambda token: state.tokens.insert(start, token)
    try:
        end: int = block.parse_block_quote(match, state)
    finally:
        if saved is None:
            del state.prepend_token
        else:
            state.prepend_token = saved
    return end


# An `<img …/>` tag alone on a line (how the writer's icons stand on a line of their own):
# CommonMark's HTML block of condition 7, which mistune 3.4 misses when the tag ends in `/>`.
IMG_LINE = (
    r"^ {0,3}<img(?:[ \t]+[A-Za-z_:][\w.:-]*"
    r"""(?:[ \t]*=[ \t]*(?:[^ \t\n"'=<>`]+|'[^'\n]*'|"[^"\n]*"))?)*[ \t]*/?>[ \t]*$"""
)


def _parse_img_line(block: Any, match: Match[str], state: Any) -> int:
    """CommonMark 0.31, 4.6, condition 7: such an HTML block cannot interrupt a paragraph,
    and it runs to the next blank line: the lines after it are HTML, not Markdown."""
    end: int | None = state.append_paragraph()
    if end:
        return end
    blank = block.BLANK_LINE.search(state.src, state.cursor)
    end = blank.start() if blank else state.cursor_max
    state.append_token({"type": "block_html", "raw": state.get_text(end)})
    return end


def _obsidian_and_commonmark(md: Any) -> None:
    """Rules for what mistune does not read as Obsidian or CommonMark do.

    * Wikilinks: Obsidian reads `[[target]]` and `[[file|alias]]` before any other inline
      syntax (a `_` in a title is no emphasis), so the rule goes before the link rule.
    * Tags: `#` and tag characters at the start of the text or after whitespace; any other
      character before `#` (punctuation, `*` of emphasis) makes it text in Obsidian.
    * A bracket or `#` the writer escaped (`\\[`, `\\#`) is taken by mistune's escape rule,
      which starts earlier, so it never reaches these rules.
    * Autolinks (`<url>`, how the writer keeps markup characters of a bare URL) apart from
      the links of `[label](url)`.
    * The two block rules above.
    """
    md.inline.register("wikilink", r"\[\[[^\[\]\n]+\]\]", _parse_wikilink, before="link")
    md.inline.register("tag", r"(?<!\S)#[\w\-/]+", _parse_tag, before="link")
    md.inline.register("auto_link", None, _parse_autolink)
    md.block.register("block_quote", None, _parse_block_quote)
    md.block.register("img_line", IMG_LINE, _parse_img_line, before="raw_html")
    md.block.insert_rule(md.block.list_rules, "img_line", before="raw_html")
    md.block.insert_rule(md.block.block_quote_rules, "img_line", before="raw_html")


PARSE = mistune.create_markdown(
    renderer=None,
    plugins=[
        "strikethrough",
        "table",
        "mistune.plugins.table.table_in_list",
        "mark",
        "math",
        _obsidian_and_commonmark,
    ],
)


def _body(document: Document, text: str) -> str:
    """The Markdown after the front matter (mistune would read `---` as a rule)."""
    if document.title is None:
        return text
    head = front_matter(document.title)
    assert text.startswith(head)
    return text[len(head) :]


def _tokens(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from _tokens(token.get("children", []))


# ---------------------------------------------------------------------------------------------
# Check 1: lines and depths


def _source_lines(document: Document) -> list[tuple[int, int]]:
    """The depth and line number of each Scrapbox line that shows, in order.

    * An empty line at depth 0 is only a gap: Markdown writes an empty line, which is no line.
    * A whitespace-only indented line is an item at its depth (`- &nbsp;`).
    * A quote with nothing but spaces after `>` is a line too (written `> &nbsp;`).
    * A numbered line at depth 0 (`1. x`) is written as an ordered list item (the documented
      form: Markdown has no numbered line that is not a list item), so it counts at depth 1.
    * A code block is one line (its fence) at its indent: its body is the block's content.
    * A table is its name line and the table, both at its indent; a table at depth 0 with no
      name has no name line.
    """
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
    return lines


@dataclass
class _Lines:
    """The lines read back from mistune's tree: their depths, and the lines run on."""

    flavor: Flavor
    depths: list[int]
    merged: list[str]

    def blocks(self, tokens: list[Token], depth: int, where: str = "paragraph") -> None:
        for token in tokens:
            match token["type"]:
                case "blank_line":
                    pass
                case "paragraph" | "block_text":
                    self.paragraph(token, depth, where)
                case "block_quote":
                    self.blocks(token.get("children", []), depth, "block quote")
                case "list":
                    for item in token["children"]:
                        self.item(item, depth + 1)
                case _:
                    # A heading, a rule, a code block, a table, an HTML block: one line each.
                    self.depths.append(depth)

    def paragraph(self, token: Token, depth: int, where: str) -> None:
        """A paragraph that is not the first block of a list item (at depth 0, in a block
        quote): one line per line break."""
        breaks = _breaks(token)
        # Plain Markdown renderers join the lines of a paragraph: there, each Scrapbox line
        # must end with a hard break. Obsidian shows soft breaks as line breaks.
        if self.flavor == "markdown" and breaks["softbreak"]:
            self.merged.append(f"{where}: {_text(token)!r}")
        self.depths.extend([depth] * (1 + breaks.total()))

    def item(self, item: Token, depth: int) -> None:
        children: list[Token] = item.get("children", [])
        if not children:
            self.depths.append(depth)
            return
        first = children[0]
        if first["type"] == "list":
            # `- - x`: the empty items the writer adds for a skipped level are no line.
            self.blocks(children, depth)
            return
        if first["type"] in ("paragraph", "block_text"):
            breaks = _breaks(first)
            if breaks:
                # The next Scrapbox line was read as more text of this item.
                self.merged.append(f"list item: {_text(first)!r}")
            # The merged lines count too, so that the depths after them still line up.
            self.depths.extend([depth] * (1 + breaks.total()))
        else:
            # A code block or a table is the item itself (`- ```py`); a rule line `- ***`.
            self.blocks([first], depth)
        self.blocks(children[1:], depth, "list item")


def _breaks(token: Token) -> Counter[str]:
    """The line breaks of a paragraph, also those inside emphasis that spans two lines."""
    return Counter(
        child["type"]
        for child in _tokens(token.get("children", []))
        if child["type"] in ("softbreak", "linebreak")
    )


def _text(token: Token) -> str:
    return "".join(
        "\n" if t["type"] in ("softbreak", "linebreak") else t.get("raw", "")
        for t in _tokens(token.get("children", []))
    )


# ---------------------------------------------------------------------------------------------
# Check 2: links, images, icons, tags


def _inlines(document: Document) -> Iterator[tuple[Inline, Line | None]]:
    """Every inline node of the document with the line it is on (None in table cells)."""

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


def _source_kinds(document: Document, flavor: Flavor) -> tuple[Counter[str], Counter[str]]:
    """What the output must hold: the count of each kind of token, and the bare URLs."""
    obsidian = flavor == "obsidian"
    kinds: Counter[str] = Counter()
    bare: Counter[str] = Counter()
    for node, line in _inlines(document):
        match node:
            case PageLink():
                # A root link (`/project/page`) is a link to scrapbox.io in both flavors.
                kinds["wikilink" if obsidian and not node.is_root else "link"] += 1
            case UrlLink(form="bare"):
                bare[node.url] += 1
            case UrlLink() | GoogleMap():
                kinds["link"] += 1
            case Image():
                kinds["image"] += 1
                if node.link:
                    kinds["link"] += 1  # `[![](src)](link)`
            case Icon():
                if line is not None and line.children == (node,) and node.path in HR_ICONS:
                    continue  # a line that is only a rule icon is a rule: see check 1
                # The default icon form, a Markdown image.
                kinds["image"] += node.count
            case HashTag() if obsidian:
                kinds["tag" if OBSIDIAN_TAG.match(node.name) else "wikilink"] += 1
    return kinds, bare


def _output_kinds(tokens: list[Token]) -> tuple[Counter[str], list[str], list[str]]:
    """The count of each kind of token, the runs of plain text, and the autolinks' URLs."""
    kinds: Counter[str] = Counter()
    texts: list[str] = []
    autolinks: list[str] = []

    def walk(tokens: list[Token]) -> None:
        run: list[str] = []
        for token in tokens:
            kind = token["type"]
            if kind == "text":
                run.append(token["raw"])
                continue
            if run:
                texts.append("".join(run))
                run = []
            if kind in ("wikilink", "link", "image", "tag"):
                kinds[kind] += 1
            elif kind == "autolink":
                autolinks.append(token["children"][0]["raw"])
                continue
            elif kind == "inline_html" and token["raw"].startswith("<img "):
                kinds["html_img"] += 1
            elif kind == "block_html":
                # An HTML block still shows its icons and its text, but no Markdown.
                kinds["html_img"] += len(re.findall(r"(?<!\\)<img ", token["raw"]))
                texts.append(token["raw"])
            walk(token.get("children", []))
        if run:
            texts.append("".join(run))

    walk(tokens)
    return kinds, texts, autolinks


def _lost_bare_urls(bare: Counter[str], texts: list[str], autolinks: list[str]) -> list[str]:
    """The bare URLs of the source that are neither text nor an autolink in the output, and
    the autolinks that are no bare URL of the source.

    The writer writes a bare URL as it is, or as `<url>` (`<` and `>` percent-encoded) when
    it holds characters Markdown could read as markup. mistune has no rule for bare URLs, so
    one written as it is is looked for in the plain text: "at least" there, since the same
    text may also stand in a table cell, a link's label or a longer URL.
    """
    written = Counter(url.replace("<", "%3C").replace(">", "%3E") for url in bare.elements())
    auto = Counter(autolinks)
    lost = [
        url
        for url, count in written.items()
        if sum(text.count(url) for text in texts) + auto[url] < count
    ]
    return lost + [f"<{url}> (no bare URL)" for url in auto - written]


# ---------------------------------------------------------------------------------------------
# One summary per page and flavor


@dataclass(frozen=True, slots=True)
class PageSummary:
    source_lines: tuple[tuple[int, int], ...]
    output_depths: tuple[int, ...]
    merged: tuple[str, ...]
    source_kinds: Counter[str]
    output_kinds: Counter[str]
    lost_bare_urls: tuple[str, ...]

    @property
    def source_depths(self) -> tuple[int, ...]:
        return tuple(depth for depth, _ in self.source_lines)

    @property
    def lines_differ(self) -> bool:
        return bool(self.merged) or self.output_depths != self.source_depths

    @property
    def kinds_differ(self) -> bool:
        # Exact counts for each kind: the writer writes each node as one construct, and
        # escapes every bracket, `!`, `<` and `#` of plain text, so that no other text reads
        # as one. Tags, wikilinks and links are counted together: where Obsidian would not
        # read a tag as one (after a non-space, before a tag character, a number), the writer
        # links to the tag's page instead, as a wikilink or, for a name a wikilink cannot
        # hold, a Markdown link. "At least" only for the bare URLs (see _lost_bare_urls).
        return _merged(self.output_kinds) != _merged(self.source_kinds) or bool(self.lost_bare_urls)


def _merged(kinds: Counter[str]) -> Counter[str]:
    merged = Counter(kinds)
    for kind in ("tag", "wikilink"):
        merged["link"] += merged.pop(kind, 0)
    return +merged


def _summary(document: Document, flavor: Flavor) -> PageSummary:
    text, _ = write_markdown(document, MarkdownOptions(flavor=flavor, project="p"))
    tokens: list[Token] = PARSE(_body(document, text))  # type: ignore[assignment]
    lines = _Lines(flavor, [], [])
    lines.blocks(tokens, 0)
    source_kinds, bare = _source_kinds(document, flavor)
    output_kinds, texts, autolinks = _output_kinds(tokens)
    return PageSummary(
        tuple(_source_lines(document)),
        tuple(lines.depths),
        tuple(lines.merged),
        source_kinds,
        output_kinds,
        tuple(_lost_bare_urls(bare, texts, autolinks)),
    )


@cache
def _summaries(export: str, flavor: Flavor) -> tuple[tuple[CorpusPage, PageSummary], ...]:
    return tuple(
        (page, _summary(read_scrapbox(page.text), flavor)) for page in scrapbox_pages(export)
    )


# ---------------------------------------------------------------------------------------------
# Failure messages: the first Scrapbox line of a page where it goes wrong, and its Markdown


def _first_failing_line(
    document: Document, flavor: Flavor, fails: Callable[[PageSummary], bool]
) -> int:
    """The line of the first block such that the page up to it fails (by bisection)."""
    low, high = 1, len(document.blocks)
    while low < high:
        middle = (low + high) // 2
        if fails(_summary(Document(None, document.blocks[:middle]), flavor)):
            high = middle
        else:
            low = middle + 1
    return document.blocks[low - 1].line


def _excerpt(page: CorpusPage, flavor: Flavor, line: int) -> str:
    """Scrapbox lines up to `line`, and the end of the Markdown written for them."""
    document = read_scrapbox(page.text)
    source = page.text.split("\n")[max(1, line - 4) : line]
    blocks = tuple(block for block in document.blocks if block.line <= line)
    markdown, _ = write_markdown(
        Document(None, blocks), MarkdownOptions(flavor=flavor, project="p")
    )
    output = markdown.rstrip("\n").split("\n")[-6:]
    scrapbox = "\n".join(f"  {text!r}" for text in source)
    written = "\n".join(f"  {text!r}" for text in output)
    return f"  Scrapbox, to line {line}:\n{scrapbox}\n  Markdown:\n{written}"


def _report(
    failures: list[tuple[CorpusPage, PageSummary, str]],
    flavor: Flavor,
    fails: Callable[[PageSummary], bool],
) -> str:
    shown = []
    for page, _, problem in failures[:SHOWN]:
        line = _first_failing_line(read_scrapbox(page.text), flavor, fails)
        shown.append(f"{page.title!r}: {problem}\n{_excerpt(page, flavor, line)}")
    return f"{len(failures)} pages fail; the first {len(shown)}:\n\n" + "\n\n".join(shown)


def _first_difference(source: tuple[int, ...], output: tuple[int, ...]) -> int:
    for index, (expected, actual) in enumerate(zip(source, output, strict=False)):
        if expected != actual:
            return index
    return min(len(source), len(output))


def _lines_problem(page: PageSummary) -> str:
    if page.merged:
        return f"a line runs on into the one before it, in a {page.merged[0]}"
    index = _first_difference(page.source_depths, page.output_depths)
    where = (
        f"Scrapbox line {page.source_lines[index][1]}"
        if index < len(page.source_lines)
        else "the end"
    )
    return (
        f"{len(page.source_depths)} Scrapbox lines, {len(page.output_depths)} Markdown lines; "
        f"depths from {where} on: Scrapbox {page.source_depths[index : index + 6]}, "
        f"Markdown {page.output_depths[index : index + 6]}"
    )


def _kinds_problem(page: PageSummary) -> str:
    lost = _merged(page.source_kinds) - _merged(page.output_kinds)
    extra = _merged(page.output_kinds) - _merged(page.source_kinds)
    return f"missing {dict(lost)}, extra {dict(extra)}, bare URLs lost {page.lost_bare_urls}"


# ---------------------------------------------------------------------------------------------
# The tests


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("export", SCRAPBOX_EXPORTS)
def test_every_line_is_one_markdown_line_at_its_depth(export: str, flavor: Flavor) -> None:
    failures = [
        (page, summary, _lines_problem(summary))
        for page, summary in _summaries(export, flavor)
        if summary.lines_differ
    ]
    if failures:
        pytest.fail(_report(failures, flavor, lambda summary: summary.lines_differ), pytrace=False)


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("export", SCRAPBOX_EXPORTS)
def test_every_link_image_icon_and_tag_is_kept(export: str, flavor: Flavor) -> None:
    failures = [
        (page, summary, _kinds_problem(summary))
        for page, summary in _summaries(export, flavor)
        if summary.kinds_differ
    ]
    if failures:
        pytest.fail(_report(failures, flavor, lambda summary: summary.kinds_differ), pytrace=False)
