"""The manifest of a vault written from an export: `.scrapconv.json` in the vault's folder.

It records how the notes were made and what was written, so that an incremental run can
convert only the pages that changed, and can tell a file scrapconv wrote from one edited by
hand since, or one it never wrote:

    {
      "files": {"Note.md": {"source": SHA256, "title": "Note", "updated": 1700000000,
                            "written": SHA256}, ...},
      "format": 1,
      "settings": SHA256,
      "titles": SHA256
    }

`settings` is the digest of the conversion settings (and scrapconv's version), `titles` that
of the set of page titles: a note depends on both (file names and links are made from all
titles), so a change to either means every page is converted again. Per note file, `title` is
its page, `source` the digest of the page as it was converted (null when the file's bytes are
not that page's conversion under these settings: a file kept as it was), `written` the
SHA-256 of the bytes written, `updated` the page's time of change in the export, when it has
one (absent otherwise, and in manifests of earlier versions): a page whose title and `updated`
are those recorded has not changed, which saves hashing it. The name is hidden, so Obsidian
ignores the file, and no note is named so: note names never start with a dot
(`scrapconv.filenames`).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _string
from pathlib import Path
from types import MappingProxyType
from typing import Literal

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
_FORMAT = 1
_NOTE_EXTENSION = ".md"


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
    """The digests of the settings and of the titles of the last run, and the note files
    scrapconv wrote, by file name (with `.md`)."""

    settings: str
    titles: str
    files: Mapping[str, ManifestEntry]
    # The recorded names by collision key, made when a name is first looked for that is not
    # recorded as it is (most are).
    _by_key: dict[str, str] | None = field(
        init=False, default=None, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))

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
    return _value_digest({"format": _FORMAT, **settings})


def titles_digest(titles: Iterable[str]) -> str:
    """The digest of a set of page titles, whatever their order."""
    return _value_digest(sorted(set(titles)))


def manifest_bytes(manifest: Manifest) -> bytes:
    """The manifest file: UTF-8 JSON, keys sorted, indented by 2, with a final newline (what
    `json.dumps(..., ensure_ascii=False, indent=2, sort_keys=True)` writes, written here
    entry by entry: with an indent, json encodes in Python, several times slower)."""
    entries = [_entry_json(name, manifest.files[name]) for name in sorted(manifest.files)]
    files = "{\n" + ",\n".join(entries) + "\n  }" if entries else "{}"
    text = (
        f'{{\n  "files": {files},\n  "format": {_FORMAT},\n'
        f'  "settings": {_string(manifest.settings)},\n  "titles": {_string(manifest.titles)}\n}}\n'
    )
    return text.encode("utf-8", "surrogatepass")


def _entry_json(name: str, entry: ManifestEntry) -> str:
    source = "null" if entry.source is None else _string(entry.source)
    updated = "" if entry.updated is None else f'      "updated": {entry.updated},\n'
    return (
        f"    {_string(name)}: {{\n"
        f'      "source": {source},\n'
        f'      "title": {_string(entry.title)},\n'
        f"{updated}"
        f'      "written": {_string(entry.written)}\n'
        "    }"
    )


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
    if type(version) is not int or version != _FORMAT:
        raise _not_a_manifest(path, f'no "format": {_FORMAT}')
    settings = value.get("settings")
    titles = value.get("titles")
    files = value.get("files")
    if not isinstance(settings, str) or not isinstance(titles, str):
        raise _not_a_manifest(path, 'no "settings" and "titles" digests')
    if not isinstance(files, dict):
        raise _not_a_manifest(path, 'no "files" object')
    entries = {name: _read_entry(path, name, entry) for name, entry in files.items()}
    return Manifest(settings, titles, entries)


def _read_entry(path: Path, name: str, entry: object) -> ManifestEntry:
    # A name from the file is removed from the folder when its page is gone: it must be a
    # note directly inside the folder.
    if (
        posixpath.basename(name) != name
        or "\\" in name
        or "\0" in name
        or name.startswith(".")
        or not name.endswith(_NOTE_EXTENSION)
    ):
        raise _not_a_manifest(path, f"{json.dumps(name)} is not the name of a note")
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
