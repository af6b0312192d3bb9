"""The one worker pool: an ordered map over items, in-process for ``workers=1``.

Interrupts: workers ignore SIGINT (a Ctrl-C reaches the whole process group, and only the main
process should react) and end quietly on SIGTERM. When the main process is interrupted, or the
consumer of :func:`parallel_map` stops early, the pool is terminated and joined before the
exception travels on, so no worker is left behind and none prints a traceback.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from .interrupts import deferred_interrupts, ignore_interrupts_in_worker

T = TypeVar("T")
R = TypeVar("R")

_CONTEXT: Any = None


def default_workers() -> int:
    """Number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


_PRELOAD = ["numpy", "cv2", "pps_cli.evaluate", "pps_cli.panoptic", "pps_cli.pps_merge", "pps_cli.visualize"]


def _pool_context() -> Any:
    """Where workers come from: a fork server when the platform has one, else fresh processes.

    Forking this process directly is not safe: OpenCV (and BLAS) keep thread pools whose locks a
    forked child can inherit held, and the child then hangs in its first OpenCV call. The fork
    server is a clean process started once, which imports the heavy modules once
    (``_PRELOAD``) and forks each worker from there.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows, macOS without forkserver


def _init_worker(context: Any) -> None:
    global _CONTEXT
    _CONTEXT = context
    ignore_interrupts_in_worker()
    try:  # each worker process uses one core; OpenCV's own threads would compete with siblings
        import cv2

        cv2.setNumThreads(1)
    except ImportError:  # pragma: no cover
        pass


def _call(job: tuple[Callable[[Any, Any], Any], Any]) -> Any:
    fn, item = job
    return fn(item, _CONTEXT)


def parallel_map(
    fn: Callable[[T, Any], R],
    items: Iterable[T],
    *,
    context: Any = None,
    workers: int = 1,
) -> Iterator[R]:
    """Yield ``fn(item, context)`` for each item, in input order.

    ``fn`` must be a top-level function; ``context`` (e.g. the loaded spec) is sent to each
    worker process once. With ``workers <= 1`` everything runs in this process. An exception
    raised by ``fn`` is re-raised here, and the pool is shut down (also on Ctrl-C or when the
    caller stops iterating).
    """
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        for item in items:
            yield fn(item, context)
        return
    with deferred_interrupts():  # the fork server and workers start with SIGINT/SIGTERM blocked
        pool = _pool_context().Pool(min(workers, len(items)), initializer=_init_worker, initargs=(context,))
    try:
        yield from pool.imap(_call, [(fn, item) for item in items], chunksize=1)
    finally:
        pool.terminate()
        pool.join()
