"""Colored views of ground-truth uid maps and 3-channel PPS predictions, with a legend.

Two layers, as everywhere in pps:

* **Kernels** (pure, on arrays): :func:`gt_label_planes` and :func:`pred_label_planes` turn a
  label file's array into :class:`LabelPlanes` (sid, instance, part); :func:`colorize_labels`
  paints them; :func:`boundary_mask`, :func:`render_legend` and :func:`compose_panels` do the rest.
* **Driver**: :func:`plan_jobs` matches GT, predictions and input photos to image ids;
  :func:`visualize` renders every image (in parallel) and writes ``OUT/<id>.png`` and
  ``OUT/legend.png`` atomically, all or nothing.

Coloring (see :func:`colorize_labels`): the scene class color of the DatasetSpec; each instance a
shade of it (lighter or darker, deterministic per instance id); each part a further shade within
its instance; unlabeled parts hatched with the void color; void black; white lines where the
segment (class, instance) changes and contrasting lines where only the part changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

from .constants import VOID
from .dataset import (
    CPP_GT_SUFFIX,
    KNOWN_SUFFIXES,
    ImageInfo,
    find_gt_files,
    image_id_of,
    load_images,
    match_files,
    require_gt_files,
)
from .errors import PpsError, summarize_list
from .formats.labels import decode_uids, fold_sid_pids, invalid_uids
from .io import list_files, read_bytes, read_png, read_uid_tiff, staged_output, write_png
from .parallel import parallel_map
from .specs import EvalSpec

VOID_COLOR = (0, 0, 0)
"""Color of void pixels (prediction class 255) and of the hatching of unlabeled parts."""
UNKNOWN_COLOR = (128, 128, 128)
"""Color of class ids the DatasetSpec does not define."""
BOUNDARY_COLOR = (255, 255, 255)
"""Color of the 1-pixel lines where the segment (class, instance) changes."""
PART_BOUNDARY_SHADE = 0.5
"""Part boundaries (same segment, different part): the pixel's color shaded by this amount,
darker on light colors and lighter on dark ones (see :func:`contrast_shade`)."""
DARK_VALUE = 128
"""Colors whose largest channel is below this are "dark": shades only lighten them."""
HATCH_PERIOD = 4
"""Diagonal hatching of unlabeled parts: stripes of ``HATCH_PERIOD // 2`` pixels."""

GOLDEN = 0.6180339887498949
INSTANCE_SHADE_RANGE = 0.8
"""Instance shades lie in ``[-0.4, 0.4]`` (see :func:`instance_shades`)."""
PART_SHADES = np.array([0.0, 0.45, -0.4, 0.25, -0.2, 0.65, -0.55, 0.12, -0.3, 0.35], np.float64)
"""Shade of part id ``pid`` is ``PART_SHADES[(pid - 1) % len]``: neighbours alternate lighter/darker."""

PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".PNG", ".JPG", ".JPEG")
PRED_SUFFIXES = (".png",)

# Packing of (sid, instance, pid), each shifted by +1 so that -1 ("none") becomes 0.
_SID_BASE = 257  # sid in -1..255
_INST_BASE = 1001  # instance in -1..999 (GT iids reach 999, prediction instances 255)
_PID_BASE = 257  # pid in -1..255


# ----------------------------------------------------------------------------- label planes


class LabelPlanes(NamedTuple):
    """What a view needs from a label map; every field is (H, W) int32.

    sid
        Class id (dataset sid for GT, eval sid for predictions), -1 for void.
    inst
        Instance id, -1 where the pixel belongs to no instance (stuff, crowd, void).
    pid
        Part id: -1 no part information, 0 unlabeled part of a parts instance, > 0 a part.
    """

    sid: NDArray[np.int32]
    inst: NDArray[np.int32]
    pid: NDArray[np.int32]


def gt_label_planes(uids: NDArray[np.integer], *, pid_fold: NDArray[np.int32] | None = None) -> LabelPlanes:
    """Label planes of a ground-truth uid map.

    Parameters
    ----------
    uids : (H, W) int32
        Valid uids (see :func:`pps_cli.formats.labels.invalid_uids`).
    pid_fold : (10000,) int32, optional
        DatasetSpec pid folding table (PPP): part ids found in files are shown as their official
        part, as the evaluation sees them. sid_pids absent from the table are kept.

    Returns
    -------
    LabelPlanes
        ``sid`` as decoded (sid 0 is the dataset's UNLABELED class, not void); ``inst`` = iid for
        4-7 digit uids, -1 for 1-2 digit ones (stuff and crowd); ``pid`` as decoded for 6-7 digit
        uids (0 = unlabeled part), -1 otherwise.
    """
    decoded = decode_uids(uids, no_info=-1)
    pid = decoded.pid
    if pid_fold is not None:
        folded, _ = fold_sid_pids(decoded.sid_pid, pid_fold)
        pid = np.where(pid > 0, folded % 100, pid).astype(np.int32)
    return LabelPlanes(decoded.sid, decoded.iid, pid)


def pred_label_planes(
    pps: NDArray[np.uint8], *, is_thing: NDArray[np.bool_], is_parts: NDArray[np.bool_]
) -> LabelPlanes:
    """Label planes of a 3-channel PPS prediction ``[eval sid, instance, part]``.

    Parameters
    ----------
    pps : (H, W, 3) uint8
        Class 255 is void; the part channel's 255 is an unlabeled part.
    is_thing, is_parts : (256,) bool
        Per eval sid: its instance channel is shown (things) / its part channel is shown (parts
        classes). Stuff segments carry instance 1 and no-parts classes part 1 by convention
        (docs/formats.md, 'Merge: panoptic + parts -> PPS'); showing those would only add noise.

    Returns
    -------
    LabelPlanes
        ``sid`` -1 on void; ``inst`` the instance channel on things, else -1; ``pid`` on parts
        classes: 0 where the part is 255, the part otherwise (a 0 part is shown as no part), -1
        on other classes.
    """
    if pps.ndim != 3 or pps.shape[2] != 3 or pps.dtype != np.uint8:
        raise ValueError(f"expected (H, W, 3) uint8, got {pps.shape} {pps.dtype}")
    cls = pps[..., 0].astype(np.int32)
    inst = pps[..., 1].astype(np.int32)
    part = pps[..., 2].astype(np.int32)
    void = cls == VOID
    sid = np.where(void, -1, cls).astype(np.int32)
    inst = np.where(~void & is_thing[cls], inst, -1).astype(np.int32)
    pid = np.where(part == VOID, 0, np.where(part == 0, -1, part))
    pid = np.where(~void & is_parts[cls], pid, -1).astype(np.int32)
    return LabelPlanes(sid, inst, pid)


def resize_plane(plane: NDArray, height: int, width: int) -> NDArray:
    """Nearest-neighbour resampling of one (H, W) label array to (height, width)."""
    h, w = plane.shape[:2]
    if (h, w) == (height, width):
        return plane
    rows = np.minimum(((np.arange(height) + 0.5) * h / height).astype(np.intp), h - 1)
    cols = np.minimum(((np.arange(width) + 0.5) * w / width).astype(np.intp), w - 1)
    return plane[rows[:, None], cols[None, :]]


def resize_nearest(planes: LabelPlanes, height: int, width: int) -> LabelPlanes:
    """Nearest-neighbour resampling of label planes (no label is ever blended)."""
    return LabelPlanes(*(resize_plane(plane, height, width) for plane in planes))


def only_evaluated(planes: LabelPlanes, evaluated: NDArray[np.bool_]) -> LabelPlanes:
    """Label planes with every class outside ``evaluated`` ((256,) bool) turned into void.

    The error view shows what the metric sees: a class the EvalSpec does not evaluate is void,
    not a miss.
    """
    void = (planes.sid < 0) | ~evaluated[np.clip(planes.sid, 0, 255)]
    return LabelPlanes(
        np.where(void, -1, planes.sid).astype(np.int32),
        np.where(void, -1, planes.inst).astype(np.int32),
        np.where(void, -1, planes.pid).astype(np.int32),
    )


# ----------------------------------------------------------------------------- colors


def shade(colors: NDArray[np.number], amounts: NDArray[np.floating]) -> NDArray[np.float64]:
    """Lighten (``amount > 0``: mix toward white) or darken (``< 0``: toward black) RGB colors.

    Parameters
    ----------
    colors : (K, 3) numeric, 0..255
    amounts : (K,) float in -1..1

    Returns
    -------
    (K, 3) float64
        ``c + (255 - c) * a`` for ``a > 0``, ``c * (1 + a)`` for ``a <= 0``. Mixing toward
        white or black keeps the hue, so every shade still reads as its class. Dark colors
        (largest channel below :data:`DARK_VALUE`) use ``|a|``: they are only ever lightened.
    """
    colors = np.asarray(colors, np.float64)
    a = np.asarray(amounts, np.float64)[:, None]
    # Darkening a dark color (Cityscapes truck is (0, 0, 70)) is invisible: lighten it instead.
    a = np.where(colors.max(axis=1, keepdims=True) < DARK_VALUE, np.abs(a), a)
    return np.where(a > 0, colors + (255.0 - colors) * a, colors * (1.0 + a))


def instance_shades(inst: NDArray[np.integer]) -> NDArray[np.float64]:
    """Shade amount per instance id: ``0.8 * (frac(inst * golden + 0.5) - 0.5)``, 0 for ``inst < 0``.

    Instance 0 keeps the class color exactly; successive ids land far apart in ``[-0.4, 0.4]``
    (golden-ratio sequence), so neighbouring instances differ visibly. Deterministic.
    """
    inst = np.asarray(inst, np.float64)
    amounts = INSTANCE_SHADE_RANGE * (np.mod(inst * GOLDEN + 0.5, 1.0) - 0.5)
    return np.where(inst < 0, 0.0, amounts)


def part_shades(pid: NDArray[np.integer]) -> NDArray[np.float64]:
    """Shade amount per part id: ``PART_SHADES[(pid - 1) % 10]``, 0 for ``pid <= 0``."""
    pid = np.asarray(pid, np.int64)
    return np.where(pid > 0, PART_SHADES[np.mod(pid - 1, len(PART_SHADES))], 0.0)


def contrast_shade(colors: NDArray[np.uint8], amount: float) -> NDArray[np.uint8]:
    """(K, 3) uint8 colors moved by ``amount`` toward black if light, toward white if dark (luma < 110)."""
    luma = colors.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    amounts = np.where(luma < 110, amount, -amount)
    colors = colors.astype(np.float64)
    a = amounts[:, None]
    return np.rint(np.where(a > 0, colors + (255.0 - colors) * a, colors * (1.0 + a))).astype(np.uint8)


def boundary_mask(labels: NDArray[np.integer]) -> NDArray[np.bool_]:
    """Pixels whose label differs from the pixel above or to the left: 1-pixel lines.

    Parameters
    ----------
    labels : (H, W) integer

    Returns
    -------
    (H, W) bool
        Only the lower/right pixel of each differing pair is marked, so lines are 1 pixel wide.
    """
    mask = np.zeros(labels.shape, bool)
    mask[:, 1:] = labels[:, 1:] != labels[:, :-1]
    mask[1:, :] |= labels[1:, :] != labels[:-1, :]
    return mask


def _compact(values: NDArray[np.integer], size: int, what: str) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    """Values in 0..size-1 -> (index of each value among the distinct ones, sorted distinct values)."""
    flat = values.ravel()
    if flat.size and (flat.min() < 0 or flat.max() >= size):
        raise ValueError(f"{what} values outside 0..{size - 1} (after the +1 shift)")
    if size > 1 << 24:  # a dense table would be too large; sort instead (only with very many labels)
        distinct, index = np.unique(flat, return_inverse=True)
        return index.reshape(values.shape), distinct.astype(np.int64)
    distinct = np.flatnonzero(np.bincount(flat, minlength=size))
    lookup = np.zeros(size, np.intp)
    lookup[distinct] = np.arange(len(distinct))
    return lookup[values], distinct.astype(np.int64)


def colorize_labels(
    planes: LabelPlanes, *, colors: NDArray[np.uint8], boundaries: bool = True
) -> NDArray[np.uint8]:
    """Paint label planes: class colors, instance and part shades, hatching and boundaries.

    Parameters
    ----------
    planes : LabelPlanes of (H, W) int32
    colors : (256, 3) uint8
        RGB color per class id (see :meth:`Palette.from_spec`).
    boundaries : bool
        Draw :data:`BOUNDARY_COLOR` lines where (sid, inst) changes and contrasting lines
        (:func:`contrast_shade`) where only the part changes.

    Returns
    -------
    (H, W, 3) uint8, RGB

    Notes
    -----
    Color of a pixel = ``shade(shade(colors[sid], instance_shades(inst)), part_shades(pid))``;
    void (``sid == -1``) is :data:`VOID_COLOR`. Unlabeled parts (``pid == 0``) show their
    instance's color hatched with :data:`VOID_COLOR`. Colors are computed once per distinct
    (sid, inst, pid) triple and spread with one lookup; no per-segment masks.
    """
    sid, inst, pid = planes
    if not (sid.shape == inst.shape == pid.shape) or sid.ndim != 2:
        raise ValueError(f"expected three (H, W) planes of one shape, got {sid.shape}, {inst.shape}, {pid.shape}")
    if colors.shape != (256, 3):
        raise ValueError(f"expected (256, 3) colors, got {colors.shape}")
    h, w = sid.shape
    # Compact each plane, then the (sid, inst, pid) triples, with bincount lookups instead of
    # np.unique: sorting 2M pixels costs ~0.4 s, these passes ~0.05 s.
    sid_index, sids = _compact(sid + 1, _SID_BASE, "sid")
    inst_index, insts = _compact(inst + 1, _INST_BASE, "inst")
    pid_index, pids = _compact(pid + 1, _PID_BASE, "pid")
    n_inst, n_pid = len(insts), len(pids)
    combined = (sid_index.astype(np.int64) * n_inst + inst_index) * n_pid + pid_index
    index, combos = _compact(combined, len(sids) * n_inst * n_pid, "triple")
    t_sid = sids[combos // (n_inst * n_pid)] - 1
    t_inst = insts[(combos // n_pid) % n_inst] - 1
    t_pid = pids[combos % n_pid] - 1

    base = np.where((t_sid >= 0)[:, None], colors[np.clip(t_sid, 0, 255)], np.array(VOID_COLOR))
    table = shade(shade(base, instance_shades(t_inst)), part_shades(t_pid))
    table = np.clip(np.rint(table), 0, 255).astype(np.uint8)
    image = table[index]

    unlabeled_part = (t_pid == 0)[index]
    if unlabeled_part.any():
        stripes = (np.add.outer(np.arange(h), np.arange(w)) % HATCH_PERIOD) < HATCH_PERIOD // 2
        image[unlabeled_part & stripes] = VOID_COLOR
    if boundaries:
        segment_of_triple, _ = _compact(combos // n_pid, len(sids) * n_inst, "segment")
        segment_edges = boundary_mask(segment_of_triple[index])
        part_edges = boundary_mask(index) & ~segment_edges
        image[part_edges] = contrast_shade(image[part_edges], PART_BOUNDARY_SHADE)
        image[segment_edges] = BOUNDARY_COLOR
    return image


# ----------------------------------------------------------------------------- palette and legend


MIN_DELTA_E = 12.0
"""Smallest CIE76 color difference (Lab distance) kept between the colors of evaluated classes."""
_RESERVED_COLORS = (VOID_COLOR, BOUNDARY_COLOR)


def _lab(colors: NDArray[np.number]) -> NDArray[np.float32]:
    """(K, 3) RGB 0..255 -> (K, 3) CIE Lab (L 0..100)."""
    rgb = np.asarray(colors, np.float32).reshape(1, -1, 3) / 255.0
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab).reshape(-1, 3)


def separate_colors(colors: NDArray[np.uint8], sids: Sequence[int], *, min_delta_e: float = MIN_DELTA_E) -> NDArray[np.uint8]:
    """Make the colors of ``sids`` pairwise distinguishable, keeping every color that already is.

    Parameters
    ----------
    colors : (256, 3) uint8
        RGB per class id (the DatasetSpec's colors).
    sids : sequence of int
        Classes whose colors must differ (the evaluated ones), in priority order.
    min_delta_e : float
        Required Lab distance between any two of them, and to void black and boundary white.

    Returns
    -------
    (256, 3) uint8
        A copy in which each class (in ``sids`` order) whose color is closer than ``min_delta_e``
        to an earlier class or a reserved color gets, instead, the color of an RGB grid (steps of
        32) farthest from all colors kept so far. The Cityscapes colors are all kept; the PASCAL
        (VOC) palette has near-identical pairs, e.g. sofa (0, 192, 0) and sign (32, 192, 0),
        whose second member is replaced. Deterministic.
    """
    result = colors.copy()
    kept = _lab(np.array(_RESERVED_COLORS))
    grid = np.stack(np.meshgrid(*[np.arange(0, 257, 32).clip(0, 255)] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
    grid_lab = _lab(grid)
    grid_distance = np.min(np.linalg.norm(grid_lab[:, None] - kept[None], axis=-1), axis=1)  # to the nearest kept color
    sids = list(dict.fromkeys(int(s) for s in sids))
    own_lab = _lab(result[sids])
    for sid, lab in zip(sids, own_lab, strict=True):
        if float(np.min(np.linalg.norm(kept - lab, axis=1))) < min_delta_e:
            best = int(np.argmax(grid_distance))
            result[sid] = grid[best]
            lab = grid_lab[best]
        kept = np.vstack([kept, lab])
        grid_distance = np.minimum(grid_distance, np.linalg.norm(grid_lab - lab, axis=1))
    return result


@dataclass(frozen=True, eq=False)
class Palette:
    """Everything the coloring needs from the specs, as small picklable arrays.

    Attributes
    ----------
    colors : (256, 3) uint8
        RGB per class id: the DatasetSpec's ``scene_class2color`` (GT sids and, in every official
        spec, eval sids are the same numbers), made distinguishable for the evaluated classes by
        :func:`separate_colors`; :data:`UNKNOWN_COLOR` beyond its classes.
    names : tuple of 256 str
        Class name per id: ``eval_sid2scene_label`` for evaluated sids, else the DatasetSpec
        name, else ``class <id>``.
    is_thing, is_parts : (256,) bool
        Eval sids whose prediction instance / part channels are shown.
    pid_fold : (10000,) int32 or None
        DatasetSpec pid folding table, applied to GT part ids.
    evaluated : (256,) bool or None
        Sids the EvalSpec evaluates (None: all); the legend marks the others ``(not evaluated)``.
    """

    colors: NDArray[np.uint8]
    names: tuple[str, ...]
    is_thing: NDArray[np.bool_]
    is_parts: NDArray[np.bool_]
    pid_fold: NDArray[np.int32] | None
    evaluated: NDArray[np.bool_] | None = None

    @classmethod
    def from_spec(cls, spec: EvalSpec) -> Palette:
        """The palette of an EvalSpec and its DatasetSpec."""
        dataset = spec.dataset
        colors = np.tile(np.array(UNKNOWN_COLOR, np.uint8), (256, 1))
        n = min(len(dataset.colors), 256)
        colors[:n] = dataset.colors[:n]
        colors = separate_colors(colors, spec.eval_sids)
        names = [f"class {sid}" for sid in range(256)]
        for sid, name in enumerate(dataset.class_names[:256]):
            names[sid] = name
        for sid in spec.eval_sids:
            names[sid] = spec.category_name(sid)
        evaluated = spec.category_index >= 0
        return cls(colors, tuple(names), spec.is_thing.copy(), spec.is_parts.copy(), dataset.pid_fold, evaluated)


class LegendEntry(NamedTuple):
    """One legend row: a swatch (hatched for unlabeled parts) and its text."""

    name: str
    color: tuple[int, int, int]
    hatched: bool = False
    hatch_color: tuple[int, int, int] = VOID_COLOR


@dataclass(frozen=True)
class ImageClasses:
    """What one rendered image contained, for the legends (``None``: that panel was not shown)."""

    key: str
    gt_sids: tuple[int, ...] | None
    pred_sids: tuple[int, ...] | None
    void: bool
    unlabeled_part: bool
    error_codes: tuple[int, ...] | None = None
    """Error codes present in the error view (:mod:`pps_cli.error_view`), None without one."""

    @classmethod
    def merge(cls, items: Sequence[ImageClasses]) -> ImageClasses:
        """The union over several images (for OUT/legend.png)."""

        def union(sids: Iterable[tuple[int, ...] | None]) -> tuple[int, ...] | None:
            present = [s for s in sids if s is not None]
            return tuple(sorted(set().union(*present))) if present else None

        return cls(
            "all",
            union(i.gt_sids for i in items),
            union(i.pred_sids for i in items),
            any(i.void for i in items),
            any(i.unlabeled_part for i in items),
            union(i.error_codes for i in items),
        )


def planes_summary(planes: LabelPlanes) -> tuple[tuple[int, ...], bool, bool]:
    """(sorted class ids present, any void pixel, any unlabeled part pixel) of label planes."""
    sids = np.unique(planes.sid)
    return tuple(int(s) for s in sids if s >= 0), bool(sids[0] < 0), bool((planes.pid == 0).any())


def legend_entries(classes: ImageClasses, *, palette: Palette) -> list[LegendEntry]:
    """Legend rows ``<id> <name>``: every class present (ascending id), then void and unlabeled part.

    When both GT and prediction are shown, a class present in only one of them is marked
    ``(GT only)`` or ``(pred only)``: a missed or hallucinated class is visible at a glance. A
    class the EvalSpec does not evaluate is marked ``(not evaluated)`` instead: it is not a miss.
    With an error view, the error colors present follow (:mod:`pps_cli.error_view`).
    """
    gt = set(classes.gt_sids or ())
    pred = set(classes.pred_sids or ())
    both_shown = classes.gt_sids is not None and classes.pred_sids is not None
    entries = []
    for sid in sorted(gt | pred):
        name = f"{sid} {palette.names[sid]}"
        if palette.evaluated is not None and not palette.evaluated[sid]:
            name += " (not evaluated)"
        elif both_shown and sid not in pred:
            name += " (GT only)"
        elif both_shown and sid not in gt:
            name += " (pred only)"
        entries.append(LegendEntry(name, tuple(int(c) for c in palette.colors[sid])))  # type: ignore[arg-type]
    if classes.void:
        entries.append(LegendEntry("void" if classes.error_codes is None else "void / not evaluated", VOID_COLOR))
    if classes.unlabeled_part:
        entries.append(LegendEntry("unlabeled part", (160, 160, 160), hatched=True))
    if classes.error_codes is not None:
        from .error_view import CODE_COLORS, CODE_NAMES, FN, FP_FN, VOID_CODE

        for code in classes.error_codes:
            if code == VOID_CODE and classes.void:
                continue  # the same black as void, listed above
            color = tuple(int(c) for c in CODE_COLORS[code])
            hatch = tuple(int(c) for c in CODE_COLORS[FN])
            entries.append(LegendEntry(CODE_NAMES[code], color, code == FP_FN, hatch))  # type: ignore[arg-type]
    return entries


def legend_scale(panel_height: int) -> float:
    """Size factor of legend and titles for panels ``panel_height`` pixels high: 1 up to 256 px,
    then growing with the panel (so with ``--scale``), at most 8."""
    return float(min(8.0, max(1.0, panel_height / 256)))


_FONT = cv2.FONT_HERSHEY_SIMPLEX
_FONT_SCALE = 0.45
_ROW = 18
_SWATCH = 13
_PAD = 6
_BACKGROUND = (255, 255, 255)
_TEXT = (20, 20, 20)
_HEADER = 22
_HEADER_BACKGROUND = (40, 40, 40)
_HEADER_TEXT = (235, 235, 235)
_GAP = 4


def render_legend(
    entries: Sequence[LegendEntry], *, max_height: int | None = None, scale: float = 1.0
) -> NDArray[np.uint8]:
    """Draw legend rows (swatch + name) on white, in as many columns as ``max_height`` requires.

    Parameters
    ----------
    entries : sequence of LegendEntry
    max_height : int, optional
        Height available; rows wrap into further columns below it (at least one row per column).
    scale : float
        Size factor of text, swatches and spacing (see :func:`legend_scale`).

    Returns
    -------
    (H, W, 3) uint8, RGB
        ``H = 2 * pad + rows_per_column * row`` (pad 6, row 18 at scale 1). An empty legend is
        a small blank image.
    """
    row, swatch_size, pad = round(_ROW * scale), round(_SWATCH * scale), round(_PAD * scale)
    font_scale, thickness = _FONT_SCALE * scale, max(1, round(scale))
    n = max(len(entries), 1)
    per_column = n if max_height is None else max(1, min(n, (max_height - 2 * pad) // row))
    columns = -(-n // per_column)
    text_width = max((cv2.getTextSize(e.name, _FONT, font_scale, thickness)[0][0] for e in entries), default=0)
    column_width = swatch_size + pad + text_width + 2 * pad
    height = 2 * pad + per_column * row
    width = pad + columns * column_width
    image = np.full((height, width, 3), _BACKGROUND, np.uint8)
    hatch_period = max(HATCH_PERIOD, round(HATCH_PERIOD * scale))
    for i, entry in enumerate(entries):
        x = pad + (i // per_column) * column_width
        y = pad + (i % per_column) * row + (row - swatch_size) // 2
        swatch = image[y : y + swatch_size, x : x + swatch_size]
        swatch[:] = entry.color
        if entry.hatched:
            stripes = (np.add.outer(np.arange(swatch_size), np.arange(swatch_size)) % hatch_period) < hatch_period // 2
            swatch[stripes] = entry.hatch_color
        cv2.rectangle(image, (x, y), (x + swatch_size - 1, y + swatch_size - 1), (90, 90, 90), thickness)
        baseline_y = y + swatch_size - round(2 * scale)
        cv2.putText(
            image, entry.name, (x + swatch_size + pad, baseline_y), _FONT, font_scale, _TEXT, thickness, cv2.LINE_AA
        )
    return image


def _with_header(image: NDArray[np.uint8], title: str, scale: float = 1.0) -> NDArray[np.uint8]:
    header_height = round(_HEADER * scale)
    header = np.full((header_height, image.shape[1], 3), _HEADER_BACKGROUND, np.uint8)
    origin = (round(_PAD * scale), header_height - round(7 * scale))
    cv2.putText(header, title, origin, _FONT, 0.5 * scale, _HEADER_TEXT, max(1, round(scale)), cv2.LINE_AA)
    return np.concatenate([header, image], axis=0)


def compose_panels(
    panels: Sequence[tuple[str, NDArray[np.uint8]]], *, legend: NDArray[np.uint8] | None = None, scale: float = 1.0
) -> NDArray[np.uint8]:
    """Join titled panels (and a legend) left to right on a dark background.

    Parameters
    ----------
    panels : sequence of (title, (H, W, 3) uint8)
        All panels have the same height.
    legend : (h, w, 3) uint8, optional
        Appended at the right under the title ``classes``; the canvas grows if it is taller.
    scale : float
        Size factor of the titles (header height 22 px at scale 1).

    Returns
    -------
    (22 * scale + max(H, h), sum of widths + 4 px gaps, 3) uint8
    """
    if not panels:
        raise ValueError("expected at least one panel")
    height = panels[0][1].shape[0]
    if any(image.shape[0] != height for _, image in panels):
        raise ValueError(f"panels differ in height: {[image.shape for _, image in panels]}")
    items = list(panels) + ([("classes", legend)] if legend is not None else [])
    total = max(image.shape[0] for _, image in items)
    columns = []
    for n, (title, image) in enumerate(items):
        padded = np.full((total, image.shape[1], 3), _HEADER_BACKGROUND, np.uint8)
        padded[: image.shape[0]] = image
        columns.append(_with_header(padded, title, scale))
        if n < len(items) - 1:
            columns.append(np.full((columns[-1].shape[0], _GAP, 3), _HEADER_BACKGROUND, np.uint8))
    return np.concatenate(columns, axis=1)


# ----------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class VisualizeJob:
    """One output image: its key (image id) and the files to show (``None``: not shown)."""

    key: str
    gt: Path | None
    pred: Path | None
    photo: Path | None
    size: tuple[int, int] | None = None  # (width, height) from images.json, checked when given


@dataclass(frozen=True, eq=False)
class VisualizeOptions:
    """Per-image rendering options, sent to each worker once."""

    palette: Palette
    out_dir: Path
    scale: float = 1.0
    legend: bool = True
    errors_spec: EvalSpec | None = None
    """With an EvalSpec, add the error view (``--errors``) and show unevaluated classes as void."""


def _gt_id(path: Path) -> str:
    name = path.name
    if name.endswith(CPP_GT_SUFFIX):
        return name[: -len(CPP_GT_SUFFIX)]
    return name.rsplit(".", 1)[0]


def _stem(path: Path) -> str:
    return path.name.rsplit(".", 1)[0]


def _pred_id(path: Path) -> str:
    """Image id of a prediction file without images.json: its stem minus a known suffix."""
    stem = _stem(path)
    for suffix in KNOWN_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return stem


def _infos(keys: Iterable[str]) -> list[ImageInfo]:
    """Image entries for matching when there is no images.json (only the keys are used)."""
    return [ImageInfo(key, f"{key}.png", 0, 0) for key in keys]


def plan_jobs(
    *,
    gt: Path | None,
    pred: Path | None,
    images_json: Path | None = None,
    image_dir: Path | None = None,
    ids: Sequence[str] | None = None,
) -> list[VisualizeJob]:
    """Match GT files, predictions and input photos to image ids.

    Parameters
    ----------
    gt, pred : Path, optional
        A GT folder (CPP or PPP layout) or one uid TIFF; a folder of PPS PNGs (searched
        recursively) or one PNG. At least one is required. When either is a single file, that
        one image is shown (and found by id in the other, if that is a folder).
    images_json : Path, optional
        The images to show; else every GT image, else every prediction file (by file stem).
    image_dir : Path, optional
        Input photos, searched recursively and matched by exact id (``<id>.jpg``,
        ``<id>_leftImg8bit.png``, ``<id>_gtFine_leftImg8bit.png``...).
    ids : sequence of str, optional
        Only these image ids.

    Returns
    -------
    list of VisualizeJob, in image order (images.json order, else sorted ids).

    Raises
    ------
    PpsError
        Missing or ambiguous files, unknown ``ids``, no input at all.
    """
    if gt is None and pred is None:
        raise PpsError("--gt/--pred", "give ground truth (--gt), predictions (--pred) or both")
    single = gt if gt is not None and gt.is_file() else pred if pred is not None and pred.is_file() else None
    gt_files = find_gt_files(gt) if gt is not None and not gt.is_file() else None

    if images_json is not None:
        images = load_images(images_json)
    elif gt_files is not None:
        images = _infos(gt_files)
    elif single is not None:
        images = _infos([_gt_id(single) if single == gt else _pred_id(single)])
    else:
        pred_ids = sorted({_pred_id(p) for p in list_files(pred, PRED_SUFFIXES)})  # type: ignore[arg-type]
        if not pred_ids:
            raise PpsError(pred, "no prediction PNGs found")
        images = _infos(pred_ids)
    keys = {image.key for image in images}

    if single is not None:
        key = image_id_of(_gt_id(single) if single == gt else _stem(single), keys)
        if key is None:
            raise PpsError(single, f"no image with this file's id in {images_json or gt}")
        images = [image for image in images if image.key == key]
    if ids:
        unknown = [i for i in ids if i not in keys]
        if unknown:
            raise PpsError("--ids", f"unknown image ids: {summarize_list(unknown)}")
        wanted = set(ids)
        images = [image for image in images if image.key in wanted]
        if not images:
            raise PpsError("--ids", f"none of these is the image of {single}")

    gt_paths: dict[str, Path] = {}
    if gt is not None and gt.is_file():
        gt_paths = {images[0].key: gt}
    elif gt is not None and gt_files is not None:
        gt_paths = require_gt_files(images, gt_files, gt)
    pred_paths: dict[str, Path] = {}
    if pred is not None and pred.is_file():
        pred_paths = {images[0].key: pred}
    elif pred is not None:
        pred_paths, _ = match_files(images, list_files(pred, PRED_SUFFIXES), root=pred, what="prediction")
    photos: dict[str, Path] = {}
    if image_dir is not None:
        photos, _ = match_files(images, list_files(image_dir, PHOTO_SUFFIXES), root=image_dir, what="input image")

    sized = images_json is not None  # without images.json, sizes are only checked against each other
    return [
        VisualizeJob(
            image.key,
            gt_paths.get(image.key),
            pred_paths.get(image.key),
            photos.get(image.key),
            (image.width, image.height) if sized else None,
        )
        for image in images
    ]


def read_photo(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """Read an input photo (PNG, JPEG...; gray, RGB or RGBA; 8 or 16 bit) as (H, W, 3) uint8 RGB."""
    data = read_bytes(path)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise PpsError(path, "corrupt or unsupported image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _size_text(shape: tuple[int, ...]) -> str:
    return f"{shape[1]}x{shape[0]}"


def render_job(job: VisualizeJob, options: VisualizeOptions) -> tuple[NDArray[np.uint8], ImageClasses]:
    """Read one image's files and render ``[photo | GT | prediction | errors | legend]``.

    Raises
    ------
    PpsError
        Naming the file: unreadable, invalid uids, or a size that differs from the other inputs
        (images.json, else the first file read).
    """
    palette = options.palette
    expected = None if job.size is None else ((job.size[1], job.size[0]), "images.json")

    def check_size(path: Path, shape: tuple[int, ...]) -> None:
        nonlocal expected
        if expected is None:
            expected = (shape[:2], path.name)
        elif tuple(shape[:2]) != tuple(expected[0]):
            (h, w), source = expected
            raise PpsError(path, f"size {shape[1]}x{shape[0]}, expected {w}x{h} ({source})")

    spec = options.errors_spec
    labels: list[tuple[str, LabelPlanes]] = []
    gt_sids = pred_sids = None
    void = unlabeled_part = False
    uids = pps = None
    if job.gt is not None:
        uids = read_uid_tiff(job.gt)
        check_size(job.gt, uids.shape)
        bad = invalid_uids(uids)
        if bad.size:
            values = summarize_list([str(v) for v in bad.tolist()], 5)
            raise PpsError(job.gt, f"invalid uids {values} (3-digit, negative or above 9999999)")
        labels.append(("ground truth", gt_label_planes(uids, pid_fold=palette.pid_fold)))
    if job.pred is not None:
        pps = read_png(job.pred, channels=3)
        check_size(job.pred, pps.shape)
        labels.append(("prediction", pred_label_planes(pps, is_thing=palette.is_thing, is_parts=palette.is_parts)))
    if spec is not None:
        labels = [(title, only_evaluated(planes, spec.category_index >= 0)) for title, planes in labels]
    for title, planes in labels:
        sids, has_void, has_unlabeled = planes_summary(planes)
        if title == "ground truth":
            gt_sids = sids
        else:
            pred_sids = sids
        void, unlabeled_part = void or has_void, unlabeled_part or has_unlabeled
    photo = None
    if job.photo is not None:
        photo = read_photo(job.photo)
        check_size(job.photo, photo.shape)
    if expected is None:
        raise ValueError(f"job {job.key} has nothing to show")

    height, width = expected[0]
    out_h, out_w = max(1, round(height * options.scale)), max(1, round(width * options.scale))
    panels = [(title, colorize_labels(resize_nearest(planes, out_h, out_w), colors=palette.colors)) for title, planes in labels]
    error_codes = None
    if spec is not None:
        if uids is None or pps is None:
            raise PpsError(job.gt or job.pred, "--errors needs both the ground truth and the prediction of each image")
        panel, error_codes = _error_panel(uids, pps, job, spec, out_h, out_w)
        panels.append(panel)
    if photo is not None:
        if (out_h, out_w) != photo.shape[:2]:
            interpolation = cv2.INTER_AREA if out_h < photo.shape[0] else cv2.INTER_LINEAR
            photo = cv2.resize(photo, (out_w, out_h), interpolation=interpolation)
        panels.insert(0, ("image", photo))
    classes = ImageClasses(job.key, gt_sids, pred_sids, void, unlabeled_part, error_codes)
    text_scale = legend_scale(out_h)
    legend = (
        render_legend(legend_entries(classes, palette=palette), max_height=out_h, scale=text_scale)
        if options.legend
        else None
    )
    return compose_panels(panels, legend=legend, scale=text_scale), classes


def _error_panel(
    uids: NDArray[np.int32], pps: NDArray[np.uint8], job: VisualizeJob, spec: EvalSpec, height: int, width: int
) -> tuple[tuple[str, NDArray[np.uint8]], tuple[int, ...]]:
    """The titled error view of one image (``errors: PartPQ x``) and the error codes it contains."""
    from .error_view import code_counts, colorize_errors, error_view
    from .metrics.partpq import EmptyConfusionError, GroundTruthError

    try:
        view = error_view(uids, pps, spec=spec)
    except GroundTruthError as e:
        raise PpsError(job.gt, str(e)) from None
    except EmptyConfusionError as e:
        raise PpsError(job.pred, f"{e} (the evaluation fails on this image too)") from None
    codes = resize_plane(view.codes, height, width)
    image = colorize_errors(codes, resize_plane(view.segment, height, width))
    title = "errors: PartPQ " + ("-" if view.part_pq is None else f"{view.part_pq:.3f}")
    present = tuple(int(c) for c in np.flatnonzero(code_counts(view.codes)))
    return (title, image), present


def _render_and_write(job: VisualizeJob, options: VisualizeOptions) -> ImageClasses:
    image, classes = render_job(job, options)
    write_png(options.out_dir / f"{job.key}.png", image)
    return classes


def visualize(
    jobs: Sequence[VisualizeJob],
    out_dir: str | os.PathLike[str],
    *,
    palette: Palette,
    scale: float = 1.0,
    legend: bool = True,
    workers: int = 1,
    on_image: Callable[[str], None] | None = None,
    errors_spec: EvalSpec | None = None,
) -> list[ImageClasses]:
    """Render every job to ``OUT/<key>.png`` and all classes seen to ``OUT/legend.png``.

    With ``errors_spec``, each image gets an error view (:mod:`pps_cli.error_view`) under the
    title ``errors: PartPQ <the image's PartPQ>``, and classes the spec does not evaluate are void.

    Outputs are staged and moved into ``out_dir`` only when every image succeeded, so an error
    leaves ``out_dir`` as it was. Results do not depend on ``workers``.

    Returns
    -------
    list of ImageClasses
        Per job, in job order.
    """
    if not scale > 0:
        raise PpsError("--scale", f"must be positive, got {scale}")
    out_dir = Path(out_dir)
    results = []
    with staged_output(out_dir) as stage:
        options = VisualizeOptions(palette, stage, scale, legend, errors_spec)
        for classes in parallel_map(_render_and_write, jobs, context=options, workers=workers):
            results.append(classes)
            if on_image is not None:
                on_image(classes.key)
        entries = legend_entries(ImageClasses.merge(results), palette=palette)
        write_png(stage / "legend.png", render_legend(entries))
    return results
