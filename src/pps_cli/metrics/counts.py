"""Matching counts shared by PartPQ and PQ: per-category sums of qualities, TP, FP and FN.

Both metrics match a GT segment and a predicted segment of the same category when their IoU
exceeds :data:`MATCH_IOU`, and drop an unmatched predicted segment from the FPs when more than
:data:`FP_IGNORED_OVERLAP` of it is void or crowd (docs/metrics.md). What differs is the quality
of a match and which pixels count as void, so each metric defines its own statistics class on top
of :class:`MatchCounts`; the two never add to each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

MATCH_IOU = 0.5
"""A GT and a predicted segment match when their IoU is strictly greater than this."""

FP_IGNORED_OVERLAP = 0.5
"""An unmatched predicted segment is not an FP when more than this fraction of it is void or crowd."""

COUNT_FIELDS = ("iou_sum", "tp", "fp", "fn")
"""The fields of :class:`MatchCounts`, in order."""

Counts = TypeVar("Counts", bound="MatchCounts")


@dataclass(frozen=True, eq=False)
class MatchCounts:
    """Additive per-category matching counts (categories in ascending eval sid).

    Attributes
    ----------
    iou_sum : (C,) float64
        Sum of the qualities of the true positives.
    tp, fp, fn : (C,) int64
        True positives, false positives, false negatives.

    Adding the counts of several images (``a + b``, both of the same class) gives the counts of the
    image set. Float addition is not associative: add images in a fixed order to get identical bits.
    """

    iou_sum: NDArray[np.float64]
    tp: NDArray[np.int64]
    fp: NDArray[np.int64]
    fn: NDArray[np.int64]

    @classmethod
    def zeros(cls: type[Counts], num_categories: int) -> Counts:
        """Counts of no image."""
        return cls(
            np.zeros(num_categories, np.float64),
            np.zeros(num_categories, np.int64),
            np.zeros(num_categories, np.int64),
            np.zeros(num_categories, np.int64),
        )

    @property
    def num_categories(self) -> int:
        return len(self.tp)

    def __add__(self: Counts, other: Counts) -> Counts:
        if type(other) is not type(self):
            return NotImplemented
        if other.num_categories != self.num_categories:
            raise ValueError(f"cannot add stats of {self.num_categories} and {other.num_categories} categories")
        return type(self)(self.iou_sum + other.iou_sum, self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(np.array_equal(getattr(self, name), getattr(other, name)) for name in COUNT_FIELDS)

    __hash__ = None  # type: ignore[assignment]
