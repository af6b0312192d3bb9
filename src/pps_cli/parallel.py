"""The one worker pool: an ordered map over items, in-process for ``workers=1``.

Each worker has its own pipe to the main process (no queue lock shared between processes, so a
worker that dies cannot leave the main process waiting forever, as ``multiprocessing.Pool`` can).

Interrupts: workers ignore SIGINT (a Ctrl-C reaches the whole process group, and only the main
process should react) and end quietly on SIGTERM. When the main process is interrupted, a worker
is killed by a signal, or the caller stops early, every worker is stopped and joined before the
exception travels on (see :func:`~pps_cli.interrupts.stop_background_work`), so no worker is left
behind, none prints a traceback, and none still writes into a staging folder being deleted.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from .interrupts import (
    children_ignore_interrupts,
    deferred_interrupts,
    ignore_interrupts_in_worker,
    register_stopper,
    unregister_stopper,
)

T = TypeVar("T")
R = TypeVar("R")

_IN_FLIGHT_PER_WORKER = 2  # a worker never waits for the main process between two items


def default_workers() -> int:
    """Number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


_PRELOAD = ["numpy", "cv2", "pps_cli.evaluate", "pps_cli.merge.panoptic", "pps_cli.merge.pps", "pps_cli.visualize"]


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


def _init_worker() -> None:
    ignore_interrupts_in_worker()
    try:  # each worker process uses one core; OpenCV's own threads would compete with siblings
        import cv2

        cv2.setNumThreads(1)
    except ImportError:  # pragma: no cover
        pass


def _worker(conn: Connection, context: Any) -> None:
    """Run ``(index, fn, item)`` jobs from ``conn`` until it closes or sends None; reply ``(index, ok, value, tb)``."""
    _init_worker()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        index, fn, item = job
        try:
            reply = (index, True, fn(item, context), None)
        except Exception as e:
            reply = (index, False, e, traceback.format_exc())
        try:
            try:
                conn.send(reply)
            except (pickle.PicklingError, TypeError, AttributeError) as e:  # an unpicklable result: say what it was
                conn.send((index, False, RuntimeError(f"worker result could not be sent back: {e!r}"), traceback.format_exc()))
        except OSError:  # the main process stopped listening (interrupted, or gone): end quietly
            return


class _Workers:
    """Started worker processes, each with its pipe; :meth:`stop` ends them all (idempotent)."""

    def __init__(self, count: int, context: Any) -> None:
        ctx = _pool_context()
        self.procs: list[Any] = []
        self.conns: list[Connection] = []
        register_stopper(self.stop)
        try:
            if ctx.get_start_method() == "forkserver":
                from multiprocessing import forkserver, resource_tracker

                # The fork server starts the resource tracker first, which unblocks the signals it blocked
                # for its own start: started here beforehand, it leaves the window below alone.
                resource_tracker.ensure_running()
                with children_ignore_interrupts():  # a Ctrl-C must not hit the fork server's preload imports,
                    forkserver.ensure_running()  # and a SIGTERM to the group must not kill it under a starting worker
            for _ in range(count):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_worker, args=(child, context), daemon=True)
                self.conns.append(parent)
                with deferred_interrupts():  # a started worker is always known to stop()
                    proc.start()
                    self.procs.append(proc)
                child.close()
        except BaseException:
            self.stop()
            raise

    def stop(self, *, graceful: bool = False) -> None:
        unregister_stopper(self.stop)
        for conn in self.conns:
            if graceful:
                try:
                    conn.send(None)
                except OSError:
                    pass
            conn.close()
        for proc in self.procs:
            if not graceful:
                proc.kill()
            proc.join(timeout=10)
            if proc.is_alive():  # pragma: no cover - a worker stuck in uninterruptible I/O
                proc.kill()
                proc.join()
        self.conns, self.procs = [], []


def _died(proc: Any) -> BaseException:
    proc.join(timeout=1)
    code = proc.exitcode
    if code is not None and -code in (signal.SIGINT, signal.SIGTERM):
        return KeyboardInterrupt()
    return RuntimeError(f"a worker process died unexpectedly (exit code {code}; out of memory?)")


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
    raised by ``fn`` is re-raised here (with the worker's traceback as a note when it is not a
    user error), and the workers are stopped (also on Ctrl-C or when the caller stops iterating).
    """
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        for item in items:
            yield fn(item, context)
        return
    pool = _Workers(min(workers, len(items)), context)
    try:
        yield from _ordered_results(pool, fn, items)
    except BaseException:
        pool.stop()
        raise
    pool.stop(graceful=True)


def _ordered_results(pool: _Workers, fn: Callable[[Any, Any], Any], items: list[Any]) -> Iterator[Any]:
    pending = iter(enumerate(items))
    busy = {id(conn): 0 for conn in pool.conns}
    proc_of = {id(conn): proc for conn, proc in zip(pool.conns, pool.procs, strict=True)}
    done: dict[int, Any] = {}
    next_index = 0

    def feed(conn: Connection) -> None:
        while busy[id(conn)] < _IN_FLIGHT_PER_WORKER:
            job = next(pending, None)
            if job is None:
                return
            conn.send((job[0], fn, job[1]))
            busy[id(conn)] += 1

    for conn in pool.conns:
        feed(conn)
    while next_index < len(items):
        while next_index in done:
            yield done.pop(next_index)
            next_index += 1
        if next_index >= len(items):
            break
        for conn in wait([c for c in pool.conns if busy[id(c)]]):
            try:
                index, ok, value, tb = conn.recv()  # type: ignore[union-attr]
            except (EOFError, OSError):
                raise _died(proc_of[id(conn)]) from None
            busy[id(conn)] -= 1
            if not ok:
                if tb and not _is_user_error(value):
                    value.add_note(f"in a worker process:\n{tb}")
                raise value
            done[index] = value
            feed(conn)  # type: ignore[arg-type]


def _is_user_error(e: BaseException) -> bool:
    from .errors import PpsError

    return isinstance(e, PpsError)
