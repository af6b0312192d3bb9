"""PartPQ kernels on hand-made arrays with hand-derived answers, and hypothesis invariants.

Specs: ``cpp-default`` unless said otherwise. Its sids used here: 0 and 1 void (not evaluated),
7 road / 11 building (stuff), 33 bicycle (thing, no parts), 24 person and 26 car (things with
parts: person pids 1-4, car pids 1-5). Predictions are [class, instance, part]; 255 = void.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pps_cli.errors import PpsError
from pps_cli.formats.labels import decode_uids
from pps_cli.metrics.partpq import (
    GroundTruthError,
    PartPQStats,
    image_stats,
    mean_part_iou,
    pack_predictions,
    pixel_runs,
    summarize,
)
from pps_cli.specs import EvalSpec, load_eval_spec

from .helpers import spec_named

ROAD, BUILDING, PERSON, CAR, BICYCLE = 7, 11, 24, 26, 33


CPP = spec_named("cpp-default")


def pps(cls, inst, part) -> np.ndarray:
    """Stack three (H, W) channel lists into a (H, W, 3) uint8 prediction."""
    return np.stack([np.asarray(cls), np.asarray(inst), np.asarray(part)], axis=-1).astype(np.uint8)


def stats_of(gt, pred, spec: EvalSpec = CPP) -> dict[int, tuple[float, int, int, int]]:
    """{eval sid: (iou_sum, tp, fp, fn)} for the categories with any tp, fp or fn."""
    s = image_stats(np.asarray(gt, np.int32), pred, spec=spec)
    return {
        sid: (float(s.iou_sum[c]), int(s.tp[c]), int(s.fp[c]), int(s.fn[c]))
        for c, sid in enumerate(spec.eval_sids)
        if s.tp[c] + s.fp[c] + s.fn[c] > 0
    }


def part_pq(gt, pred, spec: EvalSpec = CPP) -> float | None:
    return summarize(image_stats(np.asarray(gt, np.int32), pred, spec=spec), spec=spec).all.part_pq


# ----------------------------------------------------------------------------- hand-made cases


def test_perfect_prediction_scores_one():
    gt = [[7, 7, 7, 7],
          [7, 33000, 33000, 7],
          [0, 33001, 33001, 0]]
    pred = pps([[7, 7, 7, 7], [7, 33, 33, 7], [255, 33, 33, 255]],
               [[0, 0, 0, 0], [0, 1, 1, 0], [0, 2, 2, 0]],
               [[1] * 4] * 3)
    assert stats_of(gt, pred) == {ROAD: (1.0, 1, 0, 0), BICYCLE: (2.0, 2, 0, 0)}
    assert part_pq(gt, pred) == 1.0


def test_missed_instance_is_a_false_negative():
    # bicycle 33001 is predicted as road: road G = 8 px, P = 10 px -> IoU 8/10; bicycle tp 1, fn 1
    gt = [[7, 7, 7, 7],
          [7, 33000, 33000, 7],
          [7, 33001, 33001, 7]]
    pred = pps([[7, 7, 7, 7], [7, 33, 33, 7], [7, 7, 7, 7]], [[0] * 4, [0, 1, 1, 0], [0] * 4], [[1] * 4] * 3)
    assert stats_of(gt, pred) == {ROAD: (0.8, 1, 0, 0), BICYCLE: (1.0, 1, 0, 1)}
    result = summarize(image_stats(np.array(gt, np.int32), pred, spec=CPP), spec=CPP)
    bicycle = next(r for r in result.categories if r.sid == BICYCLE)
    assert (bicycle.part_pq, bicycle.part_sq, bicycle.part_rq) == (1 / 1.5, 1.0, 1 / 1.5)


def test_spurious_segment_over_void_is_not_a_false_positive():
    # the bicycle prediction covers only void pixels (sid 0): overlap with void 4/4 > 0.5
    gt = [[7, 7, 7, 7], [7, 7, 7, 7], [0, 0, 0, 0]]
    pred = pps([[7] * 4, [7] * 4, [33] * 4], [[0] * 4, [0] * 4, [1] * 4], [[1] * 4] * 3)
    assert stats_of(gt, pred) == {ROAD: (1.0, 1, 0, 0)}


def test_spurious_segment_over_normal_pixels_is_a_false_positive():
    # bicycle over 4 road pixels: FP. Road: G 8, P 4, IoU 4/8 = 0.5 is not > 0.5: FN and FP
    gt = [[7, 7, 7, 7], [7, 7, 7, 7], [0, 0, 0, 0]]
    pred = pps([[33] * 4, [7] * 4, [255] * 4], [[1] * 4, [0] * 4, [0] * 4], [[1] * 4] * 3)
    assert stats_of(gt, pred) == {ROAD: (0.0, 0, 1, 1), BICYCLE: (0.0, 0, 1, 0)}


def test_spurious_segment_half_over_void_is_still_a_false_positive():
    # 2 of 4 pixels void: 2/4 = 0.5 <= 0.5 -> FP
    gt = [[7, 7, 0, 0], [11, 11, 11, 11]]
    pred = pps([[33, 33, 33, 33], [11] * 4], [[1] * 4, [0] * 4], [[1] * 4] * 2)
    assert stats_of(gt, pred)[BICYCLE] == (0.0, 0, 1, 0)
    assert stats_of(gt, pred)[ROAD] == (0.0, 0, 0, 1)


@pytest.mark.parametrize(
    ("pred_row", "expected"),
    [
        # G = the 4 bicycle pixels; other pixels are road (normal) or void (sid 0)
        ([33, 33, 33, 7, 33, 7, 7], (0.6, 1, 0, 0)),  # 3 of G + 1 road px: 3/5 = 0.6 > 0.5
        ([33, 33, 7, 7, 33, 7, 7], (0.0, 0, 1, 1)),  # 2 of G + 1 road px: 2/5 = 0.4
        ([33, 33, 7, 7, 7, 7, 7], (0.0, 0, 1, 1)),  # 2 of G exactly: 2/4 = 0.5 is not > 0.5
        ([33, 33, 33, 7, 7, 33, 33], (0.75, 1, 0, 0)),  # 3 of G + 2 void: 3/(4+5-3-2) = 0.75
    ],
)
def test_iou_threshold_and_void_in_the_union(pred_row, expected):
    gt = [[33000, 33000, 33000, 33000, 7, 0, 0]]
    pred = pps([pred_row], [[1 if c == 33 else 0 for c in pred_row]], [[1] * 7])
    assert stats_of(gt, pred)[BICYCLE] == expected


def test_crowd_is_ignored_for_matching_and_false_positives():
    # bicycle crowd (uid 33, no instance id) and bicycle instance 0 (33000) form one GT segment;
    # G excludes the crowd pixels. A prediction over the crowd only is no FP (4/4 crowd).
    gt = [[33, 33, 33, 33], [33000, 33000, 7, 7]]
    pred = pps([[33] * 4, [33, 33, 7, 7]], [[2] * 4, [1, 1, 0, 0]], [[1] * 4] * 2)
    assert stats_of(gt, pred) == {ROAD: (1.0, 1, 0, 0), BICYCLE: (1.0, 1, 0, 0)}
    # one predicted segment over instance and crowd: crowd pixels still count in the union,
    # IoU = |G| / |G ∪ P| = 2 / 6
    pred = pps([[33] * 4, [33, 33, 7, 7]], [[1] * 4, [1, 1, 0, 0]], [[1] * 4] * 2)
    assert stats_of(gt, pred)[BICYCLE] == (0.0, 0, 0, 1)


def test_segment_entirely_crowd_is_dropped():
    # only crowd for bicycle: its (sid 33, iid 0) segment has an empty G and is no FN
    gt = [[33, 33, 7, 7]]
    pred = pps([[255, 255, 7, 7]], [[0] * 4], [[1] * 4])
    assert stats_of(gt, pred) == {ROAD: (1.0, 1, 0, 0)}


def test_parts_class_instance_without_part_labels_becomes_crowd():
    # car 26001 has no part labels (5-digit uid): removed, its pixels crowd of car; the car
    # prediction over it is neither TP nor FP, and there is no FN
    gt = [[26001, 26001, 7, 7]]
    pred = pps([[26, 26, 7, 7]], [[1, 1, 0, 0]], [[1, 2, 1, 1]])
    assert stats_of(gt, pred) == {ROAD: (1.0, 1, 0, 0)}


def test_part_void_in_predictions_is_left_out_of_the_mean():
    # person G = 4 px (parts 1 1 2 2), predicted with parts 1 255 2 2. Region = the whole image:
    # true  0 0 1 1   2 2      IoU(0) = 2/2, IoU(1) = 1/(2+1-1), IoU(2) = 2/2; 255 is dropped
    # pred  0 0 1 255 2 2      mean = (1 + 0.5 + 1) / 3
    gt = [[7, 7, 2400101, 2400101, 2400102, 2400102]]
    pred = pps([[7, 7, 24, 24, 24, 24]], [[0, 0, 1, 1, 1, 1]], [[1, 1, 1, 255, 2, 2]])
    assert stats_of(gt, pred)[PERSON] == pytest.approx((2.5 / 3, 1, 0, 0), abs=0, rel=1e-15)
    assert stats_of(gt, pred)[PERSON][0] == np.mean([1.0, 0.5, 1.0])


def test_part_iou_counts_label_zero_outside_the_segments():
    # P extends over a road pixel with part 1: true 0 vs pred 1 there.
    # true 0 0 1 1 2 2 ; pred 0 1 1 1 2 2 -> IoU(0) = 1/2, IoU(1) = 2/3, IoU(2) = 1
    gt = [[7, 7, 2400101, 2400101, 2400102, 2400102]]
    pred = pps([[7, 24, 24, 24, 24, 24]], [[0, 1, 1, 1, 1, 1]], [[1, 1, 1, 1, 2, 2]])
    assert stats_of(gt, pred)[PERSON][:2] == (np.mean([0.5, 2 / 3, 1.0]), 1)


def test_gt_part_void_pixels_are_not_evaluated():
    # pixel 3 is person instance 1 with pid 0 (part-void): it is in G for matching but left out
    # of the part IoU, so its prediction (part 2) does not matter
    gt = [[7, 7, 2400101, 2400100, 2400102, 2400102]]
    pred = pps([[7, 7, 24, 24, 24, 24]], [[0, 0, 1, 1, 1, 1]], [[1, 1, 1, 2, 2, 2]])
    assert stats_of(gt, pred)[PERSON] == (1.0, 1, 0, 0)


def test_void_and_crowd_pixels_are_not_evaluated_for_parts():
    # void (sid 0) and person crowd (uid 24) pixels predicted as person part 1 change nothing
    gt = [[0, 24, 2400101, 2400102]]
    pred = pps([[24, 24, 24, 24]], [[1, 1, 1, 1]], [[1, 1, 1, 2]])
    # matching: G = 2, P = 4, P ∩ void = 1 -> IoU 2 / (4 - 1) = 2/3 > 0.5
    assert stats_of(gt, pred)[PERSON] == (1.0, 1, 0, 0)


def test_ignore_label_other_than_255_is_part_void(tmp_path):
    # with ignore_label 0, the reference turns every 0 of the predicted part map into void,
    # including the pixels outside P: label 0 of the GT then has IoU 0.
    # true 0 0 1 1 2 2 ; pred 255 255 1 255 2 2 -> IoU(0) = 0, IoU(1) = 1/2, IoU(2) = 1
    spec = _custom_spec(tmp_path, ignore_label=0)
    gt = [[7, 7, 2400101, 2400101, 2400102, 2400102]]
    pred = pps([[7, 7, 24, 24, 24, 24]], [[0, 0, 1, 1, 1, 1]], [[1, 1, 1, 0, 2, 2]])
    assert stats_of(gt, pred, spec)[PERSON][:2] == (0.5, 1)


def _custom_spec(tmp_path: Path, *, ignore_label: int) -> EvalSpec:
    text = CPP.path.read_text().replace("ignore_label: 255", f"ignore_label: {ignore_label}")
    text = text.replace("dataset_spec_path: ", "dataset_spec_path: " + str(CPP.dataset.path) + " #", 1)
    path = tmp_path / "custom_evalspec.yaml"
    path.write_text(text)
    return load_eval_spec(path)


def test_spec_that_could_leave_a_true_positive_without_evaluated_pixels_is_rejected(tmp_path):
    # Mapping person part 3 to no part (value 24) and person crowd to part 1 could leave a person
    # true positive with nothing to evaluate parts on (the reference's 'empty CM'); the reference
    # rejects such a spec up front (every evaluated value must be a sid_pid), and so does pps.
    text = CPP.path.read_text().replace("24: IGNORED", "24: 24_01").replace("24_03: 24_03", "24_03: 24")
    text = text.replace("dataset_spec_path: ", "dataset_spec_path: " + str(CPP.dataset.path) + " #", 1)
    (tmp_path / "odd_evalspec.yaml").write_text(text)
    with pytest.raises(PpsError, match=r"values \[24\] are not sid_pids"):
        load_eval_spec(tmp_path / "odd_evalspec.yaml")


def test_ppp_part_void_pixels_inside_instances_are_no_part():
    # PPP aeroplane (sid 1) instance 1, file pid 00 on the third pixel: the reference crashes;
    # it is "no part", left out of the part IoU like a CPP part-void pixel
    ppp = spec_named("ppp-default")
    gt = [[100101, 100101, 100100, 21]]
    pred = pps([[1, 1, 1, 21]], [[0, 0, 0, 0]], [[1, 1, 5, 1]])
    assert stats_of(gt, pred, ppp) == {1: (1.0, 1, 0, 0), 21: (1.0, 1, 0, 0)}


def test_ppp_sid_only_keys_give_crowd_a_part():
    # PPP bicycle (sid 2) crowd pixels map through `2: 2_02` to part 2, so its (2, iid 0)
    # segment is kept; it lies entirely in crowd and is dropped: no FN, and the prediction over
    # the crowd is no FP
    ppp = spec_named("ppp-default")
    gt = [[2, 2, 21, 21]]
    pred = pps([[2, 2, 21, 21]], [[0, 0, 0, 0]], [[2, 2, 1, 1]])
    assert stats_of(gt, pred, ppp) == {21: (1.0, 1, 0, 0)}


def test_ppp_grouped_file_pids_fold_to_one_part():
    # aeroplane engines carry file pids 6 and 7 (both `engine`, eval pid 5 after the EvalSpec)
    ppp = spec_named("ppp-default")
    gt = [[100106, 100107, 21, 21]]
    engine = int(ppp.sid_pid_to_eval[ppp.dataset.pid_fold[106]]) % 100
    pred = pps([[1, 1, 21, 21]], [[0, 0, 0, 0]], [[engine, engine, 1, 1]])
    assert stats_of(gt, pred, ppp)[1] == (1.0, 1, 0, 0)


def test_invalid_uids_are_reported_with_their_values():
    with pytest.raises(GroundTruthError, match=r"invalid uids 123, 10000000 \(3-digit"):
        image_stats(np.array([[7, 123, 10_000_000, 7]], np.int32), pps([[7] * 4], [[0] * 4], [[1] * 4]), spec=CPP)


def test_sid_pids_absent_from_the_ppp_folding_table_are_reported():
    ppp = spec_named("ppp-default")
    with pytest.raises(GroundTruthError, match=r"sid_pids 199 are not in the DatasetSpec ppp_datasetspec.yaml"):
        image_stats(np.array([[100199, 21]], np.int32), pps([[1, 21]], [[0, 0]], [[1, 1]]), spec=ppp)


def test_cpp_out_of_range_pids_are_kept_as_their_own_label():
    # person pid 5 does not exist in CPP: kept (no folding table), scores IoU 0 as label 5.
    # true 1 5 ; pred 1 1 -> IoU(1) = 1/2, IoU(5) = 0
    gt = [[2400101, 2400105]]
    pred = pps([[24, 24]], [[1, 1]], [[1, 1]])
    assert stats_of(gt, pred)[PERSON] == (0.25, 1, 0, 0)


def test_classes_outside_the_spec_are_ignored():
    gt = [[7, 7]]
    pred = pps([[7, 99]], [[0, 0]], [[1, 1]])
    assert stats_of(gt, pred) == {ROAD: (0.0, 0, 1, 1)}  # road P = 1 px: IoU 1/2


def test_empty_image():
    stats = image_stats(np.zeros((0, 0), np.int32), np.zeros((0, 0, 3), np.uint8), spec=CPP)
    assert stats == PartPQStats.zeros(len(CPP.eval_sids))


def test_sizes_must_agree():
    with pytest.raises(ValueError, match="sizes differ"):
        image_stats(np.zeros((2, 3), np.int32), np.zeros((3, 2, 3), np.uint8), spec=CPP)


# ----------------------------------------------------------------------------- building blocks


def test_pack_predictions_and_runs():
    pred = pps([[7, 7, 26]], [[0, 0, 3]], [[1, 1, 255]])
    assert (pack_predictions(pred) & 0xFFFFFF).tolist() == [7 | 1 << 16, 7 | 1 << 16, 26 | 3 << 8 | 255 << 16]
    runs = pixel_runs(np.array([[7, 7, 7]], np.int32), pred)
    assert runs.uid.tolist() == [7, 7] and runs.length.tolist() == [2, 1]
    assert runs.pred.tolist() == [7 | 1 << 16, 26 | 3 << 8 | 255 << 16]


def test_mean_part_iou_drops_void_only_when_predicted():
    # true 1 1 2 ; pred 1 2 2 -> IoU(1) = 1/2, IoU(2) = 1/2
    assert mean_part_iou(np.array([1, 1, 2]), np.array([1, 2, 2]), np.array([1, 1, 1])) == 0.5
    # true 1 1 ; pred 1 255 -> IoU(1) = 1/2, 255 dropped
    assert mean_part_iou(np.array([1, 1]), np.array([1, 255]), np.array([1, 1])) == 0.5


def test_stats_add_up():
    a = PartPQStats(np.array([0.5, 0.0]), np.array([1, 0]), np.array([0, 2]), np.array([1, 0]))
    b = PartPQStats(np.array([0.25, 1.0]), np.array([1, 1]), np.array([0, 0]), np.array([0, 3]))
    total = a + b
    assert total.iou_sum.tolist() == [0.75, 1.0] and total.fp.tolist() == [0, 2] and total.fn.tolist() == [1, 3]
    assert PartPQStats.zeros(2) + a == a
    with pytest.raises(ValueError, match="cannot add stats of 2 and 3 categories"):
        a + PartPQStats.zeros(3)


def test_summarize_guards_every_division():
    n = len(CPP.eval_sids)
    stats = PartPQStats.zeros(n)
    result = summarize(stats, spec=CPP)
    assert result.all.n == 0 and result.all.part_pq is None and result.parts.part_sq is None
    # road: 1 FP only -> counted with PQ 0 and SQ 0; person: tp 2, iou 1.5, fn 2
    road, person = CPP.eval_sids.index(ROAD), CPP.eval_sids.index(PERSON)
    stats.fp[road] = 1
    stats.tp[person], stats.iou_sum[person], stats.fn[person] = 2, 1.5, 2
    result = summarize(stats, spec=CPP)
    r = {c.sid: c for c in result.categories}
    assert (r[ROAD].part_pq, r[ROAD].part_sq, r[ROAD].part_rq, r[ROAD].counted) == (0.0, 0.0, 0.0, True)
    assert (r[PERSON].part_pq, r[PERSON].part_sq, r[PERSON].part_rq) == (1.5 / 3, 0.75, 2 / 3)
    assert not r[CAR].counted
    assert (result.all.n, result.parts.n, result.no_parts.n) == (2, 1, 1)
    assert result.all.part_pq == (0.0 + 0.5) / 2 and result.parts.part_sq == 0.75 and result.no_parts.part_pq == 0.0


# ----------------------------------------------------------------------------- properties


def random_case(seed: int, spec: EvalSpec, *, max_side: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """A small random GT (stuff bands, void, instances with and without parts, crowd) and a
    prediction derived from it with shifts and per-channel noise."""
    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(2, max_side + 1, 2))
    ppp = spec.dataset.pid_fold is not None
    stuff, void, things = ([21, 23, 25], [0, 22], [1, 2, 4, 7, 15]) if ppp else ([7, 11, 23], [0, 1], [24, 26, 33, 25])
    gt = np.full((h, w), rng.choice(stuff), np.int32)
    gt[: rng.integers(0, h)] = rng.choice(stuff + void)
    for _ in range(int(rng.integers(0, 5))):
        sid = int(rng.choice(things))
        r0, c0 = int(rng.integers(0, h)), int(rng.integers(0, w))
        box = gt[r0 : r0 + int(rng.integers(1, h + 1)), c0 : c0 + int(rng.integers(1, w + 1))]
        iid, kind = int(rng.integers(0, 4)), rng.random()
        if kind < 0.15:
            box[...] = sid
        elif kind < 0.35:
            box[...] = sid * 1000 + iid
        else:
            n_parts = len(spec.dataset.part_names[sid])
            if ppp:
                pids = [p for p in range(1, 100) if spec.dataset.pid_fold[sid * 100 + p] >= 0] or [0]
            else:
                pids = list(range(0, n_parts + 2))
            box[...] = sid * 100_000 + iid * 100 + rng.choice(pids, size=box.shape)
    d = decode_uids(gt)
    sid_pid = spec.dataset.pid_fold[d.sid_pid] if ppp else d.sid_pid
    eval_sid_pid = spec.sid_pid_to_eval[sid_pid]
    pred = np.stack(
        [
            np.where(spec.category_index[d.sid] >= 0, d.sid, 255),
            d.iid % 256,
            np.where(eval_sid_pid >= 100, eval_sid_pid % 100, 0),
        ],
        axis=-1,
    ).astype(np.uint8)
    if rng.random() < 0.5:
        pred = np.roll(pred, int(rng.integers(-2, 3)), axis=int(rng.integers(0, 2)))
    for channel, values in ((0, things + stuff + [255, 99]), (1, [0, 1, 2, 3]), (2, [0, 1, 2, 3, 255])):
        noisy = rng.random((h, w)) < rng.choice([0.0, 0.1, 0.4])
        pred[..., channel][noisy] = rng.choice(values, size=int(noisy.sum()))
    return gt, pred


SPEC_NAMES = st.sampled_from(["cpp-default", "cpp-grouped", "ppp-default"])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spec_name=SPEC_NAMES, perm_seed=st.integers(0, 2**32 - 1))
def test_stats_do_not_depend_on_pixel_positions(seed, spec_name, perm_seed):
    # every count is a histogram: permuting the pixels of GT and prediction alike changes nothing
    spec = spec_named(spec_name)
    gt, pred = random_case(seed, spec)
    order = np.random.default_rng(perm_seed).permutation(gt.size)
    h, w = gt.shape
    shuffled_gt = gt.reshape(-1)[order].reshape(w, h)
    shuffled_pred = pred.reshape(-1, 3)[order].reshape(w, h, 3)
    assert image_stats(gt, pred, spec=spec) == image_stats(shuffled_gt, shuffled_pred, spec=spec)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spec_name=SPEC_NAMES, shift=st.integers(1, 255))
def test_stats_do_not_depend_on_predicted_instance_ids(seed, spec_name, shift):
    spec = spec_named(spec_name)
    gt, pred = random_case(seed, spec)
    relabelled = pred.copy()
    relabelled[..., 1] = (pred[..., 1].astype(int) * 37 + shift) % 256  # a bijection of 0..255
    assert image_stats(gt, pred, spec=spec) == image_stats(gt, relabelled, spec=spec)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spec_name=SPEC_NAMES, void_cols=st.integers(1, 3))
def test_void_pixels_predicted_as_void_change_nothing(seed, spec_name, void_cols):
    spec = spec_named(spec_name)
    gt, pred = random_case(seed, spec)
    h = gt.shape[0]
    wider_gt = np.concatenate([gt, np.zeros((h, void_cols), np.int32)], axis=1)  # sid 0: void
    wider_pred = np.concatenate([pred, np.full((h, void_cols, 3), 255, np.uint8)], axis=1)
    assert image_stats(gt, pred, spec=spec) == image_stats(wider_gt, wider_pred, spec=spec)


def prediction_from_gt(gt: np.ndarray, spec: EvalSpec) -> np.ndarray:
    """The prediction that reproduces the GT: class = sid, instance = iid, part = eval pid;
    void and crowd pixels predicted as void (crowd pixels would otherwise join the iid-0 segment)."""
    d = decode_uids(gt)
    sid_pid = spec.dataset.pid_fold[d.sid_pid] if spec.dataset.pid_fold is not None else d.sid_pid
    eval_sid_pid = spec.sid_pid_to_eval[sid_pid]
    crowd = (gt <= 99) & spec.is_thing[d.sid]
    cls = np.where((spec.category_index[d.sid] >= 0) & ~crowd, d.sid, 255)
    return np.stack([cls, d.iid, np.where(eval_sid_pid >= 100, eval_sid_pid % 100, 0)], axis=-1).astype(np.uint8)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spec_name=SPEC_NAMES)
def test_prediction_equal_to_gt_scores_one_wherever_defined(seed, spec_name):
    spec = spec_named(spec_name)
    gt, _ = random_case(seed, spec)
    result = summarize(image_stats(gt, prediction_from_gt(gt, spec), spec=spec), spec=spec)
    for r in result.categories:
        if r.counted:
            assert (r.part_pq, r.part_sq, r.part_rq, r.fp, r.fn) == (1.0, 1.0, 1.0, 0, 0), r
    assert result.all.part_pq in (None, 1.0)


@settings(max_examples=25, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=8),
    workers=st.integers(1, 4),
    completion=st.randoms(use_true_random=False),
)
def test_worker_split_and_completion_order_do_not_change_the_total(seeds, workers, completion):
    # The driver gets per-image stats from workers in any completion order, puts them back in
    # image order and adds them up in that order: the total is then bitwise the sequential one.
    n = len(CPP.eval_sids)
    sequential = PartPQStats.zeros(n)
    for seed in seeds:
        sequential = sequential + image_stats(*random_case(seed, CPP), spec=CPP)
    chunks = [list(range(len(seeds)))[w::workers] for w in range(workers)]  # images per worker
    completion.shuffle(chunks)
    by_image: dict[int, PartPQStats] = {}
    for chunk in chunks:
        for i in chunk:
            by_image[i] = image_stats(*random_case(seeds[i], CPP), spec=CPP)
    total = PartPQStats.zeros(n)
    for i in range(len(seeds)):
        total = total + by_image[i]
    assert total == sequential
    # the reference adds per-worker partial sums instead: equal up to the last bits
    partial = [PartPQStats.zeros(n) for _ in range(workers)]
    for w, chunk in enumerate(np.array_split(np.arange(len(seeds)), workers)):
        for i in chunk:
            partial[w] = partial[w] + by_image[int(i)]
    reference_like = PartPQStats.zeros(n)
    for p in partial:
        reference_like = reference_like + p
    assert np.array_equal(reference_like.tp, total.tp) and np.array_equal(reference_like.fn, total.fn)
    np.testing.assert_allclose(reference_like.iou_sum, total.iou_sum, rtol=0, atol=1e-12)
