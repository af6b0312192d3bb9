"""`pps panoptic`: the merge rules on hand-made arrays, parity with the reference, formats, workers, bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pycocotools import mask as coco_mask
from typer.testing import CliRunner

from pps_cli.cli import app
from pps_cli.dataset import build_images, images_json, load_images
from pps_cli.demo.synth import generate_demo
from pps_cli.formats.instances import InstanceRecord, MaskCrop
from pps_cli.formats.labels import rgb_to_segment_id, segment_id_to_rgb
from pps_cli.io import read_png, write_json, write_png
from pps_cli.merge.panoptic import (
    MergeSettings,
    merge_image,
    merge_panoptic,
    merge_panoptic_files,
    segment_map_to_rgb,
    walk_order,
)
from pps_cli.specs import load_eval_spec

GOLDEN = Path(__file__).parent / "golden" / "panoptic"
VOID, ROAD, SIDEWALK, SKY, PERSON, CAR = 255, 7, 8, 23, 24, 26  # CPP eval sids
runner = CliRunner()


def crops(*masks):
    return [MaskCrop.from_array(np.array(m, bool)) for m in masks]


def segments(result):
    return [(s.id, s.category_id, s.area, s.bbox) for s in result.segments]


def rle(mask) -> dict:
    encoded = coco_mask.encode(np.asfortranarray(np.array(mask, np.uint8)))
    return {"size": list(encoded["size"]), "counts": encoded["counts"].decode("ascii")}


# ----------------------------------------------------------------------------- the rules, by hand


def test_score_filter_keeps_exactly_the_threshold_and_ties_keep_input_order():
    # 0.4999 is dropped, 0.5 kept; 0.7 first, then the two 0.5s in input order (0 before 3)
    assert walk_order([0.5, 0.4999, 0.7, 0.5], confidence_thr=0.5).tolist() == [2, 0, 3]
    assert walk_order([], confidence_thr=0.5).tolist() == []


def test_overlap_exactly_half_is_kept_more_is_skipped_and_only_free_pixels_are_taken():
    semantic = np.full((2, 4), VOID, np.uint8)
    first = [[1, 1, 1, 1], [0, 0, 0, 0]]  # 4 px, all free -> segment 1
    half = [[1, 1, 0, 0], [1, 1, 0, 0]]  # 2 of 4 taken: overlap 0.5, kept; takes its 2 free px
    more = [[0, 0, 1, 1], [0, 0, 1, 0]]  # 2 of 3 taken: 0.67 > 0.5, skipped
    free = [[0, 0, 0, 0], [0, 0, 1, 1]]  # free -> segment 3
    result = merge_panoptic(semantic, crops(first, half, more, free), [CAR, PERSON, CAR, CAR], stuff_order=[ROAD])
    assert result.segment_map.tolist() == [[1, 1, 1, 1], [2, 2, 3, 3]]
    assert segments(result) == [(1, CAR, 4, (0, 0, 4, 1)), (2, PERSON, 2, (0, 1, 2, 1)), (3, CAR, 2, (2, 1, 2, 1))]


def test_empty_masks_are_skipped():
    semantic = np.full((2, 2), VOID, np.uint8)
    result = merge_panoptic(semantic, crops(np.zeros((2, 2)), [[1, 0], [0, 0]]), [CAR, PERSON], stuff_order=[])
    assert segments(result) == [(1, PERSON, 1, (0, 0, 1, 1))]


def test_equal_scores_keep_input_order():
    # Both cover 2 px of a 1x3 image and share the middle pixel (overlap 0.5 for the second): the first
    # in input order is walked first and keeps the shared pixel.
    semantic = np.full((1, 3), VOID, np.uint8)
    left = InstanceRecord(CAR, 0.8, rle([[1, 1, 0]]), "x")
    right = InstanceRecord(PERSON, 0.8, rle([[0, 1, 1]]), "x")
    settings = MergeSettings(stuff_order=(), categories=frozenset({CAR, PERSON}))
    result, _ = merge_image(semantic, [left, right], settings)
    assert result.segment_map.tolist() == [[1, 1, 2]] and [s.category_id for s in result.segments] == [CAR, PERSON]
    result, _ = merge_image(semantic, [right, left], settings)
    assert result.segment_map.tolist() == [[2, 1, 1]] and [s.category_id for s in result.segments] == [PERSON, CAR]


def test_score_filter_in_the_merge():
    semantic = np.full((1, 2), VOID, np.uint8)
    records = [InstanceRecord(CAR, 0.4999, rle([[1, 0]]), "x"), InstanceRecord(PERSON, 0.5, rle([[0, 1]]), "x")]
    result, _ = merge_image(semantic, records, MergeSettings(stuff_order=(), categories=frozenset({CAR, PERSON})))
    assert result.segment_map.tolist() == [[0, 1]] and segments(result) == [(1, PERSON, 1, (1, 0, 1, 1))]


def test_stuff_area_limit_exactly_1024_is_kept():
    # Left 32x32 = 1024 road pixels (kept), right 1023 sidewalk pixels and one void (dropped).
    semantic = np.full((32, 64), ROAD, np.uint8)
    semantic[:, 32:] = SIDEWALK
    semantic[0, 63] = VOID
    result = merge_panoptic(semantic, [], [], stuff_order=[SIDEWALK, ROAD], stuff_area_limit=1024)
    assert segments(result) == [(1, ROAD, 1024, (0, 0, 32, 32))]
    assert np.array_equal(result.segment_map, np.where(semantic == ROAD, 1, 0))
    # one road pixel taken by an instance leaves 1023 free road pixels: road is dropped too
    person = np.zeros((32, 64), bool)
    person[5, 5] = True
    result = merge_panoptic(semantic, crops(person), [PERSON], stuff_order=[SIDEWALK, ROAD], stuff_area_limit=1024)
    assert segments(result) == [(1, PERSON, 1, (5, 5, 1, 1))]


def test_stuff_segments_follow_eval_sid_stuff_order_and_things_and_void_are_ignored():
    semantic = np.array([[ROAD, ROAD, SKY], [CAR, VOID, SKY]], np.uint8)
    result = merge_panoptic(semantic, [], [], stuff_order=[SKY, ROAD], stuff_area_limit=2)
    assert result.segment_map.tolist() == [[2, 2, 1], [0, 0, 1]]
    assert segments(result) == [(1, SKY, 2, (2, 0, 1, 2)), (2, ROAD, 2, (0, 0, 2, 1))]


def test_stuff_instance_and_semantic_stuff_form_one_segment_at_the_first_contribution():
    # Walk: car (segment 1), a sky instance (segment 2, before road although road comes first in
    # stuff order), then the semantic map: road (segment 3) and the free sky pixels, which join segment 2.
    semantic = np.array([[SKY, SKY, SKY, SKY], [ROAD, ROAD, ROAD, SKY]], np.uint8)
    car = [[1, 0, 0, 0], [0, 0, 0, 0]]
    sky = [[1, 1, 0, 0], [1, 0, 0, 0]]  # 1 of 3 px taken by the car: kept, takes (0, 1) and (1, 0)
    result = merge_panoptic(semantic, crops(car, sky), [CAR, SKY], stuff_order=[ROAD, SKY], stuff_area_limit=2)
    # free semantic sky: (0, 2), (0, 3), (1, 3) = 3 px >= 2; free road: (1, 1), (1, 2) = 2 px
    assert result.segment_map.tolist() == [[1, 2, 2, 2], [2, 3, 3, 2]]
    assert segments(result) == [(1, CAR, 1, (0, 0, 1, 1)), (2, SKY, 5, (0, 0, 4, 2)), (3, ROAD, 2, (1, 1, 2, 1))]
    # the area test counts only free semantic pixels: with a limit of 4 the 3 sky pixels stay out, the
    # instance's segment remains
    result = merge_panoptic(semantic, crops(car, sky), [CAR, SKY], stuff_order=[ROAD, SKY], stuff_area_limit=4)
    assert segments(result) == [(1, CAR, 1, (0, 0, 1, 1)), (2, SKY, 2, (0, 0, 2, 2))]


def test_two_instances_of_one_stuff_category_share_a_segment():
    semantic = np.full((1, 4), VOID, np.uint8)
    result = merge_panoptic(
        semantic, crops([[1, 0, 0, 0]], [[0, 0, 0, 1]], [[0, 1, 0, 0]]), [SKY, CAR, SKY], stuff_order=[SKY]
    )
    assert result.segment_map.tolist() == [[1, 1, 0, 2]]
    assert segments(result) == [(1, SKY, 2, (0, 0, 2, 1)), (2, CAR, 1, (3, 0, 1, 1))]


def test_more_than_255_segments_use_wider_ids():
    semantic = np.full((20, 20), VOID, np.uint8)
    masks = [np.zeros((20, 20), bool) for _ in range(300)]
    for k, mask in enumerate(masks):
        mask.flat[k] = True
    result = merge_panoptic(semantic, crops(*masks), [CAR] * 300, stuff_order=[ROAD])
    assert result.segment_map.dtype == np.uint16 and result.segment_map.flat[299] == 300
    rgb = segment_map_to_rgb(result.segment_map, len(result.segments))
    assert np.array_equal(rgb, segment_id_to_rgb(result.segment_map))
    small = result.segment_map.clip(0, 200).astype(np.uint8)
    assert np.array_equal(segment_map_to_rgb(small, 200), segment_id_to_rgb(small))


_masks = st.integers(1, 6).flatmap(
    lambda h: st.integers(1, 6).flatmap(
        lambda w: st.lists(hnp.arrays(bool, (h, w)), min_size=0, max_size=5).map(lambda ms: (h, w, ms))
    )
)


@settings(max_examples=60, deadline=None)
@given(_masks, st.data())
def test_canvas_layout_changes_nothing_but_speed(case, data):
    height, width, masks = case
    semantic = data.draw(hnp.arrays(np.uint8, (height, width), elements=st.sampled_from([VOID, ROAD, SKY, CAR])))
    categories = data.draw(st.lists(st.sampled_from([CAR, PERSON, SKY]), min_size=len(masks), max_size=len(masks)))
    row_crops = crops(*masks)  # C-ordered, as mask PNGs decode
    column_crops = [MaskCrop(c.y0, c.x0, np.asfortranarray(c.mask), c.area) for c in row_crops]  # as RLEs decode
    kwargs = {"stuff_order": [ROAD, SKY], "stuff_area_limit": 2}
    expected = merge_panoptic(semantic, column_crops, categories, **kwargs)
    for layout_crops in (row_crops, column_crops):
        for column_major in (True, False):
            result = merge_panoptic(semantic, layout_crops, categories, column_major=column_major, **kwargs)
            assert segments(result) == segments(expected)
            assert result.segment_map.dtype == expected.segment_map.dtype
            assert np.array_equal(result.segment_map, expected.segment_map)


def test_masks_and_categories_must_agree():
    with pytest.raises(ValueError, match="1 masks but 2 category ids"):
        merge_panoptic(np.zeros((1, 1), np.uint8), crops([[1]]), [CAR, CAR], stuff_order=[])


# ----------------------------------------------------------------------------- parity with the reference


def _segment_ids(path: Path) -> np.ndarray:
    return rgb_to_segment_id(read_png(path, channels=3))


def assert_same_as_reference(ours: Path, reference: Path) -> None:
    """Same pixel partition, same category per segment, same segments_info order (ids may differ)."""
    mine, theirs = (json.loads((d / "panoptic.json").read_text()) for d in (ours, reference))
    # same entries; ours in ascending id, the reference's in eval_sid2scene_label order
    assert mine["categories"] == sorted(theirs["categories"], key=lambda c: c["id"])
    assert mine["images"] == theirs["images"]
    for a, b in zip(mine["annotations"], theirs["annotations"], strict=True):
        assert b["image_id"] in (a["image_id"], int(a["image_id"]) if a["image_id"].replace("_", "").isdigit() else None)
        assert a["file_name"] == b["file_name"]
        x, y = _segment_ids(ours / "panoptic" / a["file_name"]), _segment_ids(reference / "panoptic" / b["file_name"])
        pairs = np.unique(np.stack([x.ravel(), y.ravel()], axis=1), axis=0)
        assert len(set(pairs[:, 0])) == len(set(pairs[:, 1])) == len(pairs), f"{a['file_name']}: partitions differ"
        to_ref = dict(pairs.tolist())
        assert to_ref.get(0, 0) == 0
        # the reference lists a stuff id once per contribution: keep its first place
        ref_order = list(dict.fromkeys((s["id"], s["category_id"]) for s in b["segments_info"]))
        assert [(to_ref.get(s["id"]), s["category_id"]) for s in a["segments_info"]] == ref_order
        areas = dict(zip(*np.unique(x, return_counts=True), strict=True))
        assert all(s["area"] == areas.get(s["id"], 0) for s in a["segments_info"])


@pytest.mark.parametrize("case", ["cityscapes", "pascal", "stress"])
def test_golden_reference_merge(tmp_path, case):
    folder = GOLDEN / case
    spec = load_eval_spec((folder / "spec.txt").read_text().strip())
    merge_panoptic_files(
        spec=spec,
        images=load_images(folder / "images.json"),
        images_json=folder / "images.json",
        semantic_dir=folder / "semantic",
        instances=folder / "instances.json",
        out_dir=tmp_path / "out",
    )
    assert_same_as_reference(tmp_path / "out", folder / "reference")


# ----------------------------------------------------------------------------- formats and workers


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo"
    generate_demo(out, dataset="cityscapes", num_images=3, height=128, width=256, seed=3)
    write_json(out / "images.json", images_json(build_images(out / "gt", "cityscapes")))
    return out


def _run(demo: Path, out: Path, instances: str, *extra: str) -> None:
    args = ["panoptic", "-s", "cpp-default", "--semantic", str(demo / "predictions" / "semantic")]
    args += ["--instances", str(demo / "predictions" / instances), "--images", str(demo / "images.json"), "-o", str(out)]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code == 0, result.output


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_all_input_formats_and_worker_counts_give_identical_bytes(demo, tmp_path):
    _run(demo, tmp_path / "coco", "instances.json", "-j", "1")
    expected = _files(tmp_path / "coco")
    assert len(expected) == 4  # 3 PNGs and panoptic.json
    annotations = json.loads(expected["panoptic.json"])["annotations"]
    assert sum(len(a["segments_info"]) for a in annotations) > 10
    _run(demo, tmp_path / "coco2", "instances.json", "-j", "2")
    _run(demo, tmp_path / "per_image", "instances", "-j", "2")
    _run(demo, tmp_path / "cityscapes", "cityscapes", "-j", "1", "--format", "cityscapes")
    for name in ("coco2", "per_image", "cityscapes"):
        assert _files(tmp_path / name) == expected, name


def test_output_format(demo, tmp_path):
    _run(demo, tmp_path / "out", "instances.json")
    document = json.loads((tmp_path / "out" / "panoptic.json").read_text())
    assert document["images"] == json.loads((demo / "images.json").read_text())["images"]
    assert document["categories"][0] == {"id": 7, "name": "road", "color": [128, 64, 128], "isthing": 0}
    assert [c["id"] for c in document["categories"]] == sorted(c["id"] for c in document["categories"])
    annotation = document["annotations"][0]
    assert annotation["image_id"] == "frankfurt_000000_000019"
    assert annotation["file_name"] == "frankfurt_000000_000019_gtFine_leftImg8bit.png"
    ids = _segment_ids(tmp_path / "out" / "panoptic" / annotation["file_name"])
    for n, segment in enumerate(annotation["segments_info"], start=1):
        assert segment["id"] == n and segment["iscrowd"] == 0
        ys, xs = np.nonzero(ids == n)
        assert segment["area"] == ys.size
        assert segment["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


# ----------------------------------------------------------------------------- bad input, through the CLI


@pytest.fixture
def tiny(tmp_path) -> Path:
    """Two 8x10 images with semantic PNGs and instances in all three formats."""
    root = tmp_path / "in"
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 10, "height": 8} for i in ("a", "b")]
    write_json(root / "images.json", {"images": images})
    entries = []
    for image_id in ("a", "b"):
        write_png(root / "sem" / f"{image_id}.png", np.full((8, 10), ROAD, np.uint8))
        mask = np.zeros((8, 10), np.uint8)
        mask[2:5, 3:7] = 1
        entries.append({"image_id": image_id, "category_id": CAR, "segmentation": rle(mask), "score": 0.9})
        write_json(root / "per_image" / f"{image_id}.json", [entries[-1]])
        write_png(root / "cs" / "masks" / f"{image_id}.png", mask * np.uint8(255))
        (root / "cs" / f"{image_id}_pred.txt").write_text(f"masks/{image_id}.png {CAR} 0.9\n")
    write_json(root / "instances.json", entries)
    return root


def _invoke(root: Path, instances: str = "instances.json", *extra: str):
    args = ["panoptic", "-s", "cpp-default", "--semantic", str(root / "sem"), "--instances", str(root / instances)]
    return runner.invoke(app, [*args, "--images", str(root / "images.json"), "-o", str(root.parent / "out"), *extra])


def test_tiny_inputs_work_in_every_format(tiny):
    for instances in ("instances.json", "per_image", "cs"):
        result = _invoke(tiny, instances, "--stuff-area-limit", "10", "--overwrite")
        assert result.exit_code == 0, result.output
        annotation = json.loads((tiny.parent / "out" / "panoptic.json").read_text())["annotations"][0]
        assert [(s["category_id"], s["area"]) for s in annotation["segments_info"]] == [(CAR, 12), (ROAD, 68)]


def test_existing_outputs_are_replaced_only_with_overwrite(tiny):
    assert _invoke(tiny).exit_code == 0
    before = (tiny.parent / "out" / "panoptic.json").read_bytes()
    result = _invoke(tiny, "instances.json", "--stuff-area-limit", "10")
    assert result.exit_code == 2
    assert re.match(r"error: .*out: 3 outputs already exist \(panoptic.json, panoptic/a.png, panoptic/b.png\); add --overwrite", result.stderr)
    assert (tiny.parent / "out" / "panoptic.json").read_bytes() == before
    assert _invoke(tiny, "instances.json", "--stuff-area-limit", "10", "--overwrite").exit_code == 0
    assert (tiny.parent / "out" / "panoptic.json").read_bytes() != before


def _break_category(root: Path) -> str:
    entries = json.loads((root / "instances.json").read_text())
    entries[1]["category_id"] = 29  # caravan: IGNORED in cpp-default
    write_json(root / "instances.json", entries)
    return rf"{root / 'instances.json'}: \[1\] \(image_id 'b'\): category_id 29 \(score 0.9\) is not a thing or stuff class"


def _break_rle_size(root: Path) -> str:
    entries = json.loads((root / "instances.json").read_text())
    entries[0]["segmentation"] = rle(np.zeros((10, 8)))
    write_json(root / "instances.json", entries)
    return rf"{root / 'instances.json'}: \[0\] \(image_id 'a'\): RLE size 8x10, expected 10x8 \(images.json\)"


def _break_semantic_size(root: Path) -> str:
    write_png(root / "sem" / "b.png", np.zeros((8, 9), np.uint8))
    return rf"{root / 'sem' / 'b.png'}: size 9x8, expected 10x8 \(images.json\)"


def _break_semantic_channels(root: Path) -> str:
    write_png(root / "sem" / "a.png", np.zeros((8, 10, 3), np.uint8))
    return rf"{root / 'sem' / 'a.png'}: 8-bit RGB PNG, expected an 8-bit grayscale PNG"


def _break_semantic_file(root: Path) -> str:
    (root / "sem" / "a.png").write_bytes(b"not a png")
    return rf"{root / 'sem' / 'a.png'}: not a PNG file"


def _missing_semantic(root: Path) -> str:
    (root / "sem" / "a.png").unlink()
    (root / "sem" / "b.png").rename(root / "sem" / "b_x.png")
    return rf"{root / 'sem'}: no semantic PNG file for 2 of 2 images: a, b"


def _malformed_json(root: Path) -> str:
    (root / "instances.json").write_text("[{")
    return rf"{root / 'instances.json'}: malformed JSON at line 1"


BAD_INPUTS = {
    "category": ("instances.json", _break_category),
    "rle size": ("instances.json", _break_rle_size),
    "semantic size": ("instances.json", _break_semantic_size),
    "semantic channels": ("instances.json", _break_semantic_channels),
    "semantic unreadable": ("instances.json", _break_semantic_file),
    "semantic missing": ("instances.json", _missing_semantic),
    "malformed json": ("instances.json", _malformed_json),
}


def _txt_line(root: Path) -> str:
    (root / "cs" / "b_pred.txt").write_text("masks/b.png 26\n")
    return rf"{root / 'cs' / 'b_pred.txt'}: line 1: expected 'mask.png label_id confidence', got 'masks/b.png 26'"


def _txt_mask(root: Path) -> str:
    (root / "cs" / "masks" / "b.png").unlink()
    return rf"{root / 'cs' / 'b_pred.txt'}: line 1: mask file masks/b.png not found"


def _txt_missing(root: Path) -> str:
    (root / "cs" / "b_pred.txt").unlink()
    return rf"{root / 'cs'}: no Cityscapes instance txt file for 1 of 2 images: b"


def _per_image_bad(root: Path) -> str:
    (root / "per_image" / "b.json").write_text('{"a": 1}')
    return rf"{root / 'per_image' / 'b.json'}: expected a JSON list of instances"


BAD_INPUTS |= {
    "txt line": ("cs", _txt_line),
    "txt mask": ("cs", _txt_mask),
    "txt missing": ("cs", _txt_missing),
    "per-image json": ("per_image", _per_image_bad),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_and_no_output(tiny, name):
    instances, break_it = BAD_INPUTS[name]
    pattern = break_it(tiny)
    result = _invoke(tiny, instances, "-j", "2")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and re.match(rf"error: {pattern}", lines[0]), lines
    assert not (tiny.parent / "out").exists()
    assert not [p for p in tiny.parent.iterdir() if p.name.startswith(".out")]


def test_bad_format_option(tiny):
    result = _invoke(tiny, "instances.json", "--format", "yaml")
    assert result.exit_code == 2 and result.stderr.strip() == "error: --format: 'yaml' is not one of 'auto', 'coco', 'cityscapes'"


def test_output_folder_must_not_be_the_semantic_folder(tiny):
    args = ["panoptic", "-s", "cpp-default", "--semantic", str(tiny / "sem"), "--instances", str(tiny / "instances.json")]
    result = runner.invoke(app, [*args, "--images", str(tiny / "images.json"), "-o", str(tiny / "sem")])
    assert result.exit_code == 2 and "--output is the same path as the input --semantic" in result.stderr


def test_failure_keeps_an_existing_output_folder_as_it_was(tiny):
    assert _invoke(tiny).exit_code == 0
    before = _files(tiny.parent / "out")
    _break_semantic_size(tiny)
    assert _invoke(tiny).exit_code == 2
    assert _files(tiny.parent / "out") == before


def test_unmatched_instances_and_files_warn(tiny):
    entries = json.loads((tiny / "instances.json").read_text())
    write_json(tiny / "instances.json", [*entries, {**entries[0], "image_id": "zz"}])
    write_png(tiny / "sem" / "c.png", np.zeros((8, 10), np.uint8))
    result = _invoke(tiny)
    assert result.exit_code == 0, result.output
    assert "1 instances belong to no image of images.json (image_id 'zz')" in result.stderr
    assert "1 PNG files match no image of images.json: c.png" in result.stderr


def test_cityscapes_masks_with_values_between_1_and_254_warn(tiny):
    mask = np.zeros((8, 10), np.uint8)
    mask[0, :4] = 255
    mask[1, :4] = 1
    write_png(tiny / "cs" / "masks" / "a.png", mask)
    result = _invoke(tiny, "cs", "--stuff-area-limit", "1")
    assert result.exit_code == 0, result.output
    assert "1 Cityscapes mask files hold values between 1 and 254" in result.stderr.replace("\n", " ")
    annotation = json.loads((tiny.parent / "out" / "panoptic.json").read_text())["annotations"][0]
    assert annotation["segments_info"][0]["area"] == 4


def test_integer_image_ids_and_file_names_without_extension(tiny):
    write_json(tiny / "images.json", {"images": [{"id": 1, "file_name": "sub/one", "width": 10, "height": 8}]})
    shutil.copy(tiny / "sem" / "a.png", tiny / "sem" / "1.png")
    entries = json.loads((tiny / "instances.json").read_text())
    write_json(tiny / "instances.json", [{**entries[0], "image_id": "1"}])
    result = _invoke(tiny)
    assert result.exit_code == 0, result.output
    document = json.loads((tiny.parent / "out" / "panoptic.json").read_text())
    assert document["annotations"][0]["image_id"] == 1 and document["annotations"][0]["file_name"] == "sub/one.png"
    assert cv2.imread(str(tiny.parent / "out" / "panoptic" / "sub" / "one.png")) is not None
