"""PartPQ, PQ and mIoU as a torchmetrics ``Metric`` that syncs across processes (docs/api.md).

Needs the ``torch`` extra (``pip install 'pps-cli[torch]'``). The metric is a thin adapter: the
numpy :class:`~pps_cli.api.Evaluator` computes each image's statistics, and the metric keeps them
as tensor states with ``dist_reduce_fx="sum"``, so torchmetrics' own machinery (DDP, Lightning)
adds them up across processes and nodes at ``compute()``. IoU sums are float64 states, so the
numbers are those of ``pps evaluate`` (up to the order of the floating-point additions across
processes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

try:
    import torch
    from torchmetrics import Metric
except ImportError as e:  # pragma: no cover - the suite always has the extra
    raise ImportError("pps_cli.torchmetrics needs torch and torchmetrics: pip install 'pps-cli[torch]'") from e

import numpy as np

from .api import SCALARS, CategoryIds, Evaluator, SpecLike, as_numpy, scalars
from .metrics import METRICS, ImageStats

__all__ = ["SCALARS", "PartPanopticQuality"]


def _leaves(state: dict[str, Any]) -> Iterator[tuple[str, str | None, Any]]:
    """(key, sub-key, value) of every array in an :meth:`ImageStats.to_state` dict."""
    for key, value in state.items():
        if key == "metrics" or value is None:
            continue
        if isinstance(value, dict):
            for sub, array in value.items():
                yield key, sub, array
        else:
            yield key, None, value


def _state_name(key: str, sub: str | None) -> str:
    return key if sub is None else f"{key}_{sub}"


def _scalar(value: float | None) -> torch.Tensor:
    """A float64 scalar tensor; NaN for an average over no category (null in the results document)."""
    return torch.tensor(float("nan") if value is None else value, dtype=torch.float64)


def _is_image_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and len(value) > 0 and hasattr(value[0], "shape")


def _image_pairs(gt_uids: Any, pps_prediction: Any) -> list[tuple[Any, Any]]:
    """(GT, prediction) per image of one image, a batch, or two lists of images."""
    if _is_image_list(gt_uids) or _is_image_list(pps_prediction):
        both_lists = isinstance(gt_uids, list | tuple) and isinstance(pps_prediction, list | tuple)
        if not both_lists or len(gt_uids) != len(pps_prediction):
            raise ValueError(
                "Expected arguments `gt_uids` and `pps_prediction` to be lists of the same length, but got "
                f"{type(gt_uids).__name__} and {type(pps_prediction).__name__} of lengths "
                f"{len(gt_uids) if isinstance(gt_uids, list | tuple) else '-'} and "
                f"{len(pps_prediction) if isinstance(pps_prediction, list | tuple) else '-'}"
            )
        return list(zip(gt_uids, pps_prediction, strict=True))
    gt_array, pred_array = as_numpy(gt_uids, "gt_uids"), as_numpy(pps_prediction, "pps_prediction")
    if gt_array.ndim == 2:
        gt_array, pred_array = gt_array[None], pred_array[None]
    if gt_array.ndim != 3 or pred_array.ndim != 4 or len(pred_array) != len(gt_array):
        raise ValueError(
            "Expected arguments `gt_uids` and `pps_prediction` to be (H, W) and (H, W, 3), or batches (B, H, W) and "
            f"(B, H, W, 3), but got shapes {tuple(gt_array.shape)} and {tuple(pred_array.shape)}"
        )
    return list(zip(gt_array, pred_array, strict=True))


class PartPanopticQuality(Metric):
    """Part-aware panoptic quality (PartPQ), PQ and mIoU over a validation set, synced across processes.

    Parameters
    ----------
    spec : str, path-like or EvalSpec
        Bundled EvalSpec name, YAML path or loaded EvalSpec (as for :class:`~pps_cli.api.Evaluator`).
    metrics : iterable of str
        A subset of ``("partpq", "pq", "miou")`` (default: all three).
    **kwargs
        Passed to ``torchmetrics.Metric`` (``sync_on_compute``, ``process_group``...).

    Notes
    -----
    ``update(gt_uids, pps_prediction)`` takes one image, (H, W) uids and (H, W, 3)
    ``[class, instance, part]``, or a batch (B, H, W) / (B, H, W, 3), on any device. Images are
    added in batch order. ``compute()`` returns float64 scalar tensors keyed by
    :data:`SCALARS` (NaN for an average over no category); :meth:`results` returns the whole
    results document of ``pps evaluate``. Every state is a sum, so distributed sync needs no
    custom code.
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, spec: SpecLike, *, metrics: Iterable[str] = METRICS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.evaluator = Evaluator(spec, metrics=metrics)
        self._layout = self.evaluator.total.to_state()
        for key, sub, value in _leaves(self._layout):
            default = torch.from_numpy(np.asarray(value))  # float64 iou sums, int64 counts
            self.add_state(_state_name(key, sub), default=default, dist_reduce_fx="sum")
        self.add_state("num_images", default=torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")

    @property
    def spec(self) -> Any:
        return self.evaluator.spec

    def _add(self, stats: ImageStats) -> None:
        for key, sub, value in _leaves(stats.to_state()):
            name = _state_name(key, sub)
            state = getattr(self, name)
            setattr(self, name, state + torch.as_tensor(np.asarray(value), dtype=state.dtype, device=state.device))
        self.num_images += 1

    def update(self, gt_uids: Any, pps_prediction: Any) -> None:
        """Add one image ((H, W) and (H, W, 3)), a batch ((B, H, W) and (B, H, W, 3)), or lists of images
        of any sizes (two sequences of arrays or tensors). Nothing is added when an image is bad.

        Raises
        ------
        ValueError
            For inconsistent shapes, dtypes or values (see :meth:`Evaluator.update`).
        """
        pairs = _image_pairs(gt_uids, pps_prediction)
        stats = [self.evaluator.image_stats(gt, pred) for gt, pred in pairs]  # all checked before any is added
        for image in stats:
            self._add(image)

    def update_panoptic(
        self, gt_uids: Any, panoptic_ids: Any, segments_info: Any, part_ids: Any, *, category_ids: CategoryIds = "eval"
    ) -> None:
        """Add one image given as detectron2-style panoptic output plus part ids (see
        :meth:`Evaluator.update_panoptic`), merged exactly like ``pps pps``."""
        gt_array = as_numpy(gt_uids, "gt_uids")
        pps = self.evaluator.panoptic_to_pps(
            panoptic_ids, segments_info, part_ids, category_ids=category_ids, shape=gt_array.shape
        )
        self.update(gt_array, pps)  # through update, so torchmetrics sees a new update (cache, counters)

    def _total(self) -> ImageStats:
        state: dict[str, Any] = {"metrics": self._layout["metrics"]}
        for key, value in self._layout.items():
            if key == "metrics" or value is None:
                state[key] = value
            elif isinstance(value, dict):
                state[key] = {sub: getattr(self, _state_name(key, sub)).cpu().tolist() for sub in value}
            else:
                state[key] = getattr(self, key).cpu().tolist()
        return ImageStats.from_state(state, self.spec)

    def _document(self) -> dict[str, Any]:
        evaluator = Evaluator(self.spec, metrics=self.evaluator.metrics)
        evaluator.total, evaluator.num_images = self._total(), int(self.num_images)
        return evaluator.compute()

    def compute(self) -> dict[str, torch.Tensor]:
        """Float64 scalar tensors keyed by :data:`SCALARS`, over every image of every process."""
        return {name: _scalar(value) for name, value in scalars(self._document()).items()}

    def results(self) -> dict[str, Any]:
        """The results document of ``pps evaluate -o`` (see :meth:`Evaluator.compute`), synced like ``compute()``."""
        with self.sync_context(dist_sync_fn=self.dist_sync_fn, should_sync=self._to_sync, should_unsync=self._should_unsync):
            return self._document()
