"""The in-memory Evaluator: the numbers of the file-based commands, state, combining, inputs, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import pps_cli
from pps_cli._compat import check_environment
from pps_cli.api import Evaluator
from pps_cli.cli import app
from pps_cli.io import read_json
from pps_cli.specs import load_eval_spec

from .api_demo import as_json, image_pairs, make_demos, panoptic_inputs, without_file_names

runner = CliRunner()

# A 1x4 image: road (7) on two pixels, then a car (26, a parts class of cpp-default) with parts 1 and 2.
GT = np.array([[7, 7, 2600001, 2600002]], np.int32)
PERFECT = np.array([[[7, 0, 1], [7, 0, 1], [26, 1, 1], [26, 1, 2]]], np.uint8)


@pytest.fixture(scope="session")
def demos(tmp_path_factory):
    return make_demos(tmp_path_factory)


# ----------------------------------------------------------------------------- the numbers of pps evaluate


@pytest.mark.parametrize("spec", ["cpp-default", "ppp-default"])
def test_update_gives_the_results_of_pps_evaluate_bit_for_bit(demos, tmp_path, spec):
    root = demos[spec]
    out = tmp_path / "results.json"
    result = runner.invoke(app, ["evaluate", "-s", spec, "--gt", str(root / "gt"), "--pred", str(root / "predictions" / "pps"),
                                 "--images", str(root / "images.json"), "-o", str(out), "--workers", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    evaluator = Evaluator(spec)
    for gt, pred in image_pairs(root, root / "predictions" / "pps"):
        evaluator.update(gt, pred)
    assert as_json(evaluator.compute()) == without_file_names(read_json(out))
    assert evaluator.num_images == 3


@pytest.mark.parametrize("spec", ["cpp-default", "ppp-default"])
def test_update_panoptic_gives_the_results_of_pps_pps_then_evaluate(demos, spec):
    root = demos[spec]
    evaluator = Evaluator(spec)
    for gt, segment_ids, segments_info, part_ids in panoptic_inputs(root, spec):
        evaluator.update_panoptic(gt, segment_ids, segments_info, part_ids)
    assert as_json(evaluator.compute()) == without_file_names(read_json(root / "out" / "results.json"))


def test_panoptic_to_pps_is_the_png_pps_pps_writes(demos):
    root = demos["cpp-default"]
    evaluator = Evaluator("cpp-default")
    pps_files = [pred for _, pred in image_pairs(root, root / "out" / "pps")]
    for (_, segment_ids, segments_info, part_ids), written in zip(panoptic_inputs(root, "cpp-default"), pps_files, strict=True):
        np.testing.assert_array_equal(evaluator.panoptic_to_pps(segment_ids, segments_info, part_ids), written)


def test_contiguous_ids_and_random_segment_ids_give_the_same_numbers(demos):
    root = demos["cpp-default"]
    spec = load_eval_spec("cpp-default")
    contiguous = {sid: index for index, sid in enumerate(spec.eval_sids)}  # eval sid -> training id
    rng = np.random.default_rng(0)
    by_eval, by_contiguous, by_mapping = Evaluator(spec), Evaluator(spec), Evaluator(spec)
    mapping = {100 + index: sid for index, sid in enumerate(spec.eval_sids)}  # a network's own table
    for gt, segment_ids, segments_info, part_ids in panoptic_inputs(root, "cpp-default"):
        by_eval.update_panoptic(gt, segment_ids, segments_info, part_ids)
        # detectron2 numbers segments as it likes: relabel them 1..N -> random distinct ids
        new_ids = rng.choice(np.arange(1, 1 << 20), size=segment_ids.max() + 1, replace=False)
        new_ids[0] = 0
        relabelled = new_ids[segment_ids]
        info = [{"id": int(new_ids[s["id"]]), "category_id": contiguous[s["category_id"]]} for s in segments_info]
        by_contiguous.update_panoptic(gt, relabelled, info, part_ids, category_ids="contiguous")
        info = [{"id": s["id"], "category_id": s["category_id"] + 100} for s in info]
        by_mapping.update_panoptic(gt, relabelled, info, part_ids, category_ids=mapping)
    assert by_contiguous.compute() == by_eval.compute()
    assert by_mapping.compute() == by_eval.compute()


def test_contiguous_id_is_the_index_of_the_sorted_eval_sids():
    # cpp-default evaluates sids 7, 8, 11, ...; training id 0 is road (7), so a segment of id 0 is road
    spec = load_eval_spec("cpp-default")
    assert spec.eval_sids[:3] == (7, 8, 11)
    evaluator = Evaluator(spec)
    pps = evaluator.panoptic_to_pps(np.array([[1, 1, 2, 0]]), [{"id": 1, "category_id": 0}, {"id": 2, "category_id": 2}],
                                    np.zeros((1, 4), np.uint8), category_ids="contiguous")  # fmt: skip
    assert pps[0, :, 0].tolist() == [7, 7, 11, 255]


# ----------------------------------------------------------------------------- state, combining, reset


def test_state_round_trips_through_json_and_accumulation_continues(demos):
    pairs = image_pairs(demos["cpp-default"], demos["cpp-default"] / "predictions" / "pps")
    uninterrupted = Evaluator("cpp-default")
    for gt, pred in pairs:
        uninterrupted.update(gt, pred)
    first = Evaluator("cpp-default")
    first.update(*pairs[0])
    state = json.loads(json.dumps(first.state_dict()))
    resumed = Evaluator("cpp-default")
    resumed.load_state_dict(state)
    assert resumed.compute() == first.compute()
    for gt, pred in pairs[1:]:
        resumed.update(gt, pred)
    assert resumed.compute() == uninterrupted.compute()  # bit for bit: the same additions in the same order


def test_load_state_dict_takes_the_metrics_of_the_state():
    partpq_only = Evaluator("cpp-default", metrics=["partpq"])
    partpq_only.update(GT, PERFECT)
    evaluator = Evaluator("cpp-default")
    evaluator.load_state_dict(partpq_only.state_dict())
    assert evaluator.metrics == ("partpq",)
    assert "pq" not in evaluator.compute() and evaluator.compute()["summary"]["all"]["PartPQ"] == 1.0


def test_sum_of_evaluators_is_the_evaluator_of_all_images(demos):
    pairs = image_pairs(demos["cpp-default"], demos["cpp-default"] / "predictions" / "pps")
    whole, first, rest = Evaluator("cpp-default"), Evaluator("cpp-default"), Evaluator("cpp-default")
    for n, (gt, pred) in enumerate(pairs):
        whole.update(gt, pred)
        (first if n == 0 else rest).update(gt, pred)
    both = first + rest
    assert both.num_images == 3
    # first + (second + third) adds the iou sums in another order than whole: equal to rounding
    expected, got = whole.compute(), both.compute()
    assert got["summary"]["all"]["PartPQ"] == pytest.approx(expected["summary"]["all"]["PartPQ"], abs=1e-12)
    assert {k: v["tp"] for k, v in got["categories"].items()} == {k: v["tp"] for k, v in expected["categories"].items()}
    # first + rest when rest holds one image, and sum() from 0, add in the order of whole: identical
    single = Evaluator("cpp-default")
    single.update(*pairs[1])
    assert (first + single).state_dict() == sum([first, single]).state_dict()
    assert first.num_images == 1 and single.num_images == 1  # operands unchanged


def test_reset_forgets_every_image():
    evaluator = Evaluator("cpp-default")
    evaluator.update(GT, PERFECT)
    evaluator.reset()
    assert evaluator.num_images == 0
    assert evaluator.compute() == Evaluator("cpp-default").compute()
    assert evaluator.compute()["summary"]["all"] == {"PartPQ": None, "PartSQ": None, "PartRQ": None, "n": 0}


def test_metrics_subset_computes_only_those():
    evaluator = Evaluator("cpp-default", metrics="pq")
    evaluator.update(GT, PERFECT)
    document = evaluator.compute()
    assert document["pq"]["All"]["pq"] == 1.0
    assert "summary" not in document and "miou" not in document and "reference" not in document


def test_spec_may_be_a_name_a_yaml_path_or_an_evalspec():
    spec = load_eval_spec("cpp-default")
    by_path = Evaluator(spec.path)
    by_path.update(GT, PERFECT)
    by_spec = Evaluator(spec)
    by_spec.update(GT, PERFECT)
    assert by_path.compute()["categories"] == by_spec.compute()["categories"]


# ----------------------------------------------------------------------------- inputs


def test_torch_tensors_and_wider_integer_arrays_give_the_same_numbers():
    expected = Evaluator("cpp-default")
    expected.update(GT, PERFECT)
    for gt, pred in [
        (torch.from_numpy(GT), torch.from_numpy(PERFECT)),
        (torch.from_numpy(GT).long(), torch.from_numpy(PERFECT).long()),  # argmax outputs are int64
        (GT.astype(np.uint64), PERFECT.astype(np.int16)),
        (GT.tolist(), PERFECT.tolist()),
    ]:
        evaluator = Evaluator("cpp-default")
        evaluator.update(gt, pred)
        assert evaluator.compute() == expected.compute()


def test_torch_panoptic_inputs_like_detectron2_outputs():
    # detectron2: panoptic_seg is an int32 tensor, segments_info ids are ints; part logits -> argmax (int64)
    expected = Evaluator("cpp-default")
    expected.update(GT, PERFECT)
    evaluator = Evaluator("cpp-default")
    panoptic_seg = torch.tensor([[1, 1, 2, 2]], dtype=torch.int32)
    part_logits = torch.zeros(24, 1, 4)
    part_logits[9, 0, 2] = part_logits[10, 0, 3] = 1.0  # car parts 1 and 2 have flat ids 9 and 10 in cpp-default
    segments_info = [{"id": 1, "category_id": 0, "isthing": False}, {"id": 2, "category_id": 13, "isthing": True}]
    evaluator.update_panoptic(torch.from_numpy(GT), panoptic_seg, segments_info, part_logits.argmax(0),
                              category_ids="contiguous")  # fmt: skip
    assert evaluator.compute() == expected.compute()


def test_import_pps_cli_does_not_import_torch():
    code = "import sys, pps_cli; pps_cli.Evaluator; pps_cli.merge_pps; pps_cli.merge_panoptic; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_top_level_names():
    from pps_cli.merge.panoptic import merge_panoptic
    from pps_cli.merge.pps import merge_pps

    assert pps_cli.Evaluator is Evaluator and pps_cli.merge_pps is merge_pps and pps_cli.merge_panoptic is merge_panoptic
    assert {"Evaluator", "merge_pps", "merge_panoptic"} <= set(dir(pps_cli))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        pps_cli.nope  # noqa: B018


def test_too_old_python_or_numpy_is_a_clear_import_error():
    check_environment()  # this one is fine
    with pytest.raises(ImportError, match=re.escape("pps needs Python 3.10 or newer, this is 3.9.18")):
        check_environment(python=(3, 9, 18))
    with pytest.raises(
        ImportError, match=r"^pps needs NumPy 1\.24 or newer, found 1\.23\.5 \(.*\); upgrade it: pip install 'numpy>=1\.24'$"
    ):
        check_environment(numpy_version="1.23.5")
    check_environment(numpy_version="1.24.0")
    check_environment(numpy_version="2.1.0rc1")


# ----------------------------------------------------------------------------- errors

# fmt: off
PART = np.zeros((1, 4), np.uint8)
SEGMENTS = np.array([[1, 1, 2, 2]], np.int32)
INFO = [{"id": 1, "category_id": 7}, {"id": 2, "category_id": 26}]

UPDATE_ERRORS = [
    (np.zeros((1, 4), np.float32), PERFECT, "Expected argument `gt_uids` to be (H, W) integer uids, but got shape (1, 4) float32"),
    (GT[0], PERFECT, "Expected argument `gt_uids` to be (H, W) integer uids, but got shape (4,) int32"),
    (GT.astype(bool), PERFECT, "Expected argument `gt_uids` to be (H, W) integer uids, but got shape (1, 4) bool"),
    (GT.astype(np.int64) + 2**40, PERFECT, "Expected argument `gt_uids` to hold uids in 0..9999999, but got values from 1099511627783 to 1099514227778"),
    (GT, PERFECT[:, :3], "Expected argument `pps_prediction` to be an integer array of shape (1, 4, 3) ([class, instance, part] per pixel, the size of `gt_uids`), but got shape (1, 3, 3) uint8"),
    (GT, PERFECT.astype(np.float64), "Expected argument `pps_prediction` to be an integer array of shape (1, 4, 3) ([class, instance, part] per pixel, the size of `gt_uids`), but got shape (1, 4, 3) float64"),
    (GT, PERFECT.transpose(2, 0, 1), "Expected argument `pps_prediction` to be an integer array of shape (1, 4, 3) ([class, instance, part] per pixel, the size of `gt_uids`), but got shape (3, 1, 4) uint8 (channels first: move the channel axis last, e.g. `pred.permute(1, 2, 0)`)"),
    (GT, PERFECT.astype(np.int64) * 10, "Expected argument `pps_prediction` to hold values in 0..255, but got values from 0 to 260"),
    (GT, PERFECT.astype(np.int64) - 1, "Expected argument `pps_prediction` to hold values in 0..255, but got values from -1 to 25"),
    (np.array([[7, 7, 2600001, 500]], np.int32), PERFECT, "invalid uids 500 (3-digit, negative and > 9999999 values are not uids)"),
    (object(), PERFECT, "Expected argument `gt_uids` to be (H, W) integer uids, but got shape () object"),
    (torch.zeros(1, 4, dtype=torch.bfloat16), PERFECT, "Expected argument `gt_uids` to be an integer array or tensor, but got a tensor of torch.bfloat16"),
    (torch.zeros(1, 4), PERFECT, "Expected argument `gt_uids` to be (H, W) integer uids, but got shape (1, 4) float32"),
]
# fmt: on


@pytest.mark.parametrize(("gt", "pred", "message"), UPDATE_ERRORS)
def test_update_errors(gt, pred, message):
    evaluator = Evaluator("cpp-default")
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        evaluator.update(gt, pred)
    assert evaluator.num_images == 0


# fmt: off
PANOPTIC_ERRORS = [
    ({"panoptic_ids": SEGMENTS[0]}, "Expected argument `panoptic_ids` to be integer segment ids of shape (1, 4) (the size of `gt_uids`), but got shape (4,) int32"),
    ({"panoptic_ids": SEGMENTS.astype(np.float32)}, "Expected argument `panoptic_ids` to be integer segment ids of shape (1, 4) (the size of `gt_uids`), but got shape (1, 4) float32"),
    ({"panoptic_ids": SEGMENTS - 2}, "Expected argument `panoptic_ids` to hold segment ids in 0..16777215, but got values from -1 to 0"),
    ({"part_ids": PART[:, :2]}, "Expected argument `part_ids` to be integer flat part ids of shape (1, 4) (the size of `gt_uids`), but got shape (1, 2) uint8"),
    ({"part_ids": PART.astype(np.int64) + 256}, "Expected argument `part_ids` to hold flat part ids in 0..255, but got values from 256 to 256"),
    ({"segments_info": {"id": 1}}, "Expected argument `segments_info` to be a list of dicts with 'id' and 'category_id', but got dict"),
    ({"segments_info": [{"id": 1}]}, "Expected every entry of `segments_info` to be a dict with integer 'id' and 'category_id', but got {'id': 1} at position 0"),
    ({"segments_info": [{"id": 1.5, "category_id": 7}]}, "Expected every entry of `segments_info` to be a dict with integer 'id' and 'category_id', but got {'id': 1.5, 'category_id': 7} at position 0"),
    ({"segments_info": [{"id": True, "category_id": 7}]}, "Expected every entry of `segments_info` to be a dict with integer 'id' and 'category_id', but got {'id': True, 'category_id': 7} at position 0"),
    ({"segments_info": INFO[:1]}, "Expected every non-zero id of `panoptic_ids` to be listed in `segments_info`, but got 1 unlisted ids (2)"),
    ({"segments_info": [{"id": 1, "category_id": 7}, {"id": 2, "category_id": 3}]}, "Expected every `segments_info` category_id to be an eval sid of cpp-default (7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33), but got 3"),
    ({"category_ids": "contiguous"}, "Expected every `segments_info` category_id to be a contiguous id of cpp-default (0..18), but got 26"),
    ({"category_ids": "train"}, "Expected argument `category_ids` to be 'eval', 'contiguous' or a mapping {network id: eval sid}, but got 'train'"),
    ({"category_ids": {0: 7, 1: 5}}, "Expected argument `category_ids` to map ids to eval sids of cpp-default, but got a mapping that maps to ids that cpp-default does not evaluate: 1: 5"),
    ({"category_ids": {7: 7}}, "Expected every `segments_info` category_id to be an id that `category_ids` maps to an eval sid of cpp-default, but got 26"),
    ({"segments_info": [{"id": i, "category_id": 26} for i in range(1, 257)], "panoptic_ids": np.ones((1, 4), np.int32)},
     "Expected at most 255 segments of one category in `segments_info` (the instance channel is uint8), but got 256 of category 26 (car)"),
]
# fmt: on


@pytest.mark.parametrize(("change", "message"), PANOPTIC_ERRORS)
def test_update_panoptic_errors(change, message):
    arguments = {"gt_uids": GT, "panoptic_ids": SEGMENTS, "segments_info": INFO, "part_ids": PART, **change}
    category_ids = arguments.pop("category_ids", "eval")
    evaluator = Evaluator("cpp-default")
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        evaluator.update_panoptic(**arguments, category_ids=category_ids)
    assert evaluator.num_images == 0


def test_constructor_errors():
    with pytest.raises(ValueError, match=re.escape("unknown metrics ['PartPQ']; choose from partpq, pq, miou")):
        Evaluator("cpp-default", metrics=["PartPQ"])
    with pytest.raises(
        ValueError,
        match=re.escape("Expected argument `spec` to be a bundled EvalSpec name, a YAML path or an EvalSpec, but got int"),
    ):
        Evaluator(3)
    with pytest.raises(pps_cli.errors.PpsError, match="EvalSpec not found: give a YAML path or one of cpp-default"):
        Evaluator("cpp-defualt")


def test_combining_and_loading_errors():
    cpp, ppp = Evaluator("cpp-default"), Evaluator("ppp-default")
    with pytest.raises(ValueError, match=re.escape("cannot combine Evaluators of EvalSpecs cpp-default and ppp-default")):
        cpp + ppp  # noqa: B018
    with pytest.raises(ValueError, match=re.escape("cannot combine Evaluators of metrics ['partpq', 'pq', 'miou'] and ['pq']")):
        cpp + Evaluator("cpp-default", metrics=["pq"])  # noqa: B018
    with pytest.raises(TypeError):
        cpp + 1  # noqa: B018
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Expected argument `state` to come from an Evaluator of EvalSpec cpp-default, but got one of 'ppp-default'"
        ),
    ):
        cpp.load_state_dict(ppp.state_dict())
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Expected argument `state` to be a state_dict() of an Evaluator (pps-evaluator-state/1), but got a mapping with format None"
        ),
    ):
        cpp.load_state_dict({"stats": {}})
    with pytest.raises(
        ValueError,
        match=re.escape("Expected argument `state` to be a state_dict() of an Evaluator (pps-evaluator-state/1), but got list"),
    ):
        cpp.load_state_dict([])
    state = cpp.state_dict()
    with pytest.raises(
        ValueError, match=re.escape("Expected `num_images` of the state to be a non-negative integer, but got -1")
    ):
        cpp.load_state_dict({**state, "num_images": -1})
    state["stats"]["class_pixels"] = [0] * 3
    with pytest.raises(ValueError, match=re.escape("class_pixels: expected shape (256,), got (3,)")):
        cpp.load_state_dict(state)
    assert cpp.num_images == 0
