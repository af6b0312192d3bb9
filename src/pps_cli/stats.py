"""Ground-truth statistics per class and part (``pps stats``; definitions in docs/inputs.md).

:func:`image_stats` counts one uid map (pure; one histogram of its distinct uids, each decoded once);
:class:`GtStats` adds up; :func:`gt_stats` runs over a GT folder in parallel and sums in image order;
:func:`stats_document` is the JSON.

Classes are the GT sids as PartPQ reads them (the sid map is used as is); parts are eval sid_pids after
the DatasetSpec folding and ``dataset_sid_pid2eval_sid_pid``, exactly the part labels PartPQ scores.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .constants import MAX_SID, SID_PID_TABLE_SIZE
from .dataset import ImageInfo, find_gt_files, require_gt_files
from .errors import PpsError, summarize_list
from .formats.labels import decode_uids, fold_sid_pids, invalid_uids
from .io import read_uid_tiff
from .parallel import parallel_map
from .specs import EvalSpec

NUM_SIDS = MAX_SID + 1


@dataclass(frozen=True, eq=False)
class GtStats:
    """Counts per GT sid (index 0..99) and per eval sid_pid (index 0..9999), summed over images.

    Attributes
    ----------
    images : (100,) int64
        Images in which the class has a pixel.
    pixels : (100,) int64
    instances : (100,) int64
        Distinct instance ids (uids of 4 or more digits) per image, summed.
    part_instances : (100,) int64
        Instances with at least one pixel of an evaluated part (eval pid > 0).
    crowd_regions : (100,) int64
        Images in which a thing class has pixels without instance id (its crowd region; PartPQ treats
        all of them as one region per image).
    crowd_pixels : (100,) int64
    part_pixels : (10000,) int64
        Pixels per eval sid_pid (pid > 0).
    num_images : int
    """

    images: NDArray[np.int64]
    pixels: NDArray[np.int64]
    instances: NDArray[np.int64]
    part_instances: NDArray[np.int64]
    crowd_regions: NDArray[np.int64]
    crowd_pixels: NDArray[np.int64]
    part_pixels: NDArray[np.int64]
    num_images: int

    @classmethod
    def zeros(cls) -> GtStats:
        z = np.zeros(NUM_SIDS, np.int64)
        return cls(z, z, z, z, z, z, np.zeros(SID_PID_TABLE_SIZE, np.int64), 0)

    def __add__(self, other: GtStats) -> GtStats:
        return GtStats(
            self.images + other.images,
            self.pixels + other.pixels,
            self.instances + other.instances,
            self.part_instances + other.part_instances,
            self.crowd_regions + other.crowd_regions,
            self.crowd_pixels + other.crowd_pixels,
            self.part_pixels + other.part_pixels,
            self.num_images + other.num_images,
        )


def image_stats(uids: NDArray[np.integer], spec: EvalSpec) -> GtStats:
    """Counts of one GT uid map.

    Parameters
    ----------
    uids : (H, W) int
        GT uids (docs/formats.md, 'Ground-truth uids').
    spec : EvalSpec
        Gives the things (crowd), the DatasetSpec folding and the sid_pid mapping.

    Returns
    -------
    GtStats
        For this image (``num_images`` 1).

    Raises
    ------
    ValueError
        For invalid uids (3-digit, negative or > 9999999; checked on the distinct values), and when a
        sid_pid is absent from the DatasetSpec's folding table (PPP), as for PartPQ.
    """
    values, counts = np.unique(np.asarray(uids, np.int32), return_counts=True)
    bad = invalid_uids(values)
    if bad.size:
        raise ValueError(f"invalid uids {summarize_list([str(v) for v in bad.tolist()], 5)} (3-digit, negative or > 9999999)")
    counts = counts.astype(np.int64)
    decoded = decode_uids(values)
    sid = decoded.sid
    pixels = np.bincount(sid, weights=counts, minlength=NUM_SIDS).astype(np.int64)
    crowd = (values <= MAX_SID) & spec.is_thing[sid]
    crowd_pixels = np.bincount(sid[crowd], weights=counts[crowd], minlength=NUM_SIDS).astype(np.int64)

    sid_pid = decoded.sid_pid
    if spec.dataset.pid_fold is not None:
        sid_pid, absent = fold_sid_pids(sid_pid, spec.dataset.pid_fold)
        if absent.size:
            raise ValueError(f"sid_pids {summarize_list([str(v) for v in absent.tolist()], 5)} are not in the DatasetSpec")
    eval_sid_pid = spec.sid_pid_to_eval[sid_pid]
    is_part = eval_sid_pid >= 100
    part_pixels = np.bincount(eval_sid_pid[is_part], weights=counts[is_part], minlength=SID_PID_TABLE_SIZE)

    instance = values > MAX_SID
    instance_keys = np.unique(decoded.sid_iid[instance])
    with_parts = np.unique(decoded.sid_iid[instance & is_part])
    return GtStats(
        images=(pixels > 0).astype(np.int64),
        pixels=pixels,
        instances=np.bincount(instance_keys // 1000, minlength=NUM_SIDS).astype(np.int64),
        part_instances=np.bincount(with_parts // 1000, minlength=NUM_SIDS).astype(np.int64),
        crowd_regions=(crowd_pixels > 0).astype(np.int64),
        crowd_pixels=crowd_pixels,
        part_pixels=part_pixels.astype(np.int64),
        num_images=1,
    )


def _stats_of_file(path: Path, spec: EvalSpec) -> GtStats:
    """Worker: read one GT TIFF, check it, count it."""
    uids = read_uid_tiff(path)
    try:
        return image_stats(uids, spec)
    except ValueError as e:
        raise PpsError(path, str(e)) from None


def gt_stats(
    spec: EvalSpec,
    gt_dir: str | os.PathLike[str],
    images: list[ImageInfo] | None = None,
    *,
    workers: int = 1,
    on_image: Callable[[Path], None] | None = None,
) -> GtStats:
    """Statistics of every GT file in ``gt_dir`` (or of ``images``), summed in id order.

    Raises
    ------
    PpsError
        For unreadable or invalid GT files, and images without GT file.
    """
    files = find_gt_files(gt_dir)
    if images is not None:
        files = require_gt_files(images, files, gt_dir)
        files = {image.key: files[image.key] for image in images}
    total = GtStats.zeros()
    paths = list(files.values())
    for path, stats in zip(paths, parallel_map(_stats_of_file, paths, context=spec, workers=workers), strict=True):
        total = total + stats
        if on_image is not None:
            on_image(path)
    return total


def part_name(spec: EvalSpec, eval_sid_pid: int) -> str:
    """Name of an eval part: its flat id's label, else the DatasetSpec's part name, else ``part <pid>``."""
    flat = spec.file.eval_sid_pid2eval_pid_flat.get(eval_sid_pid)
    if flat is not None and flat in spec.file.eval_pid_flat2scene_part_label:
        return str(spec.file.eval_pid_flat2scene_part_label[flat])
    sid, pid = divmod(eval_sid_pid, 100)
    names = spec.dataset.part_names[sid] if sid < len(spec.dataset.part_names) else ()
    return names[pid - 1] if pid <= len(names) else f"part {pid}"


def _class_record(stats: GtStats, spec: EvalSpec, sid: int) -> dict[str, Any]:
    parts = {
        str(sid_pid % 100): {"name": part_name(spec, sid_pid), "pixels": int(stats.part_pixels[sid_pid])}
        for sid_pid in range(sid * 100 + 1, sid * 100 + 100)
        if stats.part_pixels[sid_pid]
    }
    return {
        "name": spec.category_name(sid),
        "is_thing": sid in spec.things,
        "has_parts": sid in spec.parts,
        "images": int(stats.images[sid]),
        "instances": int(stats.instances[sid]),
        "part_annotated_instances": int(stats.part_instances[sid]),
        "crowd_regions": int(stats.crowd_regions[sid]),
        "crowd_pixels": int(stats.crowd_pixels[sid]),
        "pixels": int(stats.pixels[sid]),
        "parts": parts,
    }


def stats_document(stats: GtStats, spec: EvalSpec, *, gt_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON of ``pps stats -o``: per evaluated class (keyed by eval sid), its parts, and totals.

    ``not_evaluated`` holds the pixels of GT sids the spec does not evaluate (void for PartPQ).
    """
    evaluated = list(spec.eval_sids)
    classes = {str(sid): _class_record(stats, spec, sid) for sid in evaluated}
    other = [sid for sid in range(NUM_SIDS) if sid not in spec.eval_sids and stats.pixels[sid]]
    return {
        "eval_spec": spec.name,
        "gt": str(gt_dir),
        "num_images": stats.num_images,
        "classes": classes,
        "not_evaluated": {str(sid): int(stats.pixels[sid]) for sid in other},
        "totals": {
            "pixels": int(stats.pixels.sum()),
            "evaluated_pixels": int(stats.pixels[evaluated].sum()),
            "instances": int(stats.instances[evaluated].sum()),
            "part_annotated_instances": int(stats.part_instances[evaluated].sum()),
            "crowd_regions": int(stats.crowd_regions[evaluated].sum()),
            "part_pixels": int(stats.part_pixels.sum()),
        },
    }
