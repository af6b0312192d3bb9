"""`pps images-json` gives the reference's entries (golden files from panoptic-parts 2.0rc6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pps_cli.cli import app
from pps_cli.demo.synth import generate_demo

GOLDEN = Path(__file__).parent / "golden" / "images_json"


@pytest.mark.parametrize("dataset", ["cityscapes", "pascal"])
def test_images_json_matches_reference(tmp_path, dataset):
    generate_demo(tmp_path / "demo", dataset=dataset, num_images=3, height=64, width=128, seed=0)
    out = tmp_path / "images.json"
    result = CliRunner().invoke(app, ["images-json", str(tmp_path / "demo" / "gt"), "-o", str(out), "--dataset", dataset])
    assert result.exit_code == 0, result.output
    ours = json.loads(out.read_text())["images"]
    expected = json.loads((GOLDEN / f"{dataset}.json").read_text())["images"]
    assert sorted(ours, key=lambda i: i["id"]) == sorted(expected, key=lambda i: i["id"])
    assert [i["id"] for i in ours] == sorted(i["id"] for i in ours)


def test_auto_detects_both_layouts(tmp_path):
    for dataset in ("cityscapes", "pascal"):
        generate_demo(tmp_path / dataset, dataset=dataset, num_images=2, height=32, width=64, seed=1)
        out = tmp_path / f"{dataset}.json"
        assert CliRunner().invoke(app, ["images-json", str(tmp_path / dataset / "gt"), "-o", str(out)]).exit_code == 0
        suffix = "_gtFine_leftImg8bit.png" if dataset == "cityscapes" else ".png"
        assert all(i["file_name"] == i["id"] + suffix for i in json.loads(out.read_text())["images"])
