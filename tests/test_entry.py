"""How the `scrapconv` command's process ends (`scrapconv.__main__`): without collecting what
it made, and otherwise as any Python program ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import scrapconv

# What any one subprocess of these tests may take, at most.
TIMEOUT = 60

# An object in a reference cycle, with automatic collection off: only the interpreter's last
# collections, as the process ends, find it, and its finalizer says so.
CYCLE = """\
import gc, os, sys
gc.disable()
class Cycle:
    def __init__(self):
        self.me = self
    def __del__(self):
        os.write(2, b"collected at exit")
Cycle()
"""
COMMAND = "from scrapconv.__main__ import main\nmain()\n"


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, timeout=TIMEOUT, check=False
    )


@pytest.mark.parametrize("ending", ["command", "plain exit"])
def test_the_command_ends_without_collecting_what_it_made(ending: str) -> None:
    # A program that ends otherwise collects the cycle at its end: the check can fail.
    end = COMMAND if ending == "command" else "sys.exit(0)\n"
    result = run_python(CYCLE + end, "--version")
    assert result.returncode == 0, result.stderr.decode()
    assert (b"collected at exit" in result.stderr) is (ending == "plain exit")


def test_the_command_ends_with_its_output_whole_and_the_exit_handlers_run(
    tmp_path: Path,
) -> None:
    # Enough output to fill a pipe several times over, all of it written before the end.
    text = "Page\n" + "".join(f" line {n} [link {n}] #tag{n} `code`\n" for n in range(8000))
    page = tmp_path / "page.sb"
    page.write_text(text, encoding="utf-8")
    handler = "import atexit, os\natexit.register(os.write, 2, b'handler ran')\n"
    args = ("convert", "--from", "scrapbox", "--to", "obsidian")

    result = run_python(handler + COMMAND, *args, str(page))
    assert result.returncode == 0, result.stderr.decode()
    expected = scrapconv.convert(text, source="scrapbox", target="obsidian").text
    assert result.stdout.decode("utf-8") == expected
    assert result.stderr.decode().splitlines()[-1] == "handler ran"

    # An error keeps its exit status and its message.
    result = run_python(handler + COMMAND, *args, str(tmp_path / "absent.sb"))
    assert result.returncode == 2
    message, ran = result.stderr.decode().splitlines()
    assert message.startswith("Error: ") and "absent.sb" in message
    assert ran == "handler ran"
    assert result.stdout == b""
