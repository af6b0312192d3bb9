"""Evaluation of a folder of PPS predictions (PartPQ, PQ, mIoU): find files, evaluate images in parallel, report.

The math is in :mod:`pps_cli.metrics` (definitions: docs/metrics.md); this module pairs every image
of images.json with its GT TIFF and prediction PNG (exact image-id match, never substrings), runs
:func:`evaluate_image` on each (in worker processes; one read and one pass per image for all
metrics), sums the per-image statistics in images.json order (so the numbers do not depend on
the number of workers) and builds the results documents.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import __version__
from .dataset import ImageInfo, find_gt_files, match_files, require_gt_files
from .errors import PpsError
from .formats.checks import (
    CHANNEL_SAMPLE_IMAGES,
    ChannelCounts,
    channel_counts,
    check_channel_counts,
    check_layout,
    plausibility_table,
)
from .io import dumps_json, list_files, read_png, read_uid_tiff
from .metrics import METRICS, EmptyConfusionError, GroundTruthError, ImageStats, check_metrics
from .metrics.accumulate import pairs_stats
from .metrics.partpq import PartPQResult
from .metrics.partpq import summarize as summarize_partpq
from .metrics.pq import spec_categories
from .metrics.pq import summarize as summarize_pq
from .metrics.results import Summary, results_content, spec_description, summarize_all
from .metrics.runs import pixel_runs, value_pairs
from .parallel import parallel_map
from .specs import EvalSpec

PREDICTION_SUFFIXES = (".png",)


@dataclass(frozen=True)
class ImageJob:
    """One image to evaluate: its images.json entry and the two files."""

    image: ImageInfo
    gt_path: Path
    pred_path: Path


@dataclass(frozen=True)
class Evaluation:
    """The outcome of :func:`evaluate`."""

    spec: EvalSpec
    jobs: tuple[ImageJob, ...]
    per_image: tuple[ImageStats, ...]
    total: ImageStats
    summary: Summary

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.total.metrics

    @property
    def result(self) -> PartPQResult | None:
        """The PartPQ summary (None when PartPQ was not computed)."""
        return self.summary.partpq

    @property
    def unknown_classes(self) -> dict[int, int]:
        """Predicted class values that are neither evaluated nor 255 -> pixels (ignored, as by the reference)."""
        return self.summary.unknown_classes


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
    gt_files = require_gt_files(images, find_gt_files(gt_dir), gt_dir)
    pred_files, _ = match_files(images, list_files(pred_dir, PREDICTION_SUFFIXES), root=pred_dir, what="prediction PNG")
    return [ImageJob(image, gt_files[image.key], pred_files[image.key]) for image in images]


def check_same_size(pred: NDArray, pred_path: Path, gt_shape: tuple[int, ...], gt_path: Path) -> None:
    """Raise PpsError naming ``pred_path`` when the prediction's (H, W) is not the GT's."""
    if pred.shape[:2] != gt_shape[:2]:
        raise PpsError(
            pred_path, f"size {pred.shape[1]}x{pred.shape[0]}, expected {gt_shape[1]}x{gt_shape[0]} (the size of {gt_path})"
        )


def read_gt_and_prediction(
    gt_path: Path, pred_path: Path, *, writable: bool = True, drop_alpha: bool = False
) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
    """Read a GT uid TIFF and a 3-channel prediction PNG, checking that their sizes agree.

    ``writable=False``: the prediction may be a read-only view (no copy); ``drop_alpha``: an RGBA PNG
    is read as RGB (see :func:`~pps_cli.io.decode_png`).
    """
    gt = read_uid_tiff(gt_path)
    pred = read_png(pred_path, channels=3, writable=writable, drop_alpha=drop_alpha)
    check_same_size(pred, pred_path, gt.shape, gt_path)
    return gt, pred


def read_image_pair(job: ImageJob, *, writable: bool = True) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
    """Read the GT uids and the 3-channel prediction of one image, checking that their sizes agree."""
    return read_gt_and_prediction(job.gt_path, job.pred_path, writable=writable)


# ----------------------------------------------------------------------------- evaluation


def evaluate_image(
    job: ImageJob, context: tuple[EvalSpec, tuple[str, ...], NDArray[np.bool_] | None]
) -> tuple[ImageStats, ChannelCounts | None]:
    """Read and evaluate one image (the worker function of :func:`evaluate`): its statistics and, given
    the plausibility table, its channel-check counts (both from the same runs, read once)."""
    spec, metrics, plausible = context
    gt, pred = read_image_pair(job, writable=False)
    try:
        runs = value_pairs(pixel_runs(gt, pred))
        counts = None if plausible is None else channel_counts(runs.pred, runs.length, plausible)
        return pairs_stats(runs, spec=spec, metrics=metrics), counts
    except GroundTruthError as e:
        raise PpsError(job.gt_path, str(e)) from None
    except EmptyConfusionError as e:
        raise PpsError(job.pred_path, f"{e} (the reference fails on this image too: 'empty CM')") from None


def evaluate(
    spec: EvalSpec,
    images: list[ImageInfo],
    gt_dir: str | os.PathLike[str],
    pred_dir: str | os.PathLike[str],
    *,
    workers: int = 1,
    metrics: Iterable[str] = METRICS,
    on_image: Callable[[ImageInfo], None] | None = None,
    layout_check: bool = True,
    channel_check: bool = True,
) -> Evaluation:
    """Compute the metrics of the predictions in ``pred_dir`` against the GT in ``gt_dir``.

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
    metrics : iterable of str
        Subset of :data:`pps_cli.metrics.METRICS` to compute (all by default).
    on_image : callable, optional
        Called with each image once it is evaluated (in order), e.g. to advance a progress bar.
    layout_check, channel_check : bool
        Fail on GT of another dataset than the spec's, and on PPS PNGs whose channels look swapped
        (:mod:`pps_cli.formats.checks`).

    Raises
    ------
    PpsError
        For missing, unreadable or inconsistent files and invalid GT, naming the file.
    """
    metrics = check_metrics(metrics)
    if layout_check:
        check_layout(gt_dir, spec)
    jobs = find_jobs(images, gt_dir, pred_dir)
    # The channel check pools the first images' pixels (counted from each image's runs, no second
    # read) and decides once they are in, so swapped PNGs stop the run early.
    plausible = plausibility_table(spec) if channel_check else None
    sampled, channels = min(len(jobs), CHANNEL_SAMPLE_IMAGES), ChannelCounts()
    total = ImageStats.zeros(spec, metrics)
    per_image = []
    results = parallel_map(evaluate_image, jobs, context=(spec, metrics, plausible), workers=workers)
    for index, (job, (stats, counts)) in enumerate(zip(jobs, results, strict=True)):
        if counts is not None and index < sampled:
            channels = channels + counts
            if index == sampled - 1:
                check_channel_counts(channels, spec, where=pred_dir)
        total = total + stats
        per_image.append(stats)
        if on_image is not None:
            on_image(job.image)
    return Evaluation(spec, tuple(jobs), tuple(per_image), total, summarize_all(total, spec))


# ----------------------------------------------------------------------------- results documents


def results_document(
    evaluation: Evaluation, *, gt_dir: str | os.PathLike[str], pred_dir: str | os.PathLike[str]
) -> dict[str, Any]:
    """The self-describing results JSON of ``pps evaluate -o``.

    Keys: ``pps_version``, ``eval_spec`` (name, path, dataset spec), ``gt``, ``predictions``,
    ``num_images``, then :func:`pps_cli.metrics.results_content`: ``summary`` (all / parts /
    no_parts with PartPQ, PartSQ, PartRQ, n; null averages for an empty group), ``categories``
    keyed by eval sid (name, has_parts, is_thing, PartPQ, PartSQ, PartRQ, TP, FP, FN, iou_sum,
    counted), ``pq``, ``miou``, ``unknown_predicted_classes`` and ``reference``: the PartPQ
    reference's own structure. Keys of metrics not computed are absent (docs/metrics.md).
    """
    spec = evaluation.spec
    return {
        "pps_version": __version__,
        "eval_spec": spec_description(spec),
        "gt": str(gt_dir),
        "predictions": str(pred_dir),
        "num_images": len(evaluation.jobs),
        **results_content(evaluation.total, spec, summary=evaluation.summary),
    }


def per_image_records(evaluation: Evaluation) -> Iterator[dict[str, Any]]:
    """One record per image (images.json order) for ``--per-image``.

    Each holds the image id and file names, the image's PartPQ over the categories it counts
    (null if none) and, per counted category (keyed by eval sid), PartPQ, iou_sum, tp, fp, fn;
    and ``PQ``, the image's PQ over its counted categories (null if none), when PQ is computed.
    """
    spec = evaluation.spec
    categories = spec_categories(spec)
    for job, stats in zip(evaluation.jobs, evaluation.per_image, strict=True):
        record: dict[str, Any] = {"image_id": job.image.id, "gt": str(job.gt_path), "prediction": str(job.pred_path)}
        if stats.partpq is not None:
            result = summarize_partpq(stats.partpq, spec=spec)
            record["PartPQ"] = result.all.part_pq
            record["categories"] = {
                str(r.sid): {"PartPQ": r.part_pq, "iou_sum": r.iou_sum, "tp": r.tp, "fp": r.fp, "fn": r.fn}
                for r in result.categories
                if r.counted
            }
        if stats.pq is not None:
            record["PQ"] = summarize_pq(stats.pq, categories).groups["All"].pq
        yield record


def results_json(evaluation: Evaluation, *, gt_dir: str | os.PathLike[str], pred_dir: str | os.PathLike[str]) -> bytes:
    """The bytes of the results file (:func:`results_document` as indented JSON)."""
    return dumps_json(results_document(evaluation, gt_dir=gt_dir, pred_dir=pred_dir))


def per_image_jsonl(evaluation: Evaluation) -> bytes:
    """The bytes of the per-image file: one JSON line per :func:`per_image_records` record."""
    return b"".join(dumps_json(record, indent=None) for record in per_image_records(evaluation))
