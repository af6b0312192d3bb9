"""Merge semantic and instance predictions into COCO panoptic (docs/formats.md, 'Merge: semantic + instances -> panoptic').

Two layers:

- :func:`walk_order` and :func:`merge_panoptic`, pure kernels on arrays: the panopticapi procedure with
  the reference's parameters. Instances with score < ``confidence_thr`` are dropped and the rest sorted by
  score, descending (stable: ties keep input order). Walking them, an empty mask is skipped, and so is a
  mask with ``|mask ∩ assigned| / |mask| > overlap_thr`` (exactly 0.5 is kept); otherwise the instance
  takes its unassigned pixels. Then, for each class of ``eval_sid_stuff`` in file order, its unassigned
  semantic pixels are added when there are at least ``stuff_area_limit`` of them. Other semantic values
  (things, void) are ignored.
- :func:`merge_panoptic_files`, the driver: matches the inputs to images.json, checks them, and writes
  ``panoptic/<file_name stem>.png`` per image and ``panoptic.json`` (in parallel, all or nothing).

Segments and their ids
----------------------
Every accepted thing instance is a segment of its own. All contributions of one stuff category (from
instances with a stuff ``category_id`` and from the semantic map) form ONE segment, listed where its
first contribution came. ``segments_info`` lists thing and stuff-instance segments in walk order, then the
stuff segments the semantic map adds, in ``eval_sid_stuff`` order. **Segment ids are 1, 2, ..., N in
``segments_info`` order** (0 = no segment): deterministic, independent of ``--workers``, and the id is the
segment's position. panopticapi instead draws random ids near the category color; only the ids differ,
the pixels and categories of the segments are the same.

Cost: each instance mask is decoded once, into its bounding box; the walk touches only that box (on a
transposed canvas for RLEs and polygons, where their decoded boxes are contiguous; on a row-major one
for Cityscapes mask PNGs). Label maps are piecewise constant, so the
rest works on runs of pixels with the same segment and semantic class (:mod:`pps_cli.merge.runs`): the
histogram of unassigned classes, the stuff lookup and the boxes cost about one pass over the image.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal, NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

from ..constants import CONFIDENCE_THRESHOLD, OVERLAP_THRESHOLD, PANOPTIC_DIR, PANOPTIC_JSON, STUFF_AREA_LIMIT
from ..dataset import ImageInfo, match_files
from ..errors import PpsError, summarize_list
from ..formats.checks import ROW_STEP
from ..formats.idspaces import EVAL, UNKNOWN, IdSpace, check_id_space, id_table, label_lut
from ..formats.instances import (
    InstanceFormat,
    InstanceRecord,
    InstanceSource,
    MaskCrop,
    decode_instance,
    find_instance_sources,
    load_instances,
)
from ..formats.labels import segment_id_to_rgb
from ..io import list_files, read_json, read_png, staged_output, write_json, write_png
from ..parallel import parallel_map
from ..specs import EvalSpec
from .runs import pixel_runs, run_boxes

NUM_SEGMENT_IDS = 1 << 24
"""Segment ids of COCO panoptic PNGs are R + 256 G + 256**2 B, so below 2**24."""



# ----------------------------------------------------------------------------- kernel


@dataclass(frozen=True)
class Segment:
    """One ``segments_info`` entry: ``bbox`` is ``[x, y, width, height]`` of its pixels (zeros if none)."""

    id: int
    category_id: int
    area: int
    bbox: tuple[int, int, int, int]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "category_id": self.category_id, "area": self.area, "bbox": list(self.bbox), "iscrowd": 0}


class PanopticMerge(NamedTuple):
    """Result of :func:`merge_panoptic` for one image."""

    segment_map: NDArray[np.integer]
    """(H, W) segment ids (uint8, uint16 or int32, the smallest that fits): 0 = no segment, else 1..N."""
    segments: tuple[Segment, ...]
    """``segments_info`` order; ``segments[i].id == i + 1``."""


def walk_order(
    scores: Sequence[float] | NDArray[np.floating], *, confidence_thr: float = CONFIDENCE_THRESHOLD
) -> NDArray[np.intp]:
    """Indices of the instances the merge walks, in walk order.

    Parameters
    ----------
    scores : (K,) float
        Instance confidences, in input order.
    confidence_thr : float
        Instances with ``score < confidence_thr`` are dropped (a score equal to it is kept).

    Returns
    -------
    (M,) intp
        Kept instances by descending score; ties keep input order (stable sort, as Python's ``sorted``).
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    kept = np.flatnonzero(~(scores < confidence_thr))
    return kept[np.argsort(-scores[kept], kind="stable")]


def _segment_dtype(max_segments: int) -> type[np.integer]:
    if max_segments < 1 << 8:
        return np.uint8
    if max_segments < 1 << 16:
        return np.uint16
    return np.int32


def merge_panoptic(
    semantic: NDArray[np.uint8],
    masks: Iterable[MaskCrop],
    category_ids: Sequence[int],
    *,
    stuff_order: Sequence[int],
    overlap_thr: float = OVERLAP_THRESHOLD,
    stuff_area_limit: int = STUFF_AREA_LIMIT,
    column_major: bool = True,
) -> PanopticMerge:
    """Merge one image's semantic map and instances (already in walk order) into panoptic segments.

    Parameters
    ----------
    semantic : (H, W) uint8
        Predicted eval sids.
    masks : iterable of MaskCrop
        The instances' masks in walk order (:func:`walk_order`); consumed lazily, one at a time, so a
        generator can decode each mask only when it is needed.
    category_ids : (M,) int
        Category of each mask. Categories in ``stuff_order`` are stuff (merged into the category's one
        segment); every other category is a thing.
    stuff_order : sequence of int
        ``eval_sid_stuff`` in file order: the semantic map's stuff classes and their order.
    overlap_thr : float
        An instance is skipped when more than this fraction of its mask is already assigned.
    stuff_area_limit : int
        Fewest unassigned semantic pixels a stuff class needs to contribute.
    column_major : bool
        Paint a transposed canvas, the fast layout for crops stored column by column (decoded RLEs);
        False for row-major crops (mask PNGs). Only the speed depends on it.

    Returns
    -------
    PanopticMerge
        The segment id map and ``segments_info`` (ids 1..N in list order, with area and bbox).

    Raises
    ------
    ValueError
        When a mask does not fit in the image or ``masks`` and ``category_ids`` differ in length.

    Notes
    -----
    The overlap test is ``(area - new) / area > overlap_thr`` with ``new`` the mask's unassigned
    pixels; panopticapi computes the same ratio from RLE areas (the union of accepted masks is exactly
    the assigned set). The stuff area test counts only the class's unassigned semantic pixels, so pixels
    a stuff instance already took do not count. With ``stuff_area_limit <= 0`` a stuff class present in
    the map but fully covered still gets an (empty) segment, as in panopticapi.
    """
    if semantic.ndim != 2 or semantic.dtype != np.uint8:
        raise ValueError(f"semantic must be (H, W) uint8, got {semantic.shape} {semantic.dtype}")
    height, width = semantic.shape
    category_ids = [int(c) for c in category_ids]
    stuff_order = [int(c) for c in dict.fromkeys(stuff_order) if 0 <= c < 256]
    stuff = set(stuff_order)
    max_segments = len(category_ids) + len(stuff_order)
    if max_segments >= NUM_SEGMENT_IDS:
        raise ValueError(f"{max_segments} segments do not fit in 24-bit segment ids")
    # RLE masks are decoded column by column, so their boxes are contiguous on a transposed canvas
    # (cv2.transpose turns it back at the end, for ~1 pass over the image); mask PNGs are row-major.
    dtype = _segment_dtype(max_segments)
    canvas = np.zeros((width, height) if column_major else (height, width), dtype)
    categories: list[int] = []
    areas: list[int] = []
    segment_of_stuff: dict[int, int] = {}

    def new_segment(category: int) -> int:
        categories.append(category)
        areas.append(0)
        return len(categories)

    count = 0
    for crop, category in zip(masks, category_ids, strict=False):
        count += 1
        if crop.area == 0:
            continue
        box_h, box_w = crop.mask.shape
        if crop.y0 < 0 or crop.x0 < 0 or crop.y0 + box_h > height or crop.x0 + box_w > width:
            raise ValueError(f"mask box at ({crop.y0}, {crop.x0}) size {box_h}x{box_w} outside the {height}x{width} image")
        if column_major:
            region, mask = canvas[crop.x0 : crop.x0 + box_w, crop.y0 : crop.y0 + box_h], crop.mask.T
        else:
            region, mask = canvas[crop.y0 : crop.y0 + box_h, crop.x0 : crop.x0 + box_w], crop.mask
        new = mask & (region == 0)
        num_new = int(np.count_nonzero(new))
        if (crop.area - num_new) / crop.area > overlap_thr:
            continue
        if category in stuff:
            segment = segment_of_stuff.get(category) or new_segment(category)
            segment_of_stuff[category] = segment
        else:
            segment = new_segment(category)
        np.copyto(region, segment, where=new)
        areas[segment - 1] += num_new
    if count != len(category_ids):
        raise ValueError(f"{count} masks but {len(category_ids)} category ids")

    # The rest works on runs of pixels with the same segment and semantic class (rows kept apart, for
    # the boxes): the histogram of unassigned classes, the stuff lookup and the boxes cost ~ runs.
    if column_major:
        canvas = _transpose(canvas, height, width)
    starts, lengths = pixel_runs(canvas.reshape(-1), semantic.reshape(-1), row_length=width)
    run_segment = canvas.reshape(-1)[starts]
    segment_map = canvas
    if stuff_order:
        run_class = semantic.reshape(-1)[starts]
        free = run_segment == 0
        left = _class_histogram(run_class[free], lengths[free])
        present = _class_histogram(run_class, lengths) if stuff_area_limit <= 0 else left
        lookup = np.zeros(256, canvas.dtype)
        for category in stuff_order:
            if present[category] == 0 or left[category] < stuff_area_limit:
                continue
            segment = segment_of_stuff.get(category) or new_segment(category)
            segment_of_stuff[category] = segment
            lookup[category] = segment
            areas[segment - 1] += int(left[category])
        if lookup.any():
            run_segment = np.where(free, lookup[run_class], run_segment)
            segment_map = np.repeat(run_segment, lengths).reshape(height, width)
    boxes = run_boxes(run_segment, starts, lengths, width=width, num_labels=len(categories) + 1)[1:].tolist()

    segments = tuple(
        Segment(i + 1, category, area, tuple(box))
        for i, (category, area, box) in enumerate(zip(categories, areas, boxes, strict=True))
    )
    return PanopticMerge(segment_map, segments)


def _transpose(image: NDArray[np.integer], height: int, width: int) -> NDArray[np.integer]:
    """C-contiguous transpose (OpenCV's is several times faster than a numpy copy of ``image.T``)."""
    if image.size == 0 or image.dtype.itemsize > 4:
        return np.ascontiguousarray(image.T).reshape(height, width)
    return cv2.transpose(image).reshape(height, width)


def _class_histogram(classes: NDArray[np.uint8], lengths: NDArray[np.intp]) -> NDArray[np.int64]:
    """(256,) int64 pixels per class value, from runs."""
    return np.bincount(classes, weights=lengths, minlength=256).astype(np.int64)


def segment_map_to_rgb(segment_map: NDArray[np.integer], num_segments: int) -> NDArray[np.uint8]:
    """(H, W, 3) uint8 RGB of a segment id map (:func:`~pps_cli.formats.labels.segment_id_to_rgb` per id).

    ``num_segments`` is the largest id; below 2**16 the channels are the id's bytes, interleaved by OpenCV.
    """
    if segment_map.size and num_segments < 1 << 16 and segment_map.dtype in (np.uint8, np.uint16):
        zeros = np.zeros(segment_map.shape, np.uint8)
        if segment_map.dtype == np.uint8:  # R = id, G = B = 0
            return cv2.merge([segment_map, zeros, zeros])
        low_high = np.ascontiguousarray(segment_map, dtype="<u2").view(np.uint8).reshape(*segment_map.shape, 2)
        return cv2.merge([low_high, zeros])
    return segment_id_to_rgb(segment_map)


# ----------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class MergeSettings:
    """The merge parameters every worker needs (sent once per worker)."""

    stuff_order: tuple[int, ...]
    categories: dict[int, int]
    """Valid instance category ids (in the input's id space) -> eval sid: things and stuff of the EvalSpec."""
    confidence_thr: float = CONFIDENCE_THRESHOLD
    overlap_thr: float = OVERLAP_THRESHOLD
    stuff_area_limit: int = STUFF_AREA_LIMIT
    semantic_lut: NDArray[np.uint8] | None = None
    """Semantic id -> eval sid for semantic PNGs not in eval ids (:mod:`pps_cli.formats.idspaces`)."""

    @classmethod
    def from_spec(
        cls, spec: EvalSpec, *, semantic_ids: IdSpace = EVAL, instance_ids: IdSpace = EVAL, **thresholds: Any
    ) -> MergeSettings:
        valid = spec.things | spec.stuff
        table = id_table(instance_ids, spec).tolist()
        categories = {i: e for i, e in enumerate(table) if e in valid} if not instance_ids.is_eval else {s: s for s in valid}
        lut = None if semantic_ids.is_eval else label_lut(id_table(semantic_ids, spec))
        return cls(spec.stuff_order, categories, semantic_lut=lut, **thresholds)


@dataclass(frozen=True)
class _Job:
    """One image for a worker: its inputs and where its PNG goes."""

    image: ImageInfo
    semantic_png: Path
    instances: InstanceSource
    out_png: Path
    file_name: str


@dataclass(frozen=True)
class ImageResult:
    """One image's annotation for panoptic.json, and what is worth a warning."""

    annotation: dict[str, Any]
    partial_masks: tuple[str, ...] = ()
    """Cityscapes mask files holding values 1..254 (background, as in the reference)."""
    semantic_counts: NDArray[np.int64] = field(default_factory=lambda: np.zeros(256, np.int64))
    """(256,) pixels per semantic input id, on every ROW_STEP-th row (for the id-space check)."""
    instance_counts: NDArray[np.int64] = field(default_factory=lambda: np.zeros(256, np.int64))
    """(256,) kept instances per category id (for the id-space check)."""


def merge_image(
    semantic: NDArray[np.uint8],
    records: Sequence[InstanceRecord],
    settings: MergeSettings,
) -> tuple[PanopticMerge, tuple[str, ...]]:
    """Merge one image from its semantic map and checked instance records (decoding masks lazily)."""
    height, width = semantic.shape
    order = walk_order([r.score for r in records], confidence_thr=settings.confidence_thr)
    walked = [records[i] for i in order]
    partial: list[str] = []

    # Mask PNGs decode row by row; RLEs and polygons column by column.
    row_major = bool(walked) and all(isinstance(r.segmentation, Path) for r in walked)

    def masks() -> Iterable[MaskCrop]:
        for record in walked:
            crop, has_partial = decode_instance(record, height=height, width=width)
            if has_partial:
                partial.append(str(record.segmentation))
            yield crop

    result = merge_panoptic(
        semantic,
        masks(),
        [r.category_id for r in walked],
        stuff_order=settings.stuff_order,
        overlap_thr=settings.overlap_thr,
        stuff_area_limit=settings.stuff_area_limit,
        column_major=not row_major,
    )
    return result, tuple(partial)


def _merge_one(job: _Job, settings: MergeSettings) -> ImageResult:
    """Worker: read one image's predictions, merge them, write its PNG, return its annotation."""
    image = job.image
    semantic = read_png(job.semantic_png, channels=1)
    if semantic.shape != (image.height, image.width):
        raise PpsError(
            job.semantic_png,
            f"size {semantic.shape[1]}x{semantic.shape[0]}, expected {image.width}x{image.height} (images.json)",
        )
    semantic_counts = np.bincount(semantic[::ROW_STEP].reshape(-1), minlength=256).astype(np.int64)
    if settings.semantic_lut is not None:
        semantic = cv2.LUT(semantic, settings.semantic_lut)
    records = load_instances(job.instances, image, categories=settings.categories, confidence_thr=settings.confidence_thr)
    instance_counts = np.bincount([r.category_id for r in records], minlength=256).astype(np.int64)
    result, partial = merge_image(semantic, records, settings)
    write_png(job.out_png, segment_map_to_rgb(result.segment_map, len(result.segments)))
    annotation = {
        "image_id": image.id,
        "file_name": job.file_name,
        "segments_info": [segment.as_json() for segment in result.segments],
    }
    return ImageResult(annotation, partial, semantic_counts, instance_counts)


def output_file_name(image: ImageInfo, images_json: Path) -> str:
    """The panoptic PNG's name: images.json ``file_name`` with its extension replaced by ``.png``."""
    name = PurePosixPath(image.file_name.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts or not name.name or name.name.startswith("."):
        raise PpsError(images_json, f"image {image.key}: file_name {image.file_name!r} is not a plain relative file name")
    return str(name.with_suffix(".png"))


@dataclass(frozen=True)
class PanopticReport:
    """Summary of :func:`merge_panoptic_files`."""

    out_dir: Path
    num_images: int
    num_segments: int
    warnings: tuple[str, ...] = field(default=())


def panoptic_categories(spec: EvalSpec) -> list[dict[str, Any]]:
    """``categories`` of panoptic.json: evaluated sids ascending, with name, color and isthing."""
    return [
        {
            "id": sid,
            "name": spec.category_name(sid),
            "color": list(spec.category_color(sid)),
            "isthing": int(sid in spec.things),
        }
        for sid in spec.eval_sids
    ]


def merge_panoptic_files(
    *,
    spec: EvalSpec,
    images: Sequence[ImageInfo],
    images_json: Path,
    semantic_dir: Path,
    instances: Path,
    instance_format: InstanceFormat | Literal["auto"] = "auto",
    out_dir: Path,
    confidence_thr: float = CONFIDENCE_THRESHOLD,
    overlap_thr: float = OVERLAP_THRESHOLD,
    stuff_area_limit: int = STUFF_AREA_LIMIT,
    workers: int = 1,
    overwrite: bool = True,
    on_image: Callable[[str], None] | None = None,
    semantic_ids: IdSpace = EVAL,
    instance_ids: IdSpace = EVAL,
) -> PanopticReport:
    """Merge every image of images.json; write ``out_dir/panoptic/*.png`` and ``out_dir/panoptic.json``.

    With ``overwrite=False`` an existing ``panoptic.json`` or output PNG is an error (nothing written).
    ``semantic_ids`` and ``instance_ids`` say how the inputs' class ids are given (:mod:`pps_cli.formats.idspaces`);
    eval ids that look like contiguous training ids are an error unless eval was chosen explicitly.

    Nothing is written unless every image succeeds. The output bytes do not depend on ``workers``.

    Raises
    ------
    PpsError
        For missing or ambiguous files (listing every affected image), and any bad input (one line
        naming the file).
    """
    images = list(images)
    if (out_dir / PANOPTIC_DIR).resolve() == semantic_dir.resolve() or out_dir.resolve() == semantic_dir.resolve():
        raise PpsError(out_dir, "output folder is the semantic input folder; choose another --output")
    settings = MergeSettings.from_spec(
        spec,
        semantic_ids=semantic_ids,
        instance_ids=instance_ids,
        confidence_thr=confidence_thr,
        overlap_thr=overlap_thr,
        stuff_area_limit=stuff_area_limit,
    )
    semantic_files, unmatched_semantic = match_files(
        images, list_files(semantic_dir, (".png",)), root=semantic_dir, what="semantic PNG"
    )
    warnings: list[str] = []
    if unmatched_semantic:
        names = [str(p.relative_to(semantic_dir)) for p in unmatched_semantic]
        warnings.append(f"{semantic_dir}: {len(names)} PNG files match no image of images.json: {summarize_list(names, 5)}")
    sources = find_instance_sources(
        instances,
        images,
        instance_format=instance_format,
        categories=settings.categories,
        confidence_thr=confidence_thr,
    )
    warnings.extend(sources.warnings)
    file_names = [output_file_name(image, images_json) for image in images]
    seen: dict[str, str] = {}
    for image, name in zip(images, file_names, strict=True):
        if name in seen:
            raise PpsError(images_json, f"images {seen[name]} and {image.key} would both write {PANOPTIC_DIR}/{name}")
        seen[name] = image.key
    existing = [p for p in [PANOPTIC_JSON, *(f"{PANOPTIC_DIR}/{name}" for name in file_names)] if (out_dir / p).exists()]
    if existing and not overwrite:
        raise PpsError(
            out_dir, f"{len(existing)} outputs already exist ({summarize_list(existing, 3)}); add --overwrite to replace them"
        )
    document = read_json(images_json)
    annotations = []
    partial_masks: list[str] = []
    with staged_output(out_dir) as stage:
        jobs = [
            _Job(image, semantic_files[image.key], sources.by_image[image.key], stage / PANOPTIC_DIR / name, name)
            for image, name in zip(images, file_names, strict=True)
        ]
        results = parallel_map(_merge_one, jobs, context=settings, workers=workers)
        semantic_counts = np.zeros(256, np.int64)
        instance_counts = np.zeros(256, np.int64)
        for job, result in zip(jobs, results, strict=True):
            annotations.append(result.annotation)
            partial_masks.extend(result.partial_masks)
            semantic_counts += result.semantic_counts
            instance_counts += result.instance_counts
            if on_image is not None:
                on_image(job.image.key)
        check_id_space(
            semantic_counts, spec, semantic_ids, where=semantic_dir, what="semantic pixels", option="--semantic-ids"
        )
        undefined = np.flatnonzero((id_table(semantic_ids, spec) == UNKNOWN) & (semantic_counts > 0))
        if undefined.size:
            warnings.append(
                f"{semantic_dir}: semantic ids {summarize_list([str(i) for i in undefined.tolist()])} are not defined by "
                f"--semantic-ids {semantic_ids.source}; their pixels count as void"
            )
        check_id_space(
            instance_counts, spec, instance_ids, where=instances, what="instances", option="--instance-ids", valid=spec.is_thing
        )
        document["annotations"] = annotations
        document["categories"] = panoptic_categories(spec)
        write_json(stage / PANOPTIC_JSON, document)
    if partial_masks:
        names = list(dict.fromkeys(partial_masks))
        warnings.append(
            f"{len(names)} Cityscapes mask files hold values between 1 and 254, which count as background "
            f"(only 255 marks the mask, as in the reference): {summarize_list(names, 3)}"
        )
    num_segments = sum(len(a["segments_info"]) for a in annotations)
    return PanopticReport(out_dir, len(images), num_segments, tuple(warnings))
