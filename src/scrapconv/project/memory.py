"""The memory of a process that converts many pages."""

from __future__ import annotations

import sys

__all__ = ["MANY_PAGES", "give_back_large_blocks"]

# From this many pages on, a run sets how its memory is kept (`give_back_large_blocks`).
MANY_PAGES = 100

# mallopt's option for the size from which a block has a mapping of its own (glibc).
_M_MMAP_THRESHOLD = -3
_LARGE_BLOCK = 128 * 1024


def give_back_large_blocks() -> None:
    """Have the C allocator give every block of 128 KiB or more a mapping of its own, which
    goes back to the system when the block is freed (glibc; elsewhere, nothing changes).

    By default glibc raises that size to that of the largest such block freed, so that the
    blocks of one large note (a text of 1 MB and its copies) stay in the process for the rest
    of the run, and in every worker forked after: about 10 MB each on the villagepump export.
    Workers forked after the call keep the setting."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # here: a run of a few pages needs none of it

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library of that kind
        return
    mallopt(_M_MMAP_THRESHOLD, _LARGE_BLOCK)
