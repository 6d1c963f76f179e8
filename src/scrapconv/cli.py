"""The `scrapconv` command. It parses arguments and reports; the conversion is the library's."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import FORMATS, READABLE_FORMATS, __version__, convert

if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .project import FileChange

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scrapconv")
def main() -> None:
    """Convert Scrapbox (Cosense) notation to and from Obsidian and plain Markdown."""


# A whole project export (JSON), converted into a folder.
EXPORT = "export"
# Input formats told by the input's file name when --from is not given.
_FORMAT_OF_EXTENSION = {".json": EXPORT, ".sb": "scrapbox", ".scrapbox": "scrapbox"}


@main.command("convert")
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "--from",
    "source",
    type=click.Choice((*READABLE_FORMATS, EXPORT)),
    default=None,
    help="Input format; export is a Scrapbox project export (JSON). Default: told by the "
    "file name (.json: export, .sb or .scrapbox: scrapbox; a folder is an obsidian vault).",
)
@click.option("--to", "target", type=click.Choice(FORMATS), required=True, help="Output format.")
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
def convert_command(
    inputs: tuple[str, ...],
    source: str | None,
    target: str,
    output: Path | None,
    project: str,
    icons: str | None,
    headings: str | None,
    compat: str,
    check: bool,
    diff: bool,
    jobs: int | None,
) -> None:
    """Convert INPUT (a file, or - or nothing for standard input) and print the result,
    convert a whole export into a folder of notes (-o FOLDER), or a folder of notes (a vault)
    into a Cosense import file (-o FILE.json --to scrapbox).

    What the conversion lost or changed is reported on standard error, one line each. With -o,
    --check and --diff compare the files with what would be written, and write nothing.
    """
    dry_run = _DryRun(check, diff)
    if len(inputs) > 1:
        raise click.UsageError("give one input file (or - for standard input)")
    name = inputs[0] if inputs else "-"
    vault = name != "-" and Path(name).is_dir()
    if source is None and not vault:
        source = _FORMAT_OF_EXTENSION.get(Path(name).suffix.lower()) if name != "-" else None
        if source is None:
            raise click.UsageError(
                f"Missing option '--from': the input format cannot be told from "
                f"{'standard input' if name == '-' else repr(name)}"
            )
    if jobs is not None and (vault or source != EXPORT):
        raise click.UsageError("--jobs applies to an export (--from export) only")
    if vault:
        _convert_vault(
            Path(name), source, target, output, project, icons, headings, compat, dry_run
        )
        return
    if source == EXPORT:
        _convert_export(name, target, output, project, icons, headings, compat, dry_run, jobs)
        return
    if output is not None:
        raise click.UsageError("-o/--output is the folder a whole export (--from export) goes to")
    if dry_run:
        raise click.UsageError("--check and --diff apply where convert writes files (with -o)")
    text = _read_input(name)
    options: dict[str, object] = {}
    # Obsidian input in the reference format is read as such, whatever the output.
    reads_reference = compat == "reference" and source == "obsidian"
    if target != "scrapbox":
        options["project"] = project
        if icons is not None:
            options["icons"] = icons
        if headings is not None:
            options["headings"] = _heading_levels(headings)
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
    result = convert(text, source, target, **options)  # type: ignore[arg-type]
    sys.stdout.write(result.text)
    # The reference pipeline's files end where the text ends: print them byte for byte.
    if not writes_reference and result.text and not result.text.endswith("\n"):
        sys.stdout.write("\n")
    label = "<stdin>" if name == "-" else name
    for diagnostic in result.diagnostics:
        click.echo(f"{label}:{diagnostic.line}: {diagnostic.code}: {diagnostic.message}", err=True)


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
) -> None:
    """An export into a folder of notes: checked whole first, so bad input writes nothing.
    `jobs`: the number of processes converting pages (None: one per CPU)."""
    from .project import ExportError, check_vault, export_to_vault, read_export

    if output is None:
        raise click.UsageError("an export converts into a folder: give it with -o FOLDER")
    if target == "scrapbox":
        raise click.UsageError("an export converts to obsidian or markdown notes")
    if compat != "faithful":
        raise click.UsageError("--compat reference applies to single pages, not to an export")
    levels = _heading_levels(headings) if headings is not None else (3, 2, 1)
    label = "<stdin>" if name == "-" else name
    try:
        export = read_export(_read_bytes(name), label)
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
    }
    if dry_run:
        try:
            checked = check_vault(export, output, **conversion)
        except OSError as error:
            raise InputError(f"{error.filename}: cannot read: {error.strerror or error}") from None
        _report(output, checked.diagnostics)
        dry_run.show(checked.changes)
        click.echo(
            f"{checked.pages} pages, {len(checked.changes)} files would change, "
            f"{len(checked.diagnostics)} diagnostics",
            err=True,
        )
        dry_run.exit(checked.changes)
        return
    try:
        result = export_to_vault(export, output, **conversion)
    except OSError as error:
        raise InputError(f"{output}: cannot write: {error.strerror or error}") from None
    _report(output, result.diagnostics)
    click.echo(
        f"{result.pages} pages, {len(result.files)} files written, "
        f"{len(result.diagnostics)} diagnostics",
        err=True,
    )


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
) -> None:
    """A vault into one Cosense import file: every note read first, so bad input writes
    nothing, and the file written whole or not at all."""
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
        result = vault_to_import(folder, flavor=source, project=project)  # type: ignore[arg-type]
    except VaultError as error:
        raise InputError(str(error)) from None
    if dry_run:
        try:
            change = compare_file(output, import_bytes(result))
        except OSError as error:
            raise InputError(f"{output}: cannot read: {error.strerror or error}") from None
        changes = (change,) if change.changed else ()
        _report(folder, result.diagnostics)
        dry_run.show(changes)
        click.echo(
            f"{len(result.notes)} notes, {len(result.pages)} pages, "
            f"{len(result.diagnostics)} diagnostics, "
            f"{output} {'would change' if changes else 'unchanged'}",
            err=True,
        )
        dry_run.exit(changes)
        return
    try:
        write_import(result, output)
    except OSError as error:
        raise InputError(f"{output}: cannot write: {error.strerror or error}") from None
    _report(folder, result.diagnostics)
    click.echo(
        f"{len(result.notes)} notes, {len(result.pages)} pages, "
        f"{len(result.diagnostics)} diagnostics",
        err=True,
    )


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
def sync_command(
    files: tuple[Path, ...],
    target: str,
    project: str,
    icons: str | None,
    headings: str | None,
    check: bool,
    diff: bool,
    fail_on_change: bool,
) -> None:
    """Keep the note beside each Scrapbox page up to date: FILE.sb (or FILE.scrapbox) is
    converted into FILE.md, which is written (whole, atomically) only when its content changes.

    Exit status: 0 (also when notes were written, unless --exit-non-zero-on-change); 1 with
    --check when a note would change; 2 on an error (one line), such as a page that cannot be
    read, in which case nothing is written. A summary goes to standard error.
    """
    from .project import SyncError, SyncOptions, sync_page, write_change

    options = SyncOptions(
        flavor=target,  # type: ignore[arg-type]
        project=project,
        icons=icons,  # type: ignore[arg-type]
        headings=_heading_levels(headings) if headings is not None else (3, 2, 1),
    )
    dry_run = _DryRun(check, diff)
    # A page named twice is synced once.
    pages = list({file.resolve(): file for file in reversed(files)}.values())[::-1]
    try:
        synced = [sync_page(file, options) for file in pages]
    except SyncError as error:
        raise InputError(str(error)) from None
    sources: dict[Path, Path] = {}
    for page in synced:
        other = sources.setdefault(page.change.path.resolve(), page.source)
        if other is not page.source:
            raise InputError(f"{page.change.path}: the note of both {other} and {page.source}")
    report = [
        f"{page.source}:{diagnostic.line}: {diagnostic.code}: {diagnostic.message}\n"
        for page in synced
        for diagnostic in page.diagnostics
    ]
    sys.stderr.write("".join(report))
    changes = tuple(page.change for page in synced if page.change.changed)
    if not dry_run:
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
        + (f", {_count(len(report), 'diagnostic')}" if report else ""),
        err=True,
    )
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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _report(folder: Path, diagnostics: tuple[tuple[str, Diagnostic], ...]) -> None:
    report = [
        f"{folder / path}:{diagnostic.line}: {diagnostic.code}: {diagnostic.message}\n"
        for path, diagnostic in diagnostics
    ]
    sys.stderr.write("".join(report))


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
    try:
        if name == "-":
            return sys.stdin.buffer.read()
        with open(name, "rb") as file:
            return file.read()
    except OSError as error:
        raise InputError(f"{name}: cannot read: {error.strerror}") from None


def _read_input(name: str) -> str:
    data = _read_bytes(name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        label = "<stdin>" if name == "-" else name
        raise InputError(
            f"{label}: not UTF-8 text (byte {error.start}: {data[error.start]:#04x})"
        ) from None
