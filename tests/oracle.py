"""The reference parser (@progfay/scrapbox-parser) as a command, for differential tests.

The oracle folder of ../shared/tools/oracle is copied to a cache folder and installed there
with `npm ci` once. Tests that need it skip, saying why, only where Node.js or npm is absent
(or the shared folder is); a failing install is an error, not a skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ORACLE_SOURCE = Path(__file__).resolve().parent.parent.parent / "shared" / "tools" / "oracle"


def oracle_script() -> Path:
    """The installed `sbparse.mjs`, or a skip of the calling test when it cannot be had."""
    if not (ORACLE_SOURCE / "package-lock.json").is_file():
        pytest.skip(f"the reference parser's folder {ORACLE_SOURCE} is absent")
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are needed to run the reference parser")
    lock = (ORACLE_SOURCE / "package-lock.json").read_bytes()
    folder = Path(
        os.environ.get("SCRAPCONV_ORACLE_DIR")
        or Path(tempfile.gettempdir()) / f"scrapconv-oracle-{hashlib.sha256(lock).hexdigest()[:12]}"
    )
    if not (folder / "node_modules" / "@progfay" / "scrapbox-parser").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        for item in ORACLE_SOURCE.iterdir():
            if item.is_file():
                shutil.copy(item, folder / item.name)
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            check=True,
            capture_output=True,
        )
    return folder / "sbparse.mjs"


def reference_parse(texts: list[str], *, has_title: bool = True) -> list[list[dict[str, object]]]:
    """The reference parser's block lists for page texts."""
    command = ["node", str(oracle_script())]
    if not has_title:
        command.append("--no-title")
    result = subprocess.run(
        command, input=json.dumps(texts), capture_output=True, text=True, check=True
    )
    parsed: list[list[dict[str, object]]] = json.loads(result.stdout)
    return parsed
