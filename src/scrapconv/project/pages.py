"""One page of an export as one note: `convert_page`, a pure function of the page and
`PageOptions`, and the notes of many pages, converted here or in worker processes (`workers`),
in the export's order either way, so that the output does not depend on the number of jobs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..ast import Property
from ..diagnostics import Diagnostic
from ..filenames import (
    FileNameMap,
    claim_suffixed,
    collision_key,
    page_key,
    reference_filenames,
)
from ..markdown import write_markdown
from ..markdown.options import MarkdownOptions
from ..scrapbox.reader import read_scrapbox
from .export import Export, ExportPage, iso_time, shown
from .workers import in_order

__all__ = [
    "NOTE_EXTENSION",
    "PageOptions",
    "VaultNote",
    "convert_page",
    "converted_notes",
    "page_files",
    "page_options",
    "vault_notes",
]

NOTE_EXTENSION = ".md"


@dataclass(frozen=True, slots=True)
class PageOptions:
    """What converting one page needs: how to write Markdown (with the project's file-name map
    for links, and the vault folders of other projects) and the file name of every page
    (without `.md`), by title. In the reference format, `renamed` says why a page's file name
    is not the reference pipeline's, by title."""

    markdown: MarkdownOptions
    files: Mapping[str, str]
    renamed: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class VaultNote:
    """One note of a vault made from an export: its file name (with `.md`), its text, the
    time to give the file (the page's `updated`, or None) and its diagnostics."""

    filename: str
    text: str
    mtime: int | None
    diagnostics: tuple[Diagnostic, ...]


def convert_page(page: ExportPage, options: PageOptions) -> tuple[str, str, list[Diagnostic]]:
    """One page as a note: its file name (with `.md`), its text and its diagnostics.

    The front matter holds the title, the project (where there is one), `created` and
    `updated` (ISO 8601, UTC) when the export has them, and `aliases: [title]` when the file
    name is not the title. In the reference
    format it holds the title only, as the reference pipeline writes it, and the text is
    that of the page converted alone (`scrapconv.convert(..., compat="reference")`).
    """
    filename = options.files[page.title]
    document = read_scrapbox(page.text)
    diagnostics: list[Diagnostic] = []
    if document.title != page.title:
        diagnostics.append(
            Diagnostic(
                "title-line",
                1,
                f"the first line {shown(document.title or '')} is not the page's title "
                f"{shown(page.title)}: the title is written",
            )
        )
    main = options.markdown.pages.resolve(page.title) if options.markdown.pages else None
    if main is not None and main != filename:
        diagnostics.append(
            Diagnostic(
                "duplicate-page",
                1,
                f"Scrapbox reads {shown(page.title)} as the page of {main}{NOTE_EXTENSION}, where "
                "links go: this page is written apart",
            )
        )
    if options.markdown.compat == "reference":
        why = options.renamed.get(page.title)
        if why is not None:
            pipeline = page.title.replace("/", "-") + NOTE_EXTENSION
            diagnostics.append(
                Diagnostic(
                    "file-name",
                    1,
                    f"the reference pipeline's file name {_quoted(pipeline)} {why}: written "
                    f"as {_quoted(filename + NOTE_EXTENSION)}",
                )
            )
        text, written = write_markdown(
            dataclasses.replace(document, title=page.title), options.markdown
        )
        return filename + NOTE_EXTENSION, text, [*diagnostics, *written]
    meta: list[Property] = []
    if options.markdown.project:
        # The vault remembers its project: an import of it needs no project given.
        meta.append(Property("project", options.markdown.project))
    if page.created is not None:
        meta.append(Property("created", iso_time(page.created)))
    if page.updated is not None:
        meta.append(Property("updated", iso_time(page.updated)))
    if filename != page.title:
        meta.append(Property("aliases", (page.title,)))
    document = dataclasses.replace(document, title=page.title, meta=tuple(meta))
    text, written = write_markdown(document, options.markdown)
    diagnostics.extend(written)
    return filename + NOTE_EXTENSION, text, diagnostics


def _quoted(name: str) -> str:
    """A file name in a message, whole (it names the file to look for)."""
    return json.dumps(name, ensure_ascii=False)


def page_files(titles: list[str], names: FileNameMap) -> dict[str, str]:
    """The file name of every page, by title. Titles that are one page to Scrapbox (`A` and
    `a`, `a_b` and `a b`) share the map's name for links; the one it is made from gets the
    file, every other its own safe name with ` (` + 8 hex digits of the SHA-256 of its title
    + `)`, as the map names a page whose name is taken.
    """
    # The map names a page's file after the first of its titles in sorted order, which is the
    # map's.
    keys: set[str] = set()
    first: dict[str, str] = {}
    for title, name in names:
        key = page_key(title)
        if key not in keys:
            keys.add(key)
            first[title] = name
    if len(first) == len(titles):
        # (No two titles are one page: each is the first of its own.)
        return {title: first[title] for title in titles}
    files = {title: first[title] for title in titles if title in first}
    others = [title for title in titles if title not in first]
    if not others:
        return files
    taken = {collision_key(name) for name in files.values()}
    for title in sorted(others):
        files[title] = claim_suffixed(title, title, taken)
    return files


def vault_notes(
    export: Export, markdown: MarkdownOptions | None = None, *, jobs: int | None = 1
) -> Generator[VaultNote, None, None]:
    """The notes of the vault made from `export`, one per page, in the export's order, written
    as `markdown` says (its `project` empty: the export's own; its `pages` are made here).

    With `jobs` 1 the pages are converted here, one at a time; with more (None: one per CPU,
    `default_jobs`), in as many processes (this one and workers, given chunks of pages) when
    there are pages enough for each (`workers.worker_count`). The notes are the same either
    way. Close the iterator when stopping early: that stops the workers.
    """
    return converted_notes(export.pages, page_options(export, markdown), jobs)


def page_options(
    export: Export, markdown: MarkdownOptions | None = None, files: Mapping[str, str] | None = None
) -> PageOptions:
    """What converting each page of `export` takes: `markdown` (default: Obsidian) with one
    file-name map for all its titles, and the export's project where it names none. In the
    reference format the files are named as the reference pipeline names them, made valid
    (`reference_filenames`), and links are written as it writes them.

    `files`, when given, is the file name of every page by title as this function gave them
    for the same titles (an incremental run's manifest records them): the map is made again
    from them, without naming every title again. The reference format does not take them."""
    markdown = markdown or MarkdownOptions()
    titles = [page.title for page in export.pages]
    if markdown.compat == "reference":
        named = reference_filenames(titles)
        markdown = dataclasses.replace(markdown, project=markdown.project or export.project)
        return PageOptions(
            markdown,
            MappingProxyType({title: name for title, (name, _) in named.items()}),
            MappingProxyType({title: why for title, (_, why) in named.items() if why}),
        )
    if files is not None:
        names = FileNameMap.of_files(files)
    else:
        names = FileNameMap.for_titles(titles)
        files = page_files(titles, names)
    markdown = dataclasses.replace(
        markdown, project=markdown.project or export.project, pages=names
    )
    return PageOptions(markdown, MappingProxyType(dict(files)))


def converted_notes(
    pages: tuple[ExportPage, ...], options: PageOptions, jobs: int | None
) -> Generator[VaultNote, None, None]:
    """The notes of `pages` (some or all of an export's), in their order, converted here or in
    `jobs` worker processes (see `vault_notes`)."""
    shared = (options.markdown, dict(options.files), dict(options.renamed))
    converted = in_order(_convert_in_worker, pages, shared, jobs)
    with contextlib.closing(converted):
        for page, (filename, text, diagnostics) in zip(pages, converted, strict=True):
            yield VaultNote(filename, text, page.updated, tuple(diagnostics))


def _convert_in_worker(
    page: ExportPage, shared: tuple[MarkdownOptions, dict[str, str], dict[str, str]]
) -> tuple[str, str, list[Diagnostic]]:
    """`convert_page` with its options as picklable parts (for worker processes)."""
    markdown, files, renamed = shared
    options = PageOptions(markdown, MappingProxyType(files), MappingProxyType(renamed))
    return convert_page(page, options)
