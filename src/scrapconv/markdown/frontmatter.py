"""YAML front matter.

The output is what pyyaml's safe dumper writes. Dumping takes tens of microseconds a page,
which dominates the conversion of an export, so a title that is certainly a plain YAML scalar
is written directly: one that no YAML type (a number, a boolean, a date, null) can match,
because it has a non-ASCII character or starts with a letter and is no keyword, and that holds
no character YAML treats specially. Every other title goes through pyyaml.
"""

from __future__ import annotations

import re

# ASCII characters that are text wherever they stand in a plain scalar.
_ASCII_SAFE = re.compile(r"[A-Za-z0-9 ._()/+=~;$^-]*")
# Plain scalars that YAML 1.1 reads as booleans or null.
_KEYWORDS = re.compile(r"yes|no|true|false|on|off|null", re.IGNORECASE)


def front_matter(title: str) -> str:
    """YAML front matter holding the page title."""
    line = _plain_title_line(title)
    if line is None:
        import yaml  # imported here: most titles do not need it

        if "\x85" in title:
            # pyyaml's chosen style would load a NEL back as a space; its double-quoted
            # style escapes it.
            value = yaml.safe_dump(title, default_style='"', allow_unicode=True, width=2**30)
            line = f"title: {value.splitlines()[0]}\n"
        else:
            line = yaml.safe_dump({"title": title}, allow_unicode=True, width=2**30)
    return f"---\n{line}---\n"


def _plain_title_line(title: str) -> str | None:
    """`title: TITLE` when pyyaml would write the title as a plain scalar, else None."""
    if not title or title[0] in " -" or title[-1] == " ":
        return None
    if title.isascii() and (not title[0].isalpha() or _KEYWORDS.fullmatch(title)):
        return None
    ascii_part = "".join(character for character in title if character < "\x80")
    if _ASCII_SAFE.fullmatch(ascii_part) is None or "  " in title:
        return None
    for character in title:
        if character >= "\x80" and not _plain_unicode(character):
            return None
    return f"title: {title}\n"


# Non-ASCII spaces and breaks: pyyaml quotes or folds a scalar holding them.
_UNICODE_SPACES = frozenset("\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | frozenset(
    chr(code) for code in range(0x2000, 0x200B)
)


def _plain_unicode(character: str) -> bool:
    # The non-ASCII characters pyyaml writes unquoted with allow_unicode.
    return (
        "\xa1" <= character <= "\ud7ff"
        or "\ue000" <= character <= "\ufffd"
        or "\U00010000" <= character < "\U0010ffff"
    ) and character not in _UNICODE_SPACES
