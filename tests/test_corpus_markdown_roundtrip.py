"""Markdown → AST → Markdown on the Markdown files of the corpus (tests/markdown_corpus.py).

1. Obsidian → AST → Obsidian must render to the same HTML as the input, for every file of the
   three corpora (676 files), and a second pass must change nothing.
2. The pages that the reference pipeline published (external-brain-md-sample, 400 pages):
   Markdown → Scrapbox → Markdown in the reference-compatible mode (read with
   `compat="reference"`, written with it) must give each page back
   byte for byte. The pages of `ja/` come from the Scrapbox project "nishio", those of `en/`
   from "nishio-en" (the corpus's PROVENANCE.md; their icons point there), and each is read and
   written with its own project.

Each test measures the share of files that pass and asserts a floor: the share measured when
the floor was last set, rounded down to 0.1 %. Floors only go up; the targets are in the
comments next to them. A failure message shows the first files that differ, with a short diff.

How the HTML is made (`render_html`): one mistune renderer for both sides, with the plugins
strikethrough, mark, math, footnotes and table, and `_obsidian_rules`, which renders what
Obsidian reads and mistune does not:

* `[[target|alias]]` (and `\\|` inside a table) as `<a class="wikilink" href="target">alias</a>`;
* `![[target|alias]]` as `<img class="embed" src="target" alt="alias">`;
* `#tag` at the start or after whitespace, with a character other than a digit, as
  `<a class="tag">#tag</a>`;
* `%%comment%%`, inline or as a block of lines from `%%` to `%%`, as nothing;
* a YAML front matter as one `<front-matter>` element holding the parsed value as sorted JSON,
  so that its keys and values count, not their layout or quoting.

Between two tags, whitespace is insignificant (`>\\s+<` is `><`), and so is whitespace at
either end of the whole HTML, and the line break that ends a code block's text (CommonMark
ends indented and fenced code alike with one; mistune drops it from indented code only).
Nothing else is normalised.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from re import Match
from typing import Any

import mistune
import pytest
import yaml

import scrapconv

from .markdown_corpus import (
    MARKDOWN_CORPORA,
    MarkdownFile,
    all_markdown_files,
    markdown_files,
    require_corpus,
)

# Share of files whose round trip renders the same HTML: 666 of 676 when set. Target: 100 %.
HTML_FLOOR = 0.985
# Share of files that a second round trip leaves unchanged: all 676 when set.
STABLE_FLOOR = 1.0
# Share of the 400 reference pages that come back byte for byte, read with compat="reference":
# 190 of 400 when set. Nearly all the others meet a defect of the pipeline's format that the
# reference writer fixes (docs/reference-format.md, "Reading it back"): a language for
# `code:python`, list levels repaired, empty lines after quotes, tables and before `---`,
# encoded root links, escaped text, code blocks in lists. Target: 99 %.
REFERENCE_FLOOR = 0.475
# Share of the reference pages' lines that come back (difflib's matching lines over the lines
# of the page), a finer measure of the same round trip: 95.49 % when set. Target: 100 %.
REFERENCE_LINES_FLOOR = 0.954

# How many differing files a failure message shows, and how many diff lines of each.
SHOWN = 6
DIFF_LINES = 12

# An Obsidian tag: letters, digits, `_`, `-`, `/`, at least one of them not a digit.
OBSIDIAN_TAG = re.compile(r"^(?=.*[^\d/])[\w\-/]+$")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)


@pytest.fixture(autouse=True)
def _corpus() -> None:
    require_corpus()


# ---------------------------------------------------------------------------------------------
# Rendering


def _parse_wikilink(inline: Any, match: Match[str], state: Any) -> int:
    state.append_token({"type": "wikilink", "raw": match.group(0)})
    return match.end()


def _parse_tag(inline: Any, match: Match[str], state: Any) -> int | None:
    if OBSIDIAN_TAG.match(match.group(0)[1:]) is None:
        return None  # `#123` is text in Obsidian
    state.append_token({"type": "tag", "raw": match.group(0)})
    return match.end()


def _parse_comment(parser: Any, match: Match[str], state: Any) -> int:
    state.append_token({"type": "obsidian_comment", "raw": ""})
    return match.end()


def _render_wikilink(renderer: Any, raw: str) -> str:
    embed = raw.startswith("!")
    target, _, alias = raw.removeprefix("!")[2:-2].replace("\\|", "|").partition("|")
    if embed:
        return f'<img class="embed" src="{html.escape(target)}" alt="{html.escape(alias)}">'
    label = html.escape(alias or target)
    return f'<a class="wikilink" href="{html.escape(target)}">{label}</a>'


def _render_tag(renderer: Any, raw: str) -> str:
    return f'<a class="tag">{html.escape(raw)}</a>'


def _render_nothing(renderer: Any, raw: str) -> str:
    return ""


def _obsidian_rules(md: Any) -> None:
    """Obsidian's wikilinks, embeds, tags and comments (see the module's docstring).

    Wikilinks are read before links and emphasis (a `_` in a title is no emphasis), as in
    Obsidian; a code span still wins, as it starts earlier.
    """
    md.inline.register("wikilink", r"!?\[\[[^\[\]\n]+\]\]", _parse_wikilink, before="link")
    md.inline.register("tag", r"(?<!\S)#[\w\-/]+", _parse_tag, before="link")
    md.inline.register("obsidian_comment", r"%%[\s\S]*?%%", _parse_comment, before="link")
    md.block.register(
        "obsidian_comment", r"^ {0,3}%%[\s\S]*?%%[ \t]*$", _parse_comment, before="paragraph"
    )
    md.renderer.register("wikilink", _render_wikilink)
    md.renderer.register("tag", _render_tag)
    md.renderer.register("obsidian_comment", _render_nothing)


_MARKDOWN = mistune.create_markdown(
    escape=False,
    plugins=["strikethrough", "mark", "math", "footnotes", "table", _obsidian_rules],
)


def _front_matter(text: str) -> tuple[str, str]:
    """The front matter rendered as one element, and the Markdown after it."""
    match = FRONT_MATTER.match(text)
    if match is None:
        return "", text
    try:
        value = yaml.safe_load(match.group(1) or "")
        shown = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except yaml.YAMLError:
        shown = match.group(1) or ""  # not YAML: compare the text
    return f"<front-matter>{html.escape(shown)}</front-matter>", text[match.end() :]


def render_html(text: str) -> str:
    head, body = _front_matter(text)
    rendered = head + str(_MARKDOWN(body)).replace("\n</code></pre>", "</code></pre>")
    return re.sub(r">\s+<", "><", rendered).strip()


# ---------------------------------------------------------------------------------------------
# The round trips, once per file


def obsidian_round_trip(text: str, project: str = "") -> str:
    """Obsidian → tree → Obsidian, with the Scrapbox project whose icons the note shows."""
    document = scrapconv.read(text, "obsidian", project=project)
    return scrapconv.write(document, "obsidian", project=project)


def icon_project(file: MarkdownFile) -> str:
    """The Scrapbox project of the icons in a published page; other notes have none."""
    return reference_project(file) if file.corpus == "external-brain-md-sample" else ""


def reference_project(file: MarkdownFile) -> str:
    return "nishio-en" if file.path.startswith("en/") else "nishio"


def reference_round_trip(text: str, project: str) -> str:
    document = scrapconv.read(text, "obsidian", project=project, compat="reference")
    scrapbox = scrapconv.write(document, "scrapbox")
    return scrapconv.convert(
        scrapbox, "scrapbox", "obsidian", project=project, compat="reference"
    ).text


@dataclass(frozen=True, slots=True)
class Outcome:
    file: MarkdownFile
    # What the two sides compared are, and whether they are equal.
    before: str
    after: str

    @property
    def same(self) -> bool:
        return self.before == self.after

    def diff(self) -> str:
        lines = difflib.unified_diff(
            _lines(self.before), _lines(self.after), "before", "after", n=1, lineterm=""
        )
        shown = list(lines)[2 : 2 + DIFF_LINES]
        return "\n".join(line[:160] for line in shown)


def _lines(text: str) -> list[str]:
    """Lines for a diff; HTML, which has few, is cut after each closing block tag."""
    if text.startswith("<"):
        text = re.sub(
            r"(</(?:p|li|h[1-6]|pre|blockquote|tr|table|ul|ol|div|front-matter)>)", "\\1\n", text
        )
    return text.splitlines()


def _outcomes(
    files: Iterable[MarkdownFile], pair: Callable[[MarkdownFile], tuple[str, str]]
) -> list[Outcome]:
    return [Outcome(file, *pair(file)) for file in files]


@cache
def html_outcomes() -> tuple[Outcome, ...]:
    def pair(file: MarkdownFile) -> tuple[str, str]:
        back = obsidian_round_trip(file.text, icon_project(file))
        return render_html(file.text), render_html(back)

    return tuple(_outcomes(all_markdown_files(), pair))


@cache
def stability_outcomes() -> tuple[Outcome, ...]:
    def pair(file: MarkdownFile) -> tuple[str, str]:
        once = obsidian_round_trip(file.text, icon_project(file))
        return once, obsidian_round_trip(once, icon_project(file))

    return tuple(_outcomes(all_markdown_files(), pair))


@cache
def reference_outcomes() -> tuple[Outcome, ...]:
    # The whole file counts, its last newline too: the pipeline ends a file with `\n` exactly
    # when the page's last line is empty or a code block (docs/reference-format.md, §1), so
    # 242 of the 400 files end with one and 158 do not.
    return tuple(
        Outcome(file, file.text, reference_round_trip(file.text, reference_project(file)))
        for file in markdown_files("external-brain-md-sample")
    )


def _report(outcomes: Iterable[Outcome], what: str) -> tuple[float, str]:
    outcomes = list(outcomes)
    differing = [outcome for outcome in outcomes if not outcome.same]
    share = 1 - len(differing) / len(outcomes)
    lines = [f"{what}: {len(outcomes) - len(differing)} of {len(outcomes)} ({share:.2%})"]
    for outcome in differing[:SHOWN]:
        lines.append(f"--- {outcome.file.corpus}/{outcome.file.path}")
        lines.append(outcome.diff())
    message = "\n".join(lines)
    print(message)
    return share, message


def test_the_corpora_are_all_there() -> None:
    counts = {corpus: len(markdown_files(corpus)) for corpus in MARKDOWN_CORPORA}
    assert counts == {
        "obsidian-help-en": 173,
        "obsidian-kepano-vault": 103,
        "external-brain-md-sample": 400,
    }


def test_obsidian_round_trip_renders_the_same_html() -> None:
    share, message = _report(html_outcomes(), "same HTML after Obsidian → AST → Obsidian")
    assert share >= HTML_FLOOR, message


def test_obsidian_output_is_stable() -> None:
    share, message = _report(stability_outcomes(), "unchanged by a second round trip")
    assert share >= STABLE_FLOOR, message


def test_reference_pages_come_back() -> None:
    outcomes = reference_outcomes()
    share, message = _report(outcomes, "reference pages back byte for byte")
    total = matched = 0
    for outcome in outcomes:
        before, after = outcome.before.split("\n"), outcome.after.split("\n")
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        matched += sum(block.size for block in matcher.get_matching_blocks())
        total += len(before)
    lines = matched / total
    assert share >= REFERENCE_FLOOR, message
    assert lines >= REFERENCE_LINES_FLOOR, f"{lines:.2%} of the lines come back\n{message}"
