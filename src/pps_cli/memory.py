"""Keep freed memory for reuse instead of handing it back to the OS after every image.

glibc serves large allocations (every per-image numpy buffer: 2-8 MB at 2048x1024) with fresh
``mmap`` pages and unmaps them on ``free``, so each image pays a page fault per 4 KiB page of every
buffer again. In a virtual machine these cost microseconds each: measured on a 2048x1024 ``pps pps``
image, ~40% of the time. Raising glibc's mmap and trim thresholds keeps such buffers in the heap,
where the next image reuses them. Peak memory is unchanged (the freed memory is reused, not grown).
"""

from __future__ import annotations

import ctypes
import os
import sys

HEAP_THRESHOLD = 32 * 1024 * 1024
"""Allocations below this come from the heap and stay there when freed (glibc's upper limit, 64-bit)."""

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_done = False


def keep_freed_memory() -> None:
    """Apply the thresholds to this process (``mallopt``) and, through the environment, to processes it starts.

    Does nothing outside Linux/glibc, or when the user set either variable; safe to call repeatedly.
    """
    global _done
    if _done or not sys.platform.startswith("linux"):
        return
    _done = True
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl): leave the allocator alone
        return
    mallopt(_M_MMAP_THRESHOLD, HEAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, 2 * HEAP_THRESHOLD)
    os.environ["MALLOC_MMAP_THRESHOLD_"] = str(HEAP_THRESHOLD)
    os.environ["MALLOC_TRIM_THRESHOLD_"] = str(2 * HEAP_THRESHOLD)
