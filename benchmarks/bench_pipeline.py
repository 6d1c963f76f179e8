"""End to end, as whole processes: the `scrapconv` command next to the Node pipeline that stands
in for the reference export pipelines (shared/tools/oracle/sbpipeline.mjs), pair by pair.

    python benchmarks/bench_pipeline.py [EXPORT.json] [--pairs 5] [--only P1,P3] [--scratch DIR]

Without a file it reads the villagepump export from the shared corpus. Each measure runs the two
commands of a pair one after the other (scrapconv first in odd pairs, the yardstick first in
even ones), after one untimed warm-up pair, and prints the median of the per-pair ratios
(scrapconv / yardstick: below 1.0 scrapconv is faster) and the median of each side:

    P1  `scrapconv convert EXPORT -o NEWDIR --to obsidian`
        vs `node sbpipeline.mjs EXPORT NEWDIR`
    P2  `scrapconv convert EXPORT -o EMPTYDIR --to obsidian --check --jobs 1` (writes nothing)
        vs `node sbpipeline.mjs EXPORT --memory`
    P3  `scrapconv convert CHANGED -o VAULT --to obsidian --incremental`, where VAULT was made
        from EXPORT with `--incremental` and CHANGED is EXPORT with 3 pages edited (their text
        and `updated`); VAULT is restored between pairs, untimed
        vs `node sbpipeline.mjs EXPORT NEWDIR` (a full run)
    P4  `scrapconv convert --from scrapbox --to obsidian PAGE.sb`, one page of median size
        vs `node sbparse.mjs --text PAGE`
    P5  the peak memory of P1's two commands: the resident memory of the process and of all
        its descendants (its workers) together, polled every 20 ms (Linux only)

Times are the wall-clock time of the whole process, each run started once the file system has
written out what the runs before it (and the removal of their output) left to write (`sync`),
so that no run pays for another's writes. The runs write in a new folder made in the
system's temporary folder, or in `--scratch DIR`: a folder on a file system held in memory
(`/dev/shm` on Linux) takes the disk's own variations out of P1 and P3, which then tell what
each program costs. scrapconv runs as `python -m scrapconv`
when the package has a `__main__`, else as the `scrapconv` script next to the interpreter,
with this checkout's src/ first on PYTHONPATH. The load average is printed before and after.

Exit status: 0, or 2 (with a one-line message) for a missing or malformed export, a missing
node or npm, or a command that fails.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bench_project import _tree_rss_kib
from bench_scrapbox import DEFAULT_EXPORT, REPO_ROOT, ExportError, load_export, prepare_oracle

CHANGED_PAGES = 3
EDIT_LINE = "An edit made after the vault was written."
POLL_SECONDS = 0.02


class BenchError(Exception):
    """A command that failed, or a measure that cannot be taken; the message is one line."""


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Run:
    """One side of a pair: a command, what to do untimed before each run of it, and the exit
    statuses that mean it did its work."""

    command: tuple[str, ...]
    env: Mapping[str, str] | None = None
    statuses: frozenset[int] = frozenset({0})
    prepare: Callable[[], None] = _nothing


@dataclass(frozen=True, slots=True)
class Bench:
    """What every measure needs: the export, its typical page, the two programs and a scratch
    folder."""

    export: Path
    page_text: str
    scrapconv: tuple[str, ...]
    env: Mapping[str, str]
    node: str
    oracle: Path
    scratch: Path


@dataclass(frozen=True, slots=True)
class Result:
    ours: list[float]
    theirs: list[float]
    unit: str
    note: str = ""

    @property
    def ratios(self) -> list[float]:
        return [ours / theirs for ours, theirs in zip(self.ours, self.theirs, strict=True)]


# ---------------------------------------------------------------------------------------------
# Running


def _finish(run: Run, status: int, stderr: IO[bytes]) -> None:
    if status in run.statuses:
        return
    stderr.seek(0)
    lines = stderr.read().decode("utf-8", errors="replace").strip().splitlines()
    last = lines[-1].strip() if lines else "(no output)"
    # P4's page text is an argument: one line, and not all of it.
    shown = " ".join(run.command).replace("\n", " ")
    shown = shown if len(shown) <= 160 else f"{shown[:159]}…"
    raise BenchError(f"`{shown}` exited with status {status}: {last}")


def _prepare(run: Run) -> None:
    """What `run` needs before it starts, then the file system's pending writes written out
    (where the system can be asked), so that the run pays for none of another's."""
    run.prepare()
    sync = getattr(os, "sync", None)
    if sync is not None:
        sync()


def wall_seconds(run: Run) -> float:
    """The wall-clock seconds of one run of the whole process."""
    _prepare(run)
    # Output goes where it costs least and alike for both sides; stderr is kept for a failure.
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        done = subprocess.run(
            run.command, env=run.env, stdout=subprocess.DEVNULL, stderr=stderr, check=False
        )
        elapsed = time.perf_counter() - start
        _finish(run, done.returncode, stderr)
    return elapsed


def peak_megabytes(run: Run) -> float:
    """The peak of the resident memory of the process and its descendants together, in MB."""
    _prepare(run)
    peak = 0
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            run.command, env=run.env, stdout=subprocess.DEVNULL, stderr=stderr
        )
        while process.poll() is None:
            peak = max(peak, _tree_rss_kib(process.pid))
            time.sleep(POLL_SECONDS)
        _finish(run, process.returncode, stderr)
    return peak * 1024 / 1e6


def run_pairs(
    ours: Run, theirs: Run, gauge: Callable[[Run], float], pairs: int
) -> tuple[list[float], list[float]]:
    """`pairs` gauged pairs after one untimed warm-up pair, the side that goes first
    alternating so that neither always runs on the other's warm caches."""
    gauge(ours)
    gauge(theirs)
    mine: list[float] = []
    yardstick: list[float] = []
    for number in range(pairs):
        if number % 2 == 0:
            mine.append(gauge(ours))
            yardstick.append(gauge(theirs))
        else:
            yardstick.append(gauge(theirs))
            mine.append(gauge(ours))
    return mine, yardstick


def _fresh(folder: Path) -> Callable[[], None]:
    """Remove `folder`, so that the next run makes it anew."""
    return lambda: shutil.rmtree(folder, ignore_errors=True)


def _empty(folder: Path) -> Callable[[], None]:
    def make() -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    return make


def _restored(copy: Path, original: Path) -> Callable[[], None]:
    def restore() -> None:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(original, copy)

    return restore


# ---------------------------------------------------------------------------------------------
# The measures


def _convert(bench: Bench, *arguments: str) -> tuple[str, ...]:
    return (*bench.scrapconv, "convert", *arguments)


def _pipeline(bench: Bench, target: str) -> tuple[str, ...]:
    return (bench.node, str(bench.oracle / "sbpipeline.mjs"), str(bench.export), target)


def _vault_runs(bench: Bench) -> tuple[Run, Run]:
    """P1's two commands, each writing a new folder."""
    ours_out, theirs_out = bench.scratch / "p1-scrapconv", bench.scratch / "p1-sbpipeline"
    ours = Run(
        _convert(bench, str(bench.export), "-o", str(ours_out), "--to", "obsidian"),
        env=bench.env,
        prepare=_fresh(ours_out),
    )
    theirs = Run(_pipeline(bench, str(theirs_out)), prepare=_fresh(theirs_out))
    return ours, theirs


def export_to_vault(bench: Bench, pairs: int) -> Result:
    ours, theirs = _vault_runs(bench)
    return Result(*run_pairs(ours, theirs, wall_seconds, pairs), unit="s")


def in_memory(bench: Bench, pairs: int) -> Result:
    empty = bench.scratch / "p2-empty"
    arguments = (str(bench.export), "-o", str(empty), "--to", "obsidian", "--check")
    # --check exits 1 when a file would change: in an empty folder, every note would.
    ours = Run(
        _convert(bench, *arguments, "--jobs", "1"),
        env=bench.env,
        statuses=frozenset({0, 1}),
        prepare=_empty(empty),
    )
    theirs = Run(_pipeline(bench, "--memory"))
    return Result(*run_pairs(ours, theirs, wall_seconds, pairs), unit="s")


def edit_pages(data: object, count: int = CHANGED_PAGES) -> list[str]:
    """Edit the `count` most recently updated pages of an export's JSON in place, as a day's
    work would: one line added to each, and `updated` moved later. Titles stay, so that only
    these pages' notes change. Returns their titles."""
    pages = data.get("pages") if isinstance(data, dict) else data
    if not isinstance(pages, list):
        raise BenchError('the export has no "pages" array')
    candidates = [page for page in pages if isinstance(page, dict)]
    if len(candidates) < count:
        raise BenchError(f"the export has fewer than {count} pages")

    def updated(page: dict[str, object]) -> int:
        value = page.get("updated")
        return value if isinstance(value, int) else 0

    chosen = sorted(candidates, key=updated, reverse=True)[:count]
    latest = max(updated(page) for page in candidates)
    for step, page in enumerate(chosen, start=1):
        lines = page.get("lines")
        if not isinstance(lines, list) or not lines:
            lines = [str(page.get("title", ""))]
        last = lines[-1]
        # Lines are strings in some exports and objects with their own metadata in others.
        added = {**last, "text": EDIT_LINE} if isinstance(last, dict) else EDIT_LINE
        page["lines"] = [*lines, added]
        page["updated"] = latest + 60 * step
    return [str(page.get("title", "")) for page in chosen]


def _notes(vault: Path) -> set[str]:
    return {path.relative_to(vault).as_posix() for path in vault.rglob("*.md")}


def differing_notes(before: Path, after: Path) -> int:
    """How many notes (*.md) differ between two vaults, new and removed ones included."""
    names = _notes(before) | _notes(after)
    _, mismatch, errors = filecmp.cmpfiles(before, after, sorted(names), shallow=False)
    return len(mismatch) + len(errors)


def daily_update(bench: Bench, pairs: int) -> Result:
    folder = bench.scratch / "p3"
    folder.mkdir()
    try:
        data = json.loads(bench.export.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BenchError(f"{bench.export}: cannot read: {error}") from None
    edit_pages(data)
    # Same file name as the export: scrapconv names the project after it.
    changed = folder / "changed" / bench.export.name
    changed.parent.mkdir()
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    del data
    original, vault = folder / "original", folder / "vault"
    made = Run(
        _convert(
            bench, str(bench.export), "-o", str(original), "--to", "obsidian", "--incremental"
        ),
        env=bench.env,
    )
    wall_seconds(made)
    ours = Run(
        _convert(bench, str(changed), "-o", str(vault), "--to", "obsidian", "--incremental"),
        env=bench.env,
        prepare=_restored(vault, original),
    )
    theirs_out = folder / "sbpipeline"
    theirs = Run(_pipeline(bench, str(theirs_out)), prepare=_fresh(theirs_out))
    result = run_pairs(ours, theirs, wall_seconds, pairs)
    # The last run's vault is still there: it must differ from the original in the edited
    # pages' notes only, or the measure is not the one described.
    return Result(*result, unit="s", note=f"{differing_notes(original, vault)} notes changed")


def one_page(bench: Bench, pairs: int) -> Result:
    page = bench.scratch / "page.sb"
    page.write_text(bench.page_text, encoding="utf-8")
    ours = Run(_convert(bench, "--from", "scrapbox", "--to", "obsidian", str(page)), env=bench.env)
    theirs = Run((bench.node, str(bench.oracle / "sbparse.mjs"), "--text", bench.page_text))
    size = len(bench.page_text.encode("utf-8"))
    return Result(*run_pairs(ours, theirs, wall_seconds, pairs), unit="s", note=f"{size} B page")


def peak_memory(bench: Bench, pairs: int) -> Result:
    if not Path("/proc/self/status").is_file():
        raise BenchError("P5 needs /proc (Linux) to see the process tree")
    ours, theirs = _vault_runs(bench)
    return Result(*run_pairs(ours, theirs, peak_megabytes, pairs), unit="MB")


MEASURES: dict[str, tuple[str, Callable[[Bench, int], Result]]] = {
    "P1": ("export → vault", export_to_vault),
    "P2": ("in memory, 1 job", in_memory),
    "P3": ("daily update", daily_update),
    "P4": ("one page", one_page),
    "P5": ("peak memory", peak_memory),
}


# ---------------------------------------------------------------------------------------------
# Setting up


def typical_page(texts: Sequence[str]) -> str:
    """The page of median size (UTF-8 bytes), the earlier one of a tie."""
    if not texts:
        raise BenchError("the export has no pages")
    ranked = sorted(range(len(texts)), key=lambda index: (len(texts[index].encode()), index))
    return texts[ranked[(len(ranked) - 1) // 2]]


def child_environment() -> dict[str, str]:
    """This environment with this checkout's src/ first on PYTHONPATH, and byte code cached
    as in an installation (the warm-up pair writes it): a run that compiles every module
    measures the compiler, not scrapconv."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    paths = [str(REPO_ROOT / "src"), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def scrapconv_command(env: Mapping[str, str]) -> tuple[tuple[str, ...], str]:
    """The command that runs scrapconv, and the version it prints."""
    candidates: list[tuple[str, ...]] = []
    if importlib.util.find_spec("scrapconv.__main__") is not None:
        candidates.append((sys.executable, "-m", "scrapconv"))
    script = Path(sys.executable).with_name("scrapconv.exe" if os.name == "nt" else "scrapconv")
    if script.is_file():
        candidates.append((str(script),))
    for command in candidates:
        try:
            done = subprocess.run(
                [*command, "--version"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0 and "scrapconv" in done.stdout:
            return command, done.stdout.strip()
    raise BenchError(
        f"no working scrapconv command (tried `python -m scrapconv` and {script} --version)"
    )


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _only(value: str) -> list[str]:
    names = [name.strip().upper() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in MEASURES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown measure {', '.join(unknown) or repr(value)} (choose from "
            f"{', '.join(MEASURES)})"
        )
    return list(dict.fromkeys(names))


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {value!r}")
    return number


def _folder(value: str) -> Path:
    folder = Path(value)
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {value!r}")
    return folder


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench_pipeline.py",
        description="Time scrapconv's command end to end, pair by pair next to the Node "
        "pipeline sbpipeline.mjs; the ratio is scrapconv / yardstick (below 1.0: faster).",
    )
    parser.add_argument(
        "file", nargs="?", type=Path, default=DEFAULT_EXPORT, help="a Scrapbox export"
    )
    parser.add_argument("--pairs", type=_positive, default=5, help="gauged pairs per measure (5)")
    parser.add_argument(
        "--only",
        type=_only,
        default=list(MEASURES),
        metavar="P1,P3",
        help=f"the measures to take, of {', '.join(MEASURES)} (all)",
    )
    parser.add_argument(
        "--scratch",
        type=_folder,
        default=None,
        metavar="DIR",
        help="where the runs write, in a new folder (the system's temporary folder)",
    )
    return parser.parse_args(argv)


def format_result(name: str, label: str, result: Result) -> str:
    ratios = result.ratios
    spread = f"{min(ratios):.2f}–{max(ratios):.2f}"
    note = f"; {result.note}" if result.note else ""
    digits = 3 if result.unit == "s" else 1
    ours = f"{statistics.median(result.ours):.{digits}f} {result.unit}"
    theirs = f"{statistics.median(result.theirs):.{digits}f} {result.unit}"
    return (
        f"{name} {label:<17}{statistics.median(ratios):6.2f}×  scrapconv {ours:>9}  "
        f"yardstick {theirs:>9}  (pairs {spread}{note})"
    )


def take_measures(args: argparse.Namespace) -> None:
    export = args.file.resolve()
    try:
        loaded = load_export(export)
    except ExportError as error:
        raise BenchError(str(error)) from None
    page_text = typical_page(loaded.texts)
    oracle, why_not = prepare_oracle()
    node = shutil.which("node")
    if oracle is None or node is None:
        raise BenchError(why_not or "node not found on PATH")
    env = child_environment()
    command, version = scrapconv_command(env)
    node_version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"{version} ({' '.join(command)}), Python {platform.python_version()}, node "
        f"{node_version}, {os.cpu_count()} CPUs, load {_load()} before, {args.pairs} pairs\n"
        f"{export}: {len(loaded.texts)} pages, {loaded.total_bytes / 1e6:.2f} MB of page text",
        flush=True,
    )
    del loaded
    with tempfile.TemporaryDirectory(
        prefix="scrapconv-bench-pipeline-", dir=args.scratch
    ) as scratch:
        print(f"writing in {scratch}", flush=True)
        bench = Bench(export, page_text, command, env, node, oracle, Path(scratch))
        for name in args.only:
            label, measure = MEASURES[name]
            try:
                result = measure(bench, args.pairs)
            except BenchError as error:
                raise BenchError(f"{name}: {error}") from None
            print(format_result(name, label, result), flush=True)
    print(f"load {_load()} after", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    try:
        take_measures(args)
    except BenchError as error:
        print(f"bench_pipeline: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
