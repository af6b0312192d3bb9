"""The statistics behind the input checks, on hand-made arrays (thresholds in docs/inputs.md)."""

from __future__ import annotations

import numpy as np
import pytest

from pps_cli.errors import PpsError
from pps_cli.formats.checks import (
    MIN_PART_PIXELS,
    ROW_STEP,
    ChannelCounts,
    channel_counts,
    check_channel_counts,
    check_layout,
    check_part_ids,
    foreign_part_fraction,
    part_pair_counts,
    plausibility_table,
    spec_dataset,
)
from pps_cli.io import write_uid_tiff
from pps_cli.metrics.runs import pack_predictions
from pps_cli.specs import load_eval_spec

CPP = load_eval_spec("cpp-default")
GROUPED = load_eval_spec("cpp-grouped")
PERSON, RIDER, CAR, ROAD = 24, 25, 26, 7


def test_part_pairs_count_part_labelled_pixels_of_parts_classes_on_sampled_rows():
    classes = np.array([[PERSON, PERSON, ROAD, CAR]], np.uint8).repeat(ROW_STEP, axis=0)
    parts = np.array([[1, 0, 3, 255]], np.uint8).repeat(ROW_STEP, axis=0)
    keys, counts = part_pair_counts(classes, parts, CPP.is_parts)
    # one sampled row: (person, 1) counts; (person, 0) no part; road is no parts class; (car, 255) void
    assert keys.tolist() == [PERSON * 256 + 1] and counts.tolist() == [1]


def test_foreign_fraction_of_grouped_ids_under_the_default_spec():
    # cpp-default: person 1..4, rider 5..8, car 9..13; cpp-grouped: person and rider 1..4, car 5..9
    keys = np.array([PERSON * 256 + 1, RIDER * 256 + 2, CAR * 256 + 6], np.int64)
    counts = np.array([100, 100, 100], np.int64)
    # default: rider with flat 2 and car with flat 6 are foreign -> 2/3; grouped: all own -> 0
    assert foreign_part_fraction(keys, counts, CPP) == pytest.approx(2 / 3)
    assert foreign_part_fraction(keys, counts, GROUPED) == 0.0
    with pytest.raises(PpsError, match=r"67% of .* under cpp-default \(the part PNGs look made for cpp-grouped"):
        check_part_ids(keys, counts, CPP, where="parts")
    check_part_ids(keys, counts, GROUPED, where="parts")
    assert foreign_part_fraction(keys, counts // 100, CPP) is None  # too few pixels to judge
    assert MIN_PART_PIXELS > 3


def test_plausibility_table_and_swapped_channels():
    table = plausibility_table(CPP)
    assert table[ROAD].all() and table[255].all()  # no-parts class and void: any part value
    assert table[PERSON, [0, 1, 4, 255]].all() and not table[PERSON, 5:255].any()  # person has pids 1..4
    assert not table[1].any()  # ego vehicle is not evaluated
    pps = np.zeros((ROW_STEP, 4, 3), np.uint8)
    pps[0] = [[ROAD, 1, 1], [PERSON, 1, 2], [255, 0, 0], [CAR, 1, 1]]
    ones = np.ones(pps[0].size // 3, np.int64)
    counts = channel_counts(pack_predictions(pps[:1]), ones, table)
    assert counts == ChannelCounts(4, 0, 4)  # swapped classes 1, 2, 0, 1: none evaluated
    check_channel_counts(counts, CPP, where="pred")
    with pytest.raises(PpsError, match="look written as part, instance, class"):
        check_channel_counts(channel_counts(pack_predictions(pps[:1, :, ::-1]), ones, table), CPP, where="pred")


def test_layout_of_the_spec_and_of_the_gt(tmp_path):
    assert spec_dataset(CPP) == "cityscapes" and spec_dataset(load_eval_spec("ppp-107")) == "pascal"
    write_uid_tiff(tmp_path / "2008_000001.tif", np.zeros((2, 2), np.int32))
    check_layout(tmp_path, load_eval_spec("ppp-default"))
    with pytest.raises(PpsError, match=r"PASCAL-Panoptic-Parts layout .* use -s ppp-default"):
        check_layout(tmp_path, CPP)


def test_channel_counts_weigh_each_group_by_its_pixels():
    table = plausibility_table(CPP)
    # packed class | instance << 8 | part << 16. Swapped, road part 1 reads as class 1 and person part 2
    # as class 2 (neither evaluated); person part 9 is implausible both ways (person has pids 1..4).
    pred = np.array([ROAD | 1 << 8 | 1 << 16, PERSON | 1 << 8 | 2 << 16, PERSON | 2 << 8 | 9 << 16], np.uint32)
    counts = channel_counts(pred, np.array([5, 3, 2]), table)
    assert counts == ChannelCounts(pixels=10, implausible=2, implausible_swapped=10)
    assert counts + counts == ChannelCounts(20, 4, 20)
    check_channel_counts(counts, CPP, where="pred")  # 20% implausible, but swapped is worse
    bgr = pred >> 16 & 0xFF | pred & 0xFF00 | (pred & 0xFF) << 16
    assert channel_counts(bgr, np.array([5, 3, 2]), table) == ChannelCounts(10, 10, 2)
    check_channel_counts(ChannelCounts(10, 10, 2), CPP, where="pred")  # swapped only 5x better: no verdict
    assert channel_counts(bgr[:2], np.array([5, 3]), table) == ChannelCounts(8, 8, 0)
    with pytest.raises(PpsError, match="^pred: 100% of the PPS pixels .* --no-channel-check"):
        check_channel_counts(ChannelCounts(8, 8, 0), CPP, where="pred")
    check_channel_counts(ChannelCounts(), CPP, where="pred")  # nothing counted: nothing to say


