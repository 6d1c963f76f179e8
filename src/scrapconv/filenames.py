"""Names of Scrapbox pages: Scrapbox's page identity, note file names (one title → file-name
map for a whole project), scrapbox.io URL paths, link targets and icon pages.

Every note of a converted project is named through a `FileNameMap`, and every link is resolved
through the same map, so a file and the links to it can never disagree.

The rules, in the order they are applied to a page title:

1. `title_to_filename`: `/ \\ : * ? " < > | # ^ [ ]`, C0 control characters, DEL and `%%` become
   `-`; so do C1 control characters and lone surrogates (no file system can store the latter).
2. A leading `.` becomes `-`: dot files are hidden on Unix and ignored by Obsidian, so a note
   named `.NET.md` would silently vanish from the vault. Only the first dot is replaced: `-.NET`
   is already visible.
3. Trailing dots and spaces are removed, as Windows itself would do (`etc.` → `etc`); a name left
   empty becomes `Untitled` (Obsidian's own name for a new note).
4. A Windows device name (`CON PRN AUX NUL COM0–9 LPT0–9 CONIN$ CONOUT$`, also `COM¹²³` and
   `LPT¹²³`), alone or before an extension and in any case (`nul.txt`), gets a `-` after it:
   `CON` → `CON-`, `nul.txt` → `nul-.txt`.
5. The name is cut, on a character boundary, so that `name.md` fits in 255 bytes of UTF-8 in the
   form given, in NFC and in NFD (macOS may store either; NFD is the longer one for accented and
   Japanese voiced kana), then step 3 is repeated.
6. Collisions. Two names collide when they are equal after NFC and `casefold` (Windows and macOS
   compare names without case, macOS also without normalisation form), `ı` taken for `i` as
   NTFS takes it (`collision_key`). Pages are taken in sorted
   order of their titles, first the ones whose name is the title itself, then the ones whose name
   is still exactly `title_to_filename(title)` (so the names an existing vault links to keep
   working), then the ones steps 2–5 changed. The first page to claim a name keeps it; a later
   one gets ` (` + the first 8 hex digits of the SHA-256 of its `page_key` + `)`, e.g.
   `a-b (1f3c90e2)`, its plain name cut so that the whole still fits step 5. A hash rather than
   a counter keeps the name of a page unchanged when other colliding pages are added or
   removed, which incremental conversion relies on; in the (theoretical) case that this name is
   taken too, more digits are used.

Titles that are one page under `page_key` (`A b`, `a_b`) share one file, named from the first
of them in sorted order. The result depends only on the set of titles, never on their order.
"""

from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from urllib.parse import quote

from .frozen import frozen

__all__ = [
    "FileNameMap",
    "ProjectFolders",
    "claim_suffixed",
    "collision_key",
    "icon_page",
    "line_link",
    "page_filename",
    "page_key",
    "path_segment",
    "reference_filenames",
    "root_link",
    "scrapbox_path",
    "title_to_filename",
    "url_component",
]

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


# `name.md` must fit in one path component, which is 255 bytes on Linux, macOS (APFS) and in
# most other file systems.
_MAX_FILE_BYTES = 255
_EXTENSION = ".md"
_MAX_NAME_BYTES = _MAX_FILE_BYTES - len(_EXTENSION)

_EMPTY_NAME = "Untitled"

# What `title_to_filename` leaves in but no file system or UTF-8 encoder accepts: C1 control
# characters and lone surrogates (a JSON export can hold `"\ud800"`).
_EXTRA_UNSAFE = re.compile(r"[\x80-\x9f\ud800-\udfff]")

# Windows device names; a file called `NUL.md` or `nul.txt.md` opens the device, not the file.
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{port}{n}" for port in ("com", "lpt") for n in "0123456789¹²³"}
)

_HASH_DIGITS = 8


def page_key(title: str) -> str:
    """Scrapbox's identity of the page a title or link target names.

    Scrapbox (Cosense) matches links case-insensitively and reads a space and `_` as the same
    character: its key ("titleLc") is the title with every space replaced by `_`, lower-cased
    (`title.replaceAll(" ", "_").toLowerCase()`). So `A b`, `a_b` and `a b` are one page, and so
    are `[Foo Bar]`, `[foo_bar]` and `#foo_bar`. Nothing else is folded: other white space
    (U+3000, tabs), Unicode normalisation forms and surrounding spaces all count.
    """
    return title.replace(" ", "_").lower()


def collision_key(name: str) -> str:
    """What makes two names one file on a case-insensitive, normalising file system.

    macOS compares names folded (as `casefold`) and in one normal form; NTFS compares them
    upper-cased, a character at a time, so that `ı` (dotless i), `i` and `I` are one letter
    there, which `casefold` keeps apart: the key folds them too (`NTFS_FOLDS`)."""
    if name.isascii():
        # (Every ASCII name is in NFC, and casefold is lower there.)
        return name.lower()
    # NFC before casefold as file systems compare; NFC again after, because casefold can
    # decompose (`ǰ` → `j` + U+030C) and both spellings must meet.
    folded = unicodedata.normalize("NFC", name.translate(NTFS_FOLDS)).casefold()
    return unicodedata.normalize("NFC", folded)


# The characters whose upper case is one character that `casefold` folds otherwise than the
# character itself, each with that folding: NTFS, comparing upper cases, takes the character
# for that letter. Only `ı` (U+0131, its upper case `I`) in all of Unicode; the tests check
# the list against the Unicode of the Python they run on.
NTFS_FOLDS = {ord("ı"): "i"}


def _name_bytes(name: str) -> int:
    """The longest UTF-8 length `name` can take on disk, whichever normal form is stored."""
    return max(
        len(form.encode("utf-8"))
        for form in (name, unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name))
    )


# Neither normal form takes more than 3 times the UTF-8 bytes of the text (Unicode's bound
# for UTF-8, UAX #15; the tests check it against the Unicode of the Python they run on): a
# name of a third of the bytes allowed or less fits without normalising it.
NORMAL_FORM_GROWTH = 3


def _fits(name: str, max_bytes: int) -> bool:
    """Whether `_name_bytes(name)` is at most `max_bytes`."""
    size = len(name.encode("utf-8"))
    return size * NORMAL_FORM_GROWTH <= max_bytes or (
        size <= max_bytes and _name_bytes(name) <= max_bytes
    )


def _cut(name: str, max_bytes: int) -> str:
    """The longest prefix of `name` (whole characters) whose `_name_bytes` is at most max_bytes."""
    if _fits(name, max_bytes):
        return name
    # Cut the given form first (one pass), then shorten while a normal form is still too long:
    # NFD can be longer (`が` is 3 bytes, `か` + U+3099 is 6) and NFC occasionally is.
    end = len(name)
    size = 0
    for index, char in enumerate(name):
        size += len(char.encode("utf-8"))
        if size > max_bytes:
            end = index
            break
    name = name[:end]
    while name and _name_bytes(name) > max_bytes:
        name = name[:-1]
    return name


def _avoid_device_name(name: str) -> str:
    # Windows reads the part before the first dot, trailing spaces ignored, as the device.
    stem = name.split(".", 1)[0].rstrip(" ")
    if stem.casefold() in _WINDOWS_DEVICES:
        return f"{name[: len(stem)]}-{name[len(stem) :]}"
    return name


# What may make steps 1–4 change a title: one of its characters, a leading dot, a trailing
# dot or space, no text, or a part before the first dot (trailing spaces aside) that may be a
# device name: 3 to 7 of the characters whose `casefold` is part of one (the tests check that
# no other character's is).
_CHANGED_BY_RULES = re.compile(
    r'[/\\:*?"<>|#^\[\]\x00-\x1f\x7f-\x9f\ud800-\udfff]|%%|\A\.|[. ]\Z|\A\Z'
    r"|\A[0-9A-Za-z$¹²³]{3,7} *(?:\.|\Z)"
)


def _safe_name(title: str, max_bytes: int = _MAX_NAME_BYTES) -> str:
    """A name for `title` that is valid on every system, before collisions (steps 1–5)."""
    if not _CHANGED_BY_RULES.search(title) and _fits(title, max_bytes):
        # Most titles: the name is the title, found by one look at each character.
        return title
    return _name_by_rules(title, max_bytes)


def _name_by_rules(title: str, max_bytes: int) -> str:
    """`_safe_name`, every step applied."""
    name = _EXTRA_UNSAFE.sub("-", title_to_filename(title))
    if name.startswith("."):
        name = "-" + name[1:]
    name = name.rstrip(". ") or _EMPTY_NAME
    name = _avoid_device_name(name)
    # The cut keeps the first characters, so neither the leading `-` nor the device-name `-`
    # (at most the 8th character) can be cut off, and a dot cannot become first.
    return _cut(name, max_bytes).rstrip(". ") or _EMPTY_NAME


def page_filename(title: str) -> str:
    """The file name (without `.md`) of the page `title` when no other page of its project
    claims that name first: rules 1–5, all that can be known of a page of another project."""
    return _safe_name(title)


def _suffixed(base_title: str, key: str, digits: int) -> str:
    import hashlib  # here: only names that collide need it, and a page converts without

    suffix = f" ({hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:digits]})"
    return _safe_name(base_title, _MAX_NAME_BYTES - len(suffix.encode("utf-8"))) + suffix


@frozen
class FileNameMap:
    """The file name (without `.md`) of every page of a project, and link resolution.

    `entries` holds one `(title, file name)` pair per distinct title, sorted by title; titles
    that are one page under `page_key` share a file name. Build it with `for_titles`.
    """

    entries: tuple[tuple[str, str], ...]
    _by_key: dict[str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        titles = (title for title, _ in self.entries)
        names = (name for _, name in self.entries)
        object.__setattr__(self, "_by_key", dict(zip(map(page_key, titles), names, strict=True)))

    @classmethod
    def for_titles(cls, titles: Iterable[str]) -> FileNameMap:
        """The map of a project whose pages have these titles (in any order, repeats allowed)."""
        distinct = sorted(set(titles))
        # One page per key; its name is made from the first of its titles in sorted order.
        pages: dict[str, str] = {}
        for title in distinct:
            pages.setdefault(page_key(title), title)

        # Who claims a name first: titles that are their own file name, then titles whose name is
        # `title_to_filename`'s (what an existing vault links to), then the rest, each in
        # sorted order. So the page `a-b` keeps `a-b` against `a#b`, and `-` against a NUL.
        tiers: tuple[list[tuple[str, str, str]], ...] = ([], [], [])
        for key, title in pages.items():
            name = _safe_name(title)
            tier = 0 if name == title else 1 if name == title_to_filename(title) else 2
            tiers[tier].append((title, key, name))

        taken: set[str] = set()
        names: dict[str, str] = {}
        losers: list[tuple[str, str]] = []
        for title, key, name in (*tiers[0], *tiers[1], *tiers[2]):
            collision = collision_key(name)
            if collision in taken:
                losers.append((title, key))
            else:
                taken.add(collision)
                names[key] = name
        for title, key in losers:
            names[key] = claim_suffixed(title, key, taken)

        return cls(tuple((title, names[page_key(title)]) for title in distinct))

    @classmethod
    def of_files(cls, files: Mapping[str, str]) -> FileNameMap:
        """The map `for_titles` makes for the titles of `files`, made again from the file
        names it led to (by title, as `scrapconv.project.pages.page_files` gives them): the
        name of a title is the file of the first, in sorted order, of the titles that are one
        page with it."""
        distinct = sorted(files)
        keys = list(map(page_key, distinct))
        # Built backwards, so that the first title of a key is the one left.
        first = dict(zip(reversed(keys), map(files.__getitem__, reversed(distinct)), strict=True))
        return cls(tuple(zip(distinct, map(first.__getitem__, keys), strict=True)))

    def filename(self, title: str) -> str:
        """The file name of a page of the project; KeyError for a page that is not in it."""
        name = self.resolve(title)
        if name is None:
            raise KeyError(title)
        return name

    def resolve(self, link_target: str) -> str | None:
        """The file name of the page a Scrapbox link (`[ABC170_E]`, `#foo_bar` without the `#`)
        points to, matched as Scrapbox does (`page_key`); None for a page the project does not
        have, which Scrapbox shows as an unresolved link. Links into other projects
        (`/project/page`) are the caller's to recognise."""
        return self._by_key.get(page_key(link_target))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.entries)

    def __contains__(self, title: object) -> bool:
        return isinstance(title, str) and page_key(title) in self._by_key


def claim_suffixed(title: str, key: str, taken: set[str]) -> str:
    """A safe name for `title` with a suffix made from `key`'s hash that no name in `taken`
    (collision keys) has; the name's key is added to `taken`."""
    for digits in range(_HASH_DIGITS, 65, 4):
        name = _suffixed(title, key, digits)
        if collision_key(name) not in taken:
            taken.add(collision_key(name))
            return name
    # Only reachable if a project holds titles made to match all of a SHA-256 prefix's names.
    count = 2
    while True:
        suffix = f" ({count})"
        name = _safe_name(title, _MAX_NAME_BYTES - len(suffix.encode("utf-8"))) + suffix
        if collision_key(name) not in taken:
            taken.add(collision_key(name))
            return name
        count += 1


@functools.cache
def _unfileable() -> re.Pattern[str]:
    """What no file name can hold, though the reference pipeline's names would: NUL and the
    other control characters, and lone surrogates (compiled for the reference format only)."""
    return re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def reference_filenames(titles: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """The file name (without `.md`) of every page as the reference pipeline names it,
    `title.replace("/", "-")`, by title, each with why it was changed (None: it was not).

    Where the pipeline's name is not valid everywhere, it is made so by the rules of faithful
    names: control characters become `-`, a Windows device name gets a `-` (rules 1 and 4),
    and a name longer than 255 bytes with `.md` is cut (rule 5). Where names collide (rule 6:
    the same without case or normal form, or two titles that differ in `/` and `-`), the first
    title in sorted order of those whose name is the pipeline's own keeps it; every other gets
    ` (` + 8 hex digits + `)` after its safe name.
    """
    named: list[tuple[str, str, str | None]] = []
    for title in sorted(set(titles)):
        name = title.replace("/", "-")
        valid, reason = _valid_reference_name(name)
        named.append((title, valid, reason))
    # The pipeline's own names claim theirs first.
    named.sort(key=lambda item: item[2] is not None)
    taken: dict[str, str] = {}
    names: dict[str, tuple[str, str | None]] = {}
    for title, name, reason in named:
        key = collision_key(name)
        holder = taken.get(key)
        if holder is None:
            taken[key] = title
            names[title] = (name, reason)
            continue
        keys = set(taken)
        suffixed = claim_suffixed(title, title, keys)
        taken[collision_key(suffixed)] = title
        import json  # here, as hashlib: only names that collide need it

        taken_by = f"is taken by the page {json.dumps(holder, ensure_ascii=False)}"
        names[title] = (suffixed, taken_by if reason is None else f"{reason}; valid, it {taken_by}")
    return names


def _valid_reference_name(name: str) -> tuple[str, str | None]:
    """The pipeline's file name `name` made valid on every system, and why it was changed."""
    # (Dots and spaces before `.md` are no trouble: the name ends with `md`.)
    valid = _unfileable().sub("-", name) or _EMPTY_NAME
    reason = "holds a character no file name can hold" if valid != name else None
    safe = _avoid_device_name(valid)
    if safe != valid:
        reason = reason or "is a device name on Windows"
    cut = _cut(safe, _MAX_NAME_BYTES) or _EMPTY_NAME
    if cut != safe:
        reason = reason or "is longer than 255 bytes"
    return cut, reason


@frozen
class ProjectFolders:
    """Scrapbox projects whose notes are folders of one vault: the note a link to one of their
    pages (`[/project/page]`) goes to.

    `folders` holds `(project, folder)` pairs (`tuple(mapping.items())`), each folder relative
    to the vault's root and `/` separated (`.` or "" is the root itself); they are checked and
    normalised, and ValueError names an empty project name, a folder outside the vault or
    holding a character file names cannot (`#`, `|`, `:`, …), or a project given two folders.
    `project` is the project of the notes that link: they sit in its own folder when `folders`
    names it, else in a folder right below the vault's root (`vault/nishio/` beside
    `vault/villagepump/`).

    A page's file is named by `page_filename` from the link's own text: where the export of
    the other project names it otherwise (a collision suffix, a title Scrapbox matches in
    another case or with `_` for a space), the link cannot know it.
    """

    folders: tuple[tuple[str, str], ...]
    project: str = ""
    _by_project: dict[str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_project: dict[str, str] = {}
        for pair in self.folders:
            # (A dict would give its keys: two-letter names would pass for pairs.)
            texts = isinstance(pair, tuple) and all(isinstance(part, str) for part in pair)
            if not texts or len(pair) != 2:
                raise TypeError(f"project folders are (project, folder) pairs, not {pair!r}")
            name, folder = pair
            if not name or "/" in name:
                raise ValueError(f"{name!r} is not a Scrapbox project name")
            normal = posixpath.normpath(folder or ".")
            if normal.startswith("/") or normal == ".." or normal.startswith("../"):
                raise ValueError(f"the folder {folder!r} of {name} is not inside the vault")
            if any(title_to_filename(part) != part for part in normal.split("/")):
                # It would end a wikilink or stand for no file.
                raise ValueError(
                    f"the folder {folder!r} of {name} holds a character no file name has"
                )
            if by_project.setdefault(name, normal) != normal:
                raise ValueError(f"two folders for {name}: {by_project[name]!r} and {normal!r}")
        object.__setattr__(self, "folders", tuple(by_project.items()))
        object.__setattr__(self, "_by_project", by_project)

    def note(self, target: str) -> str | None:
        """The note of the root link `target` (`/project/page`; a line anchor left out) as its
        path from the vault's root, without `.md`; None when the project has no folder here or
        the link names no page."""
        project, page, _ = root_link(target)
        folder = self._by_project.get(project)
        if folder is None or not page:
            return None
        name = page_filename(page)
        return name if folder == "." else f"{folder}/{name}"

    def destination(self, target: str) -> str | None:
        """The note of the root link `target` as a Markdown link destination: its path from the
        folder of the notes that link, with `.md`, each part percent-encoded."""
        note = self.note(target)
        if note is None:
            return None
        parts = f"{note}.md".split("/")
        here = self._by_project.get(self.project)
        if here is None:
            return "/".join(("..", *map(url_component, parts)))
        base = [] if here == "." else here.split("/")
        shared = 0
        while shared < min(len(base), len(parts) - 1) and base[shared] == parts[shared]:
            shared += 1
        up = [".."] * (len(base) - shared)
        return "/".join((*up, *map(url_component, parts[shared:])))
