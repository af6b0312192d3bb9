"""Ctrl-C and SIGTERM: one way to stop, and short stretches that must not be cut in half.

A SIGTERM in the main process is turned into :class:`KeyboardInterrupt` (see
:func:`sigterm_as_interrupt`), so both signals unwind through the same ``finally`` blocks: staging
folders are deleted and worker pools are stopped. :func:`deferred_interrupts` holds both signals
back while outputs are swapped into place or worker processes are started; a signal that arrives
meanwhile is delivered right after.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Block SIGINT and SIGTERM for the duration (main thread only; elsewhere a no-op).

    Processes started meanwhile inherit the blocked mask, which keeps a fork server importing its
    modules from printing a traceback on Ctrl-C.
    """
    if not _in_main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
