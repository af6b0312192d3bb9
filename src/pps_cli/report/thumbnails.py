"""Small images for the report: the worst images of a run as GT, prediction and error view.

The files are those the per-image records name (``gt``, ``prediction``); a relative path is
looked up from the current folder, then from the results file's folder. Images are embedded as
PNG data URIs, resized (nearest neighbour: labels are never blended) to :data:`THUMB_WIDTH`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..error_view import colorize_errors, error_view
from ..errors import PpsError
from ..io import encode_png, read_png, read_uid_tiff
from ..metrics.partpq import EmptyConfusionError, GroundTruthError
from ..specs import EvalSpec, load_eval_spec
from ..visualize import (
    Palette,
    colorize_labels,
    gt_label_planes,
    only_evaluated,
    pred_label_planes,
    resize_nearest,
    resize_plane,
)
from .runs import Run, eval_spec_info

THUMB_WIDTH = 300
"""Width in pixels of each embedded image (height keeps the aspect ratio)."""


@dataclass(frozen=True)
class WorstImage:
    """One of the worst images of a run: its record and, when the files were found, the images."""

    image_id: str
    part_pq: float
    pq: float | None = None
    """The image's PQ, when the per-image record has it."""
    gt: str | None = None
    prediction: str | None = None
    errors: str | None = None
    """PNG data URIs (``data:image/png;base64,...``)."""
    missing: str | None = None
    """Why there are no images (file not found...), None when they are there."""


def worst_records(run: Run, count: int) -> list[dict[str, Any]]:
    """The ``count`` per-image records with the lowest PartPQ (ties: image order); images that
    count no category (PartPQ null) are left out."""
    records = [r for r in run.per_image or () if isinstance(r.get("PartPQ"), int | float)]
    return sorted(records, key=lambda r: r["PartPQ"])[:count]


def run_spec(run: Run) -> EvalSpec | None:
    """The EvalSpec a run was evaluated with (its path, else its name), None when it cannot be loaded."""
    spec = eval_spec_info(run.results)
    for candidate in (spec.get("path"), spec.get("name")):
        if isinstance(candidate, str) and candidate:
            try:
                return load_eval_spec(candidate)
            except PpsError:
                continue
    return None


def _find(path: Any, run: Run) -> Path | None:
    """The file a per-image record names: as written (relative to the current folder), else the
    longest tail of it found under the results file's folder (``OUT/pps/x.png`` written by
    ``pps run -o OUT`` from another folder, or a moved output folder)."""
    if not isinstance(path, str) or not path:
        return None
    candidate = Path(path)
    if candidate.is_file():
        return candidate
    parts = candidate.parts[1:] if candidate.is_absolute() else candidate.parts
    for k in range(len(parts)):
        option = run.path.parent.joinpath(*parts[k:])
        if option.is_file():
            return option
    return None


def data_uri(image: Any) -> str:
    """A (H, W, 3) uint8 RGB array as a PNG data URI."""
    return "data:image/png;base64," + base64.b64encode(encode_png(image)).decode("ascii")


def worst_images(run: Run, count: int, spec: EvalSpec | None) -> list[WorstImage]:
    """The worst images of a run, with thumbnails where the GT and prediction files are found."""
    palette = Palette.from_spec(spec) if spec is not None else None
    result = []
    for record in worst_records(run, count):
        image_id, part_pq = str(record["image_id"]), float(record["PartPQ"])
        pq = record.get("PQ") if isinstance(record.get("PQ"), int | float) else None
        gt_path, pred_path = _find(record.get("gt"), run), _find(record.get("prediction"), run)
        if spec is None or palette is None:
            result.append(WorstImage(image_id, part_pq, pq, missing="the EvalSpec of the results could not be loaded"))
            continue
        if gt_path is None or pred_path is None:
            name = record.get("gt") if gt_path is None else record.get("prediction")
            result.append(WorstImage(image_id, part_pq, pq, missing=f"file not found: {name}"))
            continue
        try:
            uids = read_uid_tiff(gt_path)
            pps = read_png(pred_path, channels=3)
            view = error_view(uids, pps, spec=spec)
        except (PpsError, GroundTruthError, EmptyConfusionError, ValueError) as e:
            result.append(WorstImage(image_id, part_pq, pq, missing=str(e)))
            continue
        height, width = uids.shape
        out_w = min(THUMB_WIDTH, width)
        out_h = max(1, round(height * out_w / width))
        evaluated = spec.category_index >= 0
        gt = only_evaluated(gt_label_planes(uids, pid_fold=palette.pid_fold), evaluated)
        pred = only_evaluated(pred_label_planes(pps, is_thing=palette.is_thing, is_parts=palette.is_parts), evaluated)
        result.append(
            WorstImage(
                image_id,
                part_pq,
                pq,
                gt=data_uri(colorize_labels(resize_nearest(gt, out_h, out_w), colors=palette.colors)),
                prediction=data_uri(colorize_labels(resize_nearest(pred, out_h, out_w), colors=palette.colors)),
                errors=data_uri(
                    colorize_errors(resize_plane(view.codes, out_h, out_w), resize_plane(view.segment, out_h, out_w))
                ),
            )
        )
    return result
