"""Differences between evaluations: summary and per-class PartPQ / PQ / IoU, largest change first.

Used by ``pps compare`` (terminal table, ``--json``) and by the summary cards of ``pps report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .runs import CLASS_METRICS, Run, available_class_metrics, available_metrics, class_names, class_value, metric_value


@dataclass(frozen=True)
class Row:
    """One compared value.

    Attributes
    ----------
    metric : str
        Summary key (``PartPQ``, ``PQ_things``...) or class metric (``PartPQ``, ``PQ``, ``IoU``).
    title : str
        What the row shows: ``PartPQ all`` or ``<sid> <name>``.
    values : tuple of float or None
        One per run (None: absent or not counted in that run).
    deltas : tuple of float or None
        ``values[k] - values[0]`` for every run after the first.
    winner : int or None
        Index of the run with the highest value; None on a tie or with fewer than two values.
    sid : str or None
        Eval sid of a per-class row.
    """

    metric: str
    title: str
    values: tuple[float | None, ...]
    deltas: tuple[float | None, ...]
    winner: int | None
    sid: str | None = None

    @property
    def change(self) -> float:
        """The largest absolute difference to the first run (0 when nothing compares)."""
        return max((abs(d) for d in self.deltas if d is not None), default=0.0)

    def as_json(self, labels: Sequence[str]) -> dict[str, Any]:
        return {
            **({"sid": self.sid} if self.sid is not None else {}),
            "metric": self.metric,
            "title": self.title,
            "values": dict(zip(labels, self.values, strict=True)),
            "delta": dict(zip(labels[1:], self.deltas, strict=True)),
            "winner": None if self.winner is None else labels[self.winner],
        }


TIE = 1e-12
"""Values closer than this count as equal (no winner)."""


def make_row(metric: str, title: str, values: Sequence[float | None], sid: str | None = None) -> Row:
    """A :class:`Row` with its deltas to the first value and its winner."""
    first = values[0]
    deltas = tuple(None if first is None or v is None else v - first for v in values[1:])
    present = [(v, k) for k, v in enumerate(values) if v is not None]
    winner = None
    if len(present) >= 2:
        best = max(v for v, _ in present)
        leaders = [k for v, k in present if best - v <= TIE]
        winner = leaders[0] if len(leaders) == 1 else None
    return Row(metric, title, tuple(values), deltas, winner, sid)


@dataclass(frozen=True)
class Comparison:
    """Summary rows (card order) and per-class rows (largest change first) of several runs."""

    labels: tuple[str, ...]
    summary: tuple[Row, ...]
    classes: tuple[Row, ...]

    def as_json(self) -> dict[str, Any]:
        labels = list(self.labels)
        return {
            "runs": labels,
            "summary": [row.as_json(labels) for row in self.summary],
            "classes": [row.as_json(labels) for row in self.classes],
        }


def compare(runs: Sequence[Run]) -> Comparison:
    """Compare runs: every summary metric present in any run, every class x metric present.

    Per-class rows are sorted by :attr:`Row.change` (largest first), ties by class id, then PartPQ,
    PQ, IoU.
    """
    summary = tuple(make_row(key, title, [metric_value(r.results, key) for r in runs]) for key, title in available_metrics(runs))
    names = class_names(runs)
    rows = [
        make_row(key, f"{sid} {name}", [class_value(r.results, sid, key) for r in runs], sid=sid)
        for sid, name in names.items()
        for key, _ in available_class_metrics(runs)
    ]
    order = {sid: n for n, sid in enumerate(names)}
    metric_order = {key: n for n, (key, _) in enumerate(CLASS_METRICS)}
    rows.sort(key=lambda row: (-row.change, order[row.sid or ""], metric_order[row.metric]))
    return Comparison(tuple(r.label for r in runs), summary, tuple(rows))
