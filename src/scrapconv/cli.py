"""The `scrapconv` command. It parses arguments and reports; the conversion is the library's."""

from __future__ import annotations

import sys

import click

from . import FORMATS, READABLE_FORMATS, __version__, convert

ICON_FORMS = ("img", "image", "embed", "link")
COMPAT_MODES = ("faithful", "reference")


class InputError(click.ClickException):
    """Input that cannot be converted: one line on standard error, exit status 2."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scrapconv")
def main() -> None:
    """Convert Scrapbox (Cosense) notation to and from Obsidian and plain Markdown."""


@main.command("convert")
@click.argument("inputs", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--from", "source", type=click.Choice(READABLE_FORMATS), required=True, help="Input format."
)
@click.option("--to", "target", type=click.Choice(FORMATS), required=True, help="Output format.")
@click.option("--project", default="", help="The Scrapbox project name (for icons and root links).")
@click.option(
    "--icons",
    type=click.Choice(ICON_FORMS),
    default=None,
    help="How to write icons: an <img> tag (Obsidian's default), a Markdown image (plain "
    "Markdown's default), an embed of a local image, or a link.",
)
@click.option(
    "--headings",
    default=None,
    metavar="LEVELS",
    help="Heading levels for lines that are only [* x], [** x], [*** x], …, by number of "
    "asterisks, comma-separated (default: 3,2,1).",
)
@click.option(
    "--compat",
    type=click.Choice(COMPAT_MODES),
    default="faithful",
    show_default=True,
    help="reference: the exact format of the reference export pipeline (Obsidian only): "
    "written with its defects fixed, and read from Obsidian input.",
)
def convert_command(
    inputs: tuple[str, ...],
    source: str,
    target: str,
    project: str,
    icons: str | None,
    headings: str | None,
    compat: str,
) -> None:
    """Convert INPUT (a file, or - or nothing for standard input) and print the result.

    What the conversion lost or changed is reported on standard error, one line each.
    """
    if len(inputs) > 1:
        raise click.UsageError("give one input file (or - for standard input)")
    name = inputs[0] if inputs else "-"
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


def _read_input(name: str) -> str:
    try:
        if name == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(name, "rb") as file:
                data = file.read()
    except OSError as error:
        raise InputError(f"{name}: cannot read: {error.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        label = "<stdin>" if name == "-" else name
        raise InputError(
            f"{label}: not UTF-8 text (byte {error.start}: {data[error.start]:#04x})"
        ) from None
