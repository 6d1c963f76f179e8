"""Where Markdown would read plain text as markup, and how to keep it text.

A character is escaped only where the target's parser would read it as markup at that
position: CommonMark and GFM for the plain flavor (as GitHub's cmark-gfm reads them), and in
the Obsidian flavor also wikilinks, embeds, tags, highlights, comments and math. Each rule is
one function below, named after the construct it keeps from forming, and `_RULES` maps each
character to its rule. A rule sees the text and the characters around it in the line being
written (`Context`): the character before and after the text, `""` at the start or end of the
line, or None where the writer cannot know them, in which case the rule escapes when the
character could be markup.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from ..frozen import frozen

# A line that is one whole HTML tag, opening or closing: CommonMark's HTML block of the 7th
# kind starts there (unless it would interrupt a paragraph), and takes in the lines after it
# up to an empty line.
LONE_TAG = re.compile(
    r"(?:<[A-Za-z][A-Za-z0-9-]*(?:[ \t]+[A-Za-z_:][\w.:-]*(?:[ \t]*=[ \t]*"
    r"(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*[ \t]*/?>|</[A-Za-z][A-Za-z0-9-]*[ \t]*>)[ \t]*"
)

# A URL in running text, as the Obsidian flavor reads one: it ends at a space, and before
# `*`, `~`, `$` and a closing `__`; the writer puts any other URL in angle brackets.
BARE_URL = r"(?<![\w/])https?://[^\s<>\[\]`|\\*~$]*[^\s<>\[\]`|\\*~$_]"
# A URL in running text as the plain flavor reads one: GitHub's autolink also runs over `|`
# (a table's cells are split before their text is read).
PLAIN_BARE_URL = r"(?<![\w/])https?://[^\s<>\[\]`\\*~$]*[^\s<>\[\]`\\*~$_]"
# Where such a URL ends, whatever stands before.
URL_STOP = re.compile(r"[\s<>\[\]`|\\*~$]")

_TABLE_NAME_LENGTH = 80
_SENTENCE_ENDS = (".", ":", "。", "：", "!", "?")


def is_table_name(text: str) -> bool:
    """Whether the line of text right above a table is read as the table's name rather than
    as a paragraph before it: a Scrapbox table name is short (the corpus's longest has 25
    characters) and no sentence."""
    return len(text) <= _TABLE_NAME_LENGTH and not text.rstrip().endswith(_SENTENCE_ENDS)


_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@frozen
class Context:
    """Where a text stands in the line being written.

    * `obsidian`: the Obsidian flavor (else plain GFM).
    * `before`, `after`: the characters written right before and after the text (up to two
      before it); `""` at the start or the end of the line; None when not known.
    * `in_table`: the text is in a table cell, where `|` ends the cell.
    * `in_label`: the text is a link's label, which a bracket may end or nest.
    * `closed`: nothing after `after` can pair with a delimiter of the text: it ends a link's
      label, a table cell, a heading or a list item's line. (A paragraph goes on over lines.)
    * `enclosing`: the delimiter characters of the emphasis the text stands in, whose openers
      a run of the text could close.
    """

    obsidian: bool
    before: str | None = None
    after: str | None = None
    in_table: bool = False
    in_label: bool = False
    closed: bool = False
    enclosing: str = ""


def is_punctuation(character: str, obsidian: bool) -> bool:
    """Punctuation as the flavor's parser tells it for emphasis: ASCII punctuation and the
    Unicode P categories for cmark-gfm (CommonMark 0.29), and the S categories too for the
    Obsidian flavor's parser (as CommonMark 0.31 has it)."""
    if character in _ASCII_PUNCTUATION:
        return True
    category = unicodedata.category(character)[0]
    return category == "P" or (obsidian and category == "S")


def is_whitespace(character: str) -> bool:
    """CommonMark's Unicode whitespace: the Zs category, tab, line feed, form feed and
    carriage return."""
    return character in "\t\n\f\r " or unicodedata.category(character) == "Zs"


# --- rules: each tells whether the character at `index` of `text` must be escaped -------------


def _previous(text: str, index: int, context: Context) -> str | None:
    """The character before `index` in the line, as written: `""` at its start, None when
    not known."""
    if index:
        # (A carriage return or form feed is written as a character reference, `&#13;`.)
        return ";" if text[index - 1] in _REFERENCED else text[index - 1]
    if context.before is None:
        return None
    return context.before[-1:]


def _next(text: str, index: int, context: Context) -> str | None:
    if index + 1 < len(text):
        return "&" if text[index + 1] in _REFERENCED else text[index + 1]
    if context.after is None:
        return None
    return context.after[:1]


# Characters written as character references (see `escape_inline`).
_REFERENCED = frozenset("\r\f")


def _run(text: str, index: int) -> tuple[int, int]:
    """The run of the character at `index`: where it starts and ends in `text`."""
    character = text[index]
    start = index
    while start and text[start - 1] == character:
        start -= 1
    end = index + 1
    while end < len(text) and text[end] == character:
        end += 1
    return start, end


def _flanking(before: str | None, after: str | None, obsidian: bool) -> tuple[bool, bool]:
    """Whether a delimiter run between `before` and `after` is left- and right-flanking;
    an unknown neighbour counts as whatever lets the run be both."""
    if before is None or after is None:
        return True, True
    after_space = not after or is_whitespace(after)
    before_space = not before or is_whitespace(before)
    after_punctuation = bool(after) and is_punctuation(after, obsidian)
    before_punctuation = bool(before) and is_punctuation(before, obsidian)
    left = not after_space and (not after_punctuation or before_space or before_punctuation)
    right = not before_space and (not before_punctuation or after_space or after_punctuation)
    return left, right


def _opens(text: str, index: int, context: Context) -> bool:
    """Whether the delimiter run holding `index` could open emphasis (or strikethrough,
    highlight): a run that can only close finds no opener once every run of text that could
    open is escaped, and in a closed text, an opener with no closer after it is text. A run
    next to the same character beyond the text's edge could join it, and so could open."""
    start, end = _run(text, index)
    before = _previous(text, start, context)
    after = _next(text, end - 1, context)
    if before is None or after is None or before == text[index] or after == text[index]:
        return True
    left, right = _flanking(before, after, context.obsidian)
    if text[index] == "_" and left and right:
        # `_` opens inside a word only after punctuation, and closes only before it.
        left = is_punctuation(before, context.obsidian)
        right = is_punctuation(after, context.obsidian)
    if right and text[index] in context.enclosing:
        # It could close the emphasis the text stands in.
        return True
    return left and _closer_after(text, end, context)


def _ends_container(context: Context) -> bool:
    """Whether nothing after the text can pair with a delimiter in it."""
    return context.closed and context.after == ("]" if context.in_label else "")


def _closer_after(text: str, end: int, context: Context) -> bool:
    """Whether a run of the character before `end` that could close stands after `end`, or
    may stand after the text."""
    if not _ends_container(context):
        return True
    return _last_closers(text, context.obsidian).get(text[end - 1], -1) >= end


def _closes_before(text: str, end: int, context: Context) -> bool:
    """Whether a closed text has no `]]` after `end`, which a `[[` there would need."""
    return _ends_container(context) and _last_double_bracket(text) < end


@functools.lru_cache(maxsize=256)
def _last_double_bracket(text: str) -> int:
    return text.rfind("]]")


_DELIMITER_RUN = re.compile(r"([*_~=%$])\1*")


@functools.lru_cache(maxsize=256)
def _last_closers(text: str, obsidian: bool) -> dict[str, int]:
    """Where the last run of each delimiter character that could close starts in `text`, a
    text that ends its container (once for each text, so that escaping stays linear)."""
    context = Context(obsidian, before="", after="")
    found: dict[str, int] = {}
    for run in _DELIMITER_RUN.finditer(text):
        character = run[1]
        start, end = run.span()
        before = _previous(text, start, context)
        after = _next(text, end - 1, context)
        if character == "$":
            closes = bool(before) and not is_whitespace(before or " ")
        elif character == "%":
            closes = end - start > 1
        else:
            left, closes = _flanking(before, after, obsidian)
            if character == "_" and left and closes:
                closes = bool(after) and is_punctuation(after or " ", obsidian)
        if closes:
            found[character] = start
    return found


def _emphasis(text: str, index: int, context: Context) -> bool:
    """`*` and `_`: emphasis, where the run could open it (`_` inside a word cannot)."""
    return _opens(text, index, context)


def _double(text: str, index: int, context: Context) -> bool:
    """Whether the character at `index` is one to escape of a run that could make a double
    delimiter (`==`, `%%`, `~~`, `[[`): every other one, so that no two stand together."""
    if text[index] in "=~" and not _opens(text, index, context):
        return False
    start, end = _run(text, index)
    character = text[index]
    joins = _previous(text, start, context) in (character, None) or _next(
        text, end - 1, context
    ) in (character, None)
    if end - start == 1 and not joins:
        return False
    if character == "%" and not joins and not _closer_after(text, end, context):
        return False
    if character == "[" and not joins and _closes_before(text, end, context):
        return False
    return (index - start) % 2 == 0


def _strikethrough(text: str, index: int, context: Context) -> bool:
    """`~`: strikethrough; GitHub's takes one or two tildes, the Obsidian flavor's two."""
    if context.obsidian:
        return _double(text, index, context)
    return _opens(text, index, context)


def _highlight(text: str, index: int, context: Context) -> bool:
    """`=`: Obsidian's `==highlight==`."""
    return context.obsidian and _double(text, index, context)


def _comment(text: str, index: int, context: Context) -> bool:
    """`%`: Obsidian's `%%comment%%`."""
    return context.obsidian and _double(text, index, context)


def _code(text: str, index: int, context: Context) -> bool:
    """`` ` ``: a code span, which may end at any later run of the same length."""
    return True


def _escape(text: str, index: int, context: Context) -> bool:
    """`\\`: escapes the punctuation after it, and makes a line break at a line's end."""
    following = _next(text, index, context)
    return following is None or following in ("", "\r") or following in _ASCII_PUNCTUATION


def _link_close(text: str, index: int, context: Context) -> bool:
    """`]`: ends a link's text where `(` follows, and a label anywhere."""
    return context.in_label or _next(text, index, context) in ("(", None)


def _link_open(text: str, index: int, context: Context) -> bool:
    """`[`: Obsidian's wikilinks, `[[`; a plain `[` starts no link once every `](` is
    escaped, and no reference link is ever defined; in a label, a bracket nests."""
    return context.in_label or (context.obsidian and _double(text, index, context))


def _image(text: str, index: int, context: Context) -> bool:
    """`!`: makes a link written right after the text an image, or a wikilink an embed
    (within the text, the `[` after it is kept from starting either)."""
    return index == len(text) - 1 and context.after in ("[", None)


def _link_destination(text: str, index: int, context: Context) -> bool:
    """`(`: the destination of a link whose text ended right before it."""
    before = context.before
    if index or before is None or not before.endswith("]") or before.endswith("\\]"):
        return False
    # (After a wikilink, `(` is text.)
    return not (context.obsidian and before.endswith("]]"))


_TAG_OR_AUTOLINK_START = re.compile(r"[A-Za-z/!?]")


def _html(text: str, index: int, context: Context) -> bool:
    """`<`: an HTML tag, comment or autolink, which starts with a letter, `/`, `!` or `?`."""
    following = _next(text, index, context)
    return following is None or _TAG_OR_AUTOLINK_START.match(following) is not None


def _math(text: str, index: int, context: Context) -> bool:
    """`$`: math, as Obsidian and GitHub render it: `$` opens before a character other than
    a space (and a `$` that closes finds no opener once every one that could open is
    escaped)."""
    after = _next(text, index, context)
    if after is None:
        return True
    return after != "" and not is_whitespace(after) and _closer_after(text, index + 1, context)


def _footnote(text: str, index: int, context: Context) -> bool:
    """`^`: Obsidian's inline footnote, `^[note]`."""
    return context.obsidian and _next(text, index, context) in ("[", None)


def _table_cell(text: str, index: int, context: Context) -> bool:
    """`|`: ends a table cell."""
    return context.in_table


# A character reference, numeric or named, as CommonMark reads one.
ENTITY = re.compile(r"&(?:#[0-9]{1,7};|#[Xx][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")


@functools.cache
def _entity_names() -> frozenset[str]:
    """The HTML5 named references that end in `;`, the only ones CommonMark reads."""
    from html.entities import html5  # here: most pages hold no `&` that starts a reference

    return frozenset(name for name in html5 if name.endswith(";"))


def _entity(text: str, index: int, context: Context) -> bool:
    """`&`: a character reference, when it is one HTML knows."""
    found = ENTITY.match(text, index)
    if found is None:
        return False
    return found[0][1] == "#" or found[0][1:] in _entity_names()


_TAG_CHARACTER = re.compile(r"[\w\-/]")
_TAG_BODY = re.compile(r"[\w\-/]*")


def _tag(text: str, index: int, context: Context) -> bool:
    """`#`: an Obsidian tag, after a space or at the line's start, with a character other
    than a digit in its name."""
    if not context.obsidian:
        return False
    before = _previous(text, index, context)
    if before is not None and before != "" and not is_whitespace(before):
        return False
    body = _TAG_BODY.match(text, index + 1)
    name = body[0] if body else ""
    if body is None or body.end() == len(text):
        following = context.after
        if following is None or _TAG_CHARACTER.match(following[:1]):
            # The name may go on into what follows.
            return True
    return any(not character.isdigit() and character != "/" for character in name)


_RULES: dict[str, Callable[[str, int, Context], bool]] = {
    "\\": _escape,
    "`": _code,
    "*": _emphasis,
    "_": _emphasis,
    "~": _strikethrough,
    "=": _highlight,
    "%": _comment,
    "[": _link_open,
    "]": _link_close,
    "!": _image,
    "(": _link_destination,
    "<": _html,
    "$": _math,
    "|": _table_cell,
    "&": _entity,
    "#": _tag,
    "^": _footnote,
}
# Any character a rule looks at, and control characters: most text has none.
_SPECIAL_CLASS = re.escape("".join(_RULES)) + "\x00-\x08\x0b-\x1f\x7f"
SPECIAL = re.compile(f"[{_SPECIAL_CLASS}]")
# Control characters that Markdown cannot show: a renderer passes them on as they are, or
# reads their character references as U+FFFD (markdown-it, as HTML does).
CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


# Also what would read as a URL: `://`, and in the plain flavor `ww.` (what GitHub links by
# itself). Each pattern starts with one character class, the special characters, `:` and `w`,
# and then checks which it found: the engine looks for the class alone at a few instructions
# a character, where `[…]|://` has it try every alternative at every position.
_SPECIAL_OR_SCHEME = re.compile(f"[{_SPECIAL_CLASS}:](?:(?<!:)|(?=//))")
_SPECIAL_OR_URL = re.compile(f"[{_SPECIAL_CLASS}:w](?:(?<![:w])|(?<=:)(?=//)|(?<=w)(?=w\\.))")


def special_characters(obsidian: bool) -> re.Pattern[str]:
    """What `text` holds when a rule of the flavor may escape something in it (most text
    holds nothing of it)."""
    return _SPECIAL_OR_SCHEME if obsidian else _SPECIAL_OR_URL


def escape_inline(text: str, context: Context, *, autolinks: bool = True) -> str:
    """`text` as Markdown that renders as exactly `text` where `context` says it stands;
    without `autolinks`, a URL in it may still become a link on GitHub (for a URL that is
    meant to)."""
    if special_characters(context.obsidian).search(text) is None:
        return text
    if CONTROL.search(text):
        # Left out (see `CONTROL`), before the rules look at the characters around others.
        text = CONTROL.sub("", text)
    parts: list[str] = []
    last = 0
    for found in SPECIAL.finditer(text):
        index = found.start()
        character = text[index]
        if character in _REFERENCED:
            # A carriage return would end the line: a character reference.
            parts.append(f"{text[last:index]}&#{ord(character)};")
            last = index + 1
        elif _RULES[character](text, index, context):
            parts.append(text[last:index] + "\\")
            last = index
    parts.append(text[last:])
    escaped = "".join(parts)
    if autolinks and context.obsidian and "://" in escaped:
        escaped = _SCHEME.sub(_break_autolink, escaped)
    elif autolinks and not context.obsidian and ("://" in escaped or "ww." in escaped):
        escaped = _GFM_AUTOLINK.sub(_break_autolink, escaped)
    return escaped


# The scheme of what the Obsidian flavor reads as a bare URL (`BARE_URL`) in text.
_SCHEME = re.compile(r"(?<![\w/])https?(?=://)")


# What GitHub links in text by itself: `http://`, `https://` and `ftp://` URLs, and `www.`
# at the start of a word (after a space, `*`, `_`, `~` or `(`).
_GFM_AUTOLINK = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?:https?|ftp)(?=://)|(?:^|(?<=[\s*_~(]))www(?=\.)"
)


def _break_autolink(found: re.Match[str]) -> str:
    """The scheme or `www` with an escape after it, which keeps GitHub (or the Obsidian
    flavor's reader) from linking the text (`https\\://`, `www\\.`)."""
    return found[0] + "\\"


def character_references(text: str) -> str:
    """`text` as numeric character references: characters Markdown shows, but does not read
    as the spaces that end emphasis, start code blocks or vanish at the start of a line."""
    return "".join(f"&#{ord(character)};" for character in text)


# --- the start of a line ---------------------------------------------------------------------

# Leading spaces and tabs: Markdown drops them, or reads four as a code block.
_LEADING_SPACE = re.compile(r"^[ \t]+")
# Block markers: a list item (`-`, `+`, `*`, `1.`, `1)`) or a heading, each followed by a
# space or the end; a quote; a thematic break or a setext underline; a fence; a link
# reference definition; a table's delimiter row.
_BULLET = re.compile(r"[-+*](?=[ \t]|$)")
_ORDERED = re.compile(r"([0-9]{1,9})([.)])(?=[ \t]|$)")
_HEADING = re.compile(r"#{1,6}(?=[ \t]|$)")
_BREAK = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,}|=+[ \t]*|-+[ \t]*)$")
# (A line with another backtick after the run opens no fence: it is a code span.)
_FENCE = re.compile(r"`{3,}(?![^`]*`)|~{3,}")
_DEFINITION = re.compile(r"\[[^\]]+\]:")
_DELIMITER_ROW = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_TASK = re.compile(r"\[[ xX]\](?=[ \t]|$)")
# The first characters of what the patterns above match: most lines start otherwise (a writer
# may skip the call for them).
LINE_START_CHARACTERS = frozenset(" \t-+*>#=_`~[|:0123456789")


def escape_line_start(text: str, *, item: bool = False) -> str:
    """Escape what would make already escaped text at the start of a line (or of a list
    item's content, `item`) a block marker, or make its leading whitespace disappear."""
    first = text[:1]
    if first not in LINE_START_CHARACTERS:
        return text
    if first in " \t":
        space = _LEADING_SPACE.match(text)
        assert space is not None
        return character_references(space[0]) + text[space.end() :]
    if first == "[":
        if ("]:" in text and _DEFINITION.match(text)) or (item and _TASK.match(text)):
            return "\\" + text
        return text
    if first in "0123456789":
        ordered = _ORDERED.match(text)
        if ordered is not None:
            return f"{ordered[1]}\\{ordered[2]}{text[ordered.end() :]}"
        return text
    if first == ">" or _BULLET.match(text) or _HEADING.match(text) or _FENCE.match(text):
        return "\\" + text
    if _BREAK.match(text):
        return "\\" + text
    if "|" in text and "-" in text and _DELIMITER_ROW.match(text):
        return text.replace("-", "\\-", 1)
    return text
