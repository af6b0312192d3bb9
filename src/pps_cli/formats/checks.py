"""Checks that turn likely input mistakes into errors instead of plausible wrong numbers (docs/inputs.md).

Each check is a pure statistic plus a threshold, and each has an override option for the rare
legitimate case:

- GT layout vs the EvalSpec's dataset (:func:`check_layout`; ``--no-layout-check``).
- Part PNGs whose flat ids mostly belong to other classes than their segment, i.e. made for another
  spec (:func:`part_pair_counts`, :func:`check_part_ids`; ``--no-parts-check``).
- PPS PNGs whose class and part channels look swapped, e.g. written BGR
  (:func:`channel_counts`, :func:`check_channel_counts`; ``--no-channel-check``).

Contiguous-looking class ids are checked in :mod:`pps_cli.formats.idspaces`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..constants import NO_PART, VOID
from ..dataset import detect_layout
from ..errors import PpsError
from ..specs import BUNDLED_EVAL_SPECS, EvalSpec, load_eval_spec

ROW_STEP = 4
"""Statistics of whole images are taken on every 4th row: fractions need no more, and it is 4x cheaper."""

FOREIGN_PART_FRACTION = 0.5
"""The parts check fires when more than this share of part-labelled pixels of parts-class segments
carry flat ids that are no part of their segment's class ("mostly belong to other classes")."""
MIN_PART_PIXELS = 200
"""... counted over at least this many (sampled) pixels, so a few stray ids never decide."""

IMPLAUSIBLE_FRACTION = 0.2
"""The channel check fires when at least this share of PPS pixels is implausible as [class, instance, part] ..."""
SWAP_ADVANTAGE = 10.0
"""... and reading the channels swapped ([part, instance, class]) is this many times more plausible."""
CHANNEL_SAMPLE_IMAGES = 8
"""``pps evaluate``'s channel check pools the first this many images (all their pixels), then decides."""

LAYOUT_NAMES = {"cityscapes": "Cityscapes-Panoptic-Parts", "pascal": "PASCAL-Panoptic-Parts"}
SPEC_FOR_LAYOUT = {"cityscapes": "cpp-default", "pascal": "ppp-default"}


# ----------------------------------------------------------------------------- layout


def spec_dataset(spec: EvalSpec) -> str | None:
    """``cityscapes`` or ``pascal`` from the DatasetSpec's ``name`` (or file name); None if neither."""
    text = f"{spec.dataset.file.name or ''} {spec.dataset.path.name}".lower()
    if "cityscapes" in text or "cpp_" in text:
        return "cityscapes"
    if "pascal" in text or "ppp_" in text:
        return "pascal"
    return None


def check_layout(gt_dir: str | os.PathLike[str], spec: EvalSpec) -> None:
    """Raise when the GT folder's layout belongs to another dataset than the EvalSpec's.

    Raises
    ------
    PpsError
        Naming ``gt_dir``, the layout found, the spec's dataset and the bundled spec for the layout.
    """
    expected = spec_dataset(spec)
    if expected is None:
        return
    found = detect_layout(Path(gt_dir))
    if found != expected:
        what = "<id>.tif files, no *_gtFinePanopticParts.tif"
        if found == "cityscapes":
            what = "<city>/<id>_gtFinePanopticParts.tif files"
        raise PpsError(
            gt_dir,
            f"ground truth in {LAYOUT_NAMES[found]} layout ({what}) but EvalSpec {spec.name} is for "
            f"{LAYOUT_NAMES[expected]}: use -s {SPEC_FOR_LAYOUT[found]} (or --no-layout-check for a dataset of your own)",
        )


# ----------------------------------------------------------------------------- part ids


def part_pair_counts(
    classes: NDArray[np.uint8], flat_parts: NDArray[np.uint8], is_parts: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Sparse histogram of (class, flat part id) over part-labelled pixels of parts classes.

    Parameters
    ----------
    classes : (H, W) uint8
        Class channel of the merged PPS image (eval sids, 255 void).
    flat_parts : (H, W) uint8
        The part PNG (flat ids; 0 = none, 255 = void).
    is_parts : (256,) bool

    Returns
    -------
    keys : (K,) int64
        ``class * 256 + flat id``, ascending, for every pair seen on the sampled rows (:data:`ROW_STEP`).
    counts : (K,) int64
    """
    keys = classes[::ROW_STEP].astype(np.uint16) << 8
    keys |= flat_parts[::ROW_STEP]
    return counted_part_pairs(np.bincount(keys.reshape(-1), minlength=1 << 16), is_parts)


def counted_part_pairs(counts: NDArray[np.integer], is_parts: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The sparse histogram of :func:`part_pair_counts` from a dense one.

    ``counts`` is (65536,), indexed by ``class * 256 + flat id`` (modified in place); only pairs of a parts
    class and a flat id other than 0 and 255 are kept.
    """
    flats = np.arange(256)
    counted = is_parts[:, None] & (flats != NO_PART) & (flats != VOID)  # (class, flat) pairs that count
    counts[~counted.reshape(-1)] = 0
    unique = np.flatnonzero(counts)
    return unique.astype(np.int64), counts[unique].astype(np.int64)


def foreign_part_fraction(keys: NDArray[np.int64], counts: NDArray[np.int64], spec: EvalSpec) -> float | None:
    """Share of the counted pixels whose flat id is no part of their class under ``spec``; None if too few."""
    total = int(counts.sum())
    if total < MIN_PART_PIXELS:
        return None
    classes, flats = np.divmod(keys, 256)
    is_parts = spec.is_parts[classes]
    own = is_parts & (spec.flat_to_pid[classes, flats] > 0)
    # Classes the other spec does not split into parts take any flat id, so they cannot be foreign.
    return float(counts[is_parts & ~own].sum()) / total


def _other_specs(spec: EvalSpec) -> list[EvalSpec]:
    """Bundled specs of the same DatasetSpec and evaluated sids, other than ``spec``."""
    others = []
    for name in BUNDLED_EVAL_SPECS:
        if name == spec.name:
            continue
        other = load_eval_spec(name)
        if other.dataset.path.name == spec.dataset.path.name and other.eval_sids == spec.eval_sids and other.path != spec.path:
            others.append(other)
    return others


def check_part_ids(keys: NDArray[np.int64], counts: NDArray[np.int64], spec: EvalSpec, *, where: str | os.PathLike[str]) -> None:
    """Raise when the part PNGs' flat ids mostly belong to other classes than their segment's.

    Raises
    ------
    PpsError
        Naming ``where`` (the part folder), the share, and the bundled spec whose flat ids fit, if any.
    """
    fraction = foreign_part_fraction(keys, counts, spec)
    if fraction is None or fraction <= FOREIGN_PART_FRACTION:
        return
    fits = [(foreign_part_fraction(keys, counts, other) or 0.0, other.name) for other in _other_specs(spec)]
    fits = sorted(f for f in fits if f[0] <= FOREIGN_PART_FRACTION / 2)
    if fits:
        hint = f"the part PNGs look made for {fits[0][1]}: use -s {fits[0][1]}"
    else:
        hint = "check that the part PNGs use this spec's flat ids"
    raise PpsError(
        where,
        f"{fraction:.0%} of the part-labelled pixels of parts classes carry flat ids of other classes under "
        f"{spec.name} ({hint}, or --no-parts-check)",
    )


# ----------------------------------------------------------------------------- PPS channels


def plausibility_table(spec: EvalSpec) -> NDArray[np.bool_]:
    """(256, 256) bool: is ``[class, part]`` a value pair a PPS image of ``spec`` can hold?

    Void class (255): any part. No-parts class: any part. Parts class: one of its eval pids, 0, 255
    or the ignore label. A class the spec does not evaluate: never.
    """
    table = np.zeros((256, 256), bool)
    for sid in spec.eval_sids:
        if sid in spec.parts:
            pids = spec.flat_to_pid[sid]
            table[sid, pids[pids > 0]] = True
            table[sid, [NO_PART, VOID, spec.ignore_label % 256]] = True
        else:
            table[sid] = True
    table[VOID] = True
    return table


@dataclass(frozen=True)
class ChannelCounts:
    """Pixels counted by the channel check, and how many of them are implausible read as
    ``[class, instance, part]`` and read swapped (``[part, instance, class]``). Adds up over images."""

    pixels: int = 0
    implausible: int = 0
    implausible_swapped: int = 0

    def __add__(self, other: ChannelCounts) -> ChannelCounts:
        return ChannelCounts(
            self.pixels + other.pixels,
            self.implausible + other.implausible,
            self.implausible_swapped + other.implausible_swapped,
        )


def channel_counts(pred: NDArray[np.integer], pixels: NDArray[np.integer], table: NDArray[np.bool_]) -> ChannelCounts:
    """:class:`ChannelCounts` of pixel groups (e.g. runs) of one prediction.

    Parameters
    ----------
    pred : (R,) integer
        Prediction of each group, packed ``class | instance << 8 | part << 16``.
    pixels : (R,) integer
        Pixels in each group.
    table : (256, 256) bool
        :func:`plausibility_table` of the spec.
    """
    classes, parts = pred & 0xFF, (pred >> 16) & 0xFF
    pixels = np.asarray(pixels, np.int64)
    return ChannelCounts(
        int(pixels.sum()), int(pixels[~table[classes, parts]].sum()), int(pixels[~table[parts, classes]].sum())
    )


def check_channel_counts(counts: ChannelCounts, spec: EvalSpec, *, where: str | os.PathLike[str]) -> None:
    """Raise when the counted pixels look like [part, instance, class] (channels reversed, e.g. written BGR).

    Raises
    ------
    PpsError
        Naming ``where`` (the prediction folder) and ``--no-channel-check``.
    """
    if counts.pixels == 0:
        return
    fraction = counts.implausible / counts.pixels
    if fraction >= IMPLAUSIBLE_FRACTION and counts.implausible_swapped * SWAP_ADVANTAGE <= counts.implausible:
        raise PpsError(
            where,
            f"{fraction:.0%} of the PPS pixels hold class/part pairs {spec.name} cannot produce, but read with the "
            "first and third channels swapped they fit: the PNGs look written as part, instance, class (BGR); "
            "save them as RGB = class, instance, part (or --no-channel-check)",
        )
