"""Document → Scrapbox page text.

For a Document read from Scrapbox this gives the source back byte for byte. For nodes built by
other readers it writes the usual form: one space after the indent of code and table rows,
`[url label]` links, and so on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..ast import (
    HEADING_STARS,
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
from ..filenames import page_key


def write_scrapbox(document: Document) -> str:
    rows: list[str] = []
    if document.title is not None:
        rows.append(document.title)
    for block in document.blocks:
        match block:
            case Line(indent=indent, children=children):
                rows.append(indent + write_inlines(children))
            case CodeBlock(indent=indent, filename=filename, lines=lines):
                rows.append(f"{indent}code:{filename}")
                prefixes = block.line_indents or (indent + " ",) * len(lines)
                rows.extend(prefix + text for prefix, text in zip(prefixes, lines, strict=True))
            case Heading(level=level, children=children, indent=indent):
                rows.append(indent + _heading(level, children))
            case Table(indent=indent, name=name, rows=table_rows):
                rows.append(f"{indent}table:{name}")
                prefixes = block.row_indents or (indent + " ",) * len(table_rows)
                rows.extend(
                    prefix + "\t".join(write_inlines(cell) for cell in cells)
                    for prefix, cells in zip(prefixes, table_rows, strict=True)
                )
    return "\n".join(rows)


def _heading(level: int, children: tuple[Inline, ...]) -> str:
    if not children:
        # `[*** ]` would be a link to the page `*** `.
        return ""
    # Code would split the heading's bracket: in a heading it is text.
    children = tuple(Text(node.text) if isinstance(node, Code) else node for node in children)
    return _decoration("*" * HEADING_STARS.get(level, 1), children)


# What Scrapbox reads inside `[[ ]]`, and inside a decoration's brackets.
_IN_STRONG = (Text, PageLink, UrlLink, Icon, Image, HashTag, Blank, Dropped)
_IN_DECORATION = (*_IN_STRONG, Formula, GoogleMap, Helpfeel, CommandLine)


def _decoration(marks: str, children: tuple[Inline, ...]) -> str:
    """`[marks body]`, for a body Scrapbox can read in one bracket.

    Markdown nests what Scrapbox cannot: a decoration or bold text inside a decoration (its
    marks join the outer ones, `[*/ x]`) and code (which stands outside, between brackets of
    the same marks).
    """
    if all(isinstance(child, _IN_DECORATION) for child in children):
        return f"[{marks} {write_inlines(children)}]" if children else ""
    parts: list[str] = []
    run: list[Inline] = []
    for child in children:
        if isinstance(child, _IN_DECORATION):
            run.append(child)
            continue
        if run:
            parts.append(f"[{marks} {write_inlines(run)}]")
            run = []
        match child:
            case Decoration(marks=inner, children=grandchildren):
                parts.append(_decoration(_joined_marks(marks, inner), grandchildren))
            case Strong(children=grandchildren):
                parts.append(_decoration(_joined_marks(marks, "*"), grandchildren))
            case _:
                parts.append(write_inline(child))
    if run:
        parts.append(f"[{marks} {write_inlines(run)}]")
    return "".join(parts)


def _joined_marks(outer: str, inner: str) -> str:
    # Bold inside bold stays size 1: `*` is not repeated.
    return outer + "".join(mark for mark in dict.fromkeys(inner) if mark not in outer)


def write_inlines(nodes: Sequence[Inline]) -> str:
    parts: list[str] = []
    for node in nodes:
        if node.__class__ is Html and _HTML_TAG.fullmatch(node.raw):
            # HTML formatting read from Markdown (rare): written as decorations, whole run.
            return "".join(write_inline(node) for node in html_as_decorations(tuple(nodes)))
        parts.append(write_inline(node))
    return "".join(parts)


# The `<img>` tag the Markdown writer writes for an icon; its alt text is the icon as written.
_ICON_TAG = re.compile(
    r"<img src='https?://[^']*/api/pages/[^']*/icon' alt='([^'<>\[\]]+\.icon)' "
    r"height=\"19\.5\"/>"
)


def is_icon_tag(raw: str) -> bool:
    """Whether raw HTML is the tag the Markdown writer writes for an icon."""
    return _ICON_TAG.fullmatch(raw) is not None


# HTML formatting tags, and the Scrapbox mark each one is.
_HTML_TAG_MARKS = {
    "b": "*",
    "strong": "*",
    "i": "/",
    "em": "/",
    "s": "-",
    "del": "-",
    "strike": "-",
    "u": "_",
    "mark": "+",
}
_HTML_TAG = re.compile(r"<(/?)([A-Za-z]+)\s*>")


def html_as_decorations(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """`nodes` with each HTML formatting element (`<b>x</b>`, `<s>x</s>`) made the Scrapbox
    decoration of the same meaning; other HTML stays as it is."""
    result: list[Inline] = []
    index = 0
    while index < len(nodes):
        node = nodes[index]
        opened = _HTML_TAG.fullmatch(node.raw) if isinstance(node, Html) else None
        if opened and not opened[1] and opened[2].lower() in _HTML_TAG_MARKS:
            close = _closing_tag(nodes, index, opened[2].lower())
            if close is not None:
                inner = html_as_decorations(nodes[index + 1 : close])
                result.append(Decoration(_HTML_TAG_MARKS[opened[2].lower()], inner))
                index = close + 1
                continue
        result.append(node)
        index += 1
    return tuple(result)


def _closing_tag(nodes: tuple[Inline, ...], start: int, tag: str) -> int | None:
    depth = 0
    for index in range(start + 1, len(nodes)):
        node = nodes[index]
        found = _HTML_TAG.fullmatch(node.raw) if isinstance(node, Html) else None
        if found is None or found[2].lower() != tag:
            continue
        if not found[1]:
            depth += 1
        elif depth == 0:
            return index
        else:
            depth -= 1
    return None


def write_inline(node: Inline) -> str:
    """The Scrapbox source of one node (the reference parser's `raw`)."""
    match node:
        case Text(text=text) | Dropped(text=text):
            return text
        case Html(raw=raw):
            # A Scrapbox icon's tag is the icon again; other HTML is its text.
            icon = _ICON_TAG.fullmatch(raw)
            return f"[{icon[1]}]" if icon else raw
        case Code(text=text):
            return f"`{text}`"
        case CommandLine(symbol=symbol, text=text):
            return f"{symbol} {text}"
        case Helpfeel(text=text):
            return f"? {text}"
        case Blank(text=text):
            return f"[{text}]"
        case Decoration(marks=marks, children=children):
            return _decoration(marks, children)
        case Formula(tex=tex, spaced_close=spaced):
            return f"[$ {tex} ]" if spaced else f"[$ {tex}]"
        case Strong(children=children):
            if not all(isinstance(child, _IN_STRONG) for child in children):
                # Only text, links and icons can stand inside `[[ ]]`.
                return _decoration("*", children)
            return f"[[{write_inlines(children)}]]"
        case PageLink() if shows_more_than_link(node):
            return _aliased_link(node)
        case PageLink(target=target):
            return f"[{target}]"
        case Embed(target=target):
            # A note shown in place: a link to it, with the heading it shows after it.
            page, _, section = target.partition("#")
            return _aliased_link(PageLink(page, section)) if page else f"[{target}]"
        case UrlLink():
            return _url_link(node)
        case Image():
            return _image(node)
        case Icon(path=path, repeat=repeat, strong=strong):
            body = f"{path}.icon*{repeat}" if repeat else f"{path}.icon"
            return f"[[{body}]]" if strong else f"[{body}]"
        case GoogleMap(coordinates=coordinates, place=place, separator=separator):
            if not place:
                return f"[{coordinates}]"
            if node.place_first:
                return f"[{place}{separator}{coordinates}]"
            return f"[{coordinates}{separator}{place}]"
        case Callout(kind=kind):
            # A label in bold, where the callout's type stood.
            return f"[* {kind}]"
        case HashTag(name=name):
            return f"#{name}"
        case Quote(children=children):
            return f">{write_inlines(children)}"
        case NumberList(numbers=numbers, children=children):
            return "".join(f"{number}. " for number in numbers) + write_inlines(children)
    raise TypeError(f"not an inline node: {node!r}")


def shows_more_than_link(link: PageLink) -> bool:
    """Whether an Obsidian link is written as other text than `[page]`: an alias, a heading,
    or a part of its own note (`[[#heading]]`)."""
    return bool(link.section or link.alias) or (link.path and link.target.startswith("#"))


def _aliased_link(link: PageLink) -> str:
    """An Obsidian link as Obsidian shows it, with a Scrapbox link to its page.

    Scrapbox cannot show other text for a link to a page: an alias is written before the
    link, in parentheses (`alias ([page])`); a heading is shown after the link, as Obsidian
    shows `[[page#heading]]` (`[page] > heading`); a block id (`#^id`) is no text. A link to a
    part of its own note (no page) is the text it shows.
    """
    target, section, alias = link.target, link.section, link.alias
    if link.path and target.startswith("#"):
        # `[[#heading]]`, read outside a vault.
        target, section = "", section or target[1:]
    shown_section = "" if section.startswith("^") else section
    if not target:
        return alias or shown_section
    if alias:
        if page_key(alias) == page_key(target):
            return f"[{alias}]"
        return f"{alias} ([{target}])"
    return f"[{target}] > {shown_section}" if shown_section else f"[{target}]"


def _url_link(link: UrlLink) -> str:
    if not is_web_url(link.url):
        # Scrapbox links only web addresses: another scheme (`mailto:`, `obsidian://`) or a
        # relative path stays text after its label.
        return f"{link.label} {link.url}" if link.label else link.url
    match link.form:
        case "bare":
            return link.url + link.label
        case "bracket":
            return (
                f"[{link.url}]" if not link.label else f"[{link.url}{link.separator}{link.label}]"
            )
        case "url_label":
            return f"[{link.url}{link.separator}{link.label}]"
        case "label_url":
            return f"[{link.lead}{link.label}{link.separator}{link.url}]"


def is_web_url(url: str) -> bool:
    """Whether Scrapbox reads `url` as a link or an image: `http://` or `https://`, in any
    case."""
    return url[:8].lower().startswith(("http://", "https://"))


def _image(image: Image) -> str:
    if not is_web_url(image.src):
        # A local file (an Obsidian attachment): Scrapbox shows only images on the web.
        return image.src
    if image.strong:
        return f"[[{image.src}]]"
    if not image.link:
        return f"[{image.src}]"
    if image.link_first:
        return f"[{image.link}{image.separator}{image.src}]"
    return f"[{image.src}{image.separator}{image.link}]"
