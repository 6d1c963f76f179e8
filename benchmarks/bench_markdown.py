"""Throughput of Markdown → Scrapbox on the Markdown corpus, next to mistune building its AST.

    python benchmarks/bench_markdown.py [--reps 5] [--files GLOB ...] [--profile]
                                        [--no-pathological] [--corpus DIR]

It reads every Markdown file of the shared corpus (obsidian-help-en/en, obsidian-kepano-vault/
vault, external-brain-md-sample/{en,ja}; `--files` keeps only the files that match one of the
globs, relative to the corpus directory) and times three full passes over them:

- mistune: `create_markdown(renderer=None, plugins=[...])` on each text, which builds
  mistune's token list (its AST) and renders nothing. The parser object is made once, outside
  the timing, as a caller that converts many files would do.
- read: `read_markdown(text, "obsidian")` on each text, our Markdown → Document.
- read + write: the same, its front matter made lines (`with_properties`) and the forms of a
  Scrapbox page made (`scrapbox_form`: callouts read again, footnotes, …), followed by
  `write_scrapbox`: the whole Markdown → Scrapbox conversion.

The machine may be shared, so the passes are interleaved (mistune, read, read + write, mistune,
…) and each measure is the median of `--reps` passes; MB/s counts 1 MB = 10^6 bytes of the
texts in UTF-8. The ratio is our read + write time over mistune's time, against the target of at
most 1.3; it is given both as the ratio of the medians and as the median of the per-round ratios
(each round's passes ran close together, so they saw about the same load).

Then, unless `--no-pathological`, it times one pass of read_markdown and of mistune on a 1 MB
line made of one unit repeated (the units that open or close inline spans, where a careless
scanner goes quadratic), prefixed with "a " so that the line is a paragraph, not a block marker.
With `--profile` it last prints the 25 functions with the largest cumulative time in one
cProfile'd pass of read_markdown over the files.

Exit status: 0, or 2 (with a one-line message) when the corpus or a selected file is missing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import statistics
import sys
import sysconfig
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import mistune

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
# The Markdown parts of the corpus; the other directories hold Scrapbox exports.
MARKDOWN_GLOBS = (
    "obsidian-help-en/en/**/*.md",
    "obsidian-kepano-vault/vault/**/*.md",
    "external-brain-md-sample/en/**/*.md",
    "external-brain-md-sample/ja/**/*.md",
)
MISTUNE_PLUGINS = ["strikethrough", "mark", "math", "footnotes", "table"]
TARGET_RATIO = 1.3
LINE_BYTES = 1_000_000
UNITS = ("[[", "*", "_", "`", "<", "[", "](<", "__a", "$", "==", "~~")
PROFILE_TOP = 25
LABEL_WIDTH = 16

sys.path.insert(0, str(REPO_ROOT / "src"))  # works without the editable install too

from scrapconv.markdown.properties import with_properties  # noqa: E402
from scrapconv.markdown.reader import read_markdown  # noqa: E402
from scrapconv.markdown.scrapbox_form import scrapbox_form  # noqa: E402
from scrapconv.scrapbox.writer import write_scrapbox  # noqa: E402

MistuneParser = Callable[[str], object]


class CorpusError(Exception):
    """A corpus directory or file selection that cannot be benchmarked."""


@dataclass(frozen=True, slots=True)
class Corpus:
    root: Path
    paths: list[Path]
    texts: list[str]
    total_bytes: int
    total_lines: int


# ---------------------------------------------------------------------------------------------
# Loading


def find_markdown_files(root: Path, globs: Sequence[str]) -> list[Path]:
    """The corpus's Markdown files, restricted to those that match one of `globs` if any."""
    if not root.is_dir():
        raise CorpusError(f"{root}: no such corpus directory")
    files = {path for pattern in MARKDOWN_GLOBS for path in root.glob(pattern) if path.is_file()}
    if not files:
        raise CorpusError(f"{root}: no Markdown file under {', '.join(MARKDOWN_GLOBS)}")
    if globs:
        chosen = {path for pattern in globs for path in root.glob(pattern)}
        files &= chosen
        if not files:
            raise CorpusError(f"{root}: no corpus Markdown file matches {' '.join(globs)}")
    return sorted(files)


def load_corpus(root: Path, globs: Sequence[str]) -> Corpus:
    paths = find_markdown_files(root, globs)
    texts: list[str] = []
    for path in paths:
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise CorpusError(f"{path}: cannot read: {error}") from None
    total_bytes = sum(len(text.encode("utf-8")) for text in texts)
    total_lines = sum(text.count("\n") + (not text.endswith("\n")) for text in texts)
    return Corpus(root, paths, texts, total_bytes, total_lines)


def make_mistune() -> MistuneParser:
    return mistune.create_markdown(renderer=None, plugins=MISTUNE_PLUGINS)


# ---------------------------------------------------------------------------------------------
# Passes. Each keeps a small sum of its results so that no work can be skipped as unused.


def mistune_pass(parse: MistuneParser, texts: Sequence[str]) -> int:
    tokens = 0
    for text in texts:
        result = parse(text)
        tokens += len(result) if isinstance(result, list) else 1
    return tokens


def read_pass(texts: Sequence[str]) -> int:
    blocks = 0
    for text in texts:
        blocks += len(read_markdown(text, "obsidian").blocks)
    return blocks


def read_write_pass(texts: Sequence[str]) -> int:
    size = 0
    for text in texts:
        document, _ = scrapbox_form(read_markdown(text, "obsidian"), text)
        size += len(write_scrapbox(with_properties(document)[0]))
    return size


def time_once(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def time_interleaved(runs: dict[str, Callable[[], object]], reps: int) -> dict[str, list[float]]:
    """`reps` rounds, each timing every run once in order, so that load shifts hit them all."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(reps):
        for name, run in runs.items():
            times[name].append(time_once(run))
    return times


# ---------------------------------------------------------------------------------------------
# The report


def _rate(total_bytes: int, times: Sequence[float]) -> float:
    median = statistics.median(times)
    return total_bytes / 1e6 / median if median > 0 else float("inf")


def _rate_line(label: str, total_bytes: int, times: Sequence[float]) -> str:
    rate = _rate(total_bytes, times)
    median = statistics.median(times)
    return f"{label:<{LABEL_WIDTH}}{rate:6.2f} MB/s  (median {median:.3f} s of {len(times)})"


def _ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs > 0 else float("inf")


def bench_corpus(corpus: Corpus, reps: int) -> list[str]:
    texts = corpus.texts
    out = [
        f"corpus:         {corpus.root}",
        f"files:          {len(texts)}",
        f"lines:          {corpus.total_lines}",
        f"text bytes:     {corpus.total_bytes} ({corpus.total_bytes / 1e6:.2f} MB, UTF-8)",
    ]
    parse = make_mistune()
    # Warm-up: one pass of each, which also fills regex caches and imports lazy modules.
    warm_mistune = time_once(lambda: mistune_pass(parse, texts))
    warm_ours = time_once(lambda: read_write_pass(texts))
    out.append(f"warm-up:        mistune {warm_mistune:.3f} s, read + write {warm_ours:.3f} s")
    out.append(
        f"output:         {mistune_pass(parse, texts)} mistune top-level tokens, "
        f"{read_pass(texts)} blocks, {read_write_pass(texts)} Scrapbox characters"
    )
    times = time_interleaved(
        {
            "mistune": lambda: mistune_pass(parse, texts),
            "read": lambda: read_pass(texts),
            "read + write": lambda: read_write_pass(texts),
        },
        reps,
    )
    for name, runs in times.items():
        out.append(_rate_line(name, corpus.total_bytes, runs))
    theirs, ours = times["mistune"], times["read + write"]
    ratio = _ratio(statistics.median(ours), statistics.median(theirs))
    paired = statistics.median(_ratio(a, b) for a, b in zip(ours, theirs, strict=True))
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    out.append(
        f"{'ratio':<{LABEL_WIDTH}}{ratio:6.2f}  (read + write time / mistune time, medians; "
        f"{verdict} the target of {TARGET_RATIO})"
    )
    out.append(f"{'ratio paired':<{LABEL_WIDTH}}{paired:6.2f}  (median of the per-round ratios)")
    read_ratio = _ratio(statistics.median(times["read"]), statistics.median(theirs))
    out.append(f"{'ratio read':<{LABEL_WIDTH}}{read_ratio:6.2f}  (read time / mistune time)")
    return out


def pathological_line(unit: str) -> str:
    return "a " + unit * (LINE_BYTES // len(unit))


def bench_units() -> list[str]:
    parse = make_mistune()
    out = ["1 MB lines, one pass each ('a ' + unit x n; seconds):", _units_header()]
    for unit in UNITS:
        line = pathological_line(unit)
        ours = time_once(lambda line=line: read_markdown(line, "obsidian"))
        theirs = time_once(lambda line=line: parse(line))
        label = f"  {unit!r} x {LINE_BYTES // len(unit)}"
        out.append(
            f"{label:<{LABEL_WIDTH + 8}}{ours:8.3f}  {theirs:8.3f}  {_ratio(ours, theirs):7.2f}"
        )
    return out


def _units_header() -> str:
    return f"{'  unit':<{LABEL_WIDTH + 8}}{'ours':>8}  {'mistune':>8}  {'ratio':>7}"


def profile_read(texts: Sequence[str]) -> list[str]:
    """The top functions by cumulative time of one read_markdown pass, as pstats prints them."""
    profiler = cProfile.Profile()
    profiler.runcall(read_pass, texts)
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(PROFILE_TOP)
    return [f"profile of one read pass (top {PROFILE_TOP} by cumulative time):"] + [
        _shorten_paths(line.rstrip()) for line in stream.getvalue().strip("\n").splitlines()
    ]


def _shorten_paths(line: str) -> str:
    """A pstats line with paths from the package root, as `mistune/inline_parser.py`.

    strip_dirs() would keep only file names, and then our two `reader.py` (Markdown and
    Scrapbox) or mistune's modules next to ours could not be told apart.
    """
    roots = (
        str(REPO_ROOT / "src"),
        str(REPO_ROOT),
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["stdlib"],
    )
    for root in roots:
        line = line.replace(root + "/", "")
    return line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench_markdown.py",
        description="Time Markdown → Scrapbox on the Markdown corpus, next to mistune's AST.",
    )
    parser.add_argument("--reps", type=int, default=5, help="timed passes per measure (5)")
    parser.add_argument(
        "--files",
        nargs="+",
        default=[],
        metavar="GLOB",
        help="keep only the corpus files that match a glob, relative to the corpus directory",
    )
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help=f"(default: {DEFAULT_CORPUS})"
    )
    parser.add_argument("--profile", action="store_true", help="profile one read pass")
    parser.add_argument(
        "--no-pathological", action="store_true", help="skip the 1 MB pathological lines"
    )
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error("--reps must be a positive integer")

    try:
        corpus = load_corpus(args.corpus.resolve(), args.files)
    except CorpusError as error:
        print(f"bench_markdown: {error}", file=sys.stderr)
        return 2

    print(
        f"scrapconv bench: Python {platform.python_version()}, mistune {mistune.__version__}, "
        f"--reps {args.reps}"
    )
    print()
    for line in bench_corpus(corpus, args.reps):
        print(line, flush=True)
    if not args.no_pathological:
        print()
        for line in bench_units():
            print(line, flush=True)
    if args.profile:
        print()
        for line in profile_read(corpus.texts):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
