"""Markdown judges written elsewhere: what a reader of the writer's output would see.

* The plain flavor is judged by cmark-gfm, GitHub's own renderer, with the extensions GitHub
  enables (tables, strikethrough, autolinks, the tag filter, task lists) and raw HTML kept.
* The Obsidian flavor is judged by markdown-it-py: CommonMark, GFM tables and strikethrough,
  footnotes, dollar math and raw HTML, plus the rules below for Obsidian's own syntax, each
  rendered as an element of its own so that tests can find it:

  * `[[target#section|alias]]`: `<a class="wikilink" data-target="target"
    data-section="section">alias</a>`
  * `![[file|size]]`: `<span class="embed" data-target="file" data-size="size"></span>`
  * `#tag`: `<span class="tag" data-tag="tag">#tag</span>`
  * `==x==`: `<mark>x</mark>`
  * `%%comment%%`: an empty HTML comment, hidden

`same_rendering` compares two renderings as a reader sees them.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape
from html.parser import HTMLParser
from typing import Any, Literal

import cffi
from cmarkgfm import _cmark as cmark_binding
from cmarkgfm.cmark import Options
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

Flavor = Literal["obsidian", "markdown"]

# ---------------------------------------------------------------------------------------------
# The plain flavor: cmark-gfm


# GitHub's extensions, and its options: raw HTML kept (GitHub's sanitizer comes after), code
# languages as the `lang` attribute of `<pre>`.
_GFM_EXTENSIONS = ("table", "autolink", "tagfilter", "strikethrough", "tasklist")
_GFM_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_GITHUB_PRE_LANG
# cmarkgfm's own functions never free the document tree nor the HTML they render (some 60 kB
# a call): the rendering goes through the library's parts here, and frees both with the
# library's own functions, which its Python module does not expose.
_FREE = cffi.FFI()
_FREE.cdef(
    """
    typedef struct {
        void *(*calloc)(size_t, size_t);
        void *(*realloc)(void *, size_t);
        void (*free)(void *);
    } cmark_mem;
    cmark_mem *cmark_get_default_mem_allocator(void);
    void cmark_node_free(void *node);
    """
)
_FREE_LIB: Any = _FREE.dlopen(cmark_binding.__file__)


def _own(pointer: object) -> Any:
    """A pointer of cmarkgfm's as a pointer of `_FREE`'s."""
    return _FREE.cast("void *", int(cmark_binding.ffi.cast("uintptr_t", pointer)))


@cache
def _gfm_extensions() -> tuple[object, ...]:
    cmark_binding.lib.cmark_gfm_core_extensions_ensure_registered()
    return tuple(
        cmark_binding.lib.cmark_find_syntax_extension(name.encode()) for name in _GFM_EXTENSIONS
    )


def render_gfm(markdown: str) -> str:
    """`markdown` as GitHub renders it."""
    lib = cmark_binding.lib
    parser = lib.cmark_parser_new(_GFM_OPTIONS)
    try:
        for extension in _gfm_extensions():
            lib.cmark_parser_attach_syntax_extension(parser, extension)
        source = markdown.encode()
        lib.cmark_parser_feed(parser, source, len(source))
        root = lib.cmark_parser_finish(parser)
        html = lib.cmark_render_html(
            root, _GFM_OPTIONS, lib.cmark_parser_get_syntax_extensions(parser)
        )
        text: str = cmark_binding.ffi.string(html).decode()
        _FREE_LIB.cmark_get_default_mem_allocator().free(_own(html))
        _FREE_LIB.cmark_node_free(_own(root))
    finally:
        lib.cmark_parser_free(parser)
    return text


# ---------------------------------------------------------------------------------------------
# The Obsidian flavor: markdown-it-py and Obsidian's inline syntax

# A wikilink's inside: no bracket and no line break (`[[a]b]]` is no wikilink).
_WIKILINK = re.compile(r"\[\[([^\[\]\n]+)\]\]")
_EMBED = re.compile(r"!\[\[([^\[\]\n]+)\]\]")
# A tag runs over letters, digits, `_`, `-` and `/`, and needs one that is neither a digit nor
# `/` (help.obsidian.md, "Tags"; the writer's `_OBSIDIAN_TAG`).
_TAG_RUN = re.compile(r"#([\w\-/]+)")
_VALID_TAG = re.compile(r"(?=.*[^\d/])[\w\-/]+")


def _split_link(inside: str) -> tuple[str, str, str]:
    """`target#section|alias` → (target, section, alias)."""
    path, _, alias = inside.partition("|")
    target, _, section = path.partition("#")
    return target.strip(), section.strip(), alias.strip()


def _wikilink(state: StateInline, silent: bool) -> bool:
    """`[[target]]`, `[[target|alias]]`, `[[target#heading|alias]]`: read before links and
    emphasis, so that nothing inside is markup (the alias shows as plain text)."""
    if not state.src.startswith("[[", state.pos):
        return False
    found = _WIKILINK.match(state.src, state.pos, state.posMax)
    if found is None:
        return False
    if not silent:
        target, section, alias = _split_link(found[1])
        token = state.push("wikilink", "a", 0)
        token.meta = {"target": target, "section": section}
        token.content = alias or found[1].partition("|")[0].strip()
    state.pos = found.end()
    return True


def _embed(state: StateInline, silent: bool) -> bool:
    """`![[file]]`, `![[file|size]]`."""
    if not state.src.startswith("![[", state.pos):
        return False
    found = _EMBED.match(state.src, state.pos, state.posMax)
    if found is None:
        return False
    if not silent:
        target, section, size = _split_link(found[1])
        token = state.push("embed", "span", 0)
        token.meta = {"target": target, "section": section, "size": size}
    state.pos = found.end()
    return True


def _tag(state: StateInline, silent: bool) -> bool:
    """`#tag` at the start of the text or after whitespace; any other character before `#`
    (a letter, punctuation, the `*` of emphasis) keeps it text, as does a run of digits."""
    pos = state.pos
    if state.src[pos] != "#" or (pos > 0 and not state.src[pos - 1].isspace()):
        return False
    found = _TAG_RUN.match(state.src, pos, state.posMax)
    if found is None or _VALID_TAG.fullmatch(found[1]) is None:
        return False
    if not silent:
        token = state.push("tag", "span", 0)
        token.content = found[1]
    state.pos = found.end()
    return True


_BACKTICK_RUN = re.compile(r"`+")


def _closing(state: StateInline, marker: str, start: int) -> int:
    """Where the closing `marker` after `start` is, past backslash escapes and code spans
    (which bind more tightly); -1 if none."""
    pos = start
    src = state.src
    while pos < state.posMax:
        if src[pos] == "\\":
            pos += 2
            continue
        if src[pos] == "`":
            run = _BACKTICK_RUN.match(src, pos)[0]  # type: ignore[index]
            close = re.compile(f"(?<!`){run}(?!`)").search(src, pos + len(run), state.posMax)
            pos = close.end() if close else pos + len(run)
            continue
        if state.src.startswith(marker, pos) and pos + len(marker) <= state.posMax:
            return pos
        pos += 1
    return -1


def _highlight(state: StateInline, silent: bool) -> bool:
    """`==x==`: the text up to the next `==` is highlighted; it may not start or end with
    whitespace, and is read as Markdown itself."""
    start = state.pos
    if not state.src.startswith("==", start) or state.src.startswith("===", start):
        return False
    close = _closing(state, "==", start + 2)
    if close <= start + 2:
        return False
    inside = state.src[start + 2 : close]
    if inside[0].isspace() or inside[-1].isspace():
        return False
    if not silent:
        state.push("mark_open", "mark", 1)
        end = state.posMax
        state.pos, state.posMax = start + 2, close
        state.md.inline.tokenize(state)
        state.posMax = end
        state.push("mark_close", "mark", -1)
    state.pos = close + 2
    return True


def _comment(state: StateInline, silent: bool) -> bool:
    """`%%comment%%`: hidden, up to the next `%%` of the paragraph."""
    start = state.pos
    if not state.src.startswith("%%", start):
        return False
    close = state.src.find("%%", start + 2, state.posMax)
    if close < 0:
        return False
    if not silent:
        state.push("obsidian_comment", "", 0)
    state.pos = close + 2
    return True


def _attributes(pairs: dict[str, str]) -> str:
    return "".join(f' {name}="{escape(value)}"' for name, value in pairs.items() if value)


def _obsidian_syntax(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.inline.ruler.before("image", "embed", _embed)
    md.inline.ruler.before("link", "tag", _tag)
    md.inline.ruler.before("emphasis", "highlight", _highlight)
    md.inline.ruler.before("highlight", "obsidian_comment", _comment)
    rules = md.renderer.rules
    rules["wikilink"] = lambda tokens, idx, *_: (
        f'<a class="wikilink"{_attributes({"data-target": tokens[idx].meta["target"]})}'
        f"{_attributes({'data-section': tokens[idx].meta['section']})}>"
        f"{escape(tokens[idx].content)}</a>"
    )
    rules["embed"] = lambda tokens, idx, *_: (
        '<span class="embed"'
        + _attributes({f"data-{name}": value for name, value in tokens[idx].meta.items()})
        + "></span>"
    )
    rules["tag"] = lambda tokens, idx, *_: (
        f'<span class="tag" data-tag="{escape(tokens[idx].content)}">'
        f"#{escape(tokens[idx].content)}</span>"
    )
    rules["obsidian_comment"] = lambda *_: "<!---->"


def _mend_math_at_start(md: MarkdownIt) -> None:
    """dollarmath looks at the character before a `$` as `src[pos - 1]`, which at the start
    of the text is its last character: `$x$ costs 5` would not be math. It is given a space
    after the end of the text to look at instead."""
    ruler = md.inline.ruler
    rule = ruler.__rules__[ruler.__find__("math_inline")].fn

    def math_inline(state: StateInline, silent: bool) -> bool:
        if state.pos or not state.src:
            return rule(state, silent)
        source = state.src
        state.src = source + " "
        try:
            return rule(state, silent)
        finally:
            state.src = source

    ruler.at("math_inline", math_inline)


@cache
def obsidian_parser() -> MarkdownIt:
    """The Obsidian judge's parser, built once."""
    # The preset stops reading blocks nested more than 20 deep and drops the rest of the
    # text; Scrapbox pages nest lists 45 levels deep (a list level is two).
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 200})
    md.enable(["table", "strikethrough"])
    # An autolink shows its URI as written, as CommonMark has it (and cmark-gfm does);
    # markdown-it decodes its percent-escapes for display, `%0A` into a line break.
    md.normalizeLinkText = lambda url: url
    footnote_plugin(md)
    # Pandoc's rules, which Obsidian's math follows: no space inside the dollars, and no
    # digit right after the closing one (`$5 and $6`).
    dollarmath_plugin(md, allow_labels=False, allow_space=False, allow_digits=False)
    _mend_math_at_start(md)
    _obsidian_syntax(md)
    return md


def render_obsidian(markdown: str) -> str:
    """`markdown` as Obsidian's reading view would show it."""
    return obsidian_parser().render(markdown)


def render(markdown: str, flavor: Flavor) -> str:
    match flavor:
        case "obsidian":
            return render_obsidian(markdown)
        case "markdown":
            return render_gfm(markdown)


# ---------------------------------------------------------------------------------------------
# Comparing renderings

# Elements that start a line of their own: whitespace next to their tags does not show.
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "col",
        "colgroup",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
# Elements with no end tag (`<br>` and `<br />` are one thing).
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
# Elements whose whitespace shows as written.
_PREFORMATTED = frozenset(("pre", "code", "textarea"))
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")

Token = tuple[str, ...]


class _Tokens(HTMLParser):
    """An HTML text as a reader meets it: tags with their attributes in order of name, and
    runs of text as the browser lays them out (comments are hidden)."""

    def __init__(self, ignore: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[Token] = []
        self.text: list[str] = []
        self.preformatted = 0
        # Whether spaces at the start of the next text vanish: at the start of a line, or
        # after a space that is already shown.
        self.collapse = True
        self.remove = str.maketrans("", "", ignore) if ignore else None

    def _clean(self, text: str) -> str:
        return text.translate(self.remove) if self.remove else text

    def _flush(self, block: bool) -> None:
        """Emit the text read since the last tag; `block`: a line ends after it."""
        text = self._clean("".join(self.text))
        self.text = []
        if not self.preformatted:
            text = _HTML_SPACE.sub(" ", text)
            if self.collapse:
                text = text.lstrip(" ")
            if block:
                text = text.rstrip(" ")
        if text:
            self.tokens.append(("text", text))
            self.collapse = text.endswith(" ") and not self.preformatted

    def _tag(self, tag: str) -> None:
        self._flush(tag in _BLOCKS)
        if tag in _BLOCKS:
            self.collapse = True
        elif tag in _VOID:
            self.collapse = False  # an image shows, and so does a space after it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag)
        pairs = sorted((name, self._clean(value or "")) for name, value in attrs)
        self.tokens.append(("start", tag, *(f"{name}={value}" for name, value in pairs)))
        if tag in _PREFORMATTED:
            self.preformatted += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self._tag(tag)
        self.tokens.append(("end", tag))
        if tag in _PREFORMATTED and self.preformatted:
            self.preformatted -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_decl(self, decl: str) -> None:
        self._tag("")
        self.tokens.append(("declaration", decl))

    def handle_pi(self, data: str) -> None:
        self._tag("")
        self.tokens.append(("instruction", data))

    def unknown_decl(self, data: str) -> None:
        self.handle_decl(data)

    def close(self) -> None:
        super().close()
        self._flush(True)


def reader_tokens(html: str, *, ignore: str = "") -> list[Token]:
    """The token stream `same_rendering` compares; characters in `ignore` are left out."""
    parser = _Tokens(ignore)
    parser.feed(html)
    parser.close()
    return parser.tokens


def same_rendering(a_html: str, b_html: str, *, ignore: str = "") -> bool:
    """Whether two renderings look the same to a reader: the same elements with the same
    attributes, the same text up to the whitespace HTML collapses (kept inside `<pre>` and
    `<code>`); comments do not count. Characters in `ignore` are left out of both."""
    if a_html == b_html:
        return True
    return reader_tokens(a_html, ignore=ignore) == reader_tokens(b_html, ignore=ignore)
