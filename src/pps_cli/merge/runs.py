"""Run-length views of label maps: label maps are piecewise constant, so work per run, not per pixel.

A 2048x1024 panoptic or part map has some 10**4 runs of equal pixels in row-major order against
2 * 10**6 pixels; histograms, lookups and bounding boxes over runs cost next to nothing, and one
``np.repeat`` turns per-run results back into pixels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..metrics.runs import run_starts


def pixel_runs(*maps: NDArray[Any], row_length: int | None = None) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Runs of pixels (in row-major order) over which every one of ``maps`` is constant.

    Parameters
    ----------
    *maps : (P,) arrays
        Flat per-pixel values, all of the same length.
    row_length : int, optional
        Image width: when given, runs also break at every row start, so no run spans two rows.

    Returns
    -------
    starts, lengths : (R,) intp
        First pixel and length of each run; the runs tile ``0..P-1`` in order.
    """
    size = maps[0].size
    starts = run_starts(*maps)
    if row_length and size:  # insert the row starts that are not run starts already (both are sorted)
        rows = np.arange(0, size, row_length)
        at = np.searchsorted(starts, rows)
        new = starts[np.minimum(at, starts.size - 1)] != rows
        starts = np.insert(starts, at[new], rows[new])
    return starts, np.diff(starts, append=size)


def run_boxes(
    labels: NDArray[np.integer], starts: NDArray[np.intp], lengths: NDArray[np.intp], *, width: int, num_labels: int
) -> NDArray[np.int64]:
    """Bounding box of each label from runs that do not span rows (:func:`pixel_runs` with ``row_length``).

    Parameters
    ----------
    labels : (R,) int
        Label of each run, in 0..num_labels-1.
    starts, lengths : (R,) intp
        The runs, in a flat image of the given ``width``.
    width : int
    num_labels : int

    Returns
    -------
    (num_labels, 4) int64
        ``[x, y, width, height]`` of each label's pixels; zeros for a label without runs.
    """
    rows = starts // width if width else starts
    x0 = starts - rows * width
    boxes = np.zeros((num_labels, 4), np.int64)
    if labels.size == 0:
        return boxes
    labels = labels.astype(np.intp)
    big = np.iinfo(np.int64).max
    y_min, x_min = np.full(num_labels, big), np.full(num_labels, big)
    y_max, x_end = np.full(num_labels, -1), np.full(num_labels, -1)
    np.minimum.at(y_min, labels, rows)
    np.maximum.at(y_max, labels, rows)
    np.minimum.at(x_min, labels, x0)
    np.maximum.at(x_end, labels, x0 + lengths)
    found = y_max >= 0
    boxes[found] = np.stack([x_min, y_min, x_end - x_min, y_max - y_min + 1], axis=1)[found]
    return boxes
