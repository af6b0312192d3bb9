"""PartPQ evaluation of a folder of PPS predictions: find files, evaluate images in parallel, report.

The math is in :mod:`pps_cli.metrics.partpq`; this module pairs every image of images.json with its GT
TIFF and prediction PNG (exact image-id match, never substrings), runs
:func:`evaluate_image` on each (in worker processes), sums the per-image statistics in
images.json order (so the numbers do not depend on the number of workers) and builds the
results documents.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import __version__
from .constants import VOID
from .dataset import ImageInfo, find_gt_files, match_files
from .errors import PpsError, summarize_list
from .io import dumps_json, list_files, read_png, read_uid_tiff
from .metrics.partpq import (
    EmptyConfusionError,
    GroundTruthError,
    PartPQResult,
    PartPQStats,
    pixel_runs,
    predicted_class_pixels,
    runs_stats,
    summarize,
)
from .parallel import parallel_map
from .specs import IGNORED, EvalSpec

PREDICTION_SUFFIXES = (".png",)


@dataclass(frozen=True)
class ImageJob:
    """One image to evaluate: its images.json entry and the two files."""

    image: ImageInfo
    gt_path: Path
    pred_path: Path


@dataclass(frozen=True)
class ImageEvaluation:
    """What a worker returns for one image (small and picklable: no pixel arrays)."""

    stats: PartPQStats
    class_pixels: NDArray[np.int64]
    """(256,) int64: pixels per predicted class value (to report classes the spec does not evaluate)."""


@dataclass(frozen=True)
class Evaluation:
    """The outcome of :func:`evaluate`."""

    spec: EvalSpec
    jobs: tuple[ImageJob, ...]
    per_image: tuple[PartPQStats, ...]
    total: PartPQStats
    result: PartPQResult
    unknown_classes: dict[int, int]
    """Predicted class values that are neither evaluated nor 255 -> pixels (ignored, as by the reference)."""


# ----------------------------------------------------------------------------- inputs


def find_jobs(images: list[ImageInfo], gt_dir: str | os.PathLike[str], pred_dir: str | os.PathLike[str]) -> list[ImageJob]:
    """Pair every image with its GT TIFF and its prediction PNG, in images.json order.

    Raises
    ------
    PpsError
        Listing every image without GT (naming ``gt_dir``) or without prediction (naming
        ``pred_dir``), or an image with several prediction files.
    """
    gt_dir, pred_dir = Path(gt_dir), Path(pred_dir)
    gt_files = find_gt_files(gt_dir)
    missing_gt = [image.key for image in images if image.key not in gt_files]
    if missing_gt:
        raise PpsError(
            gt_dir, f"no ground-truth file for {len(missing_gt)} of {len(images)} images: {summarize_list(missing_gt)}"
        )
    pred_files, _ = match_files(images, list_files(pred_dir, PREDICTION_SUFFIXES), root=pred_dir, what="prediction PNG")
    return [ImageJob(image, gt_files[image.key], pred_files[image.key]) for image in images]


def read_image_pair(job: ImageJob) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
    """Read the GT uids and the 3-channel prediction of one image, checking that their sizes agree."""
    gt = read_uid_tiff(job.gt_path)
    pred = read_png(job.pred_path, channels=3)
    if pred.shape[:2] != gt.shape:
        raise PpsError(
            job.pred_path,
            f"size {pred.shape[1]}x{pred.shape[0]}, expected {gt.shape[1]}x{gt.shape[0]} (the size of {job.gt_path})",
        )
    return gt, pred


# ----------------------------------------------------------------------------- evaluation


def evaluate_image(job: ImageJob, spec: EvalSpec) -> ImageEvaluation:
    """Read and evaluate one image (the worker function of :func:`evaluate`)."""
    gt, pred = read_image_pair(job)
    runs = pixel_runs(gt, pred)
    try:
        stats = runs_stats(runs, spec=spec)
    except GroundTruthError as e:
        raise PpsError(job.gt_path, str(e)) from None
    except EmptyConfusionError as e:
        raise PpsError(job.pred_path, f"{e} (the reference fails on this image too: 'empty CM')") from None
    return ImageEvaluation(stats, predicted_class_pixels(runs))


def evaluate_images(jobs: list[ImageJob], spec: EvalSpec, *, workers: int = 1) -> Iterator[ImageEvaluation]:
    """Evaluate images in parallel; yields in ``jobs`` order."""
    return parallel_map(evaluate_image, jobs, context=spec, workers=workers)


def evaluate(
    spec: EvalSpec,
    images: list[ImageInfo],
    gt_dir: str | os.PathLike[str],
    pred_dir: str | os.PathLike[str],
    *,
    workers: int = 1,
    on_image: Callable[[ImageInfo], None] | None = None,
) -> Evaluation:
    """Compute PartPQ of the predictions in ``pred_dir`` against the GT in ``gt_dir``.

    Parameters
    ----------
    spec : EvalSpec
    images : list of ImageInfo
        The images to evaluate (images.json); statistics are summed in this order.
    gt_dir, pred_dir : path
        GT folder (CPP ``<city>/<id>_gtFinePanopticParts.tif`` or PPP ``<id>.tif``) and folder of
        3-channel PPS PNGs whose names are image ids (optionally with a known suffix).
    workers : int
        Worker processes; the result is bitwise identical for any value.
    on_image : callable, optional
        Called with each image once it is evaluated (in order), e.g. to advance a progress bar.

    Raises
    ------
    PpsError
        For missing, unreadable or inconsistent files and invalid GT, naming the file.
    """
    jobs = find_jobs(images, gt_dir, pred_dir)
    total = PartPQStats.zeros(len(spec.eval_sids))
    class_pixels = np.zeros(256, np.int64)
    per_image = []
    for job, outcome in zip(jobs, evaluate_images(jobs, spec, workers=workers), strict=True):
        total = total + outcome.stats
        class_pixels += outcome.class_pixels
        per_image.append(outcome.stats)
        if on_image is not None:
            on_image(job.image)
    evaluated = spec.category_index[np.arange(256)] >= 0
    unknown = {int(c): int(class_pixels[c]) for c in np.flatnonzero((class_pixels > 0) & ~evaluated) if c != VOID}
    return Evaluation(spec, tuple(jobs), tuple(per_image), total, summarize(total, spec=spec), unknown)


# ----------------------------------------------------------------------------- results documents


def reference_category_order(spec: EvalSpec) -> list[int]:
    """Eval sids in the order the reference numbers its categories (the keys of its per-class results).

    The reference takes ``list(set(dataset_sid2eval_sid.values()) - {'IGNORED'})``: Python's set
    order, which is ascending for the official specs (and whenever all sids are smaller than the
    set's table), but not in general, e.g. ``[24, 26, 7]`` for the sids 7, 24, 26. Rebuilding the
    same set here reproduces that order.
    """
    values = set(spec.file.dataset_sid2eval_sid.values())
    values.discard(IGNORED)  # as the reference (eval_spec.py: set, then remove), hence its order
    order = [int(v) for v in values]  # type: ignore[call-overload]
    return order if sorted(order) == list(spec.eval_sids) else list(spec.eval_sids)


def reference_results(result: PartPQResult, spec: EvalSpec) -> list[Any]:
    """The reference's results JSON structure (``[[all, parts, no-parts], {category_index: ...}]``).

    ``category_index`` follows :func:`reference_category_order`. A counted category with tp = 0
    has PartSQ integer 0, as in the reference; an empty group has null averages (the reference
    would divide by zero).
    """
    by_sid = {r.sid: r for r in result.categories}
    per_class: dict[str, dict[str, float | int]] = {}
    for index, sid in enumerate(reference_category_order(spec)):
        r = by_sid[sid]
        sq: float | int = r.part_sq if (r.tp != 0 or not r.counted) else 0
        per_class[str(index)] = {"PartPQ": r.part_pq, "PartSQ": sq, "PartRQ": r.part_rq}
    a, p, n = result.all, result.parts, result.no_parts
    return [
        [
            {"PartPQ": a.part_pq, "PartSQ": a.part_sq, "PartRQ": a.part_rq, "n": a.n},
            {"PartPQ_parts": p.part_pq, "PartSQ_parts": p.part_sq, "PartRQ_parts": p.part_rq, "n_p": p.n},
            {"PartPQ_noparts": n.part_pq, "PartSQ_noparts": n.part_sq, "PartRQ_noparts": n.part_rq, "n_np": n.n},
        ],
        per_class,
    ]


def _group(average: Any) -> dict[str, Any]:
    return {"PartPQ": average.part_pq, "PartSQ": average.part_sq, "PartRQ": average.part_rq, "n": average.n}


def results_document(
    evaluation: Evaluation, *, gt_dir: str | os.PathLike[str], pred_dir: str | os.PathLike[str]
) -> dict[str, Any]:
    """The self-describing results JSON of ``pps evaluate -o``.

    Keys: ``pps_version``, ``eval_spec`` (name, path, dataset spec), ``gt``, ``predictions``,
    ``num_images``, ``summary`` (all / parts / no_parts with PartPQ, PartSQ, PartRQ, n; null
    averages for an empty group), ``categories`` keyed by eval sid (name, has_parts, is_thing,
    PartPQ, PartSQ, PartRQ, TP, FP, FN, iou_sum, counted), ``unknown_predicted_classes`` and
    ``reference``: the reference's own structure (:func:`reference_results`).
    """
    spec, result = evaluation.spec, evaluation.result
    return {
        "pps_version": __version__,
        "eval_spec": {"name": spec.name, "path": str(spec.path), "dataset_spec": str(spec.dataset.path)},
        "gt": str(gt_dir),
        "predictions": str(pred_dir),
        "num_images": len(evaluation.jobs),
        "summary": {
            "all": _group(result.all),
            "parts": _group(result.parts),
            "no_parts": _group(result.no_parts),
        },
        "categories": {
            str(r.sid): {
                "name": r.name,
                "has_parts": r.has_parts,
                "is_thing": r.is_thing,
                "PartPQ": r.part_pq,
                "PartSQ": r.part_sq,
                "PartRQ": r.part_rq,
                "tp": r.tp,
                "fp": r.fp,
                "fn": r.fn,
                "iou_sum": r.iou_sum,
                "counted": r.counted,
            }
            for r in result.categories
        },
        "unknown_predicted_classes": {str(c): pixels for c, pixels in evaluation.unknown_classes.items()},
        "reference": reference_results(result, spec),
    }


def per_image_records(evaluation: Evaluation) -> Iterator[dict[str, Any]]:
    """One record per image (images.json order) for ``--per-image``.

    Each holds the image id and file names, the image's PartPQ over the categories it counts
    (null if none) and, per counted category (keyed by eval sid), PartPQ, iou_sum, tp, fp, fn.
    """
    spec = evaluation.spec
    for job, stats in zip(evaluation.jobs, evaluation.per_image, strict=True):
        result = summarize(stats, spec=spec)
        yield {
            "image_id": job.image.id,
            "gt": str(job.gt_path),
            "prediction": str(job.pred_path),
            "PartPQ": result.all.part_pq,
            "categories": {
                str(r.sid): {"PartPQ": r.part_pq, "iou_sum": r.iou_sum, "tp": r.tp, "fp": r.fp, "fn": r.fn}
                for r in result.categories
                if r.counted
            },
        }


def results_json(evaluation: Evaluation, *, gt_dir: str | os.PathLike[str], pred_dir: str | os.PathLike[str]) -> bytes:
    """The bytes of the results file (:func:`results_document` as indented JSON)."""
    return dumps_json(results_document(evaluation, gt_dir=gt_dir, pred_dir=pred_dir))


def per_image_jsonl(evaluation: Evaluation) -> bytes:
    """The bytes of the per-image file: one JSON line per :func:`per_image_records` record."""
    return b"".join(dumps_json(record, indent=None) for record in per_image_records(evaluation))
