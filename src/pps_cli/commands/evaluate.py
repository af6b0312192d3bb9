"""`pps evaluate`: PartPQ of 3-channel PPS predictions against part-aware panoptic GT."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..dataset import images_to_evaluate
from ..errors import PpsError, summarize_list
from ..evaluate import Evaluation, evaluate, per_image_jsonl, results_json
from ..io import write_bytes_atomic
from ._common import (
    EvalSpecOption,
    WorkersOption,
    load_spec,
    out,
    progress_bar,
    resolve_workers,
    user_errors,
    warn,
)
from ._input_options import IdsOption, NoChannelCheckOption, NoLayoutCheckOption, OptionalImagesOption


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
    images: OptionalImagesOption = None,
    ids: IdsOption = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the results JSON here (includes the reference's structure).", dir_okay=False),
    ] = None,
    per_image: Annotated[
        Path | None,
        typer.Option("--per-image", help="Write one JSON line per image with its per-category stats.", dir_okay=False),
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing output files.")] = False,
    no_layout_check: NoLayoutCheckOption = False,
    no_channel_check: NoChannelCheckOption = False,
    workers: WorkersOption = None,  # type: ignore[assignment]
) -> None:
    """Compute PartPQ, PartSQ and PartRQ, identical to the panoptic_parts reference evaluator.

    Every image (of --images, else of the GT folder; --ids selects some) needs a GT file and a prediction
    whose name is its id (exact match).
    Prints a table per category and the averages over all, parts and no-parts categories.
    """
    with user_errors():
        for path, option in ((output, "--output"), (per_image, "--per-image")):
            if path is not None and path.exists() and not overwrite:
                raise PpsError(path, f"already exists (given as {option}); add --overwrite to replace it")
        spec = load_spec(eval_spec)
        image_list = images_to_evaluate(gt, images, ids)
        with progress_bar() as progress:
            task = progress.add_task("evaluating", total=len(image_list))
            evaluation = evaluate(
                spec,
                image_list,
                gt,
                pred,
                workers=resolve_workers(workers),
                on_image=lambda _: progress.advance(task),
                layout_check=not no_layout_check,
                channel_check=not no_channel_check,
            )
        warn_unknown_classes(evaluation, pred)
        files = {}  # rendered first, then written: a failure leaves no partial output
        if output is not None:
            files[output] = results_json(evaluation, gt_dir=gt, pred_dir=pred)
        if per_image is not None:
            files[per_image] = per_image_jsonl(evaluation)
        for path, data in files.items():
            write_bytes_atomic(path, data)
    out.print(results_table(evaluation))
    for path in (output, per_image):
        if path is not None:
            out.print(f"wrote {path}", highlight=False)


def warn_unknown_classes(evaluation: Evaluation, pred_dir: Path) -> None:
    """Warn about predicted class ids the spec does not evaluate (ignored, as by the reference)."""
    if evaluation.unknown_classes:
        counts = [f"{c} ({pixels} px)" for c, pixels in sorted(evaluation.unknown_classes.items())]
        warn(f"{pred_dir}: predicted class ids not evaluated by {evaluation.spec.name}, ignored: {summarize_list(counts)}")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def results_table(evaluation: Evaluation) -> Table:
    """Per-category PartPQ / PartSQ / PartRQ / TP / FP / FN, then the averages."""
    result = evaluation.result
    table = Table(title=f"PartPQ ({evaluation.spec.name}, {len(evaluation.jobs)} images)")
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
