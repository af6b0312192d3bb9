"""All metrics of one image from one pass over its pixels, and their additive per-image statistics.

:func:`image_stats` run-length encodes the GT uids and the PPS prediction once
(:func:`~pps_cli.metrics.runs.pixel_runs`), decodes the GT and numbers the predicted segments once
(:func:`~pps_cli.metrics.runs.label_runs`), then hands those runs to each selected metric:
PartPQ (:mod:`.partpq`), PQ (:mod:`.pq`), scene and part confusion matrices (:mod:`.miou`). The
result, :class:`ImageStats`, adds up over images (``a + b``) and converts to plain JSON-able state
and back, bit for bit (:meth:`ImageStats.to_state`, :meth:`ImageStats.from_state`), so that it can
be sent between processes or stored. Definitions: docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..constants import METRICS as METRICS
from ..specs import EvalSpec
from .counts import COUNT_FIELDS
from .miou import flat_part_ids, part_confusion, scene_confusion
from .partpq import PartPQStats, runs_stats
from .pq import PQStats, runs_pq_stats
from .runs import PixelRuns, label_runs, pixel_runs, predicted_class_pixels, value_pairs


def check_metrics(metrics: Iterable[str]) -> tuple[str, ...]:
    """``metrics`` in canonical order, without repeats.

    Raises
    ------
    ValueError
        For a name not in :data:`METRICS` (the message lists the valid names), or none at all.
    """
    selected = set(metrics)
    unknown = sorted(selected - set(METRICS))
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; choose from {', '.join(METRICS)}")
    if not selected:
        raise ValueError(f"no metric selected; choose from {', '.join(METRICS)}")
    return tuple(m for m in METRICS if m in selected)


def _shapes(spec: EvalSpec, metrics: tuple[str, ...]) -> dict[str, tuple[int, ...] | None]:
    num_categories = len(spec.eval_sids)
    num_part_labels = len(flat_part_ids(spec)) + 1
    return {
        "partpq": (num_categories,) if "partpq" in metrics else None,
        "pq": (num_categories,) if "pq" in metrics else None,
        "scene_confusion": (num_categories, num_categories + 1) if "miou" in metrics else None,
        "part_confusion": (num_part_labels, num_part_labels) if "miou" in metrics else None,
        "class_pixels": (256,),
    }


@dataclass(frozen=True, eq=False)
class ImageStats:
    """Additive statistics of the selected metrics for one image (or, summed, for a set of images).

    Attributes
    ----------
    metrics : tuple of str
        The computed metrics, a subset of :data:`METRICS` in canonical order.
    partpq : PartPQStats or None
        Per category (ascending eval sid) iou_sum, tp, fp, fn of PartPQ; None when not computed.
    pq : PQStats or None
        The same for PQ against PPS ground truth.
    scene_confusion : (C, C + 1) int64 or None
        Pixels per (GT eval sid, predicted class); the last column is "class not evaluated".
    part_confusion : (F + 1, F + 1) int64 or None
        Pixels per (GT part label, predicted part label); 0 is background, then the flat part ids.
    class_pixels : (256,) int64
        Pixels per value of the prediction's class channel (to report classes the spec ignores).

    Float sums depend on the order of addition: add images in a fixed order for identical bits.
    """

    metrics: tuple[str, ...]
    partpq: PartPQStats | None
    pq: PQStats | None
    scene_confusion: NDArray[np.int64] | None
    part_confusion: NDArray[np.int64] | None
    class_pixels: NDArray[np.int64]

    @classmethod
    def zeros(cls, spec: EvalSpec, metrics: Iterable[str] = METRICS) -> ImageStats:
        """Statistics of no image."""
        metrics = check_metrics(metrics)
        shapes = _shapes(spec, metrics)
        num_categories = len(spec.eval_sids)

        def matrix(name: str) -> NDArray[np.int64] | None:
            shape = shapes[name]
            return None if shape is None else np.zeros(shape, np.int64)

        return cls(
            metrics,
            PartPQStats.zeros(num_categories) if "partpq" in metrics else None,
            PQStats.zeros(num_categories) if "pq" in metrics else None,
            matrix("scene_confusion"),
            matrix("part_confusion"),
            np.zeros(256, np.int64),
        )

    def __add__(self, other: ImageStats) -> ImageStats:
        if not isinstance(other, ImageStats):
            return NotImplemented
        if other.metrics != self.metrics:
            raise ValueError(f"cannot add stats of metrics {list(self.metrics)} and {list(other.metrics)}")

        def add(a: Any, b: Any) -> Any:
            if a is None:
                return None
            if isinstance(a, np.ndarray) and a.shape != b.shape:
                raise ValueError(f"cannot add arrays of shapes {a.shape} and {b.shape}")
            return a + b

        return ImageStats(
            self.metrics,
            add(self.partpq, other.partpq),
            add(self.pq, other.pq),
            add(self.scene_confusion, other.scene_confusion),
            add(self.part_confusion, other.part_confusion),
            self.class_pixels + other.class_pixels,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImageStats):
            return NotImplemented
        return self.to_state() == other.to_state()

    __hash__ = None  # type: ignore[assignment]

    def to_state(self) -> dict[str, Any]:
        """Plain Python lists / ints / floats (JSON-serializable; floats survive ``json`` round trips exactly).

        Keys: ``metrics``, ``partpq`` and ``pq`` (``{"iou_sum", "tp", "fp", "fn"}`` lists or None),
        ``scene_confusion``, ``part_confusion`` (nested lists or None), ``class_pixels``.
        """

        def counts(stats: PartPQStats | PQStats | None) -> dict[str, list] | None:
            return None if stats is None else {name: getattr(stats, name).tolist() for name in COUNT_FIELDS}

        def matrix(m: NDArray[np.int64] | None) -> list | None:
            return None if m is None else m.tolist()

        return {
            "metrics": list(self.metrics),
            "partpq": counts(self.partpq),
            "pq": counts(self.pq),
            "scene_confusion": matrix(self.scene_confusion),
            "part_confusion": matrix(self.part_confusion),
            "class_pixels": self.class_pixels.tolist(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], spec: EvalSpec) -> ImageStats:
        """Inverse of :meth:`to_state`, checked against the spec's shapes.

        Raises
        ------
        ValueError
            When the state does not have the keys, metrics or array shapes this spec gives.
        """
        if not isinstance(state, dict) or set(state) != {
            "metrics", "partpq", "pq", "scene_confusion", "part_confusion", "class_pixels"
        }:
            raise ValueError("not an ImageStats state (expected keys metrics, partpq, pq, scene_confusion, "
                             "part_confusion, class_pixels)")
        metrics = check_metrics(state["metrics"])
        if list(metrics) != list(state["metrics"]):
            raise ValueError(f"metrics {state['metrics']} are not in canonical order {list(METRICS)}")
        shapes = _shapes(spec, metrics)

        def array(value: Any, shape: tuple[int, ...] | None, dtype: type, what: str) -> NDArray | None:
            if shape is None:
                if value is not None:
                    raise ValueError(f"{what}: expected null for metrics {list(metrics)}")
                return None
            result = np.array(value, dtype=dtype)
            if result.shape != shape:
                raise ValueError(f"{what}: expected shape {shape}, got {result.shape}")
            return result

        def counts(value: Any, stats_type: type, what: str) -> Any:
            shape = shapes[what]
            if shape is None:
                return array(value, None, np.int64, what)
            if not isinstance(value, dict) or set(value) != set(COUNT_FIELDS):
                raise ValueError(f"{what}: expected an object with keys {', '.join(COUNT_FIELDS)}")
            return stats_type(
                *(array(value[name], shape, np.float64 if name == "iou_sum" else np.int64, f"{what}.{name}")
                  for name in COUNT_FIELDS)
            )

        return cls(
            metrics,
            counts(state["partpq"], PartPQStats, "partpq"),
            counts(state["pq"], PQStats, "pq"),
            array(state["scene_confusion"], shapes["scene_confusion"], np.int64, "scene_confusion"),
            array(state["part_confusion"], shapes["part_confusion"], np.int64, "part_confusion"),
            array(state["class_pixels"], shapes["class_pixels"], np.int64, "class_pixels"),  # type: ignore[arg-type]
        )


def image_stats(
    gt_uids: NDArray[np.integer], pred_pps: NDArray[np.uint8], *, spec: EvalSpec, metrics: Iterable[str] = METRICS
) -> ImageStats:
    """Statistics of the selected metrics for one image, from one run-length encoding of its pixels.

    Parameters
    ----------
    gt_uids : (H, W) integer
        GT uids (docs/metrics.md; the label format of Cityscapes- and PASCAL-Panoptic-Parts).
    pred_pps : (H, W, 3) uint8
        PPS prediction, channels ``[class, instance, part]``.
    spec : EvalSpec
    metrics : iterable of str
        A subset of :data:`METRICS`.

    Returns
    -------
    ImageStats

    Raises
    ------
    GroundTruthError
        Invalid uids, or sid_pids absent from the DatasetSpec's pid folding table.
    EmptyConfusionError
        When a parts-class true positive of PartPQ has no evaluated pixel (the reference fails too).
    ValueError
        Unknown metric names, or GT and prediction of different sizes.
    """
    return pairs_stats(value_pairs(pixel_runs(gt_uids, pred_pps)), spec=spec, metrics=metrics)


def pairs_stats(runs: PixelRuns, *, spec: EvalSpec, metrics: Iterable[str] = METRICS) -> ImageStats:
    """:func:`image_stats` from the image's runs or (uid, prediction) pairs (:func:`~pps_cli.metrics.runs.value_pairs`).

    The metrics only count pixels per (uid, prediction) pair, so runs and pairs give the same statistics;
    pairs are far fewer.
    """
    metrics = check_metrics(metrics)
    if runs.length.size == 0:
        return ImageStats.zeros(spec, metrics)
    labels = label_runs(runs, spec)
    miou = "miou" in metrics
    return ImageStats(
        metrics,
        runs_stats(runs, spec=spec, labels=labels) if "partpq" in metrics else None,
        runs_pq_stats(runs, spec=spec, labels=labels) if "pq" in metrics else None,
        scene_confusion(runs, spec=spec, labels=labels) if miou else None,
        part_confusion(runs, spec=spec, labels=labels) if miou else None,
        predicted_class_pixels(runs),
    )
