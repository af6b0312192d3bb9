"""Reading COCO panoptic JSON files and matching their annotations to images.json (PPS_REFERENCE.md section 4).

Any COCO panoptic output is accepted: ``{"annotations": [{"image_id", "file_name", "segments_info":
[{"id", "category_id", ...}, ...], ...}, ...], ...}``. Other keys (``images``, ``categories``, ``area``,
``bbox``, ``iscrowd``, ``score``...) are allowed and ignored; ``image_id`` may be an int or a string.

panopticapi stores ``int(image_id)`` whenever Python's ``int()`` accepts the id (underscores included: the
PASCAL id ``2008_000393`` becomes ``2008000393``), so an image is matched to its annotation by its id as
given, then by ``int(id)``, then by the string forms of both ids (images.json with integer ids, panoptic
JSON with string ids).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .dataset import ImageInfo
from .errors import PpsError, summarize_list
from .io import read_json


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
        segment_ids, category_ids = [], []
        for k, segment in enumerate(segments):
            segment_id = _as_int(segment.get("id")) if isinstance(segment, dict) else None
            category_id = _as_int(segment.get("category_id")) if isinstance(segment, dict) else None
            if segment_id is None or category_id is None:
                raise PpsError(path, f"{where}: segments_info[{k}]: needs integer 'id' and 'category_id'")
            segment_ids.append(segment_id)
            category_ids.append(category_id)
        annotations.append(PanopticAnnotation(image_id, file_name, tuple(segment_ids), tuple(category_ids)))
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
