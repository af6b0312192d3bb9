"""PNG codec of io.py: our writer's files are valid PNGs that OpenCV reads back identically, the fast
reader gives OpenCV's pixels, and anything unusual goes through OpenCV (or its error)."""

from __future__ import annotations

import zlib

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pps_cli import io
from pps_cli.errors import PpsError

images = hnp.arrays(
    np.uint8,
    st.tuples(st.integers(1, 12), st.integers(1, 12)).flatmap(lambda hw: st.sampled_from([hw, (*hw, 3)])),
)


def _opencv_rgb(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if image.ndim == 3 else image


@settings(max_examples=60, deadline=None)
@given(images)
def test_written_pngs_read_back_identically_by_us_and_by_opencv(image):
    data = io.encode_png(image)
    np.testing.assert_array_equal(_opencv_rgb(data), image)
    np.testing.assert_array_equal(io.decode_png(data, "x.png", channels=1 if image.ndim == 2 else 3), image)


def test_zlib_fallback_without_isal_writes_the_same_pixels(monkeypatch):
    image = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    monkeypatch.setattr(io, "_DEFLATE", zlib)
    data = io.encode_png(image)
    np.testing.assert_array_equal(_opencv_rgb(data), image)
    np.testing.assert_array_equal(io.decode_png(data, "x.png", channels=3), image)


@pytest.mark.parametrize("channels", [1, 3])
def test_filtered_and_interlaced_pngs_are_read_through_opencv(channels):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 4, (16, 9) if channels == 1 else (16, 9, 3), dtype=np.uint8)
    bgr = image if channels == 1 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    # OpenCV's default row filters (adaptive): the fast path sees filter bytes and hands over
    ok, filtered = cv2.imencode(".png", bgr)
    assert ok and io._decode_plain_png(filtered.tobytes(), channels) is None
    np.testing.assert_array_equal(io.decode_png(filtered.tobytes(), "f.png", channels=channels), image)
    interlaced = bytearray(io.encode_png(image))
    interlaced[28] = 1  # IHDR interlace flag (CRC now wrong too: OpenCV rejects it)
    assert io._decode_plain_png(bytes(interlaced), channels) is None


def test_corrupt_and_truncated_pngs_are_one_line_errors():
    data = io.encode_png(np.zeros((40, 30), np.uint8))
    corrupt = bytearray(data)
    corrupt[45] ^= 0xFF  # inside the IDAT payload: its CRC no longer matches
    for bad in (bytes(corrupt), data[:50]):
        with pytest.raises(PpsError, match="corrupt or truncated PNG"):
            io.decode_png(bad, "bad.png", channels=1)


def test_an_empty_image_cannot_be_a_png():
    with pytest.raises(ValueError, match="at least one pixel"):
        io.encode_png(np.zeros((0, 3), np.uint8))


@settings(max_examples=40, deadline=None)
@given(images)
def test_read_only_views_hold_the_same_pixels_and_copies_are_writable(image):
    data = io.encode_png(image)
    channels = 1 if image.ndim == 2 else 3
    view = io.decode_png(data, "x.png", channels=channels, writable=False)
    copy = io.decode_png(data, "x.png", channels=channels)
    np.testing.assert_array_equal(view, image)
    np.testing.assert_array_equal(copy, image)
    assert copy.flags.writeable and copy.flags.c_contiguous
    # a decoded view (rows apart by their filter byte) encodes to the same file as the original
    assert io.encode_png(view) == data


def test_png_rows_are_filled_in_place_and_checked():
    rows, samples = io.png_rows(2, 3, channels=3)
    assert rows.shape == (2, 10) and samples.shape == (2, 3, 3) and np.shares_memory(rows, samples)
    image = np.arange(18, dtype=np.uint8).reshape(2, 3, 3)
    samples[...] = image
    assert rows[:, 0].tolist() == [0, 0]  # filter type "none" on every row
    assert io.encode_png_rows(rows, channels=3) == io.encode_png(image)
    gray_rows, gray = io.png_rows(3, 2, channels=1)
    gray[...] = 7
    np.testing.assert_array_equal(_opencv_rgb(io.encode_png_rows(gray_rows, channels=1)), np.full((3, 2), 7, np.uint8))
    for height, width, channels in [(0, 3, 3), (2, 0, 1), (2, 2, 4)]:
        with pytest.raises(ValueError):
            io.png_rows(height, width, channels=channels)
    with pytest.raises(ValueError, match="rows"):
        io.encode_png_rows(rows[:, :9], channels=3)  # 8 samples are not whole RGB pixels
