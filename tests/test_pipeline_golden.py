"""The whole pipeline (`pps run`) gives the reference chain's PartPQ: panopticapi merge ->
merge_to_pps -> PartPQ of panoptic-parts 2.0rc6, on demo data (see golden/pipeline/make_golden.sh)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pps_cli.cli import app
from pps_cli.demo.synth import generate_demo

GOLDEN = Path(__file__).parent / "golden" / "pipeline"
CASES = [
    ("cityscapes", "cpp-default", "parts", 1),
    ("cityscapes", "cpp-grouped", "parts_grouped", 2),
    ("pascal", "ppp-default", "parts", 1),
]


def _numbers(document, prefix=""):
    """Flatten the reference's nested result structure into {path: number}."""
    if isinstance(document, dict):
        items = document.items()
    elif isinstance(document, list):
        items = enumerate(document)
    else:
        return {prefix: document}
    flat = {}
    for key, value in items:
        flat.update(_numbers(value, f"{prefix}/{key}"))
    return flat


@pytest.mark.parametrize(("dataset", "spec", "parts", "workers"), CASES)
def test_pps_run_equals_the_reference_chain(tmp_path, dataset, spec, parts, workers):
    demo = tmp_path / "demo"
    generate_demo(demo, dataset=dataset, num_images=3, height=128, width=256, seed=3, pascal_int_ids=False)
    pred = demo / "predictions"
    result = CliRunner().invoke(app, [
        "run", "-s", spec, "--gt", str(demo / "gt"), "--semantic", str(pred / "semantic"),
        "--instances", str(pred / "instances.json"), "--parts", str(pred / parts), "-o", str(tmp_path / "out"),
        "--workers", str(workers),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    ours = _numbers(json.loads((tmp_path / "out" / "results.json").read_text())["reference"])
    expected = _numbers(json.loads((GOLDEN / f"{spec}.json").read_text()))
    assert ours.keys() == expected.keys()
    for key, value in expected.items():
        assert ours[key] == pytest.approx(value, abs=1e-9), key
