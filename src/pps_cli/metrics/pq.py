"""Standard panoptic quality (PQ), exactly as panopticapi's ``pq_compute`` counts it. Pure numpy, no I/O.

Definitions: docs/metrics.md ("PQ"). Two layers:

- :func:`match_segments` applies panopticapi's rules to one image given as small tables: the GT
  and predicted segments (category, area, crowd flag) and the pixel counts of every (GT segment,
  predicted segment) intersection and of every predicted segment's overlap with VOID. Both the
  COCO panoptic driver (:mod:`pps_cli.pq_eval`) and the one-pass PPS accumulator
  (:mod:`pps_cli.metrics.accumulate`, through :func:`runs_pq_stats`) build those tables.
- :func:`summarize` turns summed :class:`PQStats` into PQ / SQ / RQ per category and the group
  averages (All, Things, Stuff, and for PPS data Parts, NoParts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..specs import EvalSpec
from .counts import FP_IGNORED_OVERLAP, MATCH_IOU, MatchCounts
from .runs import NO_SEGMENT, GroundTruthUids, PixelRuns, RunLabels, compact, count, distinct, label_runs


@dataclass(frozen=True, eq=False)
class PQStats(MatchCounts):
    """Additive PQ statistics: ``iou_sum`` sums the IoUs of the true positives; ``tp``, ``fp``,
    ``fn`` as in :class:`MatchCounts`."""


# ----------------------------------------------------------------------------- one image


@dataclass(frozen=True)
class SegmentTables:
    """One image as panopticapi sees it: segments and their overlaps (G GT segments, P predicted, K pairs).

    Attributes
    ----------
    gt_category : (G,) intp
        Category index of each GT segment, -1 for a category outside the list (never matched, not
        counted: panopticapi counts it in a category it never reports).
    gt_area : (G,) float64
        Area of each GT segment (the GT JSON's ``area`` in COCO data, which need not be the PNG's count).
    gt_crowd : (G,) bool
        ``iscrowd == 1``. GT segments are in ``segments_info`` order: the LAST crowd segment of a
        category is that category's crowd region.
    pred_category : (P,) intp
        Category index of each predicted segment (all in the list).
    pred_area : (P,) int64
        Pixels of each predicted segment.
    pred_void : (P,) int64
        Pixels of each predicted segment on VOID (GT id 0; PPS GT: classes not evaluated).
    pair_gt, pair_pred : (K,) intp
        GT and predicted segment of each non-empty intersection, in the order panopticapi visits
        them (ascending GT id, then predicted id), which fixes the order of the IoU sums.
    pair_pixels : (K,) int64
        Pixels of each intersection.
    """

    gt_category: NDArray[np.intp]
    gt_area: NDArray[np.float64]
    gt_crowd: NDArray[np.bool_]
    pred_category: NDArray[np.intp]
    pred_area: NDArray[np.int64]
    pred_void: NDArray[np.int64]
    pair_gt: NDArray[np.intp]
    pair_pred: NDArray[np.intp]
    pair_pixels: NDArray[np.int64]


def match_segments(tables: SegmentTables, num_categories: int) -> PQStats:
    """PQ statistics of one image, panopticapi's ``pq_compute_single_core`` rule for rule.

    Notes
    -----
    - A pair (g, p) is a match when g is not crowd, both have the same category and
      ``IoU = |g ∩ p| / (area_p + area_g - |g ∩ p| - |p ∩ VOID|) > 0.5``: TP += 1, iou_sum += IoU.
      Every such pair counts (with true areas at most one per segment; with JSON areas that
      understate a segment panopticapi counts several, and so do we).
    - FN: each non-crowd GT segment of a known category in no match.
    - FP: each predicted segment in no match, unless
      ``(|p ∩ VOID| + |p ∩ crowd region of its category|) / area_p > 0.5``.
    """
    t = tables
    stats = PQStats.zeros(num_categories)
    same = (t.gt_category[t.pair_gt] == t.pred_category[t.pair_pred]) & ~t.gt_crowd[t.pair_gt]
    pair_gt, pair_pred, inter = t.pair_gt[same], t.pair_pred[same], t.pair_pixels[same]
    # panopticapi: numpy int64 pred area + JSON area - intersection - void, then a true division;
    # in float64 this is exact for integer areas and follows its operation order for others
    union = t.pred_area[pair_pred] + t.gt_area[pair_gt] - inter - t.pred_void[pair_pred]
    with np.errstate(divide="ignore", invalid="ignore"):  # union <= 0 only with wrong JSON areas
        iou = inter / union
    match = iou > MATCH_IOU
    matched_category = t.gt_category[pair_gt[match]]
    np.add.at(stats.iou_sum, matched_category, iou[match])  # sequential, in visiting order
    np.add.at(stats.tp, matched_category, 1)

    gt_matched = np.zeros(t.gt_category.size, bool)
    gt_matched[pair_gt[match]] = True
    pred_matched = np.zeros(t.pred_category.size, bool)
    pred_matched[pair_pred[match]] = True

    missed = ~gt_matched & ~t.gt_crowd & (t.gt_category >= 0)
    np.add.at(stats.fn, t.gt_category[missed], 1)

    crowd_region = np.full(num_categories + 1, NO_SEGMENT, np.intp)  # slot -1: unknown categories
    crowd = np.flatnonzero(t.gt_crowd)[::-1]
    crowd_categories, last = np.unique(t.gt_category[crowd], return_index=True)  # first of the reversed
    crowd_region[crowd_categories] = crowd[last]
    crowd_of_pred = crowd_region[t.pred_category]
    ignored = t.pred_void.copy()
    on_crowd = (crowd_of_pred[t.pair_pred] == t.pair_gt) & (crowd_of_pred[t.pair_pred] >= 0)
    np.add.at(ignored, t.pair_pred[on_crowd], t.pair_pixels[on_crowd])
    unmatched = np.flatnonzero(~pred_matched)
    false_positive = unmatched[~(ignored[unmatched] / t.pred_area[unmatched] > FP_IGNORED_OVERLAP)]
    np.add.at(stats.fp, t.pred_category[false_positive], 1)
    return stats


# ----------------------------------------------------------------------------- PPS data


_DENSE_JOINT_LIMIT = 1 << 20  # bins of a dense (GT, predicted) histogram

_CROWD_IID = 1000  # instance slot of a class's crowd segment (iids are 0..999)


def gt_pq_segments(gt: GroundTruthUids, spec: EvalSpec) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
    """GT segments of PPS ground truth for PQ: sorted keys ``eval sid * 1001 + slot`` and each run's segment.

    Things class: one segment per (eval sid, iid) and one crowd segment (slot 1000) for its pixels
    without iid (uids <= 99); stuff class: one segment per eval sid (slot 0); sids not evaluated
    are VOID (-1). Segments are numbered in ascending key order.
    """
    eval_sid = gt.eval_sid
    thing = spec.is_thing[np.maximum(eval_sid, 0)]
    slot = np.where(thing, np.where(gt.uids <= 99, _CROWD_IID, gt.iid), 0)
    key = np.where(eval_sid >= 0, eval_sid.astype(np.int64) * (_CROWD_IID + 1) + slot, NO_SEGMENT)
    keys, segment_of_uid = compact(key)
    return keys, segment_of_uid[gt.inverse]


def runs_pq_stats(runs: PixelRuns, *, spec: EvalSpec, labels: RunLabels | None = None) -> PQStats:
    """PQ statistics of a PPS prediction against PPS ground truth (one image, as runs).

    GT segments: :func:`gt_pq_segments`; predicted segments: the (class, instance) pairs of
    evaluated classes (other class values, 255 included, are unassigned). Categories: the spec's
    eval sids, ascending. The rules are :func:`match_segments`' (docs/metrics.md, "PQ from PPS
    ground truth").
    """
    num_categories = len(spec.eval_sids)
    if runs.length.size == 0:
        return PQStats.zeros(num_categories)
    if labels is None:
        labels = label_runs(runs, spec)
    gt_keys, gt_segment = gt_pq_segments(labels.gt, spec)
    return match_segments(
        pps_segment_tables(gt_keys, gt_segment, labels.pred.sid, labels.pred.segment, runs.length, spec), num_categories
    )


def pps_segment_tables(
    gt_keys: NDArray[np.int64],
    gt_segment: NDArray[np.intp],
    pred_sid: NDArray[np.int32],
    pred_segment: NDArray[np.intp],
    length: NDArray[np.int64],
    spec: EvalSpec,
) -> SegmentTables:
    """:class:`SegmentTables` from per-run GT and predicted segments (-1: VOID / unassigned).

    Parameters
    ----------
    gt_keys : (G,) int64
        Keys of :func:`gt_pq_segments` (they give category and crowd flag).
    gt_segment, pred_segment : (R,) intp
        Segment of each run.
    pred_sid : (P,) int32
        Eval sid of each predicted segment.
    length : (R,) int64
        Pixels of each run.
    """
    num_gt, num_pred = gt_keys.size, pred_sid.size
    # one joint histogram with a leading VOID row and unassigned column: (G + 1, P + 1) pixels,
    # kept sparse (distinct keys) when a dense one would be large
    key = (gt_segment + 1).astype(np.int64) * (num_pred + 1) + (pred_segment + 1)
    if (num_gt + 1) * (num_pred + 1) <= _DENSE_JOINT_LIMIT:
        keys = np.arange((num_gt + 1) * (num_pred + 1))
        pixels = count(key, length, keys.size)
    else:
        keys, index = distinct(key)
        pixels = count(index, length, keys.size)
    row, column = keys // (num_pred + 1), keys % (num_pred + 1)
    gt_area = count(row, pixels, num_gt + 1)[1:].astype(np.float64)
    pred_area = count(column, pixels, num_pred + 1)[1:]
    on_void = row == 0
    pred_void = count(column[on_void], pixels[on_void], num_pred + 1)[1:]
    pair = (row > 0) & (column > 0) & (pixels > 0)  # ascending (GT, predicted) segment
    pair_gt, pair_pred, pair_pixels = row[pair] - 1, column[pair] - 1, pixels[pair]
    return SegmentTables(
        gt_category=spec.category_index[gt_keys // (_CROWD_IID + 1)].astype(np.intp),
        gt_area=gt_area,
        gt_crowd=gt_keys % (_CROWD_IID + 1) == _CROWD_IID,
        pred_category=spec.category_index[pred_sid].astype(np.intp),
        pred_area=pred_area,
        pred_void=pred_void,
        pair_gt=pair_gt,
        pair_pred=pair_pred,
        pair_pixels=pair_pixels,
    )


# ----------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class Category:
    """A category as the PQ summary needs it (from a GT JSON's ``categories`` or an EvalSpec)."""

    id: int
    name: str
    isthing: bool
    has_parts: bool | None = None
    """Whether the EvalSpec evaluates the class with parts; None for COCO categories."""


def spec_categories(spec: EvalSpec) -> tuple[Category, ...]:
    """The spec's eval sids (ascending) as PQ categories."""
    return tuple(
        Category(sid, spec.category_name(sid), bool(spec.is_thing[sid]), bool(spec.is_parts[sid])) for sid in spec.eval_sids
    )


@dataclass(frozen=True)
class CategoryPQ:
    """PQ of one category over all images; ``counted`` is False when tp + fp + fn = 0 (all values 0)."""

    category: Category
    pq: float
    sq: float | int
    rq: float
    iou_sum: float
    tp: int
    fp: int
    fn: int
    counted: bool


@dataclass(frozen=True)
class GroupPQ:
    """Mean PQ / SQ / RQ over the counted categories of a group; None when ``n == 0``."""

    pq: float | None
    sq: float | None
    rq: float | None
    n: int


@dataclass(frozen=True)
class PQResult:
    """Per-category PQ (category order) and the group averages.

    ``groups`` holds "All", "Things", "Stuff", and "Parts", "NoParts" when the categories say
    whether they have parts (PPS data).
    """

    categories: tuple[CategoryPQ, ...]
    groups: dict[str, GroupPQ]


def summarize(total: PQStats, categories: Sequence[Category]) -> PQResult:
    """PQ, SQ and RQ per category and their averages, with panopticapi's arithmetic.

    Per category with tp + fp + fn > 0 and ``d = tp + 0.5 fp + 0.5 fn``: PQ = iou_sum / d,
    SQ = iou_sum / tp (integer 0 when tp = 0, as panopticapi), RQ = tp / d. Other categories get
    0.0 and stay out of the averages; a group without counted category has None (panopticapi
    divides by zero). Averages are sequential sums in category order, divided by n.
    """
    if total.num_categories != len(categories):
        raise ValueError(f"stats have {total.num_categories} categories, the category list {len(categories)}")
    results = []
    for c, category in enumerate(categories):
        iou, tp, fp, fn = float(total.iou_sum[c]), int(total.tp[c]), int(total.fp[c]), int(total.fn[c])
        counted = tp + fp + fn > 0
        if counted:
            pq = iou / (tp + 0.5 * fp + 0.5 * fn)
            sq: float | int = iou / tp if tp != 0 else 0
            rq = tp / (tp + 0.5 * fp + 0.5 * fn)
        else:
            pq, sq, rq = 0.0, 0.0, 0.0
        results.append(CategoryPQ(category, pq, sq, rq, iou, tp, fp, fn, counted))

    def average(selected: list[CategoryPQ]) -> GroupPQ:
        n = len(selected)
        if n == 0:
            return GroupPQ(None, None, None, 0)
        pq = sq = rq = 0.0
        for r in selected:
            pq += r.pq
            sq += r.sq
            rq += r.rq
        return GroupPQ(pq / n, sq / n, rq / n, n)

    counted = [r for r in results if r.counted]
    groups = {
        "All": average(counted),
        "Things": average([r for r in counted if r.category.isthing]),
        "Stuff": average([r for r in counted if not r.category.isthing]),
    }
    if all(category.has_parts is not None for category in categories):
        groups["Parts"] = average([r for r in counted if r.category.has_parts])
        groups["NoParts"] = average([r for r in counted if not r.category.has_parts])
    return PQResult(tuple(results), groups)


def result_json(result: PQResult) -> dict:
    """panopticapi's result structure plus counts: ``{"All": {pq, sq, rq, n}, "Things": ..., "Stuff": ...,
    ["Parts": ..., "NoParts": ...,] "per_class": {"<category id>": {name, isthing, [has_parts,] pq, sq, rq,
    tp, fp, fn, iou_sum}}}``; a group without counted category is null."""
    document: dict = {
        name: None if g.n == 0 else {"pq": g.pq, "sq": g.sq, "rq": g.rq, "n": g.n} for name, g in result.groups.items()
    }
    per_class = {}
    for r in result.categories:
        entry: dict = {"name": r.category.name, "isthing": r.category.isthing}
        if r.category.has_parts is not None:
            entry["has_parts"] = r.category.has_parts
        entry.update(pq=r.pq, sq=r.sq, rq=r.rq, tp=r.tp, fp=r.fp, fn=r.fn, iou_sum=r.iou_sum)
        per_class[str(r.category.id)] = entry
    document["per_class"] = per_class
    return document
