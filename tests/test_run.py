"""`pps run`: the whole pipeline on demo data, the same numbers as the stages run one by one."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pps_cli.cli import app
from pps_cli.demo.synth import generate_demo

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    generate_demo(root, num_images=3, height=128, width=256, seed=3)
    return root


def _run_args(demo, out, *extra):
    pred = demo / "predictions"
    return ["run", "-s", "cpp-default", "--gt", str(demo / "gt"), "--parts", str(pred / "parts"), "-o", str(out),
            "--workers", "1", *extra]  # fmt: skip


def test_run_writes_every_stage_and_prints_the_table(demo, tmp_path):
    pred = demo / "predictions"
    out = tmp_path / "out"
    result = runner.invoke(
        app, _run_args(demo, out, "--semantic", str(pred / "semantic"), "--instances", str(pred / "instances.json"))
    )
    assert result.exit_code == 0, result.output
    for name in ("images.json", "panoptic.json", "results.json", "per_image.jsonl"):
        assert (out / name).is_file(), name
    assert len(list((out / "pps").glob("*.png"))) == 3
    assert len(list((out / "panoptic").glob("*.png"))) == 3
    assert "PartPQ" in result.stdout and "all (n=" in result.stdout and "person" in result.stdout
    run_results = json.loads((out / "results.json").read_text())

    # the same numbers when the stages run one by one, from the files the pipeline kept
    alone = tmp_path / "alone.json"
    result = runner.invoke(app, ["evaluate", "-s", "cpp-default", "--gt", str(demo / "gt"), "--pred", str(out / "pps"),
                                 "--images", str(out / "images.json"), "-o", str(alone), "--workers", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(alone.read_text())["reference"] == run_results["reference"]
    assert len((out / "per_image.jsonl").read_text().splitlines()) == 3


def test_run_from_panoptic_predictions(demo, tmp_path):
    pred = demo / "predictions"
    first = tmp_path / "first"
    assert (
        runner.invoke(
            app, _run_args(demo, first, "--semantic", str(pred / "semantic"), "--instances", str(pred / "instances.json"))
        ).exit_code
        == 0
    )
    second = tmp_path / "second"
    result = runner.invoke(
        app,
        _run_args(demo, second, "--panoptic-dir", str(first / "panoptic"), "--panoptic-json", str(first / "panoptic.json")),
    )
    assert result.exit_code == 0, result.output
    assert not (second / "panoptic.json").exists()
    first_numbers = json.loads((first / "results.json").read_text())["reference"]
    assert json.loads((second / "results.json").read_text())["reference"] == first_numbers


def test_run_needs_one_kind_of_input(demo, tmp_path):
    result = runner.invoke(app, _run_args(demo, tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: give either --semantic and --instances, or --panoptic-dir (and --panoptic-json for COCO panoptic)"


def test_run_refuses_a_non_empty_output_folder(demo, tmp_path):
    pred = demo / "predictions"
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    result = runner.invoke(
        app, _run_args(demo, tmp_path / "out", "--semantic", str(pred / "semantic"), "--instances", str(pred / "instances.json"))
    )
    assert result.exit_code == 2 and "folder is not empty (given as --output); add --overwrite to replace its content" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["keep.txt"]
