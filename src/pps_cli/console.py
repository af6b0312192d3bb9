"""The ``pps`` executable: Ctrl-C and SIGTERM handled from the first instant, then the Typer app.

Importing the CLI takes a moment (NumPy, OpenCV, pydantic); an interrupt that lands meanwhile must
also end as one line ``interrupted`` and exit 130, not as a traceback from the middle of an import.
"""

from __future__ import annotations

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
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
