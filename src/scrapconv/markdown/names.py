"""Names the Markdown writer gives Scrapbox pages and icons, and the reader reads back: note
file names, scrapbox.io URL paths, icon pages."""

from __future__ import annotations

import re
from urllib.parse import quote

# Not allowed in file names on Windows, macOS or Linux, or read as link syntax by Obsidian.
_FILENAME_UNSAFE = re.compile(r'[/\\:*?"<>|#^\[\]\x00-\x1f\x7f]|%%')


def title_to_filename(title: str) -> str:
    """The file name (without `.md`) of the note for a page title: characters that file
    systems or Obsidian links cannot hold become `-`."""
    return _FILENAME_UNSAFE.sub("-", title)


def scrapbox_path(target: str) -> str:
    """The URL path of a root link's target, `/project/page`."""
    # Scrapbox writes the spaces of a page title in its URL as `_`.
    return "/".join(path_segment(part.replace(" ", "_")) for part in target.split("/"))


def path_segment(text: str) -> str:
    return quote(text, safe="!$&'()*+,;=:@~", errors="surrogatepass")


def icon_page(path: str, project: str) -> tuple[str, str]:
    """The project and page of an icon written `name` (of `project`) or `/project/name`."""
    if path.startswith("/"):
        owner, _, name = path[1:].partition("/")
        return owner, name
    return project, path
