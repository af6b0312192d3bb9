"""The ``pps`` executable: Ctrl-C and SIGTERM handled from the first instant, then the Typer app.

Importing the CLI takes a moment (Typer; a command's NumPy and OpenCV when it runs); an interrupt that
lands meanwhile must also end as one line ``interrupted`` and exit 130, not as a traceback from the
middle of an import.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

EXIT_INTERRUPTED = 130


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the ``pps`` script and of ``python -m pps_cli``."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        from .cli import app

        app()  # maps interrupts inside commands itself; this catches those while Typer builds the commands
        code: int = 0
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        code = EXIT_INTERRUPTED
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            code = e.code or 0
        else:
            sys.stderr.write(f"{e.code}\n")
            code = 1
    # Leave without interpreter finalization: it restores the default signal handlers, so a signal
    # arriving then would kill a finished command (exit -15 after its outputs were all written).
    # Every output is committed and every worker joined by now.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
