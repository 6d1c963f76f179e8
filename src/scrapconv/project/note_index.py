"""Which file of a vault a link names, by Obsidian's rules (`NoteIndex`): the notes a wikilink
or a Markdown link goes to, and the attachments an embed shows."""

from __future__ import annotations

import posixpath
import unicodedata

__all__ = ["NoteIndex", "link_key"]


def link_key(path: str) -> str:
    """How Obsidian compares a link with a file's path: without case, in one normal form."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", path).casefold())


class NoteIndex:
    """Which file of a vault a link names, by Obsidian's rules.

    A link's target (without `#section`, a leading `/` or a final `extension`, `.md` for
    notes) names a file by its path from the vault's root, by a path relative to the linking
    note when it starts with `./` or `../`, or by its file name or a final part of its path
    (`Folder/Note`); when several files match, the one nearest the root (fewest folders, then
    first by path) wins. Matching ignores case and Unicode normal form. Spaces around a target
    count: a vault written from an export links `[[x ]]` for Scrapbox's `[x ]`, another page
    than `x`.

    The final parts are a tree of path parts from the last one up (one node per part of each
    file's path, so it takes linear space), each node holding the file that wins among those
    whose paths end so: a link is resolved in the time of its own parts.
    """

    def __init__(self, paths: tuple[str, ...], extension: str = ".md") -> None:
        self._extension = extension
        self._by_path: dict[str, str] = {}
        # Node 0 is the root; a child is found by (node, part).
        self._children: dict[tuple[int, str], int] = {}
        self._winner: dict[int, str] = {}
        for path in paths:
            self._by_path[link_key(self._stem(path))] = path
        for path in sorted(paths, key=lambda path: (path.count("/"), path.split("/"))):
            node = 0
            for part in reversed(link_key(self._stem(path)).split("/")):
                node = self._children.setdefault((node, part), len(self._children) + 1)
                self._winner.setdefault(node, path)

    def _stem(self, path: str) -> str:
        extension = self._extension
        if extension and path[-len(extension) :].lower() == extension:
            return path[: -len(extension)]
        return path

    def path(self, target: str, source: str) -> str | None:
        """The path of the file `target` names in a link from the note `source`, or None."""
        target = self._stem(target)
        if target.startswith(("./", "../")):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
        key = link_key(target.lstrip("/"))
        if not key:
            return None
        path = self._by_path.get(key)
        if path is None:
            path = self._ending_in(key)
        return path

    def _ending_in(self, key: str) -> str | None:
        """The winning file whose path (without the extension, as a key) ends with `/` +
        `key`."""
        node = 0
        for part in reversed(key.split("/")):
            found = self._children.get((node, part))
            if found is None:
                return None
            node = found
        return self._winner[node]
