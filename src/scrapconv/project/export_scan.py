"""An export read for an incremental run: checked as `read_export` checks it, each page's text
decoded only when it is first asked for.

An incremental run converts a few pages of thousands, yet decoding every line of every page
into a string (the JSON parser's work) cost more than the rest of such a run. `scan_export`
checks an export of the common shape against JSON's grammar with one pattern a page, run in
C: an object whose "pages" list holds objects with a string title, times in Unix seconds or
null and other members of plain values, then lines that are strings holding no line break.
It takes the titles and times out and keeps the JSON of each page's lines until its text is
wanted. Any other export, and any the pattern refuses, is read by `read_export`, which gives
the same pages or the error.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from .export import LATEST_TIME, Export, ExportPage, read_export

__all__ = ["scan_export"]

# JSON's whitespace.
_SPACE = rb"[ \t\n\r]*+"
# A JSON string without a line break or a lone surrogate (`\n`, `\u000a`, `\ud800`): neither
# a title nor a line of a page read here holds one.
_TEXT = (
    rb'"[^"\\\x00-\x1f]*+(?:\\(?:["\\/bfrt]|u(?![dD][89a-fA-F]|000[aA])[0-9a-fA-F]{4}'
    rb"|u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb'[^"\\\x00-\x1f]*+)*+"'
)
# Any JSON string.
_STRING = rb'"[^"\\\x00-\x1f]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*+)*+"'
# A JSON value that is not a list or an object; numbers of few enough digits for Python.
_SCALAR = (
    rb"(?:" + _STRING + rb"|-?(?:0|[1-9][0-9]{0,99})(?:\.[0-9]++)?(?:[eE][+-]?[0-9]++)?"
    rb"|true|false|null)"
)
# A member of a page the run does not read: a key without escapes that is not one it reads.
_OTHER_MEMBER = (
    rb'"(?!(?:title|lines|created|updated)")[^"\\\x00-\x1f]*+"' + _SPACE + rb":" + _SPACE + _SCALAR
)
_TIME = rb"(0|[1-9][0-9]{0,11}|null)"
_COMMA = _SPACE + rb"," + _SPACE
_PAGE = re.compile(
    rb"\{" + _SPACE + rb'(?:(?:"title"' + _SPACE + rb":" + _SPACE + rb"(" + _TEXT + rb")"
    + rb'|"created"' + _SPACE + rb":" + _SPACE + _TIME
    + rb'|"updated"' + _SPACE + rb":" + _SPACE + _TIME
    + rb"|" + _OTHER_MEMBER + rb")" + _COMMA + rb")*+"
    + rb'"lines"' + _SPACE + rb":" + _SPACE
    + rb"(\[" + _SPACE + rb"(?:" + _TEXT + rb"(?:" + _COMMA + _TEXT + rb")*+" + _SPACE + rb")?\])"
    + rb"(?:" + _COMMA + _OTHER_MEMBER + rb")*+" + _SPACE + rb"\}" + _SPACE + rb"([,\]])" + _SPACE
)  # fmt: skip
# The export up to its pages, and after them (where no other "pages" may follow).
_HEAD = re.compile(
    rb"\{" + _SPACE + rb"(?:" + _STRING + _SPACE + rb":" + _SPACE + _SCALAR + _COMMA + rb")*+"
    rb'"pages"' + _SPACE + rb":" + _SPACE + rb"\[" + _SPACE
)
_TAIL = re.compile(
    rb"(?:" + _COMMA + rb'"(?!pages")[^"\\\x00-\x1f]*+"' + _SPACE + rb":" + _SPACE + _SCALAR
    + rb")*+" + _SPACE + rb"\}" + _SPACE
)  # fmt: skip
# A time `read_export` refuses.
_TOO_LATE = -1
# UTF-8 is checked this many bytes at a time: one large string would cost twice as much.
_CHUNK = 16384


class _ScannedPage(ExportPage):
    """A page of `scan_export`, whose text is decoded from the JSON of its lines when first
    read; otherwise the same as an `ExportPage` of the same values."""

    __slots__ = ("_lines",)
    _lines: memoryview

    def __getattr__(self, name: str) -> Any:
        # Only an attribute not set comes here: `text`, until it is first read.
        if name != "text":
            raise AttributeError(name)
        lines = json.loads(bytes(self._lines))
        text = "\n".join(lines) if lines else self.title
        object.__setattr__(self, "text", text)
        object.__delattr__(self, "_lines")
        return text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExportPage):
            return NotImplemented
        return _values(self) == _values(other)

    __hash__ = ExportPage.__hash__

    def __repr__(self) -> str:
        return repr(ExportPage(*_values(self)))

    def __reduce__(self) -> tuple[type[ExportPage], tuple[str, str, int | None, int | None]]:
        return ExportPage, _values(self)


def _values(page: ExportPage) -> tuple[str, str, int | None, int | None]:
    """What an `ExportPage` is made of, in the order of its fields."""
    return page.title, page.text, page.created, page.updated


def scan_export(data: bytes, name: str) -> Export:
    """The export `data` (`name` is for messages), as `read_export` reads it (the same pages,
    or the same ExportError), with the text of each page decoded when first read."""
    return _scanned(data) or read_export(data, name)


def _scanned(data: bytes) -> Export | None:
    """The export read by the pattern, or None when it cannot be (see the module's text)."""
    head = _HEAD.match(data)
    if head is None or not _is_utf8(data):
        return None
    match_page = _PAGE.match
    view = memoryview(data)
    new, set_field = object.__new__, object.__setattr__
    pages: list[ExportPage] = []
    position = head.end()
    while True:
        page = match_page(data, position)
        if page is None:
            return None
        text, created, updated, end = page.group(1, 2, 3, 5)
        if text is None:
            return None
        title = text[1:-1].decode() if b"\\" not in text else json.loads(text)
        scanned = new(_ScannedPage)
        set_field(scanned, "title", title)
        set_field(scanned, "created", None if created is None else _time(created))
        set_field(scanned, "updated", None if updated is None else _time(updated))
        set_field(scanned, "_lines", view[page.start(4) : page.end(4)])
        pages.append(scanned)
        position = page.end()
        if end == b"]":
            break
    # (Checked once for all pages: a title twice, a time past the year 9999.)
    if len({page.title for page in pages}) != len(pages) or any(
        page.created == _TOO_LATE or page.updated == _TOO_LATE for page in pages
    ):
        return None
    tail = _TAIL.fullmatch(data, position)
    if tail is None:
        return None
    whole = json.loads(data[: head.end()] + b"]" + data[position:])
    project = whole.get("name")
    if project is None:
        project = ""
    elif not isinstance(project, str):
        return None
    return Export(project, tuple(pages))


def _time(digits: bytes) -> int | None:
    """A time of the pattern (None: null), or `_TOO_LATE` when it is past the year 9999."""
    if digits == b"null":
        return None
    seconds = int(digits)
    return seconds if seconds <= LATEST_TIME else _TOO_LATE


def _is_utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    decode = codecs.getincrementaldecoder("utf-8")().decode
    view = memoryview(data)
    try:
        for start in range(0, len(data), _CHUNK):
            decode(view[start : start + _CHUNK])
        decode(b"", True)
    except UnicodeDecodeError:
        return False
    return True
