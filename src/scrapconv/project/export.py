"""The formats of whole projects: a Scrapbox (Cosense) export, read and checked, and a Cosense
import, written.

`read_export` checks an export completely and gives an `Export`, or raises `ExportError` with
one line saying what is wrong, before anything is written. `import_bytes` gives the JSON of an
`ImportResult` (`{"pages": [{"title", "lines"}]}`, a line being a text, or an object with its
text and dates where the page has dates), as Cosense imports it.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, NoReturn

from ..diagnostics import Diagnostic

__all__ = [
    "LATEST_TIME",
    "LONE_SURROGATE",
    "Export",
    "ExportError",
    "ExportPage",
    "ImportPage",
    "ImportResult",
    "import_bytes",
    "iso_time",
    "read_export",
    "shown",
]

# An ISO 8601 time in UTC, from the fields of `time.gmtime`.
_ISO_TIME = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z"
# Unix seconds that are a year of four digits.
LATEST_TIME = 253402300799
# Text no file can hold: a JSON export can hold `"\ud800"`.
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# The JSON escape of a surrogate, the only way UTF-8 text can hold one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class ExportError(ValueError):
    """An export that cannot be converted; the message is one line naming the problem."""


@dataclass(frozen=True, slots=True)
class ExportPage:
    """One page of an export: its title, its text (the title line first, as in Scrapbox) and
    its times in Unix seconds, when the export has them."""

    title: str
    text: str
    created: int | None = None
    updated: int | None = None


@dataclass(frozen=True, slots=True)
class Export:
    """A project export: the project's name ("" when the export has none) and its pages."""

    project: str
    pages: tuple[ExportPage, ...]


def read_export(data: bytes, name: str) -> Export:
    """Parse and check a whole export (`name` is for messages); ExportError if it is malformed.

    Lines are strings or objects with a `text` string (an export with metadata). A page's text
    is its lines joined by newlines, the first of them being the title line; a page without
    lines is its title alone.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ExportError(
            f"{name}: not UTF-8 text (byte {error.start}: {data[error.start]:#04x})"
        ) from None
    # (Memory: the bytes, and below the text, up to four bytes a character, are not needed
    # once read.)
    del data
    # (Most exports have no surrogate escape: no text of theirs need be searched for one.)
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    try:
        value = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_page_object)
    except json.JSONDecodeError as error:
        raise ExportError(f"{name}:{error.lineno}:{error.colno}: not JSON: {error.msg}") from None
    except RecursionError:
        raise ExportError(f"{name}: not a Scrapbox export: JSON nested too deeply") from None
    except ValueError:
        # What json lets through: a number of more digits than Python turns into an int.
        raise ExportError(f"{name}: not a Scrapbox export: a number too long to read") from None
    del text
    if isinstance(value, _PageObject):
        # (An object with a title and lines, read as a page: it has no pages.)
        raise ExportError(f'{name}: not a Scrapbox export: no "pages" list')
    if not isinstance(value, dict):
        raise ExportError(
            f"{name}: not a Scrapbox export: {_kind(value)} instead of an object with pages"
        )
    pages = value.get("pages")
    if not isinstance(pages, list):
        found = "no" if pages is None else f"{_kind(pages)} as its"
        raise ExportError(f'{name}: not a Scrapbox export: {found} "pages" list')
    project = value.get("name")
    if project is None:
        project = ""
    elif not isinstance(project, str):
        raise ExportError(f'{name}: "name" is {_kind(project)}, not the project\'s name')
    read_pages = tuple(
        _read_page(page, index, name, surrogates) for index, page in enumerate(pages)
    )
    first_of_title: dict[str, int] = {}
    for index, page in enumerate(read_pages):
        earlier = first_of_title.setdefault(page.title, index)
        if earlier != index:
            raise ExportError(
                f"{name}: pages {earlier} and {index} have the same title {shown(page.title)}"
            )
    return Export(project, read_pages)


@dataclass(frozen=True, slots=True)
class _PageObject:
    """A JSON object read as a page as soon as the parser has it (`_page_object`): its title,
    its text when its lines are all plain strings (else the lines, checked later, where the
    page's number is known), and its times as found."""

    title: str
    text: str | None
    lines: list[Any] | None
    created: object
    updated: object


def _page_object(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _PageObject:
    """What the JSON parser makes of an object: a page (a string title and a list of lines,
    and no `text` or `pages`, which line objects and the export hold) as a `_PageObject`, so
    that its lines, a string each, are let go at once and a large export never stands whole
    in memory; any other object as a dict."""
    value = dict(pairs)
    if "text" in value or "pages" in value:
        return value
    return _as_page(value) or value


def _as_page(value: dict[str, Any]) -> _PageObject | None:
    """An object as a page, if it has a string title and a list of lines."""
    title = value.get("title")
    lines = value.get("lines")
    if title.__class__ is not str or lines.__class__ is not list:
        return None
    text = _plain_text(lines) if lines else title
    return _PageObject(
        title,
        text,
        lines if text is None else None,
        value.get("created"),
        value.get("updated"),
    )


def _read_page(page: object, index: int, name: str, surrogates: bool) -> ExportPage:
    """Page `index` of the export `name`, checked; `surrogates` tells whether the export's
    JSON may hold one."""
    if page.__class__ is _PageObject:
        assert isinstance(page, _PageObject)
        title, text, created, updated = page.title, page.text, page.created, page.updated
        if (
            text is not None
            and _is_time(created)
            and _is_time(updated)
            and not (surrogates and (LONE_SURROGATE.search(title) or LONE_SURROGATE.search(text)))
        ):
            # (Most pages: checked without the message any failed check would need.)
            return ExportPage(title, text, created, updated)  # type: ignore[arg-type]
    return _checked_page(page, f"{name}: page {index}")


def _is_time(value: object) -> bool:
    """Whether `value` is no time or one `_read_time` takes (a bool is no int here)."""
    return value is None or (
        isinstance(value, int) and value.__class__ is int and 0 <= value <= LATEST_TIME
    )


def _checked_page(page: object, where: str) -> ExportPage:
    """The page, each check failing with its message (`where` names the page)."""
    if isinstance(page, dict):
        page = _as_page(page) or _page_error(page, where)
    if not isinstance(page, _PageObject):
        raise ExportError(f"{where} is {_kind(page)}, not an object")
    title = page.title
    where = f"{where} ({shown(title)})"
    if LONE_SURROGATE.search(title):
        raise ExportError(f"{where}: the title holds a lone surrogate, which is not text")
    text = page.text
    if text is None:
        assert page.lines is not None
        text = _checked_text(page.lines, where)
    if LONE_SURROGATE.search(text):
        number = next(n for n, line in enumerate(text.split("\n")) if LONE_SURROGATE.search(line))
        raise ExportError(f"{where}, line {number}: a lone surrogate, which is not text")
    return ExportPage(
        title,
        text,
        _read_time(page.created, "created", where),
        _read_time(page.updated, "updated", where),
    )


def _page_error(page: dict[str, Any], where: str) -> NoReturn:
    """ExportError for an object that is no page: what its title or lines are instead."""
    title = page.get("title")
    if not isinstance(title, str):
        found = "no" if title is None else f"{_kind(title)} as its"
        raise ExportError(f"{where} has {found} title (a string)")
    lines = page.get("lines")
    found = "no" if lines is None else f"{_kind(lines)} as its"
    raise ExportError(f"{where} ({shown(title)}) has {found} lines (a list)")


def _plain_text(lines: list[Any]) -> str | None:
    """The text of lines that are all strings without line breaks (as in most exports), read
    without a look at each line in Python; None for any other lines."""
    try:
        text = "\n".join(lines)
    except TypeError:  # not all strings
        return None
    return text if text.count("\n") == len(lines) - 1 else None


def _checked_text(lines: list[Any], where: str) -> str:
    """The text of the lines, each checked: ExportError for the first that is not a string
    without line breaks or an object with one."""
    texts: list[str] = []
    for number, line in enumerate(lines):
        if isinstance(line, _PageObject):
            # (An object with a title and lines, read as a page: it has no text.)
            raise ExportError(f"{where}, line {number}: an object without a text string")
        if isinstance(line, dict):
            line = line.get("text")
            if not isinstance(line, str):
                raise ExportError(f"{where}, line {number}: an object without a text string")
        elif not isinstance(line, str):
            raise ExportError(
                f"{where}, line {number}: {_kind(line)}, not a string or an object with a text"
            )
        if "\n" in line:
            raise ExportError(f"{where}, line {number}: a line holding a line break")
        texts.append(line)
    return "\n".join(texts)


def _read_time(value: object, key: str, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExportError(f'{where}: "{key}" is {_kind(value)}, not a time in Unix seconds')
    if not 0 <= value <= LATEST_TIME:
        raise ExportError(f'{where}: "{key}" is {value}, not a time in Unix seconds')
    return value


def _kind(value: object) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return f"a number ({value})"
        case str():
            return "a string"
        case list():
            return "a list"
        case dict() | _PageObject():
            return "an object"
    return type(value).__name__


def shown(title: str) -> str:
    """A title in a one-line message: quoted, escaped, cut when long."""
    shown = json.dumps(title if len(title) <= 60 else title[:57] + "…", ensure_ascii=False)
    return shown


def iso_time(seconds: int) -> str:
    """Unix seconds as an ISO 8601 date and time in UTC: `2021-01-06T12:34:56Z`."""
    # (Formatted from the C library's broken-down time: a datetime costs twice as much.)
    return _ISO_TIME.format(*time.gmtime(seconds))


@dataclass(frozen=True, slots=True)
class ImportPage:
    """One page of a Cosense import: its title, its lines (the first being the title) and the
    creation and update times of its lines in Unix seconds (None: none given)."""

    title: str
    lines: tuple[str, ...]
    dates: tuple[int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        if self.dates is None:
            return {"title": self.title, "lines": list(self.lines)}
        created, updated = self.dates
        lines = [{"text": line, "created": created, "updated": updated} for line in self.lines]
        return {"title": self.title, "lines": lines}


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What `vault_to_import` made: the notes read, one page per note (in the notes' order)
    and the diagnostics, each with the path of its note inside the vault (`/` separated)."""

    notes: tuple[str, ...]
    pages: tuple[ImportPage, ...]
    diagnostics: tuple[tuple[str, Diagnostic], ...]

    def to_json(self) -> dict[str, list[dict[str, Any]]]:
        """The Cosense import format: `{"pages": [{"title": ..., "lines": [...]}]}`, a line
        being its text, or `{"text", "created", "updated"}` on a page with dates."""
        return {"pages": [page.to_json() for page in self.pages]}


def import_bytes(result: ImportResult) -> bytes:
    """The import JSON as `write_import` writes it. Raises ValueError, naming the page, when
    a page holds a lone surrogate, which no file can hold (pages made by `vault_to_import`
    never do)."""
    text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        page = next(
            page
            for page in result.pages
            if LONE_SURROGATE.search(page.title) or any(map(LONE_SURROGATE.search, page.lines))
        )
        raise ValueError(
            f"the page {shown(page.title)} holds a lone surrogate, which no file can hold"
        ) from None
