"""Markdown inline text → AST inline nodes, on mistune's inline parser.

This is the one module that knows mistune. mistune finds CommonMark's emphasis, links, code
spans, autolinks and raw HTML; rules registered here, ahead of its own, read what it lacks or
what it reads without telling the forms apart: Obsidian's wikilinks, embeds, tags and
comments, links whose destination is in angle brackets (written for `[url label]`, while
`[label url]` has none), bare URLs, and the character references the Markdown writer uses as
invisible separators. Emphasis is paired by `emphasis.py`, which keeps the character of each
pair: `__strong__` is Scrapbox's `[* ]`, while `**strong**` is `[[ ]]`.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from html.entities import html5 as html5_references
from typing import Any, Literal
from urllib.parse import unquote

import mistune
from mistune.core import InlineState
from mistune.inline_parser import InlineParser

from ..ast import (
    Blank,
    Code,
    CommandLine,
    Decoration,
    Embed,
    Formula,
    GoogleMap,
    HashTag,
    Html,
    Icon,
    Image,
    Inline,
    PageLink,
    Strong,
    Text,
    UrlLink,
)
from ..filenames import (
    ProjectFolders,
    icon_page,
    line_link,
    page_key,
    path_segment,
    scrapbox_path,
    title_to_filename,
)
from ..scrapbox.inline import is_image_url
from .emphasis import finalize_emphasis
from .escape import BARE_URL, PLAIN_BARE_URL, is_punctuation, is_whitespace

Token = dict[str, Any]


@dataclass(frozen=True, slots=True)
class InlineContext:
    """What the inline reader needs to know about the document.

    `project` is the Scrapbox project that icons without a project of their own belong to;
    `host` is where Scrapbox pages and icons are served; `project_folders`, the projects whose
    notes are folders of the vault, whose links the writer made links to those notes.
    """

    project: str = ""
    host: str = "https://scrapbox.io"
    obsidian: bool = True
    project_folders: ProjectFolders | None = None


# --- rules mistune lacks ---------------------------------------------------------------------
# Each reads one construct at the position mistune's scanner found it, appends one token and
# returns where it ended (or None: not this construct after all).

_WIKILINK = r"!?\[\[(?:\\.|[^\[\]\n\\])+?\]\]"
# An inline link or image whose destination mistune would give back percent-encoded: read
# here, to keep the URL as written and whether it stood in angle brackets. A label may hold
# one level of brackets (an image in a link). Reference links are mistune's.
_LINK_LABEL = r"(?:\\.|[^\[\]\n\\]|\[(?:\\.|[^\[\]\n\\])*\](?:\([^()\n]*\))?)*"
_LINK_DESTINATION = r"(?:[^\s()\\<]|\\.|\((?:[^\s()\\]|\\.)*\))*"
# A link's title: in double or single quotes, or in parentheses.
_LINK_TITLE = (
    r"""(?:[ \t]+("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\((?:\\.|[^()\\\n])*\)))?[ \t]*"""
)
# (`[[` starts a wikilink, which Obsidian reads first.)
_INLINE_LINK = rf"!?\[(?!\[){_LINK_LABEL}\]\((?:<[^<>\n]*>|{_LINK_DESTINATION}){_LINK_TITLE}\)"
_INLINE_LINK_PARTS = re.compile(
    rf"(!?)\[({_LINK_LABEL})\]\((?:<([^<>\n]*)>|({_LINK_DESTINATION})){_LINK_TITLE}\)"
)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
# A `~~` that may open a strikethrough, as far as a pattern tells (see `_can_open_tildes`).
_TILDES = r"~~(?=[^\s~])"
_TILDES_OPENING = re.compile(_TILDES)
_AUTOLINK = r"<https?://[^<>\s]*>"
# A tag as Obsidian reads one: at least one character other than a digit or `/`.
_TAG = r"(?<![^\s(])#(?![0-9/]+(?![^\s!-,.:-@\[-^`{-~]))[^\s!-,.:-@\[-^`{-~]+"
_COMMENT = r"%%[\s\S]*?%%"
# The start of a footnote reference, `[^1]`, or of an inline footnote, `^[text]`: kept as
# written up to the next `]` (the definitions, `[^1]: text`, are lines of their own).
_FOOTNOTE = r"\[\^|\^\["
_CLOSING_BRACKET = re.compile(r"\]")
_WHITESPACE = re.compile(r"\s")
_NEWLINE = re.compile(r"\n")
_CODE_OPENING = r"(?<!`)`+"
_BACKTICK_RUN = re.compile(r"`+")
# Where a backslash is not an escape (code spans, autolinks and HTML, math), or a backslash.
_BACKSLASH_LITERAL = re.compile(r"[`<$\\]")
# A character some inline rule (mistune's or ours) starts at, or a URL without brackets.
_MARKUP_CHARACTER = re.compile(r"[\\`*_\[\]<>!&$=~%#|^]|https?:|www\.|@|\n")
_INVISIBLE = r"&#8203;|<!---->"
# Scrapbox's `[ ]`: `&nbsp;` for a space, hexadecimal references for other whitespace.
_NBSP = r"(?:&nbsp;|&#[xX][0-9a-fA-F]{1,6};)+"
# CommonMark's character references: a name of HTML5's list, or a code point in decimal
# (up to 7 digits) or hexadecimal (up to 6), and a `;` in every case.
_REFERENCE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{0,31}));")


def _parse_wikilink(inline: InlineParser, m: re.Match[str], state: InlineState) -> int:
    raw = m.group(0)
    embed = raw.startswith("!")
    body = raw[3:-2] if embed else raw[2:-2]
    target, bar, alias = _split_unescaped_bar(body)
    state.append_token(
        {"type": "wikilink", "target": target, "alias": alias if bar else None, "embed": embed}
    )
    return m.end()


def _parse_inline_link(inline: InlineParser, m: re.Match[str], state: InlineState) -> int | None:
    parts = _INLINE_LINK_PARTS.fullmatch(m.group(0))
    if parts is None:
        return None
    image, label, angle, plain, title = parts.groups()
    url = angle if angle is not None else _ESCAPED.sub(r"\1", plain)
    nested = state.copy()
    nested.src = label
    nested.in_link = not image
    children = inline.render(nested)
    state.append_token(
        {
            "type": "image" if image else "link",
            "children": children,
            "attrs": {"url": url, "title": _ESCAPED.sub(r"\1", title[1:-1]) if title else None},
            "angle": angle is not None,
            # The label as written, without escapes: `[url](url)` is the writer's `[url]`,
            # whatever Markdown reads in the URL (`*` as emphasis).
            "label": _ESCAPED.sub(r"\1", label),
            "label_markdown": label,
        }
    )
    return m.end()


def _strikethrough_rule(obsidian: bool) -> Any:
    """`~~x~~`, opened and closed only where CommonMark's flanking rules let a run of `~`
    open and close (as the flavor's renderer reads it): `。~~これ` closes nothing."""

    def punctuation(character: str) -> bool:
        return is_punctuation(character, obsidian)

    def parse(inline: InlineParser, m: re.Match[str], state: InlineState) -> int | None:
        src, start = state.src, m.start()
        if not _can_open_tildes(src, start, punctuation) or state.depth >= inline.max_nested_level:
            return None
        close = _closing_tildes(state, m.end(), punctuation)
        if close is None or _opener_between(state, m.end(), close, punctuation):
            # (A closer pairs with the nearest opener before it: one in between takes it.)
            return None
        children = _render_nested(inline, state, src[m.end() : close])
        state.append_token({"type": "strikethrough", "children": children})
        return close + 2

    return parse


def _can_open_tildes(src: str, start: int, punctuation: Callable[[str], bool]) -> bool:
    """Whether the `~~` at `start`, which a character other than whitespace follows, can
    open: before punctuation, only after whitespace or punctuation."""
    before = src[start - 1] if start else " "
    return not punctuation(src[start + 2]) or is_whitespace(before) or punctuation(before)


def _opener_between(
    state: InlineState, start: int, end: int, punctuation: Callable[[str], bool]
) -> bool:
    """Whether a `~~` that can open stands between `start` and `end`; the openers of a text
    are found once (`state.env`)."""
    found: dict[str, list[int]] = state.env.setdefault("opening_tildes", {})
    src = state.src
    openers = found.get(src)
    if openers is None:
        openers = found[src] = [
            match.start()
            for match in _TILDES_OPENING.finditer(src)
            if _can_open_tildes(src, match.start(), punctuation)
        ]
    index = bisect_left(openers, start)
    return index < len(openers) and openers[index] < end


def _closing_tildes(
    state: InlineState, start: int, punctuation: Callable[[str], bool]
) -> int | None:
    """The first `~~` after `start` that can close: not after whitespace, and after
    punctuation only before whitespace or punctuation. Each candidate is judged once a text
    (`state.env`), so that openers without a closer take no time quadratic in their number."""
    judged: dict[tuple[str, int], int | None] = state.env.setdefault("closing_tildes", {})
    src = state.src
    candidate = state.delimiters.find("~~", start, formatting=True)
    passed: list[int] = []
    while candidate is not None:
        if (src, candidate) in judged:
            candidate = judged[(src, candidate)]
            break
        before = src[candidate - 1]
        after = src[candidate + 2] if candidate + 2 < len(src) else " "
        if not (punctuation(before) and not (is_whitespace(after) or punctuation(after))):
            break
        passed.append(candidate)
        candidate = state.delimiters.find("~~", candidate, formatting=True)
    for position in passed:
        judged[(src, position)] = candidate
    return candidate


def _parse_bare_url(inline: InlineParser, m: re.Match[str], state: InlineState) -> int:
    url = m.group(0)
    # A `)` closing text around the URL is not part of it (the writer puts URLs with
    # parentheses in angle brackets).
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    if state.in_link:
        state.append_token({"type": "text", "raw": url})
    else:
        state.append_token({"type": "bare_url", "raw": url})
    return m.start() + len(url)


def _parse_autolink(inline: InlineParser, m: re.Match[str], state: InlineState) -> int:
    state.append_token({"type": "bare_url", "raw": m.group(0)[1:-1]})
    return m.end()


def _parse_tag(inline: InlineParser, m: re.Match[str], state: InlineState) -> int:
    state.append_token({"type": "tag", "raw": m.group(0)[1:]})
    return m.end()


def _parse_codespan(inline: InlineParser, m: re.Match[str], state: InlineState) -> int:
    """A code span, as CommonMark reads it, keeping how many backticks fence it."""
    ticks = m.group(0)
    closing = _closing_ticks(state.src, len(ticks), m.end())
    if closing < 0:
        state.append_token({"type": "text", "raw": ticks})
        return m.end()
    code = state.src[m.end() : closing].replace("\n", " ")
    if code[:1] == code[-1:] == " " and code.strip(" "):
        code = code[1:-1]
    state.append_token({"type": "codespan", "raw": code, "ticks": len(ticks)})
    return closing + len(ticks)


def _closing_ticks(text: str, count: int, start: int) -> int:
    """Where the next run of exactly `count` backticks starts, or -1."""
    for run in _BACKTICK_RUN.finditer(text, start):
        if run.end() - run.start() == count:
            return run.start()
    return -1


def _parse_footnote(inline: InlineParser, m: re.Match[str], state: InlineState) -> int | None:
    closing = _next_match(state, _CLOSING_BRACKET, m.end())
    if m.group(0) == "[^" and closing >= 0:
        # A reference's label is one word at least.
        space = _next_match(state, _WHITESPACE, m.end())
        if closing == m.end() or 0 <= space < closing:
            closing = -1
    if closing < 0:
        return _later_rule(inline, "footnote", m, state)
    state.append_token({"type": "footnote", "raw": state.src[m.start() : closing + 1]})
    return closing + 1


def _next_match(state: InlineState, pattern: re.Pattern[str], start: int) -> int:
    """Where `pattern` next matches in the text being read, at `start` or after, or -1.

    The text is searched once for each pattern and the positions kept, so that no rule scans
    the rest of a line again for each of its openers."""
    found: dict[tuple[re.Pattern[str], str], list[int]] = state.env.setdefault("positions", {})
    key = (pattern, state.src)
    positions = found.get(key)
    if positions is None:
        positions = found[key] = [match.start() for match in pattern.finditer(state.src)]
    index = bisect_left(positions, start)
    return positions[index] if index < len(positions) else -1


def _later_rule(
    inline: InlineParser, name: str, m: re.Match[str], state: InlineState
) -> int | None:
    """What the rules after `name` read where it matched and found no end: what the rule's
    whole pattern, failing there, would have left to them."""
    later = inline.rules[inline.rules.index(name) + 1 :]
    found = inline.compile_sc(later).match(state.src, m.start())
    return None if found is None else inline.parse_method(found, state)


def _parse_comment(inline: InlineParser, m: re.Match[str], state: InlineState) -> int:
    state.append_token({"type": "comment", "raw": m.group(0)[2:-2]})
    return m.end()


def _parse_invisible(inline: InlineParser, m: re.Match[str], state: InlineState) -> int:
    # Written only to make emphasis open or close, or to end an HTML block: not text, but a
    # token of its own, which mistune's emphasis rules see as the punctuation it stands for.
    state.append_token({"type": "invisible", "raw": m.group(0)})
    return m.end()


def _parse_nbsp(inline: InlineParser, m: re.Match[str], state: InlineState) -> int:
    # `&nbsp;` stands for a space; a hexadecimal reference for its own character (U+00A0 too).
    text = decode_references(m.group(0).replace("&nbsp;", " "))
    if text.isspace():
        state.append_token({"type": "blank", "raw": text})
    else:
        state.append_token({"type": "text", "raw": m.group(0)})
    return m.end()


def decode_references(text: str) -> str:
    """`text` with its character references replaced by the characters, as CommonMark
    decodes them; `&copy` without `;` is text (where html.unescape would decode it)."""
    if "&" not in text:
        return text
    return _REFERENCE.sub(_referenced_character, text)


def _referenced_character(reference: re.Match[str]) -> str:
    decimal, hexadecimal, name = reference.groups()
    if name is not None:
        return html5_references.get(name + ";", reference.group(0))
    code = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        # No character, or none Unicode can encode on its own: the replacement character.
        return "\ufffd"
    return chr(code)


def _render_nested(inline: InlineParser, state: InlineState, text: str) -> list[Token]:
    nested = state.copy()
    nested.src = text
    return inline.render(nested)


class _InlineParser(InlineParser):
    """mistune's inline parser, with escapes kept apart from text so that a character
    reference written as `\\&amp;` stays text, and emphasis paired in linear time."""

    def parse_escape(self, m: re.Match[str], state: InlineState) -> int:
        state.append_token({"type": "escaped", "raw": m.group(0)[1::2]})
        return m.end()

    # Whether runs of `*` and `_` pair as in Obsidian (else as on GitHub).
    obsidian = False

    def finalize_tokens(self, tokens: list[Token], depth: int) -> list[Token]:
        return finalize_emphasis(tokens, self.max_nested_level - depth, self.obsidian)


def _markdown(obsidian: bool) -> mistune.Markdown:
    inline = _InlineParser()
    inline.obsidian = obsidian
    # (`==highlight==` is Obsidian's; GitHub shows the `=` as they are.)
    names = (
        ("strikethrough", "mark", "math", "footnotes")
        if obsidian
        else (
            "strikethrough",
            "math",
            "footnotes",
        )
    )
    plugins = [mistune.plugins.import_plugin(name) for name in names]
    markdown = mistune.Markdown(renderer=None, inline=inline, plugins=plugins)
    # Each registered before the mistune rule it must win against, with the characters it
    # can start at: when every rule names them, mistune passes over the text between them
    # instead of searching for the rules' union at every position.
    inline.register(
        "invisible", _INVISIBLE, _parse_invisible, before="escape", start_chars=("&", "<")
    )
    inline.register("code_span", _CODE_OPENING, _parse_codespan, before="codespan", start_chars="`")
    inline.register("nbsp", _NBSP, _parse_nbsp, before="escape", start_chars="&")
    inline.register(
        "inline_link", _INLINE_LINK, _parse_inline_link, before="link", start_chars=("!", "[")
    )
    inline.register("autolink", _AUTOLINK, _parse_autolink, before="auto_link", start_chars="<")
    bare_url = BARE_URL if obsidian else PLAIN_BARE_URL
    inline.register("bare_url", bare_url, _parse_bare_url, before="escape", start_chars="h")
    inline.register("strikethrough", _TILDES, _strikethrough_rule(obsidian), start_chars="~")
    if obsidian:
        inline.register(
            "wikilink", _WIKILINK, _parse_wikilink, before="link", start_chars=("!", "[")
        )
        inline.register("comment", _COMMENT, _parse_comment, before="escape", start_chars="%")
        inline.register("tag", _TAG, _parse_tag, before="escape", start_chars="#")
        inline.register(
            "footnote", _FOOTNOTE, _parse_footnote, before="link", start_chars=("[", "^")
        )
    return markdown


_PARSERS: dict[bool, mistune.Markdown] = {}


def parse_inline_tokens(text: str, obsidian: bool = True) -> list[Token]:
    """mistune's tokens for one line of inline Markdown."""
    markdown = _PARSERS.get(obsidian)
    if markdown is None:
        markdown = _PARSERS[obsidian] = _markdown(obsidian)
    return markdown.inline(text, {"ref_links": {}})


# --- tokens → nodes ---------------------------------------------------------------------------

_ICON_URL = re.compile(
    r"(?P<host>https?://[^/]+)/api/pages/(?P<project>[^/]*)/(?P<name>[^/?#]*)/icon"
)
_IMG_TAG = re.compile(r"<img\s[^<>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([A-Za-z-]+)\s*=\s*(?:'([^']*)'|"([^"]*)")""")
# The HTML the Markdown writer writes for Scrapbox decorations; other HTML stays HTML.
_HTML_OPEN = re.compile(
    r"<(?:(u|mark)|(span) class=\"deco-([^\"]+)\"|(strong) class=\"level-([0-9]+)\")>",
    re.IGNORECASE,
)
_HTML_CLOSE = re.compile(r"</(u|mark|span|strong)\s*>", re.IGNORECASE)
_HTML_MARKS = {"u": "_", "mark": "+"}


def _decoration_tag(raw: str) -> tuple[str, str] | None:
    """The tag name and the Scrapbox mark of an opening tag the writer writes, or None."""
    opened = _HTML_OPEN.fullmatch(raw)
    if opened is None:
        return None
    simple, span, deco, _, level = opened.groups()
    if simple:
        return simple.lower(), _HTML_MARKS[simple.lower()]
    if span:
        return "span", html.unescape(deco)
    # Cosense's class for text of size N, `[** x]`.
    return "strong", "*" * min(int(level), 100)


def read_inline(text: str, context: InlineContext) -> tuple[Inline, ...]:
    """The inline nodes of one line of Markdown."""
    if _MARKUP_CHARACTER.search(text) is None:
        # Most lines of prose: no character any rule looks at.
        return (Text(text),) if text else ()
    if "[" in text and "]" not in text and not _BACKSLASH_LITERAL.search(text):
        # (The pattern also finds backslashes: text with escapes of its own is left alone.)
        # Without a `]`, no `[` opens anything; escaped, they are read as one run of text
        # instead of one bracket each (a long line of `[` would take seconds).
        text = text.replace("[", "\\[")
    return _run(parse_inline_tokens(text, context.obsidian), context)


def _run(tokens: list[Token], context: InlineContext) -> tuple[Inline, ...]:
    """The nodes of a run of tokens, adjacent texts joined and repeated icons made one."""
    nodes = _merge_text(_nodes(tokens, context))
    if any(type(node) is Code for node in nodes):
        nodes = _dollar_code_math(nodes)
    if any(type(node) is Icon and node.repeat for node in nodes):
        return tuple(_merge_icons(nodes))
    return nodes


def _dollar_code_math(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """GitHub's other form of inline math, $`tex`$ (a code span between two `$`), as a
    formula."""
    merged: list[Inline] = []
    for node in nodes:
        if (
            type(node) is Text
            and node.text.startswith("$")
            and len(merged) >= 2
            and type(code := merged[-1]) is Code
            and type(opening := merged[-2]) is Text
            and opening.text.endswith("$")
        ):
            del merged[-2:]
            if opening.text[:-1]:
                merged.append(Text(opening.text[:-1]))
            merged.append(Formula(code.text))
            if node.text[1:]:
                merged.append(Text(node.text[1:]))
            continue
        merged.append(node)
    return tuple(merged)


def _nodes(tokens: list[Token], context: InlineContext) -> Iterator[Inline]:
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token["type"]
        if kind == "inline_html" and (opened := _decoration_tag(token["raw"])):
            tag, mark = opened
            close = _matching_close(tokens, index, tag)
            if close is not None:
                children = _run(tokens[index + 1 : close], context)
                yield _decorated(mark, children)
                index = close + 1
                continue
        yield from _node(token, context)
        index += 1


def _matching_close(tokens: list[Token], start: int, tag: str) -> int | None:
    depth = 0
    for index in range(start + 1, len(tokens)):
        token = tokens[index]
        if token["type"] != "inline_html":
            continue
        raw = token["raw"]
        if (opened := _decoration_tag(raw)) and opened[0] == tag:
            depth += 1
        elif (closed := _HTML_CLOSE.fullmatch(raw)) and closed[1].lower() == tag:
            if depth == 0:
                return index
            depth -= 1
    return None


def _decorated(mark: str, children: tuple[Inline, ...], delimiter: str = "") -> Inline:
    """`children` under one more decoration mark; nested marks merge as Scrapbox writes
    them (`[*/ x]`), the outer mark first. `delimiter`: `_` for italics written `_x_`."""
    if len(children) == 1 and isinstance(children[0], Decoration):
        inner = children[0]
        return Decoration(mark + inner.marks, inner.children, delimiter or inner.delimiter)
    if mark == "*" and len(children) == 1 and isinstance(children[0], Strong):
        return Decoration("**", children[0].children)
    return Decoration(mark, children, delimiter)


def _node(token: Token, context: InlineContext) -> Iterator[Inline]:
    kind = token["type"]
    match kind:
        case "text":
            yield Text(decode_references(token["raw"]))
        case "escaped":
            yield Text(token["raw"])
        case "blank":
            yield Blank(token["raw"])
        case "codespan":
            code: str = token["raw"]
            longest = max((len(run) for run in re.findall("`+", code)), default=0)
            if code[:2] in ("$ ", "% ") and token.get("ticks", 0) > longest + 1:
                # The writer fences a command line with one backtick more than it needs.
                symbol: Literal["$", "%"] = "$" if code[0] == "$" else "%"
                yield CommandLine(symbol, code[2:])
            else:
                yield Code(code)
        case "emphasis":
            underscore = "_" if token.get("marker") == "_" else ""
            yield _decorated("/", _children(token, context), underscore)
        case "strong":
            children = _children(token, context)
            if token.get("marker") == "_":
                yield _decorated("*", children)
            elif len(children) == 1 and isinstance(children[0], Image | Icon):
                # A bold image or icon is Scrapbox's large one, `[[src]]`.
                inner = children[0]
                yield (
                    Image(inner.src, inner.link, inner.link_first, inner.separator, True, inner.alt)
                    if isinstance(inner, Image)
                    else replace(inner, strong=True)
                )
            else:
                yield Strong(children)
        case "strikethrough":
            yield _decorated("-", _children(token, context))
        case "mark":
            yield _decorated("+", _children(token, context))
        case "inline_math" | "block_math":
            yield Formula(token["raw"].strip())
        case "link":
            yield from _link(token, context)
        case "image":
            yield from _image(token, context)
        case "bare_url":
            yield UrlLink(token["raw"], form="bare")
        case "wikilink":
            target = token["target"]
            if token["embed"]:
                yield from _embed(target, token["alias"])
            else:
                yield _wikilink(target, token["alias"], context)
        case "tag":
            yield HashTag(token["raw"])
        case "footnote":
            yield Html(token["raw"])
        case "comment":
            # Kept as written, so that it stays hidden in Obsidian.
            yield Html(f"%%{token['raw']}%%")
        case "inline_html":
            yield from _inline_html(token["raw"], context)
        case "invisible":
            pass
        case "linebreak" | "softbreak":
            yield Text(" ")
        case _:
            yield Text(token.get("raw", ""))


def _children(token: Token, context: InlineContext) -> tuple[Inline, ...]:
    return _run(token.get("children", []), context)


def _link(token: Token, context: InlineContext) -> Iterator[Inline]:
    url = token["attrs"]["url"]
    children = _children(token, context)
    if len(children) == 1 and isinstance(children[0], Image) and not children[0].link:
        image = children[0]
        # Written `[link image]` when the link is an image too: Scrapbox takes the second
        # of two images as the one shown.
        link_first = bool(token.get("angle")) or is_image_url(url)
        yield Image(image.src, url, link_first, image.separator, image.strong, image.alt)
        return
    written = "".join(_text_of(node) for node in children)
    label = written.strip()
    if label.startswith("/") and url == context.host + scrapbox_path(label):
        yield PageLink(label)
        return
    if written.startswith("/") and url == context.host + scrapbox_path(written):
        # A root link whose target ends in whitespace, `[/a ]`: its URL says so.
        yield PageLink(written)
        return
    folders = context.project_folders
    if label.startswith("/") and folders is not None and url == folders.destination(label):
        # The writer's link to the note of a page of another project in the vault.
        yield PageLink(label)
        return
    if (place := _google_map(url, label, written, bool(token.get("angle")))) is not None:
        yield place
        return
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url):
        path, _, section = url.partition("#")
        if path.endswith(".md"):
            note = unquote(path[:-3])
            if title_to_filename(line_link(written)[0]) == note:
                # The writer's link to a page: its label is the page title, as written.
                yield PageLink(written)
            else:
                yield PageLink(note, unquote(section), written, path=True, destination=url)
            return
    # Markup in the label, which Scrapbox's plain label lacks, stays for Markdown.
    styled = any(not isinstance(node, (Text, Blank)) for node in children)
    markdown = token.get("label_markdown", "") if styled else ""
    if not label or (url in (label, token.get("label")) and not token.get("angle")):
        # (Also a URL whose `*` Markdown reads as emphasis in the label: shown so again.)
        yield UrlLink(url, form="bracket", label_markdown=markdown)
        return
    # Whitespace at the label's edges is what stood between label and URL in Scrapbox, when
    # it was not one space.
    leading = written[: len(written) - len(written.lstrip())]
    trailing = written[len(written.rstrip()) :]
    title = token["attrs"].get("title") or ""
    if (
        token.get("angle")
        or _URL_LABEL.match(label)
        or _BRACKET_MARKUP.match(label + (trailing or " "))
        or "]" in label
    ):
        # (`[label url]` with a label that is a URL would be read with the label as the URL;
        # with a label that starts like a decoration or a formula, as one; with a `]` in the
        # label, as ending there.)
        yield UrlLink(
            url,
            label,
            form="url_label",
            separator=leading or " ",
            title=title,
            label_markdown=markdown,
        )
    else:
        yield UrlLink(
            url,
            label,
            form="label_url",
            separator=trailing or " ",
            lead=leading,
            title=title,
            label_markdown=markdown,
        )


_URL_LABEL = re.compile(r"https?://", re.IGNORECASE)
# What makes a bracket a decoration (`[* `, `[/. `) or a formula (`[$ `) in Scrapbox.
_BRACKET_MARKUP = re.compile(r"""[!"#%&'()*+,\-./{|}<>_~]+ |\$ """)
_MAP_URL = re.compile(
    r"https://www\.google\.com/maps/(?:place/([^/]+)/)?@(-?[0-9.]+),(-?[0-9.]+)(?:,([0-9.]+)z)?"
)


def _google_map(url: str, label: str, written: str, angle: bool) -> GoogleMap | None:
    """Scrapbox's location, `[N35.6,E139.7,Z14 place]`, from the link the writer made of it."""
    found = _MAP_URL.fullmatch(url)
    if found is None:
        return None
    place, latitude, longitude, zoom = found.groups()
    coordinates = _coordinate(latitude, "N", "S") + "," + _coordinate(longitude, "E", "W")
    if zoom is not None:
        coordinates += f",Z{zoom}"
    if place is None:
        return GoogleMap(coordinates) if label == coordinates else None
    if unquote(place) != label:
        return None
    if angle:
        return GoogleMap(coordinates, label, separator=_edge_space(written, leading=True) or " ")
    return GoogleMap(
        coordinates, label, place_first=True, separator=_edge_space(written, leading=False) or " "
    )


def _coordinate(signed: str, positive: str, negative: str) -> str:
    return negative + signed[1:] if signed.startswith("-") else positive + signed


def _edge_space(text: str, *, leading: bool) -> str:
    if leading:
        return text[: len(text) - len(text.lstrip())]
    return text[len(text.rstrip()) :]


def _image(token: Token, context: InlineContext) -> Iterator[Inline]:
    src = token["attrs"]["url"]
    alt = "".join(_text_of(node) for node in _children(token, context))
    icon = _icon_from_url(src, context)
    if icon is not None:
        # (Less Obsidian's size, `![name.icon|20](…)`.)
        yield _icon_as_written(icon, _IMAGE_SIZE.sub("", alt), context)
        return
    # The alt text of an image in a link holds the whitespace between them, if not a space.
    if alt and alt.isspace():
        yield Image(src, separator=alt)
    else:
        yield Image(src, alt=alt)


def _embed(target: str, alias: str | None) -> Iterator[Inline]:
    if target.endswith(".icon.png"):
        yield Icon(target[: -len(".icon.png")])
        return
    yield Embed(target, alias or "")


def _inline_html(raw: str, context: InlineContext) -> Iterator[Inline]:
    if _IMG_TAG.fullmatch(raw):
        attributes = {
            key.lower(): html.unescape(single or double)
            for key, single, double in _ATTRIBUTE.findall(raw)
        }
        src = attributes.get("src", "")
        icon = _icon_from_url(src, context)
        if icon is not None:
            alt = attributes.get("alt", "")
            icon = replace(_icon_as_written(icon, alt, context), tag=True)
            # A URL or alt text written another way than the writer's (a URL not
            # percent-encoded, as the reference pipeline writes it) is kept, for Markdown
            # written again.
            if src != _icon_url(icon, context):
                icon = replace(icon, src=src)
            if alt != (f"{icon.path}.icon*{icon.repeat}" if icon.repeat else f"{icon.path}.icon"):
                icon = replace(icon, alt=alt)
            yield icon
            return
    yield Html(raw)


# Obsidian's size of an image, after its alt text: `|20` or `|20x30`.
_IMAGE_SIZE = re.compile(r"\|[0-9]+(?:x[0-9]+)?$")
_ICON_ALT = re.compile(r"(.*)\.icon(?:\*(\d+))?")


def _icon_as_written(icon: Icon, alt: str, context: InlineContext) -> Icon:
    """`icon` with what its alt text says: the path as written (`/project/name` for an icon of
    the page's own project) when it names the same icon, and `*N` for one of N copies of a
    repeated icon (`[name.icon*N]`)."""
    written = _ICON_ALT.fullmatch(alt)
    if written is None:
        return icon
    path, repeat = written[1], written[2] or ""
    if icon_page(path, context.project) != icon_page(icon.path, context.project):
        path = icon.path
    return Icon(path, repeat)


def _icon_from_url(src: str, context: InlineContext) -> Icon | None:
    found = _ICON_URL.fullmatch(src)
    if found is None or found["host"] != context.host:
        return None
    project = unquote(found["project"])
    name = unquote(found["name"])
    return Icon(name if project == context.project else f"/{project}/{name}")


def _icon_url(icon: Icon, context: InlineContext) -> str:
    """The URL the Markdown writer gives an icon."""
    project, name = icon_page(icon.path, context.project)
    return f"{context.host}/api/pages/{path_segment(project)}/{path_segment(name)}/icon"


def _names_page(text: str, target: str) -> bool:
    """Whether `text` is a title of the page whose file `target` is: the writer's file name
    for it, or the same page as Scrapbox matches titles (`ABC170_E` and `ABC170 E`). A link
    to a line of the page (`ABC#<line id>`) names the page too."""
    text = line_link(text)[0]
    if title_to_filename(text) == target:
        return True
    # Through a project's file names: the same page when `_` and spaces are read alike, as
    # Scrapbox does. A difference in case alone is an Obsidian alias (`[[Views|views]]`).
    return page_key(text) == page_key(target) and text.lower() != target.lower()


def _wikilink(target: str, alias: str | None, context: InlineContext) -> Inline:
    """The Scrapbox link of `[[target|alias]]`: the alias when the target is the file name the
    Markdown writer gives that title (`[[a-b|a/b]]`) or, for a link to another project, the
    note the writer links it to (`[[villagepump/a b|/villagepump/a b]]`), a tag when the alias
    is `#` and that title (`[[2019|#2019]]`), else the target without a heading."""
    folders = context.project_folders
    if alias is not None:
        if alias.startswith("/") and folders is not None and folders.note(alias) == target:
            return PageLink(alias)
        if _names_page(alias, target):
            return PageLink(alias)
        if target[-6:].lower() == ".md.md" and _names_page(alias, target[:-3]):
            # The writer's link to a page whose title ends in `.md` (`[[README.md.md|…]]`).
            return PageLink(alias)
        if alias.startswith("#") and _names_page(alias[1:], target):
            return HashTag(alias[1:])
    page, hash_mark, section = target.partition("#")
    if not page:
        # `[[#heading]]`: a part of the page itself.
        return PageLink(target, alias=alias or "", path=True)
    return PageLink(page, section if hash_mark else "", alias or "", path=True)


def _text_of(node: Inline) -> str:
    match node:
        case Text(text=text) | Code(text=text) | Html(raw=text):
            return text
        case Blank(text=text):
            # `&nbsp;` in a label is the character, not Scrapbox's `[ ]`.
            return text.replace(" ", "\xa0")
        case Decoration(children=children) | Strong(children=children):
            return "".join(_text_of(child) for child in children)
        case UrlLink(url=url, label=label):
            return url + label
        case HashTag(name=name):
            return "#" + name
        case PageLink(target=target, alias=alias):
            return alias or target
        case Formula(tex=tex):
            return tex
        case Icon(path=path):
            return path
        case Image(alt=alt) | Embed(target=alt):
            return alt
    return ""


def _split_unescaped_bar(body: str) -> tuple[str, bool, str]:
    found = re.search(r"(?<!\\)\\?\|", body)
    if found is None:
        return body, False, ""
    return body[: found.start()], True, body[found.end() :]


def _merge_icons(nodes: Iterable[Inline]) -> Iterator[Inline]:
    """One icon for the N copies of `[name.icon*N]` the writer wrote (each says `*N`)."""
    pending: Icon | None = None
    copies = 0
    for node in nodes:
        if pending is not None:
            if node == pending and copies < pending.count:
                copies += 1
                continue
            yield pending
            pending = None
        if isinstance(node, Icon) and node.repeat and node.count > 1:
            pending, copies = node, 1
            continue
        yield node
    if pending is not None:
        yield pending


def _merge_text(nodes: Iterator[Inline]) -> tuple[Inline, ...]:
    merged: list[Inline] = []
    pending: list[str] = []
    for node in nodes:
        if type(node) is Text:
            if node.text:
                pending.append(node.text)
            continue
        if pending:
            merged.append(Text("".join(pending)))
            pending = []
        merged.append(node)
    if pending:
        merged.append(Text("".join(pending)))
    return tuple(merged)
