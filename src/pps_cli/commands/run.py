"""`pps run`: images.json, panoptic merge, PPS merge and PartPQ in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..constants import PPS_DIR
from ._common import (
    EvalSpecOption,
    InstanceFormat,
    InstanceFormatOption,
    PercentOption,
    WorkersOption,
    check_outputs,
    load_spec,
    output_folder,
    progress_bar,
    resolve_workers,
    say,
    stdout_console,
    user_errors,
    warn,
)
from ._input_options import (
    IdsOption,
    InstanceIdsOption,
    NoChannelCheckOption,
    NoLayoutCheckOption,
    NoPartsCheckOption,
    PanopticIdsOption,
    SemanticIdsOption,
)
from .evaluate import default_tables, warn_unknown_classes


def _folder(help: str) -> Any:
    return typer.Option(help=help, exists=True, file_okay=False)


def run_command(
    eval_spec: EvalSpecOption,
    gt: Annotated[Path, _folder("Ground-truth folder (CPP <city>/<id>_gtFinePanopticParts.tif or PPP <id>.tif).")],
    parts: Annotated[Path, _folder("Folder of part segmentation PNGs (flat part ids), one per image.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for every stage's outputs.")],
    semantic: Annotated[Path | None, _folder("Folder of semantic segmentation PNGs (eval sids).")] = None,
    instances: Annotated[
        Path | None,
        typer.Option(
            help="Instance predictions: COCO results JSON, folder of per-image JSON, or Cityscapes txt folder.", exists=True
        ),
    ] = None,
    instance_format: InstanceFormatOption = InstanceFormat.auto,
    panoptic_dir: Annotated[
        Path | None, _folder("Instead of --semantic/--instances: a network's COCO panoptic PNG folder.")
    ] = None,
    panoptic_json: Annotated[
        Path | None,
        typer.Option(
            help="The COCO panoptic JSON of --panoptic-dir (omit it for <image id>.png + <image id>.json folders).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    images: Annotated[
        Path | None,
        typer.Option(help="images.json to use (default: built from --gt).", exists=True, dir_okay=False),
    ] = None,
    ids: IdsOption = None,
    semantic_ids: SemanticIdsOption = None,
    instance_ids: InstanceIdsOption = None,
    panoptic_ids: PanopticIdsOption = None,
    no_parts_check: NoPartsCheckOption = False,
    no_layout_check: NoLayoutCheckOption = False,
    no_channel_check: NoChannelCheckOption = False,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace the whole content of a non-empty --output folder (without it, an error)."),
    ] = False,
    percent: PercentOption = False,
    workers: WorkersOption = None,
) -> None:
    """Run the whole pipeline: images.json, panoptic merge, PPS merge and PartPQ evaluation.

    Writes OUT/images.json, OUT/panoptic/ + OUT/panoptic.json (unless --panoptic-dir is given),
    OUT/pps/, OUT/results.json and OUT/per_image.jsonl, then prints the PartPQ table. Each stage
    can be re-run alone with its own command on these files.

    All stages are staged together: if any fails or is interrupted, OUT is left exactly as it was.
    """
    from ..formats.idspaces import parse_id_space
    from ..pipeline import PipelineInputs, run_pipeline

    with user_errors():
        inputs = PipelineInputs(
            gt_dir=gt,
            parts_dir=parts,
            semantic_dir=semantic,
            instances=instances,
            instance_format=instance_format.value,  # type: ignore[arg-type]
            panoptic_dir=panoptic_dir,
            panoptic_json=panoptic_json,
            images_json=images,
            ids=ids,
            semantic_ids=parse_id_space(semantic_ids, option="--semantic-ids"),
            instance_ids=parse_id_space(instance_ids, option="--instance-ids"),
            panoptic_ids=parse_id_space(panoptic_ids, option="--panoptic-ids"),
            parts_check=not no_parts_check,
            layout_check=not no_layout_check,
            channel_check=not no_channel_check,
        )
        check_outputs(
            [output_folder(output, "--output", whole=True)],
            inputs=[(gt, "--gt"), (parts, "--parts"), (semantic, "--semantic"), (instances, "--instances"),
                    (panoptic_dir, "--panoptic-dir"), (panoptic_json, "--panoptic-json"), (images, "--images")],
            overwrite=overwrite,
        )  # fmt: skip
        spec = load_spec(eval_spec)
        with progress_bar() as progress:

            def follow(stage: str, total: int) -> Any:
                task = progress.add_task(stage, total=total)
                return lambda _: progress.advance(task)

            result = run_pipeline(
                inputs, spec=spec, out_dir=output, workers=resolve_workers(workers), progress=follow, replace=overwrite
            )
        for message in result.warnings:
            warn(message)
        warn_unknown_classes(result.evaluation, output / PPS_DIR)
    stdout_console().print(default_tables(result.evaluation, percent=percent))
    say(f"wrote every stage's outputs to {output}")
