"""Cityscapes mask PNGs: the crop read_mask_file returns is the tight box of the 255 pixels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pps_cli.formats import instances
from pps_cli.formats.instances import MaskCrop, nonzero_rows, read_mask_file
from pps_cli.io import write_png

_mask_values = st.sampled_from([0, 0, 1, 254, 255])


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 7), st.integers(1, 7)), elements=_mask_values), st.sampled_from([1, 2, 3, 32]))
def test_mask_file_crop_is_the_tight_box_of_255(tmp_path_factory, mask, row_block):
    path = tmp_path_factory.mktemp("m") / "m.png"
    write_png(path, mask)
    with pytest.MonkeyPatch.context() as patch:  # small row blocks: bands of several blocks in tiny masks
        patch.setattr(instances, "ROW_BLOCK", row_block)
        crop, partial = read_mask_file(path, height=mask.shape[0], width=mask.shape[1])
    expected = MaskCrop.from_array(mask == 255)
    assert (crop.y0, crop.x0, crop.mask.shape, crop.area) == (expected.y0, expected.x0, expected.mask.shape, expected.area)
    np.testing.assert_array_equal(crop.to_array(*mask.shape), mask == 255)
    assert partial == bool(((mask > 0) & (mask < 255)).any())


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.uint8, st.tuples(st.integers(0, 9), st.integers(0, 5)), elements=_mask_values), st.integers(1, 4))
def test_nonzero_rows_is_a_band_of_whole_blocks_holding_every_nonzero_pixel(image, row_block):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(instances, "ROW_BLOCK", row_block)
        top, bottom = nonzero_rows(image)
    rows = np.flatnonzero(image.any(axis=1)) if image.size else np.zeros(0, int)
    if rows.size == 0:
        assert top == bottom
        return
    assert top == rows[0] // row_block * row_block
    assert bottom == min((rows[-1] // row_block + 1) * row_block, image.shape[0])
