"""Whole projects: a Scrapbox (Cosense) export ⇄ a folder of Markdown notes (a vault), and notes
kept beside Scrapbox-notation pages. One module per job:

* `export`: the formats, an export read and checked (`read_export`), an import written
  (`import_bytes`);
* `export_scan`: an export checked alike, each page's text decoded when first read
  (`scan_export`), for incremental runs;
* `pages`: one page as one note (`convert_page`), many pages here or in workers;
* `workers`: the worker pool, which knows nothing of pages;
* `incremental`: what an incremental run converts, writes, removes and keeps;
* `vault`: an export written into a folder (`export_to_vault`) or compared with it
  (`check_vault`), read as such a run needs it (`export_reader`);
* `vault_import`: a vault read into a Cosense import (`vault_to_import`, `write_import`);
* `vault_project`: the project of a vault that does not say it (`told_project`);
* `note_index`: which file of a vault a link names, by Obsidian's rules;
* `vault_flavor`: a vault written again in the other Markdown flavor (`flavor_folder`,
  `write_flavor`);
* `sb_folder`: an export as a folder of `.sb` pages (`export_to_pages`), and such a folder
  read back (`read_pages_folder`);
* `sync`: the note beside one page (`sync_page`), and the pages of the files named
  (`sync_targets`).

Files are written whole or not at all, by `scrapconv.files`. This package re-exports the public
names of its modules, each module imported when a name of it is first used.
"""

from __future__ import annotations

import importlib

# Not `typing.TYPE_CHECKING`: this package need not import `typing`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..files import FileChange, compare_file, write_change
    from .export import (
        Export,
        ExportError,
        ExportPage,
        ImportPage,
        ImportResult,
        import_bytes,
        iso_time,
        read_export,
    )
    from .export_scan import scan_export
    from .incremental import FullRun, KeepReason, KeptFile
    from .pages import PageOptions, VaultNote, convert_page, vault_notes
    from .sb_folder import (
        PagesFolder,
        PagesFolderError,
        PagesResult,
        check_pages,
        export_import,
        export_to_pages,
        is_pages_folder,
        pages_import,
        read_pages_folder,
    )
    from .sync import (
        SCRAPBOX_EXTENSIONS,
        PageSync,
        SyncError,
        SyncOptions,
        SyncTarget,
        note_path,
        sync_page,
        sync_targets,
    )
    from .vault import (
        VaultCheck,
        VaultResult,
        VaultRun,
        check_vault,
        export_reader,
        export_to_vault,
    )
    from .vault_flavor import FlavorError, FlavorFolder, check_flavor, flavor_folder, write_flavor
    from .vault_import import VaultError, vault_to_import, write_import
    from .vault_project import UnknownProjectError, told_project
    from .workers import default_jobs

# Where each name comes from: a module is imported when a name of it is first used, so that
# a command imports only the jobs it runs (an export into a vault reads no vault, writes no
# import and syncs no page).
_MODULES = {
    "..files": (
        "FileChange",
        "compare_file",
        "write_change",
    ),
    ".export": (
        "Export",
        "ExportError",
        "ExportPage",
        "ImportPage",
        "ImportResult",
        "import_bytes",
        "iso_time",
        "read_export",
    ),
    ".export_scan": ("scan_export",),
    ".incremental": (
        "FullRun",
        "KeepReason",
        "KeptFile",
    ),
    ".pages": (
        "PageOptions",
        "VaultNote",
        "convert_page",
        "vault_notes",
    ),
    ".sb_folder": (
        "PagesFolder",
        "PagesFolderError",
        "PagesResult",
        "check_pages",
        "export_import",
        "export_to_pages",
        "is_pages_folder",
        "pages_import",
        "read_pages_folder",
    ),
    ".sync": (
        "SCRAPBOX_EXTENSIONS",
        "PageSync",
        "SyncError",
        "SyncOptions",
        "SyncTarget",
        "note_path",
        "sync_page",
        "sync_targets",
    ),
    ".vault": (
        "VaultCheck",
        "VaultResult",
        "VaultRun",
        "check_vault",
        "export_reader",
        "export_to_vault",
    ),
    ".vault_flavor": (
        "FlavorError",
        "FlavorFolder",
        "check_flavor",
        "flavor_folder",
        "write_flavor",
    ),
    ".vault_import": (
        "VaultError",
        "vault_to_import",
        "write_import",
    ),
    ".vault_project": (
        "UnknownProjectError",
        "told_project",
    ),
    ".workers": ("default_jobs",),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "SCRAPBOX_EXTENSIONS",
    "Export",
    "ExportError",
    "ExportPage",
    "FileChange",
    "FlavorError",
    "FlavorFolder",
    "FullRun",
    "ImportPage",
    "ImportResult",
    "KeepReason",
    "KeptFile",
    "PageOptions",
    "PageSync",
    "PagesFolder",
    "PagesFolderError",
    "PagesResult",
    "SyncError",
    "SyncOptions",
    "SyncTarget",
    "UnknownProjectError",
    "VaultCheck",
    "VaultError",
    "VaultNote",
    "VaultResult",
    "VaultRun",
    "check_flavor",
    "check_pages",
    "check_vault",
    "compare_file",
    "convert_page",
    "default_jobs",
    "export_import",
    "export_reader",
    "export_to_pages",
    "export_to_vault",
    "flavor_folder",
    "import_bytes",
    "is_pages_folder",
    "iso_time",
    "note_path",
    "pages_import",
    "read_export",
    "read_pages_folder",
    "scan_export",
    "sync_page",
    "sync_targets",
    "told_project",
    "vault_notes",
    "vault_to_import",
    "write_change",
    "write_flavor",
    "write_import",
]
