"""The `scrapconv` command. It parses arguments and reports; the conversion is the library's."""

from __future__ import annotations

import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click
from click.core import ParameterSource

from . import FORMATS, READABLE_FORMATS, __version__, convert, guess_format

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from click._termui_impl import ProgressBar

    from .config import Settings
    from .diagnostics import Diagnostic
    from .project import FileChange, KeptFile, PageSync

ICON_FORMS = ("img", "image", "embed", "link")
COMPAT_MODES = ("faithful", "reference")


class InputError(click.ClickException):
    """Input that cannot be converted: one line on standard error, exit status 2."""

    exit_code = 2


# Options of every command that writes Markdown.
_icons_option = click.option(
    "--icons",
    type=click.Choice(ICON_FORMS),
    default=None,
    help="How to write icons: an <img> tag (Obsidian's default), a Markdown image (plain "
    "Markdown's default), an embed of a local image, or a link.",
)
_headings_option = click.option(
    "--headings",
    default=None,
    metavar="LEVELS",
    help="Heading levels for lines that are only [* x], [** x], [*** x], …, by number of "
    "asterisks, comma-separated (default: 3,2,1).",
)
# Options of every command that writes files.
_if_locked_option = click.option(
    "--if-locked",
    type=click.Choice(("wait", "fail")),
    default="wait",
    show_default=True,
    help="When another scrapconv run is writing into the same folder (the notes' folder, or "
    "the folder of the import or report file): wait for it to end, or fail at once (exit "
    "status 2).",
)
# Options of every command.
_config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The pyproject.toml whose [tool.scrapconv] settings to use (default: the nearest "
    "pyproject.toml with such a table, from the inputs' folder up to the repository's root).",
)
_report_option = click.option(
    "--report",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    metavar="FILE",
    help="Also write the diagnostics and the summary to FILE as JSON (-: standard output, "
    "where nothing else goes there).",
)


def _project_folders(
    context: click.Context, parameter: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """The `--project-folder NAME=FOLDER` values as pairs, checked as the writer checks them."""
    if not values:
        return ()
    from .filenames import ProjectFolders

    pairs: list[tuple[str, str]] = []
    for value in values:
        name, equals, folder = value.partition("=")
        if not equals or not name:
            raise InputError(
                f"--project-folder {value!r}: give NAME=FOLDER, such as villagepump=villagepump"
            )
        pairs.append((name, folder))
    try:
        return ProjectFolders(tuple(pairs)).folders
    except ValueError as error:
        raise InputError(f"--project-folder: {error}") from None


_project_folder_option = click.option(
    "--project-folder",
    "project_folders",
    multiple=True,
    metavar="NAME=FOLDER",
    callback=_project_folders,
    help="Link pages of the Scrapbox project NAME to its notes in FOLDER of the same vault "
    "instead of to scrapbox.io; FOLDER is relative to the vault's root, the folder above the "
    "notes written unless FOLDER of their own project is given too. Repeatable.",
)


class _Group(click.Group):
    """The command group: Ctrl-C ends a command with exit status 130 (128 + SIGINT), without
    a traceback, once the command has undone what it had half done."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise click.exceptions.Exit(_INTERRUPTED) from None


_INTERRUPTED = 130


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scrapconv")
def main() -> None:
    """Convert Scrapbox (Cosense) notation to and from Obsidian and plain Markdown."""


# A whole project export (JSON), converted into a folder.
EXPORT = "export"
# Input formats told by the input's file name when --from is not given (else by its content).
_FORMAT_OF_EXTENSION = {
    ".json": EXPORT,
    ".sb": "scrapbox",
    ".scrapbox": "scrapbox",
    ".md": "obsidian",
    ".markdown": "obsidian",
}


@main.command("convert")
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "--from",
    "source",
    type=click.Choice((*READABLE_FORMATS, EXPORT)),
    default=None,
    help="Input format; export is a Scrapbox project export (JSON). Default: told by the "
    "file name (.json: export, .sb or .scrapbox: scrapbox, .md: obsidian; a folder is an "
    "obsidian vault), else by the content where it tells clearly.",
)
@click.option(
    "--to",
    "target",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (required unless the configuration sets it).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="The folder (made when absent) to write a whole export into, one note per page; for "
    "a vault (a folder of notes), the Cosense import file (JSON) to write.",
)
@click.option("--project", default="", help="The Scrapbox project name (for icons and root links).")
@_icons_option
@_headings_option
@_project_folder_option
@click.option(
    "--compat",
    type=click.Choice(COMPAT_MODES),
    default="faithful",
    show_default=True,
    help="reference: the exact format of the reference export pipeline (Obsidian only): "
    "written with its defects fixed, and read from Obsidian input.",
)
@click.option(
    "--check",
    is_flag=True,
    help="With -o: write nothing; exit 1 if any file would change, 0 if none would.",
)
@click.option(
    "--diff",
    is_flag=True,
    help="With -o: write nothing; print a unified diff of every file that would change.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="For an export: convert pages in N processes (default: one per CPU; 1: no worker "
    "processes). The notes are the same whatever N is.",
)
@click.option(
    "--incremental",
    is_flag=True,
    help="For an export into a folder: convert only the pages changed since the last run (as "
    "FOLDER/.scrapconv.json records), write only the notes that change and remove those of "
    "pages gone; files edited since scrapconv wrote them, or not written by it, are kept and "
    "reported (exit status 1).",
)
@click.option(
    "--force",
    is_flag=True,
    help="With --incremental: overwrite (or remove) the files it would keep.",
)
@_if_locked_option
@_config_option
@_report_option
def convert_command(
    inputs: tuple[str, ...],
    source: str | None,
    target: str | None,
    output: Path | None,
    project: str,
    icons: str | None,
    headings: str | None,
    project_folders: tuple[tuple[str, str], ...],
    compat: str,
    check: bool,
    diff: bool,
    jobs: int | None,
    incremental: bool,
    force: bool,
    if_locked: str,
    config_file: Path | None,
    report: str | None,
) -> None:
    """Convert INPUT (a file, or - or nothing for standard input) and print the result,
    convert a whole export into a folder of notes (-o FOLDER), or a folder of notes (a vault)
    into a Cosense import file (-o FILE.json --to scrapbox).

    What the conversion lost or changed is reported on standard error, one line each. With -o,
    --check and --diff compare the files with what would be written, and write nothing.
    """
    dry_run = _DryRun(check, diff)
    lock = _Lock(if_locked == "wait")
    if len(inputs) > 1:
        raise click.UsageError("give one input file (or - for standard input)")
    name = inputs[0] if inputs else "-"
    vault = name != "-" and Path(name).is_dir()
    config = _configuration(
        config_file, () if name == "-" else (Path(name) if vault else Path(name).parent,)
    )
    target = _configured(config.to, target)
    if target is None:
        raise click.MissingParameter(param_type="option", param_hint="'--to'")
    if report == "-" and (output is None or diff):
        raise click.UsageError(
            "--report -: standard output carries the converted text or the diffs; give a file"
        )
    # The input, when it was read to tell its format (standard input can be read once only).
    data: bytes | None = None
    if source is None and not vault:
        source = _FORMAT_OF_EXTENSION.get(Path(name).suffix.lower()) if name != "-" else None
        if source is None:
            data = _read_bytes(name)
            source = guess_format(_decoded(name, data))
        if source is None:
            raise click.UsageError(
                f"Missing option '--from': the input format cannot be told from "
                f"{'standard input' if name == '-' else repr(name)} (its name or its content)"
            )
    if jobs is not None and (vault or source != EXPORT):
        raise click.UsageError("--jobs applies to an export (--from export) only")
    if (incremental or force) and (vault or source != EXPORT or output is None):
        raise click.UsageError("--incremental and --force apply to an export into a folder (-o)")
    if force and not incremental:
        raise click.UsageError("--force applies with --incremental")
    if project_folders and (target == "scrapbox" or compat != "faithful"):
        raise click.UsageError("--project-folder applies to faithful Markdown output only")
    # The configuration fills in the options the command line leaves unset, where they apply to
    # this input (so that one configuration serves every kind); so it adds no errors below.
    single_page = not vault and source != EXPORT
    if source != "scrapbox" or target != "scrapbox":
        project = _configured(config.project, project)
    if target != "scrapbox" and compat != "reference":
        icons = _configured(config.icons, icons)
        headings = _configured(config.headings, headings)
    # --compat reference writes Obsidian with icons and headings of its own, and reads Obsidian.
    writes_obsidian = target == "obsidian" and icons is None and headings is None
    reads_obsidian = target == "scrapbox" and source == "obsidian"
    if single_page and not project_folders and (writes_obsidian or reads_obsidian):
        compat = _configured(config.compat, compat)
    if source == EXPORT:
        jobs = _configured(config.jobs, jobs)
    if vault:
        _convert_vault(
            Path(name),
            source,
            target,
            output,
            project,
            icons,
            headings,
            compat,
            dry_run,
            report,
            lock,
        )
        return
    if source == EXPORT:
        _convert_export(
            name,
            target,
            output,
            project,
            icons,
            headings,
            compat,
            dry_run,
            jobs,
            project_folders,
            report,
            lock,
            incremental=incremental,
            force=force,
            data=data,
        )
        return
    if output is not None:
        raise click.UsageError("-o/--output is the folder a whole export (--from export) goes to")
    if dry_run:
        raise click.UsageError("--check and --diff apply where convert writes files (with -o)")
    text = _decoded(name, data if data is not None else _read_bytes(name))
    options: dict[str, object] = {}
    # Obsidian input in the reference format is read as such, whatever the output.
    reads_reference = compat == "reference" and source == "obsidian"
    if target != "scrapbox":
        options["project"] = project
        if icons is not None:
            options["icons"] = icons
        if headings is not None:
            options["headings"] = _heading_levels(headings)
        if project_folders:
            options["project_folders"] = project_folders
        options["compat"] = compat
    elif icons or headings or (compat != "faithful" and not reads_reference):
        raise click.UsageError(
            "--icons, --headings and --compat apply to Markdown output only "
            "(--compat reference also to Obsidian input)"
        )
    elif source != "scrapbox":
        options["project"] = project
        options["compat"] = compat
    elif project:
        raise click.UsageError("--project applies to Markdown input or output only")
    writes_reference = compat == "reference" and target != "scrapbox"
    if writes_reference and (target != "obsidian" or icons is not None or headings):
        raise click.UsageError(
            "--compat reference writes Obsidian output with <img> icons and fixed headings"
        )
    if source == "scrapbox":
        from .scrapbox.reader import scrapbox_text

        text = scrapbox_text(text)
    result = convert(text, source, target, **options)  # type: ignore[arg-type]
    sys.stdout.write(result.text)
    # The reference pipeline's files end where the text ends: print them byte for byte.
    if not writes_reference and result.text and not result.text.endswith("\n"):
        sys.stdout.write("\n")
    label = "<stdin>" if name == "-" else name
    diagnostics = [(label, diagnostic) for diagnostic in result.diagnostics]
    _print_diagnostics(diagnostics)
    _write_report(report, {"pages": 1, "diagnostics": len(diagnostics)}, diagnostics, lock)


def _convert_export(
    name: str,
    target: str,
    output: Path | None,
    project: str,
    icons: str | None,
    headings: str | None,
    compat: str,
    dry_run: _DryRun,
    jobs: int | None = None,
    project_folders: tuple[tuple[str, str], ...] = (),
    report: str | None = None,
    lock: _Lock | None = None,
    *,
    incremental: bool = False,
    force: bool = False,
    data: bytes | None = None,
) -> None:
    """An export into a folder of notes: checked whole first, so bad input writes nothing.
    `jobs`: the number of processes converting pages (None: one per CPU); `report`: the file
    (or -) to write the diagnostics to as JSON; `incremental` and `force`: as for
    `export_to_vault`, with exit status 1 when a file was kept; `data`: the export's bytes
    when they were read already."""
    from .files import FolderLockedError
    from .manifest import ManifestError
    from .project import ExportError, check_vault, export_to_vault, read_export

    lock = lock or _Lock()

    if output is None:
        raise click.UsageError("an export converts into a folder: give it with -o FOLDER")
    if target == "scrapbox":
        raise click.UsageError("an export converts to obsidian or markdown notes")
    if compat != "faithful":
        raise click.UsageError("--compat reference applies to single pages, not to an export")
    levels = _heading_levels(headings) if headings is not None else (3, 2, 1)
    label = "<stdin>" if name == "-" else name
    try:
        export = read_export(data if data is not None else _read_bytes(name), label)
    except ExportError as error:
        raise InputError(str(error)) from None
    if output.exists() and not output.is_dir():
        raise InputError(f"{output}: exists and is not a folder")
    # The same conversion whether it is checked or written.
    conversion: dict[str, Any] = {
        "flavor": target,
        "project": project or None,
        "icons": icons,
        "headings": levels,
        "jobs": jobs,
        "project_folders": project_folders,
        "incremental": incremental,
        "force": force,
    }
    if dry_run:
        try:
            with _ProgressBar("Converting pages") as progress:
                checked = check_vault(export, output, **conversion, progress=progress)
        except OSError as error:
            raise InputError(f"{error.filename}: cannot read: {error.strerror or error}") from None
        except ManifestError as error:
            raise InputError(str(error)) from None
        diagnostics = _labelled(output, checked.diagnostics)
        _print_diagnostics(diagnostics)
        _print_kept(output, checked.kept)
        dry_run.show(checked.changes)
        counts = {"pages": checked.pages, "files_would_change": len(checked.changes)}
        if incremental:
            counts["files_kept"] = len(checked.kept)
        counts["diagnostics"] = len(diagnostics)
        click.echo(_export_summary(counts), err=True)
        _write_report(report, counts, diagnostics, lock)
        dry_run.exit(checked.changes)
        return
    try:
        with _ProgressBar("Converting pages") as progress:
            result = export_to_vault(
                export,
                output,
                **conversion,
                progress=progress,
                wait=lock.wait,
                waiting=lock.waiting(output),
            )
    except FolderLockedError as error:
        raise lock.failed(error) from None
    except OSError as error:
        raise InputError(
            f"{_shown(error.filename or output)}: cannot write: {error.strerror or error}"
        ) from None
    except ManifestError as error:
        raise InputError(str(error)) from None
    diagnostics = _labelled(output, result.diagnostics)
    _print_diagnostics(diagnostics)
    _print_kept(output, result.kept)
    counts = {"pages": result.pages, "files_written": len(result.files)}
    if incremental:
        counts |= {
            "files_unchanged": len(result.unchanged),
            "files_removed": len(result.removed),
            "files_kept": len(result.kept),
        }
    counts["diagnostics"] = len(diagnostics)
    click.echo(_export_summary(counts, result.full_run), err=True)
    _write_report(report, counts, diagnostics, lock)
    # The rest is done, but the folder is not all the export says: exit 1, as ruff does for
    # what it could not fix.
    if result.kept:
        sys.exit(1)


# What each count of an export's summary line is called there, in the line's order.
_EXPORT_SUMMARY_WORDS = {
    "pages": "pages",
    "files_written": "files written",
    "files_would_change": "files would change",
    "files_unchanged": "unchanged",
    "files_removed": "removed",
    "files_kept": "kept",
    "diagnostics": "diagnostics",
}


def _export_summary(counts: Mapping[str, int], full_run: str | None = None) -> str:
    """The summary line of an export's run, from the counts its report holds too; `full_run`:
    why an incremental run converted every page."""
    parts = [
        f"{counts[key]} {word}" for key, word in _EXPORT_SUMMARY_WORDS.items() if key in counts
    ]
    if full_run:
        parts[0] += f" (all converted: {full_run})"
    return ", ".join(parts)


def _print_kept(folder: Path, kept: tuple[KeptFile, ...]) -> None:
    """One line on standard error for each file an incremental run kept, saying why."""
    for file in kept:
        match file.reason:
            case "edited":
                why = "edited since scrapconv wrote it: kept (--force to overwrite)"
            case "not-written":
                why = "not written by scrapconv: kept (--force to overwrite)"
            case "unread":
                why = f"cannot be read ({file.detail}): kept (--force to overwrite)"
            case "edited-page-gone":
                why = (
                    "its page is no longer in the export, but the file was edited since "
                    "scrapconv wrote it: kept (--force to remove)"
                )
            case "unread-page-gone":
                why = (
                    "its page is no longer in the export, but the file cannot be read "
                    f"({file.detail}): kept (--force to remove)"
                )
        click.echo(f"{_shown(folder / file.filename)}: {why}", err=True)


def _convert_vault(
    folder: Path,
    source: str | None,
    target: str,
    output: Path | None,
    project: str,
    icons: str | None,
    headings: str | None,
    compat: str,
    dry_run: _DryRun,
    report: str | None,
    lock: _Lock,
) -> None:
    """A vault into one Cosense import file: every note read first, so bad input writes
    nothing, and the file written whole or not at all."""
    from .files import FolderLockedError
    from .project import VaultError, compare_file, import_bytes, vault_to_import, write_import

    if source is None:
        source = "obsidian"
    if source not in ("obsidian", "markdown"):
        raise click.UsageError("a folder is a vault of notes: give --from obsidian or markdown")
    if target != "scrapbox":
        raise click.UsageError("a vault converts to a Cosense import: give --to scrapbox")
    if output is None:
        raise click.UsageError("a vault converts into one import file: give it with -o FILE.json")
    if icons is not None or headings is not None or compat != "faithful":
        raise click.UsageError("--icons, --headings and --compat apply to Markdown output only")
    if output.is_dir():
        raise InputError(f"{output}: is a folder, not a file to write the import to")
    try:
        with _ProgressBar("Converting notes") as progress:
            result = vault_to_import(
                folder,
                flavor=source,  # type: ignore[arg-type]
                project=project,
                progress=progress,
            )
    except VaultError as error:
        raise InputError(str(error)) from None
    diagnostics = _labelled(folder, result.diagnostics)
    counts = {"notes": len(result.notes), "pages": len(result.pages)}
    if dry_run:
        try:
            change = compare_file(output, import_bytes(result))
        except OSError as error:
            raise InputError(f"{output}: cannot read: {error.strerror or error}") from None
        changes = (change,) if change.changed else ()
        _print_diagnostics(diagnostics)
        dry_run.show(changes)
        click.echo(
            f"{len(result.notes)} notes, {len(result.pages)} pages, "
            f"{len(diagnostics)} diagnostics, "
            f"{output} {'would change' if changes else 'unchanged'}",
            err=True,
        )
        counts["files_would_change"] = len(changes)
        _write_report(report, {**counts, "diagnostics": len(diagnostics)}, diagnostics, lock)
        dry_run.exit(changes)
        return
    try:
        write_import(result, output, wait=lock.wait, waiting=lock.waiting(output.parent))
    except FolderLockedError as error:
        raise lock.failed(error) from None
    except OSError as error:
        raise InputError(f"{_shown(output)}: cannot write: {error.strerror or error}") from None
    _print_diagnostics(diagnostics)
    click.echo(
        f"{len(result.notes)} notes, {len(result.pages)} pages, {len(diagnostics)} diagnostics",
        err=True,
    )
    counts["files_written"] = 1
    _write_report(report, {**counts, "diagnostics": len(diagnostics)}, diagnostics, lock)


@main.command("sync")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--to",
    "target",
    type=click.Choice(("obsidian", "markdown")),
    default="obsidian",
    show_default=True,
    help="The notes' format.",
)
@click.option("--project", default="", help="The Scrapbox project name (for icons).")
@_icons_option
@_headings_option
@_project_folder_option
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if any note would change, 0 if none would.",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Write nothing; print a unified diff of every note that would change.",
)
@click.option(
    "--exit-non-zero-on-change",
    "fail_on_change",
    is_flag=True,
    help="Exit 1 when a note was written (for pre-commit: a new note is no change git sees).",
)
@_if_locked_option
@_config_option
@_report_option
def sync_command(
    files: tuple[Path, ...],
    target: str,
    project: str,
    icons: str | None,
    headings: str | None,
    project_folders: tuple[tuple[str, str], ...],
    check: bool,
    diff: bool,
    fail_on_change: bool,
    if_locked: str,
    config_file: Path | None,
    report: str | None,
) -> None:
    """Keep the note beside each Scrapbox page up to date: FILE.sb (or FILE.scrapbox) is
    converted into FILE.md, which is written (whole, atomically) only when its content changes.

    Exit status: 0 (also when notes were written, unless --exit-non-zero-on-change); 1 with
    --check when a note would change; 2 on an error (one line), such as a page that cannot be
    read, in which case nothing is written. A summary goes to standard error.
    """
    from .project import SyncError, SyncOptions, sync_page, write_change

    if report == "-" and diff:
        raise click.UsageError("--report -: standard output carries the diffs; give a file")
    config = _configuration(config_file, {file.parent for file in files})
    headings = _configured(config.headings, headings)
    options = SyncOptions(
        flavor=_configured(config.to, target),  # type: ignore[arg-type]
        project=_configured(config.project, project),
        icons=_configured(config.icons, icons),  # type: ignore[arg-type]
        headings=_heading_levels(headings) if headings is not None else (3, 2, 1),
        project_folders=project_folders,
    )
    dry_run = _DryRun(check, diff)
    # A page named twice is synced once.
    pages = list({file.resolve(): file for file in reversed(files)}.values())[::-1]
    synced: list[PageSync] = []
    try:
        with _ProgressBar("Converting pages") as progress:
            for file in pages:
                synced.append(sync_page(file, options))
                progress(len(synced), len(pages))
    except SyncError as error:
        raise InputError(str(error)) from None
    sources: dict[Path, Path] = {}
    for page in synced:
        other = sources.setdefault(page.change.path.resolve(), page.source)
        if other is not page.source:
            raise InputError(f"{page.change.path}: the note of both {other} and {page.source}")
    diagnostics = [
        (str(page.source), diagnostic) for page in synced for diagnostic in page.diagnostics
    ]
    _print_diagnostics(diagnostics)
    changes = tuple(page.change for page in synced if page.change.changed)
    lock = _Lock(if_locked == "wait")
    if not dry_run and changes:
        # One run at a time writes into a folder; folders are locked in one order, so that
        # two runs each waiting for the other's cannot be.
        folders = sorted({change.path.parent.resolve() for change in changes})
        with ExitStack() as locks:
            for folder in folders:
                locks.enter_context(lock.hold(folder))
            for change in changes:
                try:
                    write_change(change)
                except OSError as error:
                    raise InputError(
                        f"{change.path}: cannot write: {error.strerror or error}"
                    ) from None
    dry_run.show(changes)
    click.echo(
        f"{_count(len(synced), 'file')}, {len(changes)} "
        f"{'would change' if dry_run else 'changed'}"
        + (f", {_count(len(diagnostics), 'diagnostic')}" if diagnostics else ""),
        err=True,
    )
    changed = "files_would_change" if dry_run else "files_written"
    counts = {"files": len(synced), changed: len(changes), "diagnostics": len(diagnostics)}
    _write_report(report, counts, diagnostics, lock)
    dry_run.exit(changes)
    if fail_on_change and changes:
        sys.exit(1)


class _DryRun:
    """--check and --diff: write nothing; print the diffs (--diff); exit 1 on a change
    (--check)."""

    def __init__(self, check: bool, diff: bool) -> None:
        self.check = check
        self.diff = diff

    def __bool__(self) -> bool:
        return self.check or self.diff

    def show(self, changes: tuple[FileChange, ...]) -> None:
        if self.diff:
            sys.stdout.write("".join(change.diff() for change in changes))

    def exit(self, changes: tuple[FileChange, ...]) -> None:
        if self.check and changes:
            sys.exit(1)


class _Lock:
    """--if-locked: how a run takes the lock of a folder it writes into (`folder_lock`)."""

    def __init__(self, wait: bool = True) -> None:
        self.wait = wait

    def waiting(self, folder: Path) -> Callable[[], None]:
        """What to say while waiting for another run to let go of `folder`."""
        return lambda: click.echo(
            f"{_shown(folder)}: another scrapconv run is writing into this folder: waiting "
            "for it to end",
            err=True,
        )

    def failed(self, error: Exception) -> InputError:
        return InputError(f"{_shown(str(error))} (--if-locked wait to wait for it)")

    @contextmanager
    def hold(self, folder: Path) -> Iterator[None]:
        """The lock of `folder` held for the block; one line and exit 2 when it cannot be."""
        from .files import FolderLockedError, folder_lock

        try:
            with folder_lock(folder, wait=self.wait, waiting=self.waiting(folder)):
                yield
        except FolderLockedError as error:
            raise self.failed(error) from None
        except OSError as error:
            if error.filename is None or Path(error.filename).parent != folder:
                raise
            raise InputError(f"{_shown(folder)}: cannot write: {error.strerror or error}") from None


def _shown(path: object) -> str:
    """A path (or a message) as printed: bytes of a name that are not UTF-8 as `\\xNN`."""
    text = str(path)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _labelled(
    folder: Path, diagnostics: tuple[tuple[str, Diagnostic], ...]
) -> list[tuple[str, Diagnostic]]:
    """The diagnostics of the files of `folder` (by path inside it), each with the file's path."""
    return [(str(folder / path), diagnostic) for path, diagnostic in diagnostics]


def _print_diagnostics(diagnostics: Sequence[tuple[str, Diagnostic]]) -> None:
    """FILE:LINE: CODE: MESSAGE on standard error for each diagnostic, with its file's label."""
    sys.stderr.write(
        "".join(
            f"{label}:{diagnostic.line}: {diagnostic.code}: {diagnostic.message}\n"
            for label, diagnostic in diagnostics
        )
    )


# The version of the --report format; a change that could break a reader increments it.
_REPORT_VERSION = 1


def _report_json(
    summary: Mapping[str, int], diagnostics: Sequence[tuple[str, Diagnostic]]
) -> dict[str, Any]:
    """The --report document: the counts of the summary line and the diagnostics as printed,
    in order, each with the label of its file as on standard error."""
    return {
        "version": _REPORT_VERSION,
        "summary": dict(summary),
        "diagnostics": [
            {
                "file": _shown(label),
                "line": diagnostic.line,
                "code": diagnostic.code,
                "message": diagnostic.message,
            }
            for label, diagnostic in diagnostics
        ],
    }


def _write_report(
    report: str | None,
    summary: Mapping[str, int],
    diagnostics: Sequence[tuple[str, Diagnostic]],
    lock: _Lock,
) -> None:
    """Write `_report_json` to the file `report` (whole or not at all; - is standard output),
    when there is one: also with --check and --diff, which write no output but still report."""
    if report is None:
        return
    import json

    data = json.dumps(_report_json(summary, diagnostics), ensure_ascii=False, indent=2) + "\n"
    if report == "-":
        sys.stdout.write(data)
        return
    from .project import compare_file, write_change

    path = Path(report)
    try:
        with lock.hold(path.parent):
            write_change(compare_file(path, data.encode("utf-8")))
    except OSError as error:
        raise InputError(f"{_shown(report)}: cannot write: {error.strerror or error}") from None


_OptionValue = TypeVar("_OptionValue")


def _configured(setting: _OptionValue | None, value: _OptionValue) -> _OptionValue:
    """An option's value: the configuration's setting when it has one (it holds only the
    options the command line leaves unset), else the command line's value or the default."""
    return value if setting is None else setting


def _configuration(config_file: Path | None, folders: Iterable[Path]) -> Settings:
    """The settings of `config_file`, else of the nearest configuration above `folders`: each
    checked as its option checks the command line's values, and kept only where the command
    line leaves the option unset, so that the command line wins."""
    from dataclasses import replace

    from .config import ConfigError, Settings, find_settings, read_settings

    context = click.get_current_context()
    try:
        settings = find_settings(folders) if config_file is None else read_settings(config_file)
    except ConfigError as error:
        raise InputError(str(error)) from None
    unset: dict[str, Any] = {}
    for key, value in settings.options().items():
        option = _option(context.command, key)
        try:
            checked = option.type.convert(value, option, context)
            if key == "headings":
                _heading_levels(checked)
        except click.BadParameter as error:
            raise InputError(f"{settings.path}: tool.scrapconv.{key}: {error.message}") from None
        if context.get_parameter_source(option.name or key) is ParameterSource.DEFAULT:
            unset[key] = checked
    return replace(Settings(settings.path), **unset)


def _option(command: click.Command, key: str) -> click.Option:
    """The option --KEY of `command`, else of convert (which has them all, so that every
    setting is checked, also the ones sync has no use for)."""
    for parameter in (*command.params, *convert_command.params):
        if isinstance(parameter, click.Option) and f"--{key}" in parameter.opts:
            return parameter
    raise LookupError(f"no option --{key}")


# A job of more than this many steps shows a progress bar (where standard error is a terminal):
# an export of more than 200 pages, a sync of more than 200 files, a vault of more than 100
# notes (each read, then written: two steps, and Markdown is the slower to read).
_LONG_JOB_STEPS = 200


def _terminal() -> TextIO | None:
    """Standard error when it is a terminal, the one place for a progress bar; else None."""
    return sys.stderr if sys.stderr.isatty() else None


class _ProgressBar:
    """A library function's `progress` callback (steps done, steps in all) that draws a bar
    on standard error for a long job, where standard error is a terminal; it does nothing
    anywhere else. The bar is made at the first step, when the job's length is known, and ended
    (its line finished) when the `with` block ends."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._terminal = _terminal()
        self._bar: ProgressBar[int] | None = None
        self._shown = 0
        self._stack = ExitStack()

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exception: object) -> None:
        self._stack.close()

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if self._terminal is None or total <= _LONG_JOB_STEPS:
                return
            self._bar = self._stack.enter_context(
                click.progressbar(
                    length=total,
                    label=self._label,
                    file=self._terminal,
                    show_pos=True,
                    show_percent=True,
                )
            )
        self._bar.update(done - self._shown)
        self._shown = done


def _heading_levels(text: str) -> tuple[int, ...]:
    try:
        levels = tuple(int(part) for part in text.split(","))
    except ValueError:
        levels = ()
    if not levels or not all(1 <= level <= 6 for level in levels):
        raise click.BadParameter(
            f"{text!r}: give heading levels from 1 to 6, such as 3,2,1", param_hint="--headings"
        )
    return levels


def _read_bytes(name: str) -> bytes:
    """The bytes of the input `name`: standard input (-), whatever it is, or a regular file
    (a FIFO or a device, which could block or never end, is refused)."""
    from .files import read_regular

    try:
        if name == "-":
            return sys.stdin.buffer.read()
        return read_regular(Path(name), None)
    except OSError as error:
        raise InputError(f"{_shown(name)}: cannot read: {error.strerror or error}") from None


def _decoded(name: str, data: bytes) -> str:
    """The text of the input `name` (a file, or - for standard input), read as `data`."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        label = "<stdin>" if name == "-" else name
        raise InputError(
            f"{label}: not UTF-8 text (byte {error.start}: {data[error.start]:#04x})"
        ) from None
