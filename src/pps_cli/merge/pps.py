"""Merge panoptic and part predictions into part-aware panoptic (PPS) PNGs (docs/formats.md, 'Merge: panoptic + parts -> PPS').

Two layers:

- :func:`merge_pps`, a pure kernel on arrays: a segment id map, the ``segments_info`` of that map and a
  map of flat part ids give the (H, W, 3) uint8 ``[class, instance, part]`` array that the reference's
  ``merge_to_pps`` writes. Label maps are piecewise constant, so it works on runs of pixels with the same
  segment id and flat part id: each run's id is matched to its ``segments_info`` entry (a search among
  the few listed ids), its ``[class, instance, part]`` read from a small ``(entries, 256)`` table, and
  the runs are expanded back to pixels once (the reference builds one full-image mask per segment).
  :func:`merge_pps_rgb` does the same from the panoptic PNG's colors, without per-pixel segment ids.
- :func:`merge_pps_files`, the driver: matches images.json, the panoptic JSON and the part PNGs, checks the
  input, and writes one PPS PNG per image (in parallel, all or nothing).
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

from ..constants import NO_PART, PART_FOR_NON_PARTS_CLASS
from ..dataset import ImageInfo, match_files
from ..errors import PpsError, summarize_list
from ..formats.checks import ROW_STEP, check_part_ids, counted_part_pairs
from ..formats.panoptic_json import PanopticAnnotation, decode_segment_map, match_annotations
from ..io import (
    decode_png,
    encode_png_rows,
    list_files,
    png_header,
    png_rows,
    read_bytes,
    read_png,
    staged_output,
    write_bytes_atomic,
)
from ..metrics.runs import label_and_color_runs
from ..parallel import parallel_map
from ..specs import EvalSpec
from .runs import pixel_runs

MAX_INSTANCES = 255
"""Most segments of one category in one image: the instance channel is uint8 and 0 means "none"."""

NUM_SEGMENT_IDS = 1 << 24
"""Segment ids of COCO panoptic PNGs are R + 256 G + 256**2 B, so below 2**24."""

ID_MASK = NUM_SEGMENT_IDS - 1
"""The segment id bits of a pixel's RGBA bytes read as one little-endian uint32."""

NUM_FLAT_IDS = 256
"""Flat part ids are uint8 pixel values."""


# ----------------------------------------------------------------------------- kernel


def part_lookup(spec: EvalSpec) -> NDArray[np.uint8]:
    """Part channel value per ``[category, flat part id]``, as the reference writes it.

    Parameters
    ----------
    spec : EvalSpec

    Returns
    -------
    (256, 256) uint8
        For a category in ``eval_sid_parts``: the eval pid of the flat id where
        ``eval_sid_pid2eval_pid_flat`` gives the flat id to a part of this category, else the void
        label (``ignore_label``). For every other category (no-parts classes, and categories the spec
        does not know): 1.

    Notes
    -----
    Membership of ``eval_sid_parts`` decides, not having flat ids: a parts class without flat ids is void
    on all its pixels (the reference raises KeyError there), a no-parts class with flat ids gets 1. A flat
    id 0 is a part like any other when the spec maps a part to it (no official spec does).
    """
    void = void_label(spec)
    table = np.full((256, NUM_FLAT_IDS), PART_FOR_NON_PARTS_CLASS, np.uint8)
    parts = sorted(spec.parts)
    table[parts] = void
    for sid_pid, flat in spec.file.eval_sid_pid2eval_pid_flat.items():
        sid, pid = divmod(int(sid_pid), 100)
        if sid in spec.parts:
            table[sid, flat] = pid
    return table


def void_label(spec: EvalSpec) -> int:
    """The void value of the class and part channels: ``ignore_label``, wrapped to uint8 as the reference's cast does."""
    return spec.ignore_label % 256


def instance_numbers(category_ids: Sequence[int] | NDArray[np.integer]) -> NDArray[np.int64]:
    """Running count of each category in ``segments_info`` order: ``[7, 7, 9, 7]`` -> ``[1, 2, 1, 3]``.

    Parameters
    ----------
    category_ids : (S,) int

    Returns
    -------
    (S,) int64
        For entry ``i``, how many entries ``j <= i`` have its category.
    """
    categories = np.asarray(category_ids, dtype=np.int64).reshape(-1)
    order = np.argsort(categories, kind="stable")
    ranks = np.arange(categories.size, dtype=np.int64)
    sorted_categories = categories[order]
    is_start = np.ones(categories.size, bool)
    is_start[1:] = sorted_categories[1:] != sorted_categories[:-1]
    group_start = np.maximum.accumulate(np.where(is_start, ranks, 0))
    numbers = np.empty(categories.size, np.int64)
    numbers[order] = ranks - group_start + 1
    return numbers


class PpsMerge(NamedTuple):
    """Result of :func:`merge_pps` for one image."""

    pps: NDArray[np.uint8]
    """(H, W, 3) uint8 ``[class, instance, part]``."""
    areas: NDArray[np.int64]
    """(S,) pixels of each ``segments_info`` entry's id (entries sharing an id share the pixels)."""
    unlisted_ids: NDArray[np.int64]
    """Sorted non-zero segment ids present in the map but in no entry (their pixels keep the canvas)."""


def merge_pps(
    segment_map: NDArray[np.integer],
    part_map: NDArray[np.uint8],
    segment_ids: Sequence[int] | NDArray[np.integer],
    category_ids: Sequence[int] | NDArray[np.integer],
    *,
    part_table: NDArray[np.uint8],
    void: int = 255,
) -> PpsMerge:
    """Merge one image's panoptic segments and flat part ids into a PPS array.

    Parameters
    ----------
    segment_map : (H, W) int
        Panoptic segment ids (:func:`~pps_cli.formats.labels.rgb_to_segment_id`), in 0..2**24-1.
    part_map : (H, W) uint8
        Flat part ids predicted by a part segmentation network.
    segment_ids, category_ids : (S,) int
        ``id`` and ``category_id`` of each ``segments_info`` entry, in file order. Categories must be in
        0..255 with at most 255 entries each.
    part_table : (256, 256) uint8
        Part channel value per ``[category, flat id]`` (:func:`part_lookup`).
    void : int
        Class channel of pixels outside every listed segment (the spec's ``ignore_label``).

    Returns
    -------
    PpsMerge
        The (H, W, 3) uint8 ``[class, instance, part]`` array, the pixel count of each entry and the
        unlisted ids found in the map.

    Raises
    ------
    ValueError
        When the inputs break the contract above (shapes, dtypes, ranges).

    Notes
    -----
    The reference paints the entries in order, each on all pixels with its id: class = category,
    instance = running count of the category (:func:`instance_numbers`, so every entry counts, even one
    without pixels), part = ``part_table[category, flat id]``. Pixels whose id is listed nowhere keep the
    canvas ``[void, 0, 0]``. An id listed twice is painted twice, so its last entry wins; this kernel
    gives each distinct id its last entry up front and paints every pixel once.
    """
    segment_map = np.asarray(segment_map)
    if segment_map.ndim != 2 or not np.issubdtype(segment_map.dtype, np.integer):
        raise ValueError(f"segment_map must be (H, W) integer, got {segment_map.shape} {segment_map.dtype}")
    _check_part_map(part_map, segment_map.shape)
    return _merge_with_runs(segment_map, part_map, segment_ids, category_ids, part_table=part_table, void=void)[0]


def merge_pps_rgb(
    panoptic_rgb: NDArray[np.uint8],
    part_map: NDArray[np.uint8],
    segment_ids: Sequence[int] | NDArray[np.integer],
    category_ids: Sequence[int] | NDArray[np.integer],
    *,
    part_table: NDArray[np.uint8],
    void: int = 255,
) -> PpsMerge:
    """:func:`merge_pps` on the colors of a COCO panoptic PNG, without computing per-pixel segment ids.

    Parameters
    ----------
    panoptic_rgb : (H, W, 3) uint8
        The panoptic PNG in RGB order: segment id ``R + 256 G + 256**2 B``.
    part_map, segment_ids, category_ids, part_table, void
        As in :func:`merge_pps`.

    Returns
    -------
    PpsMerge
        Equal to ``merge_pps(rgb_to_segment_id(panoptic_rgb), ...)``.
    """
    if panoptic_rgb.ndim != 3 or panoptic_rgb.shape[2] != 3 or panoptic_rgb.dtype != np.uint8:
        raise ValueError(f"panoptic_rgb must be (H, W, 3) uint8, got {panoptic_rgb.shape} {panoptic_rgb.dtype}")
    _check_part_map(part_map, panoptic_rgb.shape[:2])
    return _merge_with_runs(panoptic_rgb, part_map, segment_ids, category_ids, part_table=part_table, void=void)[0]


class _MergeRuns(NamedTuple):
    """The runs :func:`_merge_runs` worked on: what else the driver needs from one image comes from them."""

    values: NDArray[np.uint32]
    """(R,) ``class | instance << 8 | part << 16`` of each run."""
    flat_parts: NDArray[np.uint8]
    """(R,) flat part id of each run."""
    starts: NDArray[np.intp]
    lengths: NDArray[np.intp]


def _sampled_part_pairs(runs: _MergeRuns, width: int, is_parts: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """:func:`~pps_cli.formats.checks.part_pair_counts` of the merged image, from its runs (no pass over the pixels).

    Counts the pixels of each run that lie on the sampled rows (every ``ROW_STEP``-th, from row 0):
    before pixel ``x`` there are ``(x // (ROW_STEP * width)) * width + min(x % (ROW_STEP * width), width)``.
    """
    period = ROW_STEP * width

    def sampled_before(x: NDArray[np.intp]) -> NDArray[np.intp]:
        return (x // period) * width + np.minimum(x % period, width)

    weights = sampled_before(runs.starts + runs.lengths) - sampled_before(runs.starts)
    keys = (runs.values.astype(np.int64) & 0xFF) << 8 | runs.flat_parts
    return counted_part_pairs(np.bincount(keys, weights=weights, minlength=1 << 16).astype(np.int64), is_parts)


def _merge_with_runs(
    panoptic: NDArray[np.integer],
    part_map: NDArray[np.uint8],
    segment_ids: Sequence[int] | NDArray[np.integer],
    category_ids: Sequence[int] | NDArray[np.integer],
    *,
    part_table: NDArray[np.uint8],
    void: int,
    out: NDArray[np.uint8] | None = None,
) -> tuple[PpsMerge, _MergeRuns]:
    """The driver's merge: :func:`merge_pps_rgb` for (H, W, 3) colours, :func:`merge_pps` for ids, plus the runs.

    ``out``: an (H, W, 3) uint8 array (e.g. the samples of :func:`~pps_cli.io.png_rows`) to write the PPS
    image into; the returned ``pps`` is then ``out``.
    """
    # Label maps are piecewise constant: all the work is done once per run of pixels with the same
    # segment and flat part id (some 10**4 runs on a 2048x1024 image, not 2 * 10**6 pixels).
    if part_map.size == 0:
        starts, run_ids, run_parts = np.zeros(0, np.intp), np.zeros(0, np.int64), np.zeros(0, np.uint8)
    elif panoptic.ndim == 3:
        # Colours packed into one little-endian uint32 whose low 24 bits are the segment id (alpha on top).
        starts, run_parts, run_codes = label_and_color_runs(part_map, panoptic)
        run_ids = run_codes.astype(np.int64) & ID_MASK
    else:
        codes, parts = panoptic.reshape(-1), part_map.reshape(-1)
        starts, _ = pixel_runs(codes, parts)
        run_ids, run_parts = codes[starts].astype(np.int64), parts[starts]
    lengths = np.diff(starts, append=part_map.size)
    return _merge_runs(
        run_ids, run_parts, starts, lengths, part_map.shape, segment_ids, category_ids,
        part_table=part_table, void=void, out=out,
    )  # fmt: skip


def _check_part_map(part_map: NDArray[np.uint8], shape: tuple[int, ...]) -> None:
    if part_map.shape != shape or part_map.dtype != np.uint8:
        raise ValueError(f"part_map must be {shape} uint8, got {part_map.shape} {part_map.dtype}")


def _merge_runs(
    run_ids: NDArray[np.int64],
    run_parts: NDArray[np.uint8],
    starts: NDArray[np.intp],
    lengths: NDArray[np.intp],
    shape: tuple[int, ...],
    segment_ids: Sequence[int] | NDArray[np.integer],
    category_ids: Sequence[int] | NDArray[np.integer],
    *,
    part_table: NDArray[np.uint8],
    void: int,
    out: NDArray[np.uint8] | None,
) -> tuple[PpsMerge, _MergeRuns]:
    """The kernel behind :func:`merge_pps`, on the runs of an image of ``shape`` (H, W): each run's
    segment id, flat part id, first pixel and length (raster order)."""
    if part_table.shape != (256, NUM_FLAT_IDS) or part_table.dtype != np.uint8:
        raise ValueError(f"part_table must be (256, 256) uint8, got {part_table.shape} {part_table.dtype}")
    if not 0 <= void <= 255:
        raise ValueError(f"void must be in 0..255, got {void}")
    ids = np.asarray(segment_ids, dtype=np.int64).reshape(-1)
    categories = np.asarray(category_ids, dtype=np.int64).reshape(-1)
    if ids.shape != categories.shape:
        raise ValueError(f"{ids.size} segment ids but {categories.size} category ids")
    if categories.size and (categories.min() < 0 or categories.max() > 255):
        raise ValueError("category ids must be in 0..255")
    numbers = instance_numbers(categories)
    if numbers.size and numbers.max() > MAX_INSTANCES:
        raise ValueError(f"more than {MAX_INSTANCES} segments of one category")

    height, width = shape
    if run_ids.size and (run_ids.min() < 0 or run_ids.max() >= NUM_SEGMENT_IDS):
        raise ValueError("segment ids must be in 0..2**24-1")

    # Row 0 of the table is the canvas for unlisted non-zero ids, rows 1..S are the entries, row S + 1 is
    # the canvas again, for id 0 ("no segment") when it is not listed: so row 0 has pixels only when the
    # map holds ids that segments_info lacks. Each id points at its last entry (the one painted last).
    num_entries = ids.size
    listed, first_of_reversed = np.unique(ids[::-1], return_index=True)
    last_entry = num_entries - 1 - first_of_reversed
    rows = np.where(run_ids == 0, num_entries + 1, 0)
    if listed.size:
        at = np.minimum(np.searchsorted(listed, run_ids), listed.size - 1)
        rows = np.where(listed[at] == run_ids, last_entry[at] + 1, rows)

    # [class, instance, part] packed little-endian into one uint32 per [row, flat id]
    table = np.zeros((num_entries + 2, NUM_FLAT_IDS), np.uint32)
    table[[0, -1]] = void | NO_PART << 16
    table[1:-1] = (categories | numbers << 8)[:, None] | part_table[categories].astype(np.uint32) << 16
    run_values = table[rows, run_parts]
    if run_values.size:
        packed = np.repeat(run_values.astype("<u4"), lengths).view(np.uint8).reshape(height, width, 4)
        rows_apart = out is not None and out.strides[1:] == (3, 1)  # a layout OpenCV writes into (rows may be apart)
        pps = cv2.cvtColor(packed, cv2.COLOR_RGBA2RGB, dst=out if rows_apart else None)
        if out is not None and pps is not out:
            out[...] = pps
            pps = out
    else:
        pps = np.zeros((height, width, 3), np.uint8) if out is None else out

    pixels_per_row = np.bincount(rows, weights=lengths, minlength=num_entries + 2).astype(np.int64)
    areas = np.zeros(num_entries, np.int64)
    if num_entries:
        areas = pixels_per_row[last_entry[np.searchsorted(listed, ids)] + 1]
    unlisted_ids = np.unique(run_ids[rows == 0])
    return PpsMerge(pps, areas, unlisted_ids), _MergeRuns(run_values, run_parts, starts, lengths)


# ----------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class _Job:
    """One image for a worker: where to read, what the JSON lists, where to write."""

    image: ImageInfo
    panoptic_png: Path
    part_png: Path
    out_png: Path
    annotation: PanopticAnnotation


@dataclass(frozen=True)
class _Context:
    """What every worker needs once: the part table, the void label and the panoptic JSON's path."""

    part_table: NDArray[np.uint8]
    void: int
    panoptic_json: Path
    is_parts: NDArray[np.bool_]


@dataclass(frozen=True)
class ImageReport:
    """What merging one image found worth telling the user."""

    image_key: str
    empty_segment_ids: tuple[int, ...]
    """Ids listed in ``segments_info`` with no pixel in the PNG (they still count for the numbering)."""
    part_pairs: tuple[NDArray[np.int64], NDArray[np.int64]] = (np.empty(0, np.int64), np.empty(0, np.int64))
    """Sparse (class, flat id) histogram for the parts check (:func:`~pps_cli.formats.checks.part_pair_counts`)."""


@dataclass(frozen=True)
class PpsReport:
    """Summary of :func:`merge_pps_files`."""

    out_dir: Path
    images: tuple[ImageReport, ...]

    @property
    def num_images(self) -> int:
        return len(self.images)

    def warnings(self, panoptic_json: str | os.PathLike[str]) -> list[str]:
        """One line per kind of suspicious input (none for clean input)."""
        empty = [(r.image_key, r.empty_segment_ids) for r in self.images if r.empty_segment_ids]
        if not empty:
            return []
        count = sum(len(ids) for _, ids in empty)
        examples = [f"{key}: {', '.join(map(str, ids[:3]))}{' ...' if len(ids) > 3 else ''}" for key, ids in empty]
        return [
            f"{panoptic_json}: {count} segments_info entries in {len(empty)} images have no pixels in their PNG "
            f"({summarize_list(examples, 3)}); they are kept in the instance numbering, as in the reference"
        ]


def _check_size(path: Path, shape: tuple[int, ...], expected: tuple[int, int], source: str) -> None:
    height, width = shape[:2]
    if (width, height) != expected:
        raise PpsError(path, f"size {width}x{height}, expected {expected[0]}x{expected[1]} ({source})")


def _merge_one(job: _Job, context: _Context) -> ImageReport:
    """Worker: read one image's panoptic and part PNGs, merge, check, write the PPS PNG."""
    data = read_bytes(job.panoptic_png)
    header = png_header(data)
    if header is not None and header[2:] == (8, 2):  # 8-bit RGB (COCO colors): merged without per-pixel ids
        panoptic = decode_png(data, job.panoptic_png, channels=3, writable=False)
    else:  # single-channel segment ids (or not a PNG: decode_segment_map says what is wrong)
        panoptic = decode_segment_map(data, job.panoptic_png)
    _check_size(job.panoptic_png, panoptic.shape, (job.image.width, job.image.height), "images.json")
    part_map = read_png(job.part_png, channels=1, writable=False)
    _check_size(job.part_png, part_map.shape, (job.image.width, job.image.height), f"panoptic PNG {job.panoptic_png.name}")
    annotation = job.annotation
    png, samples = png_rows(job.image.height, job.image.width, channels=3)
    result, runs = _merge_with_runs(
        panoptic,
        part_map,
        annotation.segment_ids,
        annotation.category_ids,
        part_table=context.part_table,
        void=context.void,
        out=samples,
    )
    if result.unlisted_ids.size:
        ids = [str(i) for i in result.unlisted_ids.tolist()]
        raise PpsError(
            job.panoptic_png,
            f"segment ids {summarize_list(ids, 5)} are not in the segments_info of image_id "
            f"{annotation.image_id!r} in {context.panoptic_json}",
        )
    write_bytes_atomic(job.out_png, encode_png_rows(png, channels=3))
    empty = [int(i) for i, area in zip(annotation.segment_ids, result.areas.tolist(), strict=True) if area == 0]
    pairs = _sampled_part_pairs(runs, job.image.width, context.is_parts)
    return ImageReport(job.image.key, tuple(dict.fromkeys(empty)), pairs)


def check_annotation(
    annotation: PanopticAnnotation, *, spec: EvalSpec, image_key: str, panoptic_json: str | os.PathLike[str]
) -> None:
    """Check an annotation's categories against the spec, before any pixel is read.

    Raises
    ------
    PpsError
        Naming the panoptic JSON and the image, for a category the spec does not evaluate or one
        with more than 255 segments (the instance channel is uint8).
    """
    counts = Counter(annotation.category_ids)
    unknown = sorted(c for c in counts if c not in spec.eval_sids)
    if unknown:
        raise PpsError(
            panoptic_json,
            f"image {image_key}: category_id {summarize_list([str(c) for c in unknown], 5)} not evaluated by "
            f"EvalSpec {spec.name} (its categories: {summarize_list([str(s) for s in spec.eval_sids], 30)})",
        )
    crowded = sorted((c, n) for c, n in counts.items() if n > MAX_INSTANCES)
    if crowded:
        category, count = crowded[0]
        raise PpsError(
            panoptic_json,
            f"image {image_key}: {count} segments of category {category} ({spec.category_name(category)}); "
            f"at most {MAX_INSTANCES} fit the uint8 instance channel",
        )


def _output_name(file_name: str, panoptic_json: Path, image_key: str) -> PurePosixPath:
    name = PurePosixPath(file_name.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts:
        raise PpsError(panoptic_json, f"image {image_key}: file_name {file_name!r} must be relative to the panoptic folder")
    return name


def merge_pps_files(
    *,
    spec: EvalSpec,
    images: list[ImageInfo],
    annotations: list[PanopticAnnotation],
    panoptic_json: str | os.PathLike[str],
    panoptic_dir: str | os.PathLike[str],
    parts_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    workers: int = 1,
    overwrite: bool = True,
    on_image: Callable[[str], None] | None = None,
    check_parts: bool = True,
) -> PpsReport:
    """Write ``out_dir/<panoptic PNG file_name>`` with the PPS array of every image of images.json.

    Parameters
    ----------
    spec : EvalSpec
    images : list of ImageInfo
        The images to merge (images.json); each needs an annotation and a part PNG.
    annotations : list of PanopticAnnotation
        The panoptic JSON's annotations (:func:`~pps_cli.formats.panoptic_json.load_panoptic_json`).
    panoptic_json : path-like
        That JSON's path, named in errors.
    panoptic_dir : path-like
        Folder of the panoptic PNGs named by the annotations' ``file_name``.
    parts_dir : path-like
        Folder (searched recursively) of part PNGs, ``<image id>.png`` or the id followed by a known
        suffix (:data:`~pps_cli.dataset.KNOWN_SUFFIXES`).
    out_dir : path-like
        Output folder; files are staged and moved in only when every image succeeded.
    workers : int
        Worker processes; the output bytes do not depend on it.
    overwrite : bool
        Replace PNGs already in ``out_dir``; when False, finding one is an error (before any work).
    on_image : callable, optional
        Called with each image id once its PNG is written (in images.json order).
    check_parts : bool
        Fail when the part PNGs' flat ids mostly belong to other classes (:func:`~pps_cli.formats.checks.check_part_ids`).

    Raises
    ------
    PpsError
        For any bad input (see :func:`check_annotation`, :func:`~pps_cli.formats.panoptic_json.match_annotations`,
        :func:`~pps_cli.dataset.match_files`; missing, unreadable or mis-sized PNGs; segment ids in a PNG
        that its ``segments_info`` does not list). Nothing is written then.
    """
    panoptic_json, panoptic_dir, parts_dir, out_dir = map(Path, (panoptic_json, panoptic_dir, parts_dir, out_dir))
    if out_dir.resolve() in (panoptic_dir.resolve(), parts_dir.resolve()):
        raise PpsError(out_dir, "output folder is an input folder; PPS PNGs would overwrite the inputs")
    by_image = match_annotations(images, annotations, path=panoptic_json)
    part_files, _ = match_files(images, list_files(parts_dir, (".png",)), root=parts_dir, what="part PNG")
    names: dict[PurePosixPath, str] = {}
    jobs: list[_Job] = []
    for image in images:
        annotation = by_image[image.key]
        check_annotation(annotation, spec=spec, image_key=image.key, panoptic_json=panoptic_json)
        name = _output_name(annotation.file_name, panoptic_json, image.key)
        if name in names:
            raise PpsError(panoptic_json, f"images {names[name]} and {image.key} both have file_name {str(name)!r}")
        names[name] = image.key
        jobs.append(_Job(image, panoptic_dir / name, part_files[image.key], Path(name), annotation))
    existing = [str(name) for name in names if (out_dir / name).exists()]
    if existing and not overwrite:
        raise PpsError(
            out_dir, f"{len(existing)} of the {len(names)} PPS PNGs already exist ({summarize_list(existing, 3)}); "
            "add --overwrite to replace them",
        )  # fmt: skip
    context = _Context(part_lookup(spec), void_label(spec), panoptic_json, spec.is_parts)
    reports: list[ImageReport] = []
    with staged_output(out_dir) as stage:
        staged_jobs = [dataclasses.replace(job, out_png=stage / job.out_png) for job in jobs]
        for report in parallel_map(_merge_one, staged_jobs, context=context, workers=workers):
            reports.append(report)
            if on_image is not None:
                on_image(report.image_key)
        if check_parts and reports:
            keys = np.concatenate([r.part_pairs[0] for r in reports])
            unique, inverse = np.unique(keys, return_inverse=True)
            counts = np.bincount(inverse, weights=np.concatenate([r.part_pairs[1] for r in reports]), minlength=unique.size)
            check_part_ids(unique, counts.astype(np.int64), spec, where=parts_dir)
    return PpsReport(out_dir, tuple(reports))
