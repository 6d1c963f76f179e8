"""`scrapconv sync` and the pre-commit hooks of .pre-commit-hooks.yaml."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import scrapconv
from scrapconv.project import SyncTarget, sync_targets

COMMAND = [sys.executable, "-c", "from scrapconv.cli import main; main()"]
ROOT = Path(__file__).resolve().parents[1]
PAGE = "Page\n[* Heading]\n a [link]"
NOTE = "---\ntitle: Page\n---\n### Heading\n- a [[link]]\n"


def sync(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, "sync", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8"
    )


def test_writes_the_note_beside_the_page(tmp_path: Path) -> None:
    (tmp_path / "page.sb").write_text(PAGE, encoding="utf-8")
    (tmp_path / "other.scrapbox").write_text("Other\n#2019", encoding="utf-8")
    result = sync("page.sb", "other.scrapbox", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == ""
    assert (tmp_path / "page.md").read_text(encoding="utf-8") == NOTE
    assert (tmp_path / "other.md").read_text(encoding="utf-8") == (
        "---\ntitle: Other\n---\n[[2019|#2019]]\n"
    )
    assert result.stderr.splitlines() == [
        "other.scrapbox:2: tag: #2019 is not an Obsidian tag: written as a link",
        "2 files, 2 changed, 1 diagnostic",
    ]


def test_the_note_is_what_convert_prints(tmp_path: Path) -> None:
    text = "T\n [a.icon] [** b]\n  code:x.py\n   y"
    (tmp_path / "t.sb").write_text(text, encoding="utf-8")
    args = ("--to", "markdown", "--project", "p", "--icons", "link", "--headings", "2,1")
    assert sync(*args, "t.sb", cwd=tmp_path).returncode == 0
    printed = subprocess.run(
        [*COMMAND, "convert", "--from", "scrapbox", *args, "t.sb"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
    ).stdout
    assert (tmp_path / "t.md").read_text(encoding="utf-8") == printed
    expected = scrapconv.convert(text, "scrapbox", "markdown", project="p", icons="link")
    assert expected.text.rstrip("\n") in printed


def test_an_unchanged_note_is_not_written(tmp_path: Path) -> None:
    (tmp_path / "page.sb").write_text(PAGE, encoding="utf-8")
    note = tmp_path / "page.md"
    note.write_text(NOTE, encoding="utf-8")
    os.utime(note, (1_000_000, 1_000_000))
    result = sync("page.sb", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == "1 file, 0 changed\n"
    assert note.stat().st_mtime == 1_000_000
    assert sorted(path.name for path in tmp_path.iterdir()) == ["page.md", "page.sb"]


def test_a_replaced_note_keeps_its_permissions(tmp_path: Path) -> None:
    (tmp_path / "page.sb").write_text(PAGE, encoding="utf-8")
    note = tmp_path / "page.md"
    note.write_text("old", encoding="utf-8")
    note.chmod(0o600)
    assert sync("page.sb", cwd=tmp_path).returncode == 0
    assert note.read_text(encoding="utf-8") == NOTE
    assert note.stat().st_mode & 0o777 == 0o600


def test_check_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "page.sb").write_text(PAGE, encoding="utf-8")
    (tmp_path / "new.sb").write_text("New", encoding="utf-8")
    (tmp_path / "page.md").write_text("stale\n", encoding="utf-8")
    result = sync("--check", "page.sb", "new.sb", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "page.md: out of date",
        "new.md: missing",
        "2 files, 2 would change",
    ]
    assert (tmp_path / "page.md").read_text(encoding="utf-8") == "stale\n"
    assert not (tmp_path / "new.md").exists()
    assert sync("page.sb", "new.sb", cwd=tmp_path).returncode == 0
    result = sync("--check", "page.sb", "new.sb", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == "2 files, 0 would change\n"


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "page.sb").write_text(PAGE, encoding="utf-8")
    (tmp_path / "new.sb").write_text("New", encoding="utf-8")
    (tmp_path / "page.md").write_text(NOTE.replace("[[link]]", "[[old]]"), encoding="utf-8")
    result = sync("--diff", "page.sb", "new.sb", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == (
        "--- page.md\n+++ page.md\n@@ -2,4 +2,4 @@\n title: Page\n ---\n ### Heading\n"
        "-- a [[old]]\n+- a [[link]]\n"
        "--- /dev/null\n+++ new.md\n@@ -0,0 +1,3 @@\n+---\n+title: New\n+---\n"
    )
    assert not (tmp_path / "new.md").exists()
    assert "[[old]]" in (tmp_path / "page.md").read_text(encoding="utf-8")
    result = sync("--check", "--diff", "page.sb", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("--- page.md\n")


def test_exit_non_zero_on_change_names_each_note_written(tmp_path: Path) -> None:
    (tmp_path / "page.sb").write_text(PAGE, encoding="utf-8")
    (tmp_path / "my page.sb").write_text("My page", encoding="utf-8")
    first = sync("--exit-non-zero-on-change", "page.sb", "my page.sb", cwd=tmp_path)
    assert first.returncode == 1
    assert first.stderr.splitlines() == [
        "page.md: written",
        "my page.md: written",
        "2 files, 2 changed",
        "Add the notes written and commit again: git add page.md 'my page.md'",
    ]
    assert (tmp_path / "page.md").read_text(encoding="utf-8") == NOTE
    second = sync("--exit-non-zero-on-change", "page.sb", "my page.sb", cwd=tmp_path)
    assert (second.returncode, second.stderr) == (0, "2 files, 0 changed\n")


def test_a_note_named_alone_stands_for_the_page_beside_it(tmp_path: Path) -> None:
    (tmp_path / "page.sb").write_text(PAGE, encoding="utf-8")
    (tmp_path / "README.md").write_text("Not a note of a page\n", encoding="utf-8")
    # A missing note is written from its page; a Markdown file without a page is left alone.
    result = sync("page.md", "README.md", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "1 file, 1 changed\n")
    assert (tmp_path / "page.md").read_text(encoding="utf-8") == NOTE
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "Not a note of a page\n"
    # A page and its note named together are one file.
    result = sync("--check", "page.md", "page.sb", "README.md", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "1 file, 0 would change\n")
    assert sync("README.md", cwd=tmp_path).stderr == "0 files, 0 changed\n"


def test_a_note_edited_by_hand_is_reported_and_kept(tmp_path: Path) -> None:
    (tmp_path / "page.sb").write_text(PAGE, encoding="utf-8")
    edited = NOTE + "- added in the note\n"
    note = tmp_path / "page.md"
    note.write_text(edited, encoding="utf-8")
    kept = (
        "page.md: edited by hand (page.sb gives other text): kept; make the change in page.sb, "
        "or sync page.sb itself to overwrite it"
    )
    for mode, summary in (
        (["--check"], "1 file, 0 would change, 1 kept"),
        (["--exit-non-zero-on-change"], "1 file, 0 changed, 1 kept"),
        ([], "1 file, 0 changed, 1 kept"),
    ):
        result = sync(*mode, "page.md", cwd=tmp_path)
        assert result.returncode == 1, mode
        assert result.stderr.splitlines() == [kept, summary], mode
        assert note.read_text(encoding="utf-8") == edited, mode
    # --diff shows what syncing the page would do to it.
    result = sync("--diff", "page.md", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.endswith(" - a [[link]]\n-- added in the note\n")
    # The page named is the source of truth: its note is overwritten, and named.
    result = sync("--exit-non-zero-on-change", "page.sb", "page.md", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "page.md: written"
    assert note.read_text(encoding="utf-8") == NOTE


def test_no_files_is_nothing_to_do(tmp_path: Path) -> None:
    result = sync(cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "0 files, 0 changed\n")


def test_sync_targets_pair_each_note_with_its_page(tmp_path: Path) -> None:
    for name in ("a.sb", "b.scrapbox", "c.sb", "README.md"):
        (tmp_path / name).write_text("T", encoding="utf-8")
    (tmp_path / "d.sb").mkdir()  # a folder, not a page
    named = [
        tmp_path / name
        for name in ("b.md", "a.sb", "README.md", "a.md", "c.md", "d.md", "b.scrapbox")
    ]
    assert sync_targets(named) == (
        # b's note came first; its page, named later, makes it a page named.
        SyncTarget(tmp_path / "b.scrapbox", page_named=True),
        SyncTarget(tmp_path / "a.sb", page_named=True),
        SyncTarget(tmp_path / "c.sb", page_named=False),
    )
    assert sync_targets([tmp_path / "gone" / "x.md"]) == ()


def test_sync_targets_list_each_folder_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Many notes of one folder cost one listing, not one each: linear in the files named.
    count = 2000
    for number in range(count):
        (tmp_path / f"p{number}.sb").write_text("T", encoding="utf-8")
    listings = []
    scandir = os.scandir

    def counted(path: str | Path) -> object:
        listings.append(path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", counted)
    targets = sync_targets([tmp_path / f"p{number}.md" for number in range(count)])
    assert len(targets) == count
    assert listings == [tmp_path]


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ({}, ["missing.sb"], "missing.sb: cannot read: No such file or directory"),
        (
            {"n.txt": b"x"},
            ["n.txt"],
            "n.txt: not a Scrapbox page or its note: give FILE.sb, FILE.scrapbox or FILE.md",
        ),
        ({"bad.sb": b"T\n\xff"}, ["bad.sb"], "bad.sb: not UTF-8 text (byte 2: 0xff)"),
        ({"dir.sb": None}, ["dir.sb"], "dir.sb: cannot read: Is a directory"),
        (
            {"x.sb": b"X", "x.scrapbox": b"X"},
            ["x.sb", "x.scrapbox"],
            "x.md: the note of both x.sb and x.scrapbox",
        ),
        (
            {"x.sb": b"X", "x.scrapbox": b"X"},
            ["x.md"],
            "x.md: the note of both x.sb and x.scrapbox",
        ),
        ({"f.sb": b"F", "f.md": None}, ["f.sb"], "f.md: cannot read: Is a directory"),
    ],
)  # fmt: skip
def test_errors_exit_2_with_one_line_and_write_nothing(
    tmp_path: Path, files: dict[str, bytes | None], args: list[str], message: str
) -> None:
    (tmp_path / "good.sb").write_text(PAGE, encoding="utf-8")
    for name, data in files.items():
        if data is None:
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_bytes(data)
    before = sorted(path.name for path in tmp_path.iterdir())
    result = sync("good.sb", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"Error: {message}\n"
    assert result.stdout == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_bad_options_exit_2() -> None:
    for args in (("--to", "scrapbox"), ("--headings", "0")):
        result = sync(*args, "page.sb", cwd=ROOT)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr


def test_sync_does_not_import_the_markdown_reader_or_yaml(tmp_path: Path) -> None:
    (tmp_path / "page.sb").write_text(PAGE, encoding="utf-8")
    program = (
        "import sys\nfrom scrapconv.cli import main\n"
        "try:\n    main(['sync', 'page.sb'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('mistune', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.stdout == "[]\n"


# ---------------------------------------------------------------------------------------------
# The hooks, installed by pre-commit from this checkout


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def pre_commit(
    *args: str, cwd: Path, home: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PRE_COMMIT_COLOR": "never", **(home or {})}
    environment.pop("PRE_COMMIT", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
    )


def try_repo(hook: str, repo: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """Run `hook` of this checkout on `files` (page.sb by default) in `repo`. try-repo installs
    the hook (`pip install .` of the checkout, with its tracked and staged changes) in a new
    store each time."""
    names = files or ("page.sb",)
    return pre_commit("try-repo", str(ROOT), hook, "--files", *names, cwd=repo)


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """A git repository of notes holding one committed page, page.sb."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the hooks run in a git repository")
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (it is in the test extra: pip install '.[test]')")
    assert (ROOT / ".git").exists(), f"{ROOT} is not a git checkout: pre-commit needs one"
    git("init", "-q", cwd=tmp_path)
    (tmp_path / "page.sb").write_text(PAGE, encoding="utf-8")
    git("add", "page.sb", cwd=tmp_path)
    git("commit", "-q", "-m", "A page", cwd=tmp_path)
    return tmp_path


def test_the_fixing_hook_writes_names_and_fails_once_then_passes(notes: Path) -> None:
    first = try_repo("scrapconv", notes)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Failed" in first.stdout
    assert "page.md: written\n" in first.stdout
    assert "Add the notes written and commit again: git add page.md\n" in first.stdout
    assert (notes / "page.md").read_text(encoding="utf-8") == NOTE
    second = try_repo("scrapconv", notes)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
    # A tracked note gone stale is rewritten, once.
    git("add", "page.md", cwd=notes)
    git("commit", "-q", "-m", "The note", cwd=notes)
    (notes / "page.sb").write_text(PAGE + "\n more", encoding="utf-8")
    stale = try_repo("scrapconv", notes)
    assert stale.returncode == 1
    assert "page.md: written\n" in stale.stdout
    assert (notes / "page.md").read_text(encoding="utf-8") == NOTE + "- more\n"
    assert try_repo("scrapconv", notes).returncode == 0


def test_the_check_hook_names_each_note_without_writing(notes: Path) -> None:
    missing = try_repo("scrapconv-check", notes)
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert "page.md: missing\n1 file, 1 would change\n" in missing.stdout
    assert not (notes / "page.md").exists()
    (notes / "page.md").write_text("stale\n", encoding="utf-8")
    stale = try_repo("scrapconv-check", notes)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "page.md: out of date\n1 file, 1 would change\n" in stale.stdout
    assert (notes / "page.md").read_text(encoding="utf-8") == "stale\n"
    (notes / "page.md").write_text(NOTE, encoding="utf-8")
    current = try_repo("scrapconv-check", notes)
    assert current.returncode == 0, current.stdout + current.stderr
    assert (notes / "page.md").read_text(encoding="utf-8") == NOTE


def test_both_hooks_report_a_note_edited_by_hand_and_keep_it(notes: Path) -> None:
    (notes / "page.md").write_text(NOTE, encoding="utf-8")
    (notes / "README.md").write_text("A repository of notes\n", encoding="utf-8")
    git("add", "page.md", "README.md", cwd=notes)
    git("commit", "-q", "-m", "The note", cwd=notes)
    edited = NOTE + "- added in the note\n"
    (notes / "page.md").write_text(edited, encoding="utf-8")
    git("add", "page.md", cwd=notes)
    # What pre-commit passes for this commit: the note alone (its page is unchanged), and a
    # Markdown file that is no page's note, which the hooks leave alone.
    for hook in ("scrapconv", "scrapconv-check"):
        result = try_repo(hook, notes, "page.md", "README.md")
        assert result.returncode == 1, result.stdout + result.stderr
        assert "page.md: edited by hand (page.sb gives other text): kept" in result.stdout
        assert (notes / "page.md").read_text(encoding="utf-8") == edited


# ---------------------------------------------------------------------------------------------
# The README's .pre-commit-config.yaml, as a user writes it


def readme_config() -> str:
    """The .pre-commit-config.yaml the README shows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```yaml\n(repos:\n.*?)```", readme, re.DOTALL)
    assert found, "README.md shows no .pre-commit-config.yaml"
    return found.group(1)


def published_copy(folder: Path) -> str:
    """A repository holding this checkout's files as they are (committed or not), as its
    repository would after a push; its URL."""
    git("init", "-q", cwd=folder)
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    git("add", "-A", cwd=folder)
    git("commit", "-q", "-m", "scrapconv", cwd=folder)
    return str(folder)


def test_the_readme_config_works_as_written(
    notes: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = readme_config()
    assert "rev: COMMIT" in config
    url = published_copy(tmp_path_factory.mktemp("scrapconv"))
    # The README's URL is a placeholder for the repository's: this copy stands for it.
    written = re.sub(r"repo: \S+", f"repo: {url}", config, count=1)
    (notes / ".pre-commit-config.yaml").write_text(written, encoding="utf-8")
    home = {"PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("store"))}
    # `pre-commit autoupdate` fills in the rev the README leaves for it: the newest commit, as
    # no release is tagged.
    update = pre_commit("autoupdate", cwd=notes, home=home)
    assert update.returncode == 0, update.stdout + update.stderr
    newest = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=url, capture_output=True, check=True, text=True
    ).stdout.strip()
    assert f"rev: {newest}" in (notes / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    first = pre_commit("run", "--files", "page.sb", cwd=notes, home=home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "page.md: written\n" in first.stdout
    assert "---\ntitle: Page\n---\n" in (notes / "page.md").read_text(encoding="utf-8")
    second = pre_commit("run", "--files", "page.sb", cwd=notes, home=home)
    assert second.returncode == 0, second.stdout + second.stderr
