"""PartPanopticQuality: the Evaluator's numbers as a torchmetrics Metric, batches, and sync across 2 processes (gloo)."""

from __future__ import annotations

import json
import math
import pickle
import re
import socket
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from pps_cli.api import Evaluator
from pps_cli.dataset import build_images, images_json, load_images
from pps_cli.demo.synth import generate_demo
from pps_cli.evaluate import find_jobs, read_image_pair
from pps_cli.io import write_json
from pps_cli.torchmetrics import SCALARS, PartPanopticQuality

GT = np.array([[7, 7, 2600001, 2600002]], np.int32)
PERFECT = np.array([[[7, 0, 1], [7, 0, 1], [26, 1, 1], [26, 1, 2]]], np.uint8)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    generate_demo(root, dataset="cityscapes", num_images=4, height=64, width=128, seed=7)
    write_json(root / "images.json", images_json(build_images(root / "gt")))
    return root


def image_pairs(root: Path):
    jobs = find_jobs(load_images(root / "images.json"), root / "gt", root / "predictions" / "pps")
    return [read_image_pair(job) for job in jobs]


def evaluator_of(pairs) -> Evaluator:
    evaluator = Evaluator("cpp-default")
    for gt, pred in pairs:
        evaluator.update(gt, pred)
    return evaluator


def test_results_equal_the_evaluator_and_compute_gives_the_headline_numbers(demo):
    pairs = image_pairs(demo)
    metric = PartPanopticQuality("cpp-default")
    for gt, pred in pairs:
        metric.update(torch.from_numpy(gt), torch.from_numpy(pred))
    expected = evaluator_of(pairs).compute()
    assert metric.results() == expected  # the same additions in the same order: bit for bit
    values = metric.compute()
    assert list(values) == list(SCALARS)
    assert all(v.dtype == torch.float64 and v.ndim == 0 for v in values.values())
    assert values["PartPQ"].item() == expected["summary"]["all"]["PartPQ"]
    assert values["PartPQ_parts"].item() == expected["summary"]["parts"]["PartPQ"]
    assert values["PartPQ_noparts"].item() == expected["summary"]["no_parts"]["PartPQ"]
    assert values["PQ"].item() == expected["pq"]["All"]["pq"]
    assert values["PQ_things"].item() == expected["pq"]["Things"]["pq"]
    assert values["PQ_stuff"].item() == expected["pq"]["Stuff"]["pq"]
    assert values["mIoU"].item() == expected["miou"]["scene"]["mIoU"]
    assert values["mIoU_parts"].item() == expected["miou"]["parts"]["mIoU"]


def test_a_batch_is_its_images_in_order(demo):
    pairs = image_pairs(demo)
    one_by_one, batched = PartPanopticQuality("cpp-default"), PartPanopticQuality("cpp-default")
    for gt, pred in pairs:
        one_by_one.update(gt, pred)
    gts, preds = torch.from_numpy(np.stack([g for g, _ in pairs])), torch.from_numpy(np.stack([p for _, p in pairs]))
    batched.update(gts[:3].long(), preds[:3])
    batched.update(gts[3:], preds[3:])
    assert batched.results() == one_by_one.results()
    assert int(batched.num_images) == 4


def test_lists_of_images_of_different_sizes_and_nothing_added_on_a_bad_image(demo):
    pairs = image_pairs(demo)
    one_by_one, listed = PartPanopticQuality("cpp-default"), PartPanopticQuality("cpp-default")
    gts = [torch.from_numpy(pairs[0][0]), GT]
    preds = [torch.from_numpy(pairs[0][1]), PERFECT]
    for gt, pred in zip(gts, preds, strict=True):
        one_by_one.update(gt, pred)
    listed.update(gts, preds)
    assert listed.results() == one_by_one.results()
    with pytest.raises(
        ValueError, match=re.escape("Expected argument `pps_prediction` to be an integer array of shape (1, 4, 3)")
    ):
        listed.update([GT, GT], [PERFECT, PERFECT[:, :2]])
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Expected arguments `gt_uids` and `pps_prediction` to be lists of the same length, but got list and list of lengths 2 and 1"
        ),
    ):
        listed.update([GT, GT], [PERFECT])
    assert int(listed.num_images) == 2


def test_states_are_float64_sums_and_reset_clears_them(demo):
    metric = PartPanopticQuality("cpp-default")
    assert metric.partpq_iou_sum.dtype == torch.float64 and metric.partpq_tp.dtype == torch.int64
    assert all(reduction is not None for reduction in metric._reductions.values())
    metric.update(GT, PERFECT)
    assert int(metric.partpq_tp.sum()) == 2
    metric.reset()
    assert int(metric.num_images) == 0 and int(metric.partpq_tp.sum()) == 0
    assert metric.results() == Evaluator("cpp-default").compute()


def test_clone_and_pickle_keep_the_states():
    metric = PartPanopticQuality("cpp-default")
    metric.update(GT, PERFECT)
    clone = metric.clone()
    clone.update(GT, PERFECT)
    assert int(metric.num_images) == 1 and int(clone.num_images) == 2
    assert pickle.loads(pickle.dumps(metric)).results() == metric.results()


def test_an_empty_group_is_nan_and_a_metrics_subset_gives_its_keys():
    metric = PartPanopticQuality("cpp-default", metrics=["partpq"])
    metric.update(GT[:, :2], PERFECT[:, :2])  # road only: no parts class counted
    values = metric.compute()
    assert list(values) == ["PartPQ", "PartPQ_parts", "PartPQ_noparts"]
    assert values["PartPQ"].item() == 1.0 and math.isnan(values["PartPQ_parts"].item())


def test_update_panoptic_is_merged_like_pps_pps():
    metric = PartPanopticQuality("cpp-default")
    segments_info = [{"id": 1, "category_id": 7}, {"id": 2, "category_id": 26}]
    part_ids = torch.tensor([[0, 0, 9, 10]])  # flat ids of car parts 1 and 2
    metric.update_panoptic(torch.from_numpy(GT), torch.tensor([[1, 1, 2, 2]]), segments_info, part_ids)
    assert metric.compute()["PartPQ"].item() == 1.0
    # a second image with the car missed: compute() is recomputed, not torchmetrics' cached value
    metric.update_panoptic(GT, np.array([[1, 1, 0, 0]]), segments_info[:1], part_ids)
    assert metric.compute()["PartPQ"].item() == pytest.approx((1.0 + 1 / 1.5) / 2)
    assert metric.results()["num_images"] == 2


def test_forward_gives_the_batch_value_and_accumulates():
    metric = PartPanopticQuality("cpp-default")
    batch_value = metric(GT, PERFECT)
    assert batch_value["PartPQ"].item() == 1.0
    metric(GT[:, :2], PERFECT[:, :2])
    assert metric.results()["num_images"] == 2


def test_update_shape_errors():
    metric = PartPanopticQuality("cpp-default")
    message = (
        "Expected arguments `gt_uids` and `pps_prediction` to be (H, W) and (H, W, 3), or batches (B, H, W) and (B, H, W, 3), "
        "but got shapes (2, 1, 4) and (1, 1, 4, 3)"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        metric.update(np.stack([GT, GT]), PERFECT[None])
    with pytest.raises(
        ValueError, match=re.escape("Expected argument `pps_prediction` to be an integer array of shape (1, 4, 3)")
    ):
        metric.update(GT, PERFECT[:, :2])
    assert int(metric.num_images) == 0


# ----------------------------------------------------------------------------- two processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, world_size: int, port: int, root: str, out: str) -> None:
    """One process of the DDP test: its half of the images, then compute() and results() across both."""
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size, timeout=timedelta(seconds=60)
    )
    try:
        pairs = image_pairs(Path(root))
        half = len(pairs) // world_size
        metric = PartPanopticQuality("cpp-default")
        for gt, pred in pairs[rank * half : (rank + 1) * half]:
            metric.update(torch.from_numpy(gt), torch.from_numpy(pred))
        values = {k: v.item() for k, v in metric.compute().items()}
        document = metric.results()
        local = int(metric.num_images)  # states are restored after the sync: this process's own count
        Path(out, f"rank{rank}.json").write_text(json.dumps({"values": values, "document": document, "local": local}))
    finally:
        dist.destroy_process_group()


def test_two_processes_with_half_the_images_each_give_the_single_process_numbers(demo, tmp_path):
    mp.spawn(_ddp_worker, args=(2, _free_port(), str(demo), str(tmp_path)), nprocs=2, join=True)
    single = PartPanopticQuality("cpp-default")
    for gt, pred in image_pairs(demo):
        single.update(gt, pred)
    expected_values = {k: v.item() for k, v in single.compute().items()}
    expected = single.results()
    for rank in (0, 1):
        got = json.loads(Path(tmp_path, f"rank{rank}.json").read_text())
        assert got["local"] == 2
        assert got["document"]["num_images"] == 4
        # counts are exact; iou sums were added as (image 1 + 2) + (3 + 4) instead of in sequence
        for sid, category in expected["categories"].items():
            assert {k: got["document"]["categories"][sid][k] for k in ("tp", "fp", "fn")} == {
                k: category[k] for k in ("tp", "fp", "fn")
            }
        assert got["document"]["miou"] == expected["miou"]  # confusion matrices: integers only
        assert got["values"] == pytest.approx(expected_values, abs=1e-12, nan_ok=True)
