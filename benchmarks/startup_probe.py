"""Run ``pps ARGS...`` up to the first line of the command's own body, then exit 0 at once.

Usage: ``python benchmarks/startup_probe.py panoptic -s cpp-default ...``

Every registered command's callback is replaced by a stub with the same signature, so Typer parses
and converts every option exactly as for the real command (root callback included), and the
process ends the moment the body would start. A usage error still ends with exit 2, which tells
the caller that the arguments were not valid. What the caller times is the whole process:
interpreter, imports, option parsing.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

REACHED_BODY = 0


def _stop_at_body(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)  # the signature Typer reads (through __wrapped__) stays the command's
    def stub(*args: Any, **kwargs: Any) -> None:
        sys.stdout.flush()
        os._exit(REACHED_BODY)

    return stub


def main(argv: list[str]) -> None:
    from pps_cli import cli, console

    for command in cli.app.registered_commands:
        command.callback = _stop_at_body(command.callback)
    sys.argv = ["pps", *argv]
    console.main()


if __name__ == "__main__":
    main(sys.argv[1:])
