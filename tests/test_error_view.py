"""Error views: TP / FP / FN / ignored at known pixels, and the same decisions as the metric."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pps_cli.error_view import (
    CODE_COLORS,
    FN,
    FP,
    FP_FN,
    IGNORED,
    PART,
    TP,
    TP_OUTSIDE,
    VOID_CODE,
    code_counts,
    colorize_errors,
    error_view,
    segment_outcomes,
)
from pps_cli.metrics.partpq import EmptyConfusionError, pixel_runs, runs_stats
from pps_cli.specs import load_eval_spec

GOLDEN = Path(__file__).parent / "golden" / "evaluate"
ROAD, SKY, CAR, BICYCLE = 7, 23, 26, 33  # cpp-default: road and sky stuff, car a parts thing, bicycle a thing without parts

R, B1, C5, B3, V, S1 = (ROAD, 1, 1), (BICYCLE, 1, 1), (CAR, 5, 1), (BICYCLE, 3, 1), (255, 0, 0), (SKY, 1, 1)


@pytest.fixture(scope="module")
def cpp():
    return load_eval_spec("cpp-default")


def test_known_tp_fp_fn_and_ignored_pixels(cpp):
    # sid 0 (UNLABELED) is not evaluated: void
    gt = np.array(
        [
            [7, 7, 7, 7, 33001, 33001, 33001, 33001],
            [7, 7, 7, 7, 33002, 33002, 0, 0],
            [23, 23, 23, 23, 7, 7, 7, 7],
        ],
        np.int32,
    )
    pred = np.array(
        [
            [R, R, R, R, B1, B1, B1, B1],
            [R, R, R, R, C5, C5, B3, B3],
            [V, V, V, V, R, R, V, S1],
        ],
        np.uint8,
    )
    # road: GT 12 px, predicted 10, all inside: IoU 10/12 > 0.5 -> TP; r2 c6 is road GT not predicted
    # bicycle 33001 = B1 (IoU 1) -> TP; bicycle 33002 (2 px) predicted as car C5 -> FN, and C5 -> FP
    # B3 lies on void only (100 % > 50 %) -> ignored, not FP; sky: 4 px GT, nothing -> FN;
    # S1 (1 px, on road) -> FP
    view = error_view(gt, pred, spec=cpp)
    assert view.codes.tolist() == [
        [TP] * 8,
        [TP] * 4 + [FP_FN, FP_FN, IGNORED, IGNORED],
        [FN] * 4 + [TP, TP, TP_OUTSIDE, FP],
    ]
    c = cpp.category_index
    assert view.stats.tp[c[ROAD]] == 1 and view.stats.tp[c[BICYCLE]] == 1
    assert view.stats.fn[c[BICYCLE]] == 1 and view.stats.fn[c[SKY]] == 1
    assert view.stats.fp[c[CAR]] == 1 and view.stats.fp[c[SKY]] == 1 and view.stats.fp[c[BICYCLE]] == 0
    # image PartPQ: road 10/12 / 1, bicycle 1 / (1 + 0.5), car 0, sky 0 -> (5/6 + 2/3) / 4
    assert view.part_pq == pytest.approx((5 / 6 + 2 / 3) / 4, abs=1e-12)
    assert code_counts(view.codes).tolist() == [0, 2, 1, 14, 0, 4, 1, 2]


def test_part_errors_inside_a_matched_segment(cpp):
    # a car with parts 1, 1, 2, 2 predicted as one instance with parts 1, 1, 1, 2: TP, one part error
    gt = np.array([[2600101, 2600101, 2600102, 2600102]], np.int32)
    pred = np.array([[[CAR, 1, 1], [CAR, 1, 1], [CAR, 1, 1], [CAR, 1, 2]]], np.uint8)
    view = error_view(gt, pred, spec=cpp)
    assert view.codes.tolist() == [[TP, TP, PART, TP]]
    # part IoUs: part 1 = 2 / (3 + 2 - 2), part 2 = 1 / (2 + 1 - 1): mean 7/12
    assert view.part_pq == pytest.approx(7 / 12, abs=1e-12)


def test_crowd_and_unevaluated_prediction_classes(cpp):
    # 26 alone is crowd of car; prediction class 1 (ego vehicle) is not evaluated: drawn as void
    gt = np.array([[26, 26, 7, 7]], np.int32)
    pred = np.array([[[CAR, 2, 1], [CAR, 2, 1], [1, 0, 0], [1, 0, 0]]], np.uint8)
    view = error_view(gt, pred, spec=cpp)
    # the car prediction covers only crowd of car -> ignored; road missed -> FN
    assert view.codes.tolist() == [[IGNORED, IGNORED, FN, FN]]
    assert error_view(np.array([[1, 1]], np.int32), np.array([[[1, 0, 0], [255, 0, 0]]], np.uint8), spec=cpp).codes.tolist() == [
        [VOID_CODE, VOID_CODE]
    ]


def test_colors_hatch_fp_fn_and_draw_boundaries():
    codes = np.array([[TP, TP, FP_FN, FP_FN], [TP, TP, FP_FN, FP_FN]], np.uint8)
    image = colorize_errors(codes)
    assert tuple(image[0, 0]) == tuple(CODE_COLORS[TP])
    # diagonal stripes of 2 pixels: (y + x) % 4 < 2 is blue
    assert {tuple(c) for c in image[:, 2:].reshape(-1, 3)} == {tuple(CODE_COLORS[FP]), tuple(CODE_COLORS[FN])}
    assert tuple(image[1, 3]) == tuple(CODE_COLORS[FN]) and tuple(image[0, 2]) == tuple(CODE_COLORS[FP])
    segment = np.array([[1, 1, 2, 2], [1, 1, 2, 2]], np.int64)
    assert tuple(colorize_errors(codes, segment)[0, 2]) == (255, 255, 255)
    assert len({tuple(c) for c in CODE_COLORS[[VOID_CODE, IGNORED, TP_OUTSIDE, TP, PART, FN, FP]]}) == 7


@pytest.mark.parametrize("spec_name", ["cpp-default", "cpp-grouped", "ppp-default", "cpp_ignore0", "cpp_sid0"])
def test_outcomes_count_exactly_what_the_metric_counts(spec_name):
    """On the adversarial golden images (crowd, removed segments, void, ignore labels...), the
    per-segment decisions add up to the metric's own TP / FP / FN for every category."""
    path = spec_name if "-" in spec_name else GOLDEN / "specs" / f"{spec_name}_evalspec.yaml"
    spec = load_eval_spec(path)
    data = np.load(GOLDEN / "images" / f"{spec_name}.npz")
    checked = 0
    for k in range(len(data.files) // 2):
        runs = pixel_runs(data[f"gt_{k}"], data[f"pred_{k}"])
        try:
            stats = runs_stats(runs, spec=spec)
        except EmptyConfusionError:
            continue
        tp, fp, fn = segment_outcomes(runs, spec=spec).counts(spec)
        assert tp.tolist() == stats.tp.tolist() and fp.tolist() == stats.fp.tolist() and fn.tolist() == stats.fn.tolist(), k
        checked += 1
    assert checked > 50


def test_outcomes_on_demo_images_match_the_metric():
    data = np.load(GOLDEN / "datasets" / "cpp_demo.npz")
    spec = load_eval_spec("cpp-default")
    for k in range(len(data["image_ids"])):
        runs = pixel_runs(data[f"gt_{k}"], data[f"pred_{k}"])
        stats = runs_stats(runs, spec=spec)
        tp, fp, fn = segment_outcomes(runs, spec=spec).counts(spec)
        assert (tp.tolist(), fp.tolist(), fn.tolist()) == (stats.tp.tolist(), stats.fp.tolist(), stats.fn.tolist())
        view = error_view(data[f"gt_{k}"], data[f"pred_{k}"], spec=spec)
        assert view.codes.shape == data[f"gt_{k}"].shape and (code_counts(view.codes)[[TP, FN, FP]] > 0).all()
