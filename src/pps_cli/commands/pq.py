"""`pps pq`: standard panoptic quality of COCO panoptic predictions, with panopticapi's numbers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import PpsError
from ._common import (
    OverwriteOption,
    WorkersOption,
    check_outputs,
    complete_eval_spec,
    human_console,
    load_spec,
    output_file,
    progress_bar,
    resolve_workers,
    say_wrote,
    user_errors,
    warn,
)

_File = dict(exists=True, dir_okay=False)
_Folder = dict(exists=True, file_okay=False)

if TYPE_CHECKING:
    from rich.table import Table

    from ..metrics.pq import PQResult


def pq_command(
    pred_json: Annotated[Path, typer.Option("--pred-json", help="Prediction JSON (COCO panoptic).", **_File)],
    pred_dir: Annotated[
        Path | None, typer.Option("--pred-dir", help="Prediction PNG folder (default: --pred-json without .json).")
    ] = None,
    gt_json: Annotated[
        Path | None, typer.Option("--gt-json", help="GT JSON (COCO panoptic, with categories, area, iscrowd).", **_File)
    ] = None,
    gt_dir: Annotated[
        Path | None, typer.Option("--gt-dir", help="GT PNG folder (default: --gt-json without .json).")
    ] = None,
    eval_spec: Annotated[
        str | None,
        typer.Option("--eval-spec", "-s", help="Against PPS GT: the EvalSpec (bundled name or YAML path).",
                     autocompletion=complete_eval_spec),
    ] = None,
    gt: Annotated[
        Path | None, typer.Option("--gt", help="Against PPS GT: the folder of uid TIFFs.", **_Folder)
    ] = None,
    images: Annotated[
        Path | None, typer.Option("--images", help="Against PPS GT: images.json (default: every GT TIFF).", **_File)
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the results JSON (panopticapi's structure) here; - for stdout."),
    ] = None,
    per_class: Annotated[bool, typer.Option("--per-class", help="Also print one row per category.")] = False,
    overwrite: OverwriteOption = False,
    workers: WorkersOption = None,  # type: ignore[assignment]
) -> None:
    """Compute PQ, SQ and RQ exactly as panopticapi's pq_compute, much faster.

    Against COCO panoptic GT: --gt-json [--gt-dir] --pred-json [--pred-dir].

    Against PPS ground truth: --eval-spec --gt [--images] --pred-json [--pred-dir].

    Definitions: docs/metrics.md.
    """
    from ..dataset import load_images
    from ..io import write_output
    from ..pq_eval import pq_evaluate, pq_results_json

    with user_errors():
        pps_mode = eval_spec is not None or gt is not None
        if pps_mode == (gt_json is not None) or (pps_mode and (eval_spec is None or gt is None)):
            raise PpsError("pps pq", "give either --gt-json (COCO GT) or --eval-spec with --gt (PPS GT)")
        if pps_mode and gt_dir is not None:
            raise PpsError("--gt-dir", "is for COCO GT (--gt-json); against PPS GT give the TIFF folder with --gt")
        if not pps_mode and images is not None:
            raise PpsError("--images", "is for PPS GT (--eval-spec --gt); COCO GT lists its images in --gt-json")
        inputs = [(pred_json, "--pred-json"), (pred_dir, "--pred-dir"), (gt_json, "--gt-json"), (gt_dir, "--gt-dir"),
                  (gt, "--gt"), (images, "--images")]  # fmt: skip
        check_outputs([output_file(output, "--output")], inputs=inputs, overwrite=overwrite)
        spec = load_spec(eval_spec) if eval_spec is not None else None
        image_list = load_images(images) if images is not None else None
        with progress_bar() as progress:
            task = progress.add_task("evaluating PQ", total=None)
            evaluation = pq_evaluate(
                pred_json=pred_json,
                pred_dir=pred_dir,
                gt_json=gt_json,
                gt_dir=gt if pps_mode else gt_dir,
                spec=spec,
                images=image_list,
                workers=resolve_workers(workers),
                on_start=lambda n: progress.update(task, total=n),
                on_image=lambda: progress.advance(task),
            )
        for message in evaluation.warnings:
            warn(message)
        if output is not None:
            write_output(output, pq_results_json(evaluation))
    human = human_console(output)
    if per_class:
        human.print(per_class_table(evaluation.result))
    human.print(pq_table(evaluation.result, title=f"PQ ({len(evaluation.image_ids)} images)"))
    say_wrote(output, console=human)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def pq_table(result: PQResult, *, title: str) -> Table:
    """The group rows of panopticapi's print: PQ, SQ, RQ (percent) and N; '-' for an empty group."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column("")
    for name in ("PQ", "SQ", "RQ", "N"):
        table.add_column(name, justify="right")
    for name, group in result.groups.items():
        table.add_row(name, _percent(group.pq), _percent(group.sq), _percent(group.rq), str(group.n))
    return table


def per_class_table(result: PQResult) -> Table:
    """One row per category: PQ, SQ, RQ (percent), TP, FP, FN; uncounted categories dimmed with '-'."""
    from rich.table import Table

    table = Table(title="PQ per category")
    table.add_column("id", justify="right")
    table.add_column("category")
    table.add_column("thing", justify="center")
    for name in ("PQ", "SQ", "RQ", "TP", "FP", "FN"):
        table.add_column(name, justify="right")
    for r in result.categories:
        values = [_percent(r.pq), _percent(r.sq), _percent(r.rq)] if r.counted else ["-", "-", "-"]
        table.add_row(
            str(r.category.id), r.category.name, "yes" if r.category.isthing else "", *values,
            str(r.tp), str(r.fp), str(r.fn), style=None if r.counted else "dim",
        )
    return table

