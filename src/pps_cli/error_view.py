"""Error views: which pixels are true positives, false positives, false negatives or ignored.

The outcome of every segment comes from the matching rules of the metric (docs/metrics.md,
'PartPQ'), on the same run-length encoding and GT decoding as :mod:`pps_cli.metrics.partpq`
(:func:`~pps_cli.metrics.runs.pixel_runs`): :func:`segment_outcomes` reads the decisions of
:func:`~pps_cli.metrics.partpq.match_segments`, the matching that
:func:`~pps_cli.metrics.partpq.runs_stats` counts; ``tests/test_error_view.py`` checks that the
counts of these outcomes equal the metric's on every demo image and on hand-made cases.

Pixel codes (:func:`error_codes`), painted by :func:`colorize_errors`, in priority order:

* ``FP_FN``: in a false-positive segment *and* a false-negative one (e.g. the wrong class);
* ``FP``: in a predicted segment matched to nothing, not mostly void or crowd;
* ``FN``: in a ground-truth segment matched to nothing (crowd pixels excluded);
* ``PART``: in the overlap of a matched pair of a parts class, GT part labelled, predicted part
  different (a part error inside a matched segment);
* ``TP``: in the overlap of a matched pair;
* ``TP_OUTSIDE``: in one segment of a matched pair but not the other (lowers its IoU);
* ``IGNORED``: crowd, GT segments the metric removes or drops, predicted segments left out
  because they are mostly void or crowd;
* ``VOID``: the GT class is not evaluated (void) and no counted prediction lies there; classes
  the spec does not evaluate are void, in the GT and in the prediction.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from .constants import NO_PART, VOID
from .metrics.partpq import PartPQStats, SegmentMatching, match_segments, runs_stats, summarize
from .metrics.runs import PixelRuns, RunLabels, lookup, pixel_runs
from .specs import EvalSpec

VOID_CODE, IGNORED, TP_OUTSIDE, TP, PART, FN, FP, FP_FN = range(8)
CODE_NAMES = (
    "void / not evaluated",
    "ignored (crowd, mostly void)",
    "TP, outside the overlap",
    "true positive",
    "part error in a TP",
    "false negative",
    "false positive",
    "FP and FN",
)
CODE_COLORS = np.array(
    [
        (0, 0, 0),  # void
        (110, 110, 110),  # ignored
        (150, 215, 150),  # TP outside the overlap: pale green
        (30, 160, 60),  # TP: green
        (255, 165, 0),  # part error: orange
        (40, 90, 230),  # FN: blue
        (225, 30, 30),  # FP: red
        (225, 30, 30),  # FP and FN: red hatched with blue (see colorize_errors)
    ],
    np.uint8,
)
"""RGB per code; chosen to stay apart for red-green colour blindness too (blue/orange/red)."""

_HATCH = 4

# segment outcomes
_SEG_TP, _SEG_MISS, _SEG_IGNORED = 1, 2, 3  # TP; FN (GT) or FP (prediction); not counted


class SegmentOutcomes(NamedTuple):
    """What the matching decided for one image, per run and per segment.

    Attributes
    ----------
    gt_segment, pred_segment : (R,) intp
        GT / predicted segment of each run, -1 for none (void GT, unevaluated predicted class).
    in_g : (R,) bool
        The run counts in its GT segment's area (not crowd of its class, segment not removed).
    gt_part, pred_part : (R,) int32
        GT eval pid (0: none) and predicted part channel of each run.
    gt_outcome : (S,) int8
        1 TP, 2 FN, 3 not counted (removed parts-class segment, first all-crowd one of a class).
    pred_outcome : (P,) int8
        1 TP, 2 FP, 3 not counted (mostly void or crowd).
    match : (S,) intp
        Predicted segment matched to each GT segment, -1 if none.
    gt_sid, pred_sid : (S,), (P,) int32
        Class of each segment.
    ignore : (R,) int32
        The metric's ignore value of each run: 255 void, a sid for crowd of that sid, else 0.
    """

    gt_segment: NDArray[np.intp]
    pred_segment: NDArray[np.intp]
    in_g: NDArray[np.bool_]
    gt_part: NDArray[np.int32]
    pred_part: NDArray[np.int32]
    gt_outcome: NDArray[np.int8]
    pred_outcome: NDArray[np.int8]
    match: NDArray[np.intp]
    gt_sid: NDArray[np.int32]
    pred_sid: NDArray[np.int32]
    ignore: NDArray[np.int32]

    def counts(self, spec: EvalSpec) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """(tp, fp, fn) per category (ascending eval sid), as :func:`~pps_cli.metrics.partpq.runs_stats` counts them."""
        size = len(spec.eval_sids)
        gt_c = spec.category_index[self.gt_sid].astype(np.intp)
        pred_c = spec.category_index[self.pred_sid].astype(np.intp)
        tp = np.bincount(gt_c[self.gt_outcome == _SEG_TP], minlength=size).astype(np.int64)
        fn = np.bincount(gt_c[self.gt_outcome == _SEG_MISS], minlength=size).astype(np.int64)
        fp = np.bincount(pred_c[self.pred_outcome == _SEG_MISS], minlength=size).astype(np.int64)
        return tp, fp, fn


def segment_outcomes(
    runs: PixelRuns, *, spec: EvalSpec, labels: RunLabels | None = None, matching: SegmentMatching | None = None
) -> SegmentOutcomes:
    """Match GT and predicted segments of one image as the metric does and keep every decision.

    Parameters
    ----------
    runs : PixelRuns
        From :func:`pps_cli.metrics.runs.pixel_runs`.
    spec : EvalSpec
    labels : RunLabels, optional
        :func:`pps_cli.metrics.runs.label_runs` of ``runs`` (computed when not given).
    matching : SegmentMatching, optional
        :func:`pps_cli.metrics.partpq.match_segments` of ``runs`` (computed when not given).

    Raises
    ------
    GroundTruthError
        As :func:`pps_cli.metrics.partpq.runs_stats`.
    """
    m = match_segments(runs, spec=spec, labels=labels) if matching is None else matching
    matched = np.zeros(m.pred_sid.size, bool)
    matched[m.match[m.match >= 0]] = True
    gt_outcome = np.where(m.counted, np.where(m.match >= 0, _SEG_TP, _SEG_MISS), _SEG_IGNORED).astype(np.int8)
    pred_outcome = np.where(matched, _SEG_TP, np.where(m.false_positive, _SEG_MISS, _SEG_IGNORED)).astype(np.int8)
    gt = m.gt
    pred_part = (runs.pred >> 16).astype(np.int32)
    return SegmentOutcomes(
        gt.segment, m.pred_segment, m.in_g, gt.part, pred_part, gt_outcome, pred_outcome, m.match,
        gt.segment_sid, m.pred_sid, gt.ignore,
    )  # fmt: skip


def run_codes(outcomes: SegmentOutcomes, *, spec: EvalSpec) -> NDArray[np.uint8]:
    """(R,) uint8 error code of each run (see the module docstring for the priority order)."""
    o = outcomes
    gt_state = lookup(o.gt_outcome, o.gt_segment, 0)
    pred_state = lookup(o.pred_outcome, o.pred_segment, 0)
    fp = pred_state == _SEG_MISS
    fn = (gt_state == _SEG_MISS) & o.in_g
    gt_tp = (gt_state == _SEG_TP) & o.in_g
    pred_tp = pred_state == _SEG_TP
    overlap = gt_tp & pred_tp & (lookup(o.match, o.gt_segment, -1) == o.pred_segment)
    part = o.pred_part
    if spec.ignore_label != VOID:
        part = np.where(part == spec.ignore_label, VOID, part)
    part_error = overlap & spec.is_parts[np.maximum(lookup(o.gt_sid, o.gt_segment, 0), 0)]
    part_error &= (o.gt_part != NO_PART) & (part != o.gt_part)
    # a TP prediction over void is left out of its IoU: shown as void
    outside = (gt_tp | (pred_tp & (o.ignore != VOID))) & ~overlap
    ignored = (pred_state == _SEG_IGNORED) | ((o.gt_segment >= 0) & ~o.in_g) | (gt_state == _SEG_IGNORED)

    codes = np.full(o.gt_segment.shape, VOID_CODE, np.uint8)
    for mask, code in (
        (ignored, IGNORED), (outside, TP_OUTSIDE), (overlap, TP), (part_error, PART), (fn, FN), (fp, FP), (fp & fn, FP_FN),
    ):  # fmt: skip
        codes[mask] = code  # later entries win
    return codes


class ErrorView(NamedTuple):
    """Per-pixel error codes of one image and its metric values.

    Attributes
    ----------
    codes : (H, W) uint8
        Error code per pixel (``VOID_CODE`` .. ``FP_FN``).
    segment : (H, W) int64
        A segment key per pixel (predicted segment where the code comes from the prediction,
        GT segment otherwise), for boundaries.
    stats : PartPQStats
        The metric's own statistics of the image (:func:`pps_cli.metrics.partpq.runs_stats`).
    part_pq : float or None
        The image's PartPQ over the categories it counts (None when it counts none).
    """

    codes: NDArray[np.uint8]
    segment: NDArray[np.int64]
    stats: PartPQStats
    part_pq: float | None


def error_view(gt_uids: NDArray[np.integer], pred_pps: NDArray[np.uint8], *, spec: EvalSpec) -> ErrorView:
    """Error codes of every pixel and the PartPQ of one image.

    Parameters
    ----------
    gt_uids : (H, W) integer
    pred_pps : (H, W, 3) uint8
    spec : EvalSpec

    Raises
    ------
    GroundTruthError, EmptyConfusionError
        As :func:`pps_cli.metrics.partpq.runs_stats`.
    """
    runs = pixel_runs(gt_uids, pred_pps)
    shape = gt_uids.shape
    if runs.length.size == 0:
        return ErrorView(np.zeros(shape, np.uint8), np.zeros(shape, np.int64), runs_stats(runs, spec=spec), None)
    matching = match_segments(runs, spec=spec)  # shown and counted: matched once
    stats = runs_stats(runs, spec=spec, matching=matching)
    outcomes = segment_outcomes(runs, spec=spec, matching=matching)
    codes = run_codes(outcomes, spec=spec)
    from_pred = (codes == FP) | (codes == FP_FN) | ((codes == IGNORED) & (outcomes.pred_segment >= 0))
    segment = np.where(from_pred, outcomes.pred_segment + 1, -(outcomes.gt_segment + 2)).astype(np.int64)
    segment = segment * 8 + codes
    return ErrorView(
        np.repeat(codes, runs.length).reshape(shape),
        np.repeat(segment, runs.length).reshape(shape),
        stats,
        summarize(stats, spec=spec).all.part_pq,
    )


def colorize_errors(codes: NDArray[np.uint8], segment: NDArray[np.int64] | None = None) -> NDArray[np.uint8]:
    """Paint error codes with :data:`CODE_COLORS`; FP_FN hatched red/blue; white lines between segments.

    Parameters
    ----------
    codes : (H, W) uint8
    segment : (H, W) int64, optional
        Segment keys (:attr:`ErrorView.segment`, resampled like ``codes``); lines where they change.

    Returns
    -------
    (H, W, 3) uint8, RGB
    """
    from .visualize import BOUNDARY_COLOR, boundary_mask

    image = CODE_COLORS[codes]
    both = codes == FP_FN
    if both.any():
        h, w = codes.shape
        stripes = (np.add.outer(np.arange(h), np.arange(w)) % _HATCH) < _HATCH // 2
        image[both & stripes] = CODE_COLORS[FN]
    if segment is not None:
        image[boundary_mask(segment) & (codes != VOID_CODE)] = BOUNDARY_COLOR
    return image


def code_counts(codes: NDArray[np.uint8]) -> NDArray[np.int64]:
    """(8,) int64 pixels per error code."""
    return np.bincount(codes.ravel(), minlength=len(CODE_NAMES)).astype(np.int64)
