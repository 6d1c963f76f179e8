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


# A link to a line of a page ends in `#` and the line's id: no part of the page's title.
_LINE_ANCHOR = re.compile(r"#[0-9a-f]{24}$")


def line_link(target: str) -> tuple[str, str]:
    """A link's target, `page` or `page#<line id>` (a line of the page), as the page's title
    and the line anchor (`#<line id>`, or "")."""
    anchor = _LINE_ANCHOR.search(target)
    if anchor is None:
        return target, ""
    return target[: anchor.start()], anchor[0]


def root_link(target: str) -> tuple[str, str, str]:
    """A root link's target, `/project/page` or `/project/page#<line id>` (a line of the
    page), as its project, its page's title (after the project's `/`, which may hold more `/`)
    and the line anchor (`#<line id>`, or "")."""
    project, _, page = target[1:].partition("/")
    return project, *line_link(page)


def scrapbox_path(target: str) -> str:
    """The URL path of a root link's target, `/project/page`: the page's title with spaces as
    `_`, as Scrapbox writes it, and percent-encoded whole (a `/` in it too); a line anchor
    stays the URL's fragment."""
    project, page, anchor = root_link(target)
    slash = "/" if "/" in target[1:] else ""
    return f"/{url_component(project)}{slash}{url_component(page.replace(' ', '_'))}{anchor}"


def url_component(text: str) -> str:
    """`text` percent-encoded as JavaScript's `encodeURIComponent` does, and `(` and `)` too,
    so that a Markdown link destination holding it needs no escapes in any renderer."""
    return quote(text, safe="!*'~", errors="surrogatepass")


def path_segment(text: str) -> str:
    return quote(text, safe="!$&'()*+,;=:@~", errors="surrogatepass")


def icon_page(path: str, project: str) -> tuple[str, str]:
    """The project and page of an icon written `name` (of `project`) or `/project/name`."""
    if path.startswith("/"):
        owner, _, name = path[1:].partition("/")
        return owner, name
    return project, path
