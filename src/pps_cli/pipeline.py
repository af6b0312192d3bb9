"""The whole day-one pipeline: images.json, panoptic merge, PPS merge and PartPQ, into one folder.

Each stage writes where the single commands would, so any stage can be re-run alone:

``OUT/images.json`` (``pps images-json``), ``OUT/panoptic/`` + ``OUT/panoptic.json``
(``pps panoptic``; skipped when panoptic predictions are given), ``OUT/pps/`` (``pps pps``),
``OUT/results.json`` + ``OUT/per_image.jsonl`` (``pps evaluate``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .constants import PPS_DIR
from .dataset import build_images, images_json, load_images, select_images
from .errors import PpsError
from .evaluate import Evaluation, evaluate, per_image_jsonl, results_json
from .formats.checks import check_layout
from .formats.idspaces import EVAL, IdSpace
from .formats.instances import InstanceFormat
from .formats.panoptic_json import load_panoptic_inputs
from .io import read_bytes, staged_output, write_bytes_atomic, write_json
from .merge.panoptic import PANOPTIC_DIR, PANOPTIC_JSON, merge_panoptic_files
from .merge.pps import merge_pps_files
from .specs import EvalSpec

IMAGES_JSON = "images.json"
RESULTS_JSON = "results.json"
PER_IMAGE_JSONL = "per_image.jsonl"

StageProgress = Callable[[str, int], Callable[[Any], None]]
"""``(stage name, number of images) -> per-image callback``: how a caller follows the stages."""


@dataclass(frozen=True)
class PipelineInputs:
    """What ``pps run`` merges and evaluates. Give semantic + instances, or panoptic dir + json."""

    gt_dir: Path
    parts_dir: Path
    semantic_dir: Path | None = None
    instances: Path | None = None
    instance_format: InstanceFormat | Literal["auto"] = "auto"
    panoptic_dir: Path | None = None
    panoptic_json: Path | None = None
    images_json: Path | None = None
    ids: str | None = None
    """``--ids``: only these images (a comma-separated list or a file of ids)."""
    semantic_ids: IdSpace = EVAL
    instance_ids: IdSpace = EVAL
    panoptic_ids: IdSpace = EVAL
    parts_check: bool = True
    layout_check: bool = True
    channel_check: bool = True


@dataclass(frozen=True)
class PipelineResult:
    evaluation: Evaluation
    out_dir: Path
    warnings: tuple[str, ...]


def _check_inputs(inputs: PipelineInputs) -> None:
    from_merge = inputs.semantic_dir is not None or inputs.instances is not None
    from_panoptic = inputs.panoptic_dir is not None or inputs.panoptic_json is not None
    if from_merge == from_panoptic:
        raise PpsError(None, "give either --semantic and --instances, or --panoptic-dir (and --panoptic-json for COCO panoptic)")
    if from_merge and (inputs.semantic_dir is None or inputs.instances is None):
        raise PpsError(None, "--semantic and --instances go together")
    if from_panoptic and inputs.panoptic_dir is None:
        raise PpsError(None, "--panoptic-json needs --panoptic-dir (the folder of its PNGs)")


def run_pipeline(
    inputs: PipelineInputs,
    *,
    spec: EvalSpec,
    out_dir: Path,
    workers: int = 1,
    progress: StageProgress | None = None,
    replace: bool = False,
) -> PipelineResult:
    """Run every stage in order (see the module docstring for what lands where).

    Every stage writes into one staging folder, moved into ``out_dir`` when all succeeded
    (``replace``: ``out_dir`` then holds only this run's files).

    Raises
    ------
    PpsError
        From the first stage that meets bad input; ``out_dir`` is then left as it was.
    """
    _check_inputs(inputs)
    with staged_output(out_dir, replace=replace) as stage:
        evaluation, warnings = _run_stages(inputs, spec=spec, stage=stage, out_dir=out_dir, workers=workers, progress=progress)
    return PipelineResult(evaluation, out_dir, warnings)


def _run_stages(
    inputs: PipelineInputs,
    *,
    spec: EvalSpec,
    stage: Path,
    out_dir: Path,
    workers: int,
    progress: StageProgress | None,
) -> tuple[Evaluation, tuple[str, ...]]:
    """The stages, writing into ``stage``; files record ``out_dir`` paths (where they will be)."""

    def follow(stage: str, total: int) -> Callable[[Any], None] | None:
        return None if progress is None else progress(stage, total)

    warnings: list[str] = []
    if inputs.layout_check:
        check_layout(inputs.gt_dir, spec)
    images_path = stage / IMAGES_JSON
    if inputs.images_json is not None and inputs.ids is None:
        write_bytes_atomic(images_path, read_bytes(inputs.images_json))
    else:
        listed = build_images(inputs.gt_dir) if inputs.images_json is None else load_images(inputs.images_json)
        write_json(images_path, images_json(select_images(listed, inputs.ids)))
    images = load_images(images_path)

    if inputs.semantic_dir is not None and inputs.instances is not None:
        report = merge_panoptic_files(
            spec=spec,
            images=images,
            images_json=images_path,
            semantic_dir=inputs.semantic_dir,
            instances=inputs.instances,
            instance_format=inputs.instance_format,
            out_dir=stage,
            workers=workers,
            on_image=follow("panoptic merge", len(images)),
            semantic_ids=inputs.semantic_ids,
            instance_ids=inputs.instance_ids,
        )
        warnings.extend(report.warnings)
        panoptic_dir, panoptic_json = stage / PANOPTIC_DIR, stage / PANOPTIC_JSON
        panoptic_ids = EVAL  # our own merge writes eval sids
    elif inputs.panoptic_dir is not None:
        panoptic_dir, panoptic_json = inputs.panoptic_dir, inputs.panoptic_json
        panoptic_ids = inputs.panoptic_ids
    else:  # pragma: no cover - _check_inputs rules this out
        raise PpsError(None, "no panoptic input")

    annotations, source = load_panoptic_inputs(panoptic_dir, panoptic_json, images, spec=spec, id_space=panoptic_ids)
    pps_report = merge_pps_files(
        spec=spec,
        images=images,
        annotations=annotations,
        panoptic_json=source,
        panoptic_dir=panoptic_dir,
        parts_dir=inputs.parts_dir,
        out_dir=stage / PPS_DIR,
        workers=workers,
        on_image=follow("PPS merge", len(images)),
        check_parts=inputs.parts_check,
    )
    staged = Path(source)
    warnings.extend(pps_report.warnings(out_dir / staged.relative_to(stage) if stage in staged.parents else source))

    evaluation = evaluate(
        spec,
        images,
        inputs.gt_dir,
        stage / PPS_DIR,
        workers=workers,
        on_image=follow("evaluation", len(images)),
        layout_check=False,  # checked above, before any stage
        channel_check=inputs.channel_check,
    )
    evaluation = dataclasses.replace(  # name the predictions where they will be, not in the staging folder
        evaluation,
        jobs=tuple(dataclasses.replace(j, pred_path=out_dir / j.pred_path.relative_to(stage)) for j in evaluation.jobs),
    )
    write_bytes_atomic(stage / RESULTS_JSON, results_json(evaluation, gt_dir=inputs.gt_dir, pred_dir=out_dir / PPS_DIR))
    write_bytes_atomic(stage / PER_IMAGE_JSONL, per_image_jsonl(evaluation))
    return evaluation, tuple(warnings)
