"""The uid codec and the panoptic RGB codec on hand-made arrays, plus round-trip properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pps_cli.formats.labels import (
    decode_uids,
    encode_uids,
    fold_sid_pids,
    invalid_uids,
    rgb_to_segment_id,
    segment_id_to_rgb,
)


def test_decode_each_uid_form():
    uids = np.array([[0, 7, 24, 24000], [24003, 2400105, 2400100, 1234567]], np.int32)
    d = decode_uids(uids)
    np.testing.assert_array_equal(d.sid, [[0, 7, 24, 24], [24, 24, 24, 12]])
    np.testing.assert_array_equal(d.iid, [[0, 0, 0, 0], [3, 1, 1, 345]])
    np.testing.assert_array_equal(d.pid, [[0, 0, 0, 0], [0, 5, 0, 67]])
    np.testing.assert_array_equal(d.sid_iid, [[0, 7, 24, 24000], [24003, 24001, 24001, 12345]])
    # pid 0 inside an instance (part-void) has no part: sid_pid is the sid
    np.testing.assert_array_equal(d.sid_pid, [[0, 7, 24, 24], [24, 2405, 24, 1267]])
    assert all(a.dtype == np.int32 for a in d)


def test_decode_no_info_value_tells_crowd_from_instance_zero():
    d = decode_uids(np.array([24, 24000, 2400000]), no_info=-1)
    np.testing.assert_array_equal(d.iid, [-1, 0, 0])
    np.testing.assert_array_equal(d.pid, [-1, -1, 0])


def test_invalid_uids_lists_distinct_bad_values():
    uids = np.array([[5, 100, 999, -3], [100, 10_000_000, 9_999_999, 99]])
    np.testing.assert_array_equal(invalid_uids(uids), [-3, 100, 999, 10_000_000])
    assert invalid_uids(np.array([0, 99, 1000, 99999, 100000, 9_999_999])).size == 0


def test_encode_rejects_what_uids_cannot_express():
    with pytest.raises(ValueError, match="a pid needs an iid"):
        encode_uids(np.array([24]), np.array([-1]), np.array([2]))
    with pytest.raises(ValueError, match="sid 0 cannot carry an instance"):
        encode_uids(np.array([0]), np.array([3]), np.array([-1]))


valid_uid = st.one_of(st.integers(0, 99), st.integers(1000, 99_999), st.integers(100_000, 9_999_999))


@given(hnp.arrays(np.int32, hnp.array_shapes(max_dims=3, max_side=5), elements=valid_uid))
def test_encode_inverts_decode(uids):
    d = decode_uids(uids, no_info=-1)
    np.testing.assert_array_equal(encode_uids(d.sid, d.iid, d.pid), uids)


@given(
    st.lists(
        st.tuples(st.integers(0, 99), st.integers(-1, 999), st.integers(-1, 99)).filter(
            lambda t: (t[1] >= 0 or t[2] < 0) and (t[0] > 0 or t[1] < 0)
        ),
        min_size=1,
        max_size=20,
    )
)
def test_decode_inverts_encode(triples):
    sid, iid, pid = (np.array(v) for v in zip(*triples, strict=True))
    d = decode_uids(encode_uids(sid, iid, pid), no_info=-1)
    np.testing.assert_array_equal(d.sid, sid)
    np.testing.assert_array_equal(d.iid, iid)
    np.testing.assert_array_equal(d.pid, pid)


def test_fold_sid_pids_reports_absent():
    table = np.full(10_000, -1, np.int32)
    table[[1, 101, 106, 107]] = [1, 101, 106, 106]
    folded, absent = fold_sid_pids(np.array([[1, 101], [107, 150]], np.int32), table)
    np.testing.assert_array_equal(folded, [[1, 101], [106, 150]])
    np.testing.assert_array_equal(absent, [150])


def test_rgb_codec_hand_made():
    rgb = np.array([[[1, 0, 0], [0, 1, 0], [255, 255, 255]]], np.uint8)
    np.testing.assert_array_equal(rgb_to_segment_id(rgb), [[1, 256, 2**24 - 1]])


@given(hnp.arrays(np.int64, (3, 4), elements=st.integers(0, 2**24 - 1)))
def test_rgb_codec_round_trip(ids):
    np.testing.assert_array_equal(rgb_to_segment_id(segment_id_to_rgb(ids)), ids)
