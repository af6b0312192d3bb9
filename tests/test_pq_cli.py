"""`pps pq` and the PQ of `pps evaluate` against panopticapi's pq_compute (golden data), and the CLI's errors.

Golden data: tests/golden/pq/ (README there says how it was made with panopticapi).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pps_cli.cli import app
from pps_cli.dataset import load_images
from pps_cli.evaluate import evaluate, results_document
from pps_cli.formats.labels import segment_id_to_rgb
from pps_cli.io import write_png
from pps_cli.pq_eval import pq_evaluate, pq_results_document
from pps_cli.specs import load_eval_spec

GOLDEN = Path(__file__).parent / "golden" / "pq"
SPECS = {"cpp": "cpp-default", "ppp": "ppp-default"}
runner = CliRunner()


def assert_same_pq(ours: dict, expected: dict) -> None:
    """Groups and per-class pq/sq/rq equal to 1e-12 (same keys, same n, SQ int 0 where panopticapi has it)."""
    for group in ("All", "Things", "Stuff"):
        assert ours[group]["n"] == expected[group]["n"]
        for key in ("pq", "sq", "rq"):
            assert ours[group][key] == pytest.approx(expected[group][key], abs=1e-12)
    assert list(ours["per_class"]) == list(expected["per_class"])
    for category, values in expected["per_class"].items():
        for key in ("pq", "sq", "rq"):
            assert ours["per_class"][category][key] == pytest.approx(values[key], abs=1e-12)
            assert type(ours["per_class"][category][key]) is type(values[key])


# ----------------------------------------------------------------------------- golden


@pytest.mark.parametrize("case", ["cpp", "ppp"])
def test_coco_gt_equals_pq_compute_on_demo_data(case):
    root = GOLDEN / case
    evaluation = pq_evaluate(gt_json=root / "gt_coco.json", pred_json=root / "panoptic.json")
    assert_same_pq(pq_results_document(evaluation), json.loads((root / "expected.json").read_text()))


def test_coco_gt_equals_pq_compute_on_adversarial_data():
    root = GOLDEN / "adversarial"
    evaluation = pq_evaluate(gt_json=root / "gt.json", pred_json=root / "pred.json")
    assert_same_pq(pq_results_document(evaluation), json.loads((root / "expected.json").read_text()))
    assert evaluation.result.groups["All"].sq > 1  # JSON areas below the pixel counts, as panopticapi computes
    assert any("JSON 'area' that differs" in w for w in evaluation.warnings)


@pytest.mark.parametrize("case", ["cpp", "ppp"])
def test_pps_gt_equals_pq_compute_on_the_coco_conversion(case):
    root = GOLDEN / case
    spec = load_eval_spec(SPECS[case])
    evaluation = pq_evaluate(spec=spec, gt_dir=root / "gt", images=load_images(root / "images.json"),
                             pred_json=root / "panoptic.json")
    document = pq_results_document(evaluation)
    assert_same_pq(document, json.loads((root / "expected.json").read_text()))
    assert {"Parts", "NoParts"} <= set(document)


@pytest.mark.parametrize("case", ["cpp", "ppp"])
def test_pq_of_pps_evaluate_equals_pps_pq_and_pq_compute(case):
    root = GOLDEN / case
    spec = load_eval_spec(SPECS[case])
    evaluation = evaluate(spec, load_images(root / "images.json"), root / "gt", root / "pps")
    pq = results_document(evaluation, gt_dir=root / "gt", pred_dir=root / "pps")["pq"]
    assert_same_pq(pq, json.loads((root / "expected.json").read_text()))
    coco = pq_evaluate(gt_json=root / "gt_coco.json", pred_json=root / "panoptic.json")
    assert [r.tp for r in coco.result.categories] == [int(t) for t in evaluation.total.pq.tp]


def test_results_do_not_depend_on_the_number_of_workers(tmp_path):
    root = GOLDEN / "adversarial"
    outputs = []
    for workers in (1, 2):
        out = tmp_path / f"{workers}.json"
        command = [sys.executable, "-m", "pps_cli", "pq", "--gt-json", str(root / "gt.json"), "--pred-json",
                   str(root / "pred.json"), "-o", str(out), "-j", str(workers)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


# ----------------------------------------------------------------------------- CLI on tiny data


def write_case(root: Path, gt_images: dict, pred_images: dict, *, categories=None, gt_id=None, pred_id=None) -> None:
    """COCO panoptic GT (root/gt.json + root/gt/) and prediction (root/pred.json + root/pred/).

    ``gt_images`` / ``pred_images``: image id -> (id map, segments_info list).
    """
    categories = categories or [{"id": 1, "name": "thing", "isthing": 1}, {"id": 2, "name": "stuff", "isthing": 0}]
    for name, images in (("gt", gt_images), ("pred", pred_images)):
        (root / name).mkdir(parents=True, exist_ok=True)
        annotations = []
        for n, (image_id, (ids, segments)) in enumerate(images.items()):
            file_name = f"{n}.png"
            write_png(root / name / file_name, segment_id_to_rgb(np.asarray(ids)))
            annotations.append({"image_id": image_id, "file_name": file_name, "segments_info": segments})
        document = {"annotations": annotations}
        if name == "gt":
            document["categories"] = categories
        (root / f"{name}.json").write_text(json.dumps(document))


def seg(segment_id, category, area=None, crowd=0):
    entry = {"id": segment_id, "category_id": category, "iscrowd": crowd}
    if area is not None:
        entry["area"] = area
    return entry


def pq_args(root: Path, *extra: str) -> list[str]:
    return ["pq", "--gt-json", str(root / "gt.json"), "--pred-json", str(root / "pred.json"), "-j", "1", *extra]


GT = {1: ([[1, 1, 2, 2]], [seg(1, 1, 2), seg(2, 2, 2)])}


def test_cli_writes_panopticapi_structure_at_the_top_level(tmp_path):
    write_case(tmp_path, GT, {1: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 2)])})
    out = tmp_path / "results.json"
    result = runner.invoke(app, pq_args(tmp_path, "-o", str(out), "--per-class"))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert list(document) == ["All", "Things", "Stuff", "per_class", "pps_version", "inputs", "num_images"]
    assert document["All"] == {"pq": 1.0, "sq": 1.0, "rq": 1.0, "n": 2}
    assert document["per_class"]["1"] == {"name": "thing", "isthing": True, "pq": 1.0, "sq": 1.0, "rq": 1.0,
                                          "tp": 1, "fp": 0, "fn": 0, "iou_sum": 1.0}
    assert document["inputs"]["gt_dir"] == str(tmp_path / "gt") and document["num_images"] == 1
    assert "Things" in result.stdout and "100.0" in result.stdout and "PQ per category" in result.stdout


def test_cli_empty_group_is_null_and_a_dash(tmp_path):
    # only the stuff category occurs: Things has no counted category
    gt = {1: ([[2, 2]], [seg(2, 2, 2)])}
    write_case(tmp_path, gt, {1: ([[6, 6]], [seg(6, 2)])})
    out = tmp_path / "results.json"
    result = runner.invoke(app, pq_args(tmp_path, "-o", str(out)))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["Things"] is None
    assert re.search(r"│ Things │ +- │ +- │ +- │ 0 │", result.stdout)


def test_cli_matches_image_ids_as_given_then_as_integers(tmp_path):
    # PASCAL: GT "2008_000393", prediction stored as int("2008_000393") = 2008000393
    gt = {"2008_000393": GT[1]}
    write_case(tmp_path, gt, {2008000393: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 2)])})
    result = runner.invoke(app, pq_args(tmp_path))
    assert result.exit_code == 0, result.output


def test_cli_area_mismatch_is_a_warning_and_the_json_area_counts(tmp_path):
    gt = {1: ([[1, 1, 2, 2]], [seg(1, 1, 3), seg(2, 2, 2)])}
    write_case(tmp_path, gt, {1: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 2)])})
    out = tmp_path / "results.json"
    result = runner.invoke(app, pq_args(tmp_path, "-o", str(out)))
    assert result.exit_code == 0, result.output
    assert "1 GT segments have a JSON 'area' that differs from their pixel count" in result.stderr
    assert "image_id 1 id 1: JSON 3, PNG 2" in result.stderr
    # union = 2 + 3 - 2 = 3: IoU 2/3
    assert json.loads(out.read_text())["per_class"]["1"]["iou_sum"] == 2 / 3


@pytest.mark.parametrize(
    ("pred", "message"),
    [
        ({1: ([[5, 5, 6, 7]], [seg(5, 1), seg(6, 2)])}, "image_id 1: segment ids 7 are in the PNG but not in segments_info"),
        ({1: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 2), seg(9, 2)])},
         "image_id 1: segment ids 9 are in segments_info but not in the PNG"),
        ({1: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 3)])},
         r"image_id 1: segments 6 \(category_id 3\) have a category_id not in the GT categories"),
    ],
)
def test_cli_prediction_mismatch_is_one_line_naming_image_and_id(tmp_path, pred, message):
    write_case(tmp_path, GT, pred)
    out = tmp_path / "results.json"
    result = runner.invoke(app, pq_args(tmp_path, "-o", str(out)))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path / 'pred' / '0.png'}: ")
    assert re.search(message, lines[0])
    assert not out.exists()


def test_cli_missing_prediction_lists_the_images(tmp_path):
    gt = {1: GT[1], "b": GT[1], 3: GT[1]}
    write_case(tmp_path, gt, {1: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 2)])})
    result = runner.invoke(app, pq_args(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'pred.json'}: no prediction for 2 of 3 images, image_id 'b', 3"


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        ([seg(1, 1), seg(2, 2, 2)], "annotations[0] (image_id 1): segments_info[0]: needs a numeric 'area'"),
        ([{"id": 1, "category_id": 1, "area": 2}, seg(2, 2, 2)], "segments_info[0]: needs 'iscrowd'"),
        ([{"category_id": 1, "area": 2, "iscrowd": 0}], "segments_info[0]: needs an integer 'id'"),
    ],
)
def test_cli_gt_json_without_what_panopticapi_reads_is_an_error(tmp_path, segments, message):
    write_case(tmp_path, {1: ([[1, 1, 2, 2]], segments)}, {1: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 2)])})
    result = runner.invoke(app, pq_args(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'gt.json'}: ") and message in result.stderr


def test_cli_size_mismatch_and_missing_folder(tmp_path):
    write_case(tmp_path, GT, {1: ([[5, 5, 6]], [seg(5, 1), seg(6, 2)])})
    result = runner.invoke(app, pq_args(tmp_path))
    assert result.exit_code == 2 and "size 3x1, expected 4x1" in result.stderr
    shutil.rmtree(tmp_path / "gt")
    result = runner.invoke(app, pq_args(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'gt'}: not a folder")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "error: pps pq: give either --gt-json (COCO GT) or --eval-spec with --gt (PPS GT)"),
        (["--eval-spec", "cpp-default"], "error: pps pq: give either --gt-json"),
    ],
)
def test_cli_needs_exactly_one_kind_of_ground_truth(tmp_path, extra, message):
    write_case(tmp_path, GT, {1: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 2)])})
    result = runner.invoke(app, ["pq", "--pred-json", str(tmp_path / "pred.json"), *extra])
    assert result.exit_code == 2 and result.stderr.startswith(message)


def test_cli_refuses_to_overwrite_without_flag(tmp_path):
    write_case(tmp_path, GT, {1: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 2)])})
    out = tmp_path / "results.json"
    out.write_text("keep")
    result = runner.invoke(app, pq_args(tmp_path, "-o", str(out)))
    assert result.exit_code == 2 and "add --overwrite" in result.stderr and out.read_text() == "keep"
    assert runner.invoke(app, pq_args(tmp_path, "-o", str(out), "--overwrite")).exit_code == 0
    assert json.loads(out.read_text())["All"]["n"] == 2


def test_cli_against_pps_gt(tmp_path):
    root = GOLDEN / "cpp"
    out = tmp_path / "results.json"
    result = runner.invoke(app, ["pq", "-s", "cpp-default", "--gt", str(root / "gt"), "--images",
                                 str(root / "images.json"), "--pred-json", str(root / "panoptic.json"), "-j", "1",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert_same_pq(json.loads(out.read_text()), json.loads((root / "expected.json").read_text()))
    assert "NoParts" in result.stdout


def test_pps_gt_mode_matches_int_ids_and_names_unevaluated_categories(tmp_path):
    # PASCAL ids "2008_000123" in images.json; the prediction JSON stores int("2008_000123")
    root = GOLDEN / "ppp"
    document = json.loads((root / "panoptic.json").read_text())
    for annotation in document["annotations"]:
        annotation["image_id"] = int(annotation["image_id"])
    pred_json = tmp_path / "panoptic.json"
    pred_json.write_text(json.dumps(document))
    spec = load_eval_spec("ppp-default")
    evaluation = pq_evaluate(spec=spec, gt_dir=root / "gt", images=load_images(root / "images.json"),
                             pred_json=pred_json, pred_dir=root / "panoptic")
    assert_same_pq(pq_results_document(evaluation), json.loads((root / "expected.json").read_text()))

    first = document["annotations"][0]
    first["segments_info"][0]["category_id"] = 250
    pred_json.write_text(json.dumps(document))
    result = runner.invoke(app, ["pq", "-s", "ppp-default", "--gt", str(root / "gt"), "--images",
                                 str(root / "images.json"), "--pred-json", str(pred_json), "--pred-dir",
                                 str(root / "panoptic"), "-j", "1"])
    assert result.exit_code == 2
    segment_id = first["segments_info"][0]["id"]
    assert result.stderr.strip() == (
        f"error: {root / 'panoptic' / first['file_name']}: image_id '2008_000123': segments {segment_id} "
        "(category_id 250) have a category_id not in the sids ppp-default evaluates"
    )


def test_pps_gt_mode_invalid_uid_names_the_gt_file(tmp_path):
    from pps_cli.io import read_uid_tiff, write_uid_tiff

    root = tmp_path / "cpp"
    shutil.copytree(GOLDEN / "cpp", root)
    gt_file = sorted((root / "gt").rglob("*.tif"))[0]
    uids = read_uid_tiff(gt_file)
    uids[0, :3] = [-5, 123, 7]
    write_uid_tiff(gt_file, uids)
    result = runner.invoke(app, ["pq", "-s", "cpp-default", "--gt", str(root / "gt"), "--images",
                                 str(root / "images.json"), "--pred-json", str(root / "panoptic.json"), "-j", "1"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {gt_file}: invalid uids -5, 123 ")


def _as_rgba(folder: Path, alpha: int = 255) -> None:
    """Rewrite every PNG of ``folder`` as RGBA (OpenCV writes BGRA), same ids in R, G, B."""
    import cv2

    from pps_cli.io import read_png

    for path in sorted(folder.rglob("*.png")):
        rgb = read_png(path, channels=3)
        bgra = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGRA)
        bgra[..., 3] = alpha
        assert cv2.imwrite(str(path), bgra)


def test_rgba_panoptic_pngs_read_as_panopticapi_does(tmp_path):
    """panopticapi's rgb2id reads the first three channels: RGBA PNGs (any alpha) give the RGB results."""
    write_case(tmp_path, GT, {1: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 2)])})
    assert runner.invoke(app, pq_args(tmp_path, "-o", str(tmp_path / "rgb.json"))).exit_code == 0
    _as_rgba(tmp_path / "gt")
    _as_rgba(tmp_path / "pred", alpha=7)
    result = runner.invoke(app, pq_args(tmp_path, "-o", str(tmp_path / "rgba.json")))
    assert result.exit_code == 0, result.output
    rgb, rgba = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("rgb", "rgba"))
    assert rgba["All"] == rgb["All"] == {"pq": 1.0, "sq": 1.0, "rq": 1.0, "n": 2}
    # against PPS ground truth too (the prediction is a COCO panoptic PNG)
    root = GOLDEN / "cpp"
    shutil.copytree(root, tmp_path / "cpp")
    _as_rgba(tmp_path / "cpp" / "panoptic")
    out = tmp_path / "pps-gt.json"
    result = runner.invoke(app, ["pq", "-s", "cpp-default", "--gt", str(root / "gt"), "--images", str(root / "images.json"),
                                 "--pred-json", str(tmp_path / "cpp" / "panoptic.json"), "-j", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert_same_pq(json.loads(out.read_text()), json.loads((root / "expected.json").read_text()))


def test_rgba_is_refused_where_pps_reads_its_own_formats(tmp_path):
    import cv2

    from pps_cli.errors import PpsError
    from pps_cli.io import decode_png, encode_png

    ok, data = cv2.imencode(".png", np.zeros((2, 2, 4), np.uint8))
    assert ok
    with pytest.raises(PpsError, match="8-bit RGBA PNG, expected an 8-bit RGB PNG"):
        decode_png(data.tobytes(), "x.png", channels=3)
    assert decode_png(data.tobytes(), "x.png", channels=3, drop_alpha=True).shape == (2, 2, 3)
    with pytest.raises(PpsError, match="RGB PNG, expected an 8-bit grayscale"):
        decode_png(encode_png(np.zeros((2, 2, 3), np.uint8)), "x.png", channels=1, drop_alpha=True)


def test_a_fractional_or_boolean_image_id_matches_only_itself(tmp_path):
    from pps_cli.pq_eval import _int_or_none

    assert [_int_or_none(v) for v in ("2008_000393", 7, 7.0, 2.5, True, "x", None, float("inf"))] == \
        [2008000393, 7, 7, None, None, None, None, None]  # fmt: skip
    write_case(tmp_path, {2: GT[1]}, {2.5: ([[5, 5, 6, 6]], [seg(5, 1), seg(6, 2)])})
    result = runner.invoke(app, pq_args(tmp_path))
    assert result.exit_code == 2 and "no prediction for 1 of 1 images, image_id 2" in result.stderr
