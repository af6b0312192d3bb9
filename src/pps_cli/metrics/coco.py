"""PQ of one image of COCO panoptic data (segment id maps + ``segments_info``), as panopticapi counts it.

Pure numpy, no I/O: the driver (:mod:`pps_cli.pq_eval`) reads the PNGs and JSON files and names
files in errors. The id maps are run-length encoded once (as in :mod:`.runs`); each distinct id is
looked up once in its ``segments_info``; the (GT id, predicted id) intersections then come from one
histogram over runs, visited in ascending (GT id, predicted id) order like panopticapi's
``np.unique``. Rules: :func:`pps_cli.metrics.pq.match_segments`; definitions: docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..errors import summarize_list
from .pq import PQStats, SegmentTables, match_segments
from .runs import NO_SEGMENT, count, distinct, run_starts

VOID_ID = 0
"""GT segment id of VOID pixels; in a prediction, id 0 is "no segment" unless ``segments_info`` lists it."""

_ID_BITS = 24  # segment ids are R + 256 G + 256^2 B < 2^24


class SegmentMismatchError(ValueError):
    """A predicted PNG and its ``segments_info`` disagree, or a predicted category is unknown (panopticapi
    raises KeyError); the message names the segment ids, the caller names image and file."""


@dataclass(frozen=True)
class SegmentsInfo:
    """One image's ``segments_info`` as panopticapi reads it (``{el["id"]: el}``: one entry per id, at the
    position of its first occurrence, with the values of its last).

    Attributes
    ----------
    ids : (S,) int64
        Segment ids.
    category : (S,) intp
        Category index (position in the GT categories), -1 for a category id not among them.
    category_id : tuple
        The ``category_id`` values themselves (for messages).
    area : (S,) float64
        GT: the JSON ``area``; predictions: unused (NaN), their areas are counted in the PNG.
    crowd : (S,) bool
        GT: ``iscrowd == 1``; predictions: False.
    """

    ids: NDArray[np.int64]
    category: NDArray[np.intp]
    category_id: tuple
    area: NDArray[np.float64]
    crowd: NDArray[np.bool_]


class IdRuns(NamedTuple):
    """Run-length encoding of a GT and a predicted id map: (R,) int64 ids and (R,) int64 lengths."""

    gt: NDArray[np.int64]
    pred: NDArray[np.int64]
    length: NDArray[np.int64]


def id_runs(
    gt_ids: NDArray[np.integer], pred_ids: NDArray[np.integer], *, gt_mask: int = -1, pred_mask: int = -1
) -> IdRuns:
    """Runs of consecutive pixels (raster order) with equal GT and predicted ids.

    ``gt_ids`` and ``pred_ids`` have the same number of pixels; the masks are applied to the run ids
    (e.g. ``0xFFFFFF`` to drop the alpha byte of ids packed from RGBA; -1 keeps every bit).
    """
    gt, pred = np.ravel(gt_ids), np.ravel(pred_ids)
    if gt.size != pred.size:
        raise ValueError(f"GT ({gt.size} px) and prediction ({pred.size} px) sizes differ")
    starts = run_starts(gt, pred)
    length = np.diff(starts, append=gt.size).astype(np.int64)
    return IdRuns(gt[starts].astype(np.int64) & gt_mask, pred[starts].astype(np.int64) & pred_mask, length)


def _positions(ids: NDArray[np.int64], values: NDArray[np.int64]) -> NDArray[np.intp]:
    """Position of each value in ``ids`` (unique), -1 where absent."""
    if ids.size == 0:
        return np.full(values.size, NO_SEGMENT, np.intp)
    order = np.argsort(ids, kind="stable")
    found = np.minimum(np.searchsorted(ids, values, sorter=order), ids.size - 1)
    position = order[found]
    return np.where(ids[position] == values, position, NO_SEGMENT)


def predicted_segments(
    pred_run_ids: NDArray[np.int64],
    length: NDArray[np.int64],
    pred: SegmentsInfo,
    *,
    categories: str = "the GT categories",
) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    """Segment of each run (-1: unassigned id 0) and the pixel count of each predicted segment.

    ``categories`` names the category list in messages.

    Raises
    ------
    SegmentMismatchError
        For ids in the PNG but not in the JSON, ids in the JSON but not in the PNG, and segments
        whose category is not a GT category: panopticapi's three KeyErrors.
    """
    values, inverse = distinct(pred_run_ids)
    position = _positions(pred.ids, values)
    unlisted = values[(position < 0) & (values != VOID_ID)]
    if unlisted.size:
        raise SegmentMismatchError(
            f"segment ids {summarize_list([str(v) for v in unlisted.tolist()])} are in the PNG but not in segments_info"
        )
    segment = position[inverse]
    listed = segment >= 0
    area = count(segment[listed], length[listed], pred.ids.size)
    absent = pred.ids[area == 0]
    if absent.size:
        raise SegmentMismatchError(
            f"segment ids {summarize_list([str(v) for v in absent.tolist()])} are in segments_info but not in the PNG"
        )
    unknown = np.flatnonzero(pred.category < 0)
    if unknown.size:
        listed = [f"{pred.ids[k]} (category_id {pred.category_id[k]!r})" for k in unknown.tolist()]
        raise SegmentMismatchError(f"segments {summarize_list(listed)} have a category_id not in {categories}")
    return segment, area


class GtCheck(NamedTuple):
    """What the GT PNG says beside the JSON (panopticapi ignores both; we warn)."""

    area_mismatch: list[tuple[int, float, int]]  # (segment id, JSON area, PNG pixels)
    unlisted_ids: list[int]  # ids in the PNG, not 0, absent from segments_info (skipped)


def coco_image_stats(
    runs: IdRuns, gt: SegmentsInfo, pred: SegmentsInfo, num_categories: int
) -> tuple[PQStats, GtCheck]:
    """PQ statistics of one COCO panoptic image, and the GT checks.

    Parameters
    ----------
    runs : IdRuns
        :func:`id_runs` of the GT and predicted id maps.
    gt, pred : SegmentsInfo
        The image's GT and predicted ``segments_info``.
    num_categories : int
        Number of GT categories (category indices are below it).

    Raises
    ------
    SegmentMismatchError
        See :func:`predicted_segments`.
    """
    pred_segment, pred_area = predicted_segments(runs.pred, runs.length, pred)
    gt_values, gt_inverse = distinct(runs.gt)
    gt_position = _positions(gt.ids, gt_values)
    gt_segment = gt_position[gt_inverse]

    in_pred = pred_segment >= 0
    on_void = in_pred & (runs.gt == VOID_ID)
    pred_void = count(pred_segment[on_void], runs.length[on_void], pred.ids.size)
    pair = in_pred & (gt_segment >= 0)
    # keys sort like panopticapi's gt * 2^24 + pred: ascending GT id, then predicted id
    pair_keys, pair_index = distinct((runs.gt[pair] << _ID_BITS) | runs.pred[pair])
    pair_pixels = count(pair_index, runs.length[pair], pair_keys.size)
    pair_gt = _positions(gt.ids, pair_keys >> _ID_BITS)
    pair_pred = _positions(pred.ids, pair_keys & ((1 << _ID_BITS) - 1))
    tables = SegmentTables(gt.category, gt.area, gt.crowd, pred.category, pred_area, pred_void, pair_gt, pair_pred,
                           pair_pixels)

    listed = gt_segment >= 0
    gt_pixels = count(gt_segment[listed], runs.length[listed], gt.ids.size)
    differs = np.flatnonzero(gt_pixels != gt.area)
    check = GtCheck(
        [(int(gt.ids[k]), float(gt.area[k]), int(gt_pixels[k])) for k in differs.tolist()],
        gt_values[(gt_position < 0) & (gt_values != VOID_ID)].tolist(),
    )
    return match_segments(tables, num_categories), check
