"""Readers name the file and the problem; writers are atomic."""

from __future__ import annotations

import os

import numpy as np
import pytest

from pps_cli import io
from pps_cli.errors import PpsError


def test_png_round_trip_rgb_and_gray(tmp_path):
    rgb = np.arange(3 * 4 * 3, dtype=np.uint8).reshape(3, 4, 3)
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    io.write_png(tmp_path / "rgb.png", rgb)
    io.write_png(tmp_path / "gray.png", gray)
    np.testing.assert_array_equal(io.read_png(tmp_path / "rgb.png", channels=3), rgb)
    np.testing.assert_array_equal(io.read_png(tmp_path / "gray.png", channels=1), gray)
    assert io.encode_png(rgb) == io.encode_png(rgb.copy())  # deterministic bytes


def test_png_channel_mismatch_is_named(tmp_path):
    io.write_png(tmp_path / "rgb.png", np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(PpsError, match=r"rgb.png: 8-bit RGB PNG, expected an 8-bit grayscale PNG"):
        io.read_png(tmp_path / "rgb.png", channels=1)


def test_corrupt_and_missing_files(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"not a png at all, not even close to it........")
    with pytest.raises(PpsError, match=r"bad.png: not a PNG file"):
        io.read_png(tmp_path / "bad.png", channels=1)
    good = io.encode_png(np.zeros((50, 50), np.uint8))
    (tmp_path / "cut.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(PpsError, match=r"cut.png: corrupt or truncated PNG"):
        io.read_png(tmp_path / "cut.png", channels=1)
    with pytest.raises(PpsError, match=r"missing.png: file not found"):
        io.read_png(tmp_path / "missing.png", channels=1)


def test_tiff_size_from_header_and_uid_round_trip(tmp_path):
    uids = (np.arange(15, dtype=np.int32).reshape(3, 5) * 654_321) % 10_000_000
    io.write_uid_tiff(tmp_path / "gt.tif", uids)
    assert io.tiff_size(tmp_path / "gt.tif") == (5, 3)
    np.testing.assert_array_equal(io.read_uid_tiff(tmp_path / "gt.tif"), uids)
    (tmp_path / "fake.tif").write_bytes(b"GIF89a....")
    with pytest.raises(PpsError, match="fake.tif: not a TIFF file"):
        io.tiff_size(tmp_path / "fake.tif")


def test_malformed_json_names_line(tmp_path):
    (tmp_path / "x.json").write_text('{"images": [1, 2,\n ]}')
    with pytest.raises(PpsError, match=r"x.json: malformed JSON at line 2, column 2"):
        io.read_json(tmp_path / "x.json")


def test_write_json_converts_numpy(tmp_path):
    io.write_json(tmp_path / "o.json", {"a": np.int64(3), "b": np.float32(0.5), "c": np.arange(2)})
    assert io.read_json(tmp_path / "o.json") == {"a": 3, "b": 0.5, "c": [0, 1]}


def test_atomic_write_leaves_no_temp_file(tmp_path):
    io.write_bytes_atomic(tmp_path / "f.bin", b"abc")
    assert os.listdir(tmp_path) == ["f.bin"]


def test_staged_output_is_all_or_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with io.staged_output(out) as stage:
            io.write_bytes_atomic(stage / "a.png", b"1")
            raise RuntimeError("boom")
    assert not out.exists() and os.listdir(tmp_path) == []
    with io.staged_output(out) as stage:
        io.write_bytes_atomic(stage / "sub" / "a.png", b"1")
    assert (out / "sub" / "a.png").read_bytes() == b"1" and os.listdir(tmp_path) == ["out"]


def test_list_files_names_a_missing_folder_even_when_its_name_is_too_long(tmp_path):
    (tmp_path / "a_file").write_text("x")
    for root, problem in [(tmp_path / "nope", "folder not found"), (tmp_path / ("a" * 300), "folder not found"),
                          (tmp_path / "a_file", "not a folder")]:  # fmt: skip
        with pytest.raises(PpsError, match=problem):
            io.list_files(root, (".png",))
