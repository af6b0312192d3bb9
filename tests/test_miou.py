"""Scene and part mIoU on hand-made arrays with hand-derived answers.

``cpp-default``: 0 void, 7 road, 11 building (stuff), 24 person (parts: flat 1 torso, 2 head,
3 arms, 4 legs), 26 car (flat 9..13). ``cpp-grouped``: person and rider parts share flat ids 1..4.
Predictions are [class, instance, part].
"""

from __future__ import annotations

import numpy as np

from pps_cli.metrics import image_stats
from pps_cli.metrics.miou import flat_part_ids, result_json, summarize_parts, summarize_scene
from pps_cli.specs import EvalSpec

from .helpers import spec_named

CPP = spec_named("cpp-default")


def pps(cls, inst, part) -> np.ndarray:
    return np.stack([np.asarray(cls), np.asarray(inst), np.asarray(part)], axis=-1).astype(np.uint8)


def mious(gt, pred, spec: EvalSpec = CPP):
    stats = image_stats(np.asarray(gt, np.int32), pred, spec=spec, metrics=("miou",))
    return summarize_scene(stats.scene_confusion, spec=spec), summarize_parts(stats.part_confusion, spec=spec)


def by_id(ids, ious):
    return {i: iou for i, iou in zip(ids, ious, strict=True) if iou is not None}


def test_hand_made_scene_and_part_iou():
    # pixels:   void      road      torso       head        person pid 0  car crowd (no part)
    gt = [[0, 7, 2400101, 2400102, 2400100, 26]]
    pred = pps([[7, 7, 24, 24, 24, 26]], [[0, 0, 1, 1, 1, 1]], [[1, 1, 1, 1, 2, 255]])
    scene, parts = mious(gt, pred)
    # scene: the void pixel is not counted (its road prediction is no FP): road, person, car all 1
    assert by_id(scene.sids, scene.ious) == {7: 1.0, 24: 1.0, 26: 1.0}
    assert scene.miou == 1.0
    # parts: counted pixels are road (GT background), torso, head; person pid 0 and the part-less car
    # are not counted. torso: TP 1 (px 2), predicted also on px 3 -> 1 / (1 + 2 - 1) = 0.5;
    # head: predicted as torso -> 0; background: road -> 1 (reported, not in the mean)
    assert by_id(parts.flat_ids, parts.ious) == {1: 0.5, 2: 0.0}
    assert parts.miou == 0.25
    assert parts.background == 1.0


def test_scene_unevaluated_prediction_is_a_miss_not_a_false_positive():
    # road px predicted 255 and 5 (not evaluated): FN of road; building 1 px right
    scene, _ = mious([[7, 7, 11]], pps([[255, 5, 11]], [[0, 0, 0]], [[1, 1, 1]]))
    assert by_id(scene.sids, scene.ious) == {7: 0.0, 11: 1.0}
    assert scene.miou == 0.5


def test_scene_void_gt_is_ignored_whatever_is_predicted():
    scene, parts = mious([[0, 0, 1, 7]], pps([[7, 24, 26, 7]], [[0, 1, 1, 0]], [[1, 1, 1, 1]]))
    assert by_id(scene.sids, scene.ious) == {7: 1.0}
    assert parts.background == 1.0 and parts.miou is None


def test_part_void_and_ignore_label_predictions_are_background():
    # torso GT predicted as person with part 255 (void): background column -> torso IoU 0, background
    # IoU 0 (GT background nowhere, predicted once)
    _, parts = mious([[2400101]], pps([[24]], [[1]], [[255]]))
    assert by_id(parts.flat_ids, parts.ious) == {1: 0.0}
    assert parts.background == 0.0


def test_part_of_a_no_parts_class_prediction_is_background():
    # a road pixel predicted as bicycle (no parts) with part 1 -> background: right for parts
    _, parts = mious([[7]], pps([[33]], [[1]], [[1]]))
    assert parts.background == 1.0 and parts.miou is None


def test_grouped_flat_ids_merge_classes():
    spec = spec_named("cpp-grouped")
    assert flat_part_ids(spec) == tuple(range(1, 10))
    # person torso (2401) and rider torso (2501) are both flat 1; a rider predicted as a person with
    # part torso is right for parts (flat 1 vs flat 1) and wrong for the scene
    scene, parts = mious([[2500101, 2400101]], pps([[24, 24]], [[1, 1]], [[1, 1]]), spec)
    assert by_id(parts.flat_ids, parts.ious) == {1: 1.0}
    assert by_id(scene.sids, scene.ious) == {24: 0.5, 25: 0.0}


def test_gt_part_without_flat_id_is_ignored():
    # CPP person pid 5 (out of range, no flat id): not counted
    _, parts = mious([[2400105, 7]], pps([[24, 7]], [[1, 0]], [[1, 1]]))
    assert by_id(parts.flat_ids, parts.ious) == {}
    assert parts.background == 1.0


def test_result_json_keys_and_nulls():
    scene, parts = mious([[7]], pps([[7]], [[0]], [[1]]))
    document = result_json(scene, parts, spec=CPP)
    assert document["scene"]["mIoU"] == 1.0
    assert document["scene"]["per_class"]["7"] == 1.0 and document["scene"]["per_class"]["11"] is None
    assert document["scene"]["names"]["7"] == "road"
    assert document["parts"]["mIoU"] is None and document["parts"]["background"] == 1.0
    assert document["parts"]["names"]["1"] == "person-torso"
    assert list(document["parts"]["per_class"]) == [str(f) for f in range(1, 24)]
