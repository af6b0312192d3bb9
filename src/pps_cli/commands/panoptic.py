"""`pps panoptic`: merge semantic and instance predictions into COCO panoptic results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..constants import CONFIDENCE_THRESHOLD, OVERLAP_THRESHOLD, PANOPTIC_DIR, PANOPTIC_JSON, STUFF_AREA_LIMIT
from ._common import (
    EvalSpecOption,
    ImagesOption,
    InstanceFormat,
    InstanceFormatOption,
    WorkersOption,
    check_outputs,
    load_spec,
    number_option,
    output_folder,
    progress_bar,
    resolve_workers,
    say,
    user_errors,
    warn,
)
from ._input_options import InstanceIdsOption, SemanticIdsOption


def panoptic_command(
    eval_spec: EvalSpecOption,
    semantic: Annotated[
        Path,
        typer.Option(
            "--semantic",
            help="Folder of semantic segmentation PNGs (8-bit eval sids), one per image: <image id>[_suffix].png.",
            exists=True,
            file_okay=False,
        ),
    ],
    instances: Annotated[
        Path,
        typer.Option(
            "--instances",
            help="Instance predictions: a COCO results JSON, a folder of <image id>.json, "
            "or a folder of Cityscapes <image id>*.txt files with their mask PNGs.",
            exists=True,
        ),
    ],
    images: ImagesOption,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help=f"Output folder: gets {PANOPTIC_DIR}/<file_name>.png and {PANOPTIC_JSON}."),
    ],
    instance_format: InstanceFormatOption = InstanceFormat.auto,
    confidence_thr: Annotated[
        float, number_option("--confidence-thr", help="Drop instances scoring below this.", minimum=0, maximum=1)
    ] = CONFIDENCE_THRESHOLD,
    overlap_thr: Annotated[
        float,
        number_option(
            "--overlap-thr", help="Skip an instance when more than this fraction of it is already taken.", minimum=0, maximum=1
        ),
    ] = OVERLAP_THRESHOLD,
    stuff_area_limit: Annotated[
        int,
        number_option("--stuff-area-limit", help="Fewest free pixels a stuff class needs to become a segment.", minimum=0),
    ] = STUFF_AREA_LIMIT,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing panoptic.json and PNGs.")] = False,
    semantic_ids: SemanticIdsOption = None,
    instance_ids: InstanceIdsOption = None,
    workers: WorkersOption = None,  # type: ignore[assignment]
) -> None:
    """Merge semantic and instance predictions into COCO panoptic PNGs and panoptic.json.

    The panopticapi procedure with the reference's parameters: instances by descending score, each
    taking its free pixels unless more than --overlap-thr of it is taken; then each stuff class of the
    EvalSpec, in order, takes its free semantic pixels if there are at least --stuff-area-limit.

    Segment ids are 1..N in segments_info order, so the output is byte-identical for any --workers.
    Nothing is written unless every image succeeds.
    """
    from ..dataset import load_images
    from ..formats.idspaces import parse_id_space
    from ..merge.panoptic import merge_panoptic_files

    with user_errors():
        check_outputs(
            [output_folder(output, "--output")],  # merge_panoptic_files checks its own files for --overwrite
            inputs=[(semantic, "--semantic"), (instances, "--instances"), (images, "--images")],
        )
        spec = load_spec(eval_spec)
        semantic_space = parse_id_space(semantic_ids, option="--semantic-ids")
        instance_space = parse_id_space(instance_ids, option="--instance-ids")
        image_list = load_images(images)
        with progress_bar() as progress:
            task = progress.add_task("merging", total=len(image_list))
            report = merge_panoptic_files(
                spec=spec,
                images=image_list,
                images_json=images,
                semantic_dir=semantic,
                instances=instances,
                instance_format=instance_format.value,  # type: ignore[arg-type]
                out_dir=output,
                confidence_thr=confidence_thr,
                overlap_thr=overlap_thr,
                stuff_area_limit=stuff_area_limit,
                workers=resolve_workers(workers),
                overwrite=overwrite,
                on_image=lambda _: progress.advance(task),
                semantic_ids=semantic_space,
                instance_ids=instance_space,
            )
        for message in report.warnings:
            warn(message)
    say(
        f"wrote {report.num_images} panoptic PNGs ({report.num_segments} segments) to {output / PANOPTIC_DIR} "
        f"and {output / PANOPTIC_JSON}"
    )
