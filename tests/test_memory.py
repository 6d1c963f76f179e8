"""How a run of many pages keeps its memory (`scrapconv.project.memory`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Large blocks freed among smaller ones (under 128 KiB) that stay: the freed blocks are holes
# in the C heap, which stay in the process unless each had a mapping of its own. Prints the
# growth in pages.
HOLES = """
import sys
from scrapconv.project.memory import give_back_large_blocks

if sys.argv[1] == "give-back":
    give_back_large_blocks()

def resident():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1])

first = b"x" * (4 << 20)
del first  # glibc's threshold now grows to this size, unless set
before = resident()
large, small = [], []
for number in range(40):
    large.append(b"x" * (1 << 20))
    small.append(b"y" * (100 << 10))
del large
print(resident() - before)
"""


def grown_pages(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", HOLES, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="glibc's allocator and /proc are Linux's"
)
def test_large_blocks_freed_go_back_to_the_system() -> None:
    # 40 blocks of 1 MiB are 10,240 pages of 4 KiB, the 40 of 100 KiB that stay 1,000.
    assert grown_pages("default") > 10_000
    assert grown_pages("give-back") < 2_000
