"""images.json building and exact file-to-image matching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pps_cli.dataset import ImageInfo, build_images, find_gt_files, load_images, match_files, parse_ids
from pps_cli.errors import PpsError
from pps_cli.io import write_json, write_uid_tiff


def _tif(path: Path, height: int = 3, width: int = 5) -> None:
    write_uid_tiff(path, np.full((height, width), 7, np.int32))


def test_cityscapes_layout(tmp_path):
    _tif(tmp_path / "zurich" / "zurich_000001_000019_gtFinePanopticParts.tif", 4, 6)
    _tif(tmp_path / "aachen" / "aachen_000000_000019_gtFinePanopticParts.tif")
    images = build_images(tmp_path)
    assert [i.as_json() for i in images] == [
        {"id": "aachen_000000_000019", "file_name": "aachen_000000_000019_gtFine_leftImg8bit.png", "width": 5, "height": 3},
        {"id": "zurich_000001_000019", "file_name": "zurich_000001_000019_gtFine_leftImg8bit.png", "width": 6, "height": 4},
    ]


def test_pascal_layout(tmp_path):
    _tif(tmp_path / "2008_000393.tif")
    _tif(tmp_path / "2008_000002.tif", 2, 2)
    assert [(i.id, i.file_name, i.width) for i in build_images(tmp_path, "pascal")] == [
        ("2008_000002", "2008_000002.png", 2),
        ("2008_000393", "2008_000393.png", 5),
    ]


def test_gt_folder_errors(tmp_path):
    with pytest.raises(PpsError, match="no ground-truth TIFFs found"):
        find_gt_files(tmp_path)
    with pytest.raises(PpsError, match="folder not found"):
        find_gt_files(tmp_path / "nope")
    _tif(tmp_path / "a" / "x_gtFinePanopticParts.tif")
    _tif(tmp_path / "b" / "x_gtFinePanopticParts.tif")
    with pytest.raises(PpsError, match=r"duplicate image ids: x \(a/x_gtFinePanopticParts.tif, b/x_gtFinePanopticParts.tif\)"):
        find_gt_files(tmp_path)


def test_unreadable_gt_files_are_all_named(tmp_path):
    _tif(tmp_path / "ok.tif")
    (tmp_path / "bad1.tif").write_bytes(b"junk")
    (tmp_path / "bad2.tif").write_bytes(b"")
    with pytest.raises(PpsError, match=r"2 unreadable GT files: bad1.tif \(.*\), bad2.tif"):
        build_images(tmp_path)


def test_load_images_accepts_image_id_and_int_ids(tmp_path):
    write_json(tmp_path / "i.json", {"images": [{"image_id": 12, "file_name": "12.png", "width": 4, "height": 3}]})
    assert load_images(tmp_path / "i.json") == [ImageInfo(12, "12.png", 4, 3)]
    write_json(tmp_path / "d.json", {"images": [{"id": "a", "width": 1, "height": 1}, {"id": "a", "width": 1, "height": 1}]})
    with pytest.raises(PpsError, match="duplicate image ids: a"):
        load_images(tmp_path / "d.json")
    write_json(tmp_path / "w.json", {"images": [{"id": "a", "height": 1}]})
    with pytest.raises(PpsError, match=r"images\[0\] \(id a\): needs integer 'width' and 'height'"):
        load_images(tmp_path / "w.json")
    (tmp_path / "inf.json").write_text('{"images": [{"id": "a", "width": Infinity, "height": 1}]}')
    with pytest.raises(PpsError, match=r"images\[0\] \(id a\): needs integer 'width' and 'height'"):
        load_images(tmp_path / "inf.json")


def test_parse_ids_reads_a_list_or_a_file(tmp_path):
    assert parse_ids(" a, b,,c ") == ["a", "b", "c"]
    many = [f"frankfurt_000000_{i:06d}" for i in range(20)]  # longer than a file name may be
    assert parse_ids(",".join(many)) == many
    (tmp_path / "ids.txt").write_text("# chosen\na\n\n b \n")
    assert parse_ids(str(tmp_path / "ids.txt")) == ["a", "b"]
    with pytest.raises(PpsError, match="--ids: no image ids given"):
        parse_ids(" , ")


def test_match_files_is_exact_not_substring(tmp_path):
    images = [ImageInfo("1", "1.png", 1, 1), ImageInfo("10", "10.png", 1, 1)]
    files = [tmp_path / "10.png", tmp_path / "1_leftImg8bit.png", tmp_path / "110.png"]
    matched, unmatched = match_files(images, files, root=tmp_path, what="semantic")
    assert matched == {"10": tmp_path / "10.png", "1": tmp_path / "1_leftImg8bit.png"}
    assert unmatched == [tmp_path / "110.png"]


def test_match_files_missing_and_ambiguous_list_every_image(tmp_path):
    images = [ImageInfo(k, f"{k}.png", 1, 1) for k in ("a", "b", "c")]
    with pytest.raises(PpsError, match=r"no semantic file for 2 of 3 images: b, c"):
        match_files(images, [tmp_path / "a.png"], root=tmp_path, what="semantic")
    with pytest.raises(PpsError, match=r"several part files for one image: a \(a.png, a_pred.png\)"):
        match_files(images, [tmp_path / "a.png", tmp_path / "a_pred.png"], root=tmp_path, what="part", required=False)
