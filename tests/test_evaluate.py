"""`pps evaluate` and its driver: file matching, worker-count independence, results documents,
bad input, and parity with the reference on committed golden data (tests/golden/evaluate)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pps_cli.cli import app
from pps_cli.dataset import ImageInfo, build_images, images_json, load_images
from pps_cli.errors import PpsError
from pps_cli.evaluate import evaluate, find_jobs, read_image_pair
from pps_cli.io import write_json, write_png, write_uid_tiff
from pps_cli.metrics.partpq import PartPQStats, image_stats, runs_stats, summarize
from pps_cli.metrics.results import reference_category_order, reference_results
from pps_cli.specs import load_eval_spec

from .helpers import spec_named
from .json_compare import max_abs_diff

GOLDEN = Path(__file__).parent / "golden" / "evaluate"
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """A small synthetic Cityscapes-like dataset with PPS predictions and images.json."""
    from pps_cli.demo.synth import generate_demo

    root = tmp_path_factory.mktemp("demo")
    generate_demo(root, dataset="cityscapes", num_images=4, height=64, width=128, seed=3)
    write_json(root / "images.json", images_json(build_images(root / "gt")))
    return root


def copy_demo(demo: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(demo, target)
    return target


def args(root: Path, *extra: str, spec: str = "cpp-default") -> list[str]:
    """`pps evaluate` arguments; one worker unless ``extra`` says otherwise (keeps CliRunner tests fast)."""
    workers = [] if {"-j", "--workers"} & set(extra) else ["-j", "1"]
    return [
        "evaluate", "--eval-spec", spec, "--gt", str(root / "gt"), "--pred", str(root / "predictions" / "pps"),
        "--images", str(root / "images.json"), *workers, *extra,
    ]


# ----------------------------------------------------------------------------- driver


def test_total_is_the_in_order_sum_of_image_stats(demo):
    spec = spec_named("cpp-default")
    images = load_images(demo / "images.json")
    evaluation = evaluate(spec, images, demo / "gt", demo / "predictions" / "pps")
    expected = PartPQStats.zeros(len(spec.eval_sids))
    for job in find_jobs(images, demo / "gt", demo / "predictions" / "pps"):
        expected = expected + image_stats(*read_image_pair(job), spec=spec)
    assert evaluation.total.partpq == expected
    assert evaluation.result == summarize(expected, spec=spec)
    assert [job.image.key for job in evaluation.jobs] == [image.key for image in images]


@pytest.mark.parametrize("workers", [2, 3])
def test_results_are_bitwise_identical_for_any_number_of_workers(demo, tmp_path, workers):
    # the CLI as users run it, in its own process
    one, many = tmp_path / "one.json", tmp_path / "many.json"
    for out, n in ((one, 1), (many, workers)):
        command = [sys.executable, "-m", "pps_cli", *args(demo, "-o", str(out), "-j", str(n), "--per-image", f"{out}l")]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    assert one.read_bytes() == many.read_bytes()
    assert Path(f"{one}l").read_bytes() == Path(f"{many}l").read_bytes()


def test_image_order_changes_float_sums_only_in_the_last_bits(demo):
    spec = spec_named("cpp-default")
    images = load_images(demo / "images.json")
    forward = evaluate(spec, images, demo / "gt", demo / "predictions" / "pps").total.partpq
    backward = evaluate(spec, images[::-1], demo / "gt", demo / "predictions" / "pps").total.partpq
    assert np.array_equal(forward.tp, backward.tp) and np.array_equal(forward.fp, backward.fp)
    np.testing.assert_allclose(forward.iou_sum, backward.iou_sum, rtol=0, atol=1e-12)


def test_progress_callback_sees_every_image_in_order(demo):
    seen: list[str] = []
    images = load_images(demo / "images.json")
    evaluate(spec_named("cpp-default"), images, demo / "gt", demo / "predictions" / "pps", on_image=lambda i: seen.append(i.key))
    assert seen == [image.key for image in images]


def test_missing_predictions_are_all_listed(demo, tmp_path):
    root = copy_demo(demo, tmp_path)
    images = load_images(root / "images.json")
    for image in images[:2]:
        (root / "predictions" / "pps" / f"{image.key}.png").unlink()
    with pytest.raises(PpsError, match=rf"no prediction PNG file for 2 of 4 images: {images[0].key}, {images[1].key}$"):
        find_jobs(images, root / "gt", root / "predictions" / "pps")


def test_missing_ground_truth_is_listed(demo):
    images = load_images(demo / "images.json") + [ImageInfo("nowhere_000000_000001", "x.png", 128, 64)]
    with pytest.raises(PpsError, match=r"gt: no ground-truth file for 1 of 5 images: nowhere_000000_000001$"):
        find_jobs(images, demo / "gt", demo / "predictions" / "pps")


def test_prediction_size_must_match_the_ground_truth(demo, tmp_path):
    root = copy_demo(demo, tmp_path)
    image = load_images(root / "images.json")[0]
    pred = root / "predictions" / "pps" / f"{image.key}.png"
    write_png(pred, np.zeros((32, 128, 3), np.uint8))
    with pytest.raises(PpsError, match=r"size 128x32, expected 128x64 \(the size of .*_gtFinePanopticParts.tif\)"):
        evaluate(spec_named("cpp-default"), [image], root / "gt", root / "predictions" / "pps")


def test_prediction_must_be_an_rgb_png(demo, tmp_path):
    root = copy_demo(demo, tmp_path)
    image = load_images(root / "images.json")[0]
    write_png(root / "predictions" / "pps" / f"{image.key}.png", np.zeros((64, 128), np.uint8))
    with pytest.raises(PpsError, match=r"8-bit grayscale PNG, expected an 8-bit RGB PNG"):
        evaluate(spec_named("cpp-default"), [image], root / "gt", root / "predictions" / "pps")


def test_invalid_uids_name_the_gt_file(demo, tmp_path):
    root = copy_demo(demo, tmp_path)
    image = load_images(root / "images.json")[0]
    gt_file = next((root / "gt").rglob(f"{image.key}_gtFinePanopticParts.tif"))
    uids = np.full((64, 128), 7, np.int32)
    uids[0, :3] = [500, -1, 12_345_678]
    write_uid_tiff(gt_file, uids)
    with pytest.raises(PpsError, match=rf"{gt_file}: invalid uids -1, 500, 12345678 "):
        evaluate(spec_named("cpp-default"), [image], root / "gt", root / "predictions" / "pps")


def test_unknown_predicted_classes_are_counted(demo, tmp_path):
    root = copy_demo(demo, tmp_path)
    image = load_images(root / "images.json")[0]
    pred = np.zeros((64, 128, 3), np.uint8)
    pred[..., 0] = 7
    pred[:2, :5, 0] = 99  # 10 px of a class cpp-default does not evaluate
    pred[2, :3, 0] = 255  # void is not reported
    write_png(root / "predictions" / "pps" / f"{image.key}.png", pred)
    evaluation = evaluate(spec_named("cpp-default"), [image], root / "gt", root / "predictions" / "pps")
    assert evaluation.unknown_classes == {99: 10}


# ----------------------------------------------------------------------------- results documents


def test_reference_structure_has_the_reference_types():
    spec = spec_named("cpp-default")
    stats = PartPQStats.zeros(len(spec.eval_sids))
    road = spec.eval_sids.index(7)
    stats.fp[road] = 1  # counted with tp = 0: PartSQ is the integer 0
    doc = reference_results(summarize(stats, spec=spec), spec)
    averages, per_class = doc
    assert averages[0] == {"PartPQ": 0.0, "PartSQ": 0.0, "PartRQ": 0.0, "n": 1}
    assert averages[1] == {"PartPQ_parts": None, "PartSQ_parts": None, "PartRQ_parts": None, "n_p": 0}
    assert per_class["0"] == {"PartPQ": 0.0, "PartSQ": 0, "PartRQ": 0.0} and type(per_class["0"]["PartSQ"]) is int
    assert per_class["1"] == {"PartPQ": 0.0, "PartSQ": 0.0, "PartRQ": 0.0}
    assert list(per_class) == [str(i) for i in range(len(spec.eval_sids))]


def test_reference_category_order_is_ascending_for_official_specs():
    for name in ("cpp-default", "cpp-grouped", "ppp-default"):
        spec = spec_named(name)
        assert reference_category_order(spec) == list(spec.eval_sids)


# ----------------------------------------------------------------------------- CLI


def test_cli_prints_table_and_writes_results(demo, tmp_path):
    out, per_image = tmp_path / "results.json", tmp_path / "per_image.jsonl"
    result = runner.invoke(app, args(demo, "-o", str(out), "--per-image", str(per_image)))
    assert result.exit_code == 0, result.output
    assert "PartPQ" in result.stdout and "all (n=" in result.stdout and "person" in result.stdout
    doc = json.loads(out.read_text())
    assert set(doc) >= {"summary", "categories", "reference", "eval_spec", "num_images"}
    assert doc["num_images"] == 4 and doc["categories"]["26"]["name"] == "car"
    assert doc["reference"][0][0]["n"] == doc["summary"]["all"]["n"]
    lines = [json.loads(line) for line in per_image.read_text().splitlines()]
    assert [line["image_id"] for line in lines] == [i.key for i in load_images(demo / "images.json")]
    assert sum(c["tp"] for line in lines for c in line["categories"].values()) == sum(
        c["tp"] for c in doc["categories"].values()
    )


def test_cli_refuses_to_overwrite_without_flag(demo, tmp_path):
    out = tmp_path / "results.json"
    out.write_text("keep me")
    result = runner.invoke(app, args(demo, "-o", str(out)))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {out}: already exists (given as --output); add --overwrite to replace it"
    assert out.read_text() == "keep me"
    result = runner.invoke(app, args(demo, "-o", str(out), "--overwrite"))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["num_images"] == 4


def test_cli_error_is_one_line_and_leaves_no_file(demo, tmp_path):
    root = copy_demo(demo, tmp_path)
    first = load_images(root / "images.json")[0].key
    (root / "predictions" / "pps" / f"{first}.png").unlink()
    out, per_image = tmp_path / "results.json", tmp_path / "per_image.jsonl"
    result = runner.invoke(app, args(root, "-o", str(out), "--per-image", str(per_image)))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0] == (
        f"error: {root / 'predictions' / 'pps'}: no prediction PNG file for 1 of 4 images: {first}"
    )
    assert "Traceback" not in result.output
    assert not out.exists() and not per_image.exists() and list(tmp_path.glob(".*tmp")) == []


def test_cli_invalid_gt_is_exit_2(demo, tmp_path):
    root = copy_demo(demo, tmp_path)
    gt_file = sorted((root / "gt").rglob("*.tif"))[0]
    write_uid_tiff(gt_file, np.full((64, 128), 123, np.int32))
    result = runner.invoke(app, args(root))
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {gt_file}: invalid uids 123 ")


def test_cli_warns_about_unknown_classes(demo, tmp_path):
    root = copy_demo(demo, tmp_path)
    pred_file = sorted((root / "predictions" / "pps").glob("*.png"))[0]
    pred = np.zeros((64, 128, 3), np.uint8)
    pred[..., 0] = 250
    write_png(pred_file, pred)
    result = runner.invoke(app, args(root))
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "250 (8192 px)" in result.stderr


def test_cli_unknown_spec_is_exit_2(demo):
    result = runner.invoke(app, args(demo, spec="no-such-spec"))
    assert result.exit_code == 2 and result.stderr.startswith("error: no-such-spec: EvalSpec not found")


# ----------------------------------------------------------------------------- golden: reference parity


def _golden_cases() -> list[str]:
    return sorted(p.name for p in (GOLDEN / "images").glob("*.npz"))


@pytest.mark.parametrize("case", _golden_cases())
def test_per_image_stats_equal_the_reference(case):
    """Adversarial small images: per-image stats equal the reference's (tp/fp/fn exactly)."""
    expected = json.loads((GOLDEN / "images" / case.replace(".npz", ".json")).read_text())
    spec = load_eval_spec(_spec_path(expected["eval_spec"]))
    assert sorted(expected["category_sids"]) == list(spec.eval_sids)
    data = np.load(GOLDEN / "images" / case)
    compared = 0
    for k, ref in enumerate(expected["cases"]):
        if "error" in ref:
            continue
        stats = image_stats(data[f"gt_{k}"], data[f"pred_{k}"], spec=spec)
        for c, sid in enumerate(spec.eval_sids):
            iou, tp, fp, fn = ref.get(str(sid), [0.0, 0, 0, 0])
            assert (int(stats.tp[c]), int(stats.fp[c]), int(stats.fn[c])) == (tp, fp, fn), (k, sid)
            assert abs(float(stats.iou_sum[c]) - iou) <= 1e-12, (k, sid)
        compared += 1
    assert compared >= len(expected["cases"]) // 2


def _spec_path(name: str) -> str:
    bundled = {"cpp-default", "cpp-grouped", "ppp-default"}
    return name if name in bundled else str(GOLDEN / "specs" / name)


def _golden_datasets() -> list[str]:
    return sorted(p.name for p in (GOLDEN / "datasets").glob("*.json"))


def test_golden_data_is_there():
    """The golden tests are parametrized over files: without them they would silently not run."""
    assert len(_golden_cases()) >= 7 and len(_golden_datasets()) >= 9


@pytest.mark.parametrize("case", _golden_datasets())
def test_dataset_results_equal_the_reference(case, tmp_path):
    """Whole-dataset results JSON of the reference, to 1e-9, through the CLI."""
    expected = json.loads((GOLDEN / "datasets" / case).read_text())
    data = np.load(GOLDEN / "datasets" / expected["data"])
    root = _write_dataset(data, expected["layout"], tmp_path)
    out = tmp_path / "results.json"
    result = runner.invoke(app, [
        "evaluate", "-s", _spec_path(expected["eval_spec"]), "--gt", str(root / "gt"),
        "--pred", str(root / "pred"), "--images", str(root / "images.json"), "-o", str(out), "-j", "1",
    ])
    assert result.exit_code == 0, result.output
    ours = json.loads(out.read_text())["reference"]
    assert max_abs_diff(ours, expected["reference_results"]) <= 1e-9


def _write_dataset(data, layout: str, root: Path) -> Path:
    ids = [str(i) for i in data["image_ids"]]
    for k, image_id in enumerate(ids):
        if layout == "cityscapes":
            gt_path = root / "gt" / image_id.split("_")[0] / f"{image_id}_gtFinePanopticParts.tif"
        else:
            gt_path = root / "gt" / f"{image_id}.tif"
        write_uid_tiff(gt_path, data[f"gt_{k}"])
        write_png(root / "pred" / f"{image_id}.png", data[f"pred_{k}"])
    write_json(root / "images.json", images_json(build_images(root / "gt")))
    return root


def test_runs_stats_and_image_stats_agree(demo):
    spec = spec_named("cpp-default")
    job = find_jobs(load_images(demo / "images.json"), demo / "gt", demo / "predictions" / "pps")[0]
    gt, pred = read_image_pair(job)
    from pps_cli.metrics.runs import pixel_runs

    assert runs_stats(pixel_runs(gt, pred), spec=spec) == image_stats(gt, pred, spec=spec)


# ----------------------------------------------------------------------------- PQ and mIoU beside PartPQ


def test_cli_writes_pq_and_miou_beside_partpq(demo, tmp_path):
    out, per_image = tmp_path / "results.json", tmp_path / "per_image.jsonl"
    result = runner.invoke(app, args(demo, "-o", str(out), "--per-image", str(per_image)))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert list(document) == ["pps_version", "eval_spec", "gt", "predictions", "num_images", "summary", "categories",
                              "pq", "miou", "unknown_predicted_classes", "reference"]
    assert set(document["pq"]) == {"All", "Things", "Stuff", "Parts", "NoParts", "per_class"}
    assert set(document["miou"]["parts"]) == {"mIoU", "per_class", "names", "background"}
    records = [json.loads(line) for line in per_image.read_text().splitlines()]
    assert all("PQ" in r and "PartPQ" in r for r in records)
    assert "summary" in result.stdout and "PartPQ (cpp-default" in result.stdout


def test_cli_metrics_selects_what_is_computed_and_written(demo, tmp_path):
    out, per_image = tmp_path / "results.json", tmp_path / "per_image.jsonl"
    result = runner.invoke(app, args(demo, "--metrics", "partpq", "-o", str(out), "--per-image", str(per_image)))
    assert result.exit_code == 0, result.output
    assert not {"pq", "miou"} & set(json.loads(out.read_text()))
    assert all("PQ" not in json.loads(line) for line in per_image.read_text().splitlines())
    result = runner.invoke(app, args(demo, "--metrics", "pq,miou", "--table", "pq,miou", "-o", str(out), "--overwrite"))
    assert result.exit_code == 0, result.output
    assert not {"summary", "categories", "reference"} & set(json.loads(out.read_text()))
    assert "PQ (cpp-default" in result.stdout and "scene IoU" in result.stdout and "part IoU" in result.stdout


def test_cli_partpq_numbers_do_not_change_with_the_other_metrics(demo, tmp_path):
    alone, together = tmp_path / "alone.json", tmp_path / "together.json"
    assert runner.invoke(app, args(demo, "--metrics", "partpq", "-o", str(alone))).exit_code == 0
    assert runner.invoke(app, args(demo, "-o", str(together))).exit_code == 0
    a, b = json.loads(alone.read_text()), json.loads(together.read_text())
    assert a["summary"] == b["summary"] and a["categories"] == b["categories"] and a["reference"] == b["reference"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--metrics", "partpq,iou"], "error: --metrics: unknown metrics ['iou']; choose from partpq, pq, miou"),
        (["--metrics", "pq", "--table", "partpq"], "error: --table: partpq not computed; add it to --metrics"),
        (["--table", "all"], "error: --table: unknown tables ['all']; choose from partpq, pq, miou, summary"),
    ],
)
def test_cli_metrics_and_table_errors(demo, extra, message):
    result = runner.invoke(app, args(demo, *extra))
    assert result.exit_code == 2 and result.stderr.strip() == message
