"""Obsidian and plain Markdown.

`write_markdown` chooses the writer: the faithful one (`writer.py`) or the reference format's
(`reference.py`). Both build on `options.py` and `common.py`, and neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..ast import Document
    from ..diagnostics import Diagnostic
    from .options import MarkdownOptions
    from .writer import MarkdownWriter

__all__ = ["write_markdown"]


def write_markdown(
    document: Document, options: MarkdownOptions | None = None
) -> tuple[str, list[Diagnostic]]:
    """The Markdown text of `document`, and what the conversion lost or changed: in the
    faithful format, or the reference format with `compat="reference"`."""
    # Imported here: a run needs one of the two writers only.
    if options is not None and options.compat == "reference":
        from .reference import ReferenceWriter

        return ReferenceWriter(options).write(document)
    return _faithful_writer()(options).write(document)


@cache
def _faithful_writer() -> Callable[[MarkdownOptions | None], MarkdownWriter]:
    """The faithful writer for some options (the default ones when None), imported once."""
    from .writer import MarkdownWriter, default_options

    return lambda options: MarkdownWriter(options or default_options())
