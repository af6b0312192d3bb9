"""Ground-truth uid codec (docs/formats.md, 'Ground-truth uids'), vectorized over arrays of any shape.

A uid packs up to three labels: ``sid`` (1-2 digits), ``sid * 1000 + iid`` (4-5 digits) or
``sid * 100000 + iid * 100 + pid`` (6-7 digits). 3-digit values, negatives and values above
9_999_999 are invalid.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..constants import MAX_UID, NO_INFO


class DecodedUids(NamedTuple):
    """Labels decoded from a uid array; every field has the uid array's shape, dtype int32."""

    sid: NDArray[np.int32]
    iid: NDArray[np.int32]
    pid: NDArray[np.int32]
    sid_iid: NDArray[np.int32]
    sid_pid: NDArray[np.int32]


def invalid_uids(uids: NDArray[np.integer]) -> NDArray[np.int64]:
    """Sorted distinct invalid values in ``uids`` (3-digit, negative or > 9_999_999); empty if none."""
    uids = np.asarray(uids)
    bad = (uids < 0) | ((uids >= 100) & (uids <= 999)) | (uids > MAX_UID)
    return np.unique(uids[bad]).astype(np.int64)


def decode_uids(uids: NDArray[np.integer], *, no_info: int = NO_INFO) -> DecodedUids:
    """Split uids into sid, iid, pid, sid_iid and sid_pid.

    Parameters
    ----------
    uids : (...) integer array
        Valid uids (see :func:`invalid_uids`); not checked here.
    no_info : int
        Value written where a uid carries no iid or no pid (0 as in the reference, or e.g. -1 to
        tell "no instance" from instance 0).

    Returns
    -------
    DecodedUids
        ``sid_iid = uid`` for uids <= 99_999 else ``uid // 100``; ``sid_pid = sid * 100 + pid``
        where a pid is present and non-zero, else ``sid``. A 6-7 digit uid with pid 0 (part-void
        pixel of an instance) has ``pid = 0`` whatever ``no_info`` is.
    """
    uids = np.asarray(uids, dtype=np.int32)
    has_iid = uids > 99
    has_pid = uids > 99_999
    sid = np.where(has_pid, uids // 100_000, np.where(has_iid, uids // 1000, uids)).astype(np.int32)
    iid = np.where(has_pid, (uids // 100) % 1000, np.where(has_iid, uids % 1000, no_info)).astype(np.int32)
    pid = np.where(has_pid, uids % 100, no_info).astype(np.int32)
    sid_iid = np.where(has_pid, uids // 100, uids).astype(np.int32)
    sid_pid = np.where(has_pid & (pid != 0), sid * 100 + pid, sid).astype(np.int32)
    return DecodedUids(sid, iid, pid, sid_iid, sid_pid)


def encode_uids(sid: NDArray[np.integer], iid: NDArray[np.integer], pid: NDArray[np.integer]) -> NDArray[np.int32]:
    """Inverse of :func:`decode_uids` with ``no_info=-1``: negative iid/pid mean "absent".

    ``iid < 0`` gives a sid-only uid; ``iid >= 0, pid < 0`` gives ``sid * 1000 + iid``; both
    present give ``sid * 100000 + iid * 100 + pid``. A pid without an iid, or an iid on sid 0
    (which uids cannot express), is a ValueError.
    """
    sid, iid, pid = (np.asarray(a, dtype=np.int64) for a in (sid, iid, pid))
    if np.any((iid < 0) & (pid >= 0)):
        raise ValueError("a pid needs an iid: uids cannot encode a part without an instance")
    if np.any((sid < 0) | (sid > 99) | (iid > 999) | (pid > 99)):
        raise ValueError("sid must be in 0..99, iid in 0..999, pid in 0..99")
    if np.any((sid == 0) & (iid >= 0)):
        raise ValueError("sid 0 cannot carry an instance: its uid would read as a sid")
    uids = np.where(iid < 0, sid, np.where(pid < 0, sid * 1000 + iid, sid * 100_000 + iid * 100 + pid))
    return uids.astype(np.int32)


def fold_sid_pids(sid_pid: NDArray[np.int32], fold_table: NDArray[np.int32]) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Map sid_pids through a DatasetSpec folding table (PPP ``countable_pids_groupings``).

    Parameters
    ----------
    sid_pid : (...) int32
        Decoded sid_pids, each in 0..9999.
    fold_table : (10000,) int32
        Folded sid_pid per sid_pid, -1 where absent (:attr:`DatasetSpec.pid_fold`).

    Returns
    -------
    folded : (...) int32
        Folded sid_pids (absent ones unchanged).
    absent : (K,) int64
        Sorted distinct sid_pids missing from the table (an error for the caller to report).
    """
    folded = fold_table[sid_pid]
    missing = folded < 0
    absent = np.unique(sid_pid[missing]).astype(np.int64) if missing.any() else np.empty(0, np.int64)
    return np.where(missing, sid_pid, folded).astype(np.int32), absent


def rgb_to_segment_id(rgb: NDArray[np.uint8]) -> NDArray[np.int32]:
    """COCO panoptic PNG colors -> segment ids: ``R + 256 * G + 256**2 * B``.

    Parameters
    ----------
    rgb : (H, W, 3) uint8, RGB order

    Returns
    -------
    (H, W) int32 segment ids (0 = no segment). Widened before multiplying: uint8 * 256 overflows
    (the reference's crash on NumPy 2).
    """
    ids = rgb[..., 2].astype(np.int32)
    ids <<= 8  # in-place shifts and ors: half the time of the multiply-add form on 2048x1024
    ids |= rgb[..., 1]
    ids <<= 8
    ids |= rgb[..., 0]
    return ids


def segment_id_to_rgb(segment_ids: NDArray[np.integer]) -> NDArray[np.uint8]:
    """Inverse of :func:`rgb_to_segment_id`: (H, W) ids in 0..2**24-1 -> (H, W, 3) uint8 RGB."""
    ids = np.asarray(segment_ids, dtype=np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= 1 << 24):
        raise ValueError("segment ids must be in 0..2**24-1")
    return np.stack([ids & 255, (ids >> 8) & 255, (ids >> 16) & 255], axis=-1).astype(np.uint8)
