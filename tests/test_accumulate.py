"""The one-pass accumulator: ImageStats arithmetic, state round trips, metric selection, results content."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pps_cli.metrics import METRICS, ImageStats, image_stats, results_content
from pps_cli.metrics import partpq as partpq_metric
from pps_cli.metrics.accumulate import pairs_stats
from pps_cli.metrics.miou import part_confusion, scene_confusion
from pps_cli.metrics.pq import runs_pq_stats
from pps_cli.metrics.runs import PixelRuns, pixel_runs, value_pairs

from .helpers import spec_named

CPP = spec_named("cpp-default")
UIDS = [0, 7, 11, 24, 26, 33, 2400101, 2400202, 2400100, 2600101, 2600205, 26001, 33000, 33001]


def random_pair(seed: int, h: int = 5, w: int = 7):
    rng = np.random.default_rng(seed)
    gt = rng.choice(UIDS, size=(h, w)).astype(np.int32)
    pred = np.stack([rng.choice([7, 11, 24, 26, 33, 255], size=(h, w)), rng.integers(0, 3, (h, w)),
                     rng.choice([0, 1, 2, 255], size=(h, w))], axis=-1).astype(np.uint8)
    return gt, pred


def test_all_metrics_equal_each_metric_computed_alone():
    gt, pred = random_pair(1)
    stats = image_stats(gt, pred, spec=CPP)
    runs = pixel_runs(gt, pred)
    assert stats.metrics == METRICS
    assert stats.partpq == partpq_metric.image_stats(gt, pred, spec=CPP)
    assert stats.pq == runs_pq_stats(runs, spec=CPP)
    assert np.array_equal(stats.scene_confusion, scene_confusion(runs, spec=CPP))
    assert np.array_equal(stats.part_confusion, part_confusion(runs, spec=CPP))
    only_pq = image_stats(gt, pred, spec=CPP, metrics=["pq"])
    assert only_pq.partpq is None and only_pq.scene_confusion is None and only_pq.pq == stats.pq


def test_value_pairs_by_hand():
    # raster runs (uid, pred, length): (7, 1, 2) (9, 1, 1) (7, 1, 3) (7, 2, 1) -> pairs sorted by uid, pred
    runs = PixelRuns(np.array([7, 9, 7, 7], np.int32), np.array([1, 1, 1, 2], np.uint32), np.array([2, 1, 3, 1]))
    pairs = value_pairs(runs)
    assert pairs.uid.tolist() == [7, 7, 9] and pairs.pred.tolist() == [1, 2, 1] and pairs.length.tolist() == [5, 1, 1]
    assert pairs.uid.dtype == np.int32 and pairs.pred.dtype == np.uint32 and pairs.length.dtype == np.int64
    # a negative (invalid) uid and the largest prediction keep their values
    odd = value_pairs(PixelRuns(np.array([-5, 9999999], np.int32), np.array([0xFFFFFF, 0], np.uint32), np.array([1, 2])))
    assert odd.uid.tolist() == [-5, 9999999] and odd.pred.tolist() == [0xFFFFFF, 0]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["cpp-default", "cpp-grouped"]))
def test_pairs_give_the_statistics_of_the_runs(seed, name):
    spec = spec_named(name)
    gt, pred = random_pair(seed, 9, 11)
    runs = pixel_runs(gt, pred)
    assert pairs_stats(value_pairs(runs), spec=spec) == pairs_stats(runs, spec=spec)


def test_shapes_of_the_statistics():
    stats = ImageStats.zeros(CPP)
    num_categories = len(CPP.eval_sids)
    assert stats.partpq.tp.shape == stats.pq.tp.shape == (num_categories,)
    assert stats.scene_confusion.shape == (num_categories, num_categories + 1)
    assert stats.part_confusion.shape == (24, 24)  # background + 23 flat part ids
    assert stats.class_pixels.shape == (256,)


def test_sum_is_additive_and_zeros_is_neutral():
    a, b = (image_stats(*random_pair(seed), spec=CPP) for seed in (2, 3))
    total = ImageStats.zeros(CPP) + a + b
    assert np.array_equal(total.scene_confusion, a.scene_confusion + b.scene_confusion)
    assert np.array_equal(total.pq.tp, a.pq.tp + b.pq.tp)
    assert total == (ImageStats.zeros(CPP) + a) + b
    with pytest.raises(ValueError, match="cannot add stats of metrics"):
        _ = a + image_stats(*random_pair(2), spec=CPP, metrics=("pq",))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([METRICS, ("partpq",), ("pq", "miou")]))
def test_state_round_trips_exactly_through_json(seed, metrics):
    stats = image_stats(*random_pair(seed), spec=CPP, metrics=metrics) + image_stats(*random_pair(seed + 1), spec=CPP,
                                                                                      metrics=metrics)
    state = json.loads(json.dumps(stats.to_state()))
    back = ImageStats.from_state(state, CPP)
    assert back == stats
    if stats.partpq is not None:
        assert back.partpq.iou_sum.tobytes() == stats.partpq.iou_sum.tobytes()


def test_state_of_another_spec_or_shape_is_refused():
    state = ImageStats.zeros(CPP).to_state()
    with pytest.raises(ValueError, match=r"part_confusion: expected shape \(10, 10\)"):
        ImageStats.from_state(state, spec_named("cpp-grouped"))
    with pytest.raises(ValueError, match="not an ImageStats state"):
        ImageStats.from_state({"partpq": None}, CPP)
    with pytest.raises(ValueError, match="unknown metrics"):
        ImageStats.from_state({**state, "metrics": ["pq", "iou"]}, CPP)
    with pytest.raises(ValueError, match="expected null"):
        ImageStats.from_state({**state, "metrics": ["pq", "miou"]}, CPP)


def test_metric_names_are_checked():
    gt, pred = random_pair(4)
    with pytest.raises(ValueError, match="unknown metrics \\['PQ'\\]; choose from partpq, pq, miou"):
        image_stats(gt, pred, spec=CPP, metrics=["PQ"])
    with pytest.raises(ValueError, match="no metric selected"):
        ImageStats.zeros(CPP, metrics=[])


def test_results_content_keys_follow_the_metrics():
    stats = image_stats(*random_pair(5), spec=CPP)
    content = json.loads(json.dumps(results_content(stats, CPP)))
    assert list(content) == ["summary", "categories", "pq", "miou", "unknown_predicted_classes", "reference"]
    assert set(content["pq"]) == {"All", "Things", "Stuff", "Parts", "NoParts", "per_class"}
    assert set(content["pq"]["per_class"]["24"]) == {"name", "isthing", "has_parts", "pq", "sq", "rq", "tp", "fp",
                                                      "fn", "iou_sum"}
    assert set(content["miou"]) == {"scene", "parts"}
    only = results_content(image_stats(*random_pair(5), spec=CPP, metrics=("miou",)), CPP)
    assert list(only) == ["miou", "unknown_predicted_classes"]


def test_empty_image_gives_zero_statistics():
    empty = image_stats(np.zeros((0, 4), np.int32), np.zeros((0, 4, 3), np.uint8), spec=CPP)
    assert empty == ImageStats.zeros(CPP)
