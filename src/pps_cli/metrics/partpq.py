"""PartPQ: per-image statistics and their summary (docs/metrics.md, "PartPQ"). Pure numpy, no I/O.

The reference (``panoptic_parts.utils.evaluation_PartPQ``) builds a full-image mask per segment
and loops over segment pairs. Here every count is a histogram instead, computed once per image:

1. :func:`~pps_cli.metrics.runs.pixel_runs` run-length encodes the image: consecutive pixels (in
   raster order) with the same GT uid and the same prediction ``[class, instance, part]`` form one
   run. Label maps are piecewise constant, so a 2048x1024 image has ~10^5 runs instead of 2*10^6
   pixels, and every count below is a weighted ``np.bincount`` over runs (weights = run lengths).
   The encoding and the decoded GT uids are shared with PQ and mIoU (:mod:`pps_cli.metrics.runs`).
2. :func:`runs_stats` takes the distinct GT uids (a few hundred, decoded once), derives per run the GT
   segment, GT part, ignore value (void / crowd) and predicted segment, and counts segment areas,
   void and crowd overlaps and (GT segment, predicted segment) intersections. Matching, the part
   confusion matrix of each true positive, and FP / FN follow the reference rule by rule on those
   small tables.

Statistics are per category, in ascending eval sid order (:attr:`EvalSpec.eval_sids`), and add up
over images (:class:`PartPQStats`); all division happens in :func:`summarize`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..constants import NO_PART, VOID
from ..specs import EvalSpec
from .counts import FP_IGNORED_OVERLAP, MATCH_IOU, MatchCounts
from .runs import (
    NO_SEGMENT,
    GroundTruthError,
    GroundTruthUids,
    PixelRuns,
    RunLabels,
    compact,
    count,
    distinct,
    label_runs,
    lookup,
    pack_predictions,
    pixel_runs,
    predicted_class_pixels,
)

__all__ = [
    "EmptyConfusionError",
    "GroundTruthError",
    "PartPQStats",
    "PartPQResult",
    "SegmentMatching",
    "image_stats",
    "match_segments",
    "runs_stats",
    "summarize",
    "mean_part_iou",
    "pack_predictions",
    "pixel_runs",
    "predicted_class_pixels",
]


class EmptyConfusionError(ValueError):
    """A true positive of a parts class has no evaluated pixel; the reference raises 'empty CM' too."""


# ----------------------------------------------------------------------------- statistics


@dataclass(frozen=True, eq=False)
class PartPQStats(MatchCounts):
    """Additive PartPQ statistics: ``iou_sum`` sums the qualities of the true positives (IoU, or
    mean part IoU for parts classes); ``tp``, ``fp``, ``fn`` as in :class:`MatchCounts`."""


# ----------------------------------------------------------------------------- per-image statistics


def image_stats(gt_uids: NDArray[np.integer], pred_pps: NDArray[np.uint8], *, spec: EvalSpec) -> PartPQStats:
    """PartPQ statistics of one image.

    Parameters
    ----------
    gt_uids : (H, W) integer
        GT uids (label format: docs/metrics.md).
    pred_pps : (H, W, 3) uint8
        PPS prediction, channels ``[class, instance, part]``.
    spec : EvalSpec

    Returns
    -------
    PartPQStats
        Per category (ascending eval sid): iou_sum, tp, fp, fn.

    Raises
    ------
    GroundTruthError
        Invalid uids, or (DatasetSpecs with ``countable_pids_groupings``) sid_pids absent from the
        pid folding table.
    EmptyConfusionError
        When a parts-class true positive has no evaluated pixel (the reference fails too).

    Notes
    -----
    See :func:`runs_stats`; this is ``runs_stats(pixel_runs(gt_uids, pred_pps), spec=spec)``.

    Examples
    --------
    A car (eval sid 26, parts class in ``cpp-default``) with two parts, predicted perfectly, on road:

    >>> from pps_cli.specs import load_eval_spec
    >>> spec = load_eval_spec("cpp-default")
    >>> gt = np.array([[7, 7, 2600001, 2600002]], np.int32)
    >>> pred = np.array([[[7, 0, 1], [7, 0, 1], [26, 1, 1], [26, 1, 2]]], np.uint8)
    >>> stats = image_stats(gt, pred, spec=spec)
    >>> [(sid, float(stats.iou_sum[c]), int(stats.tp[c])) for c, sid in enumerate(spec.eval_sids) if stats.tp[c]]
    [(7, 1.0, 1), (26, 1.0, 1)]
    """
    return runs_stats(pixel_runs(gt_uids, pred_pps), spec=spec)


class GroundTruthRuns(NamedTuple):
    """Per-run GT labels and per-segment tables (segments sorted by (sid, iid))."""

    segment: NDArray[np.intp]  # (R,) GT segment of each run, -1 for void (non-evaluated sid)
    part: NDArray[np.int32]  # (R,) eval pid of each run (0: no part)
    ignore: NDArray[np.int32]  # (R,) 255 void, sid for crowd (incl. removed segments), else 0
    segment_sid: NDArray[np.int32]  # (S,) sid of each segment
    removed: NDArray[np.bool_]  # (S,) parts-class segment without any part label


def ground_truth_runs(decoded: GroundTruthUids, spec: EvalSpec) -> GroundTruthRuns:
    """Turn the decoded distinct uids into per-run GT segments, parts and ignore values."""
    uids, inverse, sid, iid, sid_pid, _ = decoded
    eval_sid_pid = spec.sid_pid_to_eval[sid_pid]
    part = np.where(eval_sid_pid >= 100, eval_sid_pid % 100, NO_PART).astype(np.int32)

    evaluated = spec.category_index[sid] >= 0
    # ignore_img of the reference: void where the GT sid is not evaluated, the sid on crowd
    # (things pixels without instance id, i.e. uids <= 99)
    ignore = np.where(evaluated, 0, VOID).astype(np.int32)
    crowd = (uids <= 99) & spec.is_thing[sid]
    ignore[crowd] = sid[crowd]

    segment_keys, segment = compact(np.where(evaluated, sid * 1000 + iid, NO_SEGMENT))
    segment_sid = (segment_keys // 1000).astype(np.int32)
    # A parts-class segment whose part map is 0 everywhere cannot be evaluated on parts: the
    # reference removes it and marks its pixels as crowd of its sid (unless the sid is 0, which
    # its `ignore_img_extra != 0` test skips).
    has_part = np.zeros(segment_keys.size, bool)
    has_part[segment[(segment >= 0) & (part != NO_PART)]] = True
    removed = spec.is_parts[segment_sid] & ~has_part
    to_crowd = lookup(removed, segment, False) & (sid != 0)
    ignore[to_crowd] = sid[to_crowd]

    return GroundTruthRuns(segment[inverse], part[inverse], ignore[inverse], segment_sid, removed)


def runs_stats(
    runs: PixelRuns, *, spec: EvalSpec, labels: RunLabels | None = None, matching: SegmentMatching | None = None
) -> PartPQStats:
    """PartPQ statistics of one image given as :class:`PixelRuns`.

    ``labels`` (:func:`~pps_cli.metrics.runs.label_runs` of ``runs``) and ``matching``
    (:func:`match_segments`) are computed when not given; the one-pass accumulator passes the
    labels it shares with the other metrics, the error view the matching it also shows.

    Notes
    -----
    Per category with eval sid ``s`` (the reference's rules; docs/metrics.md):

    - ignore: 255 (void) where the GT sid is not evaluated; ``s`` (crowd of ``s``) on things
      pixels without instance id and on the pixels of removed segments; 0 elsewhere.
    - GT segments: evaluated pixels grouped by (sid, iid), iid 0 included; parts-class segments
      without any part label are removed (they become crowd). G = segment minus crowd of ``s``.
      Per category, the first remaining segment with an empty G is dropped.
    - Predicted segments: pixels with class ``s`` grouped by the instance channel.
    - Match when ``IoU = |G ∩ P| / (|G ∪ P| - |P ∩ void|) > 0.5``. Quality: that IoU, or for a
      parts class the mean part IoU over the whole image minus void, minus crowd of ``s``, minus
      the pixels of G without GT part, comparing GT parts inside G (0 outside) with the part
      channel inside P (0 outside; ``ignore_label`` counts as 255): labels present in either,
      ``IoU = cm[l, l] / (row_l + col_l - cm[l, l])``, 255 dropped when predicted in the region.
    - FP: unmatched P with ``|P ∩ (void ∪ crowd of s)| / |P| <= 0.5``; FN: GT segments - TP.
    """
    num_categories = len(spec.eval_sids)
    if runs.length.size == 0:
        return PartPQStats.zeros(num_categories)
    m = match_segments(runs, spec=spec, labels=labels) if matching is None else matching
    gt = m.gt
    category_of_gt = spec.category_index[gt.segment_sid].astype(np.intp)
    parts: _PartsContext | None = None  # built on the first parts-class true positive
    iou_sum = [0.0] * num_categories
    for g in np.flatnonzero(m.match >= 0).tolist():  # ascending GT segment: the reference's summation order
        sid = int(gt.segment_sid[g])
        if spec.is_parts[sid]:
            if parts is None:
                pred_part = (runs.pred >> 16).astype(np.int32)
                parts = _PartsContext(runs, gt, m.pred_segment, m.pred_sid.size, pred_part, m.in_g, spec)
            iou_sum[category_of_gt[g]] += parts.mean_part_iou(g, int(m.match[g]), sid)
        else:
            iou_sum[category_of_gt[g]] += float(m.iou[g])
    tp = np.bincount(category_of_gt[m.match >= 0], minlength=num_categories).astype(np.int64)
    counted = np.bincount(category_of_gt[m.counted], minlength=num_categories).astype(np.int64)
    fp_categories = spec.category_index[m.pred_sid[m.false_positive]].astype(np.intp)
    fp = np.bincount(fp_categories, minlength=num_categories).astype(np.int64)
    return PartPQStats(np.array(iou_sum, np.float64), tp, fp, counted - tp)


class SegmentMatching(NamedTuple):
    """The PartPQ matching of one image (S GT segments, P predicted segments, R runs).

    Attributes
    ----------
    gt : GroundTruthRuns
        Per run the GT segment, part and ignore value; per GT segment its sid and removal.
    pred_segment : (R,) intp
        Predicted segment of each run, -1 for classes the spec does not evaluate.
    pred_sid : (P,) int32
        Class of each predicted segment.
    in_g : (R,) bool
        The run counts in its GT segment (G = segment minus crowd of its class; not removed).
    g_area, p_area, p_void, p_crowd : (S,), (P,), (P,), (P,) int64
        Pixels of G, of P, of P on void and of P on crowd of its own class.
    counted : (S,) bool
        The GT segment counts (not removed, not the dropped all-crowd one of its class).
    match : (S,) intp
        Predicted segment matched to each GT segment, -1 if none.
    iou : (S,) float64
        IoU of each match (0 where none).
    false_positive : (P,) bool
        Unmatched and not mostly void or crowd.
    """

    gt: GroundTruthRuns
    pred_segment: NDArray[np.intp]
    pred_sid: NDArray[np.int32]
    in_g: NDArray[np.bool_]
    g_area: NDArray[np.int64]
    p_area: NDArray[np.int64]
    p_void: NDArray[np.int64]
    p_crowd: NDArray[np.int64]
    counted: NDArray[np.bool_]
    match: NDArray[np.intp]
    iou: NDArray[np.float64]
    false_positive: NDArray[np.bool_]


def match_segments(runs: PixelRuns, *, spec: EvalSpec, labels: RunLabels | None = None) -> SegmentMatching:
    """Match the GT and predicted segments of one image by the reference's rules (see :func:`runs_stats`).

    Used by :func:`runs_stats` and by the error view, which shows every decision.

    Raises
    ------
    GroundTruthError
        When the GT uids break the label format or the DatasetSpec.
    """
    if labels is None:
        labels = label_runs(runs, spec)
    gt = ground_truth_runs(labels.gt, spec)
    length = runs.length

    # predicted segments: (class, instance) of evaluated classes, sorted by class then instance
    pred_segment = labels.pred.segment
    num_pred = labels.pred.keys.size
    pred_sid = labels.pred.sid
    in_pred = pred_segment >= 0
    sid_of_pred = lookup(pred_sid, pred_segment, -1)

    # areas and overlaps with void / crowd of the segment's own class
    num_gt = gt.segment_sid.size
    sid_of_gt = lookup(gt.segment_sid, gt.segment, -1)
    in_g = (gt.segment >= 0) & ~lookup(gt.removed, gt.segment, True) & (gt.ignore != sid_of_gt)
    g_area = count(gt.segment[in_g], length[in_g], num_gt)
    p_area = count(pred_segment[in_pred], length[in_pred], num_pred)
    void = gt.ignore == VOID
    p_void = count(pred_segment[in_pred & void], length[in_pred & void], num_pred)
    own_crowd = in_pred & (gt.ignore == sid_of_pred)
    p_crowd = count(pred_segment[own_crowd], length[own_crowd], num_pred)

    # intersections |G ∩ P| of same-class pairs, as (g, p) -> pixels
    pair = in_g & in_pred & (sid_of_gt == sid_of_pred)
    pair_keys, pair_inverse = distinct(gt.segment[pair] * num_pred + pred_segment[pair])
    pair_inter = count(pair_inverse, length[pair], pair_keys.size)
    candidates: dict[int, list[tuple[int, int]]] = {}
    for key, inter in zip(pair_keys.tolist(), pair_inter.tolist(), strict=True):
        candidates.setdefault(key // num_pred, []).append((key % num_pred, inter))

    counted = ~gt.removed
    match = np.full(num_gt, -1, np.intp)
    iou_of_match = np.zeros(num_gt, np.float64)
    matched = np.zeros(num_pred, bool)
    dropped_empty = set()
    for g in np.flatnonzero(counted).tolist():
        c = int(spec.category_index[gt.segment_sid[g]])
        if g_area[g] == 0 and c not in dropped_empty:
            dropped_empty.add(c)  # the reference drops only the first all-crowd segment per category
            counted[g] = False
            continue
        for p, inter in candidates.get(g, ()):
            if matched[p]:
                continue
            iou = inter / (int(g_area[g]) + int(p_area[p]) - inter - int(p_void[p]))
            if iou > MATCH_IOU:
                matched[p] = True
                match[g] = p
                iou_of_match[g] = iou
                break

    # int64 / int64 divides exactly as Python's int / int for counts below 2^53
    mostly_ignored = (p_void + p_crowd) / np.maximum(p_area, 1) > FP_IGNORED_OVERLAP
    false_positive = ~matched & ~mostly_ignored
    return SegmentMatching(
        gt, pred_segment, pred_sid, in_g, g_area, p_area, p_void, p_crowd, counted, match, iou_of_match, false_positive
    )


class _PartsContext:
    """Part confusion matrices of parts-class true positives, from the runs of G and of P."""

    def __init__(
        self,
        runs: PixelRuns,
        gt: GroundTruthRuns,
        pred_segment: NDArray[np.intp],
        num_pred: int,
        pred_part: NDArray[np.int32],
        in_g: NDArray[np.bool_],
        spec: EvalSpec,
    ) -> None:
        self.length = runs.length
        self.gt = gt
        self.pred_segment = pred_segment
        self.in_g = in_g
        # prediction part label as the reference sees it: ignore_label counts as void (255)
        if spec.ignore_label != VOID:
            pred_part = np.where(pred_part == spec.ignore_label, VOID, pred_part)
        self.pred_part = pred_part
        self.outside_p = VOID if spec.ignore_label == NO_PART else NO_PART  # label of pixels outside P
        self.ignore_pixels = count(gt.ignore, runs.length, 256)
        no_part_in_g = in_g & (gt.part == NO_PART)
        self.g_no_part = count(gt.segment[no_part_in_g], runs.length[no_part_in_g], gt.segment_sid.size)
        self.total = int(runs.length.sum())
        self._by_gt = _RunIndex(gt.segment, gt.segment_sid.size)
        self._by_pred = _RunIndex(pred_segment, num_pred)

    def mean_part_iou(self, g: int, p: int, sid: int) -> float:
        """Mean part IoU of the true positive (G = segment ``g``, P = predicted segment ``p``)."""
        gt = self.gt
        g_runs = self._by_gt.runs(g)
        p_runs = self._by_pred.runs(p)
        p_runs = p_runs[gt.segment[p_runs] != g]  # runs in both are taken from g_runs
        # evaluated runs of G ∪ P: in G with a GT part, or in P \ G and neither void nor crowd of sid
        g_runs = g_runs[self.in_g[g_runs] & (gt.part[g_runs] != NO_PART)]
        p_ignore = gt.ignore[p_runs]
        p_runs = p_runs[(p_ignore != VOID) & (p_ignore != sid)]
        runs = np.concatenate([g_runs, p_runs])
        true = np.where(gt.segment[runs] == g, gt.part[runs], NO_PART)
        pred = np.where(self.pred_segment[runs] == p, self.pred_part[runs], self.outside_p)
        weight = self.length[runs]
        region = self.total - int(self.ignore_pixels[VOID]) - int(self.ignore_pixels[sid]) - int(self.g_no_part[g])
        rest = region - int(weight.sum())  # evaluated pixels outside G ∪ P: (0, outside_p)
        if rest > 0:
            true = np.append(true, NO_PART)
            pred = np.append(pred, self.outside_p)
            weight = np.append(weight, rest)
        if weight.size == 0:
            raise EmptyConfusionError(f"a true positive of class {sid} has no pixel to evaluate parts on")
        return mean_part_iou(true, pred, weight)


class _RunIndex:
    """Run indices grouped by a label (e.g. GT segment), for O(size) lookup of one label's runs."""

    def __init__(self, labels: NDArray[np.intp], size: int) -> None:
        # labels are small: as int16 a stable argsort is a radix sort, linear in the number of runs
        self.order = np.argsort(labels.astype(np.int16 if size < 2**15 else np.int32), kind="stable")
        self.bounds = np.searchsorted(labels[self.order], np.arange(size + 1))

    def runs(self, label: int) -> NDArray[np.intp]:
        return self.order[self.bounds[label] : self.bounds[label + 1]]


def mean_part_iou(
    true: NDArray[np.integer], pred: NDArray[np.integer], weight: NDArray[np.int64]
) -> float:
    """Mean IoU over the labels present in ``true`` or ``pred``, 255 (void) left out when predicted.

    Parameters
    ----------
    true, pred : (K,) integer
        GT and predicted part label of K groups of pixels (labels in 0..255).
    weight : (K,) int64
        Pixels per group (all positive).

    Returns
    -------
    float
        ``mean over labels l of cm[l, l] / (row_l + col_l - cm[l, l])`` of the confusion matrix
        ``cm`` (rows: true, columns: predicted) over the sorted labels present, as
        ``sklearn.metrics.confusion_matrix`` builds it; when 255 is among the predicted labels its
        IoU (the last one) is left out, but its pixels stay in the other labels' unions.

    Examples
    --------
    >>> mean_part_iou(np.array([1, 1, 0]), np.array([1, 2, 0]), np.array([2, 1, 3]))  # (2/3 + 0 + 1) / 3
    0.5555555555555555
    """
    true, pred = np.asarray(true), np.asarray(pred)
    labels = np.union1d(true, pred)
    k = labels.size
    index = np.searchsorted(labels, true) * k + np.searchsorted(labels, pred)
    cm = count(index, np.asarray(weight), k * k).reshape(k, k)
    inter = np.diagonal(cm)
    union = cm.sum(axis=0) + cm.sum(axis=1) - inter
    ious = inter / union
    if (pred == VOID).any():  # 255 is the largest label, hence the last IoU
        ious = ious[:-1]
    return float(np.mean(ious))


# ----------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class CategoryResult:
    """PartPQ of one category over all images.

    ``counted`` is False when the category has no TP, FP or FN (all values 0, left out of averages).
    """

    sid: int
    name: str
    has_parts: bool
    is_thing: bool
    part_pq: float
    part_sq: float
    part_rq: float
    iou_sum: float
    tp: int
    fp: int
    fn: int
    counted: bool


@dataclass(frozen=True)
class GroupAverage:
    """Mean PartPQ / PartSQ / PartRQ over the counted categories of a group; None when ``n == 0``."""

    part_pq: float | None
    part_sq: float | None
    part_rq: float | None
    n: int


@dataclass(frozen=True)
class PartPQResult:
    """Per-category results (ascending eval sid) and the averages over all, parts and no-parts categories."""

    categories: tuple[CategoryResult, ...]
    all: GroupAverage
    parts: GroupAverage
    no_parts: GroupAverage


def summarize(total: PartPQStats, *, spec: EvalSpec) -> PartPQResult:
    """Turn summed statistics into PartPQ, PartSQ and PartRQ per category and their averages.

    Parameters
    ----------
    total : PartPQStats
        Statistics summed over all images.
    spec : EvalSpec

    Returns
    -------
    PartPQResult

    Notes
    -----
    Per category, with ``d = tp + fp/2 + fn/2``:

    .. math:: PartPQ = iou\\_sum / d, \\quad PartSQ = iou\\_sum / tp, \\quad PartRQ = tp / d

    PartSQ is 0 when ``tp = 0``. Categories with ``tp + fp + fn = 0`` get 0 and are left out of the
    averages; an average over no category is None (the reference divides by zero). The arithmetic
    is the reference's, operation for operation, on Python floats.
    """
    if total.num_categories != len(spec.eval_sids):
        raise ValueError(f"stats have {total.num_categories} categories, the spec {len(spec.eval_sids)}")
    categories = []
    for c, sid in enumerate(spec.eval_sids):
        iou, tp, fp, fn = float(total.iou_sum[c]), int(total.tp[c]), int(total.fp[c]), int(total.fn[c])
        counted = tp + fp + fn > 0
        if counted:
            denominator = tp + 0.5 * fp + 0.5 * fn
            pq, sq, rq = iou / denominator, (iou / tp if tp != 0 else 0.0), tp / denominator
        else:
            pq = sq = rq = 0.0
        categories.append(
            CategoryResult(
                sid=sid,
                name=spec.category_name(sid),
                has_parts=bool(spec.is_parts[sid]),
                is_thing=bool(spec.is_thing[sid]),
                part_pq=pq,
                part_sq=sq,
                part_rq=rq,
                iou_sum=iou,
                tp=tp,
                fp=fp,
                fn=fn,
                counted=counted,
            )
        )

    def average(group: list[CategoryResult]) -> GroupAverage:
        n = len(group)
        if n == 0:
            return GroupAverage(None, None, None, 0)
        pq = sq = rq = 0.0
        for r in group:  # sequential sums in category order, as the reference
            pq += r.part_pq
            sq += r.part_sq
            rq += r.part_rq
        return GroupAverage(pq / n, sq / n, rq / n, n)

    counted = [r for r in categories if r.counted]
    return PartPQResult(
        categories=tuple(categories),
        all=average(counted),
        parts=average([r for r in counted if r.has_parts]),
        no_parts=average([r for r in counted if not r.has_parts]),
    )
