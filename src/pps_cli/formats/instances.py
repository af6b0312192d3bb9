"""Readers of instance segmentation predictions, and mask decoding into bounding-box crops.

Formats (docs/formats.md, 'Prediction inputs'):

- COCO results: ONE JSON list of ``{image_id, category_id, segmentation, score}`` (detectron2's
  ``coco_instances_results.json``), or a folder with one ``<image_id>.json`` list per image.
  ``segmentation`` is an RLE (``counts`` compressed string or uncompressed list) or polygons.
- Cityscapes: per image a ``<image_id>[_leftImg8bit]_pred.txt`` (found recursively) with lines
  ``mask.png label_id confidence``; the mask is where its pixels are 255 (1..254 are background, as in
  the reference). Mask paths are relative to the txt's folder (Cityscapes convention) or, failing
  that, to the predictions root (the reference's convention).

Reading happens in two steps. Parsing turns a file into :class:`InstanceRecord` s, checks every field
of the instances that pass the confidence threshold (category ids, scores, RLE sizes, mask files) and
drops the others unread, as the merge would. Decoding (:func:`decode_instance`) happens later, one
instance at a time, and only for instances the merge walks; it yields a :class:`MaskCrop`: the mask
inside its bounding box. Compressed RLEs are decoded straight into that box (cost ~ box area, not
image area); the result equals ``pycocotools.mask.decode`` cropped to the box.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from ..dataset import ImageInfo, match_files
from ..errors import PpsError, summarize_list
from ..io import list_files, read_bytes, read_json, read_mask_png

InstanceFormat = Literal["coco", "cityscapes"]
MASK_FOREGROUND = 255
"""The one pixel value of a Cityscapes instance mask PNG that belongs to the mask."""

_RLE_MAX_CHUNKS = 12  # 6-bit chunks per compressed count: 60 bits, far beyond any image, below int64


# ----------------------------------------------------------------------------- masks


@dataclass(frozen=True, eq=False)
class MaskCrop:
    """An instance mask restricted to its bounding box.

    Attributes
    ----------
    y0, x0 : int
        Top-left corner of the box in the image.
    mask : (h, w) bool
        The mask inside the box (may be a Fortran-ordered view); empty (0, 0) for an empty mask.
    area : int
        Number of mask pixels.
    """

    y0: int
    x0: int
    mask: NDArray[np.bool_]
    area: int

    @classmethod
    def empty(cls) -> MaskCrop:
        return cls(0, 0, np.zeros((0, 0), bool), 0)

    @classmethod
    def from_array(cls, mask: NDArray[Any]) -> MaskCrop:
        """Crop a full-image mask (bool, or any integer array where non-zero is foreground)."""
        binary = np.ascontiguousarray(mask, dtype=bool)
        if binary.ndim != 2:
            raise ValueError(f"expected a (H, W) mask, got shape {binary.shape}")
        x, y, w, h = cv2.boundingRect(binary.view(np.uint8))
        if w == 0 or h == 0:
            return cls.empty()
        crop = binary[y : y + h, x : x + w]
        return cls(y, x, crop, int(np.count_nonzero(crop)))

    def to_array(self, height: int, width: int) -> NDArray[np.bool_]:
        """The full (height, width) bool mask."""
        full = np.zeros((height, width), bool)
        h, w = self.mask.shape
        full[self.y0 : self.y0 + h, self.x0 : self.x0 + w] = self.mask
        return full


def rle_counts(counts: Any, *, where: str) -> NDArray[np.int64]:
    """Run lengths of a COCO RLE: alternating runs of 0s and 1s in column-major order, 0s first.

    Parameters
    ----------
    counts : str, bytes or list of int
        Compressed (pycocotools' 6-bit ASCII with delta coding) or uncompressed counts.
    where : str
        Prefix of the error messages (file and entry).

    Returns
    -------
    (M,) int64
        The run lengths, as ``pycocotools`` decodes them (``rleFrString``).

    Raises
    ------
    PpsError
        For characters outside the alphabet, a truncated string, or negative counts.
    """
    if isinstance(counts, list):
        if not all(isinstance(c, int) and not isinstance(c, bool) for c in counts):
            raise PpsError(None, f"{where}: RLE 'counts' list must hold integers")
        runs = np.asarray(counts, dtype=np.int64).reshape(-1)
    else:
        if isinstance(counts, str):
            try:
                counts = counts.encode("ascii")
            except UnicodeEncodeError:
                raise PpsError(None, f"{where}: RLE 'counts' is not a valid compressed RLE string") from None
        if not isinstance(counts, bytes):
            raise PpsError(None, f"{where}: RLE 'counts' must be a string or a list of integers")
        chars = np.frombuffer(counts, np.uint8).astype(np.int64) - 48
        if chars.size == 0:
            return np.empty(0, np.int64)
        if chars.min() < 0 or chars.max() > 63:
            raise PpsError(None, f"{where}: RLE 'counts' is not a valid compressed RLE string")
        # Each count is little-endian 5-bit chunks; bit 0x20 says "more chunks follow", bit 0x10 of
        # the last chunk is the sign.
        last = (chars & 0x20) == 0
        if not last[-1]:
            raise PpsError(None, f"{where}: RLE 'counts' string is truncated")
        ends = np.flatnonzero(last)
        lengths = np.diff(ends, prepend=-1)
        if lengths.max() > _RLE_MAX_CHUNKS:
            raise PpsError(None, f"{where}: RLE 'counts' string holds an impossibly large count")
        starts = ends - lengths + 1
        shifts = 5 * (np.arange(chars.size) - np.repeat(starts, lengths))
        values = np.add.reduceat((chars & 0x1F) << shifts, starts)
        negative = (chars[ends] & 0x10) != 0
        values[negative] -= np.left_shift(1, 5 * lengths[negative])
        # Counts from the fourth on are stored as differences to the count two places earlier.
        runs = values
        runs[1::2] = np.cumsum(values[1::2])
        runs[2::2] = np.cumsum(values[2::2])
    if runs.size and runs.min() < 0:
        raise PpsError(None, f"{where}: RLE 'counts' holds negative run lengths")
    return runs


def crop_from_runs(runs: NDArray[np.int64], *, height: int, width: int, where: str) -> MaskCrop:
    """Build the :class:`MaskCrop` of an RLE from its run lengths (see :func:`rle_counts`).

    Only the bounding box is materialized. Runs are in column-major order, so a run of 1s stays inside
    one column unless the box spans the full height; in both cases a pixel's index in the (transposed)
    box is ``(x - x0) * box_height + (y - y0)``, which preserves the run order.
    """
    total = int(runs.sum())
    if total != height * width:
        raise PpsError(None, f"{where}: corrupt RLE: its runs cover {total} pixels, expected {height}x{width}")
    ends = np.cumsum(runs)
    ones = np.arange(1, runs.size, 2)
    ones = ones[runs[ones] > 0]
    if ones.size == 0:
        return MaskCrop.empty()
    stops = ends[ones]
    starts = stops - runs[ones]
    lasts = stops - 1
    x_start, y_start = np.divmod(starts, height)
    x_last, y_last = np.divmod(lasts, height)
    x0, x1 = int(x_start[0]), int(x_last[-1]) + 1
    if np.any(x_start != x_last):
        y0, y1 = 0, height
    else:
        y0, y1 = int(y_start.min()), int(y_last.max()) + 1
    box_h, box_w = y1 - y0, x1 - x0
    local_starts = (x_start - x0) * box_h + (y_start - y0)
    local_stops = (x_last - x0) * box_h + (y_last - y0) + 1
    bounds = np.empty(2 * ones.size + 2, np.int64)
    bounds[0], bounds[-1] = 0, box_h * box_w
    bounds[1:-1:2], bounds[2:-1:2] = local_starts, local_stops
    values = np.zeros(2 * ones.size + 1, bool)
    values[1::2] = True
    transposed = np.repeat(values, np.diff(bounds)).reshape(box_w, box_h)
    return MaskCrop(y0, x0, transposed.T, int(runs[ones].sum()))


def decode_rle(rle: Any, *, height: int, width: int, where: str) -> MaskCrop:
    """Decode a COCO RLE dict (``size`` [h, w], ``counts``) of an image of the given size."""
    if not isinstance(rle, dict) or "counts" not in rle or "size" not in rle:
        raise PpsError(None, f"{where}: segmentation must be an RLE object with 'size' and 'counts', or polygons")
    size = rle["size"]
    if (
        not isinstance(size, list | tuple)
        or len(size) != 2
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in size)
    ):
        raise PpsError(None, f"{where}: RLE 'size' must be [height, width]")
    if (size[0], size[1]) != (height, width):
        raise PpsError(None, f"{where}: RLE size {size[1]}x{size[0]}, expected {width}x{height} (images.json)")
    return crop_from_runs(rle_counts(rle["counts"], where=where), height=height, width=width, where=where)


def decode_polygons(polygons: Any, *, height: int, width: int, where: str) -> MaskCrop:
    """Rasterize COCO polygons (a list of flat ``[x1, y1, x2, y2, ...]`` lists) as pycocotools does."""
    from pycocotools import mask as coco_mask

    valid = isinstance(polygons, list) and all(
        isinstance(p, list)
        and len(p) >= 6
        and len(p) % 2 == 0
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in p)
        for p in polygons
    )
    if not valid:
        raise PpsError(None, f"{where}: polygons must be lists of at least 3 finite x, y pairs")
    if not polygons:
        return MaskCrop.empty()
    rle = coco_mask.merge(coco_mask.frPyObjects(polygons, height, width))
    return crop_from_runs(rle_counts(rle["counts"], where=where), height=height, width=width, where=where)


def read_mask_file(path: Path, *, height: int, width: int) -> tuple[MaskCrop, bool]:
    """Read a Cityscapes instance mask PNG; returns the crop of its 255 pixels and whether 1..254 occur.

    The crop is C-ordered (row-major, as the PNG's rows). Past decoding, the cost is about one fast
    scan of the rows without mask pixels plus work on the band of rows holding them.
    """
    image = read_mask_png(path)
    if image.shape != (height, width):
        raise PpsError(path, f"size {image.shape[1]}x{image.shape[0]}, expected {width}x{height} (images.json)")
    top, bottom = nonzero_rows(image)
    if top == bottom:
        return MaskCrop.empty(), False
    x, y, w, h = cv2.boundingRect(image[top:bottom])  # the box of every non-zero pixel
    y += top
    box = image[y : y + h, x : x + w]
    # numpy, not cv2.threshold: OpenCV runs it on a thread pool whose spinning costs more CPU than the work
    foreground = box >= MASK_FOREGROUND
    area = int(np.count_nonzero(foreground))
    partial = cv2.countNonZero(box) != area
    if partial:  # values 1..254 widen the box: shrink it to the 255 pixels
        if area == 0:
            return MaskCrop.empty(), True
        dx, dy, w, h = cv2.boundingRect(foreground.view(np.uint8))
        foreground, x, y = foreground[dy : dy + h, dx : dx + w], x + dx, y + dy
    return MaskCrop(y, x, foreground, area), partial


ROW_BLOCK = 32
"""Rows per block when looking for the rows of a mask (a band that is a few rows too wide costs little)."""


def nonzero_rows(image: NDArray[np.uint8]) -> tuple[int, int]:
    """``(top, bottom)``: rows ``top..bottom-1`` of a (H, W) uint8 image hold all its non-zero pixels.

    ``top == bottom`` when there are none. The band is whole blocks of :data:`ROW_BLOCK` rows (or fewer
    at the image's end): blocks are tested from either end with ``cv2.hasNonZero``, which stops at the
    first non-zero pixel, so the rows inside the band are not scanned here.
    """
    starts = range(0, image.shape[0] if image.size else 0, ROW_BLOCK)
    top = next((y for y in starts if cv2.hasNonZero(image[y : y + ROW_BLOCK])), None)
    if top is None:
        return 0, 0
    bottom = next(y for y in reversed(starts) if cv2.hasNonZero(image[y : y + ROW_BLOCK]))
    return top, min(bottom + ROW_BLOCK, image.shape[0])


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class InstanceRecord:
    """One predicted instance, checked but not decoded.

    Attributes
    ----------
    category_id : int
        Eval sid (a thing or stuff class of the EvalSpec).
    score : float
        Confidence.
    segmentation : dict, list or Path
        COCO RLE dict, COCO polygons, or the path of a Cityscapes mask PNG.
    where : str
        ``file: entry`` for messages.
    """

    category_id: int
    score: float
    segmentation: dict[str, Any] | list[Any] | Path
    where: str


def decode_instance(record: InstanceRecord, *, height: int, width: int) -> tuple[MaskCrop, bool]:
    """Decode an instance's mask; the flag tells a Cityscapes mask with values 1..254 (background)."""
    segmentation = record.segmentation
    if isinstance(segmentation, Path):
        return read_mask_file(segmentation, height=height, width=width)
    if isinstance(segmentation, list):
        return decode_polygons(segmentation, height=height, width=width, where=record.where), False
    return decode_rle(segmentation, height=height, width=width, where=record.where), False


def _category(value: Any, *, categories: Collection[int], where: str, score: float) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise PpsError(None, f"{where}: 'category_id' must be an integer, got {value!r}")
    if value not in categories:
        if isinstance(categories, Mapping) and any(k != v for k, v in categories.items()):
            raise PpsError(None, f"{where}: category_id {value} (score {score:g}) is not defined by --instance-ids")
        raise PpsError(
            None,
            f"{where}: category_id {value} (score {score:g}) is not a thing or stuff class of the EvalSpec "
            f"(classes: {summarize_list([str(c) for c in sorted(categories)], 40)}; "
            "contiguous training ids need --instance-ids contiguous)",
        )
    return categories[value] if isinstance(categories, Mapping) else value


def _score(value: Any, *, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PpsError(None, f"{where}: 'score' must be a finite number, got {value!r}")
    return float(value)


def parse_coco_instance(entry: Any, *, where: str, categories: Collection[int], confidence_thr: float) -> InstanceRecord | None:
    """Check one COCO results entry; None when its score is below ``confidence_thr`` (dropped unchecked)."""
    if not isinstance(entry, dict):
        raise PpsError(None, f"{where}: expected an object with category_id, segmentation and score")
    missing = [key for key in ("category_id", "segmentation", "score") if key not in entry]
    if missing:
        raise PpsError(None, f"{where}: missing {', '.join(repr(k) for k in missing)}")
    score = _score(entry["score"], where=where)
    if score < confidence_thr:
        return None
    category_id = _category(entry["category_id"], categories=categories, where=where, score=score)
    segmentation = entry["segmentation"]
    if not isinstance(segmentation, dict | list):
        raise PpsError(None, f"{where}: segmentation must be an RLE object or polygons")
    return InstanceRecord(category_id, score, segmentation, where)


def _with_file(error: PpsError, path: str | os.PathLike[str]) -> PpsError:
    """Attach the file name to an error raised without one."""
    return PpsError(path, error.problem) if error.where is None else error


def _check_rle_size(record: InstanceRecord, image: ImageInfo) -> None:
    """Fail early (while parsing) on an RLE whose size is not the image's."""
    rle = record.segmentation
    if isinstance(rle, dict) and isinstance(rle.get("size"), list | tuple) and len(rle["size"]) == 2:
        height, width = rle["size"]
        if (height, width) != (image.height, image.width):
            raise PpsError(
                None, f"{record.where}: RLE size {width}x{height}, expected {image.width}x{image.height} (images.json)"
            )


def _int_id(image_id: Any) -> int | None:
    """``int(image_id)`` for str and int ids (Python's int() accepts '2008_000393'), else None."""
    if isinstance(image_id, bool) or not isinstance(image_id, int | str):
        return None
    try:
        return int(image_id)
    except ValueError:
        return None


@dataclass(frozen=True)
class CocoResults:
    """The instances of one COCO results JSON, grouped by image (images.json order, input order within)."""

    by_image: dict[str, list[InstanceRecord]]
    unmatched: int
    """Entries whose image_id matches no image (all of them, whatever their score)."""
    unmatched_ids: tuple[str, ...]
    """Distinct unmatched image ids, in file order (for the warning)."""


def read_coco_results(
    path: str | os.PathLike[str],
    images: Sequence[ImageInfo],
    *,
    categories: Collection[int],
    confidence_thr: float,
) -> CocoResults:
    """Read one COCO results JSON (a list of instances of all images) and group it by image.

    An entry belongs to the image whose id equals its ``image_id`` as given, or failing that as
    ``int()`` (``"0001"``, ``1`` and ``"2008_000393"`` vs ``2008000393``); entries matching no image are
    counted for a warning. Entries below ``confidence_thr`` are dropped; the rest are checked.

    Raises
    ------
    PpsError
        Naming ``path`` and the entry, for malformed entries, category ids outside things and stuff,
        and RLE sizes that differ from the image.
    """
    data = read_json(path)
    if isinstance(data, dict) and isinstance(data.get("annotations"), list):
        data = data["annotations"]
    if not isinstance(data, list):
        raise PpsError(path, "expected a JSON list of instances ({image_id, category_id, segmentation, score})")
    exact: dict[Any, ImageInfo] = {}
    for image in images:
        exact.setdefault(image.id, image)
    by_int: dict[int, ImageInfo | None] = {}
    for image in images:
        number = _int_id(image.id)
        if number is not None:
            by_int[number] = None if number in by_int else image  # None: ambiguous, matches nothing
    by_image: dict[str, list[InstanceRecord]] = {image.key: [] for image in images}
    unmatched_ids: dict[str, None] = {}
    unmatched = 0
    for n, entry in enumerate(data):
        image_id = entry.get("image_id") if isinstance(entry, dict) else None
        where = f"[{n}] (image_id {image_id!r})"
        if not isinstance(entry, dict) or "image_id" not in entry:
            raise PpsError(path, f"[{n}]: expected an object with image_id, category_id, segmentation and score")
        try:
            image = exact.get(image_id)
        except TypeError:  # unhashable id
            raise PpsError(path, f"{where}: 'image_id' must be a string or an integer") from None
        if image is None:
            number = _int_id(image_id)
            image = by_int.get(number) if number is not None else None
        if image is None:
            unmatched += 1
            unmatched_ids[repr(image_id)] = None
            continue
        record = _image_record(entry, path=path, where=where, image=image, categories=categories, confidence_thr=confidence_thr)
        if record is not None:
            by_image[image.key].append(record)
    return CocoResults(by_image, unmatched, tuple(unmatched_ids))


def _image_record(
    entry: Any, *, path: Path, where: str, image: ImageInfo, categories: Collection[int], confidence_thr: float
) -> InstanceRecord | None:
    """Parse one COCO entry of ``path`` belonging to ``image`` (None below the confidence threshold)."""
    try:
        record = parse_coco_instance(entry, where=where, categories=categories, confidence_thr=confidence_thr)
        if record is not None:
            _check_rle_size(record, image)
    except PpsError as e:
        raise _with_file(e, path) from None
    if record is None:
        return None
    return InstanceRecord(record.category_id, record.score, record.segmentation, f"{path}: {where}")


def read_coco_image_file(
    path: Path, image: ImageInfo, *, categories: Collection[int], confidence_thr: float
) -> list[InstanceRecord]:
    """Read one image's COCO instances (``<image_id>.json``: a list; ``image_id`` fields are not needed)."""
    data = read_json(path)
    if isinstance(data, dict) and isinstance(data.get("annotations"), list):
        data = data["annotations"]
    if not isinstance(data, list):
        raise PpsError(path, "expected a JSON list of instances ({category_id, segmentation, score})")
    records = []
    for n, entry in enumerate(data):
        record = _image_record(
            entry, path=path, where=f"[{n}]", image=image, categories=categories, confidence_thr=confidence_thr
        )
        if record is not None:
            records.append(record)
    return records


_TXT_FORMAT = "expected 'mask.png label_id confidence'"


def read_cityscapes_txt(path: Path, root: Path, *, categories: Collection[int], confidence_thr: float) -> list[InstanceRecord]:
    """Read one image's Cityscapes instance txt; checks that the mask of every kept line exists.

    A mask path is looked up relative to the txt's folder, then relative to ``root``. Blank lines are
    skipped. Lines below ``confidence_thr`` are dropped without looking at their mask.
    """
    try:
        text = read_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise PpsError(path, "not UTF-8 text, expected 'mask.png label_id confidence' lines") from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        where = f"line {number}"
        if len(tokens) != 3:
            raise PpsError(path, f"{where}: {_TXT_FORMAT}, got {line.strip()!r}")
        mask_name, label, confidence = tokens
        try:
            label_id = int(label)
            score = float(confidence)
        except ValueError:
            raise PpsError(path, f"{where}: {_TXT_FORMAT}, got {line.strip()!r}") from None
        if not math.isfinite(score):
            raise PpsError(path, f"{where}: confidence must be a finite number, got {confidence!r}")
        if score < confidence_thr:
            continue
        try:
            label_id = _category(label_id, categories=categories, where=where, score=score)
        except PpsError as e:
            raise _with_file(e, path) from None
        candidates = [path.parent / mask_name, root / mask_name]
        mask_path = next((c for c in candidates if c.is_file()), None)
        if mask_path is None:
            raise PpsError(path, f"{where}: mask file {mask_name} not found (looked in {path.parent} and {root})")
        records.append(InstanceRecord(label_id, score, mask_path, f"{path}: {where}"))
    return records


# ----------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class InstanceSource:
    """Where one image's instances come from: records already read, or a file to read in the worker."""

    records: tuple[InstanceRecord, ...] = ()
    coco_file: Path | None = None
    cityscapes_txt: Path | None = None
    cityscapes_root: Path | None = None


def load_instances(
    source: InstanceSource, image: ImageInfo, *, categories: Collection[int], confidence_thr: float
) -> list[InstanceRecord]:
    """The checked records of one image, in input order (see :class:`InstanceSource`)."""
    if source.coco_file is not None:
        return read_coco_image_file(source.coco_file, image, categories=categories, confidence_thr=confidence_thr)
    if source.cityscapes_txt is not None:
        root = source.cityscapes_root or source.cityscapes_txt.parent
        return read_cityscapes_txt(source.cityscapes_txt, root, categories=categories, confidence_thr=confidence_thr)
    return list(source.records)


def detect_format(path: Path) -> InstanceFormat:
    """``coco`` for a JSON file or a folder of JSON files, ``cityscapes`` for a folder of txt files."""
    if path.is_file():
        if path.suffix.lower() != ".json":
            raise PpsError(path, "expected a COCO results .json file, or a folder of per-image instance files")
        return "coco"
    if not path.is_dir():
        raise PpsError(path, "not found")
    has_json = bool(list_files(path, (".json",)))
    has_txt = bool(list_files(path, (".txt",)))
    if has_json and has_txt:
        raise PpsError(path, "holds both .json and .txt files; choose the instance format with --format coco|cityscapes")
    if has_txt:
        return "cityscapes"
    if has_json:
        return "coco"
    raise PpsError(path, "no instance predictions found (expected <image_id>.json or Cityscapes .txt files)")


@dataclass(frozen=True)
class InstanceSources:
    """Per image, where its instances come from, plus what did not match (for warnings)."""

    by_image: dict[str, InstanceSource]
    warnings: tuple[str, ...]


def find_instance_sources(
    path: Path,
    images: Sequence[ImageInfo],
    *,
    instance_format: InstanceFormat | Literal["auto"],
    categories: Collection[int],
    confidence_thr: float,
) -> InstanceSources:
    """Locate every image's instances under ``path`` (a results JSON, or a folder of per-image files).

    A results JSON is read and checked here; per-image files are matched to image ids exactly (every
    image needs one; an empty list or txt means no instances) and read later, by the workers.
    """
    fmt = detect_format(path) if instance_format == "auto" else instance_format
    images = list(images)
    if path.is_file():
        if fmt != "coco":
            raise PpsError(path, "Cityscapes instances are a folder of txt files, not a file")
        results = read_coco_results(path, images, categories=categories, confidence_thr=confidence_thr)
        warnings: list[str] = []
        if results.unmatched:
            warnings.append(
                f"{path}: {results.unmatched} instances belong to no image of images.json "
                f"(image_id {summarize_list(list(results.unmatched_ids), 5)})"
            )
        sources = {key: InstanceSource(records=tuple(records)) for key, records in results.by_image.items()}
        return InstanceSources(sources, tuple(warnings))
    if not path.is_dir():
        raise PpsError(path, "not found")
    suffix = ".json" if fmt == "coco" else ".txt"
    what = "COCO instance JSON" if fmt == "coco" else "Cityscapes instance txt"
    matched, unmatched = match_files(images, list_files(path, (suffix,)), root=path, what=what)
    warnings = []
    if unmatched:
        names = [str(p.relative_to(path)) for p in unmatched]
        warnings.append(f"{path}: {len(unmatched)} {suffix} files match no image of images.json: {summarize_list(names, 5)}")
    if fmt == "coco":
        sources = {key: InstanceSource(coco_file=file) for key, file in matched.items()}
    else:
        sources = {key: InstanceSource(cityscapes_txt=file, cityscapes_root=path) for key, file in matched.items()}
    return InstanceSources(sources, tuple(warnings))
