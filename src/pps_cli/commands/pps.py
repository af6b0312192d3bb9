"""`pps pps`: merge panoptic and part predictions into part-aware panoptic (3-channel) PNGs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import (
    EvalSpecOption,
    ImagesOption,
    WorkersOption,
    check_outputs,
    load_spec,
    output_folder,
    progress_bar,
    resolve_workers,
    say,
    user_errors,
    warn,
)
from ._input_options import NoPartsCheckOption, PanopticIdsOption


def pps_command(
    eval_spec: EvalSpecOption,
    panoptic_dir: Annotated[
        Path,
        typer.Option(
            "--panoptic-dir",
            help="Folder of panoptic PNGs: COCO RGB (id = R + 256 G + 256² B) named by the JSON's file_name or by "
            "image id, or 8/16-bit single-channel ids; without --panoptic-json also <image id>.json (segments_info).",
            exists=True,
            file_okay=False,
        ),
    ],
    parts: Annotated[
        Path,
        typer.Option(
            "--parts",
            help="Folder of part segmentation PNGs (8-bit flat part ids), one per image: <image id>.png.",
            exists=True,
            file_okay=False,
        ),
    ],
    images: ImagesOption,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output folder: one PPS PNG per image, named like its panoptic PNG.")
    ],
    panoptic_json: Annotated[
        Path | None,
        typer.Option(
            "--panoptic-json",
            help="COCO panoptic JSON (annotations with image_id, file_name, segments_info), e.g. from `pps panoptic`; "
            "omit it for detectron2/TAPPS folders of <image id>.png + <image id>.json.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace PPS PNGs already in the output folder.")] = False,
    panoptic_ids: PanopticIdsOption = None,
    no_parts_check: NoPartsCheckOption = False,
    workers: WorkersOption = None,  # type: ignore[assignment]
) -> None:
    """Merge panoptic and part predictions into part-aware panoptic PNGs (class, instance, part channels).

    Pixel for pixel what the reference's merge_to_pps writes. Pixels of no segment: 255/0/0.

    Instance channel: each category's segments numbered 1, 2, ... in segments_info order.

    Part channel: parts classes get the eval pid of each flat part id of that class, 255 elsewhere; other classes get 1.

    Nothing is written unless every image succeeds; the output does not depend on --workers. PNGs that already exist
    in the output folder are an error unless --overwrite is given (then they are replaced; other files are kept).
    """
    from ..dataset import load_images
    from ..formats.idspaces import parse_id_space
    from ..formats.panoptic_json import load_panoptic_inputs
    from ..merge.pps import merge_pps_files

    with user_errors():
        check_outputs(
            [output_folder(output, "--output")],  # merge_pps_files checks its own PNGs for --overwrite
            inputs=[(panoptic_dir, "--panoptic-dir"), (panoptic_json, "--panoptic-json"), (parts, "--parts"),
                    (images, "--images")],
        )  # fmt: skip
        spec = load_spec(eval_spec)
        image_list = load_images(images)
        annotations, source = load_panoptic_inputs(
            panoptic_dir, panoptic_json, image_list, spec=spec, id_space=parse_id_space(panoptic_ids, option="--panoptic-ids")
        )
        with progress_bar() as progress:
            task = progress.add_task("merging", total=len(image_list))
            report = merge_pps_files(
                spec=spec,
                images=image_list,
                annotations=annotations,
                panoptic_json=source,
                panoptic_dir=panoptic_dir,
                parts_dir=parts,
                out_dir=output,
                workers=resolve_workers(workers),
                overwrite=overwrite,
                on_image=lambda _: progress.advance(task),
                check_parts=not no_parts_check,
            )
        for message in report.warnings(source):
            warn(message)
    say(f"wrote {report.num_images} PPS PNGs to {output}")
