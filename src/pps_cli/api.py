"""In-memory evaluation for training and validation loops: :class:`Evaluator` (docs/api.md).

The Evaluator keeps only the additive statistics of :mod:`pps_cli.metrics` (a few small vectors
and confusion matrices), summed image by image in the order of the ``update`` calls, so
:meth:`Evaluator.compute` gives bit for bit the numbers of ``pps evaluate`` on the same images
written to files. Inputs may be numpy arrays or torch tensors on any device; torch is never
imported here (a tensor is recognised by its type and converted with its own methods).
"""

from __future__ import annotations

import operator
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import __version__
from .constants import MAX_UID
from .errors import PpsError
from .formats.idspaces import id_table, parse_id_space, to_eval_ids
from .merge.pps import MAX_INSTANCES, NUM_SEGMENT_IDS, merge_pps, part_lookup, void_label
from .metrics import METRICS, ImageStats, check_metrics, image_stats, results_content
from .metrics.results import spec_description
from .specs import EvalSpec, load_eval_spec

STATE_FORMAT = "pps-evaluator-state/1"
"""Identifies what :meth:`Evaluator.state_dict` returns (bumped if its layout changes)."""

SpecLike = str | os.PathLike[str] | EvalSpec
CategoryIds = str | os.PathLike[str] | Mapping[int, int]

_INT32 = np.iinfo(np.int32)


# ----------------------------------------------------------------------------- headline numbers

SCALARS = ("PartPQ", "PartPQ_parts", "PartPQ_noparts", "PQ", "PQ_things", "PQ_stuff", "mIoU", "mIoU_parts")
"""The headline numbers of a results document (:func:`scalars`; the keys of the torchmetrics ``compute()``)."""


def scalars(document: dict[str, Any]) -> dict[str, float | None]:
    """The headline numbers of a results document, keyed by :data:`SCALARS` (metrics computed only)."""
    values: dict[str, float | None] = {}
    if "summary" in document:
        summary = document["summary"]
        values.update(
            PartPQ=summary["all"]["PartPQ"], PartPQ_parts=summary["parts"]["PartPQ"],
            PartPQ_noparts=summary["no_parts"]["PartPQ"],
        )  # fmt: skip
    if "pq" in document:

        def pq(group: str) -> float | None:
            entry = document["pq"].get(group)
            return None if entry is None else entry["pq"]

        values.update(PQ=pq("All"), PQ_things=pq("Things"), PQ_stuff=pq("Stuff"))
    if "miou" in document:
        miou = document["miou"]
        values.update(mIoU=miou["scene"]["mIoU"], mIoU_parts=miou["parts"]["mIoU"])
    return values


# ----------------------------------------------------------------------------- input conversion


def _is_tensor(value: object) -> bool:
    """True for a torch.Tensor (or a subclass such as a Parameter or a torchvision Mask), torch not imported."""
    return any(cls.__name__ == "Tensor" and cls.__module__ == "torch" for cls in type(value).__mro__)


def as_numpy(value: Any, name: str) -> NDArray[Any]:
    """A numpy view or copy of an array-like or a torch tensor (detached and moved to the CPU).

    Raises
    ------
    ValueError
        When ``value`` cannot be read as an array.
    """
    if _is_tensor(value):
        try:
            return value.detach().cpu().numpy()
        except TypeError:  # a dtype numpy lacks (bfloat16...): not an id map anyway
            raise ValueError(
                f"Expected argument `{name}` to be an integer array or tensor, but got a tensor of {value.dtype}"
            ) from None
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"Expected argument `{name}` to be a numpy array or a torch tensor, but got {type(value).__name__}"
        ) from e


def _describe(array: NDArray[Any]) -> str:
    return f"shape {tuple(array.shape)} {array.dtype}"


def _integer_map(value: Any, name: str, *, what: str, shape: tuple[int, ...] | None = None) -> NDArray[np.integer]:
    """``value`` as a numpy integer array with two dimensions (or exactly ``shape``)."""
    array = as_numpy(value, name)
    expected = f"(H, W) {what}" if shape is None else f"{what} of shape {shape} (the size of `gt_uids`)"
    if array.dtype.kind not in "iu" or (array.ndim != 2 if shape is None else array.shape != shape):
        raise ValueError(f"Expected argument `{name}` to be {expected}, but got {_describe(array)}")
    return array


def _require_range(array: NDArray[np.integer], low: int, high: int, *, name: str, expected: str) -> None:
    """Raise ValueError (``Expected argument `name` to hold expected, but got values from ...``) unless
    every value is in ``low..high``."""
    if array.size and (int(array.min()) < low or int(array.max()) > high):
        raise ValueError(
            f"Expected argument `{name}` to hold {expected}, but got values from {int(array.min())} to {int(array.max())}"
        )


def check_gt(gt_uids: Any) -> NDArray[np.int32]:
    """GT uids as (H, W) int32, from any integer array or tensor whose values fit.

    Raises
    ------
    ValueError
        For another number of dimensions, a non-integer dtype, or values beyond int32 (no uid is
        that large; invalid uids within int32 are reported by the metrics with their values).
    """
    array = _integer_map(gt_uids, "gt_uids", what="integer uids")
    if array.dtype != np.int32:
        _require_range(array, _INT32.min, _INT32.max, name="gt_uids", expected=f"uids in 0..{MAX_UID}")
        array = array.astype(np.int32)
    return array


def check_pps(pps_prediction: Any, shape: tuple[int, int]) -> NDArray[np.uint8]:
    """A PPS prediction as (H, W, 3) uint8 ``[class, instance, part]``, from any integer array in 0..255.

    Raises
    ------
    ValueError
        For another shape than ``shape + (3,)`` (with a hint for channels-first arrays), a
        non-integer dtype, or values outside 0..255.
    """
    array = as_numpy(pps_prediction, "pps_prediction")
    expected = (*shape, 3)
    if array.dtype.kind not in "iu" or array.shape != expected:
        hint = ""
        if array.shape == (3, *shape):
            hint = " (channels first: move the channel axis last, e.g. `pred.permute(1, 2, 0)`)"
        raise ValueError(
            f"Expected argument `pps_prediction` to be an integer array of shape {expected} "
            f"([class, instance, part] per pixel, the size of `gt_uids`), but got {_describe(array)}{hint}"
        )
    if array.dtype != np.uint8:
        _require_range(array, 0, 255, name="pps_prediction", expected="values in 0..255")
        array = array.astype(np.uint8)
    return array


def _segments(segments_info: Any) -> tuple[list[int], list[int]]:
    """``id`` and ``category_id`` of every entry of a detectron2-style ``segments_info`` list."""
    if isinstance(segments_info, Mapping | str | bytes) or not isinstance(segments_info, Iterable):
        raise ValueError(
            "Expected argument `segments_info` to be a list of dicts with 'id' and 'category_id', "
            f"but got {type(segments_info).__name__}"
        )
    ids, categories = [], []
    for n, entry in enumerate(segments_info):
        try:
            if isinstance(entry.get("id"), bool) or isinstance(entry.get("category_id"), bool):
                raise TypeError
            ids.append(operator.index(entry["id"]))
            categories.append(operator.index(entry["category_id"]))
        except (AttributeError, KeyError, TypeError):
            raise ValueError(
                f"Expected every entry of `segments_info` to be a dict with integer 'id' and 'category_id', "
                f"but got {entry!r} at position {n}"
            ) from None
    return ids, categories


# ----------------------------------------------------------------------------- the evaluator


def _spec(spec: SpecLike) -> EvalSpec:
    if isinstance(spec, EvalSpec):
        return spec
    if not isinstance(spec, str | os.PathLike):
        raise ValueError(
            f"Expected argument `spec` to be a bundled EvalSpec name, a YAML path or an EvalSpec, but got {type(spec).__name__}"
        )
    return load_eval_spec(spec)


class Evaluator:
    """PartPQ, PQ and mIoU of images given in memory, with the numbers of ``pps evaluate``.

    Parameters
    ----------
    spec : str, path-like or EvalSpec
        A bundled EvalSpec name (``cpp-default``, ``cpp-grouped``, ``ppp-default``...), a YAML path,
        or an :class:`~pps_cli.specs.EvalSpec` already loaded.
    metrics : iterable of str
        A subset of ``("partpq", "pq", "miou")`` (default: all three).

    Raises
    ------
    PpsError
        When the EvalSpec cannot be found or loaded (the message names the file).
    ValueError
        For unknown metric names.

    Examples
    --------
    >>> import numpy as np
    >>> ev = Evaluator("cpp-default")
    >>> gt = np.array([[7, 7, 2600001, 2600002]], np.int32)             # road, then a car with 2 parts
    >>> pred = np.array([[[7, 0, 1], [7, 0, 1], [26, 1, 1], [26, 1, 2]]], np.uint8)
    >>> ev.update(gt, pred)
    >>> ev.compute()["summary"]["all"]["PartPQ"]
    1.0
    """

    def __init__(self, spec: SpecLike, *, metrics: Iterable[str] = METRICS) -> None:
        if isinstance(metrics, str):
            metrics = (metrics,)
        self.spec = _spec(spec)
        self.metrics = check_metrics(metrics)
        self._merge_tables: tuple[NDArray[np.uint8], int] | None = None
        self.reset()

    # -- accumulation

    def reset(self) -> None:
        """Forget every image seen so far."""
        self.total = ImageStats.zeros(self.spec, self.metrics)
        self.num_images = 0

    def image_stats(self, gt_uids: Any, pps_prediction: Any) -> ImageStats:
        """Statistics of one image, without adding them (see :meth:`update` for the arguments)."""
        gt = check_gt(gt_uids)
        return image_stats(gt, check_pps(pps_prediction, gt.shape), spec=self.spec, metrics=self.metrics)

    def add(self, stats: ImageStats) -> None:
        """Add the statistics of one image (:meth:`image_stats`)."""
        self.total = self.total + stats
        self.num_images += 1

    def update(self, gt_uids: Any, pps_prediction: Any) -> None:
        """Add one image.

        Parameters
        ----------
        gt_uids : (H, W) integer array or tensor
            Ground-truth uids (Cityscapes-/PASCAL-Panoptic-Parts label format), any integer dtype
            whose values fit int32 (int32 needs no conversion).
        pps_prediction : (H, W, 3) integer array or tensor
            ``[class, instance, part]`` per pixel (values 0..255; uint8 needs no conversion).

        Raises
        ------
        ValueError
            For bad shapes, dtypes or values (``Expected argument `...` to be ..., but got ...``), for
            invalid ground truth (the metrics' ``GroundTruthError``) and for a parts-class true
            positive without any pixel to evaluate parts on (``EmptyConfusionError``, as in the reference).
        """
        self.add(self.image_stats(gt_uids, pps_prediction))

    def panoptic_to_pps(
        self,
        panoptic_ids: Any,
        segments_info: Any,
        part_ids: Any,
        *,
        category_ids: CategoryIds = "eval",
        shape: tuple[int, int] | None = None,
    ) -> NDArray[np.uint8]:
        """The PPS array ``pps pps`` would write for one image's panoptic and part predictions.

        Parameters
        ----------
        panoptic_ids : (H, W) integer array or tensor
            Segment ids (0 = no segment), e.g. detectron2's ``panoptic_seg``.
        segments_info : list of dict
            ``{"id", "category_id", ...}`` per segment, in the network's order (it numbers the
            instances); other keys are ignored.
        part_ids : (H, W) integer array or tensor
            Flat part ids (``eval_sid_pid2eval_pid_flat`` values) per pixel, 0..255.
        category_ids : "eval", "contiguous", mapping or path-like
            How to read ``category_id``: eval sids, contiguous training ids (the index into the
            spec's sorted eval sids), a ``{network id: eval sid}`` mapping, or the path of a JSON /
            YAML file holding one.
        shape : (H, W), optional
            Required size (that of the GT).

        Returns
        -------
        (H, W, 3) uint8

        Raises
        ------
        ValueError
            For bad shapes, dtypes or values, categories that are not (or do not map to) evaluated
            sids, more than 255 segments of one category, or non-zero ids missing from ``segments_info``.
        """
        segments = _integer_map(panoptic_ids, "panoptic_ids", what="integer segment ids", shape=shape)
        shape = segments.shape
        parts = _integer_map(part_ids, "part_ids", what="integer flat part ids", shape=shape)
        _require_range(
            segments, 0, NUM_SEGMENT_IDS - 1, name="panoptic_ids", expected=f"segment ids in 0..{NUM_SEGMENT_IDS - 1}"
        )
        _require_range(parts, 0, 255, name="part_ids", expected="flat part ids in 0..255")
        ids, given = _segments(segments_info)
        categories = self._eval_categories(given, category_ids)
        counts = np.bincount(categories, minlength=256) if categories.size else np.zeros(256, np.int64)
        if counts.max() > MAX_INSTANCES:
            sid = int(counts.argmax())
            raise ValueError(
                f"Expected at most {MAX_INSTANCES} segments of one category in `segments_info` (the instance "
                f"channel is uint8), but got {int(counts[sid])} of category {sid} ({self.spec.category_name(sid)})"
            )
        if self._merge_tables is None:
            self._merge_tables = (part_lookup(self.spec), void_label(self.spec))
        part_table, void = self._merge_tables
        merged = merge_pps(segments, parts.astype(np.uint8, copy=False), ids, categories, part_table=part_table, void=void)
        if merged.unlisted_ids.size:
            shown = ", ".join(str(i) for i in merged.unlisted_ids[:5].tolist())
            raise ValueError(
                "Expected every non-zero id of `panoptic_ids` to be listed in `segments_info`, but got "
                f"{merged.unlisted_ids.size} unlisted ids ({shown}{' ...' if merged.unlisted_ids.size > 5 else ''})"
            )
        return merged.pps

    def _eval_categories(self, given: Sequence[int], category_ids: CategoryIds) -> NDArray[np.int64]:
        """Eval sids of ``segments_info``'s category ids read in the id space ``category_ids``."""
        if isinstance(category_ids, str) and category_ids not in ("eval", "contiguous"):
            raise ValueError(
                f"Expected argument `category_ids` to be 'eval', 'contiguous' or a mapping {{network id: eval sid}}, "
                f"but got {category_ids!r}"
            )
        try:
            table = id_table(parse_id_space(category_ids, option="category_ids"), self.spec)
        except PpsError as e:
            raise ValueError(
                f"Expected argument `category_ids` to map ids to eval sids of {self.spec.name}, "
                f"but got a mapping that {e.problem}"
            ) from None
        categories = to_eval_ids(np.asarray(given, np.int64), table)
        evaluated = (categories >= 0) & (categories < 256)
        evaluated[evaluated] = self.spec.category_index[categories[evaluated]] >= 0
        if not evaluated.all():
            bad = sorted({int(c) for c, ok in zip(given, evaluated.tolist(), strict=True) if not ok})
            if category_ids == "contiguous":
                what = f"a contiguous id of {self.spec.name} (0..{len(self.spec.eval_sids) - 1})"
            elif category_ids == "eval":
                what = f"an eval sid of {self.spec.name} ({', '.join(map(str, self.spec.eval_sids))})"
            else:
                what = f"an id that `category_ids` maps to an eval sid of {self.spec.name}"
            raise ValueError(f"Expected every `segments_info` category_id to be {what}, but got {', '.join(map(str, bad[:10]))}")
        return categories

    def update_panoptic(
        self,
        gt_uids: Any,
        panoptic_ids: Any,
        segments_info: Any,
        part_ids: Any,
        *,
        category_ids: CategoryIds = "eval",
    ) -> None:
        """Add one image given as a panoptic prediction plus part ids, merged exactly like ``pps pps``.

        Parameters
        ----------
        gt_uids : (H, W) integer array or tensor
        panoptic_ids, segments_info, part_ids, category_ids
            As in :meth:`panoptic_to_pps` (detectron2's ``outputs["panoptic_seg"]`` is
            ``(panoptic_ids, segments_info)``).
        """
        gt = check_gt(gt_uids)
        pps = self.panoptic_to_pps(panoptic_ids, segments_info, part_ids, category_ids=category_ids, shape=gt.shape)
        self.add(image_stats(gt, pps, spec=self.spec, metrics=self.metrics))

    # -- results

    def compute(self) -> dict[str, Any]:
        """The results document of ``pps evaluate -o`` for the images added so far.

        Keys: ``pps_version``, ``eval_spec``, ``num_images``, then (for the metrics computed)
        ``summary`` and ``categories`` (PartPQ), ``pq``, ``miou``, ``unknown_predicted_classes``
        and ``reference``: the same values as in the file (docs/metrics.md), without the file
        names (``gt``, ``predictions``).
        """
        spec = self.spec
        return {
            "pps_version": __version__,
            "eval_spec": spec_description(spec),
            "num_images": self.num_images,
            **results_content(self.total, spec),
        }

    # -- combining and storing

    def _compatible(self, other: Evaluator) -> None:
        if self.spec.eval_sids != other.spec.eval_sids or self.spec.name != other.spec.name:
            raise ValueError(f"cannot combine Evaluators of EvalSpecs {self.spec.name} and {other.spec.name}")
        if self.metrics != other.metrics:
            raise ValueError(f"cannot combine Evaluators of metrics {list(self.metrics)} and {list(other.metrics)}")

    def __add__(self, other: Evaluator) -> Evaluator:
        """An Evaluator holding the images of both (``self``'s first)."""
        if not isinstance(other, Evaluator):
            return NotImplemented
        self._compatible(other)
        combined = Evaluator(self.spec, metrics=self.metrics)
        combined.total = self.total + other.total
        combined.num_images = self.num_images + other.num_images
        return combined

    def __radd__(self, other: object) -> Evaluator:
        if isinstance(other, int) and other == 0:  # sum(evaluators) starts from 0
            return self + Evaluator(self.spec, metrics=self.metrics)
        return NotImplemented

    def state_dict(self) -> dict[str, Any]:
        """The accumulated statistics as plain JSON-serializable values (floats round-trip exactly)."""
        return {
            "format": STATE_FORMAT,
            "eval_spec": self.spec.name,
            "eval_sids": list(self.spec.eval_sids),
            "num_images": self.num_images,
            "stats": self.total.to_state(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the accumulated statistics by those of :meth:`state_dict` (metrics included).

        Raises
        ------
        ValueError
            When ``state`` is not such a state or belongs to another EvalSpec.
        """
        if not isinstance(state, Mapping) or state.get("format") != STATE_FORMAT:
            raise ValueError(
                f"Expected argument `state` to be a state_dict() of an Evaluator ({STATE_FORMAT}), but got {_what(state)}"
            )
        if state.get("eval_sids") != list(self.spec.eval_sids) or state.get("eval_spec") != self.spec.name:
            raise ValueError(
                f"Expected argument `state` to come from an Evaluator of EvalSpec {self.spec.name}, "
                f"but got one of {state.get('eval_spec')!r}"
            )
        num_images = state.get("num_images")
        if isinstance(num_images, bool) or not isinstance(num_images, int) or num_images < 0:
            raise ValueError(f"Expected `num_images` of the state to be a non-negative integer, but got {num_images!r}")
        total = ImageStats.from_state(state.get("stats"), self.spec)
        self.metrics, self.total, self.num_images = total.metrics, total, num_images

    @classmethod
    def from_state_dict(cls, spec: SpecLike, state: Mapping[str, Any]) -> Evaluator:
        """An Evaluator of ``spec`` holding a :meth:`state_dict` (e.g. one gathered from another process)."""
        evaluator = cls(spec)
        evaluator.load_state_dict(state)
        return evaluator

    def __repr__(self) -> str:
        return f"Evaluator({self.spec.name!r}, metrics={list(self.metrics)}, num_images={self.num_images})"


def _what(value: object) -> str:
    if isinstance(value, Mapping):
        return f"a mapping with format {value.get('format')!r}"
    return type(value).__name__
