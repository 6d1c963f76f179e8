"""YAML front matter: read with its aliases bounded, and written.

A front matter is read only if expanding its aliases adds few values and nests them not too
deep, so that a few hundred bytes of aliases to aliases (a "billion laughs") or an alias to
itself is refused, instead of taking minutes and gigabytes or never ending.

The output is what pyyaml's safe dumper writes. Dumping takes tens of microseconds a page,
which dominates the conversion of an export, so a title that is certainly a plain YAML scalar
is written directly: one that no YAML type (a number, a boolean, a date, null) can match,
because it has a non-ASCII character, starts with a letter and is no keyword, with a digit and
holds a `/`, or with a character no type starts with (`(`, `/`, `_`, …), and that holds no
character YAML treats specially where it stands (an indicator such as `?`, `'` or `!` only at
the start, `: ` and ` #` nowhere). Every other title goes through pyyaml.
"""

from __future__ import annotations

import functools
import re
import sys
from typing import TYPE_CHECKING

from ..ast import MetaValue, Property

if TYPE_CHECKING:
    import yaml

# Characters no YAML type's plain form starts with, and no indicator is.
_UNTYPED_STARTS = frozenset("()/;$^_")
# Plain scalars that YAML 1.1 reads as booleans or null.
_KEYWORDS = re.compile(r"yes|no|true|false|on|off|null", re.IGNORECASE)
# Non-ASCII spaces and breaks: pyyaml quotes or folds a scalar holding them.
_UNICODE_SPACES = frozenset("\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | frozenset(
    chr(code) for code in range(0x2000, 0x200B)
)
# The non-ASCII characters pyyaml writes unquoted with allow_unicode, as code point ranges.
_PLAIN_UNICODE_RANGES = ((0xA1, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFE))


def _text_ranges(ranges: tuple[tuple[int, int], ...], excluded: frozenset[str]) -> list[range]:
    """The code points of `ranges` (inclusive) without `excluded`, as runs."""
    cuts = sorted(ord(character) for character in excluded)
    runs: list[range] = []
    for low, high in ranges:
        start = low
        for cut in cuts:
            if start <= cut <= high:
                runs.append(range(start, cut))
                start = cut + 1
        runs.append(range(start, high + 1))
    return [run for run in runs if run]


def _other_characters(runs: list[range]) -> str:
    """The body of a regex character class for every code point outside `runs`."""
    parts: list[str] = []
    start = 0
    for run in sorted(runs, key=lambda run: run.start):
        if start < run.start:
            parts.append(f"\\U{start:08x}-\\U{run.start - 1:08x}")
        start = max(start, run.stop)
    if start <= sys.maxunicode:
        parts.append(f"\\U{start:08x}-\\U{sys.maxunicode:08x}")
    return "".join(parts)


# The indicators that are text after the start of a scalar in block context (`?`, `,` and
# brackets matter only in flow context; `:` and `#` but in `: ` and ` #`, and `:` at the end,
# which `_plain_title_line` looks for).
_INDICATORS = "?,[]{}'\"!&*|>%@`:#"
# Characters that are text wherever they stand in a plain scalar (ASCII ones, and the plain
# non-ASCII ones), and those indicators.
_TEXT_RUNS = [
    range(ord("0"), ord("9") + 1),
    range(ord("A"), ord("Z") + 1),
    range(ord("a"), ord("z") + 1),
    *(range(ord(character), ord(character) + 1) for character in f" ._()/+=~;$^-{_INDICATORS}"),
    *_text_ranges(_PLAIN_UNICODE_RANGES, _UNICODE_SPACES),
]
# A title that may be a plain scalar as far as its characters go: one of those, not an
# indicator, first, then any of them. One match instead of a loop over the characters. The
# class names the characters it does not hold: compiling a class takes a step for each of its
# characters below U+10000, over 55,000 of the plain ones and about 2,000 of the others.
_PLAIN_CHARACTERS = re.compile(f"(?![{re.escape(_INDICATORS)}])[^{_other_characters(_TEXT_RUNS)}]*")


def front_matter(title: str | None, meta: tuple[Property, ...] = (), written: str = "") -> str:
    """YAML front matter holding the page title, then the other fields in their order;
    `written`, a block as a note wrote it, when it holds just those."""
    if written and _holds(written, title, meta):
        return written
    if meta:
        return _front_matter_with_fields(title, meta)
    if title is None:
        return ""
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
    if title.isascii() and not _plain_ascii_start(title):
        return None
    if _PLAIN_CHARACTERS.fullmatch(title) is None or "  " in title:
        return None
    if title[-1] == ":" or ": " in title or " #" in title:
        return None
    return f"title: {title}\n"


def _plain_ascii_start(title: str) -> bool:
    """Whether no YAML type can match an ASCII title: it starts with a letter and is no
    keyword, or it starts with a digit and holds a `/`, which no number, date or time does, or
    with a character no YAML type starts with."""
    first = title[0]
    if first.isalpha():
        return _KEYWORDS.fullmatch(title) is None
    if first in _UNTYPED_STARTS:
        return True
    return first.isdigit() and "/" in title


def _front_matter_with_fields(title: str | None, meta: tuple[Property, ...]) -> str:
    fields: dict[str, object] = {} if title is None else {"title": title}
    for field in meta:
        fields.setdefault(field.key, _yaml_value(field.value))
    lines = _plain_fields(fields)
    if lines is not None:
        return f"---\n{lines}---\n"
    return f"---\n{_yaml_fields(fields)}---\n"


def _plain_fields(fields: dict[str, object]) -> str | None:
    """The fields as pyyaml writes them, when every key and text is a plain scalar, every
    date a timestamp and every list one of plain texts (an export's `created`, `updated` and
    `aliases`); else None."""
    lines: list[str] = []
    for key, value in fields.items():
        if not _is_plain_key(key):
            return None
        if isinstance(value, str):
            if not (_YAML_DATE.fullmatch(value) or _is_plain(value)):
                return None
            lines.append(f"{key}: {value}\n")
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(item, str) and _is_plain(item) for item in value)
        ):
            lines.append(f"{key}:\n" + "".join(f"- {item}\n" for item in value))
        else:
            return None
    return "".join(lines)


def _is_plain(text: str) -> bool:
    return _plain_title_line(text) is not None


@functools.lru_cache(maxsize=256)
def _is_plain_key(key: str) -> bool:
    """`_is_plain` for a key: notes use few keys, each in many notes."""
    return _is_plain(key)


def _yaml_fields(fields: dict[str, object]) -> str:
    import yaml  # imported here: pages of a Scrapbox export have only a title

    class Dumper(yaml.SafeDumper):
        pass

    def represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
        # A date read from front matter is kept as its text: written plain, it reads back
        # as the date it was.
        if _YAML_DATE.fullmatch(text):
            return dumper.represent_scalar("tag:yaml.org,2002:timestamp", text)
        return dumper.represent_str(text)

    Dumper.add_representer(str, represent_text)
    return yaml.dump(fields, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=2**30)


def _yaml_value(value: MetaValue) -> object:
    if isinstance(value, tuple):
        return [_yaml_value(item) for item in value]
    return value


# YAML's timestamps (1.1), which pyyaml reads as dates.
_YAML_DATE = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?"
)


# --- reading ---------------------------------------------------------------------------------

# How many values aliases may add to those written, and how deep the values may nest.
EXPANDED_VALUES = 10_000
NESTING = 100


class UnreadFrontMatter(ValueError):
    """A front matter block that is not read as fields; the message says why, and `row` is
    the 0-based row of the YAML text where the error is, when it is known."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


def load_fields(text: str) -> dict[object, object]:
    """The mapping that the YAML `text` (a front matter's lines) holds, or {} for none.

    Raises UnreadFrontMatter when the YAML is malformed or no mapping, when an alias refers to
    a value holding it, or when expanding the aliases would make more than `EXPANDED_VALUES`
    values more than the text has characters, or nest them deeper than `NESTING`.
    """
    import yaml  # imported here: writing a page's front matter does not need to read YAML

    # pyyaml's safe loader, in C when libyaml is there (the same results, several times faster).
    loading = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        loader = loading(text)
    except ValueError:
        # libyaml takes UTF-8, which a lone surrogate is not.
        raise UnreadFrontMatter("it holds a character that is no Unicode text") from None
    try:
        root = loader.get_single_node()
        if root is None:
            return {}
        # Written out, a value takes a character or more (a key and its empty value, two):
        # far more values than characters come from aliases. Without an alias, only a text
        # of twice as many characters as levels can nest that deep (`[[…]]`, `- - …`).
        if "*" in text or len(text) >= 2 * NESTING:
            _check_expansion(root, len(text) + EXPANDED_VALUES)
        data = loader.construct_document(root)
    except UnreadFrontMatter:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise UnreadFrontMatter(
            f"it is not valid YAML: {error.problem or error.context or type(error).__name__}",
            None if mark is None else mark.line,
        ) from None
    except Exception as error:
        # pyyaml raises more than YAMLError on malformed values: ValueError for the date
        # 2020-13-45, AttributeError for `!!timestamp x`.
        raise UnreadFrontMatter(
            f"it is no YAML that can be read ({type(error).__name__})"
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise UnreadFrontMatter("it is no YAML mapping of fields")
    return data


def _check_expansion(root: yaml.Node, most: int) -> None:
    """Raise UnreadFrontMatter if the values under `root`, every alias expanded, are more
    than `most`, nest deeper than `NESTING`, or hold themselves. Each node is counted once
    (aliases share their anchor's node), depth first without recursion."""
    counts: dict[int, int] = {}
    depths: dict[int, int] = {}
    open_nodes: set[int] = set()
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    while pending:
        node, children_done = pending.pop()
        key = id(node)
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            counts[key] = 1 + sum(counts[id(child)] for child in children)
            depths[key] = 1 + max((depths[id(child)] for child in children), default=0)
            if counts[key] > most:
                raise UnreadFrontMatter(
                    f"its aliases would make more than {EXPANDED_VALUES} values more"
                )
            if depths[key] > NESTING:
                raise UnreadFrontMatter(f"its values nest deeper than {NESTING} levels")
            continue
        if key in counts:
            continue
        open_nodes.add(key)
        pending.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise UnreadFrontMatter("an alias in it refers to a value that holds the alias")
            if id(child) not in counts:
                pending.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def read_fields(text: str) -> tuple[str | None, tuple[Property, ...]]:
    """The title and the other fields of a front matter's lines (the YAML between the `---`
    lines). Raises UnreadFrontMatter as `load_fields` does."""
    data = load_fields(text)
    title = data.pop("title", None)
    meta = tuple(Property(field_text(key), meta_value(value)) for key, value in data.items())
    return (None if title is None else field_text(title)), meta


def _holds(written: str, title: str | None, meta: tuple[Property, ...]) -> bool:
    """Whether the front matter block `written` holds `title` and `meta` (no more); a block
    that cannot be read holds no title and no fields, and is kept as it is."""
    try:
        return read_fields(written_yaml(written)) == (title, meta)
    except UnreadFrontMatter:
        return title is None and not meta


def written_yaml(written: str) -> str:
    """The YAML lines of a front matter block as written, without its `---` lines."""
    return "\n".join(written.split("\n")[1:-2])


def field_text(value: object) -> str:
    """A key or a title that YAML read as something else than text (a number, a date), as
    text."""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except ValueError:
        # (Python writes no integer of more than a set number of digits as text.)
        raise UnreadFrontMatter("it holds an integer too long to write as text") from None


def meta_value(value: object) -> MetaValue:
    """A field's value as the document keeps it: texts, numbers, booleans, None and tuples of
    them; dates (and anything else) as their text, which the writer writes plain again."""
    if isinstance(value, int) and not _writable(value):
        raise UnreadFrontMatter("it holds an integer too long to write as text")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return tuple(meta_value(item) for item in value)
    return str(value)


def _writable(value: int) -> bool:
    """Whether Python writes the integer as text: it refuses more than a set number of
    decimal digits (0: no limit). Three bits a digit is on the safe side of log2(10)."""
    digits = sys.get_int_max_str_digits()
    return not digits or value.bit_length() <= 3 * digits
