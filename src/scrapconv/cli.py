"""The `scrapconv` command. It parses arguments and reports; the conversion is the library's."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO, TypeVar, cast, get_args

import click
from click.core import ParameterSource

from . import (
    COMPAT_MODES,
    FORMATS,
    IMPORT_FORMATS,
    READABLE_FORMATS,
    Format,
    ImportFormat,
    __version__,
    convert,
    guess_format,
    read,
)
from .diagnostics import CODES, CodeFilter, folded
from .frozen import frozen
from .markdown.options import Compat, Flavor, IconForm, MarkdownOptions

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from click._termui_impl import ProgressBar

    from .config import Settings
    from .diagnostics import Diagnostic
    from .files import FileChange
    from .project import Export, ImportResult, KeptFile, PageSync, VaultRun

ICON_FORMS: tuple[str, ...] = get_args(IconForm)


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


def _codes(text: str, option: str) -> frozenset[str]:
    """The diagnostic codes of a comma-separated `text`; BadParameter for an unknown one."""
    codes = frozenset(code.strip() for code in text.split(",") if code.strip())
    unknown = sorted(codes - CODES.keys())
    if unknown:
        raise click.BadParameter(
            f"unknown diagnostic code {unknown[0]!r} (the codes: scrapconv convert --help)",
            param_hint=option,
        )
    return codes


class _Codes(click.ParamType[str]):
    """Comma-separated diagnostic codes, checked against the registry and kept as written."""

    name = "codes"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        _codes(str(value), f"--{param.name}" if param is not None else "codes")
        return str(value)


_select_option = click.option(
    "--select",
    type=_Codes(),
    default=None,
    metavar="CODES",
    help="Report only the diagnostics of these codes (comma-separated).",
)
_ignore_option = click.option(
    "--ignore",
    type=_Codes(),
    default=None,
    metavar="CODES",
    help="Report no diagnostics of these codes (comma-separated); wins over --select.",
)
_quiet_option = click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print only the summary line, not the diagnostics (--report still holds them).",
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
    """Convert Scrapbox (Cosense) notation to and from Obsidian and plain Markdown.

    \b
    Examples:
      scrapconv convert --to obsidian page.sb
      scrapconv sync --to obsidian --project myproject notes/*.sb
    """


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


def _codes_epilog() -> str:
    """The list of diagnostic codes that ends `convert --help`."""
    width = max(map(len, CODES))
    rows = "\n".join(f"  {code:<{width}}  {meaning}" for code, meaning in CODES.items())
    return f"\b\nDiagnostic codes (--select, --ignore):\n{rows}"


@main.command("convert", short_help="Convert pages, an export or a vault.", epilog=_codes_epilog())
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "--from",
    "source",
    type=click.Choice((*READABLE_FORMATS, EXPORT)),
    default=None,
    help="Input format; export is a Scrapbox project export (JSON). Default: told by the "
    "file name (.json: export, .sb or .scrapbox: scrapbox, .md: obsidian; a folder of .sb "
    "pages and no .md notes is scrapbox, another folder an obsidian vault), else by the "
    "content where it tells clearly.",
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
    help="For a page, the file to write (or the folder, for several pages). For an export, "
    "a vault or a folder of .sb pages: the folder (made when absent) to write into, one file "
    "a page; with --to scrapbox, a name ending in .json is the Cosense import file to write "
    "instead. Several exports or folders go each into its own folder inside it.",
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
    "--asset-url",
    default="",
    metavar="URL",
    help="Markdown into Scrapbox: where the vault's attachments are on the web; an image "
    "![[picture.png]] becomes the image [URL/picture.png] (default: a link to its name).",
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
@click.option(
    "--import-format",
    type=click.Choice(IMPORT_FORMATS),
    default=None,
    help="For a vault: dated (default) gives each line of a note with created/updated dates "
    "those dates; light gives lines of text only (and a dates diagnostic per dated note).",
)
@_if_locked_option
@_config_option
@_select_option
@_ignore_option
@_quiet_option
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
    asset_url: str,
    check: bool,
    diff: bool,
    jobs: int | None,
    incremental: bool,
    force: bool,
    import_format: str | None,
    if_locked: str,
    config_file: Path | None,
    select: str | None,
    ignore: str | None,
    quiet: bool,
    report: str | None,
) -> None:
    """Convert INPUTS and print the result or write it with -o.

    An input is a page (.sb, .scrapbox, .md, or - or nothing for standard input), a project
    export (.json), a folder of notes (a vault) or a folder of .sb pages. An export, a vault
    or a folder of pages is written into a folder (-o FOLDER): notes with --to obsidian or
    markdown, .sb pages with --to scrapbox; or, with --to scrapbox and -o FILE.json, into one
    Cosense import file. Several pages go into one folder (-o FOLDER), one file each; several
    exports or folders each into its own folder inside -o.

    What the conversion lost or changed is reported on standard error, one line per file and
    code (the others of a file's code counted there; --report lists each). With -o, --check
    and --diff compare the files with what would be written, and write nothing.

    \b
    Examples:
      scrapconv convert --to obsidian page.sb
      scrapconv convert --to obsidian page.sb -o page.md
      scrapconv convert --to obsidian a.sb b.sb -o notes/
      scrapconv convert myproject.json -o vault/ --to obsidian --incremental
      scrapconv convert vault/ -o import.json --to scrapbox
      scrapconv convert myproject.json -o pages/ --to scrapbox
      scrapconv convert vault/ -o plain/ --to markdown
    """
    names = inputs or ("-",)
    if "-" in names and len(names) > 1:
        raise click.UsageError("standard input (-) is read only as the one input")
    config = _configuration(config_file, _input_folders(names))
    if report == "-" and (output is None or diff):
        raise click.UsageError(
            "--report -: standard output carries the converted text or the diffs; give a file"
        )
    lock = _Lock(if_locked == "wait")
    _check_report(report)
    read = [_input_kind(name, source) for name in names]
    kinds = {kind for _, kind, _ in read}
    if len(names) > 1 and kinds != {"page"} and "page" in kinds:
        raise click.UsageError(
            "give pages alone, or exports and folders alone: they go into -o differently"
        )
    kind = read[0][1]
    conversion = _conversion(
        config,
        kind,
        {page_source for _, _, (page_source, _) in read},
        target=target,
        output=output,
        project=project,
        icons=icons,
        headings=headings,
        project_folders=project_folders,
        compat=compat,
        asset_url=asset_url,
        jobs=jobs,
        run=(incremental, force),
        import_format=import_format,
        dry_run=_DryRun(check, diff),
        lock=lock,
        reporting=_reporting(config, select, ignore, quiet, report),
    )
    if kind == "page":
        _convert_pages([(name, page) for name, _, page in read], conversion)
    elif len(read) == 1:
        _convert_set(read[0], conversion)
    else:
        _convert_sets(read, conversion)


# What an input is: a page, an export (JSON), a folder of notes (a vault) or a folder of
# Scrapbox-notation pages.
InputKind = Literal["page", "export", "vault", "pages"]


def _convert_set(
    item: tuple[str, InputKind, tuple[str | None, bytes | None]], conversion: _Conversion
) -> None:
    """One export, vault or folder of pages converted."""
    name, kind, (source, data) = item
    match kind:
        case "vault":
            _convert_vault(Path(name), source, conversion)
        case "pages":
            _convert_pages_folder(Path(name), conversion)
        case _:
            _convert_export(name, data, conversion)


def _convert_sets(
    read: list[tuple[str, InputKind, tuple[str | None, bytes | None]]], conversion: _Conversion
) -> None:
    """Several exports, vaults or folders of pages, each into its own folder inside -o,
    named after it (`a.json` into `OUT/a/`, the vault `v/` into `OUT/v/`). Each is converted
    whole before the next; the exit status is the highest of theirs."""
    from dataclasses import replace

    output = conversion.output
    if output is None or _is_import_file(output):
        raise click.UsageError(
            "several exports or folders go each into its own folder of -o FOLDER: give it"
        )
    if conversion.report is not None:
        raise click.UsageError("--report takes the run of one export or folder: give one input")
    folders = [
        output / (Path(name).stem if kind == "export" else Path(name).resolve().name)
        for name, kind, _ in read
    ]
    names = {folder.name.casefold() for folder in folders}
    if "-" in (name for name, _, _ in read) or len(names) < len(folders):
        raise click.UsageError(
            "two inputs of one name would go into one folder: convert them apart"
        )
    status = 0
    for item, folder in zip(read, folders, strict=True):
        click.echo(f"{_shown(item[0])} → {_shown(folder)}", err=True)
        try:
            _convert_set(item, replace(conversion, output=folder))
        except SystemExit as exit:
            status = max(status, exit.code if isinstance(exit.code, int) else 1)
    if status:
        sys.exit(status)


def _is_import_file(output: Path) -> bool:
    """Whether -o names a Cosense import file (`.json`), rather than a folder, for --to
    scrapbox."""
    return output.suffix.lower() == ".json"


@frozen
class _Conversion:
    """One `convert` run: its options merged from the configuration and the command line and
    checked once, then passed down whole. `markdown` is how Markdown is written (None for
    Scrapbox output); `run` how a run into a vault goes (an export's only: None otherwise, so
    that a page converts without importing `scrapconv.project`); `compat` how Obsidian is read
    and written; `project` the Scrapbox project of icons."""

    target: Format
    output: Path | None
    project: str
    compat: Compat
    markdown: MarkdownOptions | None
    asset_url: str
    run: VaultRun | None  # (None for pages, which need no `scrapconv.project`)
    import_format: ImportFormat
    dry_run: _DryRun
    lock: _Lock
    reporting: _Reporting

    @property
    def report(self) -> str | None:
        return self.reporting.report


def _conversion(
    config: Settings,
    kind: InputKind,
    sources: set[str | None],
    *,
    target: str | None,
    output: Path | None,
    project: str,
    icons: str | None,
    headings: str | None,
    project_folders: tuple[tuple[str, str], ...],
    compat: str,
    asset_url: str,
    jobs: int | None,
    run: tuple[bool, bool],
    import_format: str | None,
    dry_run: _DryRun,
    lock: _Lock,
    reporting: _Reporting,
) -> _Conversion:
    """The options of a `convert` run, from the configuration and the command line (which
    wins). One rule for the settings (the keys of the configuration, the options of the same
    names): a setting that does not apply to this kind of input and output is unused, wherever
    it comes from (`jobs` applies to an export, `icons` and `headings` to Markdown output,
    `compat` to Obsidian pages and exports, `project` where Markdown is read or written,
    `import-format` to a vault, `asset-url` to Markdown into Scrapbox);
    settings that apply but contradict each other are an error, wherever they come from."""
    target = _configured(config.to, target)
    if target is None:
        raise click.MissingParameter(param_type="option", param_hint="'--to'")
    incremental, force = run
    if (incremental or force) and (kind not in ("export", "pages") or output is None):
        raise click.UsageError(
            "--incremental and --force apply to an export (or a folder of pages) into a folder (-o)"
        )
    if force and not incremental:
        raise click.UsageError("--force applies with --incremental")
    if dry_run and output is None:
        raise click.UsageError("--check and --diff apply where convert writes files (with -o)")
    if project_folders and target == "scrapbox":
        raise click.UsageError("--project-folder applies to faithful Markdown output only")
    project = _configured(config.project, project)
    icons = _configured(config.icons, icons)
    headings = _configured(config.headings, headings)
    compat = _configured(config.compat, compat)
    jobs = _configured(config.jobs, jobs)
    import_format = _configured(config.import_format, import_format) or "dated"
    asset_url = _configured(config.asset_url, asset_url)
    obsidian = target == "obsidian" or (kind == "page" and "obsidian" in sources)
    if kind == "vault" or not obsidian:
        compat = "faithful"
    levels = _heading_levels(headings) if headings is not None else None
    markdown: MarkdownOptions | None = None
    if target != "scrapbox":
        writes_reference = compat == "reference" and target == "obsidian"
        contradicted = icons not in (None, "img") or levels not in (None, (3, 2, 1))
        if writes_reference and (contradicted or project_folders):
            raise click.UsageError(
                "--compat reference writes Obsidian output with <img> icons, fixed "
                "headings and no --project-folder: drop the option or the compat setting "
                f"({_origins(config, 'compat', 'icons', 'headings')})"
            )
        markdown = MarkdownOptions(
            flavor=cast(Flavor, target),
            project=project,
            icons=cast(IconForm | None, icons),
            headings=levels or (3, 2, 1),
            compat="reference" if compat == "reference" and target == "obsidian" else "faithful",
            project_folders=project_folders,
        )
    return _Conversion(
        target=cast(Format, target),
        output=output,
        project=project,
        compat=cast(Compat, compat),
        markdown=markdown,
        asset_url=asset_url,
        run=_vault_run(jobs, incremental, force) if kind != "page" else None,
        import_format=cast(ImportFormat, import_format),
        dry_run=dry_run,
        lock=lock,
        reporting=reporting,
    )


def _vault_run(jobs: int | None, incremental: bool, force: bool) -> VaultRun:
    from .project import VaultRun

    return VaultRun(jobs, incremental, force)


def _origins(config: Settings, *keys: str) -> str:
    """Where the settings `keys` came from, as far as the configuration set them."""
    configured = [key for key in keys if getattr(config, key) is not None]
    if not configured:
        return "given on the command line"
    return f"{', '.join(configured)} from {config.path}, the rest from the command line"


def _input_folders(names: Sequence[str]) -> tuple[Path, ...]:
    """The folders the configuration is looked for from: each input's (a folder's own)."""
    return tuple(
        Path(name) if Path(name).is_dir() else Path(name).parent for name in names if name != "-"
    )


def _input_kind(
    name: str, source: str | None
) -> tuple[str, InputKind, tuple[str | None, bytes | None]]:
    """An input, what it is, and its format with its bytes when they were read to tell it
    (standard input can be read once only)."""
    if name != "-" and Path(name).is_dir():
        kind, (folder_source, _) = _folder_kind(name, source)
        return name, kind, (folder_source, None)
    data: bytes | None = None
    if source is None:
        source = _FORMAT_OF_EXTENSION.get(Path(name).suffix.lower()) if name != "-" else None
        if source is None:
            data = _read_bytes(name)
            source = guess_format(_decoded(name, data))
        if source is None:
            raise click.UsageError(
                f"Missing option '--from': the input format cannot be told from "
                f"{'standard input' if name == '-' else repr(name)} (its name or its content)"
            )
    return name, "export" if source == EXPORT else "page", (source, data)


def _folder_kind(
    name: str, source: str | None
) -> tuple[InputKind, tuple[str | None, bytes | None]]:
    """What a folder is: pages (`--from scrapbox`, or `.sb` files and no `.md` directly in
    it) or a vault of notes (`--from obsidian` or `markdown`, or the rest)."""
    from .project import is_pages_folder

    if source == "scrapbox":
        return "pages", (source, None)
    if source in ("obsidian", "markdown"):
        return "vault", (source, None)
    if source is not None:
        raise click.UsageError(
            f"{_shown(name)} is a folder: give --from scrapbox (pages), obsidian or markdown "
            "(notes)"
        )
    try:
        pages = is_pages_folder(Path(name))
    except OSError as error:
        raise InputError(f"{_shown(name)}: cannot read: {error.strerror or error}") from None
    if pages is None:
        raise click.UsageError(
            f"{_shown(name)} holds both .sb pages and .md notes: give --from scrapbox to "
            "read the pages, --from obsidian to read the notes"
        )
    return ("pages", ("scrapbox", None)) if pages else ("vault", ("obsidian", None))


def _check_report(report: str | None) -> None:
    """Fail before converting when the --report file cannot be written: a folder, or in a
    folder that is missing or cannot be written into."""
    if report is None or report == "-":
        return
    path = Path(report)
    if path.is_dir():
        raise InputError(f"{_shown(report)}: is a folder, not a file to write the report to")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"{_shown(report)}: cannot write: no such folder {_shown(folder)}")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{_shown(report)}: cannot write: Permission denied")


def _convert_pages(
    pages: list[tuple[str, tuple[str | None, bytes | None]]], conversion: _Conversion
) -> None:
    """Pages printed (one, without -o), or each written to its file: -o FILE for one page,
    -o FOLDER (the name of each input, with the extension of its format) for one or more."""
    output = conversion.output
    if output is None and len(pages) > 1:
        raise click.UsageError("several pages go into a folder: give it with -o FOLDER")
    targets: list[Path | None] = [None]
    if output is not None:
        into_folder = len(pages) > 1 or output.is_dir()
        if into_folder and pages[0][0] == "-":
            raise click.UsageError("standard input goes to -o FILE, not to a folder")
        if into_folder:
            extension = ".sb" if conversion.target == "scrapbox" else ".md"
            files = [output / (Path(name).stem + extension) for name, _ in pages]
            targets = list(files)
            if len({path.name.casefold() for path in files}) < len(files):
                raise click.UsageError(
                    "two inputs of one name would be one file in the folder: convert them apart"
                )
        else:
            targets = [output]
    written: list[tuple[Path | None, bytes]] = []
    diagnostics: list[tuple[str, Diagnostic]] = []
    for (name, (source, data)), path in zip(pages, targets, strict=False):
        text, page_diagnostics = _convert_page(name, cast(Format, source), data, conversion)
        if path is not None and path.resolve() == Path(name).resolve():
            raise InputError(f"{_shown(path)}: is the input itself: give another -o")
        written.append((path, text.encode("utf-8", "surrogateescape")))
        label = "<stdin>" if name == "-" else name
        diagnostics.extend((label, diagnostic) for diagnostic in page_diagnostics)
    reporting = conversion.reporting
    diagnostics = reporting.kept(diagnostics)
    if output is None:
        sys.stdout.write(written[0][1].decode("utf-8", "surrogateescape"))
        reporting.show(diagnostics)
        _write_report(
            conversion.report,
            {"pages": 1, "diagnostics": len(diagnostics)},
            diagnostics,
            conversion.lock,
        )
        return
    changes = tuple(_page_change(path, data) for path, data in written if path is not None)
    changed = tuple(change for change in changes if change.changed)
    reporting.show(diagnostics)
    counts = {"pages": len(pages)}
    dry_run = conversion.dry_run
    if dry_run:
        dry_run.show(changed)
        counts["files_would_change"] = len(changed)
    else:
        _write_changes(changed, conversion.lock)
        counts["files_written"] = len(changed)
    _summarize(conversion, counts, diagnostics)
    dry_run.exit(changed)


def _convert_page(
    name: str, source: Format, data: bytes | None, conversion: _Conversion
) -> tuple[str, tuple[Diagnostic, ...]]:
    """One page converted: the text as printed (ending with a newline, but in the reference
    format, whose files end where the text ends) and the diagnostics."""
    text = _decoded(name, data if data is not None else _read_bytes(name))
    markdown = conversion.markdown
    reads_reference = conversion.compat == "reference" and source == "obsidian"
    compat: Compat = "reference" if reads_reference else "faithful"
    if markdown is None:
        # (convert reads Scrapbox text as a file holds it, and a note's front matter too.)
        if source == "scrapbox":
            result = convert(text, source, "scrapbox")
        else:
            result = convert(
                text,
                source,
                "scrapbox",
                project=conversion.project,
                compat=compat,
                asset_url=conversion.asset_url,
            )
        written, diagnostics = result.text, list(result.diagnostics)
    else:
        from .markdown import write_markdown

        if source == "scrapbox":
            from .scrapbox.reader import scrapbox_text

            # Text from a file: CR LF line ends, and a byte order mark, as an editor shows them.
            document = read(scrapbox_text(text), source)
        else:
            document = read(text, source, project=conversion.project, compat=compat)
        written, diagnostics = write_markdown(document, markdown)
    if written and not written.endswith("\n") and not (markdown and markdown.compat == "reference"):
        written += "\n"
    return written, tuple(diagnostics)


def _page_change(path: Path, data: bytes) -> FileChange:
    from .files import compare_file

    try:
        return compare_file(path, data)
    except OSError as error:
        raise InputError(f"{_shown(path)}: cannot read: {error.strerror or error}") from None


def _write_changes(changes: tuple[FileChange, ...], lock: _Lock) -> None:
    """Write each file that changes (whole or not at all), its folder made when missing and
    locked, folders in one order, so that two runs each waiting for the other's cannot be."""
    from .files import make_folder, write_change

    folders = sorted({change.path.parent.resolve() for change in changes})
    with ExitStack() as locks:
        for folder in folders:
            try:
                make_folder(folder)
            except OSError as error:
                raise InputError(
                    f"{_shown(folder)}: cannot write: {error.strerror or error}"
                ) from None
            locks.enter_context(lock.hold(folder))
        for change in changes:
            try:
                write_change(change)
            except OSError as error:
                raise InputError(
                    f"{_shown(change.path)}: cannot write: {error.strerror or error}"
                ) from None


def _convert_export(name: str, data: bytes | None, conversion: _Conversion) -> None:
    """An export into a folder of notes (or of `.sb` pages, or an import file, for --to
    scrapbox): checked whole first, so bad input writes nothing. Exit status 1 when an
    incremental run kept a file."""
    from .project import ExportError, export_reader, read_export

    output, run = conversion.output, conversion.run
    if output is None or run is None:
        raise click.UsageError("an export converts into a folder: give it with -o FOLDER")
    label = "<stdin>" if name == "-" else name
    read = read_export if conversion.markdown is None else export_reader(output, run)
    try:
        export = read(data if data is not None else _read_bytes(name), label)
    except ExportError as error:
        raise InputError(str(error)) from None
    if conversion.markdown is None:
        if _is_import_file(output):
            from .project import export_import

            _write_import_file(export_import(export), Path(label), "pages", conversion)
        else:
            _write_pages_folder(export, conversion)
        return
    _write_vault(export, conversion)


def _write_vault(
    export: Export, conversion: _Conversion, read: Sequence[tuple[str, Diagnostic]] = ()
) -> None:
    """An export (or a folder of pages read as one) written into a folder of notes, `read`
    the diagnostics of reading it."""
    from .files import FolderLockedError
    from .manifest import ManifestError
    from .project import check_vault, export_to_vault

    output, run = conversion.output, conversion.run
    assert output is not None and run is not None and conversion.markdown is not None
    if output.exists() and not output.is_dir():
        raise InputError(f"{output}: exists and is not a folder")
    dry_run, lock, incremental = conversion.dry_run, conversion.lock, run.incremental
    if dry_run:
        try:
            with _ProgressBar("Converting pages") as progress:
                checked = check_vault(export, output, conversion.markdown, run, progress=progress)
        except OSError as error:
            raise InputError(f"{error.filename}: cannot read: {error.strerror or error}") from None
        except ManifestError as error:
            raise InputError(str(error)) from None
        diagnostics = conversion.reporting.kept([*read, *_labelled(output, checked.diagnostics)])
        conversion.reporting.show(diagnostics)
        _print_kept(output, checked.kept)
        dry_run.show(checked.changes)
        counts = {"pages": checked.pages, "files_would_change": len(checked.changes)}
        if incremental:
            counts["files_kept"] = len(checked.kept)
        _summarize(conversion, counts, diagnostics)
        dry_run.exit(checked.changes)
        return
    try:
        with _ProgressBar("Converting pages") as progress:
            result = export_to_vault(
                export,
                output,
                conversion.markdown,
                run,
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
    diagnostics = conversion.reporting.kept([*read, *_labelled(output, result.diagnostics)])
    conversion.reporting.show(diagnostics)
    _print_kept(output, result.kept)
    counts = {"pages": result.pages, "files_written": len(result.files)}
    if incremental:
        counts |= {
            "files_unchanged": len(result.unchanged),
            "files_removed": len(result.removed),
            "files_kept": len(result.kept),
        }
    _summarize(conversion, counts, diagnostics, result.full_run)
    # The rest is done, but the folder is not all the export says: exit 1, as ruff does for
    # what it could not fix.
    if result.kept:
        sys.exit(1)


# What each count of an export's summary line is called there, in the line's order.
_EXPORT_SUMMARY_WORDS = {
    "notes": "notes",
    "pages": "pages",
    "files_written": "files written",
    "files_would_change": "files would change",
    "files_unchanged": "unchanged",
    "files_removed": "removed",
    "files_kept": "kept",
    "diagnostics": "diagnostics",
}


def _summarize(
    conversion: _Conversion,
    counts: dict[str, int],
    diagnostics: Sequence[tuple[str, Diagnostic]],
    full_run: str | None = None,
) -> None:
    """The end of a run over a whole set: its summary line, and its report when one is asked
    for, both with the number of diagnostics after `counts`."""
    counts["diagnostics"] = len(diagnostics)
    click.echo(_export_summary(counts, full_run), err=True)
    _write_report(conversion.report, counts, diagnostics, conversion.lock)


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


def _convert_vault(folder: Path, source: str | None, conversion: _Conversion) -> None:
    """A vault into one Cosense import file (or a folder of `.sb` pages), or into a folder of
    notes of the other flavor: every note read first, so bad input writes nothing, and each
    file written whole or not at all."""
    from .project import VaultError, vault_to_import

    output = conversion.output
    if conversion.target != "scrapbox":
        _convert_flavor(folder, cast(Flavor, source), conversion)
        return
    if output is None:
        raise click.UsageError(
            "a vault converts into one import file or a folder of pages: give it with "
            "-o FILE.json or -o FOLDER"
        )
    if _is_import_file(output) and output.is_dir():
        raise InputError(f"{output}: is a folder, not a file to write the import to")
    if not _is_import_file(output):
        _check_beside(output, folder)
    try:
        with _ProgressBar("Converting notes") as progress:
            result = vault_to_import(
                folder,
                flavor=cast(Flavor, source),
                project=conversion.project or None,
                import_format=conversion.import_format,
                asset_url=conversion.asset_url,
                progress=progress,
            )
    except VaultError as error:
        raise InputError(str(error)) from None
    if _is_import_file(output):
        _write_import_file(result, folder, "notes", conversion)
        return
    from .project import Export, ExportPage, told_project

    # (Told already, the same way, by `vault_to_import`.)
    project = conversion.project or told_project(folder, list(result.notes))
    pages = tuple(ExportPage(page.title, "\n".join(page.lines)) for page in result.pages)
    _write_pages_folder(Export(project, pages), conversion, _labelled(folder, result.diagnostics))


def _convert_pages_folder(folder: Path, conversion: _Conversion) -> None:
    """A folder of `.sb` pages into a folder of notes, or into one import file."""
    from .project import PagesFolderError, pages_import, read_pages_folder

    output = conversion.output
    if output is None:
        raise click.UsageError(
            "a folder of pages converts into a folder of notes or an import file: give it "
            "with -o FOLDER or -o FILE.json"
        )
    if conversion.target == "scrapbox" and not _is_import_file(output):
        raise click.UsageError(
            f"{_shown(folder)} is a folder of Scrapbox pages already: give --to obsidian or "
            "markdown, or -o FILE.json for an import file"
        )
    try:
        pages = read_pages_folder(folder)
    except PagesFolderError as error:
        raise InputError(str(error)) from None
    if conversion.markdown is None:
        _write_import_file(pages_import(pages), folder, "pages", conversion)
        return
    _write_vault(pages.export, conversion, _labelled(folder, pages.diagnostics))


def _write_pages_folder(
    export: Export, conversion: _Conversion, read: Sequence[tuple[str, Diagnostic]] = ()
) -> None:
    """An export written into a folder of `.sb` pages, one a page, and its record; `read`
    the diagnostics of reading it."""
    from .files import FolderLockedError
    from .project import check_pages, export_to_pages

    output, dry_run, lock = conversion.output, conversion.dry_run, conversion.lock
    assert output is not None and conversion.run is not None
    if conversion.run.incremental:
        raise click.UsageError("--incremental applies to notes: a folder of pages is written whole")
    if output.exists() and not output.is_dir():
        raise InputError(f"{_shown(output)}: exists and is not a folder")
    try:
        if dry_run:
            changes, result = check_pages(export, output)
        else:
            result = export_to_pages(export, output, wait=lock.wait, waiting=lock.waiting(output))
    except FolderLockedError as error:
        raise lock.failed(error) from None
    except OSError as error:
        raise InputError(
            f"{_shown(error.filename or output)}: cannot write: {error.strerror or error}"
        ) from None
    except ValueError as error:
        raise InputError(str(error)) from None
    diagnostics = conversion.reporting.kept([*read, *_labelled(output, result.diagnostics)])
    conversion.reporting.show(diagnostics)
    counts = {"pages": result.pages}
    if dry_run:
        dry_run.show(changes)
        counts["files_would_change"] = len(changes)
    else:
        counts["files_written"] = len(result.files)
    _summarize(conversion, counts, diagnostics)
    if dry_run:
        dry_run.exit(changes)


def _convert_flavor(folder: Path, source: Flavor, conversion: _Conversion) -> None:
    """A folder of notes into a folder of notes of the other flavor."""
    from .files import FolderLockedError
    from .project import (
        FlavorError,
        check_flavor,
        flavor_folder,
        write_flavor,
    )

    output, dry_run, lock = conversion.output, conversion.dry_run, conversion.lock
    target = cast(Flavor, conversion.target)
    if target == source:
        other = "markdown" if source == "obsidian" else "obsidian"
        raise click.UsageError(
            f"{_shown(folder)} is read as {source} notes: give --to {other} or scrapbox (or "
            "--from for the flavor it is written in)"
        )
    if output is None or _is_import_file(output):
        raise click.UsageError(f"a vault converts to {target} notes in a folder: give -o FOLDER")
    if output.exists() and not output.is_dir():
        raise InputError(f"{_shown(output)}: exists and is not a folder")
    _check_beside(output, folder)
    try:
        with _ProgressBar("Converting notes") as progress:
            converted = flavor_folder(
                folder, source, target, project=conversion.project or None, progress=progress
            )
        diagnostics = conversion.reporting.kept(_labelled(folder, converted.diagnostics))
        counts = {"notes": len(converted.notes)}
        if dry_run:
            changes = check_flavor(converted, output)
            conversion.reporting.show(diagnostics)
            dry_run.show(changes)
            counts["files_would_change"] = len(changes)
        else:
            written = write_flavor(converted, output, wait=lock.wait, waiting=lock.waiting(output))
            conversion.reporting.show(diagnostics)
            counts["files_written"] = len(written)
    except FlavorError as error:
        raise InputError(str(error)) from None
    except FolderLockedError as error:
        raise lock.failed(error) from None
    except OSError as error:
        raise InputError(
            f"{_shown(error.filename or output)}: cannot write: {error.strerror or error}"
        ) from None
    _summarize(conversion, counts, diagnostics)
    if dry_run:
        dry_run.exit(changes)


def _check_beside(output: Path, folder: Path) -> None:
    """A folder written from a vault is not the vault, nor inside it (where the next run
    would read it as notes)."""
    resolved, vault = output.resolve(), folder.resolve()
    if resolved == vault or vault in resolved.parents:
        raise InputError(f"{_shown(output)}: is inside the vault read: give a folder beside it")


def _write_import_file(
    result: ImportResult, folder: Path, noun: str, conversion: _Conversion
) -> None:
    """A Cosense import written to -o FILE.json (or compared with it), whole or not at all;
    `folder` labels the diagnostics, `noun` names what was read (notes, pages)."""
    from .files import FolderLockedError
    from .project import compare_file, import_bytes, write_import

    output, dry_run, lock, report = (
        conversion.output,
        conversion.dry_run,
        conversion.lock,
        conversion.report,
    )
    assert output is not None
    if output.is_dir():
        raise InputError(f"{output}: is a folder, not a file to write the import to")
    reporting = conversion.reporting
    diagnostics = reporting.kept(_labelled(folder, result.diagnostics))
    counts = {noun: len(result.notes), "pages": len(result.pages)}
    summary = ", ".join(
        f"{count} {key}" for key, count in counts.items() if key == "pages" or count
    )
    if dry_run:
        try:
            change = compare_file(output, import_bytes(result))
        except OSError as error:
            raise InputError(f"{output}: cannot read: {error.strerror or error}") from None
        changes = (change,) if change.changed else ()
        reporting.show(diagnostics)
        dry_run.show(changes)
        click.echo(
            f"{summary}, {len(diagnostics)} diagnostics, "
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
    except ValueError as error:
        raise InputError(str(error)) from None
    reporting.show(diagnostics)
    click.echo(f"{summary}, {len(diagnostics)} diagnostics", err=True)
    counts["files_written"] = 1
    _write_report(report, {**counts, "diagnostics": len(diagnostics)}, diagnostics, lock)


@main.command("sync", short_help="Keep the note beside each Scrapbox page up to date.")
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
    help="Write nothing; name each note missing or out of date and exit 1 if there is one.",
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
    help="Name each note written and exit 1 if there is one (for pre-commit: a new note is "
    "no change git sees).",
)
@_if_locked_option
@_config_option
@_select_option
@_ignore_option
@_quiet_option
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
    select: str | None,
    ignore: str | None,
    quiet: bool,
    report: str | None,
) -> None:
    """Keep the note beside each Scrapbox page up to date: FILE.sb (or FILE.scrapbox) is
    converted into FILE.md, which is written (whole, atomically) only when its content changes.

    A note FILE.md named without its page stands for the page beside it (and is left out when
    there is none); as its page is taken to be unchanged, a note that differs from what the
    page gives was edited by hand: it is reported and kept, never overwritten.

    Exit status: 0 (also when notes were written, unless --exit-non-zero-on-change); 1 with
    --check when a note would change, and when a note edited by hand was kept; 2 on an error
    (one line), such as a page that cannot be read, in which case nothing is written. A summary
    goes to standard error.

    \b
    Examples:
      scrapconv sync --to obsidian --project myproject notes/*.sb
      scrapconv sync --check notes/*.sb notes/*.md
    """
    from .project import SyncError, sync_page, sync_targets, write_change

    if report == "-" and diff:
        raise click.UsageError("--report -: standard output carries the diffs; give a file")
    config = _configuration(config_file, {file.parent for file in files})
    lock = _Lock(if_locked == "wait")
    _check_report(report)
    headings = _configured(config.headings, headings)
    options = MarkdownOptions(
        flavor=cast(Flavor, _configured(config.to, target)),
        project=_configured(config.project, project),
        icons=cast(IconForm | None, _configured(config.icons, icons)),
        headings=_heading_levels(headings) if headings is not None else (3, 2, 1),
        project_folders=project_folders,
    )
    dry_run = _DryRun(check, diff)
    synced: list[PageSync] = []
    try:
        targets = sync_targets(files)
        with _ProgressBar("Converting pages") as progress:
            for pending in targets:
                synced.append(sync_page(pending.page, options, page_named=pending.page_named))
                progress(len(synced), len(targets))
    except SyncError as error:
        raise InputError(str(error)) from None
    sources: dict[Path, Path] = {}
    for page in synced:
        other = sources.setdefault(page.change.path.resolve(), page.source)
        if other is not page.source:
            raise InputError(f"{page.change.path}: the note of both {other} and {page.source}")
    reporting = _reporting(config, select, ignore, quiet, report)
    diagnostics = reporting.kept(
        [(str(page.source), diagnostic) for page in synced for diagnostic in page.diagnostics]
    )
    reporting.show(diagnostics)
    kept = tuple(page for page in synced if page.hand_edited)
    changes = tuple(page.change for page in synced if page.change.changed and not page.hand_edited)
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
    dry_run.show(tuple(page.change for page in synced if page.change.changed))
    if not reporting.quiet:
        _print_kept_notes(kept)
        if check or fail_on_change:
            _print_changed_notes(changes, written=not dry_run)
    click.echo(
        f"{_count(len(synced), 'file')}, {len(changes)} "
        f"{'would change' if dry_run else 'changed'}"
        + (f", {len(kept)} kept" if kept else "")
        + (f", {_count(len(diagnostics), 'diagnostic')}" if diagnostics else ""),
        err=True,
    )
    if fail_on_change and changes and not dry_run and not reporting.quiet:
        import shlex  # here: only this advice needs it

        notes = " ".join(shlex.quote(str(change.path)) for change in changes)
        click.echo(f"Add the notes written and commit again: git add {notes}", err=True)
    changed = "files_would_change" if dry_run else "files_written"
    counts = {
        "files": len(synced),
        changed: len(changes),
        "files_kept": len(kept),
        "diagnostics": len(diagnostics),
    }
    _write_report(report, counts, diagnostics, lock)
    dry_run.exit(changes)
    if kept or (fail_on_change and changes):
        sys.exit(1)


def _print_kept_notes(kept: tuple[PageSync, ...]) -> None:
    """One line on standard error for each note kept as edited by hand."""
    for page in kept:
        click.echo(
            f"{page.change.path}: edited by hand ({page.source} gives other text): kept; "
            f"make the change in {page.source}, or sync {page.source} itself to overwrite it",
            err=True,
        )


def _print_changed_notes(changes: tuple[FileChange, ...], *, written: bool) -> None:
    """One line on standard error naming each note written, or each that is missing or out
    of date (--check), so that a hook's output says which files to look at."""
    for change in changes:
        if written:
            state = "written"
        elif change.old is None and change.unread is None:
            state = "missing"
        else:
            state = "out of date"
        click.echo(f"{change.path}: {state}", err=True)


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


@frozen
class _Reporting:
    """How a run reports: the codes it reports (--select, --ignore), whether it prints them
    (not with --quiet) and the --report file."""

    codes: CodeFilter
    quiet: bool
    report: str | None

    def kept(self, diagnostics: list[tuple[str, Diagnostic]]) -> list[tuple[str, Diagnostic]]:
        """The diagnostics of the codes reported."""
        return [item for item in diagnostics if self.codes.keeps(item[1].code)]

    def show(self, diagnostics: Sequence[tuple[str, Diagnostic]]) -> None:
        """FILE:LINE: CODE: MESSAGE on standard error, one line per file and code: the first
        diagnostic of the code, with the number of the others (the report lists each)."""
        if self.quiet:
            return
        sys.stderr.write(
            "".join(
                f"{label}:{diagnostic.line}: {diagnostic.code}: {diagnostic.message}"
                + (f" (and {more} more)\n" if more else "\n")
                for label, diagnostic, more in folded(diagnostics)
            )
        )


def _reporting(
    config: Settings, select: str | None, ignore: str | None, quiet: bool, report: str | None
) -> _Reporting:
    """How a run reports, from the configuration and the command line (which wins)."""
    selected = _configured(config.select, select)
    ignored = _configured(config.ignore, ignore)
    codes = CodeFilter(
        None if selected is None else _codes(selected, "--select"),
        frozenset() if ignored is None else _codes(ignored, "--ignore"),
    )
    return _Reporting(codes, quiet, report)


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
    from .config import ConfigError, find_settings, read_settings

    context = click.get_current_context()
    try:
        settings = find_settings(folders) if config_file is None else read_settings(config_file)
    except ConfigError as error:
        raise InputError(str(error)) from None
    unset: dict[str, object] = {}
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
    return settings.only(unset)


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
