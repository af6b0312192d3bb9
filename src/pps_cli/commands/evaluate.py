"""`pps evaluate`: PartPQ, PQ and mIoU of 3-channel PPS predictions against part-aware panoptic GT."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..constants import METRICS
from ..errors import PpsError, summarize_list
from ._common import (
    EvalSpecOption,
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
    say_wrote,
    user_errors,
    warn,
)
from ._input_options import IdsOption, NoChannelCheckOption, NoLayoutCheckOption, OptionalImagesOption

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table

    from ..evaluate import Evaluation

TABLES = ("partpq", "pq", "miou", "summary")
"""What ``--table`` can print."""


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
        typer.Option("--output", "-o", help="Write the results JSON here (includes the reference's structure); - for stdout."),
    ] = None,
    per_image: Annotated[
        Path | None,
        typer.Option("--per-image", help="Write one JSON line per image with its per-category stats; - for stdout."),
    ] = None,
    metrics: Annotated[
        str,
        typer.Option("--metrics", help=f"Comma-separated metrics to compute: {', '.join(METRICS)} (default: all)."),
    ] = ",".join(METRICS),
    table: Annotated[
        str | None,
        typer.Option(
            "--table",
            help=f"Comma-separated tables to print: {', '.join(TABLES)} (default: partpq,summary).",
        ),
    ] = None,
    overwrite: OverwriteOption = False,
    percent: PercentOption = False,
    no_layout_check: NoLayoutCheckOption = False,
    no_channel_check: NoChannelCheckOption = False,
    workers: WorkersOption = None,  # type: ignore[assignment]
) -> None:
    """Compute PartPQ (identical to the panoptic_parts reference), PQ (panopticapi's rules) and mIoU in one pass.

    Every image (of --images, else of the GT folder; --ids selects some) needs a GT file and a prediction named by its id.

    Prints the PartPQ table per category and a summary (PartPQ, PQ, scene and part mIoU).

    --table pq / miou show PQ and IoU per category; --metrics partpq computes PartPQ only.

    Definitions: docs/metrics.md.
    """
    from ..dataset import images_to_evaluate
    from ..evaluate import evaluate, per_image_jsonl, results_json
    from ..io import write_files

    with user_errors():
        selected = parse_metrics(metrics)
        tables = parse_tables(table, selected)
        check_outputs(
            [output_file(output, "--output"), output_file(per_image, "--per-image")],
            inputs=[(gt, "--gt"), (pred, "--pred"), (images, "--images")],
            overwrite=overwrite,
        )
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
                metrics=selected,
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
        write_files(files)
    human = human_console(output, per_image)
    human.print(render_tables(evaluation, tables, percent=percent))
    say_wrote(output, per_image, console=human)


def warn_unknown_classes(evaluation: Evaluation, pred_dir: Path) -> None:
    """Warn about predicted class ids the spec does not evaluate (ignored, as by the reference)."""
    if evaluation.unknown_classes:
        counts = [f"{c} ({pixels} px)" for c, pixels in sorted(evaluation.unknown_classes.items())]
        warn(f"{pred_dir}: predicted class ids not evaluated by {evaluation.spec.name}, ignored: {summarize_list(counts)}")


def parse_metrics(value: str) -> tuple[str, ...]:
    """``--metrics`` as canonical metric names."""
    from ..metrics import check_metrics

    try:
        return check_metrics(name.strip() for name in value.split(",") if name.strip())
    except ValueError as e:
        raise PpsError("--metrics", str(e)) from None


def parse_tables(value: str | None, metrics: tuple[str, ...]) -> tuple[str, ...]:
    """``--table`` as table names; the default is the PartPQ table (when computed) and the summary."""
    if value is None:
        return ("partpq", "summary") if "partpq" in metrics else ("summary",)
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in TABLES]
    if unknown or not names:
        raise PpsError("--table", f"unknown tables {unknown}; choose from {', '.join(TABLES)}")
    missing = [name for name in names if name != "summary" and name not in metrics]
    if missing:
        raise PpsError("--table", f"{', '.join(missing)} not computed; add it to --metrics")
    return tuple(dict.fromkeys(names))


def render_tables(evaluation: Evaluation, tables: tuple[str, ...], *, percent: bool = False) -> RenderableType:
    """The requested tables, in the order given (``percent``: metrics x100, as papers report them)."""
    from rich.console import Group

    builders = {"partpq": results_table, "pq": pq_table, "miou": miou_tables, "summary": summary_table}
    return Group(*(builders[name](evaluation, percent=percent) for name in tables))


def default_tables(evaluation: Evaluation, *, percent: bool = False) -> RenderableType:
    """What `pps evaluate` prints by default: the PartPQ table (when computed) and the summary."""
    return render_tables(evaluation, parse_tables(None, evaluation.metrics), percent=percent)


def _title(what: str, percent: bool) -> str:
    return f"{what}, %" if percent else what


def results_table(evaluation: Evaluation, *, percent: bool = False) -> Table:
    """Per-category PartPQ / PartSQ / PartRQ / TP / FP / FN, then the averages."""
    from rich.table import Table

    _fmt = functools.partial(fmt_metric, percent=percent)
    result = evaluation.result
    assert result is not None, "PartPQ was not computed"
    table = Table(title=_title(f"PartPQ ({evaluation.spec.name}, {len(evaluation.jobs)} images", percent) + ")")
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


def pq_table(evaluation: Evaluation, *, percent: bool = False) -> Table:
    """Per-category PQ / SQ / RQ / TP / FP / FN, then All / Things / Stuff / Parts / NoParts."""
    from rich.table import Table

    _fmt = functools.partial(fmt_metric, percent=percent)
    result = evaluation.summary.pq
    assert result is not None, "PQ was not computed"
    table = Table(title=_title(f"PQ ({evaluation.spec.name}, {len(evaluation.jobs)} images", percent) + ")")
    table.add_column("sid", justify="right")
    table.add_column("category")
    table.add_column("thing", justify="center")
    table.add_column("parts", justify="center")
    for name in ("PQ", "SQ", "RQ", "TP", "FP", "FN"):
        table.add_column(name, justify="right")
    for r in result.categories:
        values = [_fmt(r.pq), _fmt(r.sq), _fmt(r.rq)] if r.counted else ["-", "-", "-"]
        table.add_row(
            str(r.category.id), r.category.name, "yes" if r.category.isthing else "", "yes" if r.category.has_parts else "",
            *values, str(r.tp), str(r.fp), str(r.fn), style=None if r.counted else "dim",
        )
    table.add_section()
    for name, group in result.groups.items():
        table.add_row("", f"[bold]{name}[/] (n={group.n})", "", "", _fmt(group.pq), _fmt(group.sq), _fmt(group.rq),
                      "", "", "")
    return table


def miou_tables(evaluation: Evaluation, *, percent: bool = False) -> RenderableType:
    """Scene IoU per eval sid and part IoU per flat part id, with the means ('-': empty union)."""
    from rich.console import Group
    from rich.table import Table

    from ..metrics.miou import part_name

    _fmt = functools.partial(fmt_metric, percent=percent)
    scene, parts, spec = evaluation.summary.scene, evaluation.summary.parts, evaluation.spec
    assert scene is not None and parts is not None, "mIoU was not computed"
    scene_table = Table(title=f"scene IoU ({spec.name})")
    scene_table.add_column("sid", justify="right")
    scene_table.add_column("category")
    scene_table.add_column("IoU", justify="right")
    for sid, iou in zip(scene.sids, scene.ious, strict=True):
        scene_table.add_row(str(sid), spec.category_name(sid), _fmt(iou), style=None if iou is not None else "dim")
    scene_table.add_section()
    scene_table.add_row("", "[bold]mIoU[/]", _fmt(scene.miou))
    part_table = Table(title=f"part IoU ({spec.name})")
    part_table.add_column("flat id", justify="right")
    part_table.add_column("part")
    part_table.add_column("IoU", justify="right")
    for flat, iou in zip(parts.flat_ids, parts.ious, strict=True):
        part_table.add_row(str(flat), part_name(spec, flat), _fmt(iou), style=None if iou is not None else "dim")
    part_table.add_section()
    part_table.add_row("0", "background (not in the mean)", _fmt(parts.background))
    part_table.add_row("", "[bold]mIoU[/]", _fmt(parts.miou))
    return Group(scene_table, part_table)


def summary_table(evaluation: Evaluation, *, percent: bool = False) -> Table:
    """The numbers papers report: PartPQ all / parts / no parts, PQ all / things / stuff / parts / no parts,
    scene and part mIoU, each with the number of categories it averages."""
    from rich.table import Table

    _fmt = functools.partial(fmt_metric, percent=percent)
    summary = evaluation.summary
    table = Table(title=_title(f"summary ({evaluation.spec.name}, {len(evaluation.jobs)} images", percent) + ")")
    table.add_column("metric")
    table.add_column("group")
    table.add_column("value", justify="right")
    table.add_column("n", justify="right")
    if summary.partpq is not None:
        p = summary.partpq
        for label, group in (("all", p.all), ("parts", p.parts), ("no parts", p.no_parts)):
            table.add_row("PartPQ", label, _fmt(group.part_pq), str(group.n))
        table.add_section()
    if summary.pq is not None:
        labels = {"All": "all", "Things": "things", "Stuff": "stuff", "Parts": "parts", "NoParts": "no parts"}
        for name, group in summary.pq.groups.items():
            table.add_row("PQ", labels[name], _fmt(group.pq), str(group.n))
        table.add_section()
    if summary.scene is not None and summary.parts is not None:
        table.add_row("mIoU", "scene", _fmt(summary.scene.miou), str(sum(iou is not None for iou in summary.scene.ious)))
        table.add_row("mIoU", "parts", _fmt(summary.parts.miou), str(sum(iou is not None for iou in summary.parts.ious)))
    return table
