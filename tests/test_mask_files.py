"""Cityscapes mask PNGs: the crop read_mask_file returns is the tight box of the 255 pixels."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pps_cli.formats.instances import MaskCrop, read_mask_file
from pps_cli.io import write_png


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 7), st.integers(1, 7)), elements=st.sampled_from([0, 0, 1, 254, 255])))
def test_mask_file_crop_is_the_tight_box_of_255(tmp_path_factory, mask):
    path = tmp_path_factory.mktemp("m") / "m.png"
    write_png(path, mask)
    crop, partial = read_mask_file(path, height=mask.shape[0], width=mask.shape[1])
    expected = MaskCrop.from_array(mask == 255)
    assert (crop.y0, crop.x0, crop.mask.shape, crop.area) == (expected.y0, expected.x0, expected.mask.shape, expected.area)
    np.testing.assert_array_equal(crop.to_array(*mask.shape), mask == 255)
    assert partial == bool(((mask > 0) & (mask < 255)).any())
