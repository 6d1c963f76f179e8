"""The devices of written Markdown, and which of them are needless.

A device is something the writer adds so that Markdown shows the text as it is: a backslash
escape, a character reference, an invisible `&#8203;`, an empty comment `<!---->`, a link
destination in angle brackets. Only Markdown text has devices: not the front matter, code
blocks, code spans, formulas, autolinks, nor the inside of raw HTML tags.

A device is needless when the page, rendered by the flavor's judge (tests/judges.py), looks
the same without it. Removing a device means:

* `backslash` (`\\X`, X ASCII punctuation; not the hard break at a line's end): `X`;
* `reference` (`&name;`, `&#N;`, `&#xH;`): the character it stands for; a space or a
  no-break space (`&nbsp;`, `&#32;`) becomes a plain space, as a person writes `&nbsp;`
  only where a plain space would not do;
* `zero-width` (a reference to U+200B): nothing, and the renderings are compared without
  U+200B;
* `comment` (`<!---->`): nothing;
* `angle-url` (`](<url>)`): `](url)`.

Each device is judged on the part of the page around it, rendered alone: its top-level block
(or top-level list item) and the ones on either side, which is where a change that joins or
splits blocks shows; the whole body when the page has link reference definitions or footnotes.

Measure the corpus with `python -m tests.devices [--flavor obsidian|markdown] [--export X]
[--examples N]`.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from html.entities import html5
from typing import Literal, get_args

from markdown_it.token import Token

from .judges import Flavor, obsidian_parser, reader_tokens, render

Kind = Literal["backslash", "reference", "zero-width", "comment", "angle-url"]
KINDS: tuple[Kind, ...] = get_args(Kind)
ZERO_WIDTH = "\u200b"


@dataclass(frozen=True, slots=True)
class Device:
    """A device at `start:end` of the Markdown text (on line `line`, counted from 0), and
    what the text holds where it is removed."""

    kind: Kind
    start: int
    end: int
    replacement: str
    line: int


# ---------------------------------------------------------------------------------------------
# Finding devices

_NEWLINE = re.compile(r"\r\n?|\n")
_FRONT_MATTER = re.compile(r"---[ \t]*\n(?:.*\n)*?(?:---|\.\.\.)[ \t]*(?:\n|$)")
# Where a line may hold a device or something to skip.
_INTERESTING = re.compile(r"[\\&<\]`$]")
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_REFERENCE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z][A-Za-z0-9]{0,31}));")
_ANGLE_DESTINATION = re.compile(r"\]\((<(?:[^<>\n\\]|\\.)*>)")
_EMPTY_COMMENT = "<!---->"
# CommonMark's raw HTML and autolinks: inside them nothing is Markdown.
_ATTRIBUTE = r"""\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?"""
_HTML_OR_AUTOLINK = re.compile(
    rf"<[A-Za-z][A-Za-z0-9-]*(?:{_ATTRIBUTE})*\s*/?>"
    r"|</[A-Za-z][A-Za-z0-9-]*\s*>"
    r"|<!-->|<!--->|<!--.*?-->"
    r"|<\?.*?\?>|<![A-Za-z][^>]*>|<!\[CDATA\[.*?\]\]>"
    r"|<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>"
    r"|<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>"
)
_BACKTICKS = re.compile(r"`+")
# Inline math: `$`, no space inside the dollars, no digit after the closing one.
_FORMULA = re.compile(r"\$(?=[^\s$])(?:[^\\$\n]|\\.)*?(?<=[^\s\\])\$(?![0-9])")


def _reference_character(found: re.Match[str]) -> str | None:
    """The character a reference stands for; None when it is no reference (`&nosuch;`)."""
    decimal, hexadecimal, name = found.groups()
    if name is not None:
        return html5.get(name + ";")
    number = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if number == 0 or number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
        return "\ufffd"
    return chr(number)


def _reference_device(found: re.Match[str], start: int, line: int) -> Device | None:
    character = _reference_character(found)
    if character is None:
        return None
    end = start + len(found[0])
    if character == ZERO_WIDTH:
        return Device("zero-width", start, end, "", line)
    return Device("reference", start, end, " " if character in " \u00a0" else character, line)


def _code_span_end(text: str, start: int) -> int:
    """The end of the code span that opens at `start`, or of the backtick run when it
    opens none."""
    run = _BACKTICKS.match(text, start)[0]  # type: ignore[index]
    pos = start + len(run)
    while (close := _BACKTICKS.search(text, pos)) is not None:
        if len(close[0]) == len(run):
            return close.end()
        pos = close.end()
    return start + len(run)


def line_devices(text: str, offset: int, line: int) -> Iterator[Device]:
    """The devices of one line of Markdown text that is no code block (`offset`: where it
    starts in the page)."""
    pos = 0
    while (found := _INTERESTING.search(text, pos)) is not None:
        pos = found.start()
        character = text[pos]
        if character == "\\":
            following = text[pos + 1 : pos + 2]
            if following in _ASCII_PUNCTUATION and following:
                yield Device("backslash", offset + pos, offset + pos + 2, following, line)
                pos += 2
            else:
                pos += 1
        elif character == "&":
            reference = _REFERENCE.match(text, pos)
            device = reference and _reference_device(reference, offset + pos, line)
            if device:
                yield device
                pos = reference.end()  # type: ignore[union-attr]
            else:
                pos += 1
        elif character == "]":
            destination = _ANGLE_DESTINATION.match(text, pos)
            if destination is not None:
                start, end = destination.span(1)
                url = destination[1][1:-1]
                yield Device("angle-url", offset + start, offset + end, url, line)
                pos = start + 1  # what the destination holds may be devices too
            else:
                pos += 1
        elif character == "<":
            if text.startswith(_EMPTY_COMMENT, pos):
                yield Device("comment", offset + pos, offset + pos + 7, "", line)
                pos += len(_EMPTY_COMMENT)
            elif (tag := _HTML_OR_AUTOLINK.match(text, pos)) is not None:
                pos = tag.end()
            else:
                pos += 1
        elif character == "`":
            pos = _code_span_end(text, pos)
        else:
            formula = _FORMULA.match(text, pos)
            pos = formula.end() if formula else pos + 1


# ---------------------------------------------------------------------------------------------
# The blocks of a page, for rendering only the part of it around a device


def _units(tokens: list[Token]) -> Iterator[tuple[int, int]]:
    """The line ranges of the top-level blocks, a list's split into its items (a list is
    often the whole page, and an item renders alone as it does among the others)."""
    in_list = False
    for token in tokens:
        if token.level == 0 and token.type in ("bullet_list_open", "ordered_list_open"):
            in_list = True
            continue
        if token.level == 0 and token.type in ("bullet_list_close", "ordered_list_close"):
            in_list = False
            continue
        block = token.level == 0 and token.nesting >= 0
        item = in_list and token.level == 1 and token.type == "list_item_open"
        if (block or item) and token.map:
            yield token.map[0], token.map[1]


@dataclass
class Page:
    """One written page: its lines, its blocks and its devices."""

    text: str
    # Where each line starts and ends (without its line ending).
    lines: list[tuple[int, int]] = field(init=False)
    body_line: int = field(init=False)
    # The parts of the body that render the same alone as in the page, in order, as
    # [first line, end line): top-level blocks, and the items of a top-level list.
    blocks: list[tuple[int, int]] = field(init=False)
    code_lines: set[int] = field(init=False)
    # Whether a part of the page may depend on another part (a link reference definition,
    # a footnote): then the whole body is rendered.
    whole: bool = field(init=False)
    # Verdicts on devices of large windows, by their surroundings (see `is_needless`).
    verdicts: dict[tuple[object, ...], bool] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        starts = [0, *(found.end() for found in _NEWLINE.finditer(self.text))]
        ends = [found.start() for found in _NEWLINE.finditer(self.text)] + [len(self.text)]
        self.lines = list(zip(starts, ends, strict=True))
        front = _FRONT_MATTER.match(self.text)
        self.body_line = front[0].count("\n") if front else 0
        self._parse_blocks()

    def _parse_blocks(self) -> None:
        md = obsidian_parser()
        env: dict[str, object] = {}
        tokens: list[Token] = []
        body = _NEWLINE.sub("\n", self.text[self.lines[self.body_line][0] :])
        md.block.parse(body, md, env, tokens)
        first = self.body_line
        self.blocks = [(first + start, first + end) for start, end in _units(tokens)]
        self.code_lines = {
            first + line
            for token in tokens
            if token.type in ("fence", "code_block", "math_block") and token.map
            for line in range(*token.map)
        }
        footnotes = env.get("footnotes")
        self.whole = bool(env.get("references")) or bool(
            isinstance(footnotes, dict) and (footnotes.get("refs") or footnotes.get("list"))
        )

    @cached_property
    def devices(self) -> list[Device]:
        found: list[Device] = []
        for number in range(self.body_line, len(self.lines)):
            if number in self.code_lines:
                continue
            start, end = self.lines[number]
            found.extend(line_devices(self.text[start:end], start, number))
        return found

    @cached_property
    def _block_of_line(self) -> dict[int, int]:
        return {
            line: index
            for index, (first, end) in enumerate(self.blocks)
            for line in range(first, end)
        }

    def window(self, line: int) -> tuple[int, int]:
        """The part of the text to render for a change on `line`: its block (or list item)
        and the ones on either side, so that a change that joins or splits blocks shows there;
        the whole body when blocks may refer to one another."""
        index = self._block_of_line.get(line)
        if self.whole or index is None:
            return self.lines[self.body_line][0], len(self.text)
        first = self.blocks[max(index - 1, 0)][0]
        last = self.blocks[min(index + 1, len(self.blocks) - 1)][1]
        return self.lines[first][0], self.lines[last - 1][1]

    def line_text(self, line: int) -> str:
        start, end = self.lines[line]
        return self.text[start:end]


@lru_cache(maxsize=1024)
def _rendered(markdown: str, flavor: Flavor) -> str:
    return render(markdown, flavor)


@lru_cache(maxsize=1024)
def _tokens(markdown: str, flavor: Flavor, ignore: str) -> list[tuple[str, ...]]:
    return reader_tokens(_rendered(markdown, flavor), ignore=ignore)


# A window this long is mostly one line of the same thing many times over (an icon written
# `[name.icon*1000]`, each copy with its `\*`): there, devices whose surroundings are the
# same up to `_CONTEXT` characters on either side are judged once.
_LARGE_WINDOW = 50_000
_CONTEXT = 2_000


def is_needless(page: Page, device: Device, flavor: Flavor) -> bool:
    """Whether the page looks the same to a reader without `device`."""
    start, end = page.window(device.line)
    if end - start <= _LARGE_WINDOW:
        return _judge(page.text, start, end, device, flavor)
    text = page.text
    key = (
        flavor,
        start,
        device.kind,
        device.replacement,
        text[max(start, device.start - _CONTEXT) : device.end + _CONTEXT],
        min(device.start - start, _CONTEXT),
    )
    verdict = page.verdicts.get(key)
    if verdict is None:
        verdict = page.verdicts[key] = _judge(text, start, end, device, flavor)
    return verdict


def _judge(text: str, start: int, end: int, device: Device, flavor: Flavor) -> bool:
    """Whether `text[start:end]` renders the same without `device`."""
    original = text[start:end]
    changed = render(
        text[start : device.start] + device.replacement + text[device.end : end], flavor
    )
    if changed == _rendered(original, flavor):
        return True
    ignore = ZERO_WIDTH if device.kind == "zero-width" else ""
    return _tokens(original, flavor, ignore) == reader_tokens(changed, ignore=ignore)


def needless_devices(markdown: str, flavor: Flavor) -> list[Device]:
    page = Page(markdown)
    return [device for device in page.devices if is_needless(page, device, flavor)]


# ---------------------------------------------------------------------------------------------
# Measuring the corpus


@dataclass
class Measure:
    flavor: Flavor
    pages: int = 0
    lines: int = 0
    devices: Counter[str] = field(default_factory=Counter)
    needless: Counter[str] = field(default_factory=Counter)
    # Per kind: (page title, output line, the line with the device marked).
    examples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def per_thousand_lines(self) -> float:
        return 1000 * self.needless.total() / max(self.lines, 1)

    def add(self, title: str, markdown: str, keep: int) -> None:
        page = Page(markdown)
        self.pages += 1
        self.lines += len(page.lines) - (1 if markdown.endswith("\n") else 0)
        for device in page.devices:
            self.devices[device.kind] += 1
            if not is_needless(page, device, self.flavor):
                continue
            self.needless[device.kind] += 1
            shown = self.examples.setdefault(device.kind, [])
            if len(shown) < keep:
                shown.append((title, _marked(page, device)))

    def report(self) -> str:
        out = [
            f"flavor {self.flavor}: {self.pages} pages, {self.lines} output lines, "
            f"{self.devices.total()} devices, {self.needless.total()} needless "
            f"({self.per_thousand_lines:.1f} per 1,000 output lines)",
        ]
        for kind in KINDS:
            out.append(
                f"  {kind:<11} {self.devices[kind]:>7} devices, {self.needless[kind]:>7} needless "
                f"({1000 * self.needless[kind] / max(self.lines, 1):.1f} per 1,000 lines)"
            )
        for kind in KINDS:
            for title, line in self.examples.get(kind, []):
                out.append(f"  needless {kind} in {title!r}: {line}")
        return "\n".join(out)


def _marked(page: Page, device: Device) -> str:
    """The device's line with the device between ⟦ and ⟧."""
    start, _ = page.lines[device.line]
    line = page.line_text(device.line)
    a, b = device.start - start, device.end - start
    return f"{line[:a]}⟦{line[a:b]}⟧{line[b:]}"


def measure(pages: Iterable[tuple[str, str]], flavor: Flavor, *, examples: int = 0) -> Measure:
    """Count the devices of `(title, markdown)` pages, and which of them are needless."""
    result = Measure(flavor)
    for title, markdown in pages:
        result.add(title, markdown, examples)
    return result


def written_pages(flavor: Flavor, export: str | None = None) -> Iterator[tuple[str, str]]:
    """Every corpus page (or every page of one export) written in `flavor`."""
    from scrapconv.markdown import write_markdown
    from scrapconv.markdown.options import MarkdownOptions
    from scrapconv.scrapbox.reader import read_scrapbox

    from .corpus import all_scrapbox_pages, scrapbox_pages

    for page in scrapbox_pages(export) if export else all_scrapbox_pages():
        options = MarkdownOptions(flavor=flavor, project=page.project)
        text, _ = write_markdown(read_scrapbox(page.text), options)
        yield page.title, text


def main(argv: list[str] | None = None) -> int:
    from .corpus import CORPUS, SCRAPBOX_EXPORTS

    parser = argparse.ArgumentParser(
        prog="python -m tests.devices", description="Count the needless devices of the corpus."
    )
    parser.add_argument("--flavor", choices=("obsidian", "markdown"), default="obsidian")
    parser.add_argument("--export", choices=SCRAPBOX_EXPORTS, help="one export only")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per kind")
    arguments = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"the corpus folder {CORPUS} is absent", file=sys.stderr)
        return 2
    began = time.perf_counter()
    result = measure(
        written_pages(arguments.flavor, arguments.export),
        arguments.flavor,
        examples=arguments.examples,
    )
    print(result.report())
    print(f"{time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
