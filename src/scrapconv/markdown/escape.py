"""Where Markdown would read plain text as markup, and how to keep it text.

Backslash escapes work for every ASCII punctuation character in CommonMark, GitHub and
Obsidian, so each character that could start or end a construct is escaped: inline markers
everywhere, block markers at the start of a line.
"""

from __future__ import annotations

import re

# Characters that open or close inline constructs in CommonMark, GFM or Obsidian:
# emphasis and strikethrough, code, links and embeds, autolinks and HTML, math, highlight,
# comments, and the backslash itself.
_INLINE = re.compile(r"[\\`*_~\[\]<>$=%|]")
# `&` only where it would start an entity reference.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# `#` where it would start a tag (after a space or at the start).
_TAG = re.compile(r"(?:^|(?<=\s))#")
# Leading spaces and tabs: Markdown drops them, or reads four as a code block.
_LEADING_SPACE = re.compile(r"^[ \t]+")
# At the start of a line: a heading, a list item (`-`, `+`, `1.`, `1)`), a quote.
_LINE_START = re.compile(r"^(?:([-+>])|([0-9]+)([.)]))")
# The first characters of what the two patterns above match: most lines start otherwise.
_LINE_START_CHARACTERS = frozenset(" \t-+>0123456789")
# A line that is one whole HTML tag, opening or closing: CommonMark's HTML block of the 7th
# kind starts there (unless it would interrupt a paragraph), and takes in the lines after it
# up to an empty line.
LONE_TAG = re.compile(
    r"(?:<[A-Za-z][A-Za-z0-9-]*(?:[ \t]+[A-Za-z_:][\w.:-]*(?:[ \t]*=[ \t]*"
    r"(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*[ \t]*/?>|</[A-Za-z][A-Za-z0-9-]*[ \t]*>)[ \t]*"
)


# Any character any of the rules below looks at: most text has none and is returned as it is.
_SPECIAL = re.compile(r"[\\`*_~\[\]<>$=%|&#(!\r]")


def escape_inline(text: str) -> str:
    """`text` as Markdown that renders as exactly `text`, wherever it stands in a line."""
    if _SPECIAL.search(text) is None:
        return text
    text = _INLINE.sub(r"\\\g<0>", text)
    if text.startswith("("):
        # Right after a link, `(` would start the link's destination.
        text = "\\" + text
    if text.endswith("!"):
        # Right before a link, `!` would make it an image or an embed.
        text = text[:-1] + "\\!"
    text = _ENTITY.sub(r"\\&", text)
    # A carriage return would end the line: keep it as a character reference.
    return _TAG.sub(r"\\#", text).replace("\r", "&#13;")


def character_references(text: str) -> str:
    """`text` as numeric character references: characters Markdown shows, but does not read
    as the spaces that end emphasis, start code blocks or vanish at the start of a line."""
    return "".join(f"&#{ord(character)};" for character in text)


def escape_line_start(text: str) -> str:
    """Escape what would make already escaped text at the start of a line a block marker, or
    make its leading whitespace disappear."""
    if text[:1] not in _LINE_START_CHARACTERS:
        return text
    space = _LEADING_SPACE.match(text)
    if space is not None:
        return character_references(space[0]) + text[space.end() :]
    found = _LINE_START.match(text)
    if found is None:
        return text
    if found[1]:
        return "\\" + text
    return f"{found[2]}\\{found[3]}{text[found.end() :]}"
