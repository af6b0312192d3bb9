"""Scene mIoU and part mIoU from confusion matrices summed over images. Pure numpy, no I/O.

Definitions: docs/metrics.md ("mIoU"). Per image, :func:`scene_confusion` and
:func:`part_confusion` count pixels per (GT label, predicted label) from the shared run-length
encoding (:mod:`pps_cli.metrics.runs`); the matrices add up over images and :func:`summarize_scene`
/ :func:`summarize_parts` turn the sums into IoUs.

- Scene: rows are the spec's eval sids (ascending, GT VOID rows are not counted), columns the same
  plus a last "no class" column for predicted class values the spec does not evaluate (255 included).
- Parts: rows and columns are background (0) then the spec's flat part ids (ascending,
  :func:`flat_part_ids`); GT pixels without a usable part label are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..constants import NO_PART, VOID
from ..specs import EvalSpec
from .runs import PixelRuns, RunLabels, count, label_runs

_IGNORED = -1


def flat_part_ids(spec: EvalSpec) -> tuple[int, ...]:
    """The flat part ids the spec defines (values of ``eval_sid_pid2eval_pid_flat`` other than 0), ascending."""
    return tuple(sorted({int(flat) for flat in spec.file.eval_sid_pid2eval_pid_flat.values() if flat > 0}))


def flat_label_table(spec: EvalSpec) -> NDArray[np.intp]:
    """(256, 256) ``[eval sid, eval pid]`` -> part label (1 + position in :func:`flat_part_ids`), 0 where none."""
    position = {flat: k + 1 for k, flat in enumerate(flat_part_ids(spec))}
    table = np.zeros((256, 256), np.intp)
    for sid_pid, flat in spec.file.eval_sid_pid2eval_pid_flat.items():
        sid, pid = divmod(int(sid_pid), 100)
        if flat > 0:
            table[sid, pid] = position[int(flat)]
    return table


def scene_confusion(runs: PixelRuns, *, spec: EvalSpec, labels: RunLabels | None = None) -> NDArray[np.int64]:
    """(C, C + 1) int64 pixels per (GT eval sid, predicted class) of one image; column C is "no class".

    GT label: ``dataset_sid2eval_sid`` of the GT sid (VOID pixels are not counted). Predicted
    label: the class channel when the spec evaluates it, else "no class".
    """
    num_categories = len(spec.eval_sids)
    if labels is None:
        labels = label_runs(runs, spec)
    gt_label = spec.category_index[np.maximum(labels.gt.eval_sid, 0)].astype(np.intp)
    gt_label[labels.gt.eval_sid < 0] = _IGNORED
    gt_label = gt_label[labels.gt.inverse]
    pred_label = spec.category_index[(runs.pred & 0xFF).astype(np.intp)].astype(np.intp)
    pred_label[pred_label < 0] = num_categories
    counted = gt_label >= 0
    index = gt_label[counted] * (num_categories + 1) + pred_label[counted]
    return count(index, runs.length[counted], num_categories * (num_categories + 1)).reshape(
        num_categories, num_categories + 1
    )


def part_confusion(runs: PixelRuns, *, spec: EvalSpec, labels: RunLabels | None = None) -> NDArray[np.int64]:
    """(F + 1, F + 1) int64 pixels per (GT part label, predicted part label) of one image; label 0 is background.

    GT: a pixel of a parts class whose part (after the DatasetSpec folding and
    ``dataset_sid_pid2eval_sid_pid``) has a flat id gets that flat id's label; other pixels of parts
    classes, and VOID pixels, are not counted; pixels of the other evaluated classes are background.
    Prediction: a parts class with a part channel value that has a flat id (not 255, not
    ``ignore_label``) gets that label, everything else is background.
    """
    size = len(flat_part_ids(spec)) + 1
    if labels is None:
        labels = label_runs(runs, spec)
    table = flat_label_table(spec)
    gt = labels.gt
    eval_sid = np.maximum(gt.eval_sid, 0)
    eval_sid_pid = spec.sid_pid_to_eval[gt.sid_pid]
    pid = np.where(eval_sid_pid >= 100, eval_sid_pid % 100, NO_PART)
    part_label = np.where(pid != NO_PART, table[eval_sid, pid], 0)
    gt_label = np.where(spec.is_parts[eval_sid], np.where(part_label > 0, part_label, _IGNORED), 0)
    gt_label[gt.eval_sid < 0] = _IGNORED
    gt_label = gt_label[gt.inverse]

    pred_class = (runs.pred & 0xFF).astype(np.intp)
    pred_part = (runs.pred >> 16).astype(np.intp)
    usable = spec.is_parts[pred_class] & (pred_part != VOID) & (pred_part != spec.ignore_label)
    pred_label = np.where(usable, table[pred_class, pred_part], 0)
    counted = gt_label >= 0
    index = gt_label[counted] * size + pred_label[counted]
    return count(index, runs.length[counted], size * size).reshape(size, size)


def class_ious(confusion: NDArray[np.int64]) -> list[float | None]:
    """IoU = TP / (TP + FP + FN) of each row label of a confusion matrix (rows GT, columns predicted,
    the first ``rows`` columns the same labels); None where the union is empty."""
    rows = confusion.shape[0]
    tp = np.diagonal(confusion[:, :rows])
    union = confusion.sum(axis=1) + confusion[:, :rows].sum(axis=0) - tp
    return [None if u == 0 else float(t / u) for t, u in zip(tp.tolist(), union.tolist(), strict=True)]


def mean_iou(ious: list[float | None]) -> float | None:
    """Mean of the IoUs that are not None (sequential sum), None if there is none."""
    present = [iou for iou in ious if iou is not None]
    if not present:
        return None
    total = 0.0
    for iou in present:
        total += iou
    return total / len(present)


@dataclass(frozen=True)
class SceneIoU:
    """Per eval sid (ascending) IoU (None: empty union) and their mean."""

    sids: tuple[int, ...]
    ious: tuple[float | None, ...]
    miou: float | None


@dataclass(frozen=True)
class PartIoU:
    """Per flat part id (ascending) IoU, their mean, and the background IoU (not in the mean)."""

    flat_ids: tuple[int, ...]
    ious: tuple[float | None, ...]
    miou: float | None
    background: float | None


def summarize_scene(confusion: NDArray[np.int64], *, spec: EvalSpec) -> SceneIoU:
    """Scene IoU per eval sid and mIoU over the sids with a non-empty union."""
    ious = class_ious(confusion)
    return SceneIoU(tuple(spec.eval_sids), tuple(ious), mean_iou(ious))


def summarize_parts(confusion: NDArray[np.int64], *, spec: EvalSpec) -> PartIoU:
    """Part IoU per flat part id and mIoU over the ids with a non-empty union; background apart."""
    ious = class_ious(confusion)
    return PartIoU(flat_part_ids(spec), tuple(ious[1:]), mean_iou(ious[1:]), ious[0])


def part_name(spec: EvalSpec, flat_id: int) -> str:
    """Name of a flat part id from ``eval_pid_flat2scene_part_label`` (``part <id>`` when absent)."""
    return str(spec.file.eval_pid_flat2scene_part_label.get(flat_id, f"part {flat_id}"))


def result_json(scene: SceneIoU | None, parts: PartIoU | None, *, spec: EvalSpec) -> dict:
    """``{"scene": {"mIoU", "per_class", "names"}, "parts": {"mIoU", "per_class", "names", "background"}}``,
    keyed by eval sid / flat part id (strings), IoU null where the union is empty."""
    document: dict = {}
    if scene is not None:
        document["scene"] = {
            "mIoU": scene.miou,
            "per_class": {str(sid): iou for sid, iou in zip(scene.sids, scene.ious, strict=True)},
            "names": {str(sid): spec.category_name(sid) for sid in scene.sids},
        }
    if parts is not None:
        document["parts"] = {
            "mIoU": parts.miou,
            "per_class": {str(flat): iou for flat, iou in zip(parts.flat_ids, parts.ious, strict=True)},
            "names": {str(flat): part_name(spec, flat) for flat in parts.flat_ids},
            "background": parts.background,
        }
    return document
