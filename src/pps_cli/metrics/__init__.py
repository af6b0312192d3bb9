"""Metrics of part-aware panoptic segmentation, pure numpy (no I/O); definitions in docs/metrics.md.

- :mod:`.partpq`: PartPQ (the panoptic_parts reference's semantics).
- :mod:`.pq`: standard PQ (panopticapi's ``pq_compute`` rules), from COCO tables or PPS data.
- :mod:`.miou`: scene and part mIoU from confusion matrices.
- :mod:`.counts`: the matching counts (IoU sum, TP, FP, FN) PartPQ and PQ share.
- :mod:`.runs`: the run-length encoding and per-run labels the three share.
- :mod:`.accumulate`: :func:`image_stats`, all selected metrics of one image in one pass, and
  :class:`ImageStats`, their additive statistics.
- :mod:`.results`: summaries and the results JSON content.
"""

from .accumulate import METRICS, ImageStats, check_metrics, image_stats
from .partpq import EmptyConfusionError, PartPQStats
from .pq import PQStats
from .results import Summary, results_content, summarize_all
from .runs import GroundTruthError

__all__ = [
    "METRICS",
    "EmptyConfusionError",
    "GroundTruthError",
    "ImageStats",
    "PQStats",
    "PartPQStats",
    "Summary",
    "check_metrics",
    "image_stats",
    "results_content",
    "summarize_all",
]
