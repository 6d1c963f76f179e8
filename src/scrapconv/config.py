"""Settings from the `[tool.scrapconv]` table of a pyproject.toml: defaults for the options of
the `scrapconv` command.

The keys are the long option names as they are on the command line: `project`, `to`, `icons`,
`headings`, `compat`, `jobs`, `import-format`, `asset-url`, `select` and `ignore`. The file
read is the nearest pyproject.toml with such a table, looked for from the inputs' folder up to
the repository's root (a folder holding `.git` or `.hg`) or the file system's root; a
pyproject.toml without the table is passed over. This module checks the values' types; the
command checks them against each option's choices, as it checks the command line.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from .files import read_regular
from .frozen import frozen

CONFIG_FILE = "pyproject.toml"
# The folders a repository's root holds: the search for a configuration ends there.
_REPOSITORY_MARKERS = (".git", ".hg")
_TOML_TYPES = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line naming the file (and the
    key)."""


@frozen
class Settings:
    """The options a configuration sets (None: not set) and the file it was read from (None:
    there is none)."""

    path: Path | None = None
    project: str | None = None
    to: str | None = None
    icons: str | None = None
    headings: str | None = None  # comma-separated, as on the command line: "3,2,1"
    compat: str | None = None
    jobs: int | None = None
    import_format: str | None = None
    asset_url: str | None = None
    # Diagnostic codes, comma-separated, as on the command line: "html,link-alias".
    select: str | None = None
    ignore: str | None = None

    def options(self) -> dict[str, str | int]:
        """The options set, by long option name."""
        values = ((key, getattr(self, _field(key))) for key in SETTINGS)
        return {key: value for key, value in values if value is not None}

    def only(self, options: Mapping[str, object]) -> Settings:
        """The settings of the same file with only `options` (by long option name) set."""
        return Settings(self.path, **{_field(key): value for key, value in options.items()})  # type: ignore[arg-type]


def _field(key: str) -> str:
    """The field of `Settings` that holds the setting `key` (`import-format`: import_format)."""
    return key.replace("-", "_")


SETTINGS = tuple(field.name.replace("_", "-") for field in fields(Settings) if field.name != "path")
# The settings that are lists, which a string of comma-separated items may give too.
_LISTS = ("select", "ignore")


def find_settings(folders: Iterable[Path]) -> Settings:
    """The settings of the nearest pyproject.toml with a `[tool.scrapconv]` table, looked for
    from the folder that holds all of `folders` (the current folder when there are none) up to
    the repository's root; no settings when there is none. Raises ConfigError for a
    pyproject.toml on the way that cannot be read or is not TOML, or settings that are wrong."""
    for folder in _folders_up(folders):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            table = _scrapconv_table(candidate)
            if table is not None:
                return _settings(candidate, table)
    return Settings()


def read_settings(path: Path) -> Settings:
    """The settings of `[tool.scrapconv]` in the TOML file `path` (none when it has no such
    table). Raises ConfigError."""
    return _settings(path, _scrapconv_table(path) or {})


def _folders_up(folders: Iterable[Path]) -> Iterator[Path]:
    starts = {folder.resolve() for folder in folders} or {Path.cwd()}
    try:
        folder = Path(os.path.commonpath(starts))
    except ValueError:  # folders on different drives (Windows) share no folder to look in
        return
    while True:
        yield folder
        if folder.parent == folder or any(
            (folder / marker).exists() for marker in _REPOSITORY_MARKERS
        ):
            return
        folder = folder.parent


def _scrapconv_table(path: Path) -> dict[str, Any] | None:
    """The `[tool.scrapconv]` table of the TOML file `path`, None when it has none."""
    # Imported here: runs that find no pyproject.toml (a pre-commit hook's, often) skip it.
    import tomllib

    try:
        data = tomllib.loads(read_regular(path, None).decode("utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except ValueError:
        # What tomllib lets through: a number of more digits than Python turns into an int.
        raise ConfigError(f"{path}: a number too long to read") from None
    tool = data.get("tool")
    table = tool.get("scrapconv") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.scrapconv: expected a table, got {_toml_type(table)}")
    return table


def _settings(path: Path, table: dict[str, Any]) -> Settings:
    strings: dict[str, str] = {}
    jobs: int | None = None
    for key, value in table.items():
        if key not in SETTINGS:
            raise ConfigError(
                f"{path}: tool.scrapconv.{key}: unknown setting (the settings: "
                f"{', '.join(SETTINGS)})"
            )
        where = f"{path}: tool.scrapconv.{key}"
        if key == "jobs":
            jobs = _int_setting(value, where)
        else:
            strings[_field(key)] = _string_setting(key, value, where)
    return Settings(path, jobs=jobs, **strings)


def _int_setting(value: object, where: str) -> int:
    if type(value) is not int:
        raise ConfigError(f"{where}: expected an integer, got {_toml_type(value)}")
    return value


def _string_setting(key: str, value: object, where: str) -> str:
    """`value` as a string; `headings` also as a list of levels, `select` and `ignore` as a
    list of codes."""
    if key == "headings" and isinstance(value, list):
        if not all(type(level) is int for level in value):
            raise ConfigError(f"{where}: expected heading levels such as [3, 2, 1] or '3,2,1'")
        return ",".join(str(level) for level in value)
    if key in _LISTS and isinstance(value, list):
        if not all(isinstance(code, str) and "," not in code for code in value):
            raise ConfigError(f"{where}: expected codes such as ['html', 'link-alias']")
        return ",".join(value)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {_toml_type(value)}")
    return value


def _toml_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return _TOML_TYPES.get(type(value), f"a {type(value).__name__}")
