"""What the package offers (`read`, `write`, `convert`, `guess_format`), imported by
`scrapconv` when first used, so that the command starts without it."""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from .ast import Document
from .diagnostics import Diagnostic
from .frozen import frozen
from .markdown.options import Compat

Format = Literal["scrapbox", "obsidian", "markdown"]
FORMATS: tuple[str, ...] = ("scrapbox", "obsidian", "markdown")
READABLE_FORMATS: tuple[str, ...] = ("scrapbox", "obsidian", "markdown")
COMPAT_MODES: tuple[str, ...] = get_args(Compat)
# How a vault's Cosense import is written: `dated`, each line of a note with dates an object
# with its text and the note's creation and update times; `light`, each line its text.
ImportFormat = Literal["dated", "light"]
IMPORT_FORMATS: tuple[str, ...] = get_args(ImportFormat)


@frozen
class Conversion:
    """A converted text, and what the conversion lost or changed."""

    text: str
    diagnostics: tuple[Diagnostic, ...]


# What tells a text's format, for `guess_format`: Markdown's headings, fences and inline links
# (`](`), which Scrapbox pages hardly ever hold; Scrapbox's indented lines (other than list
# items), code and table blocks, `[* ]` sizes and icons, which Markdown notes hardly ever hold.
# (Compiled by `re` when first used: a command told the format never needs them.)
_MARKDOWN_SIGN = r"(?m)^(?:#{1,6}[ \t]+\S|```|~~~)|\]\((?:https?://|<)"
_SCRAPBOX_SIGN = (
    r"(?m)^[ \t\u3000]+(?![-*+][ \t]|\d{1,9}[.)][ \t]|```|~~~)\S|^(?:code|table):\S"
    r"|\[\*+ |\[[^\[\]\n]*\.icon(?:\*\d+)?\]"
)


def guess_format(text: str) -> Literal["export", "scrapbox", "obsidian"] | None:
    """The format `text` is written in, when its content tells it clearly: `export` for JSON
    (a project export), `obsidian` for Markdown with front matter or Markdown's own marks,
    `scrapbox` for Scrapbox's own marks; None when it has the marks of both or of neither."""
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("{"):
        return "export"
    if text.startswith("---\n") or text.startswith("---\r\n"):
        return "obsidian"
    markdown = re.search(_MARKDOWN_SIGN, text) is not None
    scrapbox = re.search(_SCRAPBOX_SIGN, text) is not None
    if markdown == scrapbox:
        return None
    return "obsidian" if markdown else "scrapbox"


def read(
    text: str,
    format: Format,
    *,
    has_title: bool = True,
    project: str = "",
    compat: Compat = "faithful",
) -> Document:
    """Read `text` written in `format` into a Document. Never raises on any text.

    `has_title` (Scrapbox): whether the first line is the title. `project` (Markdown): the
    Scrapbox project that icons written without a project name belong to. `compat`
    (Markdown): `reference` reads the format of the reference export pipeline
    (docs/reference-format.md), one Scrapbox line per Markdown line, text as written.
    """
    if compat not in COMPAT_MODES:
        raise ValueError(f"unknown compat mode {compat!r}; modes: {', '.join(COMPAT_MODES)}")
    if format == "scrapbox":
        from .scrapbox.reader import read_scrapbox

        return read_scrapbox(text, has_title=has_title)
    if format in ("obsidian", "markdown"):
        if compat == "reference":
            from .markdown.reference_reader import read_reference_markdown

            return read_reference_markdown(text, project=project)
        from .markdown.reader import read_markdown

        return read_markdown(text, format, project=project)
    raise ValueError(f"cannot read {format!r}; readable formats: {', '.join(READABLE_FORMATS)}")


def write(document: Document, format: Format, **options: Any) -> str:
    """Write a Document in `format`; see `convert` for the options."""
    return _write(document, format, options)[0]


def convert(text: str, source: Format, target: Format, **options: Any) -> Conversion:
    """Convert `text` from one format to another.

    Options for Markdown sources and targets (`obsidian`, `markdown`): `project` (the
    Scrapbox project name, for icons and root links). For Markdown targets also `icons`
    (`img`, `image`, `embed` or `link`), `headings` (heading levels by number of asterisks,
    default (3, 2, 1)) and `compat` (`faithful` or `reference`). With a Markdown source,
    `compat` is how it is read (`reference`: the reference pipeline's format); it applies to
    writing too when the target is Markdown. From Markdown to Scrapbox, `asset_url` is where
    the vault's attachments are on the web: an image `![[picture.png]]` becomes the image
    `[asset_url/picture.png]` (without it, a link to its name).
    """
    read_diagnostics: tuple[Diagnostic, ...] = ()
    shaped: tuple[Diagnostic, ...] = ()
    if source in ("obsidian", "markdown"):
        compat = options.get("compat", "faithful")
        project = options.get("project", "")
        if compat == "faithful":
            from .markdown.reader import read_markdown_with_diagnostics

            document, read_diagnostics = read_markdown_with_diagnostics(
                text, source, project=project
            )
        else:
            document = read(text, source, project=project, compat=compat)
        if target == "scrapbox":
            asset_url = options.get("asset_url", "")
            options = {
                key: value
                for key, value in options.items()
                if key not in ("project", "compat", "asset_url")
            }
            if compat == "faithful":
                from .markdown.scrapbox_form import scrapbox_form

                document, shaped = scrapbox_form(
                    document, text, flavor=source, project=project, asset_url=asset_url
                )
    else:
        from .scrapbox.reader import scrapbox_text

        # Text from a file: CR LF line ends, and a byte order mark, as an editor shows them.
        document = read(scrapbox_text(text), source)
    written, diagnostics = _write(document, target, options)
    if shaped:
        # In line order with what writing reports.
        diagnostics = sorted((*shaped, *diagnostics), key=lambda diagnostic: diagnostic.line)
    return Conversion(written, (*read_diagnostics, *diagnostics))


def _write(
    document: Document, format: Format, options: dict[str, Any]
) -> tuple[str, list[Diagnostic]]:
    if format == "scrapbox":
        if options:
            raise TypeError(f"the scrapbox writer takes no options: {', '.join(options)}")
        from .scrapbox.report import scrapbox_diagnostics
        from .scrapbox.writer import write_scrapbox

        left_out: list[Diagnostic] = []
        if document.meta or document.front_matter:
            # A note's front matter: lines at the page's start; its dates have no place.
            from .markdown.properties import dates_left_out, with_properties

            document, dates = with_properties(document)
            left_out = dates_left_out(dates, "a page's text holds none (a vault's import does)")
        return write_scrapbox(document), [*left_out, *scrapbox_diagnostics(document)]
    if format in ("obsidian", "markdown"):
        from .markdown import write_markdown
        from .markdown.options import MarkdownOptions

        return write_markdown(document, MarkdownOptions(flavor=format, **options))
    raise ValueError(f"unknown format {format!r}; known formats: {', '.join(FORMATS)}")


__all__ = [
    "COMPAT_MODES",
    "FORMATS",
    "IMPORT_FORMATS",
    "Compat",
    "Conversion",
    "Diagnostic",
    "Document",
    "Format",
    "ImportFormat",
    "convert",
    "read",
    "write",
]
