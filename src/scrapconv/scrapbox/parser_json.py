"""A Document as the JSON of @progfay/scrapbox-parser, and a command with the same input and
output as the reference oracle (`sbparse.mjs`).

    python -m scrapconv.scrapbox.parser_json [--no-title] [--pretty] [--reference-bugs]
                                              [--text STR [--unescape]]

Without `--text` it reads a JSON array of page texts on standard input (a lone string counts
as one page) and prints a JSON array with one block list per page. The output differs from the
reference parser's only where scrapconv deliberately keeps text that the parser loses
(docs/deliberate-differences.md); `--reference-bugs` reproduces those losses too.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..ast import (
    Blank,
    Callout,
    Code,
    CodeBlock,
    CommandLine,
    Decoration,
    Document,
    Dropped,
    Embed,
    Formula,
    GoogleMap,
    HashTag,
    Helpfeel,
    Html,
    Icon,
    Image,
    Inline,
    Line,
    NumberList,
    PageLink,
    Quote,
    Strong,
    Table,
    Text,
    UrlLink,
)
from .inline import URL_AT_END, strip_js
from .reader import read_scrapbox
from .writer import write_inline, write_inlines

ParserNode = dict[str, Any]

# The reference adds `/thumb/1000` to Gyazo page URLs on gyazo.com or a one-letter subdomain.
_GYAZO_PAGE = re.compile(r"^https?://(?:[0-9a-z-]\.)?gyazo\.com/[0-9a-f]{32}$")
_MAX_SAFE_INTEGER = 2**53 - 1
# What JavaScript's encodeURIComponent leaves as it is, besides letters and digits.
_URI_COMPONENT_SAFE = "-_.!~*'()"


def document_to_parser_json(document: Document) -> list[ParserNode]:
    """The block list the reference parser gives for the page this Document was read from."""
    blocks: list[ParserNode] = []
    if document.title is not None:
        blocks.append({"type": "title", "text": document.title})
    for block in document.blocks:
        match block:
            case Line(indent=indent, children=children):
                blocks.append({"indent": len(indent), "type": "line", "nodes": nodes(children)})
            case CodeBlock(indent=indent, filename=filename):
                blocks.append(
                    {
                        "indent": len(indent),
                        "type": "codeBlock",
                        "fileName": filename,
                        "content": block.content,
                    }
                )
            case Table(indent=indent, name=name, rows=rows):
                blocks.append(
                    {
                        "indent": len(indent),
                        "type": "table",
                        "fileName": name,
                        "cells": [[nodes(cell) for cell in row] for row in rows],
                    }
                )
    return blocks


def nodes(children: Sequence[Inline]) -> list[ParserNode]:
    out: list[ParserNode] = []
    for child in children:
        out.extend(_node(child))
    return out


def _plain(text: str) -> ParserNode:
    return {"type": "plain", "raw": text, "text": text}


def _node(node: Inline) -> list[ParserNode]:
    raw = write_inline(node)
    match node:
        case Text(text=text) | Html(raw=text):
            return [_plain(text)]
        case Callout():
            return [_plain(raw)]
        case Code(text=text):
            return [{"type": "code", "raw": raw, "text": text}]
        case CommandLine(symbol=symbol, text=text):
            return [{"type": "commandLine", "raw": raw, "symbol": symbol, "text": text}]
        case Helpfeel(text=text):
            return [{"type": "helpfeel", "raw": raw, "text": text}]
        case Blank(text=text):
            return [{"type": "blank", "raw": raw, "text": text}]
        case Decoration(marks=marks, children=children):
            return [
                {
                    "type": "decoration",
                    "raw": raw,
                    "rawDecos": marks,
                    "decos": decos(marks),
                    "nodes": nodes(children),
                }
            ]
        case Formula(tex=tex):
            return [{"type": "formula", "raw": raw, "formula": tex}]
        case Strong(children=children):
            return [{"type": "strong", "raw": raw, "nodes": nodes(children)}]
        case PageLink(target=target) | Embed(target=target):
            path_type = "root" if target.startswith("/") else "relative"
            return [
                {"type": "link", "raw": raw, "pathType": path_type, "href": target, "content": ""}
            ]
        case UrlLink(url=url, label=label):
            return [
                {"type": "link", "raw": raw, "pathType": "absolute", "href": url, "content": label}
            ]
        case Image(src=src, link=link, strong=strong):
            if strong:
                return [{"type": "strongImage", "raw": raw, "src": image_src(src)}]
            return [{"type": "image", "raw": raw, "src": image_src(src), "link": link}]
        case Icon(path=path, strong=strong):
            kind = "strongIcon" if strong else "icon"
            path_type = "root" if node.is_root else "relative"
            one = {"path": path, "pathType": path_type, "type": kind, "raw": raw}
            return [dict(one) for _ in range(node.count)]
        case GoogleMap():
            return [google_map_node(node, raw)]
        case HashTag(name=name):
            return [{"type": "hashTag", "raw": raw, "href": name}]
        case Quote(children=children):
            return [{"type": "quote", "raw": raw, "nodes": nodes(children)}]
        case NumberList(numbers=numbers, children=children):
            return [_number_list(numbers, nodes(children), write_inlines(children))]
        case Dropped(text=text):
            return _dropped(text)
    raise TypeError(f"not an inline node: {node!r}")


def _dropped(text: str) -> list[ParserNode]:
    """What the reference makes of text it mishandles: nothing, except for a bare `http://]`
    run that ends in another URL, which becomes a link to that URL with the text before it
    (less one character) as its content."""
    url = URL_AT_END.search(text)
    if url is None:
        return []
    content = strip_js(text[: url.start() - 1])
    return [
        {"type": "link", "raw": text, "pathType": "absolute", "href": url[0], "content": content}
    ]


def decos(marks: str) -> list[str]:
    """The reference's `decos`: each mark once, the asterisks counted into a last `*-N`."""
    seen = list(dict.fromkeys(mark for mark in marks if mark != "*"))
    stars = marks.count("*")
    if stars:
        seen.append(f"*-{min(stars, 10)}")
    return seen


def image_src(src: str) -> str:
    return f"{src}/thumb/1000" if _GYAZO_PAGE.match(src) else src


def _number_list(numbers: Sequence[str], children: list[ParserNode], body: str) -> ParserNode:
    # One node per number, innermost last, built from the inside out.
    inner = children
    raw = body
    node: ParserNode = {}
    for number in reversed(numbers):
        raw = f"{number}. {raw}"
        node = {
            "type": "numberList",
            "raw": raw,
            "rawNumber": number,
            "number": _js_integer(number),
            "nodes": inner,
        }
        inner = [node]
    return node


def _js_integer(digits: str) -> int | float:
    value = int(digits)
    return value if value <= _MAX_SAFE_INTEGER else float(value)


def google_map_node(node: GoogleMap, raw: str) -> ParserNode:
    coordinates, place = node.coordinates, node.place
    if node.place_first and raw.startswith(("[N", "[S")):
        # The reference takes a place starting with N or S for the coordinates.
        coordinates, place = place, coordinates
    latitude, longitude, zoom = _coordinates(coordinates)
    at = f"@{_js_number(latitude)},{_js_number(longitude)},{_js_number(zoom)}z"
    if place:
        encoded = quote(place, safe=_URI_COMPONENT_SAFE, errors="surrogatepass")
        url = f"https://www.google.com/maps/place/{encoded}/{at}"
    else:
        url = f"https://www.google.com/maps/{at}"
    return {
        "type": "googleMap",
        "raw": raw,
        "latitude": _json_number(latitude),
        "longitude": _json_number(longitude),
        "zoom": _json_number(zoom),
        "place": place,
        "url": url,
    }


_FLOAT_PREFIX = re.compile(
    r"^[\t\n\v\f\r \xa0\ufeff]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
)


def _coordinates(text: str) -> tuple[float, float, float]:
    parts = text.split(",")
    latitude_text = parts[0] if parts else ""
    longitude_text = parts[1] if len(parts) > 1 else ""
    zoom_text = parts[2] if len(parts) > 2 else ""
    latitude = _parse_float(_replace_prefix(_replace_prefix(latitude_text, "N", ""), "S", "-"))
    longitude = _parse_float(_replace_prefix(_replace_prefix(longitude_text, "E", ""), "W", "-"))
    zoom = float(int(zoom_text[1:])) if re.fullmatch(r"Z[0-9]+", zoom_text) else 14.0
    return latitude, longitude, zoom


def _replace_prefix(text: str, prefix: str, replacement: str) -> str:
    return replacement + text[len(prefix) :] if text.startswith(prefix) else text


def _parse_float(text: str) -> float:
    """JavaScript's `Number.parseFloat`: the longest numeric prefix, or NaN."""
    found = _FLOAT_PREFIX.match(text)
    return float(found[0]) if found else float("nan")


def _json_number(value: float) -> int | float | None:
    """A number as JSON.stringify writes it: integral values without `.0`, NaN as null."""
    if value != value:
        return None
    if value.is_integer() and abs(value) <= _MAX_SAFE_INTEGER:
        return int(value)
    return value


def _js_number(value: float) -> str:
    """A number as JavaScript turns it into a string."""
    if value != value:
        return "NaN"
    number = _json_number(value)
    return json.dumps(number)


# --- the command ------------------------------------------------------------------------------

_USAGE = """\
usage: python -m scrapconv.scrapbox.parser_json [--no-title] [--pretty] [--reference-bugs]
           [--text STR [--unescape]]
       (without --text, reads a JSON array of page texts from standard input)"""


def _unescape(text: str) -> str:
    return re.sub(r"\\(n|t|\\)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], "\\"), text)


# A surrogate left alone in a string (JSON input may hold one) is escaped, as JSON.stringify
# does; every other character is written as it is.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _dump(value: object, pretty: bool) -> str:
    if pretty:
        text = json.dumps(value, ensure_ascii=False, indent=2, separators=(",", ": "))
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found[0]):04x}", text)


def _print(text: str) -> None:
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    text: str | None = None
    unescape, has_title, pretty, reference_bugs = False, True, False, False
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--text":
            if index + 1 >= len(args):
                return _usage_error("--text needs a value")
            index += 1
            text = args[index]
        elif arg.startswith("--text="):
            text = arg[len("--text=") :]
        elif arg == "--unescape":
            unescape = True
        elif arg == "--no-title":
            has_title = False
        elif arg == "--pretty":
            pretty = True
        elif arg == "--reference-bugs":
            reference_bugs = True
        elif arg == "--version":
            sys.stdout.write(f"scrapconv {__version__}\n")
            return 0
        elif arg in ("-h", "--help"):
            sys.stdout.write(_USAGE + "\n")
            return 0
        else:
            return _usage_error(f"unknown argument: {arg}")
        index += 1

    def parse(page: str) -> list[ParserNode]:
        document = read_scrapbox(page, has_title=has_title, reference_bugs=reference_bugs)
        return document_to_parser_json(document)

    if text is not None:
        _print(_dump(parse(_unescape(text) if unescape else text), pretty))
        return 0
    try:
        pages = json.loads(sys.stdin.read())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return _usage_error(f"standard input is not JSON: {error}")
    if isinstance(pages, str):
        pages = [pages]
    if not isinstance(pages, list) or not all(isinstance(page, str) for page in pages):
        return _usage_error("standard input must be a JSON array of strings")
    _print(_dump([parse(page) for page in pages], pretty))
    return 0


def _usage_error(message: str) -> int:
    sys.stderr.write(f"parser_json: {message}\n{_USAGE}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
