"""Throughput of the Scrapbox reader and writer on project exports, next to the reference parser.

    python benchmarks/bench_scrapbox.py [EXPORT.json ...] [--reps 5]

Without a file it reads the villagepump export from the shared corpus. For each export it
times full passes of `read_scrapbox` over every page, and of read + `write_scrapbox`, and
prints the median time and MB/s (1 MB = 10^6 bytes of UTF-8 page text, lines joined by "\\n",
as the reference bench counts them). When `node` and `npm` are on the PATH it also runs the
reference parser's bench (shared/tools/oracle/sbparse_bench.mjs) in the same run, between two
rounds of ours, and prints the ratio of the two read throughputs. Last, it times reading a
1 MB line of each of a few pathological units.

Exit status: 0, or 2 (with a one-line message) for a missing or malformed export.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
DEFAULT_EXPORT = SHARED / "corpus" / "scrapbox-villagepump" / "villagepump.json"
ORACLE = SHARED / "tools" / "oracle"
UNITS = ("[", "[[", "`", "#", "[a]")
LABEL_WIDTH = 16

sys.path.insert(0, str(REPO_ROOT / "src"))  # works without the editable install too

from scrapconv.markdown import write_markdown  # noqa: E402
from scrapconv.markdown.options import MarkdownOptions  # noqa: E402
from scrapconv.scrapbox.reader import read_scrapbox  # noqa: E402
from scrapconv.scrapbox.writer import write_scrapbox  # noqa: E402


class ExportError(Exception):
    """A file that is not a readable project export."""


@dataclass(frozen=True, slots=True)
class Export:
    path: Path
    texts: list[str]
    total_bytes: int
    total_lines: int


@dataclass(frozen=True, slots=True)
class Reference:
    """What the reference bench printed, or why it did not run."""

    median_s: float | None = None
    mb_per_s: float | None = None
    blocks: int | None = None
    total_bytes: int | None = None
    skipped: str = ""


# ---------------------------------------------------------------------------------------------
# Loading


def _line_text(line: object, where: str) -> str:
    if isinstance(line, str):
        return line
    if isinstance(line, dict) and isinstance(line.get("text"), str):
        return line["text"]
    raise ExportError(f"{where}: a line is neither a string nor an object with a text")


def load_export(path: Path) -> Export:
    """The page texts of an export, as the reference bench builds them."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ExportError(f"{path}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise ExportError(f"{path}: not JSON: {error}") from None
    pages = (
        data if isinstance(data, list) else data.get("pages") if isinstance(data, dict) else None
    )
    if not isinstance(pages, list):
        raise ExportError(f'{path}: export has no "pages" array')
    texts: list[str] = []
    for number, page in enumerate(pages):
        where = f"{path}: page {number}"
        if not isinstance(page, dict):
            raise ExportError(f"{where} is not an object")
        lines = page.get("lines")
        rows = [_line_text(line, where) for line in lines] if isinstance(lines, list) else []
        if rows:
            texts.append("\n".join(rows))
        else:
            title = page.get("title")
            texts.append(title if isinstance(title, str) else "")
    total_bytes = sum(len(text.encode("utf-8")) for text in texts)
    total_lines = sum(text.count("\n") + 1 for text in texts)
    return Export(path, texts, total_bytes, total_lines)


# ---------------------------------------------------------------------------------------------
# Our passes. Like the reference bench, a pass keeps only a block count (title included).


def read_pass(texts: Sequence[str]) -> int:
    blocks = 0
    for text in texts:
        blocks += len(read_scrapbox(text).blocks) + 1
    return blocks


def read_write_pass(texts: Sequence[str]) -> int:
    size = 0
    for text in texts:
        size += len(write_scrapbox(read_scrapbox(text)))
    return size


def to_obsidian_pass(texts: Sequence[str], project: str) -> int:
    """Scrapbox → Obsidian in memory, as a conversion of the export does it."""
    options = MarkdownOptions(flavor="obsidian", project=project)
    size = 0
    for text in texts:
        size += len(write_markdown(read_scrapbox(text), options)[0])
    return size


def time_runs(run: Callable[[], object], reps: int) -> list[float]:
    times: list[float] = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def _rate(total_bytes: int, times: Sequence[float]) -> float:
    median = statistics.median(times)
    return total_bytes / 1e6 / median if median > 0 else float("inf")


def _rate_line(label: str, total_bytes: int, times: Sequence[float]) -> str:
    rate = _rate(total_bytes, times)
    median = statistics.median(times)
    return f"{label:<{LABEL_WIDTH}}{rate:6.2f} MB/s  (median {median:.3f} s of {len(times)})"


# ---------------------------------------------------------------------------------------------
# The reference bench


def prepare_oracle() -> tuple[Path | None, str]:
    """A copy of the oracle with its node_modules installed, or None and why not."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, found in (("node", node), ("npm", npm)) if not found)
        return None, f"{missing} not found on PATH"
    lock = ORACLE / "package-lock.json"
    if not lock.is_file():
        return None, f"no oracle at {ORACLE}"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / f"scrapconv-oracle-{digest}"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        for source in ORACLE.iterdir():
            if source.is_file():
                shutil.copyfile(source, cache / source.name)
    except OSError as error:
        return None, f"cannot copy the oracle to {cache}: {error}"
    if not (cache / "node_modules").is_dir():
        try:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=cache,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"npm ci failed: {error}"
        if done.returncode != 0:
            shutil.rmtree(cache / "node_modules", ignore_errors=True)
            return None, f"npm ci failed: {_last_line(done.stderr or done.stdout)}"
    return cache, ""


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _field(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text, re.MULTILINE)
    return found[1] if found else None


def run_reference(oracle: Path, export: Path, reps: int) -> Reference:
    try:
        done = subprocess.run(
            ["node", "sbparse_bench.mjs", str(export), "--reps", str(reps)],
            cwd=oracle,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Reference(skipped=f"node sbparse_bench.mjs failed: {error}")
    if done.returncode != 0:
        return Reference(skipped=f"node sbparse_bench.mjs failed: {_last_line(done.stderr)}")
    median = _field(r"^median:\s+([0-9.]+) ms", done.stdout)
    rate = _field(r"^throughput:\s+([0-9.]+|Infinity) MB/s", done.stdout)
    if median is None or rate is None:
        return Reference(skipped="no median:/throughput: line in the reference bench's output")
    blocks = _field(r"^blocks:\s+([0-9]+)", done.stdout)
    total_bytes = _field(r"^text bytes:\s+([0-9]+)", done.stdout)
    return Reference(
        median_s=float(median) / 1000,
        mb_per_s=float(rate),
        blocks=int(blocks) if blocks is not None else None,
        total_bytes=int(total_bytes) if total_bytes is not None else None,
    )


def _node_version() -> str:
    try:
        done = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return done.stdout.strip() or "?"


# ---------------------------------------------------------------------------------------------
# The report


def bench_export(export: Export, reps: int, oracle: Path | None, why_not: str) -> list[str]:
    texts = export.texts
    out = [
        f"file:           {export.path}",
        f"pages:          {len(texts)}",
        f"lines:          {export.total_lines}",
        f"text bytes:     {export.total_bytes} ({export.total_bytes / 1e6:.2f} MB, UTF-8)",
    ]
    # Warm-up: one read + write pass, which also checks the round trip.
    start = time.perf_counter()
    differ = sum(write_scrapbox(read_scrapbox(text)) != text for text in texts)
    warm = time.perf_counter() - start
    blocks = read_pass(texts)
    out.append(f"blocks:         {blocks} (title blocks included, as the reference counts)")
    out.append(f"warm-up:        {warm:.3f} s (read + write)")
    out.append(
        "round trip:     "
        + ("every page byte-identical" if differ == 0 else f"{differ} pages DIFFER")
    )

    def ours() -> tuple[list[float], list[float], list[float]]:
        return (
            time_runs(lambda: read_pass(texts), reps),
            time_runs(lambda: read_write_pass(texts), reps),
            # The project is named after the export file, as in `villagepump.json`.
            time_runs(lambda: to_obsidian_pass(texts, export.path.stem), reps),
        )

    reads, read_writes, conversions = ours()
    reference = Reference(skipped=why_not)
    if oracle is not None:
        reference = run_reference(oracle, export.path, reps)
        more_reads, more_read_writes, more_conversions = ours()
        reads += more_reads
        read_writes += more_read_writes
        conversions += more_conversions
    out.append(_rate_line("read", export.total_bytes, reads))
    out.append(_rate_line("read + write", export.total_bytes, read_writes))
    out.append(_rate_line("to obsidian", export.total_bytes, conversions))
    if reference.skipped:
        out.append(f"reference:      comparison skipped: {reference.skipped}")
        return out
    assert reference.median_s is not None and reference.mb_per_s is not None
    out.append(
        f"{'reference read':<{LABEL_WIDTH}}{reference.mb_per_s:6.2f} MB/s  "
        f"(median {reference.median_s:.3f} s of {reps}, node {_node_version()})"
    )
    ours_rate = _rate(export.total_bytes, reads)
    ratio = ours_rate / reference.mb_per_s if reference.mb_per_s > 0 else float("inf")
    verdict = "at least as fast" if ratio >= 1.0 else "slower"
    out.append(f"{'ratio':<{LABEL_WIDTH}}{ratio:6.2f}  (our read MB/s / reference MB/s; {verdict})")
    conversion_ratio = _rate(export.total_bytes, conversions) / reference.mb_per_s
    out.append(
        f"{'ratio obsidian':<{LABEL_WIDTH}}{conversion_ratio:6.2f}  "
        "(our Scrapbox → Obsidian MB/s / reference parse-only MB/s)"
    )
    if reference.total_bytes is not None and reference.total_bytes != export.total_bytes:
        out.append(f"warning:        the reference counted {reference.total_bytes} bytes")
    if reference.blocks is not None and reference.blocks != blocks:
        out.append(f"note:           the reference counted {reference.blocks} blocks")
    return out


def bench_units(reps: int) -> list[str]:
    out = ["1 MB lines (read_scrapbox, has_title=False):"]
    for unit in UNITS:
        line = unit * (1_000_000 // len(unit))
        read_scrapbox(line, has_title=False)  # warm-up
        times = time_runs(lambda line=line: read_scrapbox(line, has_title=False), reps)
        label = f"  {unit!r} x {len(line) // len(unit)}"
        out.append(
            f"{label:<{LABEL_WIDTH + 8}}{statistics.median(times):.3f} s  (median of {len(times)})"
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench_scrapbox.py",
        description="Time the Scrapbox reader and writer on project exports.",
    )
    parser.add_argument(
        "files", nargs="*", type=Path, help=f"Scrapbox exports (default: {DEFAULT_EXPORT})"
    )
    parser.add_argument("--reps", type=int, default=5, help="timed passes per measure (5)")
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error("--reps must be a positive integer")
    paths: list[Path] = args.files or [DEFAULT_EXPORT]

    try:
        exports = [load_export(path.resolve()) for path in paths]
    except ExportError as error:
        print(f"bench_scrapbox: {error}", file=sys.stderr)
        return 2

    print(f"scrapconv bench: Python {platform.python_version()}, --reps {args.reps}")
    oracle, why_not = prepare_oracle()
    for export in exports:
        print()
        for line in bench_export(export, args.reps, oracle, why_not):
            print(line, flush=True)
    print()
    for line in bench_units(args.reps):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
