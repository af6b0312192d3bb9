"""Reading panoptic predictions and matching them to images.json (docs/inputs.md, 'Panoptic predictions').

Two layouts (:func:`load_panoptic_inputs` reads either):

- COCO panoptic: a folder of PNGs and one JSON whose annotations name them by ``file_name`` (a PNG
  that is not there under its ``file_name`` is also looked up by image id).
- detectron2 / Mask2Former / TAPPS: per image ``<image id>.png`` and ``<image id>.json``, the latter
  a bare ``segments_info`` list or one annotation object.

The PNGs may be RGB (segment id = R + 256 G + 256**2 B) or single-channel 8-bit or 16-bit ids
(:func:`read_segment_map`). Category ids may be given in another id space (:mod:`pps_cli.formats.idspaces`).

Any COCO panoptic output is accepted: ``{"annotations": [{"image_id", "file_name", "segments_info":
[{"id", "category_id", ...}, ...], ...}, ...], ...}``. Other keys (``images``, ``categories``, ``area``,
``bbox``, ``iscrowd``, ``score``...) are allowed and ignored; ``image_id`` may be an int or a string.

panopticapi stores ``int(image_id)`` whenever Python's ``int()`` accepts the id (underscores included: the
PASCAL id ``2008_000393`` becomes ``2008000393``), so an image is matched to its annotation by its id as
given, then by ``int(id)``, then by the string forms of both ids (images.json with integer ids, panoptic
JSON with string ids).
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from ..dataset import ImageInfo, match_files
from ..errors import PpsError, summarize_list
from ..io import list_files, png_header, read_bytes, read_json
from ..specs import EvalSpec
from .idspaces import UNKNOWN, IdSpace, check_id_space, id_table, to_eval_ids
from .labels import rgb_to_segment_id


@dataclass(frozen=True)
class PanopticAnnotation:
    """One entry of ``annotations``: an image's panoptic PNG and its segments, in ``segments_info`` order.

    Attributes
    ----------
    image_id : int or str
        As stored in the JSON.
    file_name : str
        Name of the panoptic PNG, relative to the panoptic folder.
    segment_ids, category_ids : tuple of int
        ``id`` and ``category_id`` of each ``segments_info`` entry, in file order (the order numbers the
        instances of the PPS output). An id may occur more than once.
    """

    image_id: int | str
    file_name: str
    segment_ids: tuple[int, ...]
    category_ids: tuple[int, ...]


def _as_int(value: Any) -> int | None:
    """``value`` as an int when it is an integer (or an integral float), else None; bools are not ints."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _segments(segments: list[Any], *, path: str | os.PathLike[str], where: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``id`` and ``category_id`` of each ``segments_info`` entry, in order."""
    segment_ids, category_ids = [], []
    for k, segment in enumerate(segments):
        segment_id = _as_int(segment.get("id")) if isinstance(segment, dict) else None
        category_id = _as_int(segment.get("category_id")) if isinstance(segment, dict) else None
        if segment_id is None or category_id is None:
            raise PpsError(path, f"{where}: segments_info[{k}]: needs integer 'id' and 'category_id'")
        segment_ids.append(segment_id)
        category_ids.append(category_id)
    return tuple(segment_ids), tuple(category_ids)


def load_panoptic_json(path: str | os.PathLike[str]) -> list[PanopticAnnotation]:
    """Read the annotations of a COCO panoptic JSON file.

    Raises
    ------
    PpsError
        Naming ``path`` and the offending entry, when the file is not a COCO panoptic JSON, an annotation
        lacks ``image_id``, ``file_name`` or ``segments_info``, a segment lacks an integer ``id`` or
        ``category_id``, or two annotations have the same ``image_id``.
    """
    data = read_json(path)
    entries = data.get("annotations") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PpsError(path, "expected a COCO panoptic JSON object with an 'annotations' list")
    annotations: list[PanopticAnnotation] = []
    for n, entry in enumerate(entries):
        where = f"annotations[{n}]"
        if not isinstance(entry, dict):
            raise PpsError(path, f"{where}: expected an object")
        image_id = entry.get("image_id")
        if isinstance(image_id, bool) or not isinstance(image_id, int | str):
            raise PpsError(path, f"{where}: missing or invalid 'image_id' (expected an integer or a string)")
        where = f"{where} (image_id {image_id!r})"
        file_name = entry.get("file_name")
        if not isinstance(file_name, str) or not file_name:
            raise PpsError(path, f"{where}: missing or invalid 'file_name'")
        segments = entry.get("segments_info")
        if not isinstance(segments, list):
            raise PpsError(path, f"{where}: missing or invalid 'segments_info' (expected a list)")
        segment_ids, category_ids = _segments(segments, path=path, where=where)
        annotations.append(PanopticAnnotation(image_id, file_name, segment_ids, category_ids))
    counts = Counter((type(a.image_id), a.image_id) for a in annotations)
    duplicates = [repr(image_id) for (_, image_id), count in counts.items() if count > 1]
    if duplicates:
        raise PpsError(path, f"several annotations for image_id {summarize_list(duplicates)}")
    return annotations


def _int_or_none(image_id: int | str) -> int | None:
    """``int(image_id)`` as panopticapi computes it (underscores and surrounding spaces accepted), or None."""
    try:
        return int(image_id)
    except ValueError:
        return None


def match_annotations(
    images: list[ImageInfo],
    annotations: list[PanopticAnnotation],
    *,
    path: str | os.PathLike[str],
) -> dict[str, PanopticAnnotation]:
    """Find each image's annotation: by id as given, then by ``int(id)``, then by string form.

    Parameters
    ----------
    images : list of ImageInfo
        From images.json.
    annotations : list of PanopticAnnotation
        From :func:`load_panoptic_json`.
    path : path-like
        The panoptic JSON, named in errors.

    Returns
    -------
    dict
        Image key (:attr:`ImageInfo.key`) -> its annotation, in images.json order. Annotations of
        images not listed in images.json are left out.

    Raises
    ------
    PpsError
        Naming ``path``, when an image has no annotation.
    """
    exact = {(type(a.image_id), a.image_id): a for a in annotations}
    by_str: dict[str, PanopticAnnotation] = {}
    for a in annotations:
        by_str.setdefault(str(a.image_id), a)
    matched: dict[str, PanopticAnnotation] = {}
    missing: list[str] = []
    for image in images:
        found = exact.get((type(image.id), image.id))
        if found is None and isinstance(image.id, str):
            as_int = _int_or_none(image.id)
            found = None if as_int is None else exact.get((int, as_int))
        if found is None:
            found = by_str.get(image.key)
        if found is None:
            missing.append(image.key)
        else:
            matched[image.key] = found
    if missing:
        sample = summarize_list([repr(a.image_id) for a in annotations], 3) if annotations else "none"
        raise PpsError(
            path,
            f"no annotation for {len(missing)} of {len(images)} images of images.json: {summarize_list(missing)}"
            f" (annotation image_ids: {sample})",
        )
    return matched


# ----------------------------------------------------------------------------- segment maps

_GRAY, _RGB = 0, 2  # PNG color types


def read_segment_map(path: str | os.PathLike[str]) -> NDArray[np.int32]:
    """Read a panoptic PNG as (H, W) int32 segment ids.

    RGB PNGs (8-bit) hold ``R + 256 G + 256**2 B`` (COCO panoptic); single-channel 8-bit or 16-bit
    PNGs hold the ids themselves (detectron2, Mask2Former, TAPPS). 0 is "no segment" in both.

    Raises
    ------
    PpsError
        Naming ``path``, for other PNG kinds (palette, alpha, 16-bit RGB) and unreadable files.
    """
    return decode_segment_map(read_bytes(path), path)


def decode_segment_map(data: bytes, path: str | os.PathLike[str]) -> NDArray[np.int32]:
    """:func:`read_segment_map` on the bytes of ``path``, already read."""
    header = png_header(data)
    if header is None:
        raise PpsError(path, "not a PNG file (bad signature)")
    _, _, bit_depth, color_type = header
    if not ((color_type == _GRAY and bit_depth in (8, 16)) or (color_type == _RGB and bit_depth == 8)):
        raise PpsError(
            path,
            f"PNG of color type {color_type} with {bit_depth}-bit samples; a panoptic PNG is 8-bit RGB "
            "(COCO panoptic) or 8/16-bit single-channel segment ids",
        )
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise PpsError(path, "corrupt or truncated PNG")
    if image.ndim == 2:
        return image.astype(np.int32)
    return rgb_to_segment_id(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))


# ----------------------------------------------------------------------------- per-image folders


def _read_segments_file(path: Path) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``segments_info`` of ``<image id>.json``: a bare list, or an object holding ``segments_info``."""
    data = read_json(path)
    if isinstance(data, dict):
        data = data.get("segments_info")
    if not isinstance(data, list):
        raise PpsError(path, "expected a segments_info list [{id, category_id, ...}] or an object with 'segments_info'")
    return _segments(data, path=path, where="segments_info")


def load_panoptic_folder(panoptic_dir: str | os.PathLike[str], images: list[ImageInfo]) -> list[PanopticAnnotation]:
    """Annotations of a detectron2 / TAPPS folder: ``<image id>.png`` + ``<image id>.json`` per image.

    Returns
    -------
    list of PanopticAnnotation
        In images.json order; ``file_name`` is the PNG's path relative to ``panoptic_dir``.

    Raises
    ------
    PpsError
        Naming ``panoptic_dir``, listing the images without a PNG or without a JSON.
    """
    root = Path(panoptic_dir)
    pngs, _ = match_files(images, list_files(root, (".png",)), root=root, what="panoptic PNG")
    try:
        jsons, _ = match_files(images, list_files(root, (".json",)), root=root, what="segments_info JSON")
    except PpsError as e:
        raise PpsError(e.where, f"{e.problem} (a COCO panoptic JSON for all images goes to --panoptic-json)") from None
    annotations = []
    for image in images:
        segment_ids, category_ids = _read_segments_file(jsons[image.key])
        name = pngs[image.key].relative_to(root).as_posix()
        annotations.append(PanopticAnnotation(image.id, name, segment_ids, category_ids))
    return annotations


def locate_pngs(
    annotations: list[PanopticAnnotation], images: list[ImageInfo], panoptic_dir: str | os.PathLike[str]
) -> list[PanopticAnnotation]:
    """Point annotations whose ``file_name`` is not in ``panoptic_dir`` at the PNG named by their image id."""
    root = Path(panoptic_dir)

    def relocatable(a: PanopticAnnotation) -> bool:  # an unsafe file_name stays, to be refused by the merge
        name = PurePosixPath(a.file_name.replace("\\", "/"))
        return not name.is_absolute() and ".." not in name.parts and not (root / a.file_name).is_file()

    missing = [a for a in annotations if relocatable(a)]
    if not missing:
        return annotations
    by_id, _ = match_files(images, list_files(root, (".png",)), root=root, what="panoptic PNG", required=False)
    key_of: dict[tuple[type, int | str], str] = {}
    for image in images:
        as_int = _int_or_none(image.key)
        if as_int is not None:
            key_of.setdefault((int, as_int), image.key)  # panopticapi's int(image_id)
        key_of[(str, image.key)] = image.key
        key_of[(type(image.id), image.id)] = image.key
    located = []
    for a in annotations:
        key = key_of.get((type(a.image_id), a.image_id), str(a.image_id))
        if relocatable(a) and key in by_id:
            a = dataclasses.replace(a, file_name=by_id[key].relative_to(root).as_posix())
        located.append(a)
    return located


# ----------------------------------------------------------------------------- id spaces


def remap_categories(
    annotations: list[PanopticAnnotation], table: NDArray[np.int16], *, space: IdSpace, where: str | os.PathLike[str]
) -> list[PanopticAnnotation]:
    """Annotations with ``category_ids`` turned into eval sids through ``table`` (:func:`~pps_cli.formats.idspaces.id_table`).

    Raises
    ------
    PpsError
        Naming ``where``, for category ids the id space does not define.
    """
    remapped = []
    for a in annotations:
        mapped = to_eval_ids(a.category_ids, table)
        if (mapped == UNKNOWN).any():
            bad = sorted({c for c, m in zip(a.category_ids, mapped.tolist(), strict=True) if m == UNKNOWN})
            raise PpsError(
                where, f"image_id {a.image_id!r}: category_id {summarize_list([str(c) for c in bad], 5)} not defined by "
                f"--panoptic-ids {space.source}",
            )  # fmt: skip
        remapped.append(dataclasses.replace(a, category_ids=tuple(int(c) for c in mapped)))
    return remapped


def category_counts(annotations: list[PanopticAnnotation]) -> NDArray[np.int64]:
    """Segments per category id over all annotations, indexed by id (ids < 0 are left out)."""
    ids = np.array([c for a in annotations for c in a.category_ids], np.int64)
    ids = ids[ids >= 0]
    return np.bincount(ids, minlength=256)


def load_panoptic_inputs(
    panoptic_dir: str | os.PathLike[str],
    panoptic_json: str | os.PathLike[str] | None,
    images: list[ImageInfo],
    *,
    spec: EvalSpec,
    id_space: IdSpace,
) -> tuple[list[PanopticAnnotation], Path]:
    """Read panoptic predictions in either layout, with category ids as eval sids.

    Parameters
    ----------
    panoptic_dir : path-like
        The PNG folder (and, without ``panoptic_json``, the per-image JSON files).
    panoptic_json : path-like or None
        A COCO panoptic JSON; None for the per-image layout.
    images : list of ImageInfo
    spec : EvalSpec
    id_space : IdSpace
        How ``category_id`` values are to be read (``--panoptic-ids``).

    Returns
    -------
    annotations : list of PanopticAnnotation
        Category ids are eval sids; ``file_name`` points at an existing PNG where one was found.
    source : Path
        The JSON (or the folder), to be named in messages.

    Raises
    ------
    PpsError
        For unreadable inputs, and when eval-space category ids look like contiguous training ids
        (see :func:`~pps_cli.formats.idspaces.check_id_space`).
    """
    if panoptic_json is None:
        source = Path(panoptic_dir)
        annotations = load_panoptic_folder(panoptic_dir, images)
    else:
        source = Path(panoptic_json)
        annotations = locate_pngs(load_panoptic_json(panoptic_json), images, panoptic_dir)
    check_id_space(
        category_counts(annotations), spec, id_space, where=source, what="segments", option="--panoptic-ids"
    )
    if not id_space.is_eval:
        annotations = remap_categories(annotations, id_table(id_space, spec), space=id_space, where=source)
    return annotations, source
