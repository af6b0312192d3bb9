"""Demo datasets with the outputs of `pps run`, shared by the Evaluator tests and the docs-example tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pps_cli.cli import app
from pps_cli.dataset import build_images, images_json, load_images, match_files
from pps_cli.demo.synth import generate_demo
from pps_cli.evaluate import find_jobs, read_image_pair
from pps_cli.formats.labels import rgb_to_segment_id
from pps_cli.formats.panoptic_json import load_panoptic_json, match_annotations
from pps_cli.io import list_files, read_png, write_json

runner = CliRunner()


def as_json(value):
    """``value`` as it comes back from a JSON file (floats round-trip exactly)."""
    return json.loads(json.dumps(value))


def without_file_names(document):
    return {k: v for k, v in document.items() if k not in ("gt", "predictions")}


_DEMOS: dict[str, Path] = {}


def make_demos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small Cityscapes- and PASCAL-like datasets (by spec name), each with `pps run` outputs in out/.

    Made once per test session (the tests only read them).
    """
    if _DEMOS:
        return _DEMOS
    roots = {}
    for dataset, spec in (("cityscapes", "cpp-default"), ("pascal", "ppp-default")):
        root = tmp_path_factory.mktemp(dataset)
        generate_demo(root, dataset=dataset, num_images=3, height=64, width=128, seed=5)
        write_json(root / "images.json", images_json(build_images(root / "gt")))
        pred = root / "predictions"
        result = runner.invoke(app, [
            "run", "-s", spec, "--gt", str(root / "gt"), "--semantic", str(pred / "semantic"),
            "--instances", str(pred / "instances.json"), "--parts", str(pred / "parts"), "-o", str(root / "out"),
            "--images", str(root / "images.json"), "--workers", "1",
        ])  # fmt: skip
        assert result.exit_code == 0, result.output
        roots[spec] = root
    _DEMOS.update(roots)
    return roots


def image_pairs(root: Path, pred_dir: Path):
    """(GT uids, PPS prediction) of every image, in images.json order."""
    images = load_images(root / "images.json")
    return [read_image_pair(job) for job in find_jobs(images, root / "gt", pred_dir)]


def panoptic_inputs(root: Path, spec: str):
    """Per image (images.json order): GT, panoptic segment ids, segments_info, part ids, as `pps run` wrote them."""
    images = load_images(root / "images.json")
    annotations = match_annotations(images, load_panoptic_json(root / "out" / "panoptic.json"), path="panoptic.json")
    parts_dir = root / "predictions" / "parts"
    part_files, _ = match_files(images, list_files(parts_dir, (".png",)), root=parts_dir, what="part PNG")
    gts = [gt for gt, _ in image_pairs(root, root / "out" / "pps")]
    for image, gt in zip(images, gts, strict=True):
        annotation = annotations[image.key]
        segment_ids = rgb_to_segment_id(read_png(root / "out" / "panoptic" / annotation.file_name, channels=3))
        segments_info = [
            {"id": i, "category_id": c, "isthing": True, "score": 0.9}  # extra keys as detectron2 has them
            for i, c in zip(annotation.segment_ids, annotation.category_ids, strict=True)
        ]
        yield gt, segment_ids, segments_info, read_png(part_files[image.key], channels=1)
