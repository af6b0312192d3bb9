"""`pps stats`: per class and part counts of a ground-truth folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..errors import PpsError
from ._common import EvalSpecOption, WorkersOption, load_spec, out, progress_bar, resolve_workers, user_errors
from ._input_options import IdsOption, NoLayoutCheckOption, OptionalImagesOption


def stats_command(
    gt: Annotated[
        Path,
        typer.Argument(
            help="Ground-truth folder: <city>/<id>_gtFinePanopticParts.tif (CPP) or <id>.tif (PPP).", exists=True, file_okay=False
        ),
    ],
    eval_spec: EvalSpecOption,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the statistics as JSON here.", dir_okay=False)
    ] = None,
    images: OptionalImagesOption = None,
    ids: IdsOption = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output file.")] = False,
    no_layout_check: NoLayoutCheckOption = False,
    workers: WorkersOption = None,  # type: ignore[assignment]
) -> None:
    """Count per class its images, instances, part-annotated instances, crowd regions and pixels, and per part its pixels.

    Classes are the EvalSpec's evaluated classes; parts are its eval parts (after the DatasetSpec's pid
    folding), as PartPQ sees them. One decode pass over the GT files, in parallel.
    """
    from ..checks import check_layout
    from ..dataset import images_to_evaluate
    from ..io import dumps_json, write_bytes_atomic
    from ..stats import gt_stats, stats_document

    with user_errors():
        if output is not None and output.exists() and not overwrite:
            raise PpsError(output, "already exists (given as --output); add --overwrite to replace it")
        spec = load_spec(eval_spec)
        if not no_layout_check:
            check_layout(gt, spec)
        selected = images_to_evaluate(gt, images, ids)
        with progress_bar() as progress:
            task = progress.add_task("counting", total=len(selected))
            stats = gt_stats(spec, gt, selected, workers=resolve_workers(workers), on_image=lambda _: progress.advance(task))
        document = stats_document(stats, spec, gt_dir=gt)
        if output is not None:
            write_bytes_atomic(output, dumps_json(document))
    out.print(classes_table(document))
    parts = parts_table(document)
    if parts.row_count:
        out.print(parts)
    if output is not None:
        out.print(f"wrote {output}", highlight=False)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def classes_table(document: dict[str, Any]) -> Table:
    """Per class: images, instances, part-annotated instances, crowd regions, pixels (share of all pixels)."""
    total_pixels = document["totals"]["pixels"]
    table = Table(title=f"ground truth ({document['eval_spec']}, {document['num_images']} images)")
    for name, justify in (("sid", "right"), ("class", "left"), ("images", "right"), ("instances", "right"),
                          ("with parts", "right"), ("crowd", "right"), ("pixels", "right"), ("share", "right")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for sid, c in document["classes"].items():
        things = [str(c["instances"]), str(c["part_annotated_instances"]) if c["has_parts"] else "", str(c["crowd_regions"])]
        table.add_row(
            sid, c["name"], str(c["images"]), *(things if c["is_thing"] else ["", "", ""]), str(c["pixels"]),
            _percent(c["pixels"], total_pixels), style=None if c["pixels"] else "dim",
        )  # fmt: skip
    t = document["totals"]
    table.add_section()
    table.add_row("", "[bold]total[/]", "", str(t["instances"]), str(t["part_annotated_instances"]),
                  str(t["crowd_regions"]), str(t["evaluated_pixels"]), _percent(t["evaluated_pixels"], total_pixels))  # fmt: skip
    void = total_pixels - t["evaluated_pixels"]
    table.add_row("", "void", "", "", "", "", str(void), _percent(void, total_pixels), style="dim")
    return table


def parts_table(document: dict[str, Any]) -> Table:
    """Per part of each class: pixels and share of the class's pixels."""
    table = Table(title="parts")
    for name, justify in (("class", "left"), ("pid", "right"), ("part", "left"), ("pixels", "right"), ("of class", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for c in document["classes"].values():
        for pid, part in c["parts"].items():
            table.add_row(c["name"], pid, part["name"], str(part["pixels"]), _percent(part["pixels"], c["pixels"]))
    return table
