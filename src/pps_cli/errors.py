"""The one exception type for mistakes a user can fix (bad files, bad options)."""

from __future__ import annotations

import os


class PpsError(Exception):
    """A user-fixable problem, printed by the CLI as one line ``error: <where>: <problem>``.

    Parameters
    ----------
    where : str or path-like or None
        The file (or option) the problem is about; ``None`` when there is no single place.
    problem : str
        What is wrong, in one line.
    """

    def __init__(self, where: str | os.PathLike[str] | None, problem: str) -> None:
        super().__init__(where, problem)
        self.where = None if where is None else os.fspath(where)
        self.problem = problem

    def __str__(self) -> str:
        return self.problem if self.where is None else f"{self.where}: {self.problem}"


def summarize_list(items: list[str], limit: int = 10) -> str:
    """Join ``items`` with ', ' keeping at most ``limit`` of them, and say how many were left out."""
    shown = ", ".join(items[:limit])
    rest = len(items) - limit
    return shown if rest <= 0 else f"{shown} (and {rest} more)"
