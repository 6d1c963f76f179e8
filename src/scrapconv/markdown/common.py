"""What both Markdown writers (the faithful one and the reference format's) write alike: tags,
rules, link destinations, code fences and their languages."""

from __future__ import annotations

import re

from ..ast import Icon

# Fence languages by a code block's extension (or name), where the usual name differs.
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
# Icons that stand for a horizontal rule when alone on a line.
_RULE_ICONS = frozenset({"/icons/hr", "/scrapboxlab/hr", "hr", "-"})
# What Obsidian accepts as a tag: letters, digits, `_`, `-`, `/`, and at least one non-digit.
OBSIDIAN_TAG = re.compile(r"^(?=.*[^\d/])[\w\-/]+$")

_EXPLICIT_LANGUAGE = re.compile(r"\(([^()\s]+)\)$")
_LANGUAGE_WORD = re.compile(r"[0-9a-z+#_-]+")
_URL_NEEDS_BRACKETS = re.compile(r"[\s<>]")
# A destination whose parentheses CommonMark reads as part of it: one level, balanced.
_BALANCED_PARENTHESES = re.compile(r"[^()]*(?:\([^()]*\)[^()]*)*")
_DESTINATION_ESCAPES = re.compile(r"[\\()]")
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


def is_rule_icon(icon: Icon) -> bool:
    """Whether the icon, alone on a line, is a horizontal rule."""
    return icon.path in _RULE_ICONS


# What an autolink or a destination in angle brackets cannot hold: angle brackets and control
# characters (C1 ones too, which a reader may take for whitespace: NEL, U+0085).
NOT_IN_AUTOLINK = re.compile(r"[<>\x00-\x1f\x7f-\x9f]")


def autolink(url: str) -> str:
    """`<url>`, with what an autolink cannot hold percent-encoded (as UTF-8)."""
    return "<" + NOT_IN_AUTOLINK.sub(_percent_encoded, url) + ">"


def _percent_encoded(found: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in found[0].encode())


def link_destination(url: str) -> str:
    """`url` as a link destination: in angle brackets when it holds spaces or angle
    brackets; otherwise as it is, with backslashes and parentheses escaped unless they are
    balanced."""
    if _URL_NEEDS_BRACKETS.search(url):
        return autolink(url)
    if "\\" in url or (("(" in url or ")" in url) and not _BALANCED_PARENTHESES.fullmatch(url)):
        return _DESTINATION_ESCAPES.sub(r"\\\g<0>", url)
    return url


def fence_holds(fence: str, lines: tuple[str, ...], info: str) -> bool:
    """Whether `fence` opens a code block of `lines` and `info` that only the same fence
    closes: longer than any run of its character that starts a line of the code."""
    mark = fence[0]
    if mark == "`" and "`" in info:
        return False
    runs = (
        len(found[1])
        for line in lines
        for part in line.split("\r")
        if (found := _FENCE_LIKE.match(part)) and found[1][0] == mark
    )
    return len(fence) > max(runs, default=0)


def fence_for(lines: tuple[str, ...], info: str) -> str:
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
