"""Instance prediction readers: RLE/polygon decoding against pycocotools, COCO and Cityscapes files, id matching."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask

from pps_cli.dataset import ImageInfo
from pps_cli.errors import PpsError
from pps_cli.formats.instances import (
    InstanceRecord,
    MaskCrop,
    decode_instance,
    decode_polygons,
    decode_rle,
    detect_format,
    find_instance_sources,
    load_instances,
    read_cityscapes_txt,
    read_coco_results,
    read_mask_file,
)
from pps_cli.io import write_png

CATEGORIES = frozenset({7, 23, 24, 26})  # a few CPP stuff (7 road, 23 sky) and things (24 person, 26 car)


def rle(mask: np.ndarray, *, compressed: bool = True) -> dict:
    encoded = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
    if compressed:
        return {"size": list(encoded["size"]), "counts": encoded["counts"].decode("ascii")}
    # uncompressed: run lengths of 0s and 1s in column-major order, 0s first
    flat = mask.T.reshape(-1).astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    runs = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        runs = [0, *runs]
    return {"size": list(mask.shape), "counts": runs}


# ----------------------------------------------------------------------------- decoding


@settings(max_examples=200, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 12), st.integers(1, 12))), st.booleans())
def test_rle_decoding_matches_pycocotools(mask, compressed):
    height, width = mask.shape
    crop = decode_rle(rle(mask, compressed=compressed), height=height, width=width, where="x")
    assert crop.area == int(mask.sum())
    assert np.array_equal(crop.to_array(height, width), mask)
    if crop.area:  # the crop is the bounding box
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        assert (crop.y0, crop.x0) == (rows[0], cols[0])
        assert crop.mask.shape == (rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)


@pytest.mark.parametrize("shape", [(1024, 2048), (37, 5)])
def test_rle_decoding_large_counts_and_full_masks(shape):
    height, width = shape
    mask = np.zeros(shape, bool)
    mask[3:, 2:4] = True  # touches the bottom border: runs cross columns
    mask[-1, -1] = True
    for m in (mask, np.ones(shape, bool), np.zeros(shape, bool)):
        encoded = rle(m)
        crop = decode_rle(encoded, height=height, width=width, where="x")
        assert np.array_equal(crop.to_array(height, width), coco_mask.decode(encoded).astype(bool))


def test_polygons_match_pycocotools():
    polygons = [[1.5, 1, 20, 2, 18.2, 14, 3, 12], [25, 3, 30, 3, 28, 9]]
    crop = decode_polygons(polygons, height=16, width=32, where="x")
    expected = coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects(polygons, 16, 32))).astype(bool)
    assert np.array_equal(crop.to_array(16, 32), expected) and crop.area == expected.sum()


@pytest.mark.parametrize(
    ("segmentation", "message"),
    [
        ({"size": [4, 5], "counts": "0 !"}, "not a valid compressed RLE string"),
        ({"size": [4, 5], "counts": "1o"}, "truncated"),
        ({"size": [4, 5], "counts": [3, 4]}, r"corrupt RLE: its runs cover 7 pixels, expected 4x5"),
        ({"size": [4, 5], "counts": [3, -1, 18]}, "negative run lengths"),
        ({"size": [4, 5], "counts": 12}, "must be a string or a list"),
        ({"size": [5, 4], "counts": [20]}, r"RLE size 4x5, expected 5x4 \(images.json\)"),
        ({"counts": [20]}, "RLE object with 'size' and 'counts'"),
        ([[1, 2, 3]], "at least 3 finite x, y pairs"),
    ],
)
def test_bad_segmentations_raise_naming_the_entry(segmentation, message):
    record = InstanceRecord(26, 0.9, segmentation, "preds.json: [3]")
    with pytest.raises(PpsError, match=rf"^preds.json: \[3\]: .*{message}"):
        decode_instance(record, height=4, width=5)


def test_mask_crop_round_trip():
    mask = np.zeros((4, 6), bool)
    mask[1:3, 2] = mask[2, 4] = True
    crop = MaskCrop.from_array(mask)
    assert (crop.y0, crop.x0, crop.mask.shape, crop.area) == (1, 2, (2, 3), 3)
    assert np.array_equal(crop.to_array(4, 6), mask)
    assert MaskCrop.from_array(np.zeros((3, 3), bool)).area == 0


def test_cityscapes_mask_uses_255_only(tmp_path):
    mask = np.array([[0, 255, 1], [254, 255, 0]], np.uint8)
    write_png(tmp_path / "m.png", mask)
    crop, partial = read_mask_file(tmp_path / "m.png", height=2, width=3)
    assert partial and np.array_equal(crop.to_array(2, 3), mask == 255)
    write_png(tmp_path / "ok.png", np.where(mask == 255, 255, 0).astype(np.uint8))
    assert read_mask_file(tmp_path / "ok.png", height=2, width=3)[1] is False
    with pytest.raises(PpsError, match=r"m.png: size 3x2, expected 2x3 \(images.json\)"):
        read_mask_file(tmp_path / "m.png", height=3, width=2)


# ----------------------------------------------------------------------------- COCO results


def _images(*ids, size=(4, 5)):
    return [ImageInfo(i, f"{i}.png", size[1], size[0]) for i in ids]


def _entry(image_id, category_id=26, score=0.9, mask=None):
    mask = np.ones((4, 5), bool) if mask is None else mask
    return {"image_id": image_id, "category_id": category_id, "segmentation": rle(mask), "score": score}


def test_coco_results_match_ids_as_given_then_by_int(tmp_path):
    images = _images("2008_000393", "a", 7)
    entries = [
        _entry(2008000393),  # int() of the PASCAL id
        _entry("a", score=0.5),
        _entry("7"),  # int() of a string id matches an int id
        _entry("b"),  # no such image
        _entry(99, category_id=5, score=0.99),  # unmatched: not checked
        _entry("a", category_id=5, score=0.4999),  # below the threshold: dropped unchecked
    ]
    path = tmp_path / "preds.json"
    path.write_text(json.dumps(entries))
    results = read_coco_results(path, images, categories=CATEGORIES, confidence_thr=0.5)
    assert {k: len(v) for k, v in results.by_image.items()} == {"2008_000393": 1, "a": 1, "7": 1}
    assert results.unmatched == 2 and results.unmatched_ids == ("'b'", "99")
    assert results.by_image["a"][0].score == 0.5 and results.by_image["a"][0].where.endswith("[1] (image_id 'a')")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (_entry("a", category_id=25), r"category_id 25 \(score 0.9\) is not a thing or stuff class"),
        (_entry("a", category_id="car"), r"'category_id' must be an integer"),
        (_entry("a", score="high"), r"'score' must be a finite number"),
        ({"image_id": "a", "score": 1.0}, r"missing 'category_id', 'segmentation'"),
        ({**_entry("a"), "segmentation": {"size": [8, 5], "counts": [40]}}, r"RLE size 5x8, expected 5x4"),
        ("a", r"expected an object"),
        ({**_entry("a"), "image_id": ["a"]}, r"'image_id' must be a string or an integer"),
    ],
)
def test_coco_results_errors_name_file_and_entry(tmp_path, entry, message):
    path = tmp_path / "preds.json"
    path.write_text(json.dumps([entry]))
    with pytest.raises(PpsError, match=rf"^{re.escape(str(path))}: \[0\][^:]*: {message}"):
        read_coco_results(path, _images("a"), categories=CATEGORIES, confidence_thr=0.5)


def test_coco_results_not_a_list(tmp_path):
    path = tmp_path / "preds.json"
    path.write_text('{"x": 1}')
    with pytest.raises(PpsError, match="expected a JSON list of instances"):
        read_coco_results(path, _images("a"), categories=CATEGORIES, confidence_thr=0.5)


def test_per_image_coco_files_are_matched_exactly(tmp_path):
    folder = tmp_path / "inst"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps([_entry("ignored"), _entry("ignored", score=0.1)]))
    (folder / "a1.json").write_text("[]")  # belongs to image "a1", not to "a"
    (folder / "zzz.json").write_text("[]")
    images = _images("a", "a1")
    sources = find_instance_sources(folder, images, instance_format="auto", categories=CATEGORIES, confidence_thr=0.5)
    assert sources.warnings == (f"{folder}: 1 .json files match no image of images.json: zzz.json",)
    records = load_instances(sources.by_image["a"], images[0], categories=CATEGORIES, confidence_thr=0.5)
    assert len(records) == 1 and records[0].where == f"{folder / 'a.json'}: [0]"
    assert load_instances(sources.by_image["a1"], images[1], categories=CATEGORIES, confidence_thr=0.5) == []
    with pytest.raises(PpsError, match=r"no COCO instance JSON file for 1 of 3 images: b"):
        find_instance_sources(folder, _images("a", "a1", "b"), instance_format="coco", categories=CATEGORIES, confidence_thr=0.5)


# ----------------------------------------------------------------------------- Cityscapes


def _cityscapes(tmp_path: Path, lines: str, *, mask_dir: str = "masks") -> Path:
    city = tmp_path / "pred" / "frankfurt"
    (city / mask_dir).mkdir(parents=True, exist_ok=True)
    mask = np.zeros((4, 5), np.uint8)
    mask[1:3, 1:4] = 255
    write_png(city / mask_dir / "m0.png", mask)
    txt = city / "frankfurt_000000_000019_leftImg8bit_pred.txt"
    txt.write_text(lines)
    return txt


def test_cityscapes_txt_masks_relative_to_txt_folder_or_root(tmp_path):
    txt = _cityscapes(tmp_path, "masks/m0.png 26 0.75\n\nfrankfurt/masks/m0.png 7 1\nnowhere.png 24 0.2\n")
    records = read_cityscapes_txt(txt, tmp_path / "pred", categories=CATEGORIES, confidence_thr=0.5)
    assert [(r.category_id, r.score) for r in records] == [(26, 0.75), (7, 1.0)]
    assert records[0].segmentation == records[1].segmentation == txt.parent / "masks" / "m0.png"
    crop, partial = decode_instance(records[0], height=4, width=5)
    assert (crop.area, crop.y0, crop.x0, partial) == (6, 1, 1, False)


def test_cityscapes_txt_files_found_recursively_by_exact_id(tmp_path):
    txt = _cityscapes(tmp_path, "")
    images = _images("frankfurt_000000_000019")
    assert detect_format(tmp_path / "pred") == "cityscapes"
    sources = find_instance_sources(tmp_path / "pred", images, instance_format="auto", categories=CATEGORIES, confidence_thr=0.5)
    assert sources.by_image["frankfurt_000000_000019"].cityscapes_txt == txt
    assert load_instances(sources.by_image["frankfurt_000000_000019"], images[0], categories=CATEGORIES, confidence_thr=0.5) == []


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("masks/m0.png 26\n", r"line 1: expected 'mask.png label_id confidence', got 'masks/m0.png 26'"),
        ("\nmasks/m0.png car 0.9\n", r"line 2: expected 'mask.png label_id confidence'"),
        ("masks/m0.png 26 nan\n", r"line 1: confidence must be a finite number"),
        ("masks/m0.png 29 0.9\n", r"line 1: category_id 29 \(score 0.9\) is not a thing or stuff class"),
        ("masks/gone.png 26 0.9\n", r"line 1: mask file masks/gone.png not found \(looked in .*frankfurt and .*pred\)"),
    ],
)
def test_cityscapes_txt_errors(tmp_path, lines, message):
    txt = _cityscapes(tmp_path, lines)
    with pytest.raises(PpsError, match=rf"^{re.escape(str(txt))}: {message}"):
        read_cityscapes_txt(txt, tmp_path / "pred", categories=CATEGORIES, confidence_thr=0.5)


def test_detect_format(tmp_path):
    (tmp_path / "preds.json").write_text("[]")
    assert detect_format(tmp_path / "preds.json") == "coco"
    (tmp_path / "preds.txt").write_text("")
    with pytest.raises(PpsError, match="expected a COCO results .json file"):
        detect_format(tmp_path / "preds.txt")
    (tmp_path / "d").mkdir()
    with pytest.raises(PpsError, match="no instance predictions found"):
        detect_format(tmp_path / "d")
    (tmp_path / "d" / "a.json").write_text("[]")
    assert detect_format(tmp_path / "d") == "coco"
    (tmp_path / "d" / "sub").mkdir()
    (tmp_path / "d" / "sub" / "a_pred.txt").write_text("")
    with pytest.raises(PpsError, match="both .json and .txt files; choose the instance format with --format"):
        detect_format(tmp_path / "d")
