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

How the rendering is compared (`render_html`): both sides are rendered by the Obsidian
flavor's judge (tests/judges.py: markdown-it-py with Obsidian's wikilinks, embeds, tags,
highlights and comments) and compared as a reader sees them (`reader_tokens`: elements and
their attributes, text with the whitespace HTML collapses). A YAML front matter counts as its
parsed value, as sorted JSON, so that its keys and values count, not their layout or quoting.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import pytest
import yaml

import scrapconv

from .judges import reader_tokens, render_obsidian
from .markdown_corpus import (
    MARKDOWN_CORPORA,
    MarkdownFile,
    all_markdown_files,
    markdown_files,
    require_corpus,
)

# Share of files whose round trip renders the same to the Obsidian flavor's judge: all 676.
HTML_FLOOR = 1.0
# Share of the files' lines that the round trip changes (the lines difflib finds no match
# for): 1.32 % when set (escapes, spacing in table rows, `\--`). It only goes down.
CHANGED_LINES_CEILING = 0.014
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

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)


@pytest.fixture(autouse=True)
def _corpus() -> None:
    require_corpus()


# ---------------------------------------------------------------------------------------------
# Rendering


def _front_matter(text: str) -> tuple[str, str]:
    """The front matter as one line of sorted JSON, and the Markdown after it."""
    match = FRONT_MATTER.match(text)
    if match is None:
        return "", text
    try:
        value = yaml.safe_load(match.group(1) or "")
        shown = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except yaml.YAMLError:
        shown = match.group(1) or ""  # not YAML: compare the text
    return f"front matter {shown}\n", text[match.end() :]


def render_html(text: str) -> str:
    """What a reader of the note sees, as the Obsidian flavor's judge renders it: one line per
    element or run of text (tests/judges.py, `reader_tokens`)."""
    head, body = _front_matter(text)
    tokens = reader_tokens(render_obsidian(body))
    return head + "\n".join(" ".join(token) for token in tokens)


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


def test_obsidian_round_trip_changes_few_lines() -> None:
    total = changed = 0
    for file in all_markdown_files():
        before = file.text.split("\n")
        after = obsidian_round_trip(file.text, icon_project(file)).split("\n")
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        total += len(before)
        changed += len(before) - sum(block.size for block in matcher.get_matching_blocks())
    print(f"Obsidian → AST → Obsidian changes {changed} of {total} lines ({changed / total:.2%})")
    assert changed / total <= CHANGED_LINES_CEILING


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
