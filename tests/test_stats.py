"""`pps stats`: counts of a hand-made uid map, the CLI on demo data, worker independence, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from pps_cli.cli import app
from pps_cli.demo.synth import generate_demo
from pps_cli.io import write_uid_tiff
from pps_cli.specs import load_eval_spec
from pps_cli.stats import GtStats, image_stats

runner = CliRunner()
CPP = load_eval_spec("cpp-default")
PPP = load_eval_spec("ppp-default")
ROAD, PERSON, CAR = 7, 24, 26


def test_image_stats_of_a_hand_made_map():
    uids = np.array(
        [
            [7, 7, 7, 24],              # road x3, person crowd x1
            [2400101, 2400102, 24001, 26000],  # person 1: torso, head, no part; car 0 (no parts)
            [2400201, 2400201, 0, 26002],  # person 2: torso x2; void; car 2
        ],
        np.int32,
    )  # fmt: skip
    s = image_stats(uids, CPP)
    # person: 1 crowd + 3 (instance 1) + 2 (instance 2) pixels; 2 instances, both with parts; 1 crowd region
    assert (s.pixels[PERSON], s.instances[PERSON], s.part_instances[PERSON]) == (6, 2, 2)
    assert (s.crowd_regions[PERSON], s.crowd_pixels[PERSON]) == (1, 1)
    # car: instances 0 and 2, no part pixels; road: 3 pixels, no instances
    assert (s.pixels[CAR], s.instances[CAR], s.part_instances[CAR], s.crowd_regions[CAR]) == (2, 2, 0, 0)
    assert (s.pixels[ROAD], s.instances[ROAD], s.images[ROAD], s.images[CAR + 1]) == (3, 0, 1, 0)
    assert (s.part_pixels[2401], s.part_pixels[2402], s.part_pixels.sum()) == (3, 1, 4)
    assert s.pixels.sum() == uids.size and s.num_images == 1


def test_stats_add_up():
    uids = np.array([[7, 24001]], np.int32)
    total = GtStats.zeros() + image_stats(uids, CPP) + image_stats(uids, CPP)
    assert (total.num_images, total.images[PERSON], total.instances[PERSON], total.pixels[ROAD]) == (2, 2, 2, 2)


def test_invalid_uids_are_rejected():
    with pytest.raises(ValueError, match=r"^invalid uids -1, 123 \(3-digit, negative or > 9999999\)$"):
        image_stats(np.array([[7, 123, -1, 123]], np.int32), CPP)


def test_ppp_grouped_file_pids_are_folded_and_unknown_ones_rejected():
    # PPP aeroplane (sid 1): file pids 6..15 are engines, folded into one eval part
    uids = np.array([[100106, 100107, 100101]], np.int32)
    s = image_stats(uids, PPP)
    assert s.part_pixels[100:200].sum() == 3 and np.count_nonzero(s.part_pixels[100:200]) == 2
    with pytest.raises(ValueError, match="sid_pids 199 are not in the DatasetSpec"):
        image_stats(np.array([[100199]], np.int32), PPP)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("stats")
    generate_demo(root, num_images=3, height=64, width=128, seed=4)
    return root


def test_cli_table_json_and_workers(demo, tmp_path):
    one = runner.invoke(app, ["stats", str(demo / "gt"), "-s", "cpp-default", "-o", str(tmp_path / "a.json"), "-j", "1"])
    two = runner.invoke(app, ["stats", str(demo / "gt"), "-s", "cpp-default", "-o", str(tmp_path / "b.json"), "-j", "2"])
    assert one.exit_code == 0 and two.exit_code == 0, one.output
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    document = json.loads((tmp_path / "a.json").read_text())
    assert document["num_images"] == 3 and document["totals"]["pixels"] == 3 * 64 * 128
    person = document["classes"]["24"]
    assert person["name"] == "person" and person["is_thing"] and person["has_parts"]
    assert sum(c["pixels"] for c in document["classes"].values()) + sum(document["not_evaluated"].values()) == 3 * 64 * 128
    assert "person-torso" in one.stdout and "ground truth (cpp-default, 3 images)" in one.stdout
    first = sorted(p.name for p in (demo / "gt").rglob("*.tif"))[0].removesuffix("_gtFinePanopticParts.tif")
    sub = runner.invoke(app, ["stats", str(demo / "gt"), "-s", "cpp-default", "--ids", first, "-o", str(tmp_path / "c.json")])
    assert sub.exit_code == 0 and json.loads((tmp_path / "c.json").read_text())["num_images"] == 1
    (tmp_path / "ids.json").write_text(json.dumps({"images": [{"id": first}]}))
    sub = runner.invoke(app, ["stats", str(demo / "gt"), "-s", "cpp-default", "--images", str(tmp_path / "ids.json"),
                              "-o", str(tmp_path / "d.json")])  # fmt: skip
    assert sub.exit_code == 0 and (tmp_path / "d.json").read_bytes() == (tmp_path / "c.json").read_bytes()


def test_cli_errors(demo, tmp_path):
    (tmp_path / "exists.json").write_text("{}")
    result = runner.invoke(app, ["stats", str(demo / "gt"), "-s", "cpp-default", "-o", str(tmp_path / "exists.json")])
    assert result.exit_code == 2 and "already exists (given as --output); add --overwrite" in result.stderr
    result = runner.invoke(app, ["stats", str(demo / "gt"), "-s", "ppp-default"])
    assert result.exit_code == 2 and "use -s cpp-default" in result.stderr
    write_uid_tiff(tmp_path / "gt" / "x.tif", np.array([[7, 123]], np.int32))
    result = runner.invoke(app, ["stats", str(tmp_path / "gt"), "-s", "ppp-default", "-j", "1"])
    assert result.exit_code == 2 and "x.tif: invalid uids 123" in result.stderr
    (tmp_path / "unknown.json").write_text(json.dumps({"images": [{"id": "nowhere_000000_000001"}]}))
    result = runner.invoke(app, ["stats", str(demo / "gt"), "-s", "cpp-default", "--images", str(tmp_path / "unknown.json"), "-o", "-"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {demo / 'gt'}: no ground-truth file for 1 of 1 images: nowhere_000000_000001"
