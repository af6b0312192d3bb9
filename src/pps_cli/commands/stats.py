"""`pps stats`: per class and part counts of a ground-truth folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._common import (
    EvalSpecOption,
    OverwriteOption,
    WorkersOption,
    check_outputs,
    human_console,
    load_spec,
    output_file,
    progress_bar,
    resolve_workers,
    say_wrote,
    user_errors,
)
from ._input_options import IdsOption, NoLayoutCheckOption, OptionalImagesOption

if TYPE_CHECKING:
    from rich.table import Table


def stats_command(
    gt: Annotated[
        Path,
        typer.Argument(
            help="Ground-truth folder: <city>/<id>_gtFinePanopticParts.tif (CPP) or <id>.tif (PPP).", exists=True, file_okay=False
        ),
    ],
    eval_spec: EvalSpecOption,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the statistics as JSON here; - for stdout.")
    ] = None,
    images: OptionalImagesOption = None,
    ids: IdsOption = None,
    overwrite: OverwriteOption = False,
    no_layout_check: NoLayoutCheckOption = False,
    workers: WorkersOption = None,  # type: ignore[assignment]
) -> None:
    """Count per class its images, instances, part-annotated instances, crowd regions and pixels, and per part its pixels.

    Classes are the EvalSpec's evaluated classes; parts are its eval parts (after the DatasetSpec's pid
    folding), as PartPQ sees them. One decode pass over the GT files, in parallel.
    """
    from ..dataset import images_to_evaluate
    from ..formats.checks import check_layout
    from ..io import dumps_json, write_output
    from ..stats import gt_stats, stats_document

    with user_errors():
        check_outputs([output_file(output, "--output")], inputs=[(gt, "GT"), (images, "--images")], overwrite=overwrite)
        spec = load_spec(eval_spec)
        if not no_layout_check:
            check_layout(gt, spec)
        selected = images_to_evaluate(gt, images, ids)
        with progress_bar() as progress:
            task = progress.add_task("counting", total=len(selected))
            stats = gt_stats(spec, gt, selected, workers=resolve_workers(workers), on_image=lambda _: progress.advance(task))
        document = stats_document(stats, spec, gt_dir=gt)
        if output is not None:
            write_output(output, dumps_json(document))
    human = human_console(output)
    human.print(classes_table(document))
    parts = parts_table(document)
    if parts.row_count:
        human.print(parts)
    say_wrote(output, console=human)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def classes_table(document: dict[str, Any]) -> Table:
    """Per class: images, instances, part-annotated instances, crowd regions, pixels (share of all pixels)."""
    from rich.table import Table

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
    from rich.table import Table

    table = Table(title="parts")
    for name, justify in (("class", "left"), ("pid", "right"), ("part", "left"), ("pixels", "right"), ("of class", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for c in document["classes"].values():
        for pid, part in c["parts"].items():
            table.add_row(c["name"], pid, part["name"], str(part["pixels"]), _percent(part["pixels"], c["pixels"]))
    return table
