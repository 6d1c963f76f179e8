"""Throughput of a whole export → vault on disk, with 1 job and with every CPU, next to the
reference parser's parse-only throughput.

    python benchmarks/bench_project.py [EXPORT.json] [--reps 3] [--jobs N]

Without a file it reads the villagepump export from the shared corpus. A run is what
`scrapconv convert EXPORT.json -o VAULT/` does: read and check the export (`read_export`), then
write every note into a new temporary folder (`export_to_vault`); the folder is removed after
each run, untimed. It prints the median time and MB/s of `--reps` runs with `--jobs 1` and with
`--jobs N` (default: every CPU), where 1 MB = 10^6 bytes of UTF-8 page text, counted as the
reference bench counts them (see bench_scrapbox.py). When `node` and `npm` are on the PATH, the
reference parser's bench runs in the same run, after ours, and the ratios of our MB/s to its
parse-only MB/s are printed. Last, the peak memory (maximum resident set size) of this process
and of its children (ru_maxrss; taken before the reference's node process runs), and the
largest worker's own peak (VmHWM, polled; Linux only); then the memory of the command itself,
`scrapconv convert EXPORT.json -o VAULT/ --to obsidian --jobs N`, run once in a process of its
own for each number of jobs: its own peak (ru_maxrss) and the peak of the resident memory of
it and its workers together (summed over the process tree, polled every 20 ms; Linux only).

Exit status: 0, or 2 (with a one-line message) for a missing or malformed export.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench_scrapbox import (
    DEFAULT_EXPORT,
    LABEL_WIDTH,
    ExportError,
    Reference,
    load_export,
    prepare_oracle,
    run_reference,
)

from scrapconv.project import ExportError as ProjectExportError
from scrapconv.project import VaultRun, default_jobs, export_to_vault, read_export


def convert_run(data: bytes, name: str, jobs: int) -> tuple[float, int]:
    """One timed export → vault into a new temporary folder: the seconds and the files."""
    folder = Path(tempfile.mkdtemp(prefix="scrapconv-bench-vault-"))
    try:
        start = time.perf_counter()
        export = read_export(data, name)
        result = export_to_vault(export, folder / "vault", run=VaultRun(jobs))
        elapsed = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return elapsed, len(result.files)


class WorkerPeak:
    """The largest peak resident set size (VmHWM, Linux) of any worker process seen while
    running, polled every 20 ms. On Linux a spawned child's ru_maxrss counts the parent's
    memory at the fork before its exec; VmHWM is the worker's own."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> WorkerPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.wait(0.02):
            for child in multiprocessing.active_children():
                try:
                    status = Path(f"/proc/{child.pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))


def _tree_rss_kib(root: int) -> int:
    """The resident memory (VmRSS) of process `root` and all its descendants, in KiB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        parents[pid] = int(fields.get("PPid", "0"))
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree = {root}
    grown = True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return sum(rss.get(pid, 0) for pid in tree)


def command_memory(path: Path, jobs: int) -> tuple[float, float]:
    """The command's own peak memory and the peak of it and its workers together, in MB."""
    folder = Path(tempfile.mkdtemp(prefix="scrapconv-bench-vault-"))
    command = [sys.executable, "-c", "from scrapconv.cli import main; main()", "convert"]
    arguments = [str(path), "-o", str(folder / "vault"), "--to", "obsidian", "--jobs", str(jobs)]
    tree_peak = 0
    done = threading.Event()

    def poll(pid: int) -> None:
        nonlocal tree_peak
        while not done.wait(0.02):
            tree_peak = max(tree_peak, _tree_rss_kib(pid))

    try:
        process = subprocess.Popen(
            [*command, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        poller = threading.Thread(target=poll, args=(process.pid,), daemon=True)
        poller.start()
        # wait4, not Popen.wait: it gives the process's own resource usage.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        poller.join()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if process.returncode != 0:
        raise ExportError(f"scrapconv convert exited with status {process.returncode}")
    return usage.ru_maxrss * 1024 / 1e6, tree_peak * 1024 / 1e6


def _peak_mb(who: int) -> float:
    """The peak resident set size in MB (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def _rate(total_bytes: int, times: Sequence[float]) -> float:
    median = statistics.median(times)
    return total_bytes / 1e6 / median if median > 0 else float("inf")


def bench(path: Path, reps: int, jobs: int) -> list[str]:
    try:
        counted = load_export(path)
        data = path.read_bytes()
    except (ExportError, OSError) as error:
        raise ExportError(str(error)) from None
    total = counted.total_bytes
    out = [
        f"file:           {path}",
        f"pages:          {len(counted.texts)}",
        f"text bytes:     {total} ({total / 1e6:.2f} MB, UTF-8)",
        f"export bytes:   {len(data)} ({len(data) / 1e6:.2f} MB of JSON)",
    ]
    rates: dict[int, float] = {}
    memory: dict[int, tuple[float, float, float]] = {}
    for count in dict.fromkeys((1, jobs)):
        convert_run(data, path.name, count)  # warm-up (and the workers' first start)
        with WorkerPeak() as workers:
            runs = [convert_run(data, path.name, count) for _ in range(reps)]
        times = [elapsed for elapsed, _ in runs]
        rates[count] = _rate(total, times)
        memory[count] = (
            _peak_mb(resource.RUSAGE_SELF),
            _peak_mb(resource.RUSAGE_CHILDREN),
            workers.peak_kib * 1024 / 1e6,
        )
        label = f"vault, {count} job{'s' if count > 1 else ''}"
        median = statistics.median(times)
        shown = ", ".join(f"{elapsed:.2f}" for elapsed in times)
        out.append(
            f"{label:<{LABEL_WIDTH}}{rates[count]:6.2f} MB/s  (median {median:.3f} s of {reps}; "
            f"{runs[0][1]} files; runs: {shown} s)"
        )
    if jobs in rates and 1 in rates and jobs != 1:
        out.append(f"{'speed-up':<{LABEL_WIDTH}}{rates[jobs] / rates[1]:6.2f}  ({jobs} jobs / 1)")
    for count, (own, child, worker) in memory.items():
        out.append(
            f"{'peak memory':<{LABEL_WIDTH}}{own:6.1f} MB this process, {child:.1f} MB children's "
            f"ru_maxrss, {worker:.1f} MB largest worker VmHWM (after the {count}-job runs)"
        )

    if sys.platform == "linux":
        for count in dict.fromkeys((1, jobs)):
            own, together = command_memory(path, count)
            out.append(
                f"{'command memory':<{LABEL_WIDTH}}{own:6.1f} MB its own peak, {together:.1f} MB "
                f"with its workers at most ({count} job{'s' if count > 1 else ''})"
            )

    oracle, why_not = prepare_oracle()
    reference = Reference(skipped=why_not)
    if oracle is not None:
        reference = run_reference(oracle, path, reps)
    if reference.skipped or reference.mb_per_s is None or reference.median_s is None:
        out.append(f"reference:      comparison skipped: {reference.skipped}")
        return out
    out.append(
        f"{'reference parse':<{LABEL_WIDTH}}{reference.mb_per_s:6.2f} MB/s  "
        f"(median {reference.median_s:.3f} s of {reps}, parse only, in memory)"
    )
    for count, rate in rates.items():
        ratio = rate / reference.mb_per_s if reference.mb_per_s > 0 else float("inf")
        label = f"ratio, {count} job{'s' if count > 1 else ''}"
        out.append(f"{label:<{LABEL_WIDTH}}{ratio:6.2f}  (our vault MB/s / reference parse MB/s)")
    if reference.total_bytes is not None and reference.total_bytes != total:
        out.append(f"warning:        the reference counted {reference.total_bytes} bytes")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench_project.py",
        description="Time a whole export → vault on disk, with 1 job and with every CPU.",
    )
    parser.add_argument(
        "file", nargs="?", type=Path, default=DEFAULT_EXPORT, help="a Scrapbox export"
    )
    parser.add_argument("--reps", type=int, default=3, help="timed runs per measure (3)")
    parser.add_argument(
        "--jobs", type=int, default=default_jobs(), help="jobs of the parallel runs (every CPU)"
    )
    args = parser.parse_args(argv)
    if args.reps < 1 or args.jobs < 1:
        parser.error("--reps and --jobs must be positive integers")
    print(
        f"scrapconv project bench: Python {platform.python_version()}, {default_jobs()} CPUs, "
        f"--reps {args.reps}"
    )
    try:
        lines = bench(args.file.resolve(), args.reps, args.jobs)
    except (ExportError, ProjectExportError) as error:
        print(f"bench_project: {error}", file=sys.stderr)
        return 2
    for line in lines:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
