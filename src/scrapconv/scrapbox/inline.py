"""Scrapbox inline notation: one rule per syntax, registered in precedence order.

The model is the reference parser's (docs/scrapbox-notation.md §5): for a segment of text,
the highest-ranked rule whose pattern matches *anywhere* wins at its leftmost match; the text
before and after is parsed again. Patterns are JavaScript regular expressions translated to
Python with JavaScript's `\\s`, `.` and `\\d` spelled out, since Python's differ.

Three things make this fast and safe on any input while giving the same result:
* The pieces are processed with an explicit stack, never by recursion, so a line of a
  million backticks cannot exhaust Python's stack.
* A piece cut from a segment cannot match a pattern that found no match in the whole segment
  (no pattern here looks outside its own match, except the anchored ones, which are always
  tried again). So the piece left of a match starts at the next pattern and the piece right
  of it at the same pattern: no pattern is searched twice over the same text.
* A pattern whose attempt from one opening bracket may read past later ones (to the next `]`,
  the end of a URL or of the line) is tried opener by opener (see `Opened`) in a segment with
  more than a few `[`: after a failed attempt the search goes on past the text that attempt
  read, where no later opener can match for the same reason. A plain search would read that
  text again from each opener (with a few openers, a few times: it is then the faster).
* A piece that holds a line break is not tried with the anchored patterns ending in `.*$`,
  which cannot match it: tried at the start of each of many pieces, they would read up to
  the same break each time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Literal

from ..ast import (
    Blank,
    Code,
    CommandLine,
    Decoration,
    Dropped,
    Formula,
    GoogleMap,
    HashTag,
    Helpfeel,
    Icon,
    Image,
    Inline,
    NumberList,
    PageLink,
    Quote,
    Strong,
    Text,
    UrlLink,
)
from ..frozen import frozen

# JavaScript's `\s`: what counts as whitespace for indentation, separators and hashtags.
JS_WHITESPACE = "\t\n\v\f\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_S = f"[{JS_WHITESPACE}]"
_NS = f"[^{JS_WHITESPACE}]"
# JavaScript's `.` without the `s` flag.
_DOT = "[^\n\r\u2028\u2029]"
_URL = f"https?://[^{JS_WHITESPACE}\\]]+"
_IMAGE_EXT = r"\.(?:png|jpe?g|gif|svg|webp)"
_IMAGE_QUERY = f"(?:\\?[^\\]{JS_WHITESPACE}]+)?"
_GYAZO = r"https?://(?:[0-9a-z-]+\.)?gyazo\.com/[0-9a-f]{32}"
# The reference compiles some patterns with JavaScript's `i` flag, which folds ASCII only.
_CASELESS = "(?ai)"
_COORDINATES = r"[NS][0-9]+(?:\.[0-9]+)?,[EW][0-9]+(?:\.[0-9]+)?(?:,Z[0-9]+)?"

# Context flags of a segment.
LINE = 0
NESTED = 1  # inside a decoration or a strong body
QUOTED = 2  # inside a quote
TABLE = 4  # a table cell: only icons and page links are real nodes
REFERENCE_BUGS = 8  # reproduce the reference parser's text-losing behaviour exactly
# Not a context of its own, but of the plan for a segment: one with more than _FEW_OPENERS
# `[`, where the patterns that may read past later openers are searched opener by opener
# (`Opened`). With a few, a plain search reads the segment a few times at most, and sooner.
_MANY_OPENERS = 16
_FEW_OPENERS = 4


def strip_js(text: str) -> str:
    return text.strip(JS_WHITESPACE_CHARACTERS)


def _expand_class(spec: str) -> str:
    chars: list[str] = []
    index = 0
    while index < len(spec):
        if index + 2 < len(spec) and spec[index + 1] == "-":
            chars.extend(chr(c) for c in range(ord(spec[index]), ord(spec[index + 2]) + 1))
            index += 3
        else:
            chars.append(spec[index])
            index += 1
    return "".join(chars)


JS_WHITESPACE_CHARACTERS = _expand_class(JS_WHITESPACE)

Build = Callable[[re.Match[str], int], list[Inline]]
# A search of a segment between two positions in it, as `re.Pattern.search` does it.
Search = Callable[[str, int, int], re.Match[str] | None]
# Where to look for the next opener after a failed attempt at `opened`, given the end.
Resume = Callable[[str, re.Match[str], int], int]


@frozen
class Opened:
    """A pattern searched opener by opener. `opener` matches where every match of `pattern`
    starts (and maybe elsewhere); after an attempt at an opener fails, `resume` gives a
    position such that no opener before it can match either, so that the search reads the
    text of each failed attempt once. Every match ends with `closer` (and the pattern looks
    at no text after its match), so the search ends at the last one."""

    pattern: str
    opener: str
    resume: Resume
    closer: str = "]"
    # Searched this way even in a segment with a few `[`, for a pattern whose attempt at an
    # opener never closed reads on to the end of the segment (a decoration's twice): this
    # search reads nothing past the last closer, and makes no attempt after it.
    always: bool = False


@frozen
class Searches:
    """How to search for one pattern in a segment with many `[`, and with a few."""

    many: Search
    few: Search


def _search_from_openers(spec: Opened, pattern: re.Pattern[str]) -> Search:
    attempt = pattern.match
    next_opener = re.compile(spec.opener).search
    resume = spec.resume
    closer = spec.closer
    width = len(closer)
    rfind = str.rfind

    def search(segment: str, begin: int, end: int) -> re.Match[str] | None:
        last = rfind(segment, closer, begin, end)
        if last < 0:
            return None
        # Without text after the last closer, an attempt fails there rather than at the end.
        end = last + width
        opened = next_opener(segment, begin, end)
        while opened is not None:
            found = attempt(segment, opened.start(), end)
            if found is not None:
                return found
            opened = next_opener(segment, resume(segment, opened, end), end)
        return None

    return search


# Compiled when a parse first tries them: most pages need few of the rules, and compiling
# them all took longer than converting a page.
@cache
def _compile(spec: str | Opened) -> tuple[re.Pattern[str], Searches]:
    """A pattern and how to search for it."""
    if isinstance(spec, str):
        pattern = re.compile(spec)
        return pattern, Searches(pattern.search, pattern.search)
    pattern = re.compile(spec.pattern)
    by_openers = _search_from_openers(spec, pattern)
    return pattern, Searches(by_openers, by_openers if spec.always else pattern.search)


# What JavaScript's `.` does not match.
_LINE_BREAK = re.compile("[\n\r\u2028\u2029]")


def _past_line_break(segment: str, opened: re.Match[str], end: int) -> int:
    """For a pattern whose `.*?` after the opener found no closer before a line break: an
    opener that starts 4 or more characters before the break has its `.*?` start at or before
    the break (and not before this one's), so it finds no closer there either."""
    stop = _LINE_BREAK.search(segment, opened.end(), end)
    return end if stop is None else max(opened.start() + 1, stop.start() - 3)


def _past_bracket_body(segment: str, opened: re.Match[str], end: int) -> int:
    """For a pattern whose body after the opener is anything up to a `]`: it fails on a body
    that starts with `]` (this opener only), or when no `]` follows (every later opener)."""
    body = opened.end()
    return body if body < end and segment[body] == "]" else end


def _past_opener(segment: str, opened: re.Match[str], end: int) -> int:
    """For a pattern whose opener holds no other opener, or reads a run (a URL, text up to
    `]`) that decides the match for every opener inside it as for this one, or more strictly."""
    return opened.end()


def _past_label(segment: str, opened: re.Match[str], end: int) -> int:
    """For a pattern where whitespace after the opener starts a label that runs to the next
    `]`: the characters next to that `]` decide the match for this opener and for every later
    one before that `]`."""
    label = opened.end()
    if label < end and segment[label] in JS_WHITESPACE_CHARACTERS:
        closer = segment.find("]", label, end)
        return end if closer < 0 else closer
    return label


@frozen
class InlineRule:
    """One syntax. `patterns` (written as `sources`) are tried in order, each found by its
    search in `searches`; the reference ones replace them when the reference parser's bugs
    are reproduced."""

    name: str
    sources: tuple[str | Opened, ...]
    reference_sources: tuple[str | Opened, ...]
    build: Build
    on_nested: bool
    on_quoted: bool
    in_table: bool
    # A pattern anchored at the start of the segment: the characters it may start with.
    starts: str
    # Substrings every match contains: where one is missing the search is skipped.
    triggers: tuple[str, ...]

    @property
    def patterns(self) -> tuple[re.Pattern[str], ...]:
        """The patterns, compiled (those a parse has not tried yet, now)."""
        return tuple(_compile(source)[0] for source in self.sources)


RULES: list[InlineRule] = []


def rule(
    name: str,
    *patterns: str | Opened,
    on_nested: bool,
    on_quoted: bool,
    in_table: bool = False,
    starts: str = "",
    triggers: tuple[str, ...] = ("[",),
    reference: tuple[str | Opened, ...] | None = None,
) -> Callable[[Build], Build]:
    """Register the decorated builder as the next rule in precedence order."""

    def register(build: Build) -> Build:
        RULES.append(
            InlineRule(
                name=name,
                sources=patterns,
                reference_sources=patterns if reference is None else reference,
                build=build,
                on_nested=on_nested,
                on_quoted=on_quoted,
                in_table=in_table,
                starts=starts,
                triggers=triggers,
            )
        )
        return build

    return register


# --- 1. quote -------------------------------------------------------------------------------
@rule("quote", f">{_DOT}*$", on_nested=False, on_quoted=False, starts=">", triggers=())
def quote(match: re.Match[str], context: int) -> list[Inline]:
    return [Quote(tuple(parse_inline(match[0][1:], context | QUOTED)))]


# --- 2. helpfeel ----------------------------------------------------------------------------
@rule("helpfeel", f"\\? {_DOT}+$", on_nested=False, on_quoted=False, starts="?", triggers=())
def helpfeel(match: re.Match[str], context: int) -> list[Inline]:
    return [Helpfeel(match[0][2:])]


# --- 3. numberList --------------------------------------------------------------------------
_NUMBER_LIST = f"[0-9]+\\. {_DOT}*$"
# The leading numbers of a numberList: `1. 2. x` nests one numberList per number. Once the
# whole segment has matched, every suffix of it matches the `.*$` part too, so the chain is
# the longest run of `digits. ` at the start, found in one pass.
_NUMBER_CHAIN = re.compile(r"(?:[0-9]+\. )+")


@rule(
    "numberList",
    _NUMBER_LIST,
    on_nested=False,
    on_quoted=False,
    starts="0123456789",
    triggers=(),
)
def number_list(match: re.Match[str], context: int) -> list[Inline]:
    raw = match[0]
    chain = _NUMBER_CHAIN.match(raw)
    assert chain is not None  # the rule's pattern starts with one `digits. `
    numbers = tuple(number[:-2] for number in re.findall(r"[0-9]+\. ", chain[0]))
    return [NumberList(numbers, tuple(parse_inline(raw[chain.end() :], context & ~NESTED)))]


# --- 4. code --------------------------------------------------------------------------------
@rule("code", f"`{_DOT}*?`", on_nested=False, on_quoted=True, triggers=("`",))
def code(match: re.Match[str], context: int) -> list[Inline]:
    return [Code(match[0][1:-1])]


# --- 5. commandLine -------------------------------------------------------------------------
@rule("commandLine", f"[$%] {_DOT}+$", on_nested=False, on_quoted=False, starts="$%", triggers=())
def command_line(match: re.Match[str], context: int) -> list[Inline]:
    raw = match[0]
    symbol: Literal["$", "%"] = "$" if raw[0] == "$" else "%"
    return [CommandLine(symbol, raw[2:])]


# --- 6. blank -------------------------------------------------------------------------------
@rule("blank", f"\\[{_S}+\\]", on_nested=False, on_quoted=True)
def blank(match: re.Match[str], context: int) -> list[Inline]:
    return [Blank(match[0][1:-1])]


# --- 7. decoration --------------------------------------------------------------------------


_DECORATION_OPENER = r"""\[[!"#%&'()*+,\-./{|}<>_~]+ """
# The reference's body is `(?:\[[^\[\]]+\]|[^\]])+\]`: characters and bracket pairs up to the
# first `]` that closes no pair, or, when there is none, up to the last `]` (where it backtracks
# to). Repeated once per character, that group keeps a state per character in Python's engine,
# and a long decoration reads ever slower per character. Here the same scan repeats a group only
# at each `[`, possessively (no state kept); the second branch is the backtracking one, taken
# only where the scan reaches the end (so a full match is the reference's too).
_DECORATION_SCAN = r"[^\[\]]*+(?:\[(?:[^\[\]]+\])?[^\[\]]*+)*+"
_DECORATION = (
    rf"{_DECORATION_OPENER}(?!\])"
    rf"(?:{_DECORATION_SCAN}\]|(?={_DECORATION_SCAN}\Z)[\s\S]*\])"
)


@rule(
    "decoration",
    Opened(
        _DECORATION,
        _DECORATION_OPENER,
        _past_bracket_body,
        always=True,
    ),
    on_nested=False,
    on_quoted=True,
    triggers=("[", " ", "]"),
)
def decoration(match: re.Match[str], context: int) -> list[Inline]:
    raw = match[0]
    space = raw.index(" ")
    body = raw[space + 1 : -1]
    return [Decoration(raw[1:space], tuple(parse_inline(body, context | NESTED)))]


# --- 8. formula -----------------------------------------------------------------------------
# The reference's first pattern lets a formula run over the `]` of an earlier formula into a
# later one ending in ` ]`; scrapconv stops it at the start of another formula (so an attempt
# reads no further than the next opener).
_FORMULA_TO_BRACKET = Opened(r"\[\$ [^\]]+\]", r"\[\$ ", _past_bracket_body)
# Written plainly, the first pattern's body is `(?:(?!\[\$ ).)+? \]`: a group repeated lazily
# once per character, with a state kept for each (see _DECORATION). Here the group repeats
# possessively at each space and `[` (a run of other characters between), taking only those
# that start no ` ]` and no `[$ `: what stops it is the first ` ]`, where the lazy body stops.
_FORMULA_RUN = "[^ \\[\n\r\u2028\u2029]*+"
_FORMULA = f"\\[\\$ (?!\\[\\$ ){_DOT}(?:{_FORMULA_RUN}(?: (?!\\])|\\[(?!\\$ )))*+{_FORMULA_RUN} \\]"


@rule(
    "formula",
    Opened(_FORMULA, r"\[\$ ", _past_opener, always=True),
    _FORMULA_TO_BRACKET,
    on_nested=False,
    on_quoted=True,
    triggers=("[$ ", "]"),
    reference=(Opened(f"\\[\\$ {_DOT}+? \\]", r"\[\$ ", _past_line_break), _FORMULA_TO_BRACKET),
)
def formula(match: re.Match[str], context: int) -> list[Inline]:
    raw = match[0]
    spaced = raw.endswith(" ]")
    return [Formula(raw[3 : -2 if spaced else -1], spaced)]


# --- 9. strongImage -------------------------------------------------------------------------
@rule(
    "strongImage",
    Opened(
        f"{_CASELESS}\\[\\[https?://[^{JS_WHITESPACE}\\]]+{_IMAGE_EXT}\\]\\]",
        f"{_CASELESS}\\[\\[{_URL}",
        _past_opener,
        closer="]]",
    ),
    f"\\[\\[{_GYAZO}\\]\\]",
    on_nested=False,
    on_quoted=True,
    triggers=("[[", "]]", "://"),
)
def strong_image(match: re.Match[str], context: int) -> list[Inline]:
    return [Image(match[0][2:-2], strong=True)]


# --- 10. strongIcon -------------------------------------------------------------------------
# The reference accepts `*0` here and then emits nothing; scrapconv leaves `[[x.icon*0]]` to
# the strong rule, like `[x.icon*0]`, which is a link.
@rule(
    "strongIcon",
    r"\[\[[^\[\]]*\.icon(?:\*0*[1-9][0-9]*)?\]\]",
    on_nested=False,
    on_quoted=True,
    triggers=("[[", "]]", ".icon"),
    reference=(r"\[\[[^\[\]]*\.icon(?:\*[0-9]+)?\]\]",),
)
def strong_icon(match: re.Match[str], context: int) -> list[Inline]:
    icon = _icon(match[0][2:-2], strong=True)
    return [Dropped(match[0])] if icon.count == 0 else [icon]


def _icon(inner: str, *, strong: bool) -> Icon:
    dot = inner.rfind(".icon")
    return Icon(inner[:dot], inner[dot + 6 :], strong)


# --- 11. strong -----------------------------------------------------------------------------
@rule(
    "strong",
    Opened(
        f"\\[\\[(?:[^\\[]|\\[[^\\[]){_DOT}*?\\]*\\]\\]",
        r"\[\[(?:[^\[]|\[[^\[])",
        _past_line_break,
        closer="]]",
    ),
    on_nested=False,
    on_quoted=True,
    triggers=("[[", "]]"),
)
def strong(match: re.Match[str], context: int) -> list[Inline]:
    return [Strong(tuple(parse_inline(match[0][2:-2], context | NESTED)))]


# --- 12. image ------------------------------------------------------------------------------
_IMAGE_URL = f"https?://[^{JS_WHITESPACE}\\]]+{_IMAGE_EXT}{_IMAGE_QUERY}"
# A URL alone that is an image, by the patterns of the rules above (compiled, as theirs are,
# when first needed: most pages hold no image).
_WHOLE_IMAGE_URL = f"{_CASELESS}^{_IMAGE_URL}$"
# Which part of `[a b]` is the image: the reference accepts only one-character Gyazo
# subdomains here (and so swaps src and link for `img.gyazo.com`); scrapconv accepts any.
_WHOLE_GYAZO_URL = r"^https?://(?:[0-9a-z-]+\.)?gyazo\.com/[0-9a-f]{32}(?:/raw)?$"
_WHOLE_GYAZO_URL_REFERENCE = r"^https?://(?:[0-9a-z-]\.)?gyazo\.com/[0-9a-f]{32}(?:/raw)?$"


@rule(
    "image",
    # A URL after `[` ends at the first whitespace or `]`, wherever it starts.
    Opened(f"{_CASELESS}\\[{_IMAGE_URL}(?:{_S}+{_URL})?\\]", f"{_CASELESS}\\[{_URL}", _past_opener),
    Opened(f"{_CASELESS}\\[{_URL}{_S}+{_IMAGE_URL}\\]", f"{_CASELESS}\\[{_URL}", _past_opener),
    f"\\[{_GYAZO}(?:/raw)?(?:{_S}+{_URL})?\\]",
    Opened(f"\\[{_URL}{_S}+{_GYAZO}(?:/raw)?\\]", f"\\[{_URL}", _past_opener),
    on_nested=True,
    on_quoted=True,
    triggers=("[", "]", "://"),
)
def image(match: re.Match[str], context: int) -> list[Inline]:
    return [_image(match[0], context)]


def is_image_url(url: str) -> bool:
    """Whether Scrapbox shows `url` as an image in a bracket (`[url]`, `[link url]`)."""
    return bool(
        _compile(_WHOLE_IMAGE_URL)[0].match(url) or _compile(_WHOLE_GYAZO_URL)[0].match(url)
    )


def _image(raw: str, context: int) -> Image:
    inner = raw[1:-1]
    first_end = _first_whitespace(inner)
    if first_end < 0:
        return Image(inner)
    first = inner[:first_end]
    rest = inner[first_end:]
    second = rest.lstrip(JS_WHITESPACE_CHARACTERS)
    separator = rest[: len(rest) - len(second)]
    is_gyazo = _compile(
        _WHOLE_GYAZO_URL_REFERENCE if context & REFERENCE_BUGS else _WHOLE_GYAZO_URL
    )[0]
    if _compile(_WHOLE_IMAGE_URL)[0].match(second) or is_gyazo.match(second):
        return Image(second, first, link_first=True, separator=separator)
    return Image(first, second, separator=separator)


_WHITESPACE_RE = re.compile(_S)


def _first_whitespace(text: str) -> int:
    found = _WHITESPACE_RE.search(text)
    return found.start() if found else -1


# --- 13. absolute link ----------------------------------------------------------------------
_URL_AT_START = re.compile(f"https?://[^{JS_WHITESPACE}\\]]+")
URL_AT_END = re.compile(f"https?://[^{JS_WHITESPACE}\\]]+$")


@rule(
    "link",
    Opened(f"\\[{_URL}{_S}+[^\\]]*{_NS}\\]", f"\\[{_URL}", _past_label),
    # The label stops at `[`: an attempt reads no further than the next opener and one URL.
    f"\\[[^\\[\\]]*{_NS}{_S}+{_URL}\\]",
    Opened(f"\\[{_URL}\\]", f"\\[{_URL}", _past_opener),
    on_nested=True,
    on_quoted=True,
    triggers=("[", "]", "http"),
)
def bracket_link(match: re.Match[str], context: int) -> list[Inline]:
    inner = match[0][1:-1]
    url = _URL_AT_START.match(inner)
    if url is not None:
        rest = inner[url.end() :]
        if not rest:
            return [UrlLink(url[0], form="bracket")]
        label = strip_js(rest)
        return [UrlLink(url[0], label, form="url_label", separator=rest[: len(rest) - len(label)])]
    url = URL_AT_END.search(inner)
    assert url is not None  # the second pattern ends with a URL
    before = inner[: url.start()]
    label = strip_js(before)
    lead = before[: len(before) - len(before.lstrip(JS_WHITESPACE_CHARACTERS))]
    return [
        UrlLink(
            url[0],
            label,
            form="label_url",
            separator=before[len(lead) + len(label) :],
            lead=lead,
        )
    ]


# The last of the reference's link patterns, a bare URL, which runs to the next whitespace.
# The reference lets it run over `]` and then cuts the href there (or, for `http://]`, drops
# the text); scrapconv ends a bare URL before `]`.
@rule(
    "bareUrl",
    _URL,
    on_nested=True,
    on_quoted=True,
    triggers=("http",),
    reference=(f"https?://{_NS}+",),
)
def bare_url(match: re.Match[str], context: int) -> list[Inline]:
    raw = match[0]
    url = _URL_AT_START.match(raw)
    if url is not None:
        # Only the reference's pattern leaves text (from a `]` on) after the URL.
        return [UrlLink(url[0], raw[url.end() :], form="bare", separator="")]
    # Only the reference's pattern gets here (`http://]`), and keeps no text of it.
    return [Dropped(raw)]


# --- 14. icon -------------------------------------------------------------------------------
@rule(
    "icon",
    r"\[[^\[\]]*\.icon(?:\*[1-9][0-9]*)?\]",
    on_nested=True,
    on_quoted=True,
    triggers=("[", "]", ".icon"),
    in_table=True,
)
def icon(match: re.Match[str], context: int) -> list[Inline]:
    return [_icon(match[0][1:-1], strong=False)]


# --- 15. googleMap --------------------------------------------------------------------------
@rule(
    "googleMap",
    # Whether the place before the coordinates can start after an opener depends only on
    # where the text up to the next `]` ends: so for the openers before that `]` alike.
    Opened(
        f"\\[(?P<place>[^\\]]*{_NS})(?P<separator>{_S}+)(?P<coordinates>{_COORDINATES})\\]",
        r"\[[^\]]*",
        _past_opener,
    ),
    Opened(
        f"\\[(?P<coordinates>{_COORDINATES})(?:(?P<separator>{_S}+)(?P<place>[^\\]]*{_NS}))?\\]",
        f"\\[{_COORDINATES}",
        _past_label,
    ),
    on_nested=False,
    on_quoted=True,
    triggers=("[", ",", "]"),
)
def google_map(match: re.Match[str], context: int) -> list[Inline]:
    place = match["place"] or ""
    return [
        GoogleMap(
            match["coordinates"],
            place,
            place_first=match.start("coordinates") > match.start() + 1,
            separator=match["separator"] or " ",
        )
    ]


# --- 16. internal link ----------------------------------------------------------------------
@rule(
    "internalLink",
    r"\[[^\[\]]+\]",
    on_nested=True,
    on_quoted=True,
    in_table=True,
)
def page_link(match: re.Match[str], context: int) -> list[Inline]:
    return [PageLink(match[0][1:-1])]


# --- 17. hashTag ----------------------------------------------------------------------------
# The reference's pattern is `(?:^|\s)#\S+`. Pieces are searched in place within their segment,
# where `^` cannot mark a piece's start, so it is two rules: at the piece's start, and after
# whitespace. The first finds the leftmost match when there is one at the start, the second
# otherwise, as the single pattern would.
@rule("hashTag", f"#{_NS}+", on_nested=True, on_quoted=True, starts="#", triggers=("#",))
def hash_tag(match: re.Match[str], context: int) -> list[Inline]:
    raw = match[0]
    if raw[0] == "#":
        return [HashTag(raw[1:])]
    return [Text(raw[0]), HashTag(raw[2:])]


rule("hashTagAfterSpace", f"{_S}#{_NS}+", on_nested=True, on_quoted=True, triggers=("#",))(hash_tag)


@frozen
class _Entry:
    """One pattern of a context's plan, as the parse tries it."""

    index: int
    # `pattern.match` for an anchored pattern, `pattern.search` for the others; called with
    # the segment and the piece's bounds in it.
    find: Callable[[str, int, int], re.Match[str] | None]
    build: Build
    as_text: bool  # a table cell: the match becomes text


# Per context: the patterns that apply, in precedence order, each with its rule and the
# trigger bits (see _trigger_bits) of the substrings every match of the rule contains; and
# the entries made of them, by context and index.
_PLANS: dict[int, tuple[tuple[str | Opened, InlineRule, int], ...]] = {}
_ENTRIES: dict[tuple[int, int], _Entry] = {}


def _plan(context: int) -> tuple[tuple[str | Opened, InlineRule, int], ...]:
    """The patterns that apply in one context, in precedence order (not compiled yet)."""
    plan = _PLANS.get(context)
    if plan is None:
        nested = bool(context & NESTED)
        quoted = bool(context & QUOTED)
        reference = bool(context & REFERENCE_BUGS)
        plan = tuple(
            (source, r, _bits(r.triggers))
            for r in RULES
            if (r.on_nested or not nested) and (r.on_quoted or not quoted)
            for source in (r.reference_sources if reference else r.sources)
        )
        _PLANS[context] = plan
    return plan


def _entry(context: int, index: int) -> _Entry:
    """The entry of the plan's `index`th pattern, compiled."""
    entry = _ENTRIES.get((context, index))
    if entry is None:
        source, r, _ = _plan(context)[index]
        pattern, search = _compile(source)
        entry = _Entry(
            index,
            pattern.match if r.starts else search.many if context & _MANY_OPENERS else search.few,
            r.build,
            bool(context & TABLE) and not r.in_table,
        )
        _ENTRIES[(context, index)] = entry
    return entry


# Substrings whose presence decides which patterns are worth searching for in a piece.
_TRIGGERS = ("[", "`", "#", "http", "://", "[[", "]]", "[$ ", ".icon", ",", " ", "]")


def _bits(triggers: tuple[str, ...]) -> int:
    return sum(1 << _TRIGGERS.index(trigger) for trigger in triggers)


def _trigger_bits(piece: str) -> int:
    return (
        ("[" in piece)
        | ("`" in piece) << 1
        | ("#" in piece) << 2
        | ("http" in piece) << 3
        | ("://" in piece) << 4
        | ("[[" in piece) << 5
        | ("]]" in piece) << 6
        | ("[$ " in piece) << 7
        | (".icon" in piece) << 8
        | ("," in piece) << 9
        | (" " in piece) << 10
        | ("]" in piece) << 11
    )


# Per context: the candidate entries for a key made of the trigger bits, the start index and
# the class of the piece's first character (see _candidates_key).
_CANDIDATES: dict[int, dict[int, tuple[_Entry, ...]]] = {}

# The first characters anchored patterns start with, numbered; 0 for every other character.
# Those numbered above 1 start patterns that end in `.*$`, which no line break can be part of.
_ANCHOR_CLASS = {"#": 1, ">": 2, "?": 3, "$": 4, "%": 4} | {digit: 5 for digit in "0123456789"}
_ANCHOR_STARTS = ("", "#", ">", "?", "$%", "0123456789")
# What JavaScript's `.` does not match but Python's `$` does not match before either: a piece
# holding one of these cannot match a pattern ending in `.*$`. (Python's `$` also matches
# before a newline at the end, and no segment holds a newline.)
_BREAK_BEFORE_END = re.compile("[\r\u2028\u2029]")


def _candidates(context: int, key: int) -> tuple[_Entry, ...]:
    """The entries that may match a piece with this key: the anchored ones for its first
    character, and the others, from its start index on, whose triggers it holds."""
    first = _ANCHOR_STARTS[key & 7][:1]
    start = (key >> 3) & 63
    bits = key >> 9
    candidates = tuple(
        _entry(context, index)
        for index, (_, r, needs) in enumerate(_plan(context))
        if needs & bits == needs
        and (bool(first) and first in r.starts if r.starts else index >= start)
    )
    _CANDIDATES.setdefault(context, {})[key] = candidates
    return candidates


# A piece to parse (its start and end in the segment, and the first entry it may match), or
# nodes already built.
_Pending = tuple[int, int, int] | list[Inline]


def parse_inline(segment: str, context: int = LINE) -> list[Inline]:
    """The inline nodes of one segment (a line without its indent, or a table cell)."""
    if not segment:
        return []
    if (
        context == LINE
        and "://" not in segment
        and "http" not in segment
        and _ONLY_PAIRS.fullmatch(segment)
    ):
        return _parse_pairs(segment)
    return _parse_pieces(segment, context)


def _parse_pieces(segment: str, context: int) -> list[Inline]:
    """The general parse of a non-empty segment, piece by piece."""
    # A piece holds no trigger its segment lacks, so the segment's bits serve every piece.
    bits = _trigger_bits(segment) << 9
    plan = context | _MANY_OPENERS if segment.count("[") > _FEW_OPENERS else context
    cache = _CANDIDATES.get(plan) or _CANDIDATES.setdefault(plan, {})
    anchor_class = _ANCHOR_CLASS.get
    out: list[Inline] = []
    # Pieces are bounds within the segment, never copies, so that a line of a million
    # matches takes linear time.
    stack: list[_Pending] = [(0, len(segment), 0)]
    # The first line break at or after the start of the piece last checked for one. Pieces
    # come in the order of their starts, so looking for breaks reads the segment once.
    next_break = -1
    while stack:
        item = stack.pop()
        if item.__class__ is list:
            out.extend(item)
            continue
        if TYPE_CHECKING:
            # For the type checker only: `item` is a piece here. The class test above is
            # the fastest, but narrows the type only where it holds.
            assert isinstance(item, tuple)
        begin, end, start = item
        anchor = anchor_class(segment[begin], 0)
        if anchor > 1:
            if next_break < begin:
                found_break = _BREAK_BEFORE_END.search(segment, begin)
                next_break = len(segment) if found_break is None else found_break.start()
            if next_break < end:
                # A pattern ending in `.*$` would read the piece up to the break in vain; a
                # piece after each of many matches would read it again.
                anchor = 0
        key = bits | start << 3 | anchor
        candidates = cache.get(key)
        if candidates is None:
            candidates = _candidates(plan, key)
        found = None
        for entry in candidates:
            found = entry.find(segment, begin, end)
            if found is not None:
                break
        else:
            out.append(Text(segment[begin:end]))
            continue
        match_begin, match_end = found.span()
        if match_end < end:
            stack.append((match_end, end, entry.index))
        stack.append([Text(found[0])] if entry.as_text else entry.build(found, context))
        if match_begin > begin:
            stack.append((begin, match_begin, entry.index + 1))
    return out


# --- Lines whose only markup is brackets that hold no brackets -------------------------------
# Most lines hold nothing but text and `[...]` pairs with no bracket inside. The only rules
# that may match in them are the pair rules below: every other rule is anchored at the start
# of a piece (which starts at the start of the line or right after a match), or needs one of
# the _OTHER_TRIGGERS, which such a line does not hold. A pair rule's pattern starts with `[`
# and holds no `]` but its last character, so it can match nothing but a whole pair. So each
# pair is the node of the first pattern, in precedence order, that matches exactly it (or
# text when none does): what the general parse gives, without its searches.
_PAIR_RULES = ("blank", "decoration", "icon", "googleMap", "internalLink")
_PAIR_TRIGGERS = ("[", "]", " ", ",", ".icon")
_OTHER_TRIGGERS = ("`", "#", "http", "://", "[$ ", "[[", "]]")
# Text and pairs, with no anchored rule's first character at the start or after a pair, and no
# formula.
_ONLY_PAIRS = re.compile(
    r"(?![>?$%0-9#])[^\[\]`#]*(?:\[(?!\$ )[^\[\]`#]*\](?![>?$%0-9#])[^\[\]`#]*)*"
)
_PAIR = re.compile(r"\[([^\[\]]*)\]")


@cache
def _pair_patterns() -> tuple[tuple[Callable[[str, int, int], re.Match[str] | None], Build], ...]:
    """The pair rules' patterns in precedence order, as tried on a pair that may be of any of
    them."""
    return tuple(
        (pattern.fullmatch, r.build)
        for r in RULES
        if r.name in _PAIR_RULES
        for pattern in r.patterns
    )


# What a pair may start with for blank (whitespace) and decoration (its marks).
_BLANK_OR_DECORATION_START = frozenset(JS_WHITESPACE_CHARACTERS + "!\"#%&'()*+,-./{|}<>_~")


def _check_pair_rules() -> None:
    """Fail at import when a change to the rules breaks what _parse_pairs relies on."""
    pair_rules = tuple(
        r.name for r in RULES if not r.starts and set(r.triggers) <= set(_PAIR_TRIGGERS)
    )
    if pair_rules != _PAIR_RULES:
        raise AssertionError(f"the pair rules are now {pair_rules}, not {_PAIR_RULES}")
    for r in RULES:
        if not (r.starts or r.name in _PAIR_RULES or set(r.triggers) & set(_OTHER_TRIGGERS)):
            raise AssertionError(f"the rule {r.name} may match in a line of pairs")


_check_pair_rules()


def _parse_pairs(segment: str) -> list[Inline]:
    """`_parse_pieces(segment, LINE)` for a segment that `_ONLY_PAIRS` matches."""
    out: list[Inline] = []
    text_end = 0  # where the text not yet written ends
    for pair in _PAIR.finditer(segment):
        inner = pair[1]
        if not inner:
            continue  # every pair rule needs something inside: `[]` stays text
        begin, end = pair.span()
        nodes: list[Inline] | None
        if (
            inner[0] not in _BLANK_OR_DECORATION_START
            and "," not in inner
            and ".icon*" not in inner
        ):
            # Not blank nor decoration (by how it starts) nor googleMap (whose coordinates
            # hold a comma), and no icon with a count: an icon when it ends like one, else a
            # page link. Most pairs are these: their builders' nodes are made directly.
            nodes = [Icon(inner[:-5]) if inner.endswith(".icon") else PageLink(inner)]
        else:
            nodes = _pair_nodes(segment, begin, end)
            if nodes is None:
                continue  # no rule matches: the pair stays text
        if begin > text_end:
            out.append(Text(segment[text_end:begin]))
        out.extend(nodes)
        text_end = end
    if text_end < len(segment):
        out.append(Text(segment[text_end:]))
    return out


def _pair_nodes(segment: str, begin: int, end: int) -> list[Inline] | None:
    """The nodes of the first pair rule whose pattern matches exactly `segment[begin:end]`."""
    for fullmatch, build in _pair_patterns():
        found = fullmatch(segment, begin, end)
        if found is not None:
            return build(found, LINE)
    return None
