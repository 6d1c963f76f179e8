"""What writing a document as Scrapbox loses or changes.

A document read from Scrapbox comes back byte for byte, with nothing to report. A document
read from Markdown may hold what Scrapbox cannot say (heading levels 4 to 6, link aliases and
sections, embeds), and text that Scrapbox, which has no escapes, reads as markup: each line
written is read back, and a line whose text does not come back as text is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..ast import (
    Block,
    Callout,
    Code,
    Decoration,
    Document,
    Embed,
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
from .reader import read_scrapbox
from .writer import (
    html_as_decorations,
    is_icon_tag,
    is_web_url,
    shows_more_than_link,
    write_inline,
    write_inlines,
)

# A link to a page as the writer writes it.
_LINK = re.compile(r"\[[^\[\]]*\]")


def scrapbox_diagnostics(document: Document) -> list[Diagnostic]:
    """The diagnostics of writing `document` as a Scrapbox page, in line order."""
    diagnostics = [
        Diagnostic("front-matter", 1, f"the front matter field {field.key!r} is left out")
        for field in document.meta
    ]
    for block in document.blocks:
        diagnostics.extend(_block_diagnostics(block))
    return diagnostics


def _block_diagnostics(block: Block) -> Iterator[Diagnostic]:
    match block:
        case Heading(level=level, children=children, line=line):
            if level > 3:
                yield Diagnostic(
                    "heading-level", line, f"a level-{level} heading is written as a level-3 one"
                )
            if any(isinstance(node, Code) for node in children):
                yield Diagnostic("heading-code", line, "code in the heading is written as text")
            yield from _node_diagnostics(children, line)
        case Line(children=children, line=line, opened=opened):
            for mark in opened:
                if mark[0].isdigit():
                    # `2. - x`: Scrapbox has no numbered line without text of its own.
                    yield Diagnostic(
                        "list-number",
                        line,
                        f"the number {mark!r} of the item holding this one is left out",
                    )
            written = _as_written(children)
            yield from _node_diagnostics(written, line)
            yield from _markup_diagnostics(written, line)
        case Table(rows=rows, line=line, alignments=alignments):
            if any(alignments):
                yield Diagnostic("table-align", line, "the columns' alignment is left out")
            for index, row in enumerate(rows):
                for cell in row:
                    yield from _node_diagnostics(cell, line + index + 1)


def _as_written(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """The nodes as the writer writes them: HTML formatting elements are decorations."""
    if any(isinstance(node, Html) for node in nodes):
        return html_as_decorations(nodes)
    return nodes


def _node_diagnostics(nodes: tuple[Inline, ...], line: int) -> Iterator[Diagnostic]:
    for node in _as_written(nodes):
        match node:
            case PageLink(target=target, section=section) if section:
                # (An alias is shown, before the link: nothing is lost.)
                yield Diagnostic(
                    "link-section", line, f"the link to {target}#{section} goes to the page"
                )
            case PageLink(target=target) if shows_more_than_link(node) and not node.alias:
                yield Diagnostic(
                    "link-section", line, f"the link to {target} of this note is its text"
                )
            case Image(src=src) if not is_web_url(src):
                yield Diagnostic(
                    "image-local", line, f"the local image {src!r} is written as its name"
                )
            case Image(alt=alt) if alt:
                yield Diagnostic("image-alt", line, f"the image's text {alt!r} is left out")
            case UrlLink(url=url, title=title, label_markdown=markdown):
                if not is_web_url(url):
                    yield Diagnostic(
                        "link-scheme", line, f"Scrapbox cannot link {url!r}: written as text"
                    )
                if title:
                    yield Diagnostic("link-title", line, f"the link's title {title!r} is left out")
                if markdown:
                    yield Diagnostic(
                        "link-label",
                        line,
                        f"the markup of the link's label {markdown!r} is left out: its text stays",
                    )
            case Callout(kind=kind, fold=fold) if fold:
                yield Diagnostic(
                    "callout-fold",
                    line,
                    f"the callout {kind!r} is shown open: Scrapbox cannot fold it ({fold!r})",
                )
            case Html(raw=raw) if not is_icon_tag(raw):
                yield Diagnostic("html", line, f"the markup {raw!r} is written as text")
            case Embed(target=target):
                yield Diagnostic("embed", line, f"the embed of {target} is written as a link")
            case (
                Decoration(children=children)
                | Strong(children=children)
                | Quote(children=children)
                | NumberList(children=children)
            ):
                yield from _node_diagnostics(children, line)


def _markup_diagnostics(children: tuple[Inline, ...], line: int) -> Iterator[Diagnostic]:
    written = write_inlines(children)
    if not any(character in written for character in "[`#$%>?"):
        return
    read_back = read_scrapbox(written, has_title=False).blocks
    again = read_back[0].children if read_back and isinstance(read_back[0], Line) else ()
    if _texts(children) != _texts(again):
        yield Diagnostic(
            "scrapbox-markup", line, f"Scrapbox reads text of this line as markup: {written!r}"
        )


def _texts(nodes: Iterable[Inline]) -> str:
    """All plain text, in order: what must come back as text."""
    parts: list[str] = []
    for node in nodes:
        match node:
            case PageLink() if shows_more_than_link(node):
                # The text written around the link: its alias, the heading it shows.
                parts.append(_LINK.sub("", write_inline(node), count=1))
            case Embed(target=target) if "#" in target:
                parts.append(_LINK.sub("", write_inline(node), count=1))
            case Text(text=text) | Callout(kind=text) | Html(raw=text):
                # (A callout is written as its type in a bold bracket, HTML as its text.)
                parts.append(text)
            case (
                Decoration(children=children)
                | Strong(children=children)
                | Quote(children=children)
                | NumberList(children=children)
            ):
                parts.append(_texts(children))
    return "".join(parts)
