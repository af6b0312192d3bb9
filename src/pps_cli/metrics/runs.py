"""The one pass over the pixels that every metric shares: run-length encoding and per-run labels.

A GT uid map and a PPS prediction are piecewise constant, so consecutive pixels (raster order) with
the same GT uid and the same prediction ``[class, instance, part]`` form one *run*: a 2048x1024
image has ~1.5-4*10^4 runs instead of 2*10^6 pixels (:func:`pixel_runs`, in cache-sized bands of
rows). Runs holding the same (uid, prediction) pair anywhere in the image then merge into one
(:func:`value_pairs`: a few hundred pairs), since every count the metrics need (segment areas,
intersections, confusion matrices) is a weighted ``np.bincount`` over them (weights = pixel
counts). The distinct GT uids are decoded once (:func:`decode_gt`) and the predicted segments
numbered once (:func:`predicted_segments`); PartPQ, PQ and mIoU all read those. Pure numpy and
OpenCV, no I/O.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

from .._compat import unique_values
from ..errors import summarize_list
from ..formats.labels import decode_uids, fold_sid_pids, invalid_uids
from ..specs import DEFAULT, IGNORED, EvalSpec

NO_SEGMENT = -1
"""Segment index of a run that belongs to no segment (void GT, unassigned prediction)."""


class GroundTruthError(ValueError):
    """The GT uid map breaks the label format or the DatasetSpec (the caller names the file)."""


# ----------------------------------------------------------------------------- run-length encoding


class PixelRuns(NamedTuple):
    """Run-length encoding of a GT uid map and a PPS prediction over the pixels in raster order.

    Attributes
    ----------
    uid : (R,) int32
        GT uid of each run.
    pred : (R,) uint32
        Prediction of each run packed as ``class | instance << 8 | part << 16``.
    length : (R,) int64
        Number of pixels of each run (sums to H * W).
    """

    uid: NDArray[np.int32]
    pred: NDArray[np.uint32]
    length: NDArray[np.int64]


_PACKED_MASK = 0xFFFFFF

CACHE_BAND_PIXELS = 1 << 16
"""Pixels per band of rows that :func:`label_and_color_runs` processes at a time (its buffers stay in L2 cache)."""


def pack_predictions(pred_pps: NDArray[np.uint8]) -> NDArray[np.uint32]:
    """Pack a (H, W, 3) ``[class, instance, part]`` prediction into (H * W,) ``class | inst << 8 | part << 16``.

    The top byte is 0xFF (an alpha channel); mask with ``0xFFFFFF`` before unpacking.
    """
    if pred_pps.dtype != np.uint8 or pred_pps.ndim != 3 or pred_pps.shape[2] != 3:
        raise ValueError(f"expected a (H, W, 3) uint8 prediction, got {pred_pps.shape} {pred_pps.dtype}")
    if pred_pps.size == 0:
        return np.zeros(0, np.uint32)
    # Adding an alpha byte and reading each pixel as one little-endian uint32 packs the three
    # channels in one pass; OpenCV's vectorized RGB->RGBA is ~10x faster than numpy's strided
    # shifts or an unaligned 3-byte-stride view.
    rgba = cv2.cvtColor(pred_pps, cv2.COLOR_RGB2RGBA)  # takes row-strided views (decoded PNGs) as they are
    return rgba.view("<u4").reshape(-1).astype(np.uint32, copy=False)


def run_starts(*labels: NDArray) -> NDArray[np.intp]:
    """Indices where any of the equally long 1-D ``labels`` changes value (always including 0)."""
    size = labels[0].size
    if size == 0:
        return np.zeros(0, np.intp)
    starts_run = np.empty(size, bool)
    starts_run[0] = True
    np.not_equal(labels[0][1:], labels[0][:-1], out=starts_run[1:])
    if len(labels) > 1:
        changed = np.empty(size - 1, bool)  # one scratch buffer for the other maps, no temporaries
        for other in labels[1:]:
            np.not_equal(other[1:], other[:-1], out=changed)
            np.bitwise_or(starts_run[1:], changed, out=starts_run[1:])
    return np.flatnonzero(starts_run)


def pixel_runs(gt_uids: NDArray[np.integer], pred_pps: NDArray[np.uint8]) -> PixelRuns:
    """Run-length encode a GT uid map and a PPS prediction of the same size.

    Parameters
    ----------
    gt_uids : (H, W) integer
        GT uids (converted to int32).
    pred_pps : (H, W, 3) uint8
        Prediction, channels ``[class, instance, part]``.

    Returns
    -------
    PixelRuns
        Maximal runs of consecutive pixels (raster order) with equal uid and equal prediction.
    """
    if gt_uids.ndim != 2 or pred_pps.shape[:2] != gt_uids.shape:
        raise ValueError(f"GT {gt_uids.shape} and prediction {pred_pps.shape} sizes differ")
    uid = np.ascontiguousarray(gt_uids, dtype=np.int32)
    if uid.size == 0:
        return PixelRuns(np.zeros(0, np.int32), np.zeros(0, np.uint32), np.zeros(0, np.int64))
    starts, uids, preds = label_and_color_runs(uid, pred_pps)
    length = np.diff(starts, append=uid.size).astype(np.int64)
    return PixelRuns(uids, preds & _PACKED_MASK, length)


def label_and_color_runs(
    labels: NDArray, colors: NDArray[np.uint8]
) -> tuple[NDArray[np.intp], NDArray, NDArray[np.uint32]]:
    """Runs (raster order) over which a label map and a 3-channel image are both constant.

    Parameters
    ----------
    labels : (H, W) array
        Any dtype and strides (e.g. uid TIFF, part PNG rows seen in place), H * W > 0.
    colors : (H, W, 3) uint8
        Any row strides (e.g. a decoded PNG's rows seen in place).

    Returns
    -------
    starts : (R,) intp
        First pixel of each run.
    run_labels : (R,) labels.dtype
    run_colors : (R,) uint32
        The colour of each run packed as :func:`pack_predictions` does (0xFF top byte included).
    """
    height, width = labels.shape
    # Bands of rows small enough to stay in the CPU cache while they are packed, compared and
    # gathered (a pass over 2 * 10**6 pixels in one go spills to memory between the steps).
    band = max(1, CACHE_BAND_PIXELS // width)
    starts, run_labels, run_colors = [], [], []
    previous: tuple[object, int] | None = None  # (label, colour) of the last pixel of the band before
    for top in range(0, height, band):
        band_labels = labels[top : top + band].reshape(-1)
        band_colors = pack_predictions(colors[top : top + band])
        band_starts = run_starts(band_labels, band_colors)
        if previous == (band_labels[0], int(band_colors[0])):  # the band's first run goes on from the last band
            band_starts = band_starts[1:]
        previous = band_labels[-1], int(band_colors[-1])
        starts.append(band_starts + top * width)
        run_labels.append(band_labels[band_starts])
        run_colors.append(band_colors[band_starts])
    return np.concatenate(starts), np.concatenate(run_labels), np.concatenate(run_colors)


def value_pairs(runs: PixelRuns) -> PixelRuns:
    """Merge the runs that hold the same (uid, prediction) pair, wherever they lie in the image.

    Every metric is a sum over pixels of a function of the pixel's GT uid and prediction, so it only
    needs how many pixels hold each distinct pair: a few hundred pairs instead of some 10**4 runs.

    Parameters
    ----------
    runs : PixelRuns
        Runs as :func:`pixel_runs` gives them.

    Returns
    -------
    PixelRuns
        One entry per distinct (uid, pred) pair, sorted by uid then pred; ``length`` is its pixel count.
    """
    if runs.length.size == 0:
        return runs
    # uid in the high bits, the 24-bit prediction below: one int64 key per run, ordered like (uid, pred)
    keys = runs.uid.astype(np.int64) << 24 | runs.pred.astype(np.int64)
    pairs, inverse = distinct(keys)
    pixels = count(inverse, runs.length, pairs.size)
    return PixelRuns((pairs >> 24).astype(np.int32), (pairs & _PACKED_MASK).astype(np.uint32), pixels)


def predicted_class_pixels(runs: PixelRuns) -> NDArray[np.int64]:
    """(256,) int64: number of pixels per value of the prediction's class channel."""
    return count(runs.pred & 0xFF, runs.length, 256)


# ----------------------------------------------------------------------------- small table helpers


def count(index: NDArray[np.integer], weights: NDArray[np.int64], size: int) -> NDArray[np.int64]:
    """Weighted bincount as int64 (float64 weights are exact: pixel counts are far below 2**53)."""
    if index.size == 0:
        return np.zeros(size, np.int64)
    return np.bincount(index, weights=weights, minlength=size).astype(np.int64)


def distinct(values: NDArray[np.integer]) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
    """Sorted distinct values and each element's index among them: ``np.unique(..., return_inverse=True)``
    without sorting every element (the distinct values are hashed, then found by binary search)."""
    values_ = np.sort(unique_values(values)).astype(np.int64)
    return values_, np.searchsorted(values_, values)


def compact(labels: NDArray[np.integer], *, size: int | None = None) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
    """Sorted distinct labels other than -1 (no segment), and each element's index among them (-1 stays -1).

    With ``size`` (labels < size) this goes through a lookup table instead of :func:`distinct`.
    """
    if size is None:
        values, inverse = distinct(labels)
        if values.size and values[0] == NO_SEGMENT:
            return values[1:], inverse - 1
        return values, inverse
    present = np.zeros(size + 1, bool)
    present[labels + 1] = True  # shifted by one so that -1 lands in slot 0
    present[0] = False
    values = np.flatnonzero(present) - 1
    table = np.full(size + 1, NO_SEGMENT, np.intp)
    table[values + 1] = np.arange(values.size)
    return values.astype(np.int64), table[labels + 1]


def lookup(table: NDArray, index: NDArray[np.intp], missing: object) -> NDArray:
    """``table[index]`` with ``missing`` where ``index`` is -1 (no segment)."""
    return np.append(table, np.array(missing, table.dtype))[index]  # index -1 picks the appended value


# ----------------------------------------------------------------------------- shared per-run labels


class GroundTruthUids(NamedTuple):
    """The distinct GT uids of an image, decoded once (U values), and each run's position among them.

    ``sid_pid`` is folded through the DatasetSpec's pid table when it has one (PPP).
    """

    uids: NDArray[np.int64]  # (U,) sorted distinct uids
    inverse: NDArray[np.intp]  # (R,) position of each run's uid in ``uids``
    sid: NDArray[np.int32]  # (U,)
    iid: NDArray[np.int32]  # (U,) 0 for uids <= 99
    sid_pid: NDArray[np.int32]  # (U,) after the pid folding
    eval_sid: NDArray[np.int32]  # (U,) ``dataset_sid2eval_sid`` of the sid, -1 (VOID) when not evaluated


def decode_gt(uid: NDArray[np.int32], spec: EvalSpec) -> GroundTruthUids:
    """Validate and decode the GT uids of the runs (each distinct uid once).

    Raises
    ------
    GroundTruthError
        Invalid uids (3-digit, negative, > 9999999), or with a DatasetSpec that has
        ``countable_pids_groupings``, sid_pids absent from its folding table.
    """
    uids, inverse = distinct(uid)
    bad = invalid_uids(uids)
    if bad.size:
        raise GroundTruthError(
            f"invalid uids {summarize_list([str(v) for v in bad.tolist()])} "
            "(3-digit, negative and > 9999999 values are not uids)"
        )
    sid, iid, _, _, sid_pid = decode_uids(uids)
    if spec.dataset.pid_fold is not None:
        sid_pid, absent = fold_sid_pids(sid_pid, spec.dataset.pid_fold)
        if absent.size:
            raise GroundTruthError(
                f"sid_pids {summarize_list([str(v) for v in absent.tolist()])} are not in the DatasetSpec "
                f"{spec.dataset.path.name} (scene_class2part_classes / countable_pids_groupings)"
            )
    return GroundTruthUids(uids, inverse, sid, iid, sid_pid, eval_sid_table(spec)[sid])


def eval_sid_table(spec: EvalSpec) -> NDArray[np.int32]:
    """(256,) dataset sid -> eval sid through ``dataset_sid2eval_sid``, -1 where it gives IGNORED.

    Sids absent from the mapping take its ``DEFAULT`` value (IGNORED when there is none). PQ and
    mIoU use this table; PartPQ, like the reference, uses the GT sid as it is (the two agree for
    every official spec, where the mapping is the identity on evaluated sids).
    """
    mapping = spec.file.dataset_sid2eval_sid
    default = mapping.get(DEFAULT, IGNORED)  # type: ignore[call-overload]
    table = np.full(256, -1 if default == IGNORED else int(default), np.int32)  # type: ignore[arg-type]
    for sid, eval_sid in mapping.items():
        if sid != DEFAULT and 0 <= int(sid) < 256:  # type: ignore[arg-type]
            table[int(sid)] = -1 if eval_sid == IGNORED else int(eval_sid)  # type: ignore[arg-type]
    table[spec.category_index[np.clip(table, 0, 255)] < 0] = -1
    return table


class PredictedSegments(NamedTuple):
    """Predicted segments of a PPS prediction: the (class, instance) pairs of evaluated classes.

    Segments are numbered in ascending ``class << 8 | instance`` order.
    """

    keys: NDArray[np.int64]  # (P,) class << 8 | instance
    segment: NDArray[np.intp]  # (R,) segment of each run, -1 where the class is not evaluated

    @property
    def sid(self) -> NDArray[np.int32]:
        """(P,) class (eval sid) of each segment."""
        return (self.keys >> 8).astype(np.int32)


def predicted_segments(runs: PixelRuns, spec: EvalSpec) -> PredictedSegments:
    """Number the predicted segments and find each run's segment."""
    pred_class = (runs.pred & 0xFF).astype(np.int32)
    instance = ((runs.pred >> 8) & 0xFF).astype(np.int32)
    pred_key = np.where(spec.category_index[pred_class] >= 0, (pred_class << 8) | instance, NO_SEGMENT)
    keys, segment = compact(pred_key, size=256 * 256)
    return PredictedSegments(keys, segment)


class RunLabels(NamedTuple):
    """What :func:`label_runs` derives once per image for all metrics."""

    gt: GroundTruthUids
    pred: PredictedSegments


def label_runs(runs: PixelRuns, spec: EvalSpec) -> RunLabels:
    """Decode the GT uids and number the predicted segments of the runs (see :class:`RunLabels`)."""
    return RunLabels(decode_gt(runs.uid, spec), predicted_segments(runs, spec))
