"""`pps pps` (not implemented yet)."""

from __future__ import annotations

from ..errors import PpsError
from ._common import user_errors


def pps_command() -> None:
    """Not implemented yet."""
    with user_errors():
        raise PpsError(None, "pps pps is not implemented yet")
