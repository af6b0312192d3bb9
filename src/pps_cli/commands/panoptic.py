"""`pps panoptic` (not implemented yet)."""

from __future__ import annotations

from ..errors import PpsError
from ._common import user_errors


def panoptic_command() -> None:
    """Not implemented yet."""
    with user_errors():
        raise PpsError(None, "pps panoptic is not implemented yet")
