"""PQ kernels on hand-made arrays with hand-derived answers, and hypothesis invariants.

COCO cases go through `metrics.coco` (id maps + segments_info as panopticapi reads them): categories
1 (thing) and 2 (stuff). PPS cases use ``cpp-default``: 0 void, 7 road (stuff), 24 person / 26 car
(things with parts), 33 bicycle (thing without parts). Predictions are [class, instance, part].
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pps_cli.metrics import image_stats
from pps_cli.metrics.coco import SegmentMismatchError, coco_image_stats, id_runs
from pps_cli.metrics.pq import Category, PQStats, result_json, spec_categories, summarize
from pps_cli.pq_eval import segments_info
from pps_cli.specs import EvalSpec

from .helpers import spec_named

ROAD, PERSON, CAR, BICYCLE = 7, 24, 26, 33
CATEGORIES = {1: 0, 2: 1}  # category id -> index


CPP = spec_named("cpp-default")


def gt_seg(segment_id, category=1, area=None, crowd=0):
    return {"id": segment_id, "category_id": category, "area": area, "iscrowd": crowd}


def coco_stats(gt_ids, pred_ids, gt_segments, pred_segments) -> dict[int, tuple[float, int, int, int]]:
    """{category id: (iou_sum, tp, fp, fn)} of one COCO image; a GT area of None is the PNG's count."""
    gt_ids, pred_ids = np.asarray(gt_ids), np.asarray(pred_ids)
    segments = tuple({**s, "area": int((gt_ids == s["id"]).sum()) if s["area"] is None else s["area"]}
                     for s in gt_segments)
    gt = segments_info(segments, CATEGORIES, ground_truth=True)
    pred = segments_info(tuple({"id": i, "category_id": c} for i, c in pred_segments), CATEGORIES, ground_truth=False)
    stats, _ = coco_image_stats(id_runs(gt_ids, pred_ids), gt, pred, len(CATEGORIES))
    return {cid: (float(stats.iou_sum[k]), int(stats.tp[k]), int(stats.fp[k]), int(stats.fn[k]))
            for cid, k in CATEGORIES.items() if stats.tp[k] + stats.fp[k] + stats.fn[k]}


# ----------------------------------------------------------------------------- COCO rules


def test_void_is_left_out_of_the_union():
    # GT 1 covers 3 px, the 4th is VOID; P covers all 4: union = 4 + 3 - 3 - 1 (void) = 3, IoU 1
    assert coco_stats([[1, 1, 1, 0]], [[5, 5, 5, 5]], [gt_seg(1)], [(5, 1)]) == {1: (1.0, 1, 0, 0)}


def test_iou_must_exceed_one_half():
    # GT 2 px, P 4 px with 2 in common: IoU 2 / 4 = 0.5, not a match -> FN 1 and FP 1
    assert coco_stats([[1, 1, 2, 2]], [[5, 5, 5, 5]], [gt_seg(1), gt_seg(2, 2)], [(5, 1)]) == {
        1: (0.0, 0, 1, 1), 2: (0.0, 0, 0, 1)}


def test_other_category_never_matches():
    assert coco_stats([[1, 1]], [[5, 5]], [gt_seg(1)], [(5, 2)]) == {1: (0.0, 0, 0, 1), 2: (0.0, 0, 1, 0)}


def test_crowd_is_never_matched_and_hides_false_positives():
    # P covers the crowd region exactly: no TP, no FN (crowd), and 100% of P is crowd -> no FP
    assert coco_stats([[1, 1, 1]], [[5, 5, 5]], [gt_seg(1, crowd=1)], [(5, 1)]) == {}


def test_fp_rule_counts_void_plus_crowd_of_the_same_category_above_one_half():
    # P (4 px): 1 px VOID + 1 px crowd of its category = 2/4 = 0.5, not > 0.5 -> an FP
    gt = [[0, 3, 7, 7]]
    assert coco_stats(gt, [[5, 5, 5, 5]], [gt_seg(3, crowd=1), gt_seg(7, 2)], [(5, 1)]) == {
        1: (0.0, 0, 1, 0), 2: (0.0, 0, 0, 1)}
    # 2 px crowd + 1 px void = 3/4 > 0.5 -> ignored
    assert coco_stats([[0, 3, 3, 7]], [[5, 5, 5, 5]], [gt_seg(3, crowd=1), gt_seg(7, 2)], [(5, 1)]) == {
        2: (0.0, 0, 0, 1)}
    # crowd of another category does not count: 2/4 of P is category-2 crowd -> FP
    assert coco_stats([[3, 3, 7, 7]], [[5, 5, 5, 5]], [gt_seg(3, 2, crowd=1), gt_seg(7, 2)], [(5, 1)]) == {
        1: (0.0, 0, 1, 0), 2: (0.0, 0, 0, 1)}


def test_the_last_crowd_segment_of_a_category_is_its_crowd_region():
    # crowd segments 2 and 3 (category 1); P lies on 3 only (3 px of 3)
    gt, pred = [[2, 2, 3, 3, 3]], [[0, 0, 5, 5, 5]]
    listed_3_last = [gt_seg(2, crowd=1), gt_seg(3, crowd=1)]
    assert coco_stats(gt, pred, listed_3_last, [(5, 1)]) == {}  # 3/3 on the crowd region: ignored
    listed_2_last = [gt_seg(3, crowd=1), gt_seg(2, crowd=1)]
    assert coco_stats(gt, pred, listed_2_last, [(5, 1)]) == {1: (0.0, 0, 1, 0)}  # region is 2: P is an FP


def test_gt_area_comes_from_the_json():
    # PNG: GT 1 has 4 px, P the same 4 px. JSON area 2: union = 4 + 2 - 4 = 2, IoU = 4 / 2 = 2.0 (a TP)
    assert coco_stats([[1, 1, 1, 1]], [[5, 5, 5, 5]], [gt_seg(1, area=2)], [(5, 1)]) == {1: (2.0, 1, 0, 0)}
    # JSON area 12: union = 4 + 12 - 4 = 12, IoU 1/3: FN and FP
    assert coco_stats([[1, 1, 1, 1]], [[5, 5, 5, 5]], [gt_seg(1, area=12)], [(5, 1)]) == {1: (0.0, 0, 1, 1)}


def test_understated_json_area_lets_one_segment_match_twice_as_in_panopticapi():
    # GT 1: 4 px in the PNG, JSON area 1; P5 and P6 take 2 px each:
    # union = 2 + 1 - 2 = 1 -> IoU 2.0 for both pairs; panopticapi counts both as TPs
    assert coco_stats([[1, 1, 1, 1]], [[5, 5, 6, 6]], [gt_seg(1, area=1)], [(5, 1), (6, 1)]) == {1: (4.0, 2, 0, 0)}


def test_gt_png_ids_missing_from_the_json_are_skipped_not_void():
    # GT 9 is not listed: its 2 px count in P's area but are neither VOID nor a segment:
    # union(1, P) = 4 + 2 - 2 - 0 = 4, IoU 0.5 -> FN 1, FP 1 (had 9 been VOID: IoU 1)
    assert coco_stats([[1, 1, 9, 9]], [[5, 5, 5, 5]], [gt_seg(1)], [(5, 1)]) == {1: (0.0, 0, 1, 1)}


def test_a_listed_gt_segment_without_pixels_is_a_false_negative():
    assert coco_stats([[1, 1]], [[5, 5]], [gt_seg(1), gt_seg(4, area=3)], [(5, 1)]) == {1: (1.0, 1, 0, 1)}


def test_a_gt_id_listed_twice_keeps_its_first_position_and_last_values():
    # listed as crowd, then as not crowd: the second entry counts -> a normal segment, matched
    assert coco_stats([[1, 1]], [[5, 5]], [gt_seg(1, crowd=1), gt_seg(1)], [(5, 1)]) == {1: (1.0, 1, 0, 0)}


def test_unknown_gt_category_is_never_counted():
    assert coco_stats([[1, 1]], [[5, 5]], [gt_seg(1, category=9)], [(5, 1)]) == {1: (0.0, 0, 1, 0)}


@pytest.mark.parametrize(
    ("pred_ids", "pred_segments", "message"),
    [
        ([[5, 6]], [(5, 1)], "segment ids 6 are in the PNG but not in segments_info"),
        ([[5, 5]], [(5, 1), (8, 1)], "segment ids 8 are in segments_info but not in the PNG"),
        ([[5, 5]], [(5, 9)], r"segments 5 \(category_id 9\) have a category_id not in the GT categories"),
    ],
)
def test_prediction_mismatches_raise(pred_ids, pred_segments, message):
    with pytest.raises(SegmentMismatchError, match=message):
        coco_stats([[1, 1]], pred_ids, [gt_seg(1)], pred_segments)


def test_prediction_id_zero_is_unassigned_unless_listed():
    # 0 not listed: unassigned (neither segment nor error); listed: a segment like any other
    assert coco_stats([[1, 1]], [[0, 0]], [gt_seg(1)], []) == {1: (0.0, 0, 0, 1)}
    assert coco_stats([[1, 1]], [[0, 0]], [gt_seg(1)], [(0, 1)]) == {1: (1.0, 1, 0, 0)}


# ----------------------------------------------------------------------------- summary


def test_summary_follows_panopticapi_types_and_nulls_empty_groups():
    categories = [Category(1, "a", True), Category(2, "b", True), Category(3, "c", True)]
    stats = PQStats(np.array([1.5, 0.0, 0.0]), np.array([2, 0, 0]), np.array([1, 1, 0]), np.array([1, 0, 0]))
    result = summarize(stats, categories)
    document = json.loads(json.dumps(result_json(result)))
    # category 1: d = 2 + 0.5 + 0.5 = 3: PQ 0.5, SQ 0.75, RQ 2/3; category 2: SQ integer 0; 3: absent
    assert document["per_class"]["1"]["pq"] == 0.5 and document["per_class"]["1"]["sq"] == 0.75
    assert json.dumps(document["per_class"]["2"]["sq"]) == "0"
    assert document["per_class"]["3"] == {"name": "c", "isthing": True, "pq": 0.0, "sq": 0.0, "rq": 0.0, "tp": 0,
                                          "fp": 0, "fn": 0, "iou_sum": 0.0}
    assert document["All"] == {"pq": 0.25, "sq": 0.375, "rq": (2 / 3 + 0.0) / 2, "n": 2}
    assert document["Stuff"] is None  # no stuff category: panopticapi would divide by zero
    assert "Parts" not in document  # COCO categories do not say whether they have parts


def test_pps_categories_add_parts_groups():
    result = summarize(PQStats.zeros(len(CPP.eval_sids)), spec_categories(CPP))
    assert list(result.groups) == ["All", "Things", "Stuff", "Parts", "NoParts"]
    assert all(group.n == 0 and group.pq is None for group in result.groups.values())


# ----------------------------------------------------------------------------- PQ from PPS data


def pps(cls, inst, part=None) -> np.ndarray:
    cls = np.asarray(cls)
    part = np.ones_like(cls) if part is None else np.asarray(part)
    return np.stack([cls, np.asarray(inst), part], axis=-1).astype(np.uint8)


def pps_pq(gt, pred, spec: EvalSpec = CPP) -> dict[int, tuple[float, int, int, int]]:
    s = image_stats(np.asarray(gt, np.int32), pred, spec=spec, metrics=("pq",)).pq
    return {sid: (float(s.iou_sum[c]), int(s.tp[c]), int(s.fp[c]), int(s.fn[c]))
            for c, sid in enumerate(spec.eval_sids) if s.tp[c] + s.fp[c] + s.fn[c]}


def test_pps_things_without_instance_id_form_one_crowd_segment():
    # person crowd (uid 24, 2 px) and person instance iid 0 (uid 24000, 2 px; an instance, not crowd).
    # P = person instance 1 on all 4 px: IoU with 24000 = 2 / (4 + 2 - 2) = 0.5, no match -> FN 1;
    # P is 2/4 = 0.5 crowd, not > 0.5 -> FP 1
    assert pps_pq([[24, 24, 24000, 24000]], pps([[24] * 4], [[1] * 4])) == {PERSON: (0.0, 0, 1, 1)}
    # P on 1 crowd px + the instance: IoU = 2 / (3 + 2 - 2) = 2/3 -> TP
    assert pps_pq([[24, 24, 24000, 24000]], pps([[0, 24, 24, 24]], [[0, 1, 1, 1]]))[PERSON] == (2 / 3, 1, 0, 0)


def test_pps_stuff_is_one_segment_per_class_and_void_is_left_out():
    # road pixels with two different uids form one segment; sid 0 is VOID (not evaluated)
    gt = [[7, 7, 7001, 0]]
    assert pps_pq(gt, pps([[7, 7, 7, 7]], [[0, 0, 0, 0]])) == {ROAD: (1.0, 1, 0, 0)}


def test_pps_unevaluated_and_void_predicted_classes_are_unassigned():
    # class 255 and class 5 (not evaluated) are no segment: no FP, only the FN of the bicycle
    assert pps_pq([[33001, 33001]], pps([[255, 5]], [[0, 3]])) == {BICYCLE: (0.0, 0, 0, 1)}


def test_pps_pq_keeps_parts_class_segments_that_partpq_removes():
    # a car instance without part labels: PartPQ makes it crowd (no TP); PQ matches it
    gt, pred = [[26001, 26001]], pps([[26, 26]], [[1, 1]], [[1, 1]])
    assert pps_pq(gt, pred) == {CAR: (1.0, 1, 0, 0)}
    partpq = image_stats(np.asarray(gt, np.int32), pred, spec=CPP, metrics=("partpq",)).partpq
    assert int(partpq.tp.sum()) == 0


# ----------------------------------------------------------------------------- properties


def to_coco(gt: np.ndarray, pred: np.ndarray, spec: EvalSpec):
    """COCO conversion of PPS GT and prediction with the rules of docs/metrics.md (written separately here)."""
    sid = np.where(gt <= 99, gt, np.where(gt <= 99_999, gt // 1000, gt // 100_000))
    iid = np.where(gt <= 99, 0, np.where(gt <= 99_999, gt % 1000, (gt // 100) % 1000))
    evaluated = spec.category_index[sid] >= 0
    thing = spec.is_thing[sid]
    key = np.where(evaluated, sid * 2000 + np.where(thing, np.where(gt <= 99, 1000, iid), 0), -1)
    gt_ids = np.zeros(gt.shape, np.int64)
    gt_segments = []
    for n, k in enumerate(np.unique(key[key >= 0]).tolist(), start=1):
        gt_ids[key == k] = n
        gt_segments.append({"id": n, "category_id": k // 2000, "area": int((key == k).sum()),
                            "iscrowd": int(k % 2000 == 1000)})
    cls, inst = pred[..., 0].astype(np.int64), pred[..., 1].astype(np.int64)
    pred_ids = np.where(spec.category_index[cls] >= 0, cls * 256 + inst + 1, 0)
    pred_segments = [{"id": i, "category_id": (i - 1) // 256} for i in np.unique(pred_ids[pred_ids > 0]).tolist()]
    return gt_ids, pred_ids, tuple(gt_segments), tuple(pred_segments)


UIDS = [0, 7, 11, 24, 26, 33, 2400101, 2400202, 2600101, 26001, 33000, 33001, 33002, 24003]
CLASSES = [7, 11, 24, 26, 33, 255, 5]


@st.composite
def pps_pairs(draw):
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 8))
    gt = np.array(draw(st.lists(st.sampled_from(UIDS), min_size=h * w, max_size=h * w)), np.int32).reshape(h, w)
    cls = np.array(draw(st.lists(st.sampled_from(CLASSES), min_size=h * w, max_size=h * w))).reshape(h, w)
    inst = np.array(draw(st.lists(st.integers(0, 2), min_size=h * w, max_size=h * w))).reshape(h, w)
    return gt, pps(cls, inst)


@settings(max_examples=150, deadline=None)
@given(pps_pairs())
def test_pps_pq_equals_pq_of_the_coco_conversion(pair):
    gt, pred = pair
    ours = image_stats(gt, pred, spec=CPP, metrics=("pq",)).pq
    gt_ids, pred_ids, gt_segments, pred_segments = to_coco(gt, pred, CPP)
    index = {sid: c for c, sid in enumerate(CPP.eval_sids)}
    coco, _ = coco_image_stats(
        id_runs(gt_ids, pred_ids),
        segments_info(gt_segments, index, ground_truth=True),
        segments_info(pred_segments, index, ground_truth=False),
        len(index),
    )
    assert np.array_equal(ours.tp, coco.tp) and np.array_equal(ours.fp, coco.fp) and np.array_equal(ours.fn, coco.fn)
    np.testing.assert_allclose(ours.iou_sum, coco.iou_sum, rtol=0, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(pps_pairs())
def test_perfect_pps_prediction_has_pq_one_and_miou_one(pair):
    gt, _ = pair
    sid = np.where(gt <= 99, gt, np.where(gt <= 99_999, gt // 1000, gt // 100_000))
    iid = np.where(gt <= 99, 0, np.where(gt <= 99_999, gt % 1000, (gt // 100) % 1000)) + 1  # crowd gets 0
    pid = np.where(gt > 99_999, gt % 100, 0)
    cls = np.where(CPP.category_index[sid] >= 0, sid, 255)
    inst = np.where(CPP.is_thing[sid] & (gt > 99), iid, 0)
    part = np.where(CPP.is_parts[sid], np.where(pid > 0, pid, 255), 1)
    stats = image_stats(gt, pps(cls, inst, part), spec=CPP)
    result = summarize(stats.pq, spec_categories(CPP))
    assert result.groups["All"].pq in (None, 1.0)
    assert stats.pq.fp.sum() == 0 and stats.pq.fn.sum() == 0
    from pps_cli.metrics.miou import summarize_parts, summarize_scene

    assert summarize_scene(stats.scene_confusion, spec=CPP).miou in (None, 1.0)
    assert summarize_parts(stats.part_confusion, spec=CPP).miou in (None, 1.0)


@settings(max_examples=60, deadline=None)
@given(pps_pairs(), st.permutations(range(48)))
def test_pq_does_not_depend_on_the_pixel_order(pair, order):
    gt, pred = pair
    n = gt.size
    perm = np.array([i for i in order if i < n])
    a = image_stats(gt, pred, spec=CPP, metrics=("pq",)).pq
    b = image_stats(gt.reshape(-1)[perm].reshape(1, n), pred.reshape(-1, 3)[perm].reshape(1, n, 3),
                    spec=CPP, metrics=("pq",)).pq
    assert np.array_equal(a.tp, b.tp) and np.array_equal(a.fp, b.fp) and np.array_equal(a.fn, b.fn)
    np.testing.assert_allclose(a.iou_sum, b.iou_sum, rtol=0, atol=1e-12)


def pq_oracle(gt_ids, pred_ids, gt_segments, pred_segments):
    """The rules of docs/metrics.md written out with Python dicts and loops, pixel by pixel."""
    gt_info = {s["id"]: s for s in gt_segments}
    pred_info = {s["id"]: dict(s) for s in pred_segments}
    joint: dict[tuple[int, int], int] = {}
    for g, p in zip(np.ravel(gt_ids).tolist(), np.ravel(pred_ids).tolist(), strict=True):
        joint[(g, p)] = joint.get((g, p), 0) + 1
    for p in pred_info:
        pred_info[p]["area"] = sum(n for (_, q), n in joint.items() if q == p)
    result = {c: [0.0, 0, 0, 0] for c in CATEGORIES}
    matched_gt, matched_pred = set(), set()
    for (g, p), inter in sorted(joint.items()):
        if g not in gt_info or p not in pred_info or gt_info[g]["iscrowd"] == 1:
            continue
        if gt_info[g]["category_id"] != pred_info[p]["category_id"]:
            continue
        union = pred_info[p]["area"] + gt_info[g]["area"] - inter - joint.get((0, p), 0)
        with np.errstate(divide="ignore"):  # numpy division, as panopticapi's: x / 0 is inf (GT id 0 listed)
            iou = float(np.float64(inter) / np.float64(union))
        if iou > 0.5:
            result[gt_info[g]["category_id"]][0] += iou
            result[gt_info[g]["category_id"]][1] += 1
            matched_gt.add(g)
            matched_pred.add(p)
    crowd_region = {}
    for g, info in gt_info.items():
        if info["iscrowd"] == 1:
            crowd_region[info["category_id"]] = g
        elif g not in matched_gt and info["category_id"] in result:
            result[info["category_id"]][3] += 1
    for p, info in pred_info.items():
        if p in matched_pred:
            continue
        ignored = joint.get((0, p), 0) + joint.get((crowd_region.get(info["category_id"], -1), p), 0)
        if ignored / info["area"] <= 0.5:
            result[info["category_id"]][2] += 1
    return {c: (v[0], v[1], v[2], v[3]) for c, v in result.items() if v[1] + v[2] + v[3]}


@st.composite
def coco_cases(draw):
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 7))
    gt = np.array(draw(st.lists(st.integers(0, 5), min_size=h * w, max_size=h * w))).reshape(h, w)
    pred = np.array(draw(st.lists(st.integers(0, 4), min_size=h * w, max_size=h * w))).reshape(h, w) * 10
    gt_segments = []
    for segment_id in draw(st.lists(st.integers(0, 6), max_size=8)):
        area = int((gt == segment_id).sum()) + draw(st.sampled_from([0, 0, 0, -1, 1, 3]))
        gt_segments.append({"id": segment_id, "category_id": draw(st.sampled_from([1, 2, 3])), "area": max(area, 1),
                            "iscrowd": draw(st.sampled_from([0, 0, 1]))})
    pred_segments = [{"id": p, "category_id": draw(st.sampled_from([1, 2]))} for p in np.unique(pred).tolist() if p]
    if 0 in pred and draw(st.booleans()):
        pred_segments.append({"id": 0, "category_id": 1})
    return gt, pred, gt_segments, pred_segments


@settings(max_examples=300, deadline=None)
@given(coco_cases())
def test_coco_pq_equals_the_rules_written_out(case):
    gt, pred, gt_segments, pred_segments = case
    expected = pq_oracle(gt, pred, gt_segments, pred_segments)
    ours = coco_stats(gt, pred, gt_segments, [(s["id"], s["category_id"]) for s in pred_segments])
    assert {c: v[1:] for c, v in ours.items()} == {c: v[1:] for c, v in expected.items()}
    for c in expected:
        assert ours[c][0] == pytest.approx(expected[c][0], abs=1e-12)
