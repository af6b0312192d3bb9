"""`pps evaluate` (not implemented yet)."""

from __future__ import annotations

from ..errors import PpsError
from ._common import user_errors


def evaluate_command() -> None:
    """Not implemented yet."""
    with user_errors():
        raise PpsError(None, "pps evaluate is not implemented yet")
