"""YAML front matter: read with its aliases bounded, and written.

A front matter is read only if expanding its aliases adds few values and nests them not too
deep, so that a few hundred bytes of aliases to aliases (a "billion laughs") or an alias to
itself is refused, instead of taking minutes and gigabytes or never ending.

The output is what pyyaml's safe dumper writes (`allow_unicode`, no line width). Importing
pyyaml and dumping take longer than converting most pages, so a text of one line of printable
characters (nearly every title) is written directly, as pyyaml writes it: plain, where no
indicator stands where YAML reads it as one (`#`, `!`, `[`, `@`, … at the start, `: ` or ` #`
anywhere, a space at either end) and YAML 1.1 reads the text as no other type (number,
boolean, null, date), else in single quotes. Every other value goes through pyyaml.
"""

from __future__ import annotations

import functools
import re
import sys
from typing import TYPE_CHECKING

from ..ast import MetaValue, Property

if TYPE_CHECKING:
    import yaml

# Text of one line that YAML may show as it is: no control character, line break, byte order
# mark or noncharacter, which pyyaml writes in double quotes, and no tab. (The class names the
# characters it does not hold: compiling a class takes a step for each of its characters below
# U+10000, some 2,000 of these and over 60,000 of the others.)
_PRINTABLE_LINE = re.compile(
    "[^\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff\U0010ffff]*"
)
# Indicators that make a text's first character no plain scalar's.
_START_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
# What YAML 1.1's plain forms of other types than text start with: pyyaml tries a type's
# pattern on a text only when it starts with one of the type's characters.
_TYPED_STARTS = frozenset("-+0123456789.yYnNtTfFoO~<=")


@functools.cache
def _typed() -> re.Pattern[str]:
    """YAML 1.1's plain forms of other types than text, as pyyaml resolves them: boolean,
    float, integer, merge key, null, timestamp and value key (compiled when a title first
    may be one). Only ASCII text can be one."""
    return re.compile(
        r"""(?x)
        yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
        | [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        | \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        | [-+]?\.(?:inf|Inf|INF)
        | \.(?:nan|NaN|NAN)
        | [-+]?0b[0-1_]+
        | [-+]?0[0-7_]+
        | [-+]?(?:0|[1-9][0-9_]*)
        | [-+]?0x[0-9a-fA-F_]+
        | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
        | <<
        | ~|null|Null|NULL
        | [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        | [0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
          (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
          (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
        | =
        """
    )


def front_matter(title: str | None, meta: tuple[Property, ...] = (), written: str = "") -> str:
    """YAML front matter holding the page title, then the other fields in their order;
    `written`, a block as a note wrote it, when it holds just those."""
    if written and _holds(written, title, meta):
        return written
    if meta:
        return _front_matter_with_fields(title, meta)
    if title is None:
        return ""
    scalar = _text_scalar(title)
    if scalar is not None:
        line = f"title: {scalar}\n"
    else:
        import yaml  # imported here: most titles do not need it

        if "\x85" in title:
            # pyyaml's chosen style would load a NEL back as a space; its double-quoted
            # style escapes it.
            value = yaml.safe_dump(title, default_style='"', allow_unicode=True, width=2**30)
            line = f"title: {value.splitlines()[0]}\n"
        else:
            line = yaml.safe_dump({"title": title}, allow_unicode=True, width=2**30)
    return f"---\n{line}---\n"


def _is_plain(text: str) -> bool:
    """Whether pyyaml writes `text` as a plain scalar in block context."""
    if not text or text[0] == " " or text[-1] == " " or text[0] in _START_INDICATORS:
        return False
    if text[0] in "?:-" and text[1:2] in ("", " "):
        return False
    if text.startswith(("---", "...")) or ": " in text or text[-1] == ":" or " #" in text:
        return False
    if _PRINTABLE_LINE.fullmatch(text) is None:
        return False
    return not text.isascii() or text[0] not in _TYPED_STARTS or _typed().fullmatch(text) is None


def _front_matter_with_fields(title: str | None, meta: tuple[Property, ...]) -> str:
    fields: dict[str, object] = {} if title is None else {"title": title}
    for field in meta:
        fields.setdefault(field.key, _yaml_value(field.value))
    lines = _plain_fields(fields)
    if lines is not None:
        return f"---\n{lines}---\n"
    return f"---\n{_yaml_fields(fields)}---\n"


def _plain_fields(fields: dict[str, object]) -> str | None:
    """The fields as pyyaml writes them, when every key is a plain scalar, every date a
    timestamp, and every text and every item of a list a scalar of one line that pyyaml writes
    plain or in single quotes (an export's `created`, `updated` and `aliases`); else None."""
    lines: list[str] = []
    for key, value in fields.items():
        if not _is_plain_key(key):
            return None
        if isinstance(value, str):
            written = _field_scalar(value)
            if written is None:
                return None
            lines.append(f"{key}: {written}\n")
        elif isinstance(value, list) and value:
            items = [_field_scalar(item) if isinstance(item, str) else None for item in value]
            if None in items:
                return None
            lines.append(f"{key}:\n" + "".join(f"- {item}\n" for item in items))
        else:
            return None
    return "".join(lines)


def _text_scalar(text: str) -> str | None:
    """`text` as pyyaml's safe dumper writes a text of one line: plain, or in single quotes;
    None when it writes it otherwise (in double quotes, or over several lines)."""
    if _is_plain(text):
        return text
    if _PRINTABLE_LINE.fullmatch(text):
        return "'" + text.replace("'", "''") + "'"
    return None


def _field_scalar(text: str) -> str | None:
    """`text` as `_yaml_fields` writes a text of one line: a date as a timestamp, other
    text as `_text_scalar` gives it."""
    return text if _YAML_DATE.fullmatch(text) else _text_scalar(text)


@functools.lru_cache(maxsize=256)
def _is_plain_key(key: str) -> bool:
    """`_is_plain` for a key: notes use few keys, each in many notes."""
    return _is_plain(key)


def _yaml_fields(fields: dict[str, object]) -> str:
    import yaml  # imported here: the fields of most notes are written without it

    return yaml.dump(fields, Dumper=_dumper(), allow_unicode=True, sort_keys=False, width=2**30)


@functools.cache
def _dumper() -> type[yaml.SafeDumper]:
    """pyyaml's safe dumper, writing a text that is a date as a timestamp (made once)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
        # A date read from front matter is kept as its text: written plain, it reads back
        # as the date it was.
        if _YAML_DATE.fullmatch(text):
            return dumper.represent_scalar("tag:yaml.org,2002:timestamp", text)
        return dumper.represent_str(text)

    Dumper.add_representer(str, represent_text)
    return Dumper


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
