"""`pps evaluate`: PartPQ of 3-channel PPS predictions against part-aware panoptic GT."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..dataset import load_images
from ..errors import summarize_list
from ..evaluate import Evaluation, evaluate, per_image_jsonl, results_json
from ..io import STDOUT, write_files
from ._common import (
    EvalSpecOption,
    ImagesOption,
    OverwriteOption,
    PercentOption,
    WorkersOption,
    check_outputs,
    fmt_metric,
    human_console,
    load_spec,
    output_file,
    progress_bar,
    resolve_workers,
    say,
    user_errors,
    warn,
)


def evaluate_command(
    eval_spec: EvalSpecOption,
    gt: Annotated[
        Path,
        typer.Option(
            "--gt",
            help="Ground-truth folder: <city>/<id>_gtFinePanopticParts.tif (CPP) or <id>.tif (PPP).",
            exists=True,
            file_okay=False,
        ),
    ],
    pred: Annotated[
        Path,
        typer.Option(
            "--pred",
            help="Folder of 3-channel PPS PNGs (class, instance, part) named after the image ids.",
            exists=True,
            file_okay=False,
        ),
    ],
    images: ImagesOption,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the results JSON here (includes the reference's structure); - for stdout."),
    ] = None,
    per_image: Annotated[
        Path | None,
        typer.Option("--per-image", help="Write one JSON line per image with its per-category stats; - for stdout."),
    ] = None,
    overwrite: OverwriteOption = False,
    percent: PercentOption = False,
    workers: WorkersOption = None,  # type: ignore[assignment]
) -> None:
    """Compute PartPQ, PartSQ and PartRQ, identical to the panoptic_parts reference evaluator.

    Every image of --images needs a GT file and a prediction whose name is its id (exact match).
    Prints a table per category and the averages over all, parts and no-parts categories.
    """
    with user_errors():
        check_outputs(
            [output_file(output, "--output"), output_file(per_image, "--per-image")],
            inputs=[(gt, "--gt"), (pred, "--pred"), (images, "--images")],
            overwrite=overwrite,
        )
        spec = load_spec(eval_spec)
        image_list = load_images(images)
        with progress_bar() as progress:
            task = progress.add_task("evaluating", total=len(image_list))
            evaluation = evaluate(
                spec,
                image_list,
                gt,
                pred,
                workers=resolve_workers(workers),
                on_image=lambda _: progress.advance(task),
            )
        warn_unknown_classes(evaluation, pred)
        files = {}  # rendered first, then written: a failure leaves no partial output
        if output is not None:
            files[output] = results_json(evaluation, gt_dir=gt, pred_dir=pred)
        if per_image is not None:
            files[per_image] = per_image_jsonl(evaluation)
        write_files(files)
    human = human_console(output, per_image)
    human.print(results_table(evaluation, percent=percent))
    for path in (output, per_image):
        if path is not None and str(path) != STDOUT:
            say(f"wrote {path}", console=human)


def warn_unknown_classes(evaluation: Evaluation, pred_dir: Path) -> None:
    """Warn about predicted class ids the spec does not evaluate (ignored, as by the reference)."""
    if evaluation.unknown_classes:
        counts = [f"{c} ({pixels} px)" for c, pixels in sorted(evaluation.unknown_classes.items())]
        warn(f"{pred_dir}: predicted class ids not evaluated by {evaluation.spec.name}, ignored: {summarize_list(counts)}")


def results_table(evaluation: Evaluation, *, percent: bool = False) -> Table:
    """Per-category PartPQ / PartSQ / PartRQ / TP / FP / FN, then the averages (``percent``: x100)."""
    result = evaluation.result

    def _fmt(value: float | None) -> str:
        return fmt_metric(value, percent=percent)

    unit = ", %" if percent else ""
    table = Table(title=f"PartPQ ({evaluation.spec.name}, {len(evaluation.jobs)} images{unit})")
    table.add_column("sid", justify="right")
    table.add_column("category")
    table.add_column("parts", justify="center")
    for name in ("PartPQ", "PartSQ", "PartRQ", "TP", "FP", "FN"):
        table.add_column(name, justify="right")
    for r in result.categories:
        values = [_fmt(r.part_pq), _fmt(r.part_sq), _fmt(r.part_rq)] if r.counted else ["-", "-", "-"]
        table.add_row(
            str(r.sid),
            r.name,
            "yes" if r.has_parts else "",
            *values,
            str(r.tp),
            str(r.fp),
            str(r.fn),
            style=None if r.counted else "dim",
        )
    table.add_section()
    for label, group in (("all", result.all), ("parts", result.parts), ("no parts", result.no_parts)):
        table.add_row(
            "",
            f"[bold]{label}[/] (n={group.n})",
            "",
            _fmt(group.part_pq),
            _fmt(group.part_sq),
            _fmt(group.part_rq),
            "",
            "",
            "",
        )
    return table
