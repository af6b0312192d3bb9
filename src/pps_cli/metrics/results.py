"""Summaries of summed :class:`~pps_cli.metrics.accumulate.ImageStats` and the results JSON content.

:func:`summarize_all` turns the totals into every selected metric's summary; :func:`results_content`
renders the part of ``pps evaluate -o results.json`` that depends only on the statistics and the spec
(the file names and image count are added by :mod:`pps_cli.evaluate`). JSON shapes: docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..constants import VOID
from ..specs import IGNORED, EvalSpec
from . import miou as miou_metric
from . import pq as pq_metric
from .accumulate import ImageStats
from .partpq import PartPQResult
from .partpq import summarize as summarize_partpq


@dataclass(frozen=True)
class Summary:
    """Every computed metric's summary (None for a metric not computed)."""

    partpq: PartPQResult | None
    pq: pq_metric.PQResult | None
    scene: miou_metric.SceneIoU | None
    parts: miou_metric.PartIoU | None
    unknown_classes: dict[int, int]
    """Predicted class values that are neither evaluated nor 255 -> pixels (ignored, as by the reference)."""


def spec_description(spec: EvalSpec) -> dict[str, str]:
    """The ``eval_spec`` entry of a results document: the EvalSpec's name, its file and its DatasetSpec's file."""
    return {"name": spec.name, "path": str(spec.path), "dataset_spec": str(spec.dataset.path)}


def unknown_classes(class_pixels: np.ndarray, spec: EvalSpec) -> dict[int, int]:
    """Predicted class values (with pixels) that the spec does not evaluate, 255 left out."""
    evaluated = spec.category_index[np.arange(256)] >= 0
    return {int(c): int(class_pixels[c]) for c in np.flatnonzero((class_pixels > 0) & ~evaluated) if c != VOID}


def summarize_all(total: ImageStats, spec: EvalSpec) -> Summary:
    """Summaries of the metrics in ``total`` (statistics summed over images)."""
    return Summary(
        partpq=None if total.partpq is None else summarize_partpq(total.partpq, spec=spec),
        pq=None if total.pq is None else pq_metric.summarize(total.pq, pq_metric.spec_categories(spec)),
        scene=None if total.scene_confusion is None else miou_metric.summarize_scene(total.scene_confusion, spec=spec),
        parts=None if total.part_confusion is None else miou_metric.summarize_parts(total.part_confusion, spec=spec),
        unknown_classes=unknown_classes(total.class_pixels, spec),
    )


# ----------------------------------------------------------------------------- PartPQ JSON


def reference_category_order(spec: EvalSpec) -> list[int]:
    """Eval sids in the order the reference numbers its categories (the keys of its per-class results).

    The reference takes ``list(set(dataset_sid2eval_sid.values()) - {'IGNORED'})``: Python's set
    order, which is ascending for the official specs (and whenever all sids are smaller than the
    set's table), but not in general, e.g. ``[24, 26, 7]`` for the sids 7, 24, 26. Rebuilding the
    same set here reproduces that order.
    """
    values = set(spec.file.dataset_sid2eval_sid.values())
    values.discard(IGNORED)  # as the reference (eval_spec.py: set, then remove), hence its order
    order = [int(v) for v in values]  # type: ignore[call-overload]
    return order if sorted(order) == list(spec.eval_sids) else list(spec.eval_sids)


def reference_results(result: PartPQResult, spec: EvalSpec) -> list[Any]:
    """The reference's results JSON structure (``[[all, parts, no-parts], {category_index: ...}]``).

    ``category_index`` follows :func:`reference_category_order`. A counted category with tp = 0
    has PartSQ integer 0, as in the reference; an empty group has null averages (the reference
    would divide by zero).
    """
    by_sid = {r.sid: r for r in result.categories}
    per_class: dict[str, dict[str, float | int]] = {}
    for index, sid in enumerate(reference_category_order(spec)):
        r = by_sid[sid]
        sq: float | int = r.part_sq if (r.tp != 0 or not r.counted) else 0
        per_class[str(index)] = {"PartPQ": r.part_pq, "PartSQ": sq, "PartRQ": r.part_rq}
    a, p, n = result.all, result.parts, result.no_parts
    return [
        [
            {"PartPQ": a.part_pq, "PartSQ": a.part_sq, "PartRQ": a.part_rq, "n": a.n},
            {"PartPQ_parts": p.part_pq, "PartSQ_parts": p.part_sq, "PartRQ_parts": p.part_rq, "n_p": p.n},
            {"PartPQ_noparts": n.part_pq, "PartSQ_noparts": n.part_sq, "PartRQ_noparts": n.part_rq, "n_np": n.n},
        ],
        per_class,
    ]


def _group(average: Any) -> dict[str, Any]:
    return {"PartPQ": average.part_pq, "PartSQ": average.part_sq, "PartRQ": average.part_rq, "n": average.n}


def partpq_content(result: PartPQResult) -> dict[str, Any]:
    """``summary`` (all / parts / no_parts) and ``categories`` (keyed by eval sid) of the results JSON."""
    return {
        "summary": {"all": _group(result.all), "parts": _group(result.parts), "no_parts": _group(result.no_parts)},
        "categories": {
            str(r.sid): {
                "name": r.name,
                "has_parts": r.has_parts,
                "is_thing": r.is_thing,
                "PartPQ": r.part_pq,
                "PartSQ": r.part_sq,
                "PartRQ": r.part_rq,
                "tp": r.tp,
                "fp": r.fp,
                "fn": r.fn,
                "iou_sum": r.iou_sum,
                "counted": r.counted,
            }
            for r in result.categories
        },
    }


# ----------------------------------------------------------------------------- all metrics


def results_content(total: ImageStats, spec: EvalSpec, *, summary: Summary | None = None) -> dict[str, Any]:
    """Everything of ``pps evaluate -o`` that does not depend on files, as JSON-able values.

    Keys (absent for metrics not computed): ``summary`` and ``categories`` (PartPQ), ``pq``
    (panopticapi's structure plus Parts / NoParts and per-class counts), ``miou`` (scene and
    parts), ``unknown_predicted_classes``, ``reference`` (the PartPQ reference's own structure).
    ``summary`` may be passed when already computed (:func:`summarize_all` of ``total``).
    """
    if summary is None:
        summary = summarize_all(total, spec)
    content: dict[str, Any] = {}
    if summary.partpq is not None:
        content.update(partpq_content(summary.partpq))
    if summary.pq is not None:
        content["pq"] = pq_metric.result_json(summary.pq)
    if summary.scene is not None or summary.parts is not None:
        content["miou"] = miou_metric.result_json(summary.scene, summary.parts, spec=spec)
    content["unknown_predicted_classes"] = {str(c): pixels for c, pixels in summary.unknown_classes.items()}
    if summary.partpq is not None:
        content["reference"] = reference_results(summary.partpq, spec)
    return content
