"""Run-length helpers on hand-made maps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pps_cli.merge.runs import pixel_runs, run_boxes


def test_pixel_runs_by_hand():
    # values 5 5 5 7 7 and parts 0 0 1 1 1: changes before pixel 2 (part) and 3 (value)
    starts, lengths = pixel_runs(np.array([5, 5, 5, 7, 7]), np.array([0, 0, 1, 1, 1], np.uint8))
    assert starts.tolist() == [0, 2, 3] and lengths.tolist() == [2, 1, 2]
    starts, lengths = pixel_runs(np.zeros(0, np.int32))
    assert starts.tolist() == [] and lengths.tolist() == []


def test_pixel_runs_break_at_rows():
    # a 2x3 image of one value: one run per row
    starts, lengths = pixel_runs(np.zeros(6, np.uint8), row_length=3)
    assert starts.tolist() == [0, 3] and lengths.tolist() == [3, 3]


def test_run_boxes_by_hand():
    # label 1 at (row 0, cols 1-2) and (row 2, col 0): box x 0..2, y 0..2 -> [0, 0, 3, 3]; label 2 absent
    image = np.array([[0, 1, 1], [0, 0, 0], [1, 0, 0]], np.uint8)
    starts, lengths = pixel_runs(image.reshape(-1), row_length=3)
    boxes = run_boxes(image.reshape(-1)[starts], starts, lengths, width=3, num_labels=3)
    assert boxes.tolist() == [[0, 0, 3, 3], [0, 0, 3, 3], [0, 0, 0, 0]]


@given(hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, max_side=9), elements=st.integers(0, 3)))
def test_runs_rebuild_the_image_and_boxes_match_the_pixels(image):
    height, width = image.shape
    starts, lengths = pixel_runs(image.reshape(-1), row_length=width)
    labels = image.reshape(-1)[starts]
    np.testing.assert_array_equal(np.repeat(labels, lengths).reshape(height, width), image)
    boxes = run_boxes(labels, starts, lengths, width=width, num_labels=4)
    for label in range(4):
        ys, xs = np.nonzero(image == label)
        expected = [0, 0, 0, 0] if ys.size == 0 else [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
        assert boxes[label].tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.int32, hnp.array_shapes(min_dims=2, max_dims=2, max_side=9), elements=st.integers(0, 2)),
    st.integers(0, 2**30),
    st.integers(1, 40),
)
def test_metric_runs_in_bands_equal_runs_of_the_whole_image(uids, seed, band_pixels):
    """pixel_runs works in bands of rows; any band size gives the runs of the flattened image."""
    from pps_cli.metrics import runs as metric_runs

    rng = np.random.default_rng(seed)
    pred = rng.integers(0, 2, (*uids.shape, 3)).astype(np.uint8)
    flat_uid, flat_pred = uids.reshape(-1), metric_runs.pack_predictions(pred)
    starts = metric_runs.run_starts(flat_uid, flat_pred)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(metric_runs, "CACHE_BAND_PIXELS", band_pixels)
        runs = metric_runs.pixel_runs(uids, pred)
    assert runs.uid.tolist() == flat_uid[starts].tolist()
    assert runs.pred.tolist() == (flat_pred[starts] & 0xFFFFFF).tolist()
    assert runs.length.tolist() == np.diff(starts, append=flat_uid.size).tolist()
