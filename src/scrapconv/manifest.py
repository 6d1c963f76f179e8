"""The manifest of a vault written from an export: `.scrapconv.json` in the vault's folder.

It records how the notes were made and what was written, so that an incremental run can
convert only the pages that changed, and can tell a file scrapconv wrote from one edited by
hand since, or one it never wrote:

    {
      "files": [
        ["Note.md", "Note", 1700000000, SHA256, SHA256],
        ...
      ],
      "format": 2,
      "names": {
        "a/b": "a-b.md",
        ...
      },
      "settings": SHA256,
      "titles": SHA256
    }

`settings` is the digest of the conversion settings (and scrapconv's version), `titles` that
of the set of page titles: a note depends on both (file names and links are made from all
titles), so a change to either means every page is converted again. `files` holds one row per
note file, sorted by name: its name, its page's title, the page's time of change in the export
(`updated`, or null when it has none), the digest of the page as it was converted (`source`;
null when the file's bytes are not that page's conversion under these settings: a file kept
as it was) and the SHA-256 of the bytes written (`written`). A page whose title and `updated`
are those recorded has not changed, which saves hashing it. `names` gives the file name of
every page whose file is not named after its title (`title.md`), by title: the file names of
the last run, which a run with the same settings and titles takes instead of making them
again. Manifests of format 1 (before `names`; one object per file) are read as well; the next
run that writes the manifest writes it in format 2. The name is hidden, so Obsidian ignores
the file, and no note is named so: note names never start with a dot (`scrapconv.filenames`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from .filenames import collision_key
from .files import read_regular

__all__ = [
    "MANIFEST_NAME",
    "FileState",
    "Manifest",
    "ManifestEntry",
    "ManifestError",
    "digest",
    "file_state",
    "manifest_bytes",
    "read_manifest",
    "settings_digest",
    "source_digest",
    "titles_digest",
]

MANIFEST_NAME = ".scrapconv.json"
_FORMAT = 2
# The earlier format this version still reads.
_FORMAT_1 = 1
# The name of a note directly inside the folder: a name from the file is written or removed.
_NOTE_EXTENSION = ".md"
_NOTE_NAME = re.compile(r"[^./\\\x00][^/\\\x00]*\.md")
# In titles one a line: one that names no file directly in the folder (empty, hidden, or
# holding a path separator). (A title holding a line break is looked at as two: no fewer
# are found.)
_NOT_A_FILE_NAME = re.compile(r"[/\\\x00]|^\.|^$", re.MULTILINE)


class ManifestError(ValueError):
    """A manifest that cannot be read; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """What scrapconv wrote into one note file: its page's title, the digest of the page it
    was converted from (None when the file holds no conversion of the page as it is now), the
    SHA-256 of the bytes written and the page's `updated` time (None when it has none)."""

    title: str
    source: str | None
    written: str
    updated: int | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    """The digests of the settings and of the titles of the last run, the note files
    scrapconv wrote, by file name (with `.md`), and the file name (with `.md`) of every page of
    the last run whose file is not named after its title, by title (`names`; None in a
    manifest of format 1, which does not record them)."""

    settings: str
    titles: str
    files: Mapping[str, ManifestEntry]
    names: Mapping[str, str] | None = None
    # The recorded names by collision key, made when a name is first looked for that is not
    # recorded as it is (most are).
    _by_key: dict[str, str] | None = field(
        init=False, default=None, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))
        if self.names is not None:
            object.__setattr__(self, "names", MappingProxyType(dict(self.names)))

    def page_files(self, titles: list[str]) -> dict[str, str] | None:
        """The file name (without `.md`) of every page, by title, as `names` records them for
        the pages titled `titles` (the titles of the last run: its digest is `titles`); None
        when the manifest records none, or none that can be these pages' (a name for a title
        that is not one of them, two pages named alike, a title no file can be named after)."""
        names = self.names
        if names is None or not names.keys() <= set(titles):
            return None
        files = {
            title: names[title][: -len(_NOTE_EXTENSION)] if title in names else title
            for title in titles
        }
        plain = "\n".join(title for title in titles if title not in names)
        if _NOT_A_FILE_NAME.search(plain) or len(set(files.values())) != len(files):
            return None
        return files

    def find(self, filename: str) -> tuple[str, ManifestEntry] | None:
        """The recorded file that is `filename` on a file system that ignores case and
        normal form (its recorded name and entry), or None. (Names recorded are unique by
        collision key: a name recorded as it is is the one.)"""
        entry = self.files.get(filename)
        if entry is not None:
            return filename, entry
        if self._by_key is None:
            by_key = {collision_key(name): name for name in self.files}
            object.__setattr__(self, "_by_key", by_key)
        else:
            by_key = self._by_key
        name = by_key.get(collision_key(filename))
        return None if name is None else (name, self.files[name])


# What a file of the folder is, next to what the manifest says about it.
FileState = Literal["absent", "as-written", "edited", "not-written"]


def file_state(entry: ManifestEntry | None, data: bytes | None) -> FileState:
    """`absent`: no file; `as-written`: the bytes scrapconv wrote; `edited`: scrapconv wrote
    the file and it has changed since; `not-written`: a file scrapconv did not write."""
    if data is None:
        return "absent"
    if entry is None:
        return "not-written"
    return "as-written" if digest(data) == entry.written else "edited"


def digest(data: bytes) -> str:
    """The SHA-256 of `data`, in hex."""
    return hashlib.sha256(data).hexdigest()


def _value_digest(value: object) -> str:
    # JSON with every non-ASCII character escaped: stable, and any string (lone surrogates
    # too) encodes.
    return digest(json.dumps(value, sort_keys=True).encode("ascii"))


def source_digest(title: str, text: str, created: int | None, updated: int | None) -> str:
    """The digest of a page as a note is made from it."""
    return _value_digest([title, text, created, updated])


def settings_digest(settings: Mapping[str, str]) -> str:
    """The digest of the conversion settings (each a name and its value as text)."""
    # (Format 1's: the settings mean what they meant then, so that the manifest of an earlier
    # version still tells what changed.)
    return _value_digest({"format": _FORMAT_1, **settings})


def titles_digest(titles: Iterable[str]) -> str:
    """The digest of a set of page titles, whatever their order."""
    return _value_digest(sorted(set(titles)))


def manifest_bytes(manifest: Manifest) -> bytes:
    """The manifest file: UTF-8 JSON, keys sorted, one file and one name a line, with a final
    newline. (Each string written by json's encoder of strings, in C, in a layout json does
    not write: with an indent it encodes in Python, several times slower, and a call of its
    encoder for each row took twice the time of this.)"""
    string = json.encoder.encode_basestring
    rows = [
        f"    [{string(name)}, {string(entry.title)}, {_number(entry.updated)}, "
        f"{'null' if entry.source is None else string(entry.source)}, {string(entry.written)}]"
        for name, entry in sorted(manifest.files.items())
    ]
    names_line = ""
    if manifest.names is not None:
        pairs = [
            f"    {string(title)}: {string(name)}" for title, name in sorted(manifest.names.items())
        ]
        names_line = f'  "names": {_listed(pairs, "{", "}")},\n'
    text = (
        f'{{\n  "files": {_listed(rows, "[", "]")},\n  "format": {_FORMAT},\n{names_line}'
        f'  "settings": {string(manifest.settings)},\n  "titles": {string(manifest.titles)}\n}}\n'
    )
    return text.encode("utf-8", "surrogatepass")


def _number(value: int | None) -> str:
    return "null" if value is None else str(value)


def _listed(items: list[str], start: str, end: str) -> str:
    return f"{start}\n" + ",\n".join(items) + f"\n  {end}" if items else start + end


def read_manifest(path: Path) -> Manifest | None:
    """The manifest at `path`, or None when there is none. Raises ManifestError when it is
    not a manifest this version can read or cannot be read (not a regular file, a symbolic link
    out of its folder, no permission)."""
    try:
        data = read_regular(path, path.parent)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ManifestError(
            f"{path}: cannot read: {error.strerror or error}: remove it to start over"
        ) from None
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        # (JSON and UTF-8 errors, and a number of more digits than Python turns into an int.)
        raise _not_a_manifest(path, "not UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise _not_a_manifest(path, "not a JSON object")
    version = value.get("format")
    if type(version) is int and version > _FORMAT:
        raise ManifestError(
            f"{path}: written by a newer scrapconv (format {version}): update scrapconv, or "
            "remove the file to start over"
        )
    if type(version) is not int or version not in (_FORMAT_1, _FORMAT):
        raise _not_a_manifest(path, f'no "format": {_FORMAT}')
    settings = value.get("settings")
    titles = value.get("titles")
    files = value.get("files")
    if not isinstance(settings, str) or not isinstance(titles, str):
        raise _not_a_manifest(path, 'no "settings" and "titles" digests')
    if version == _FORMAT_1:
        if not isinstance(files, dict):
            raise _not_a_manifest(path, 'no "files" object')
        entries = {name: _read_entry(path, name, entry) for name, entry in files.items()}
        return Manifest(settings, titles, entries)
    if not isinstance(files, list):
        raise _not_a_manifest(path, 'no "files" list')
    return Manifest(settings, titles, _read_rows(path, files), _read_names(path, value))


def _read_rows(path: Path, rows: list[Any]) -> dict[str, ManifestEntry]:
    """The entries of format 2's rows, checked a column at a time (most checks in C: a
    manifest has a row per page)."""
    if not set(map(type, rows)) <= {list} or not set(map(len, rows)) <= {5}:
        raise _not_a_manifest(path, "a file's row is not a list of 5 values")
    names, titles, updated, sources, written = zip(*rows, strict=True) if rows else ((),) * 5
    if not set(map(type, names)) <= {str}:
        raise _not_a_manifest(path, "a file's name is not text")
    _check_names(path, names)
    if (
        not set(map(type, titles)) <= {str}
        or not set(map(type, sources)) <= {str, type(None)}
        or not set(map(type, written)) <= {str}
    ):
        raise _not_a_manifest(path, 'a file\'s "title", "source" or "written" is not text')
    if (
        not set(map(type, updated)) <= {int, type(None)}
        or min(filter(None, updated), default=0) < 0
    ):
        raise _not_a_manifest(path, 'a file\'s "updated" is not a time')
    if len(set(names)) != len(names):
        raise _not_a_manifest(path, "a file is listed twice")
    return dict(zip(names, map(ManifestEntry, titles, sources, written, updated), strict=True))


def _check_names(path: Path, names: Iterable[str]) -> None:
    # A name from the file is written or removed: it must be a note directly in the folder.
    for name in names:
        if not _NOTE_NAME.fullmatch(name):
            raise _not_a_manifest(path, f"{json.dumps(name)} is not the name of a note")


def _read_names(path: Path, value: dict[str, Any]) -> dict[str, str] | None:
    if "names" not in value:
        return None
    names = value["names"]
    if not isinstance(names, dict):
        raise _not_a_manifest(path, 'no "names" object')
    if not set(map(type, names.values())) <= {str}:
        raise _not_a_manifest(path, "a page's file name is not text")
    _check_names(path, names.values())
    return names


def _read_entry(path: Path, name: str, entry: object) -> ManifestEntry:
    _check_names(path, (name,))
    if not isinstance(entry, dict):
        raise _not_a_manifest(path, f"the entry of {json.dumps(name)} is not an object")
    title = entry.get("title")
    source = entry.get("source")
    written = entry.get("written")
    updated = entry.get("updated")
    if (
        not isinstance(title, str)
        or not (source is None or isinstance(source, str))
        or not isinstance(written, str)
    ):
        raise _not_a_manifest(
            path, f'the entry of {json.dumps(name)} lacks a "title", "source" or "written"'
        )
    if updated is not None and (type(updated) is not int or updated < 0):
        raise _not_a_manifest(path, f'the "updated" of {json.dumps(name)} is not a time')
    return ManifestEntry(title, source, written, updated)


def _not_a_manifest(path: Path, reason: str) -> ManifestError:
    return ManifestError(f"{path}: not a scrapconv manifest ({reason}): remove it to start over")
