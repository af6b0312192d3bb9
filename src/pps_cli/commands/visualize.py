"""`pps visualize`: colored PNGs of ground truth and PPS predictions, side by side, with a legend."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import PpsError
from ._common import (
    EvalSpecOption,
    OverwriteOption,
    WorkersOption,
    check_outputs,
    load_spec,
    number_option,
    output_folder,
    progress_bar,
    resolve_workers,
    say,
    user_errors,
)
from ._input_options import IdsOption


def visualize_command(
    eval_spec: EvalSpecOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for <id>.png and legend.png.")],
    gt: Annotated[
        Path | None,
        typer.Option(
            "--gt",
            help="Ground truth: a folder (CPP <city>/<id>_gtFinePanopticParts.tif, PPP <id>.tif) or one uid TIFF.",
            exists=True,
        ),
    ] = None,
    pred: Annotated[
        Path | None,
        typer.Option(
            "--pred",
            help="PPS predictions: a folder of 3-channel PNGs (class, instance, part; searched recursively) or one PNG.",
            exists=True,
        ),
    ] = None,
    images: Annotated[
        Path | None,
        typer.Option(
            "--images", help="images.json: which images, in which order (default: all GT images).", exists=True, dir_okay=False
        ),
    ] = None,
    image_dir: Annotated[
        Path | None,
        typer.Option(
            "--image-dir",
            help="Input photos to show on the left, matched by id (<id>.jpg, <id>_leftImg8bit.png, ...; recursive).",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    ids: IdsOption = None,
    scale: Annotated[
        float,
        number_option(
            "--scale", help="Resize factor of every panel (0.5 halves a 2048x1024 image).", minimum=0, maximum=16, above=True
        ),
    ] = 1.0,
    legend: Annotated[
        bool, typer.Option("--legend/--no-legend", help="Add the legend of the classes present to each image.")
    ] = True,
    errors: Annotated[
        bool,
        typer.Option(
            "--errors",
            help="Add an error view: true positives, false positives, false negatives, ignored, part errors "
            "(the matching of the metric), with the image's PartPQ. Needs --gt and --pred.",
        ),
    ] = False,
    overwrite: OverwriteOption = False,
    workers: WorkersOption = None,  # type: ignore[assignment]
) -> None:
    """Color ground truth and/or PPS predictions, side by side with the input image and a legend.

    Writes OUT/<id>.png (input image | ground truth | prediction | classes present; panels
    without input are left out) and OUT/legend.png (every class seen). Each class has its
    DatasetSpec color; instances are lighter or darker shades of it (fixed per instance id),
    parts further shades within their instance; unlabeled parts are hatched, void is black.
    White lines separate segments, contrasting lines separate parts. A class found only in
    the ground truth or only in the predictions is marked so in the legend.

    --errors adds a panel colored by outcome, decided by the metric's own matching: true
    positive (green; pale green where the pair's segments do not overlap), part error inside a
    true positive (orange), false negative (blue), false positive (red; hatched blue where it
    is both), ignored (gray: crowd, predictions mostly on void), void (black). Classes the
    EvalSpec does not evaluate are drawn as void in every panel. See docs/visualize.md.

    Examples:

      pps visualize -s cpp-default --gt gt/ --pred pps/ --image-dir leftImg8bit/ -o vis/

      pps visualize -s ppp-default --pred pps/2008_000393.png -o vis/

      pps visualize -s cpp-default --gt gt/ --pred pps/ --errors --scale 0.5 -o vis/
    """
    from ..dataset import parse_ids
    from ..visualize import Palette, plan_jobs, visualize

    with user_errors():
        if errors and (gt is None or pred is None):
            raise PpsError("--errors", "needs both --gt and --pred")
        spec = load_spec(eval_spec)
        jobs = plan_jobs(gt=gt, pred=pred, images_json=images, image_dir=image_dir, ids=None if ids is None else parse_ids(ids))
        files = [(f"{job.key}.png", f"image {job.key}") for job in jobs] + [("legend.png", "the legend")]
        check_outputs(
            [output_folder(output, "--output", files=files)],
            inputs=[(gt, "--gt"), (pred, "--pred"), (images, "--images"), (image_dir, "--image-dir")],
            overwrite=overwrite,
        )
        with progress_bar() as progress:
            task = progress.add_task("visualizing", total=len(jobs))
            visualize(
                jobs,
                output,
                palette=Palette.from_spec(spec),
                scale=scale,
                legend=legend,
                workers=resolve_workers(workers),
                on_image=lambda _: progress.advance(task),
                errors_spec=spec if errors else None,
            )
    noun = "image" if len(jobs) == 1 else "images"
    say(f"wrote {len(jobs)} {noun} and legend.png to {output}")
