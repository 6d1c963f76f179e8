"""An export written into a folder of notes (a vault), or compared with one.

`export_to_vault` writes one note per page, named through one file-name map for the whole
project, which also resolves every link, so notes and the links to them always agree. Each file
is written whole or not at all (`scrapconv.files`), and a run that fails or is interrupted
removes the files and folders it made. How the notes are written is a `MarkdownOptions`, how
the run goes a `VaultRun` (jobs, incremental, force): only the former enters the manifest's
digest. `check_vault` compares without writing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ..diagnostics import Diagnostic
from ..files import (
    LOCK_NAME,
    FileChange,
    compare_file,
    folder_lock,
    interrupts_held,
    kept_mode,
    make_folder,
    new_file_mode,
    read_if_present,
    remove_files,
    rename_case,
    write_atomically,
)
from ..manifest import MANIFEST_NAME, Manifest, digest, manifest_bytes, read_manifest
from ..markdown.options import MarkdownOptions
from .export import LONE_SURROGATE, Export, ExportError, ExportPage, read_export, shown
from .incremental import (
    FullRun,
    IncrementalRun,
    KeptFile,
    ManifestEntries,
    NoteUnchanged,
    RemoveNote,
    WriteNote,
    fingerprint,
    written_entry,
)
from .pages import NOTE_EXTENSION, PageOptions, convert_page, converted_notes, page_options
from .workers import in_order

__all__ = [
    "VaultCheck",
    "VaultResult",
    "VaultRun",
    "check_vault",
    "export_reader",
    "export_to_vault",
]


@dataclass(frozen=True, slots=True)
class VaultRun:
    """How a run into a vault goes, apart from what the notes hold (which `MarkdownOptions`
    says): `jobs`, the number of processes converting pages (None: one per CPU; the notes are
    the same whatever it is); `incremental`: convert only the pages changed since the last
    run; `force` (incremental only): overwrite or remove the files such a run would keep."""

    jobs: int | None = 1
    incremental: bool = False
    force: bool = False

    def __post_init__(self) -> None:
        if self.force and not self.incremental:
            raise ValueError("force applies to incremental runs only")
        if self.jobs is not None and self.jobs < 1:
            raise ValueError(f"jobs must be 1 or more, not {self.jobs}")


@dataclass(frozen=True, slots=True)
class VaultResult:
    """What `export_to_vault` did: the number of pages, the files written (names inside the
    folder) and the diagnostics of the pages converted, each with the name of the file it is
    about. An incremental run also gives the notes it left as they were (`unchanged`: their
    pages had not changed, or they held what would be written already), the files of pages
    gone from the export that it removed, the files it kept, and why it converted every page
    (`full_run`, else None)."""

    pages: int
    files: tuple[str, ...]
    diagnostics: tuple[tuple[str, Diagnostic], ...]
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept: tuple[KeptFile, ...] = ()
    full_run: FullRun | None = None


def export_reader(folder: Path, run: VaultRun) -> Callable[[bytes, str], Export]:
    """How to read an export (its bytes and a name for messages) for a run into `folder`:
    `scan_export`, which decodes each page's text when first read, for an incremental run
    that finds the folder's manifest (it converts only the pages changed since), else
    `read_export`, which reads every page at once, at less cost for a run that converts them
    all. Either gives the same pages, or raises ExportError. (A reader, not a reading: the
    caller's bytes go to it alone, which lets them go once decoded.)"""
    if run.incremental and (folder / MANIFEST_NAME).is_file():
        from .export_scan import scan_export  # here: only such a run scans

        return scan_export
    return read_export


def export_to_vault(
    export: Export,
    folder: Path,
    markdown: MarkdownOptions | None = None,
    run: VaultRun | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    wait: bool = True,
    waiting: Callable[[], None] | None = None,
) -> VaultResult:
    """Write every page of `export` as a note in `folder` (created when absent).

    `markdown` says how the notes are written (default: Obsidian); its `project` (empty: the
    export's name) is the project of icons written without one, and its `project_folders` the
    projects whose notes are folders of the same vault, relative to its root, which is the
    parent of `folder` unless the export's own project is named among them. Files of the folder
    that no page names are left alone; a note of the same name is replaced, and keeps its
    permissions. `run.jobs` is the number of processes converting pages (this one and workers,
    which write the notes they convert); the notes are the same whatever it is. `progress`,
    when given, is called with the number of notes written and the number of pages after each
    note.

    `run.incremental`: convert only the pages changed since the last run, as the folder's
    manifest (`.scrapconv.json`) tells, and write only the notes whose bytes change; every page
    is converted when there is no manifest or the settings or the set of titles changed
    (`full_run`). The notes scrapconv wrote for pages gone from the export are removed. A file
    edited by hand since scrapconv wrote it, that scrapconv did not write, or that it cannot
    read (not a regular file, a symbolic link out of the folder, unreadable) is neither
    overwritten nor removed but kept (`kept`), unless `run.force`; `progress` then counts the
    pages converted. The manifest is written after the notes, by every run that is incremental
    or finds one (a run that is not rewrites every note, as it always has). A note the
    manifest records under a name that differs only in case from its new one is moved to the
    new name.

    One run at a time writes into a folder (`scrapconv.files.folder_lock`): when another holds
    it, this one waits for it to end (`wait`, calling `waiting` once first) or raises
    FolderLockedError, writing nothing. The run removes the temporary files that killed runs
    left in the folder.

    Raises OSError when the folder cannot be made or written; the notes written by this call
    are then removed again, and so is the folder if this call made it. The same goes for any
    other error and for Ctrl-C (KeyboardInterrupt), which also stop the workers. Raises
    ManifestError, before writing anything, when the folder's manifest is not one, and
    ExportError when a page holds a lone surrogate (text no file can hold).
    """
    run = run or VaultRun()
    markdown = markdown or MarkdownOptions()
    if run.incremental:
        # The text of the pages it converts is checked once they are known: no other is
        # written.
        _check_writable(export, markdown, ())
        with _run_in(folder, wait, waiting) as files:
            recorded = read_manifest(folder / MANIFEST_NAME)
            steps = IncrementalRun(export, folder, markdown, recorded, run.force)
            _check_writable(export, markdown, steps.pages)
            return _update_vault(steps, folder, run.jobs, progress, files)
    options = page_options(export, markdown)
    _check_writable(export, markdown, export.pages)
    with _run_in(folder, wait, waiting) as files:
        recorded = read_manifest(folder / MANIFEST_NAME)
        return _write_vault(export, folder, options, recorded, run.jobs, progress, files)


def _check_writable(
    export: Export, markdown: MarkdownOptions, pages: tuple[ExportPage, ...]
) -> None:
    """ExportError for a page whose title, or text among `pages`, no file can hold (a lone
    surrogate), and ValueError for such an option: they come from code, as `read_export`
    refuses them."""
    folders = (part for pair in markdown.project_folders for part in pair)
    options = (markdown.project, export.project, *folders)
    if any(map(LONE_SURROGATE.search, options)):
        raise ValueError("an option holds a lone surrogate, which no note can hold")
    titles = any(map(LONE_SURROGATE.search, (page.title for page in export.pages)))
    if not titles and not any(LONE_SURROGATE.search(page.text) for page in pages):
        return
    checked = {id(page) for page in pages}
    for index, page in enumerate(export.pages):
        if LONE_SURROGATE.search(page.title) or (
            id(page) in checked and LONE_SURROGATE.search(page.text)
        ):
            raise ExportError(
                f"page {index} ({shown(page.title)}): a lone surrogate, which no file can hold"
            )


def _write_vault(
    export: Export,
    folder: Path,
    options: PageOptions,
    recorded: Manifest | None,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    files: _RunFiles,
) -> VaultResult:
    """Every note written, here or by the workers that convert the pages (no note's text
    comes back from them); the folder's manifest, when it has one, brought up to date."""
    names = [options.files[page.title] + NOTE_EXTENSION for page in export.pages]
    if recorded is not None:
        for name in names:
            _move_case_renamed(folder, recorded, name)
    # Every file the notes may add is listed here, before any is written, wherever it is.
    modes = tuple(files.prepare(folder / name) for name in names)
    task = _NoteWrites(
        options.markdown,
        dict(options.files),
        dict(options.renamed),
        folder,
        export.pages,
        modes,
        hashed=recorded is not None,
    )
    entries = ManifestEntries(recorded)
    written: list[str] = []
    diagnostics: list[tuple[str, Diagnostic]] = []
    notes = _written_notes(task, jobs)
    with contextlib.closing(notes):
        for page, note in zip(export.pages, notes, strict=True):
            if note.written is not None:
                entries.record(note.filename, written_entry(page, note.written))
            written.append(note.filename)
            diagnostics.extend((note.filename, diagnostic) for diagnostic in note.diagnostics)
            if progress is not None:
                progress(len(written), len(export.pages))
        if recorded is not None:
            manifest = entries.manifest(*fingerprint(options), options.files)
            _write_manifest(folder, manifest, files)
    return VaultResult(len(export.pages), tuple(written), tuple(diagnostics))


@dataclass(frozen=True, slots=True)
class _NoteWrites:
    """What writing the notes of an export takes, here or in a worker (which inherits it, or
    gets it pickled once): the options of `PageOptions` as plain dictionaries, the folder, the
    pages, the mode of each note's file, and whether to hash what is written (for the
    manifest)."""

    markdown: MarkdownOptions
    files: dict[str, str]
    renamed: dict[str, str]
    folder: Path
    pages: tuple[ExportPage, ...]
    modes: tuple[int, ...]
    hashed: bool


@dataclass(frozen=True, slots=True)
class _WrittenNote:
    """A note written: its file name, the SHA-256 of its bytes (None unless asked) and its
    diagnostics."""

    filename: str
    written: str | None
    diagnostics: tuple[Diagnostic, ...]


def _written_notes(task: _NoteWrites, jobs: int | None) -> Generator[_WrittenNote, None, None]:
    """Each page of `task` converted and its note written, in the pages' order: here, or in
    worker processes when there are pages enough (`worker_count`). The notes are the same
    either way; only the process that writes them differs."""
    return in_order(_write_note, range(len(task.pages)), task, jobs)


def _write_note(index: int, task: _NoteWrites) -> _WrittenNote:
    """Page `index` of `task` converted and written, atomically."""
    page = task.pages[index]
    options = PageOptions(
        task.markdown, MappingProxyType(task.files), MappingProxyType(task.renamed)
    )
    filename, text, diagnostics = convert_page(page, options)
    data = text.encode("utf-8")
    write_atomically(task.folder / filename, data, page.updated, task.modes[index])
    return _WrittenNote(filename, digest(data) if task.hashed else None, tuple(diagnostics))


def _update_vault(
    run: IncrementalRun,
    folder: Path,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    files: _RunFiles,
) -> VaultResult:
    """An incremental run: the notes it converts written when they change, the notes of pages
    gone removed, then the manifest."""
    written: list[str] = []
    unchanged = set(run.unconverted)
    removed: list[str] = []
    kept: list[KeptFile] = []
    diagnostics: list[tuple[str, Diagnostic]] = []
    notes = converted_notes(run.pages, run.options, jobs)
    with contextlib.closing(notes):
        for done, (page, note) in enumerate(zip(run.pages, notes, strict=True), 1):
            match run.note_step(page, note):
                case WriteNote(data=data, moved_from=moved_from):
                    if moved_from is not None:
                        rename_case(folder / moved_from, folder / note.filename)
                    files.write(folder / note.filename, data, note.mtime)
                    written.append(note.filename)
                case NoteUnchanged(moved_from=moved_from):
                    if moved_from is not None:
                        rename_case(folder / moved_from, folder / note.filename)
                        written.append(note.filename)
                    else:
                        unchanged.add(note.filename)
                case KeptFile() as file:
                    kept.append(file)
            diagnostics.extend((note.filename, diagnostic) for diagnostic in note.diagnostics)
            if progress is not None:
                progress(done, len(run.pages))
        for step in run.gone_files():
            match step:
                case RemoveNote(filename=filename):
                    (folder / filename).unlink(missing_ok=True)
                    removed.append(filename)
                case KeptFile():
                    kept.append(step)
        _write_manifest(folder, run.manifest(), files)
    return VaultResult(
        run.pages_in_export,
        tuple(written),
        tuple(diagnostics),
        run.in_export_order(unchanged),
        tuple(removed),
        tuple(kept),
        run.full_run,
    )


class _RunFiles:
    """The files a run writes into its folder, each atomically: those it adds are listed
    (`added`) before they exist, so that an interrupt just after a rename still finds them to
    remove. A folder that held nothing when the run took its lock holds only what the run
    wrote since (the names of its notes differ even where case does not count), so no note
    written there need be looked up first."""

    def __init__(self, folder: Path) -> None:
        self.added: list[Path] = []
        self._new_mode = new_file_mode()
        self._empty = _holds_nothing(folder)

    def prepare(self, path: Path) -> int:
        """The mode to write `path` with: that of the file it replaces, else a new file's
        (listed as added)."""
        mode = None if self._empty else kept_mode(path)
        if mode is None:
            if self._empty or not path.is_symlink():
                self.added.append(path)
            mode = self._new_mode
        return mode

    def write(self, path: Path, data: bytes, mtime: int | None) -> None:
        """Write a file atomically, with the permissions of the file it replaces."""
        write_atomically(path, data, mtime, self.prepare(path))


def _holds_nothing(folder: Path) -> bool:
    """Whether `folder` is absent or holds nothing but a run's lock."""
    try:
        with os.scandir(folder) as entries:
            return all(entry.name == LOCK_NAME for entry in entries)
    except FileNotFoundError:
        return True


@contextlib.contextmanager
def _run_in(folder: Path, wait: bool, waiting: Callable[[], None] | None) -> Iterator[_RunFiles]:
    """A run writing into `folder`: make it (and its missing parents), hold its lock; on any
    failure, Ctrl-C included, remove again the files the run added, then let the lock go and
    remove the folders made."""
    made: list[Path] = []
    files: _RunFiles | None = None
    try:
        # (Ctrl-C held until the folders made are known, so that they are removed again.)
        with interrupts_held():
            made = list(make_folder(folder))
        with folder_lock(folder, wait=wait, waiting=waiting):
            try:
                files = _RunFiles(folder)
                yield files
            except BaseException:
                with interrupts_held():
                    if files is not None:
                        remove_files(files.added)
                raise
    except BaseException:
        with interrupts_held():
            for made_folder in reversed(made):
                with contextlib.suppress(OSError):
                    made_folder.rmdir()
        raise


def _move_case_renamed(folder: Path, recorded: Manifest, filename: str) -> None:
    """Move the note the manifest records under a name that differs from `filename` only in
    case (its page was renamed so) to `filename`, when nothing else is there."""
    found = recorded.find(filename)
    if found is None or found[0] == filename:
        return
    source, target = folder / found[0], folder / filename
    if source.exists() and (not target.exists() or os.path.samefile(source, target)):
        rename_case(source, target)


def _write_manifest(folder: Path, manifest: Manifest, files: _RunFiles) -> None:
    """Write the folder's manifest when it changes (a run that changes nothing touches
    nothing)."""
    path = folder / MANIFEST_NAME
    data = manifest_bytes(manifest)
    try:
        old = read_if_present(path)
    except OSError:
        old = None
    if old != data:
        files.write(path, data, None)


@dataclass(frozen=True, slots=True)
class VaultCheck:
    """What `export_to_vault` would change in a folder, found by `check_vault` without
    writing: the number of pages, the notes whose content would change (absent or different
    now; for an incremental run also the notes it would remove, `new` None), the diagnostics,
    each with the name of the file it is about, and the files an incremental run would keep."""

    pages: int
    changes: tuple[FileChange, ...]
    diagnostics: tuple[tuple[str, Diagnostic], ...]
    kept: tuple[KeptFile, ...] = ()


def check_vault(
    export: Export,
    folder: Path,
    markdown: MarkdownOptions | None = None,
    run: VaultRun | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> VaultCheck:
    """Compare the notes `export_to_vault` would write into `folder` with the files there,
    writing nothing. Only content counts (not modification times). `markdown`, `run` and
    `progress` as for `export_to_vault`: an incremental check gives the changes an incremental
    run would make. Raises OSError when a file of the folder cannot be read, ManifestError
    when its manifest is not one."""
    run = run or VaultRun()
    jobs = run.jobs
    if run.incremental:
        recorded = read_manifest(folder / MANIFEST_NAME)
        steps = IncrementalRun(export, folder, markdown, recorded, run.force)
        return _check_update(steps, folder, jobs, progress)
    options = page_options(export, markdown)
    changes: list[FileChange] = []
    diagnostics: list[tuple[str, Diagnostic]] = []
    # (A folder that is not there yet, or empty, holds no note to read.)
    empty = _holds_nothing(folder)
    notes = converted_notes(export.pages, options, jobs)
    with contextlib.closing(notes):
        for done, note in enumerate(notes, 1):
            path, data = folder / note.filename, note.text.encode("utf-8")
            change = FileChange(path, None, data) if empty else compare_file(path, data)
            if change.changed:
                changes.append(change)
            diagnostics.extend((note.filename, diagnostic) for diagnostic in note.diagnostics)
            if progress is not None:
                progress(done, len(export.pages))
    return VaultCheck(len(export.pages), tuple(changes), tuple(diagnostics))


def _check_update(
    run: IncrementalRun,
    folder: Path,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
) -> VaultCheck:
    """The changes an incremental run would make, made by none."""
    changes: list[FileChange] = []
    kept: list[KeptFile] = []
    diagnostics: list[tuple[str, Diagnostic]] = []
    notes = converted_notes(run.pages, run.options, jobs)
    with contextlib.closing(notes):
        for done, (page, note) in enumerate(zip(run.pages, notes, strict=True), 1):
            match run.note_step(page, note):
                case WriteNote(data=data, old=old, moved_from=str() as moved_from):
                    changes.append(FileChange(folder / moved_from, old, None))
                    changes.append(FileChange(folder / note.filename, None, data))
                case WriteNote(data=data, old=old):
                    changes.append(FileChange(folder / note.filename, old, data))
                case NoteUnchanged(moved_from=str() as moved_from):
                    data = note.text.encode("utf-8")
                    changes.append(FileChange(folder / moved_from, data, None))
                    changes.append(FileChange(folder / note.filename, None, data))
                case KeptFile() as file:
                    kept.append(file)
            diagnostics.extend((note.filename, diagnostic) for diagnostic in note.diagnostics)
            if progress is not None:
                progress(done, len(run.pages))
    for step in run.gone_files():
        match step:
            case RemoveNote(filename=filename, old=old, unread=unread):
                changes.append(FileChange(folder / filename, old, None, unread))
            case KeptFile():
                kept.append(step)
    return VaultCheck(run.pages_in_export, tuple(changes), tuple(diagnostics), tuple(kept))
