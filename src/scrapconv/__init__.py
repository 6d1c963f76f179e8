"""scrapconv: Scrapbox (Cosense) notation to and from Obsidian and plain Markdown.

import scrapconv
document = scrapconv.read(text, "scrapbox")
text = scrapconv.write(document, "scrapbox")
result = scrapconv.convert(text, "scrapbox", "obsidian", project="nishio")
result.text, result.diagnostics
"""

from __future__ import annotations

# Not `typing.TYPE_CHECKING`: importing `typing` alone takes longer than the rest of this.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .api import (
        COMPAT_MODES,
        FORMATS,
        IMPORT_FORMATS,
        READABLE_FORMATS,
        Compat,
        Conversion,
        Diagnostic,
        Document,
        Format,
        ImportFormat,
        convert,
        guess_format,
        read,
        write,
    )

__version__ = "0.1.0.dev0"

# What `scrapconv.NAME` gives, from `api`: imported on first use, since the command's entry
# (`__main__`) imports this package first, and Ctrl-C must find it ready at once.
_API = frozenset(
    (
        "COMPAT_MODES",
        "FORMATS",
        "IMPORT_FORMATS",
        "READABLE_FORMATS",
        "Compat",
        "Conversion",
        "Diagnostic",
        "Document",
        "Format",
        "ImportFormat",
        "convert",
        "guess_format",
        "read",
        "write",
    )
)


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'scrapconv' has no attribute {name!r}")
    from . import api

    value = getattr(api, name)
    globals()[name] = value
    return value


__all__ = [
    "COMPAT_MODES",
    "FORMATS",
    "IMPORT_FORMATS",
    "READABLE_FORMATS",
    "Compat",
    "Conversion",
    "Diagnostic",
    "Document",
    "Format",
    "ImportFormat",
    "__version__",
    "convert",
    "guess_format",
    "read",
    "write",
]
