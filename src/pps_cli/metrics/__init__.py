"""Metrics of part-aware panoptic segmentation, pure numpy (no I/O); definitions in docs/metrics.md.

- :mod:`.partpq`: PartPQ (per-image statistics and summary).
"""
