"""`pps pq` driver: standard PQ of COCO panoptic predictions, against COCO panoptic or PPS ground truth.

Reading and matching follow panopticapi's ``pq_compute`` (docs/metrics.md, "pps pq"): categories
come from the GT JSON (or, against PPS ground truth, from the EvalSpec); every GT annotation needs
a prediction with the same ``image_id`` (as given, then ``int()`` of both); ``segments_info`` is
read like panopticapi's ``{el["id"]: el}``. Images are evaluated in worker processes
(:func:`pps_cli.parallel.parallel_map`) and their statistics summed in GT order, so results do not
depend on the number of workers. The math is in :mod:`pps_cli.metrics.coco` and
:mod:`pps_cli.metrics.pq`; this module only reads files and names them in errors.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .dataset import ImageInfo, build_images, find_gt_files, require_gt_files
from .errors import PpsError, summarize_list
from .evaluate import check_same_size, read_gt_and_prediction
from .io import dumps_json, read_json, read_png
from .metrics.coco import GtCheck, SegmentMismatchError, SegmentsInfo, coco_image_stats, id_runs, predicted_segments
from .metrics.pq import (
    Category,
    PQResult,
    PQStats,
    gt_pq_segments,
    match_segments,
    pps_segment_tables,
    result_json,
    spec_categories,
    summarize,
)
from .metrics.runs import GroundTruthError, decode_gt, pack_predictions
from .parallel import parallel_map
from .specs import EvalSpec

_RGB_ID_MASK = 0xFFFFFF  # ids packed from RGB carry an 0xFF alpha byte on top


def _segment_ids(rgb: np.ndarray) -> np.ndarray:
    """(H * W,) uint32 COCO panoptic ids ``R + 256 G + 256**2 B`` of an RGB image, with an 0xFF top byte
    (the same little-endian packing as a PPS prediction's channels; masked with ``_RGB_ID_MASK``)."""
    return pack_predictions(rgb)


# ----------------------------------------------------------------------------- reading COCO panoptic JSON


@dataclass(frozen=True)
class Annotation:
    """One ``annotations`` entry: image id (as stored), PNG file name and raw ``segments_info`` entries."""

    image_id: Any
    file_name: str
    segments: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PanopticFile:
    """A COCO panoptic JSON: its annotations in file order and (GT only) its categories, by id."""

    path: Path
    annotations: tuple[Annotation, ...]
    categories: dict[Any, Category]


def _normalize_id(value: Any) -> Any:
    """JSON number ids compare like Python numbers: an integral float is that int (panopticapi's dict keys)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_key(value: Any) -> bool:
    """A JSON value usable as an id (panopticapi uses ids as dict keys)."""
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def read_panoptic_json(path: str | os.PathLike[str], *, ground_truth: bool) -> PanopticFile:
    """Read a COCO panoptic JSON (GT: with ``categories``, and ``area`` / ``iscrowd`` per segment).

    Raises
    ------
    PpsError
        Naming ``path`` and the entry, for a missing ``annotations`` (GT: ``categories``) list, an
        annotation without ``image_id`` / ``file_name`` / ``segments_info``, a segment without an
        integer ``id`` or a ``category_id``, a GT segment without numeric ``area`` or without
        ``iscrowd``, a GT category without ``id`` or ``isthing`` (where panopticapi fails on a key).
    """
    path = Path(path)
    data = read_json(path)
    entries = data.get("annotations") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PpsError(path, "expected a COCO panoptic JSON object with an 'annotations' list")
    categories: dict[Any, Category] = {}
    if ground_truth:
        listed = data.get("categories")
        if not isinstance(listed, list):
            raise PpsError(path, "expected a 'categories' list (the GT JSON defines the categories)")
        for n, entry in enumerate(listed):
            if not isinstance(entry, dict) or not _is_key(entry.get("id")) or "isthing" not in entry:
                raise PpsError(path, f"categories[{n}]: needs an integer or string 'id' and 'isthing'")
            category_id = _normalize_id(entry["id"])
            categories[category_id] = Category(category_id, str(entry.get("name", category_id)), entry["isthing"] == 1)
    annotations = []
    for n, entry in enumerate(entries):
        where = f"annotations[{n}]"
        if not isinstance(entry, dict) or not _is_key(entry.get("image_id")):
            raise PpsError(path, f"{where}: expected an object with an integer or string 'image_id'")
        where = f"{where} (image_id {entry['image_id']!r})"
        file_name, segments = entry.get("file_name"), entry.get("segments_info")
        if not isinstance(file_name, str) or not file_name:
            raise PpsError(path, f"{where}: missing or invalid 'file_name'")
        if not isinstance(segments, list):
            raise PpsError(path, f"{where}: missing or invalid 'segments_info' (expected a list)")
        for k, segment in enumerate(segments):
            problem = _segment_problem(segment, ground_truth)
            if problem:
                raise PpsError(path, f"{where}: segments_info[{k}]: {problem}")
        annotations.append(Annotation(_normalize_id(entry["image_id"]), file_name, tuple(segments)))
    return PanopticFile(path, tuple(annotations), categories)


def _segment_problem(segment: Any, ground_truth: bool) -> str | None:
    if not isinstance(segment, dict):
        return "expected an object"
    segment_id = _normalize_id(segment.get("id"))
    if not isinstance(segment_id, int) or isinstance(segment_id, bool):
        return "needs an integer 'id'"
    if not _is_key(segment.get("category_id")):
        return "needs an integer or string 'category_id'"
    if ground_truth and not _is_number(segment.get("area")):
        return "needs a numeric 'area' (panopticapi takes GT areas from the JSON)"
    if ground_truth and "iscrowd" not in segment:
        return "needs 'iscrowd'"
    return None


def segments_info(segments: tuple[dict[str, Any], ...], category_index: dict[Any, int], *, ground_truth: bool) -> SegmentsInfo:
    """The arrays of :class:`~pps_cli.metrics.coco.SegmentsInfo` from raw ``segments_info`` entries."""
    by_id = {int(_normalize_id(s["id"])): s for s in segments}  # panopticapi's dict: first position, last value
    category_ids = tuple(_normalize_id(s["category_id"]) for s in by_id.values())
    return SegmentsInfo(
        ids=np.array(list(by_id), np.int64),
        category=np.array([category_index.get(c, -1) for c in category_ids], np.intp),
        category_id=category_ids,
        area=np.array([float(s["area"]) if ground_truth else np.nan for s in by_id.values()], np.float64),
        crowd=np.array([ground_truth and s["iscrowd"] == 1 for s in by_id.values()], bool),
    )


def _int_or_none(image_id: Any) -> int | None:
    """``int(image_id)`` (``"2008_000393"`` -> 2008000393), None where that would not be the same id (2.5)."""
    if isinstance(image_id, bool) or (isinstance(image_id, float) and not image_id.is_integer()):
        return None
    try:
        return int(image_id)
    except (TypeError, ValueError, OverflowError):
        return None


def match_predictions(image_ids: list[Any], predictions: PanopticFile) -> list[Annotation]:
    """The prediction annotation of each image id: same ``image_id`` (panopticapi's rule; the last
    annotation of an id wins, as in its dict), else the same ``int()`` (PASCAL ``2008_000393`` is
    stored as ``2008000393``).

    Raises
    ------
    PpsError
        Naming the prediction JSON and listing every image without prediction.
    """
    exact = {a.image_id: a for a in predictions.annotations}
    by_int = {}
    for a in predictions.annotations:
        as_int = _int_or_none(a.image_id)
        if as_int is not None:
            by_int[as_int] = a
    matched, missing = [], []
    for image_id in image_ids:
        annotation = exact.get(image_id)
        if annotation is None:
            annotation = by_int.get(_int_or_none(image_id))  # type: ignore[arg-type]
        if annotation is None:
            missing.append(repr(image_id))
        matched.append(annotation)
    if missing:
        raise PpsError(
            predictions.path,
            f"no prediction for {len(missing)} of {len(image_ids)} images, image_id {summarize_list(missing)}",
        )
    return matched


# ----------------------------------------------------------------------------- per image


@dataclass(frozen=True)
class PqJob:
    """One image: its GT (COCO PNG + segments, or PPS uid TIFF) and its predicted PNG + segments."""

    image_id: Any
    gt_path: Path
    gt_segments: tuple[dict[str, Any], ...] | None  # None: PPS GT (uid TIFF)
    pred_path: Path
    pred_segments: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PqContext:
    """Sent once to every worker: the category index and, against PPS GT, the EvalSpec."""

    category_index: dict[Any, int]
    num_categories: int
    spec: EvalSpec | None = None


@dataclass(frozen=True)
class ImagePQ:
    """What a worker returns for one image (small, picklable)."""

    stats: PQStats
    check: GtCheck | None


def _mismatch(job: PqJob, e: SegmentMismatchError) -> PpsError:
    return PpsError(job.pred_path, f"image_id {job.image_id!r}: {e}")


def evaluate_coco_image(job: PqJob, context: PqContext) -> ImagePQ:
    """PQ statistics of one image against COCO panoptic GT (the worker of :func:`pq_evaluate`)."""
    gt_rgb = read_png(job.gt_path, channels=3, writable=False, drop_alpha=True)
    pred_rgb = read_png(job.pred_path, channels=3, writable=False, drop_alpha=True)
    check_same_size(pred_rgb, job.pred_path, gt_rgb.shape, job.gt_path)
    runs = id_runs(_segment_ids(gt_rgb), _segment_ids(pred_rgb), gt_mask=_RGB_ID_MASK, pred_mask=_RGB_ID_MASK)
    gt = segments_info(job.gt_segments or (), context.category_index, ground_truth=True)
    pred = segments_info(job.pred_segments, context.category_index, ground_truth=False)
    try:
        stats, check = coco_image_stats(runs, gt, pred, context.num_categories)
    except SegmentMismatchError as e:
        raise _mismatch(job, e) from None
    return ImagePQ(stats, check)


def evaluate_pps_gt_image(job: PqJob, context: PqContext) -> ImagePQ:
    """PQ statistics of one image against PPS ground truth (uid TIFF), GT segments as docs/metrics.md says."""
    spec = context.spec
    assert spec is not None
    uids, pred_rgb = read_gt_and_prediction(job.gt_path, job.pred_path, writable=False, drop_alpha=True)
    runs = id_runs(uids, _segment_ids(pred_rgb), pred_mask=_RGB_ID_MASK)
    try:
        decoded = decode_gt(runs.gt.astype(np.int32), spec)
    except GroundTruthError as e:
        raise PpsError(job.gt_path, str(e)) from None
    pred = segments_info(job.pred_segments, context.category_index, ground_truth=False)
    try:
        pred_segment, _ = predicted_segments(runs.pred, runs.length, pred, categories=f"the sids {spec.name} evaluates")
    except SegmentMismatchError as e:
        raise _mismatch(job, e) from None
    gt_keys, gt_segment = gt_pq_segments(decoded, spec)
    pred_sid = np.array(spec.eval_sids, np.int32)[pred.category]
    tables = pps_segment_tables(gt_keys, gt_segment, pred_sid, pred_segment, runs.length, spec)
    return ImagePQ(match_segments(tables, context.num_categories), None)


# ----------------------------------------------------------------------------- whole data set


@dataclass(frozen=True)
class PqEvaluation:
    """The outcome of :func:`pq_evaluate`."""

    categories: tuple[Category, ...]
    image_ids: tuple[Any, ...]
    total: PQStats
    result: PQResult
    inputs: dict[str, str]
    warnings: tuple[str, ...]


def _default_folder(json_path: Path) -> Path:
    """panopticapi's default PNG folder: the JSON path without ``.json``."""
    return json_path.with_suffix("") if json_path.suffix == ".json" else json_path


def _require_folder(folder: Path, option: str) -> None:
    if not folder.is_dir():
        raise PpsError(folder, f"not a folder (the PNG folder defaults to the JSON path without .json; give it with {option})")


def coco_jobs(gt: PanopticFile, pred: PanopticFile, gt_dir: Path, pred_dir: Path) -> list[PqJob]:
    """One job per GT annotation (GT order), each with its matched prediction."""
    matched = match_predictions([a.image_id for a in gt.annotations], pred)
    return [
        PqJob(g.image_id, gt_dir / g.file_name, g.segments, pred_dir / p.file_name, p.segments)
        for g, p in zip(gt.annotations, matched, strict=True)
    ]


def pps_gt_jobs(images: list[ImageInfo], gt_dir: Path, pred: PanopticFile, pred_dir: Path) -> list[PqJob]:
    """One job per image (images.json order): its uid TIFF and matched prediction."""
    gt_files = require_gt_files(images, find_gt_files(gt_dir), gt_dir)
    matched = match_predictions([image.id for image in images], pred)
    return [
        PqJob(image.id, gt_files[image.key], None, pred_dir / p.file_name, p.segments)
        for image, p in zip(images, matched, strict=True)
    ]


def pq_evaluate(
    *,
    pred_json: str | os.PathLike[str],
    pred_dir: str | os.PathLike[str] | None = None,
    gt_json: str | os.PathLike[str] | None = None,
    gt_dir: str | os.PathLike[str] | None = None,
    spec: EvalSpec | None = None,
    images: list[ImageInfo] | None = None,
    workers: int = 1,
    on_image: Callable[[], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> PqEvaluation:
    """PQ of COCO panoptic predictions against COCO panoptic GT (``gt_json``) or PPS GT (``spec`` + ``gt_dir``).

    Parameters
    ----------
    pred_json, pred_dir : path
        Prediction JSON and PNG folder (default: the JSON path without ``.json``).
    gt_json, gt_dir : path
        COCO mode: GT JSON and PNG folder (default: the JSON path without ``.json``). PPS mode
        (``spec`` given): ``gt_dir`` is the folder of uid TIFFs.
    spec : EvalSpec, optional
        PPS mode: categories are its eval sids.
    images : list of ImageInfo, optional
        PPS mode: the images to evaluate (default: every TIFF of ``gt_dir``).
    workers : int
        Worker processes; results are bitwise identical for any value.
    on_start, on_image : callable, optional
        Called with the number of images once they are known, and after each image (progress).

    Raises
    ------
    PpsError
        Naming the file: unreadable or malformed inputs, images without prediction, segments
        in a PNG but not in its JSON or the reverse, unknown predicted categories, size mismatches.
    """
    pred_json = Path(pred_json)
    pred_dir = Path(pred_dir) if pred_dir is not None else _default_folder(pred_json)
    if spec is None:
        if gt_json is None:
            raise ValueError("give gt_json (COCO GT) or spec and gt_dir (PPS GT)")
        gt_json = Path(gt_json)
        gt_dir = Path(gt_dir) if gt_dir is not None else _default_folder(gt_json)
        _require_folder(gt_dir, "--gt-dir")
        _require_folder(pred_dir, "--pred-dir")
        gt = read_panoptic_json(gt_json, ground_truth=True)
        if not gt.categories:
            raise PpsError(gt_json, "'categories' is empty")
        pred = read_panoptic_json(pred_json, ground_truth=False)
        categories = tuple(gt.categories.values())
        jobs = coco_jobs(gt, pred, gt_dir, pred_dir)
        worker = evaluate_coco_image
        inputs = {"gt_json": str(gt_json), "gt_dir": str(gt_dir), "pred_json": str(pred_json), "pred_dir": str(pred_dir)}
    else:
        if gt_dir is None:
            raise ValueError("PPS ground truth needs gt_dir")
        gt_dir = Path(gt_dir)
        _require_folder(pred_dir, "--pred-dir")
        pred = read_panoptic_json(pred_json, ground_truth=False)
        categories = spec_categories(spec)
        jobs = pps_gt_jobs(images if images is not None else build_images(gt_dir), gt_dir, pred, pred_dir)
        worker = evaluate_pps_gt_image
        inputs = {"eval_spec": str(spec.path), "gt": str(gt_dir), "pred_json": str(pred_json), "pred_dir": str(pred_dir)}
    context = PqContext({c.id: k for k, c in enumerate(categories)}, len(categories), spec)
    if on_start is not None:
        on_start(len(jobs))
    total = PQStats.zeros(len(categories))
    area_mismatch, unlisted = [], []
    for job, outcome in zip(jobs, parallel_map(worker, jobs, context=context, workers=workers), strict=True):
        total = total + outcome.stats
        if outcome.check is not None:
            area_mismatch += [f"image_id {job.image_id!r} id {i}: JSON {a:g}, PNG {p}" for i, a, p in outcome.check.area_mismatch]
            unlisted += [f"image_id {job.image_id!r} id {i}" for i in outcome.check.unlisted_ids]
        if on_image is not None:
            on_image()
    warnings = []
    if area_mismatch:
        warnings.append(
            f"{gt_json}: {len(area_mismatch)} GT segments have a JSON 'area' that differs from their pixel count "
            f"(the JSON area is used, as panopticapi does): {summarize_list(area_mismatch, 5)}"
        )
    if unlisted:
        warnings.append(
            f"{gt_json}: {len(unlisted)} GT PNG segment ids are not in segments_info (skipped, as panopticapi does): "
            f"{summarize_list(unlisted, 5)}"
        )
    return PqEvaluation(
        categories, tuple(job.image_id for job in jobs), total, summarize(total, categories), inputs, tuple(warnings)
    )


def pq_results_document(evaluation: PqEvaluation) -> dict[str, Any]:
    """``pps pq -o``: panopticapi's ``{"All", "Things", "Stuff", "per_class"}`` at the top level (plus
    "Parts" / "NoParts" against PPS GT; null for an empty group; per-class names and counts), then
    ``pps_version``, ``inputs`` and ``num_images``."""
    return {
        **result_json(evaluation.result),
        "pps_version": __version__,
        "inputs": evaluation.inputs,
        "num_images": len(evaluation.image_ids),
    }


def pq_results_json(evaluation: PqEvaluation) -> bytes:
    """The bytes of the results file (:func:`pq_results_document` as indented JSON)."""
    return dumps_json(pq_results_document(evaluation))
