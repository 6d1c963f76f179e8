"""The Scrapbox project of a vault, when the command does not name it: the one its notes record
(the front matter field `project`, which every note of a vault written from an export holds),
else the one the URLs of its icons name (`https://scrapbox.io/api/pages/PROJECT/NAME/icon`)
when they all name one. The project matters when the vault is read back into pages: an icon of
the project itself is `[name.icon]`, one of another project `[/project/name.icon]`.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from ..files import read_regular
from ..markdown.frontmatter import UnreadFrontMatter, read_fields

__all__ = ["UnknownProjectError", "told_project"]

# An icon as the Markdown writers write it, in an image or an <img> tag.
_ICON_URL = re.compile(r"https://scrapbox\.io/api/pages/([^/\s()<>\"'?#]+)/[^/\s()<>\"'?#]+/icon")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
# The most names a message lists.
_SHOWN = 3


class UnknownProjectError(ValueError):
    """A vault whose project cannot be told; the message is one line saying why."""


def told_project(folder: Path, paths: list[str]) -> str:
    """The project of the notes `paths` (inside `folder`): the one they record, else the one
    their icons name, else "" when they neither record one nor show an icon of scrapbox.io.
    Notes that cannot be read are passed over (reading them for their pages reports them).
    Raises UnknownProjectError when the notes record several projects, or record none and
    their icons name several."""
    recorded: dict[str, str] = {}
    icons: dict[str, str] = {}
    for path in paths:
        try:
            text = read_regular(folder / path, folder).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        project = _recorded_project(text.removeprefix("\ufeff"))
        if project is not None:
            recorded.setdefault(project, path)
        elif not recorded:
            for found in _ICON_URL.finditer(text):
                icons.setdefault(unquote(found[1]), path)
    if len(recorded) > 1:
        raise UnknownProjectError(
            f"{folder}: the notes record several projects ({_listed(recorded)}): give the one "
            "to import into with --project"
        )
    if recorded:
        return next(iter(recorded))
    if len(icons) > 1:
        raise UnknownProjectError(
            f"{folder}: the notes record no project and their icons are of several "
            f"({_listed(icons)}): give the one to import into with --project"
        )
    return next(iter(icons), "")


def _recorded_project(text: str) -> str | None:
    """The `project` field of a note's front matter, when it has one that is text."""
    if not text.startswith("---"):
        return None
    start = text.find("\n")
    if start < 0 or text[:start].rstrip() != "---":
        return None
    end = _FRONT_MATTER_END.search(text, start + 1)
    if end is None:
        return None
    try:
        _, meta = read_fields(text[start + 1 : end.start()])
    except UnreadFrontMatter:
        return None
    for field in meta:
        if field.key == "project" and isinstance(field.value, str) and field.value:
            return field.value
    return None


def _listed(projects: dict[str, str]) -> str:
    """Some of the projects, each with a note that names it."""
    shown = [f"{name} in {path}" for name, path in list(projects.items())[:_SHOWN]]
    if len(projects) > _SHOWN:
        shown.append(f"{len(projects) - _SHOWN} more")
    return ", ".join(shown)
