"""Ctrl-C and SIGTERM: one way to stop, and short stretches that must not be cut in half.

A SIGTERM in the main process is turned into :class:`KeyboardInterrupt` (see
:func:`sigterm_as_interrupt`), so both signals unwind through the same ``finally`` blocks: staging
folders are deleted and worker pools are stopped (:func:`stop_background_work`).
:func:`deferred_interrupts` holds both signals back while outputs are swapped into place; one that
arrives meanwhile is raised right after. Signals are caught at the Python level, because a
process-directed signal may be delivered to any thread (NumPy's and rich's threads included), so
blocking it in the main thread alone would not hold it back.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM back for the duration; raise KeyboardInterrupt afterwards if one came.

    Yields the list of signals received so far, so the block can check it (and undo its work). A
    signal the process ignores (e.g. SIGINT in a background job) stays ignored. Only in the main
    thread; elsewhere a no-op (signals are handled in the main thread only).
    """
    received: list[int] = []
    if not _in_main_thread():
        yield received
        return

    def record(signum: int, frame: Any) -> None:
        received.append(signum)

    previous = {}
    for sig in _SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            previous[sig] = signal.signal(sig, record)
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt


@contextlib.contextmanager
def children_ignore_interrupts() -> Iterator[None]:
    """While active, processes started by exec start with SIGINT and SIGTERM blocked (keep it to milliseconds).

    A blocked signal is never delivered to such a child until it unblocks it, so a Ctrl-C during its
    start-up imports (the fork server's preload) prints nothing, and a SIGTERM sent to the whole group
    does not kill it while the main process waits for a worker from it (the fork server ends by itself
    when the main process exits; workers unblock SIGTERM, :func:`ignore_interrupts_in_worker`). In
    this process the signals are only held back: one that arrives meanwhile is raised as
    KeyboardInterrupt right after, as with :func:`deferred_interrupts` (ignoring them here instead
    would lose it, and the command would run on).
    """
    if not _in_main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    with deferred_interrupts():
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)  # the mask is what exec passes on
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a held-back signal is delivered here


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While active, SIGTERM raises KeyboardInterrupt in the main thread (the old handler is restored)."""
    if not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def ignore_interrupts_in_worker() -> None:
    """For worker processes: the main process handles Ctrl-C and stops them; SIGTERM ends them quietly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


_STOPPERS: list[Callable[[], None]] = []


def register_stopper(stop: Callable[[], None]) -> None:
    """Remember how to stop background work (a worker pool) until it unregisters."""
    _STOPPERS.append(stop)


def unregister_stopper(stop: Callable[[], None]) -> None:
    with contextlib.suppress(ValueError):
        _STOPPERS.remove(stop)


def stop_background_work() -> None:
    """Stop every registered pool now; called before staging folders are deleted after a failure."""
    for stop in list(reversed(_STOPPERS)):
        stop()
