"""The worker pool: one function applied to many items in this process and worker processes,
the results in the items' order. It knows nothing of what the function does (converting and
writing pages, for `vault`).

Items go to the workers in chunks, a bounded number ahead of the one being given back, so that
results do not pile up in memory; this process works on the chunks they need not take. The
chunks shrink as the items left do, so that the processes end close together.
Ctrl-C is the calling process's to handle: closing the iterator (or an error, Ctrl-C
included) cancels what is left and stops the workers, and a worker ends with its parent
process however that ends.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ..files import interrupts_held
from .memory import MANY_PAGES, give_back_large_blocks

if TYPE_CHECKING:
    # (Imported where workers start: `default_jobs`, `worker_count` and a run that starts
    # none need neither.)
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = [
    "MIN_PAGES_PER_WORKER",
    "default_jobs",
    "in_order",
    "run_in_workers",
    "worker_count",
]

Item = TypeVar("Item")
Shared = TypeVar("Shared")
Result = TypeVar("Result")

# At most this many items go to a worker at once. Each chunk holds a share of the items left
# (guided scheduling): fewer as the run nears its end, so that the processes end close
# together, none waiting long for the chunks another still holds; but not fewer than the
# fewest, whose handing out would cost more than they take.
_CHUNK_ITEMS = 100
_CHUNKS_PER_WORKER = 8
_FEWEST_CHUNK_ITEMS = 8
# Chunks handed out ahead of the one being given back, per worker: enough to keep the workers
# busy, few enough that a worker's last chunks end soon after this process's.
_CHUNKS_AHEAD = 3
# Chunks whose results may wait to be given back in order, per process: more than the workers
# hold, so that this process goes on with chunks of its own while a worker is behind (as it
# starts, or on a long chunk) rather than wait for it; few enough that results do not pile up
# in memory.
_CHUNKS_WAITING = 4 * _CHUNKS_AHEAD

# The fewest items a worker must get to pay for itself: starting and ending a pool of forked
# workers costs about 10 ms, what converting 20 to 40 typical pages in one process does
# (0.3 to 0.6 ms each); with 40 each, the workers pay for themselves clearly.
MIN_PAGES_PER_WORKER = 40

# What a worker process works with: the function and what every call shares, set once per
# worker by `_start_worker`.
_worker_task: tuple[Callable[[Any, Any], Any], Any] | None = None

# prctl's option that asks the kernel for a signal when the parent process ends (Linux).
_PR_SET_PDEATHSIG = 1


def default_jobs() -> int:
    """The number of CPUs this process may use: the default number of jobs."""
    count = getattr(os, "process_cpu_count", os.cpu_count)()
    return count if count else 1


def worker_count(items: int, jobs: int | None) -> int:
    """The number of processes to work on `items` items with `jobs` jobs (None: one per CPU),
    this one included: each gets at least `MIN_PAGES_PER_WORKER` items; 1 means this one
    alone."""
    if jobs == 1:
        return 1
    wanted = default_jobs() if jobs is None else jobs
    return max(1, min(wanted, items // MIN_PAGES_PER_WORKER))


def in_order(
    function: Callable[[Item, Shared], Result],
    items: Sequence[Item],
    shared: Shared,
    jobs: int | None,
) -> Generator[Result, None, None]:
    """`function(item, shared)` for every item, the results in the items' order: in this
    process alone, or in worker processes too when there are items enough for them
    (`worker_count`; `jobs` None: one per CPU). The results are the same either way; a run
    over many items gives large blocks back to the system once freed (`memory`)."""
    if len(items) >= MANY_PAGES:
        give_back_large_blocks()
    workers = worker_count(len(items), jobs)
    if workers <= 1:
        for item in items:
            yield function(item, shared)
        return
    yield from run_in_workers(function, items, shared, workers)


def _context() -> multiprocessing.context.BaseContext:
    """How workers start: forked where that is safe and quick (Linux: no re-import, and what
    the parent holds is shared, not sent), else from a fork server, else spawned."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def run_in_workers(
    function: Callable[[Item, Shared], Result],
    items: Sequence[Item],
    shared: Shared,
    workers: int,
) -> Generator[Result, None, None]:
    """`function(item, shared)` for every item in `workers` processes (2 or more): this one
    and `workers - 1` started for the call; the results in the items' order. `function` is a
    module's function and `shared` is what every call shares: forked workers inherit both,
    others get them pickled, once each (`_context`).

    The started workers are given chunks of items, a few ahead; this process works on the
    next chunk itself whenever they have enough, and hands out the results as they come in
    order. Closing the iterator early (or an error, Ctrl-C included) cancels what is left and
    stops the workers.
    """
    from concurrent.futures import Future, ProcessPoolExecutor

    chunks = _chunks(items, workers)
    started = workers - 1
    context = _context()
    # Only a forked worker is this process's own child (a fork server's are the server's).
    parent = os.getpid() if context.get_start_method() == "fork" else None
    executor = ProcessPoolExecutor(
        max_workers=started,
        mp_context=context,
        initializer=_start_worker,
        initargs=(function, shared, parent),
    )
    # Chunks in their order: a worker's (a future) or this process's (its results).
    pending: deque[Future[list[Result]] | list[Result]] = deque()
    handed_out = 0  # the futures in `pending`
    finished = False
    try:
        for chunk in chunks:
            while pending and (len(pending) >= workers * _CHUNKS_WAITING or _ready(pending[0])):
                first = pending.popleft()
                if isinstance(first, Future):
                    handed_out -= 1
                    first = first.result()
                yield from first
            if handed_out < started * _CHUNKS_AHEAD:
                # A submission may start a worker process.
                with interrupts_held():
                    pending.append(executor.submit(_run_chunk, chunk))
                handed_out += 1
            else:
                pending.append([function(item, shared) for item in chunk])
        while pending:
            first = pending.popleft()
            yield from first.result() if isinstance(first, Future) else first
        finished = True
    finally:
        with interrupts_held():
            if finished:
                executor.shutdown(wait=True)
            else:
                _stop_workers(executor)


def _chunks(items: Sequence[Item], workers: int) -> Generator[Sequence[Item], None, None]:
    """`items` in chunks, in order: each a share of the items left, between the fewest and the
    most a chunk holds (see `_CHUNK_ITEMS`)."""
    start = 0
    while start < len(items):
        share = math.ceil((len(items) - start) / (workers * _CHUNKS_PER_WORKER))
        size = min(_CHUNK_ITEMS, max(_FEWEST_CHUNK_ITEMS, share))
        yield items[start : start + size]
        start += size


def _ready(chunk: Future[Any] | list[Any]) -> bool:
    """Whether a chunk's results are there to hand out without waiting."""
    return isinstance(chunk, list) or chunk.done()


def _start_worker(function: Callable[[Any, Any], Any], shared: object, parent: int | None) -> None:
    """Set up a worker process: the task of the run (sent once). Ctrl-C is the calling
    process's to handle (it stops the workers): the worker starts with SIGINT blocked
    (`interrupts_held`) and ignores it before unblocking it. The worker ends with its parent
    process, however that ends (`parent` is its id when it is the worker's parent process)."""
    global _worker_task
    # What the worker starts with, inherited from its parent when forked, stays as it is: no
    # collection scans it again, which would copy the parent's pages it shares.
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _end_with_parent(parent)
    _worker_task = (function, shared)


def _end_with_parent(parent: int | None) -> None:
    """End this process as soon as its parent process ends, even when SIGKILL lets the parent
    stop nothing: at once through the kernel on Linux, and on any system through a thread that
    waits for the end of the parent (its sentinel, which multiprocessing gives every child)."""
    import multiprocessing
    import threading

    if sys.platform.startswith("linux"):
        import ctypes  # here: only workers need it

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    watched = multiprocessing.parent_process()
    if watched is not None:
        threading.Thread(target=_exit_after, args=(watched,), daemon=True).start()
    if parent is not None and os.getppid() != parent and sys.platform != "win32":
        # The parent ended before the kernel was asked to tell (POSIX gives the orphan a new
        # parent; Windows keeps the id, and the thread above watches there).
        os._exit(1)


def _exit_after(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(1)


def _run_chunk(items: Sequence[Any]) -> list[Any]:
    """The task on each item of a chunk, in a worker process."""
    if _worker_task is None:
        raise RuntimeError("_run_chunk runs in a worker started by _start_worker")
    function, shared = _worker_task
    return [function(item, shared) for item in items]


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    """Cancel the work not started, and let the workers end the chunks they hold (each takes
    well under a second) before they stop: a worker terminated while it sends its result
    would leave half a message in the pipe, which the executor would wait on forever, and the
    process with it as it exits."""
    executor.shutdown(wait=True, cancel_futures=True)
