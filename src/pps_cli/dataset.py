"""Dataset layouts, images.json, and exact matching of files to image ids.

Layouts (docs/formats.md, 'images.json'): Cityscapes-Panoptic-Parts keeps GT as
``<city>/<image_id>_gtFinePanopticParts.tif`` (images named ``<image_id>_gtFine_leftImg8bit.png``),
PASCAL-Panoptic-Parts as ``<image_id>.tif`` (images named ``<image_id>.png``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import PpsError, summarize_list
from .io import list_files, read_json, tiff_size

Layout = Literal["cityscapes", "pascal"]
CPP_GT_SUFFIX = "_gtFinePanopticParts.tif"
CPP_IMAGE_SUFFIX = "_gtFine_leftImg8bit.png"

KNOWN_SUFFIXES = (
    "_gtFine_leftImg8bit",
    "_leftImg8bit",
    "_leftImg8bit_pred",
    "_gtFinePanopticParts",
    "_gtFine_panoptic",
    "_panoptic",
    "_semantic",
    "_instances",
    "_parts",
    "_pps",
    "_pred",
    "_prediction",
)
"""Name endings (before the extension) that may follow an image id in a prediction file name."""


@dataclass(frozen=True)
class ImageInfo:
    """One entry of images.json; ``id`` is kept as given (str or int), ``key`` is its string form."""

    id: str | int
    file_name: str
    width: int
    height: int

    @property
    def key(self) -> str:
        return str(self.id)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "file_name": self.file_name, "width": self.width, "height": self.height}


def detect_layout(gt_dir: Path) -> Layout:
    """Cityscapes when any ``*_gtFinePanopticParts.tif`` exists below ``gt_dir``, else PASCAL."""
    if list_files(gt_dir, (CPP_GT_SUFFIX,)):  # follows symlinked folders, like every listing
        return "cityscapes"
    return "pascal"


def find_gt_files(gt_dir: str | os.PathLike[str], layout: Layout | Literal["auto"] = "auto") -> dict[str, Path]:
    """Map image id -> GT TIFF path for a GT folder, sorted by id.

    Raises
    ------
    PpsError
        When the folder holds no GT TIFF or two files claim the same image id.
    """
    gt_dir = Path(gt_dir)
    files = list_files(gt_dir, (".tif", ".tiff"))
    if layout == "auto":
        layout = detect_layout(gt_dir)
    found: dict[str, list[Path]] = {}
    for path in files:
        if layout == "cityscapes":
            if not path.name.endswith(CPP_GT_SUFFIX):
                continue
            image_id = path.name[: -len(CPP_GT_SUFFIX)]
        else:
            image_id = path.stem
        found.setdefault(image_id, []).append(path)
    if not found:
        expected = f"<city>/<id>{CPP_GT_SUFFIX}" if layout == "cityscapes" else "<id>.tif"
        raise PpsError(gt_dir, f"no ground-truth TIFFs found (expected {layout} layout: {expected})")
    duplicates = [f"{i} ({', '.join(str(p.relative_to(gt_dir)) for p in ps)})" for i, ps in found.items() if len(ps) > 1]
    if duplicates:
        raise PpsError(gt_dir, f"duplicate image ids: {summarize_list(duplicates, 5)}")
    return {image_id: found[image_id][0] for image_id in sorted(found)}


def require_gt_files(images: list[ImageInfo], gt_files: dict[str, Path], gt_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """``gt_files`` (:func:`find_gt_files` of ``gt_dir``), checked to hold every image of ``images``.

    Raises
    ------
    PpsError
        Naming ``gt_dir`` and listing every image without GT file.
    """
    missing = [image.key for image in images if image.key not in gt_files]
    if missing:
        raise PpsError(gt_dir, f"no ground-truth file for {len(missing)} of {len(images)} images: {summarize_list(missing)}")
    return gt_files



def build_images(gt_dir: str | os.PathLike[str], layout: Layout | Literal["auto"] = "auto") -> list[ImageInfo]:
    """images.json entries for a GT folder, sorted by id; sizes come from the TIFF headers."""
    gt_dir = Path(gt_dir)
    if layout == "auto":
        layout = detect_layout(gt_dir) if os.path.isdir(gt_dir) else "pascal"
    gt_files = find_gt_files(gt_dir, layout)
    images, unreadable = [], []
    for image_id, path in gt_files.items():
        try:
            width, height = tiff_size(path)
        except PpsError as e:
            unreadable.append(f"{path.relative_to(gt_dir)} ({e.problem})")
            continue
        file_name = image_id + CPP_IMAGE_SUFFIX if layout == "cityscapes" else image_id + ".png"
        images.append(ImageInfo(image_id, file_name, width, height))
    if unreadable:
        raise PpsError(gt_dir, f"{len(unreadable)} unreadable GT files: {summarize_list(unreadable, 5)}")
    return images


def images_json(images: Iterable[ImageInfo]) -> dict[str, Any]:
    """The images.json document for ``images``."""
    return {"images": [image.as_json() for image in images]}


def load_images(path: str | os.PathLike[str], *, sizes: bool = True) -> list[ImageInfo]:
    """Read images.json (``images`` entries with ``id`` or ``image_id``, ``file_name``, ``width``, ``height``).

    With ``sizes=False`` (evaluation, statistics) entries may hold only an id; missing sizes are 0.
    """
    data = read_json(path)
    entries = data.get("images") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PpsError(path, "expected a JSON object with an 'images' list")
    images: list[ImageInfo] = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise PpsError(path, f"images[{n}]: expected an object")
        image_id = entry.get("id", entry.get("image_id"))
        if not isinstance(image_id, str | int) or isinstance(image_id, bool):
            raise PpsError(path, f"images[{n}]: missing or invalid 'id'")
        try:
            if not sizes and "width" not in entry and "height" not in entry:
                images.append(ImageInfo(image_id, str(entry.get("file_name", f"{image_id}.png")), 0, 0))
                continue
            width, height = int(entry["width"]), int(entry["height"])
            file_name = str(entry.get("file_name", f"{image_id}.png"))
        except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: Infinity, which json reads
            raise PpsError(path, f"images[{n}] (id {image_id}): needs integer 'width' and 'height'") from None
        if width <= 0 or height <= 0:
            raise PpsError(path, f"images[{n}] (id {image_id}): size {width}x{height} is not positive")
        images.append(ImageInfo(image_id, file_name, width, height))
    counts = Counter(image.key for image in images)
    duplicates = sorted(key for key, count in counts.items() if count > 1)
    if duplicates:
        raise PpsError(path, f"duplicate image ids: {summarize_list(duplicates)}")
    if not images:
        raise PpsError(path, "no images listed")
    return images


def image_id_of(name: str, image_keys: set[str]) -> str | None:
    """The image id a file name (without extension) belongs to, or None.

    A name belongs to image ``X`` when it is ``X`` itself or ``X`` followed by one of
    :data:`KNOWN_SUFFIXES`; there is no substring matching.
    """
    if name in image_keys:
        return name
    for suffix in KNOWN_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in image_keys:
            return name[: -len(suffix)]
    return None


def match_files(
    images: list[ImageInfo],
    files: Iterable[Path],
    *,
    root: Path,
    what: str,
    required: bool = True,
) -> tuple[dict[str, Path], list[Path]]:
    """Match files to images by exact id (see :func:`image_id_of`).

    Returns
    -------
    matched : dict
        Image key -> file, for every image with exactly one file.
    unmatched : list of Path
        Files that belong to no image (callers may warn about them).

    Raises
    ------
    PpsError
        Naming ``root``, when an image has several candidate files, or (``required``) none.
    """
    keys = {image.key for image in images}
    candidates: dict[str, list[Path]] = {}
    unmatched: list[Path] = []
    for path in files:
        name = path.name.rsplit(".", 1)[0] if "." in path.name else path.name
        key = image_id_of(name, keys)
        if key is None:
            unmatched.append(path)
        else:
            candidates.setdefault(key, []).append(path)
    ambiguous = [f"{k} ({', '.join(str(p.relative_to(root)) for p in ps)})" for k, ps in candidates.items() if len(ps) > 1]
    if ambiguous:
        raise PpsError(root, f"several {what} files for one image: {summarize_list(ambiguous, 5)}")
    if required:
        missing = [image.key for image in images if image.key not in candidates]
        if missing:
            raise PpsError(root, f"no {what} file for {len(missing)} of {len(images)} images: {summarize_list(missing)}")
    return {k: ps[0] for k, ps in candidates.items()}, unmatched


def parse_ids(ids: str) -> list[str]:
    """Image ids from ``--ids``: a comma-separated list, or a text file with one id per line.

    In a file, blank lines and lines starting with ``#`` are skipped.
    """
    path = Path(ids)
    try:
        is_file = path.is_file()
    except OSError:  # a long list is too long a file name (ENAMETOOLONG): it is a list
        is_file = False
    if is_file:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise PpsError(path, f"cannot read the id list: {e}") from None
        lines = (line.strip() for line in text.splitlines())
        found = [line for line in lines if line and not line.startswith("#")]
        where: str | Path = path
    else:
        found = [part.strip() for part in ids.split(",") if part.strip()]
        where = "--ids"
    if not found:
        raise PpsError(where, "no image ids given")
    return found


def select_images(images: list[ImageInfo], ids: str | None) -> list[ImageInfo]:
    """The images named by ``--ids`` (see :func:`parse_ids`), in the order of ``images``; all when None.

    Raises
    ------
    PpsError
        Listing the ids that name no image.
    """
    if ids is None:
        return images
    wanted = parse_ids(ids)
    keys = {image.key for image in images}
    unknown = [i for i in wanted if i not in keys]
    if unknown:
        raise PpsError("--ids", f"{len(unknown)} ids name no image of the ground truth: {summarize_list(unknown)}")
    chosen = set(wanted)
    return [image for image in images if image.key in chosen]


def images_to_evaluate(
    gt_dir: str | os.PathLike[str], images_json: str | os.PathLike[str] | None = None, ids: str | None = None
) -> list[ImageInfo]:
    """The images to evaluate: those of images.json (ids suffice), else every GT file; then ``--ids``."""
    images = build_images(gt_dir) if images_json is None else load_images(images_json, sizes=False)
    return select_images(images, ids)
