"""Whole projects: a Scrapbox (Cosense) export ⇄ a folder of Markdown notes (a vault), and notes
kept beside Scrapbox-notation pages. One module per job:

* `export`: the formats, an export read and checked (`read_export`), an import written
  (`import_bytes`);
* `pages`: one page as one note (`convert_page`), many pages here or in workers;
* `workers`: the worker pool, which knows nothing of pages;
* `incremental`: what an incremental run converts, writes, removes and keeps;
* `vault`: an export written into a folder (`export_to_vault`) or compared with it
  (`check_vault`);
* `vault_import`: a vault read into a Cosense import (`vault_to_import`, `write_import`);
* `sync`: the note beside one page (`sync_page`), and the pages of the files named
  (`sync_targets`).

Files are written whole or not at all, by `scrapconv.files`. This package re-exports the public
names of its modules.
"""

from __future__ import annotations

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
from .incremental import FullRun, KeepReason, KeptFile
from .pages import PageOptions, VaultNote, convert_page, vault_notes
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
from .vault import VaultCheck, VaultResult, VaultRun, check_vault, export_to_vault
from .vault_import import VaultError, vault_to_import, write_import
from .workers import default_jobs

__all__ = [
    "SCRAPBOX_EXTENSIONS",
    "Export",
    "ExportError",
    "ExportPage",
    "FileChange",
    "FullRun",
    "ImportPage",
    "ImportResult",
    "KeepReason",
    "KeptFile",
    "PageOptions",
    "PageSync",
    "SyncError",
    "SyncOptions",
    "SyncTarget",
    "VaultCheck",
    "VaultError",
    "VaultNote",
    "VaultResult",
    "VaultRun",
    "check_vault",
    "compare_file",
    "convert_page",
    "default_jobs",
    "export_to_vault",
    "import_bytes",
    "iso_time",
    "note_path",
    "read_export",
    "sync_page",
    "sync_targets",
    "vault_notes",
    "vault_to_import",
    "write_change",
    "write_import",
]
