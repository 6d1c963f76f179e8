"""Whole-project runs under faults: one run at a time in a folder, runs killed or interrupted,
files that are not regular files, and errors a user can cause (exit status 2, no traceback)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import scrapconv
from scrapconv import files
from scrapconv.config import ConfigError, read_settings
from scrapconv.files import LOCK_NAME, FolderLockedError, folder_lock
from scrapconv.manifest import MANIFEST_NAME, ManifestError, read_manifest
from scrapconv.project import (
    Export,
    ExportError,
    ExportPage,
    ImportPage,
    ImportResult,
    KeptFile,
    VaultRun,
    check_vault,
    export_to_vault,
    import_bytes,
    read_export,
    vault_to_import,
)

COMMAND = [sys.executable, "-c", "from scrapconv.cli import main; main()"]
CREATED = 1609936496
LONG_NUMBER = "9" * 5000
# What any one subprocess of these tests may take, at most.
TIMEOUT = 120
PAGES = 800


def big_export(pages: int = PAGES) -> dict[str, object]:
    """An export whose conversion with two jobs takes long enough to be stopped midway."""
    return {
        "name": "big",
        "pages": [
            {
                "title": f"Page {n}",
                "created": CREATED,
                "updated": CREATED + n,
                "lines": [f"Page {n}", f"[Page {(n + 1) % pages}] #tag_{n} [* bold]"]
                + [
                    f" line {k} [link {k}] `code` [https://example.com/{k} site]" for k in range(20)
                ],
            }
            for n in range(pages)
        ],
    }


@pytest.fixture
def export_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(big_export()), encoding="utf-8")
    return path


def start(*args: str) -> subprocess.Popen[bytes]:
    """The command, in a session of its own (its workers too), so that all can be found."""
    return subprocess.Popen(
        [*COMMAND, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*COMMAND, *args], capture_output=True, timeout=TIMEOUT)


def session_processes(session: int) -> list[int]:
    """The live processes (zombies are not) of a session, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        # After the name: state, parent, process group, session.
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(int(entry.name))
    return found


@pytest.fixture
def sessions() -> Iterator[list[int]]:
    """Sessions a test starts; every process left in them is killed at its end."""
    started: list[int] = []
    yield started
    for session in started:
        for pid in session_processes(session):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return False


def notes(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(".md")] if folder.exists() else []


def temporary_files(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.startswith(".scrapconv-")]


linux = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds the processes of a run in /proc (Linux)"
)


# --- one run at a time ------------------------------------------------------------------------


def test_a_run_fails_or_waits_while_another_holds_the_folder(
    tmp_path: Path, export_file: Path, sessions: list[int]
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    args = ("convert", str(export_file), "-o", str(vault), "--to", "obsidian", "--incremental")
    with folder_lock(vault):
        failed = run(*args, "--if-locked", "fail")
        assert failed.returncode == 2
        assert failed.stderr.decode().splitlines() == [
            f"Error: {vault}: another scrapconv run is writing into this folder "
            "(--if-locked wait to wait for it)"
        ]
        assert notes(vault) == []
        waiting = start(*args, "-j", "1")
        sessions.append(waiting.pid)
        assert waiting.stderr is not None
        line = waiting.stderr.readline().decode()
        assert line == (
            f"{vault}: another scrapconv run is writing into this folder: waiting for it to end\n"
        )
        assert waiting.poll() is None
        assert notes(vault) == []
    assert waiting.wait(TIMEOUT) == 0
    assert len(notes(vault)) == PAGES
    # The lock file goes with the run that held the lock last.
    assert sorted(name for name in os.listdir(vault) if name.startswith(".")) == [MANIFEST_NAME]


def test_the_lock_is_the_processs_and_a_thread_may_take_it_again(tmp_path: Path) -> None:
    with folder_lock(tmp_path), folder_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).exists()
        # Another process would wait: the API says so at once when asked not to wait.
        code = (
            "import sys; from pathlib import Path; from scrapconv.files import *\n"
            "try:\n"
            f"    with folder_lock(Path({str(tmp_path)!r}), wait=False): sys.exit(0)\n"
            "except FolderLockedError: sys.exit(3)\n"
        )
        assert subprocess.run([sys.executable, "-c", code], timeout=TIMEOUT).returncode == 3
    assert not (tmp_path / LOCK_NAME).exists()
    with pytest.raises(FolderLockedError), folder_lock(tmp_path):
        raise FolderLockedError("the lock is let go on the way out")
    assert os.listdir(tmp_path) == []


def test_two_runs_at_once_leave_a_manifest_a_third_run_accepts(
    tmp_path: Path, export_file: Path, sessions: list[int]
) -> None:
    vault = tmp_path / "vault"
    args = ("convert", str(export_file), "-o", str(vault), "--to", "obsidian", "--incremental")
    runs = [start(*args, "-j", jobs) for jobs in ("1", "2")]
    sessions.extend(process.pid for process in runs)
    for process in runs:
        _, error = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, error.decode()
        assert b"not written by scrapconv" not in error
    third = run(*args)
    assert third.returncode == 0, third.stderr.decode()
    assert third.stderr.decode().splitlines() == [
        f"{PAGES} pages, 0 files written, {PAGES} unchanged, 0 removed, 0 kept, 0 diagnostics"
    ]


# --- runs killed, runs interrupted -------------------------------------------------------------


@linux
def test_a_killed_run_leaves_no_process_and_the_next_run_no_temporary_file(
    tmp_path: Path, export_file: Path, sessions: list[int]
) -> None:
    vault = tmp_path / "vault"
    args = ("convert", str(export_file), "-o", str(vault), "--to", "obsidian", "-j", "2")
    # Killed as the workers start, as the first notes are written, and halfway.
    points: list[Callable[[], bool]] = [
        lambda: len(session_processes(process.pid)) > 1,  # the run and its worker
        lambda: len(notes(vault)) > 0,
        lambda: len(notes(vault)) > PAGES // 2,
    ]
    for point in points:
        process = start(*args, "--incremental")
        sessions.append(process.pid)
        assert wait_for(point)
        process.kill()
        process.communicate(timeout=TIMEOUT)
        # The workers and multiprocessing's resource tracker end with it.
        assert wait_for(lambda pid=process.pid: session_processes(pid) == [], 10)
    again = run(*args, "--incremental")
    assert again.returncode == 0, again.stderr.decode()
    assert temporary_files(vault) == []
    assert len(notes(vault)) == PAGES


@linux
def test_ctrl_c_exits_130_and_leaves_nothing_half_written(
    tmp_path: Path, export_file: Path, sessions: list[int]
) -> None:
    vault = tmp_path / "vault"
    args = ("convert", str(export_file), "-o", str(vault), "--to", "obsidian", "-j", "2")
    points: list[Callable[[], bool]] = [
        lambda: vault.exists(),
        lambda: len(session_processes(process.pid)) > 1,  # the run and its worker
        lambda: len(notes(vault)) > PAGES // 4,
    ]
    for point in points:
        process = start(*args, "--incremental")
        sessions.append(process.pid)
        assert wait_for(point)
        # As a terminal does: to the whole process group.
        os.killpg(process.pid, signal.SIGINT)
        _, error = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 130
        assert b"Traceback" not in error
        # The run made the folder: it is gone again, with every file the run wrote.
        assert not vault.exists()
        assert wait_for(lambda pid=process.pid: session_processes(pid) == [], 10)


# The command as installed (`[project.scripts]`) and as `python -m scrapconv`.
ENTRIES = {
    "script": [sys.executable, "-c", "from scrapconv.__main__ import main; main()"],
    "module": [sys.executable, "-m", "scrapconv"],
}


@pytest.mark.parametrize("entry", sorted(ENTRIES))
@pytest.mark.parametrize("delay", [0, 0.02, 0.05, 0.1, 0.3, 1.0])
def test_ctrl_c_while_the_command_starts_exits_130_without_a_traceback(
    entry: str, delay: float
) -> None:
    # The command waits for standard input, so that the signal finds it at `delay` whatever
    # it has done by then: Python starting, importing the package, or reading.
    process = subprocess.Popen(
        [*ENTRIES[entry], "convert", "--from", "scrapbox", "--to", "obsidian", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=TIMEOUT)
    # Python's own start-up (site, runpy: its first milliseconds, longer on a loaded machine)
    # may end by the signal itself, which a shell reports as 130 too, or fail with its own
    # traceback (status 1); from the package's first line on, Ctrl-C is exit status 130.
    assert b"/scrapconv/" not in error, error.decode()
    if process.returncode == 1:
        assert error.startswith((b"Traceback", b"Could not import runpy", b"Fatal Python error"))
    else:
        assert process.returncode in (130, -signal.SIGINT)
    if delay >= 1.0:
        assert process.returncode == 130
        assert b"Traceback" not in error, error.decode()


def test_the_next_run_removes_the_temporary_files_of_killed_runs(tmp_path: Path) -> None:
    left = tmp_path / ".scrapconv-0123456789ab.tmp"
    left.write_bytes(b"half a note")
    mine = tmp_path / ".scrapconv-notes.txt"
    mine.write_bytes(b"not a temporary file")
    export_to_vault(Export("p", (ExportPage("T", "T\nx"),)), tmp_path)
    assert sorted(os.listdir(tmp_path)) == [".scrapconv-notes.txt", "T.md"]


# --- files as they are -------------------------------------------------------------------------


def test_a_manifest_or_an_input_that_is_a_fifo_is_an_error_not_a_hang(
    tmp_path: Path, export_file: Path
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    os.mkfifo(vault / MANIFEST_NAME)
    with pytest.raises(ManifestError, match="a FIFO, not a regular file"):
        read_manifest(vault / MANIFEST_NAME)
    result = run("convert", str(export_file), "-o", str(vault), "--to", "obsidian")
    assert result.returncode == 2
    assert result.stderr.decode() == (
        f"Error: {vault / MANIFEST_NAME}: cannot read: a FIFO, not a regular file: remove it "
        "to start over\n"
    )
    fifo = tmp_path / "in.json"
    os.mkfifo(fifo)
    result = run("convert", str(fifo), "-o", str(tmp_path / "v"), "--to", "obsidian")
    assert result.returncode == 2
    assert result.stderr.decode() == f"Error: {fifo}: cannot read: a FIFO, not a regular file\n"
    result = run("convert", "/dev/zero", "--from", "export", "-o", str(vault), "--to", "obsidian")
    assert result.returncode == 2
    assert result.stderr.decode() == "Error: /dev/zero: cannot read: a device, not a regular file\n"


def test_a_vault_s_notes_that_are_no_regular_files_of_it_are_skipped(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / "sub").mkdir(parents=True)
    (vault / "a.md").write_text("# A\n[[b]]\n", encoding="utf-8")
    (tmp_path / "secret.md").write_text("secret\n", encoding="utf-8")
    os.mkfifo(vault / "fifo.md")
    (vault / "zero.md").symlink_to("/dev/zero")
    (vault / "out.md").symlink_to(tmp_path / "secret.md")
    (vault / "sub" / "in.md").symlink_to(vault / "a.md")
    (vault / os.fsdecode(b"\xff.md")).write_text("x\n", encoding="utf-8")
    result = vault_to_import(vault)
    assert result.notes == ("a.md", "sub/in.md")
    assert [(path, str(d)) for path, d in result.diagnostics if d.code == "skipped"] == [
        ("\\xff.md", "line 0: skipped: the name is not UTF-8: not imported"),
        ("fifo.md", "line 0: skipped: a FIFO, not a regular file: not imported"),
        ("out.md", f"line 0: skipped: a symbolic link leading out of {vault}: not imported"),
        ("zero.md", f"line 0: skipped: a symbolic link leading out of {vault}: not imported"),
    ]
    assert "secret" not in json.dumps(result.to_json())
    report = tmp_path / "report.json"
    command = run(
        "convert", str(vault), "-o", str(tmp_path / "i.json"), "--to", "scrapbox",
        "--report", str(report),
    )  # fmt: skip
    assert command.returncode == 0, command.stderr.decode()
    assert f"{vault}/\\xff.md:0: skipped: the name is not UTF-8: not imported" in (
        command.stderr.decode()
    )
    labels = [item["file"] for item in json.loads(report.read_text("utf-8"))["diagnostics"]]
    assert f"{vault}/\\xff.md" in labels


def test_diff_never_shows_what_a_link_out_of_the_folder_points_to(tmp_path: Path) -> None:
    export = tmp_path / "e.json"
    export.write_text(json.dumps({"pages": [{"title": "T", "lines": ["T", "x"]}]}), "utf-8")
    vault = tmp_path / "vault"
    vault.mkdir()
    (tmp_path / "secret.txt").write_text("secret\n", encoding="utf-8")
    (vault / "T.md").symlink_to(tmp_path / "secret.txt")
    for incremental in ((), ("--incremental",)):
        result = run("convert", str(export), "-o", str(vault), "--to", "obsidian", "--diff",
                     *incremental)  # fmt: skip
        assert b"secret" not in result.stdout + result.stderr
    result = run("convert", str(export), "-o", str(vault), "--to", "obsidian", "--diff")
    assert result.stdout.decode().startswith(
        f"--- {vault / 'T.md'} (not read: a symbolic link leading out of {vault})\n"
    )


def test_an_incremental_run_keeps_a_note_it_cannot_read_until_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = Export("p", (ExportPage("A", "A\nx"), ExportPage("B", "B\ny")))
    export_to_vault(export, tmp_path, run=VaultRun(incremental=True))
    (tmp_path / "A.md").unlink()
    os.mkfifo(tmp_path / "A.md")
    changed = Export("p", (ExportPage("A", "A\nz"), ExportPage("B", "B\nz")))
    # (Unreadable whoever runs the tests, root too.)
    read_regular = files.read_regular

    def refuse(path: Path, within: Path | None) -> bytes:
        if path.name == "B.md":
            raise PermissionError(13, "Permission denied", str(path))
        return read_regular(path, within)

    monkeypatch.setattr(files, "read_regular", refuse)
    result = export_to_vault(changed, tmp_path, run=VaultRun(incremental=True))
    assert result.kept == (
        KeptFile("A.md", "unread", "a FIFO, not a regular file"),
        KeptFile("B.md", "unread", "Permission denied"),
    )
    assert check_vault(changed, tmp_path, run=VaultRun(incremental=True)).kept == result.kept
    forced = export_to_vault(changed, tmp_path, run=VaultRun(incremental=True, force=True))
    assert forced.files == ("A.md", "B.md")
    assert (tmp_path / "A.md").read_text(encoding="utf-8").endswith("z\n")


def test_the_command_says_cannot_read_for_a_note_it_cannot_read(
    tmp_path: Path, export_file: Path
) -> None:
    vault = tmp_path / "vault"
    args = ("convert", str(export_file), "-o", str(vault), "--to", "obsidian", "--incremental")
    assert run(*args).returncode == 0
    (vault / "Page 7.md").unlink()
    os.mkfifo(vault / "Page 7.md")
    changed = big_export()
    changed["pages"][7]["lines"].append("new")  # type: ignore[index]
    # Edited, as Scrapbox records an edit: the page's time changes with its text.
    changed["pages"][7]["updated"] += PAGES  # type: ignore[index]
    export_file.write_text(json.dumps(changed), encoding="utf-8")
    result = run(*args)
    assert result.returncode == 1
    assert result.stderr.decode().splitlines()[0] == (
        f"{vault / 'Page 7.md'}: cannot be read (a FIFO, not a regular file): kept "
        "(--force to overwrite)"
    )


def test_a_note_replaced_keeps_its_permissions(tmp_path: Path) -> None:
    pages = (ExportPage("A", "A\nx"), ExportPage("B", "B\nx"))
    export_to_vault(Export("p", pages), tmp_path, run=VaultRun(incremental=True))
    (tmp_path / "A.md").chmod(0o444)
    (tmp_path / "B.md").chmod(0o600)
    for incremental in (False, True):
        pages = (ExportPage("A", f"A\n{incremental}"), ExportPage("B", f"B\n{incremental}"))
        result = export_to_vault(
            Export("p", pages), tmp_path, run=VaultRun(incremental=incremental)
        )
        assert result.files == ("A.md", "B.md")
        assert (tmp_path / "A.md").stat().st_mode & 0o777 == 0o444
        assert (tmp_path / "B.md").stat().st_mode & 0o777 == 0o600


def test_a_page_renamed_in_case_only_moves_its_note(tmp_path: Path) -> None:
    before = Export("p", (ExportPage("FAQ", "FAQ\nq"), ExportPage("x", "x\n[FAQ]")))
    after = Export("p", (ExportPage("faq", "faq\nq"), ExportPage("x", "x\n[faq]")))
    export_to_vault(before, tmp_path, run=VaultRun(incremental=True))
    checked = check_vault(after, tmp_path, run=VaultRun(incremental=True))
    assert [(c.path.name, c.old is None, c.new is None) for c in checked.changes][:2] == [
        ("FAQ.md", False, True),
        ("faq.md", True, False),
    ]
    result = export_to_vault(after, tmp_path, run=VaultRun(incremental=True))
    assert result.kept == ()
    assert sorted(notes(tmp_path)) == ["faq.md", "x.md"]
    manifest = read_manifest(tmp_path / MANIFEST_NAME)
    assert manifest is not None
    assert sorted(manifest.files) == ["faq.md", "x.md"]
    # And back, by a run that is not incremental (the manifest knows the old name).
    export_to_vault(before, tmp_path)
    assert sorted(notes(tmp_path)) == ["FAQ.md", "x.md"]


# --- errors a user can cause: exit 2, never a traceback ----------------------------------------


def test_numbers_too_long_to_read(tmp_path: Path) -> None:
    data = f'{{"pages": [{{"title": "a", "lines": ["a"], "created": {LONG_NUMBER}}}]}}'
    with pytest.raises(ExportError, match="a number too long to read"):
        read_export(data.encode(), "e.json")
    (tmp_path / "e.json").write_text(data, encoding="utf-8")
    result = run("convert", str(tmp_path / "e.json"), "-o", str(tmp_path / "v"), "--to", "obsidian")
    assert result.returncode == 2
    assert result.stderr.decode() == (
        f"Error: {tmp_path / 'e.json'}: not a Scrapbox export: a number too long to read\n"
    )
    manifest = tmp_path / MANIFEST_NAME
    manifest.write_text(f'{{"format": {LONG_NUMBER}}}', encoding="utf-8")
    with pytest.raises(ManifestError, match="not UTF-8 JSON"):
        read_manifest(manifest)
    config = tmp_path / "pyproject.toml"
    config.write_text(f"[tool.scrapconv]\njobs = {LONG_NUMBER}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="a number too long to read"):
        read_settings(config)
    page = tmp_path / "p.sb"
    page.write_text("T\nx", encoding="utf-8")
    result = run("convert", str(page), "--to", "obsidian")
    assert result.returncode == 2
    assert result.stderr.decode() == f"Error: {config}: a number too long to read\n"
    # Front matter is text like any other: the reader keeps what it cannot load, as it is.
    for value in (LONG_NUMBER, "0x" + "f" * 5000, "2001-13-45"):
        converted = scrapconv.convert(f"---\nx: {value}\n---\nbody", "obsidian", "scrapbox")
        assert value in converted.text


def test_lone_surrogates_in_the_python_api() -> None:
    # Text in, text out.
    for source in ("obsidian", "markdown"):
        document = scrapconv.read("---\ntitle: a\ud800\n---\nb\udfff", source)
        assert "\udfff" in scrapconv.write(document, "scrapbox")
    assert "\ud800" in scrapconv.convert("T\n[a\ud800]", "scrapbox", "obsidian").text
    # Files cannot hold them: a clear error before anything is written.
    export = Export("p", (ExportPage("T", "T\nx"), ExportPage("U", "U\ny\ud800")))
    with pytest.raises(ExportError, match=r'page 1 \("U"\): a lone surrogate'):
        export_to_vault(export, Path("never-made"))
    assert not Path("never-made").exists()
    with pytest.raises(ValueError, match='the page "b" holds a lone surrogate'):
        import_bytes(ImportResult(("a.md",), (ImportPage("b", ("b", "\udc80")),), ()))
