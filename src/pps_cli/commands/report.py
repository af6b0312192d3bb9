"""`pps report`: one self-contained HTML page of one or more evaluations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import PpsError
from ._common import OverwriteOption, check_outputs, number_option, output_file, say, user_errors


def report_command(
    results: Annotated[
        list[Path],
        typer.Argument(help="results.json of pps evaluate or pps run output folders (the first is the baseline).", exists=True),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.", dir_okay=False)],
    label: Annotated[
        list[str] | None, typer.Option("--label", "-l", help="Name of each run, in order (default: file stem or folder name).")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Page title.")] = None,
    worst: Annotated[
        int, number_option("--worst", help="Worst images shown per run (needs the per-image file).", minimum=0)
    ] = 6,
    overwrite: OverwriteOption = False,
) -> None:
    """Write one self-contained HTML page: summary cards, per-class charts and table, per-image
    distribution and the worst images (GT, prediction, error view), specs and data.

    The page has no script and loads nothing from the network (works from file:// and as a
    mail attachment). Per-image results are found beside each results file (per_image.jsonl of
    pps run, or <stem>.jsonl); images come from the files they name. Needs the report extra:
    pip install 'pps-cli\\[report]'.

    Examples:

      pps report out/ -o report.html

      pps report base/results.json new/results.json --label base --label new -o compare.html
    """
    from ..io import write_bytes_atomic
    from ..report.runs import load_runs

    with user_errors():
        from ..report import require_report_extra

        require_report_extra()
        from ..report.page import render_report

        if str(output) == "-":
            raise PpsError("--output", "give an HTML file name (the page is not written to standard output)")
        check_outputs([output_file(output, "--output")], inputs=[(path, "RESULTS") for path in results], overwrite=overwrite)
        runs = load_runs(results, label)
        page = render_report(runs, title=title, worst=worst).encode("utf-8")
        write_bytes_atomic(output, page)
    say(f"wrote {output} ({len(runs)} run{'s' if len(runs) != 1 else ''}, {len(page) / 1024:.0f} KiB)")
