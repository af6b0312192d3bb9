"""`pps compare`: summary and per-class differences between evaluations, largest change first."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import PpsError
from ._common import number_option, stdout_console, user_errors

if TYPE_CHECKING:  # the command imports them when it runs: `pps --help` stays light
    from rich.table import Table

    from ..report.compare import Comparison, Row


def _value(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def _delta(value: float | None) -> str:
    if value is None:
        return "-"
    text = f"{100 * value:+.2f}"
    return f"[green]{text}[/]" if value > 0 else f"[red]{text}[/]" if value < 0 else text


def _table(title: str, rows: tuple[Row, ...], labels: tuple[str, ...]) -> Table:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("metric" if title.startswith("summary") else "class")
    if not title.startswith("summary"):
        table.add_column("metric")
    for label in labels:
        table.add_column(escape(label), justify="right")
    for label in labels[1:]:
        table.add_column(f"Δ {escape(label)}", justify="right")
    table.add_column("best")
    for row in rows:
        values = [
            f"[bold]{_value(v)} *[/]" if k == row.winner else _value(v) for k, v in enumerate(row.values)
        ]
        lead = [escape(row.title)] if row.sid is None else [escape(row.title), row.metric]
        best = "=" if row.winner is None else escape(labels[row.winner])
        table.add_row(*lead, *values, *(_delta(d) for d in row.deltas), best)
    return table


def print_comparison(comparison: Comparison, *, limit: int | None) -> None:
    """Print the summary table and the per-class table (its first ``limit`` rows)."""
    out = stdout_console()
    out.print(_table("summary (x100; * best)", comparison.summary, comparison.labels))
    rows = comparison.classes if limit is None else comparison.classes[:limit]
    shown = "" if len(rows) == len(comparison.classes) else f", {len(rows)} of {len(comparison.classes)} shown"
    out.print(_table(f"per class, largest change first (x100{shown})", rows, comparison.labels))


def compare_command(
    results: Annotated[
        list[Path], typer.Argument(help="Two or more results.json of pps evaluate, or pps run output folders.", exists=True)
    ],
    label: Annotated[
        list[str] | None, typer.Option("--label", "-l", help="Name of each run, in order (default: file stem or folder name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON (for scripts).")] = False,
    top: Annotated[int | None, number_option("--top", help="Show only the first N per-class rows.", minimum=1)] = None,
) -> None:
    """Compare evaluations: summary and per-class PartPQ, PQ and mIoU, with the difference to the first.

    Per-class rows are sorted by the largest change; the best value of each row is marked with *.
    PQ and IoU appear when the results have them (pps evaluate since pq/miou were added).

    Examples:

      pps compare baseline/results.json new/results.json

      pps compare runA/ runB/ --label A --label B --json > diff.json
    """
    from ..io import dumps_json
    from ..report.compare import compare
    from ..report.runs import load_runs

    with user_errors():
        if len(results) < 2:
            raise PpsError("RESULTS", "give two or more results to compare (pps report shows one)")
        runs = load_runs(results, label)
        comparison = compare(runs)
    if as_json:
        typer.echo(dumps_json(comparison.as_json()).decode("utf-8"), nl=False)
    else:
        print_comparison(comparison, limit=top)
