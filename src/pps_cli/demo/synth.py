"""Deterministic synthetic part-aware panoptic data: ground truth, fake photos and imperfect predictions.

:func:`generate_demo` writes a small dataset in the layouts of Cityscapes-Panoptic-Parts (CPP) or
PASCAL-Panoptic-Parts (PPP) together with predictions in every input format pps accepts
(docs/formats.md). The building blocks are public so tests and benchmarks can
reuse them: :func:`make_scene` draws a ground-truth uid map, and the ``predict_*`` functions derive
plausible, imperfect predictions from it.

Everything is a function of its arguments and of the ``np.random.Generator`` it is given; drawing is
vectorized (OpenCV polygons and ellipses on label maps, numpy lookup tables), never per pixel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray
from pycocotools import mask as mask_utils

from ..constants import MAX_SID, NO_PART, PART_FOR_NON_PARTS_CLASS, SID_PID_TABLE_SIZE, VOID
from ..dataset import CPP_GT_SUFFIX, CPP_IMAGE_SUFFIX
from ..errors import PpsError
from ..formats.labels import decode_uids, fold_sid_pids
from ..io import staged_output, write_bytes_atomic, write_json, write_png, write_uid_tiff
from ..specs import IGNORED, DatasetSpec, EvalSpec, load_eval_spec

__all__ = [
    "DEFAULT_EVAL_SPEC",
    "DemoSummary",
    "GtLabels",
    "SynthDataset",
    "SynthInstance",
    "coco_rle",
    "demo_image_ids",
    "flat_part_ids",
    "generate_demo",
    "gt_eval_labels",
    "jitter_labels",
    "make_scene",
    "perturb_mask",
    "predict_instances",
    "predict_part_sid_pids",
    "predict_pps",
    "predict_semantic",
    "render_photo",
]

SynthDataset = Literal["cityscapes", "pascal"]

DEFAULT_EVAL_SPEC: dict[str, str] = {"cityscapes": "cpp-default", "pascal": "ppp-default"}
"""The EvalSpec whose eval sids and flat part ids the predictions of each dataset use."""

CPP_CITIES = ("frankfurt", "lindau")
MAX_DEMO_IMAGES = 10_000
MIN_SIDE, MAX_SIDE = 16, 8192

_EMPTY = 255  # local canvas value outside a silhouette (pids are 0..99)


@lru_cache(maxsize=8)
def _spec(name: str) -> EvalSpec:
    """Bundled EvalSpec, loaded once per process."""
    return load_eval_spec(name)


# ============================================================================ shape templates
#
# A template is a list of primitives in the unit box of an object (x to the right, y down, both
# 0..1), drawn in order (later ones cover earlier ones). Each primitive carries the NAME of the
# part it paints; names resolve to pids through the DatasetSpec (1-based position), and grouped
# parts of PPP (``countable_pids_groupings``) take the file pids of their group in turn, so the
# second aeroplane engine gets file pid 7 and the third car window file pid 42, as in real data.
# ``None`` is the name for classes without parts.

Prim = tuple[str, "str | None", tuple[float, ...]]  # ("r" rect | "e" ellipse | "p" polygon, part, coords)


@dataclass(frozen=True)
class _Template:
    size: float  # CPP: height in metres (perspective scale); PPP: height relative to a person
    aspect: float  # width / height of the unit box
    prims: tuple[Prim, ...]


def _t(size: float, aspect: float, *prims: Prim) -> _Template:
    return _Template(size, aspect, prims)


_CPP_PERSON = (
    ("r", "leg", (0.30, 0.55, 0.48, 1.00)),
    ("r", "leg", (0.52, 0.55, 0.70, 1.00)),
    ("r", "torso", (0.26, 0.17, 0.74, 0.60)),
    ("r", "arm", (0.08, 0.19, 0.26, 0.56)),
    ("r", "arm", (0.74, 0.19, 0.92, 0.56)),
    ("e", "head", (0.50, 0.09, 0.17, 0.09)),
)
_CPP_CAR = (
    ("p", "chassis", (0.0, 0.45, 0.17, 0.38, 0.27, 0.08, 0.73, 0.08, 0.83, 0.38, 1.0, 0.45, 1.0, 0.86, 0.0, 0.86)),
    ("p", "window", (0.29, 0.13, 0.48, 0.13, 0.48, 0.37, 0.21, 0.37)),
    ("p", "window", (0.52, 0.13, 0.71, 0.13, 0.79, 0.37, 0.52, 0.37)),
    ("e", "wheel", (0.20, 0.84, 0.09, 0.16)),
    ("e", "wheel", (0.80, 0.84, 0.09, 0.16)),
    ("r", "light", (0.00, 0.50, 0.05, 0.60)),
    ("r", "light", (0.95, 0.50, 1.00, 0.60)),
    ("r", "license plate", (0.93, 0.64, 1.00, 0.72)),
)
_CPP_TRUCK = (
    ("r", "chassis", (0.00, 0.00, 0.68, 0.84)),
    ("p", "chassis", (0.70, 0.22, 0.90, 0.22, 1.0, 0.50, 1.0, 0.84, 0.70, 0.84)),
    ("p", "window", (0.74, 0.28, 0.88, 0.28, 0.95, 0.50, 0.74, 0.50)),
    ("e", "wheel", (0.14, 0.86, 0.06, 0.14)),
    ("e", "wheel", (0.52, 0.86, 0.06, 0.14)),
    ("e", "wheel", (0.85, 0.86, 0.06, 0.14)),
    ("r", "light", (0.96, 0.56, 1.00, 0.64)),
    ("r", "license plate", (0.00, 0.66, 0.05, 0.74)),
)
_CPP_BUS = (
    ("r", "chassis", (0.00, 0.02, 1.00, 0.88)),
    *(("r", "window", (0.03 + i * 0.16, 0.12, 0.16 + i * 0.16, 0.44)) for i in range(6)),
    ("e", "wheel", (0.18, 0.88, 0.06, 0.12)),
    ("e", "wheel", (0.82, 0.88, 0.06, 0.12)),
    ("r", "light", (0.97, 0.60, 1.00, 0.70)),
    ("r", "light", (0.00, 0.60, 0.03, 0.70)),
    ("r", "license plate", (0.00, 0.72, 0.04, 0.78)),
)
_CPP_TEMPLATES: dict[str, _Template] = {
    "person": _t(1.75, 0.38, *_CPP_PERSON),
    "rider": _t(1.6, 0.45, *_CPP_PERSON),
    "car": _t(1.5, 2.3, *_CPP_CAR),
    "truck": _t(3.2, 2.5, *_CPP_TRUCK),
    "bus": _t(3.3, 3.2, *_CPP_BUS),
    "train": _t(3.8, 5.0, ("r", None, (0, 0.05, 1, 1)), ("r", None, (0.02, 0, 0.98, 0.06))),
    "motorcycle": _t(
        1.2,
        1.6,
        ("e", None, (0.2, 0.75, 0.18, 0.25)),
        ("e", None, (0.8, 0.75, 0.18, 0.25)),
        ("p", None, (0.2, 0.55, 0.45, 0.2, 0.8, 0.25, 0.85, 0.6, 0.5, 0.7)),
    ),
    "bicycle": _t(
        1.1,
        1.7,
        ("e", None, (0.2, 0.72, 0.19, 0.27)),
        ("e", None, (0.8, 0.72, 0.19, 0.27)),
        ("p", None, (0.2, 0.7, 0.42, 0.3, 0.75, 0.3, 0.8, 0.7, 0.5, 0.72)),
        ("r", None, (0.35, 0.15, 0.5, 0.3)),
    ),
    "caravan": _t(2.6, 2.2, ("r", None, (0, 0, 1, 0.88)), ("e", None, (0.5, 0.9, 0.07, 0.1))),
    "trailer": _t(2.0, 2.0, ("r", None, (0, 0, 1, 0.85)), ("e", None, (0.3, 0.88, 0.08, 0.12))),
}


def _quadruped(kind: str) -> tuple[Prim, ...]:
    """A four-legged animal facing left; part names follow the PPP class ``kind``."""
    prims: list[Prim] = [("p", "tail", (0.83, 0.36, 0.99, 0.28, 0.99, 0.33, 0.84, 0.42))]
    for leg, x in (("rb", 0.80), ("lb", 0.70), ("rf", 0.31), ("lf", 0.21)):
        x0, x1 = x - 0.045, x + 0.045
        if kind in ("cat", "dog"):
            prims += [("r", f"{leg}leg", (x0, 0.50, x1, 0.92)), ("r", f"{leg}pa", (x0 - 0.01, 0.92, x1 + 0.01, 1.0))]
        else:
            prims += [
                ("r", f"{leg}uleg", (x0, 0.50, x1, 0.74)),
                ("r", f"{leg}lleg", (x0, 0.74, x1, 0.94 if kind == "horse" else 1.0)),
            ]
            if kind == "horse":
                prims.append(("r", f"{leg}ho", (x0, 0.94, x1, 1.0)))
    prims += [
        ("e", "torso", (0.52, 0.42, 0.34, 0.16)),
        ("p", "neck", (0.14, 0.26, 0.27, 0.24, 0.33, 0.42, 0.20, 0.46)),
        ("e", "head", (0.13, 0.20, 0.11, 0.10)),
        ("e", "lear", (0.08, 0.08, 0.03, 0.05)),
        ("e", "rear", (0.18, 0.08, 0.03, 0.05)),
        ("e", "leye", (0.09, 0.18, 0.015, 0.012)),
        ("e", "reye", (0.16, 0.18, 0.015, 0.012)),
    ]
    if kind in ("cow", "sheep"):
        prims += [("e", "lhorn", (0.07, 0.03, 0.03, 0.02)), ("e", "rhorn", (0.19, 0.03, 0.03, 0.02))]
    if kind in ("cow", "sheep", "horse", "dog"):
        prims.append(("e", "muzzle", (0.06, 0.27, 0.05, 0.04)))
    if kind in ("cat", "dog"):
        prims.append(("e", "nose", (0.04, 0.25, 0.02, 0.015)))
    return tuple(prims)


def _ppp_vehicle(windows: int) -> tuple[Prim, ...]:
    """Bus or car in a three-quarter view (front on the left)."""
    span = 0.66 / windows
    return (
        ("r", "frontside", (0.00, 0.18, 0.30, 0.86)),
        ("r", "leftside", (0.30, 0.18, 1.00, 0.86)),
        ("r", "roofside", (0.04, 0.10, 0.96, 0.18)),
        ("r", "window", (0.04, 0.24, 0.26, 0.46)),
        *(("r", "window", (0.32 + i * span, 0.24, 0.30 + (i + 1) * span, 0.46)) for i in range(windows)),
        ("r", "door", (0.34, 0.48, 0.34 + span, 0.82)),
        ("r", "door", (0.36 + span, 0.48, 0.36 + 2 * span, 0.82)),
        ("r", "leftmirror", (0.29, 0.36, 0.33, 0.42)),
        ("e", "wheel", (0.15, 0.88, 0.06, 0.12)),
        ("e", "wheel", (0.45, 0.88, 0.07, 0.12)),
        ("e", "wheel", (0.86, 0.88, 0.07, 0.12)),
        ("e", "headlight", (0.05, 0.62, 0.03, 0.04)),
        ("e", "headlight", (0.25, 0.62, 0.03, 0.04)),
        ("r", "fliplate", (0.10, 0.70, 0.20, 0.77)),
    )


_PPP_PERSON = (
    ("r", "luleg", (0.30, 0.55, 0.48, 0.77)),
    ("r", "llleg", (0.30, 0.77, 0.48, 0.95)),
    ("r", "lfoot", (0.26, 0.95, 0.48, 1.0)),
    ("r", "ruleg", (0.52, 0.55, 0.70, 0.77)),
    ("r", "rlleg", (0.52, 0.77, 0.70, 0.95)),
    ("r", "rfoot", (0.52, 0.95, 0.74, 1.0)),
    ("r", "torso", (0.26, 0.19, 0.74, 0.60)),
    ("r", "luarm", (0.08, 0.20, 0.26, 0.38)),
    ("r", "llarm", (0.08, 0.38, 0.26, 0.54)),
    ("e", "lhand", (0.17, 0.57, 0.08, 0.03)),
    ("r", "ruarm", (0.74, 0.20, 0.92, 0.38)),
    ("r", "rlarm", (0.74, 0.38, 0.92, 0.54)),
    ("e", "rhand", (0.83, 0.57, 0.08, 0.03)),
    ("r", "neck", (0.43, 0.15, 0.57, 0.20)),
    ("e", "head", (0.50, 0.09, 0.16, 0.08)),
    ("e", "hair", (0.50, 0.035, 0.15, 0.035)),
    ("e", "lear", (0.34, 0.09, 0.02, 0.02)),
    ("e", "rear", (0.66, 0.09, 0.02, 0.02)),
    ("e", "leye", (0.44, 0.08, 0.025, 0.01)),
    ("e", "reye", (0.56, 0.08, 0.025, 0.01)),
    ("r", "lebrow", (0.41, 0.06, 0.47, 0.066)),
    ("r", "rebrow", (0.53, 0.06, 0.59, 0.066)),
    ("e", "nose", (0.50, 0.10, 0.015, 0.015)),
    ("r", "mouth", (0.46, 0.125, 0.54, 0.135)),
)
_PPP_TEMPLATES: dict[str, _Template] = {
    "aeroplane": _t(
        0.9,
        2.2,
        ("p", "lwing", (0.40, 0.45, 0.60, 0.45, 0.47, 0.04, 0.39, 0.04)),
        ("p", "tail", (0.02, 0.08, 0.12, 0.08, 0.20, 0.42, 0.05, 0.42)),
        ("e", "body", (0.52, 0.50, 0.44, 0.12)),
        ("p", "stern", (0.0, 0.40, 0.12, 0.40, 0.12, 0.60, 0.0, 0.55)),
        ("p", "rwing", (0.40, 0.55, 0.60, 0.55, 0.47, 0.96, 0.39, 0.96)),
        ("e", "engine", (0.47, 0.30, 0.045, 0.04)),
        ("e", "engine", (0.47, 0.72, 0.045, 0.04)),
        ("e", "wheel", (0.30, 0.66, 0.02, 0.04)),
        ("e", "wheel", (0.66, 0.66, 0.02, 0.04)),
    ),
    "bicycle": _t(
        0.6,
        1.6,
        ("e", "bwheel", (0.20, 0.70, 0.19, 0.29)),
        ("e", "fwheel", (0.80, 0.70, 0.19, 0.29)),
        ("p", "chainwheel", (0.20, 0.70, 0.42, 0.32, 0.75, 0.32, 0.80, 0.70, 0.50, 0.74)),
        ("r", "saddle", (0.33, 0.20, 0.50, 0.30)),
        ("r", "handlebar", (0.68, 0.18, 0.86, 0.28)),
        ("e", "headlight", (0.86, 0.36, 0.03, 0.04)),
    ),
    "bird": _t(
        0.35,
        1.2,
        ("p", "tail", (0.80, 0.45, 1.0, 0.40, 1.0, 0.55, 0.80, 0.58)),
        ("r", "lleg", (0.40, 0.68, 0.45, 0.90)),
        ("r", "rleg", (0.55, 0.68, 0.60, 0.90)),
        ("r", "lfoot", (0.36, 0.90, 0.47, 1.0)),
        ("r", "rfoot", (0.53, 0.90, 0.64, 1.0)),
        ("e", "torso", (0.52, 0.52, 0.30, 0.18)),
        ("p", "rwing", (0.40, 0.40, 0.75, 0.35, 0.70, 0.55)),
        ("p", "lwing", (0.40, 0.48, 0.78, 0.50, 0.65, 0.66)),
        ("r", "neck", (0.20, 0.30, 0.32, 0.45)),
        ("e", "head", (0.22, 0.22, 0.12, 0.12)),
        ("e", "leye", (0.18, 0.19, 0.02, 0.02)),
        ("e", "reye", (0.26, 0.19, 0.02, 0.02)),
        ("p", "beak", (0.10, 0.20, 0.0, 0.25, 0.10, 0.28)),
    ),
    "boat": _t(0.8, 1.5, ("p", None, (0.0, 0.6, 1.0, 0.6, 0.85, 1.0, 0.15, 1.0)), ("p", None, (0.45, 0.0, 0.5, 0.6, 0.15, 0.6))),
    "bottle": _t(
        0.3,
        0.35,
        ("r", "body", (0.05, 0.28, 0.95, 1.0)),
        ("r", "body", (0.30, 0.10, 0.70, 0.30)),
        ("r", "cap", (0.28, 0.0, 0.72, 0.10)),
    ),
    "bus": _t(1.3, 2.4, *_ppp_vehicle(6)),
    "car": _t(0.7, 1.8, *_ppp_vehicle(3)),
    "cat": _t(0.45, 1.5, *_quadruped("cat")),
    "chair": _t(
        0.6,
        0.7,
        ("r", None, (0.1, 0.0, 0.3, 0.6)),
        ("r", None, (0.1, 0.5, 0.9, 0.62)),
        ("r", None, (0.1, 0.6, 0.2, 1.0)),
        ("r", None, (0.8, 0.6, 0.9, 1.0)),
    ),
    "cow": _t(0.8, 1.5, *_quadruped("cow")),
    "table": _t(
        0.5, 1.8, ("r", None, (0.0, 0.0, 1.0, 0.15)), ("r", None, (0.05, 0.15, 0.12, 1.0)), ("r", None, (0.88, 0.15, 0.95, 1.0))
    ),
    "dog": _t(0.5, 1.5, *_quadruped("dog")),
    "horse": _t(1.0, 1.4, *_quadruped("horse")),
    "motorbike": _t(
        0.7,
        1.6,
        ("e", "bwheel", (0.20, 0.74, 0.18, 0.26)),
        ("e", "fwheel", (0.80, 0.74, 0.18, 0.26)),
        ("p", "saddle", (0.20, 0.50, 0.45, 0.25, 0.80, 0.28, 0.85, 0.62, 0.50, 0.70)),
        ("r", "handlebar", (0.70, 0.10, 0.88, 0.20)),
        ("e", "headlight", (0.88, 0.36, 0.03, 0.04)),
        ("e", "headlight", (0.88, 0.46, 0.03, 0.04)),
    ),
    "person": _t(1.0, 0.4, *_PPP_PERSON),
    "pottedplant": _t(
        0.45, 0.8, ("p", "pot", (0.25, 0.6, 0.75, 0.6, 0.68, 1.0, 0.32, 1.0)), ("e", "plant", (0.5, 0.32, 0.48, 0.32))
    ),
    "sheep": _t(0.6, 1.5, *_quadruped("sheep")),
    "sofa": _t(
        0.55,
        2.0,
        ("r", None, (0.0, 0.0, 1.0, 0.55)),
        ("r", None, (0.0, 0.5, 1.0, 0.9)),
        ("r", None, (0.02, 0.9, 0.08, 1.0)),
        ("r", None, (0.92, 0.9, 0.98, 1.0)),
    ),
    "train": _t(
        1.4,
        4.0,
        ("r", "hleftside", (0.00, 0.14, 0.25, 0.95)),
        ("r", "hfrontside", (0.00, 0.18, 0.06, 0.95)),
        ("r", "hroofside", (0.02, 0.07, 0.25, 0.14)),
        ("r", "head", (0.08, 0.25, 0.22, 0.45)),
        ("e", "headlight", (0.03, 0.78, 0.012, 0.03)),
        ("e", "headlight", (0.03, 0.50, 0.012, 0.03)),
        ("r", "coach", (0.25, 0.30, 0.27, 0.80)),
        ("r", "cleftside", (0.27, 0.10, 0.62, 0.95)),
        ("r", "croofside", (0.27, 0.04, 0.62, 0.10)),
        ("r", "coach", (0.62, 0.30, 0.64, 0.80)),
        ("r", "cleftside", (0.64, 0.10, 1.00, 0.95)),
        ("r", "croofside", (0.64, 0.04, 1.00, 0.10)),
    ),
    "tvmonitor": _t(
        0.4,
        1.3,
        ("r", "frame", (0.0, 0.0, 1.0, 0.85)),
        ("r", "frame", (0.42, 0.85, 0.58, 1.0)),
        ("r", "screen", (0.07, 0.08, 0.93, 0.77)),
    ),
}


def _templates(dataset: SynthDataset) -> dict[str, _Template]:
    return _CPP_TEMPLATES if dataset == "cityscapes" else _PPP_TEMPLATES


@lru_cache(maxsize=64)
def _template_pids(dataset: SynthDataset, class_name: str) -> tuple[int, ...]:
    """Pid (file pid for grouped PPP parts) of each primitive of a class's template."""
    spec = _spec(DEFAULT_EVAL_SPEC[dataset]).dataset
    parts = spec.part_names[spec.class_names.index(class_name)]
    groupings = (spec.file.countable_pids_groupings or {}).get(class_name, {})
    seen: dict[str, int] = {}
    pids = []
    for _, name, _ in _templates(dataset)[class_name].prims:
        if name is None:
            pids.append(1)  # no parts: the pid is never encoded
            continue
        if name not in parts:
            raise ValueError(f"template of {class_name!r} uses unknown part {name!r}")
        k = seen.get(name, 0)
        seen[name] = k + 1
        group = groupings.get(name)
        pids.append(group[k % len(group)] if group else parts.index(name) + 1)
    return tuple(pids)


def _render_template(template: _Template, pids: Sequence[int], height: int, width: int, flip: bool) -> NDArray[np.uint8]:
    """Draw a template into a (height, width) uint8 canvas of pids, ``_EMPTY`` outside the object."""
    canvas = np.full((height, width), _EMPTY, np.uint8)
    scale = np.array([width, height], np.float64) * 16  # 4 fractional bits (OpenCV ``shift=4``)
    for (kind, _, coords), pid in zip(template.prims, pids, strict=True):
        if kind == "e":
            cx, cy, rx, ry = coords
            if flip:
                cx = 1.0 - cx
            center = (round(cx * scale[0]), round(cy * scale[1]))
            axes = (max(round(rx * scale[0]), 8), max(round(ry * scale[1]), 8))
            cv2.ellipse(canvas, center, axes, 0, 0, 360, int(pid), -1, cv2.LINE_8, 4)
            continue
        if kind == "r":
            x0, y0, x1, y1 = coords
            pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
        else:
            pts = np.array(coords, np.float64).reshape(-1, 2)
        if flip:
            pts[:, 0] = 1.0 - pts[:, 0]
        cv2.fillPoly(canvas, [np.round(pts * scale).astype(np.int32)], int(pid), cv2.LINE_8, 4)
    return canvas


# ============================================================================ scenes


@dataclass
class _Record:
    """One drawn object: a thing instance, or a crowd (several shapes sharing one record)."""

    sid: int
    crowd: bool = False
    boxes: list[tuple[int, int, int, int]] | None = None  # (y0, x0, y1, x1) of each drawn shape, clipped
    iid: int = -1
    partless: bool = False


@dataclass
class _Placement:
    record: int
    class_name: str
    x_center: float
    y_bottom: float
    height: int
    flip: bool


class _Canvas:
    """The label maps a scene is drawn on: background sids, object index and object pid per pixel."""

    def __init__(self, height: int, width: int, background: int) -> None:
        self.height, self.width = height, width
        self.bg = np.full((height, width), background, np.uint8)  # sids <= 99 fit in uint8
        self.obj = np.full((height, width), -1, np.int32)  # index into the records, -1 = background
        self.pid = np.zeros((height, width), np.uint8)

    # --- background primitives (they never cover objects: objects are drawn later)
    def rect(self, sid: int, x0: float, y0: float, x1: float, y1: float) -> None:
        h, w = self.height, self.width
        ix0, ix1 = max(0, round(x0)), min(w, round(x1))
        iy0, iy1 = max(0, round(y0)), min(h, round(y1))
        if ix1 > ix0 and iy1 > iy0:
            self.bg[iy0:iy1, ix0:ix1] = sid

    def ellipse(self, sid: int, cx: float, cy: float, rx: float, ry: float) -> None:
        cv2.ellipse(
            self.bg,
            (round(cx * 16), round(cy * 16)),
            (max(round(rx * 16), 8), max(round(ry * 16), 8)),
            0,
            0,
            360,
            sid,
            -1,
            cv2.LINE_8,
            4,
        )

    def poly(self, sid: int, pts: Sequence[tuple[float, float]]) -> None:
        cv2.fillPoly(self.bg, [np.round(np.array(pts, np.float64) * 16).astype(np.int32)], sid, cv2.LINE_8, 4)

    # --- objects
    def stamp(self, records: list[_Record], placement: _Placement, dataset: SynthDataset) -> None:
        template = _templates(dataset)[placement.class_name]
        h = max(3, placement.height)
        w = max(3, round(h * template.aspect))
        canvas = _render_template(template, _template_pids(dataset, placement.class_name), h, w, placement.flip)
        top, left = round(placement.y_bottom) - h, round(placement.x_center - w / 2)
        y0, x0 = max(0, top), max(0, left)
        y1, x1 = min(self.height, top + h), min(self.width, left + w)
        if y1 <= y0 or x1 <= x0:
            return
        local = canvas[y0 - top : y1 - top, x0 - left : x1 - left]
        inside = local != _EMPTY
        self.obj[y0:y1, x0:x1][inside] = placement.record
        self.pid[y0:y1, x0:x1][inside] = local[inside]
        record = records[placement.record]
        record.boxes = (record.boxes or []) + [(y0, x0, y1, x1)]

    def overlay(self, sid: int, mask: NDArray[np.bool_]) -> None:
        """Background class ``sid`` in front of everything (e.g. the ego vehicle)."""
        self.bg[mask] = sid
        self.obj[mask] = -1


def _num_things(rng: np.random.Generator, height: int, width: int) -> int:
    """10-40 objects for usual sizes (about 15 at 256x512), scaled with the image area; at least 3."""
    expected = 15.0 * math.sqrt(height * width / (256 * 512)) * rng.uniform(0.75, 1.3)
    return int(np.clip(round(expected), 3, 40))


def _cpp_background(rng: np.random.Generator, c: _Canvas, sid: dict[str, int]) -> float:
    """Sky, buildings, vegetation, road, sidewalk, poles, signs and void regions; returns the horizon row."""
    h, w = c.height, c.width
    hy = h * rng.uniform(0.36, 0.5)
    x = 0.0
    while x < w:  # a skyline of buildings with gaps of sky
        bw = w * rng.uniform(0.06, 0.22)
        if rng.random() > 0.15:
            c.rect(sid["building"], x, hy * rng.uniform(0.0, 0.75), x + bw, hy + 0.03 * h)
        x += bw
    for _ in range(int(rng.integers(2, 6))):
        c.ellipse(
            sid["vegetation"],
            rng.uniform(0, w),
            hy - rng.uniform(0, 0.18) * h,
            w * rng.uniform(0.03, 0.12),
            h * rng.uniform(0.05, 0.16),
        )
    for _ in range(int(rng.integers(1, 3))):
        x0 = rng.uniform(0, w)
        c.rect(
            sid["wall" if rng.random() < 0.5 else "fence"],
            x0,
            hy - rng.uniform(0.03, 0.09) * h,
            x0 + w * rng.uniform(0.05, 0.2),
            hy + 0.02 * h,
        )
    c.rect(sid["sidewalk"], 0, hy, w, h)
    for side in (0, 1):
        if rng.random() < 0.6:
            edge = 0.0 if side == 0 else float(w)
            inner = w * rng.uniform(0.05, 0.2)
            inner = inner if side == 0 else w - inner
            c.poly(sid["terrain"], [(edge, hy + 0.01 * h), (inner, hy + 0.01 * h), (edge, hy + rng.uniform(0.1, 0.3) * h)])
    vx = w * rng.uniform(0.35, 0.65)
    c.poly(
        sid["road"],
        [(vx - 0.03 * w, hy), (vx + 0.03 * w, hy), (w * rng.uniform(0.88, 1.15), h), (w * rng.uniform(-0.15, 0.12), h)],
    )
    if rng.random() < 0.4:  # void ground-level classes (IGNORED in the eval spec)
        x0 = rng.uniform(0, 0.8 * w)
        c.poly(
            sid["parking" if rng.random() < 0.5 else "ground"],
            [(x0, hy + 0.05 * h), (x0 + 0.15 * w, hy + 0.05 * h), (x0 + 0.2 * w, hy + 0.15 * h), (x0 - 0.05 * w, hy + 0.15 * h)],
        )
    for _ in range(int(rng.integers(1, 5))):  # poles with signs or lights
        px, pw = rng.uniform(0, w), max(1.0, 0.005 * w)
        top, bottom = hy - rng.uniform(0.08, 0.3) * h, hy + rng.uniform(0.02, 0.15) * h
        c.rect(sid["pole" if rng.random() < 0.85 else "polegroup"], px - pw, top, px + pw, bottom)
        s = max(2.0, 0.012 * w)
        if rng.random() < 0.5:
            c.rect(sid["traffic sign"], px - s, top - s, px + s, top + s)
        else:
            c.rect(sid["traffic light"], px - s / 2, top - 2.5 * s, px + s / 2, top)
    for _ in range(int(rng.integers(0, 3))):
        c.ellipse(
            sid["static" if rng.random() < 0.6 else "dynamic"],
            rng.uniform(0, w),
            hy + rng.uniform(-0.05, 0.1) * h,
            w * rng.uniform(0.01, 0.04),
            h * rng.uniform(0.02, 0.05),
        )
    if rng.random() < 0.5:
        c.poly(sid["out of roi"], [(0, h), (0, h - 0.08 * h), (0.06 * w, h)])
    return hy


def _cpp_void_front(rng: np.random.Generator, c: _Canvas, sid: dict[str, int]) -> None:
    """Ego vehicle at the bottom edge and (sometimes) a rectification border, in front of everything."""
    h, w = c.height, c.width
    ego = np.zeros((h, w), np.uint8)
    cv2.ellipse(
        ego,
        (round(w / 2 * 16), round(h * 1.02 * 16)),
        (round(w * rng.uniform(0.45, 0.7) * 16), round(h * rng.uniform(0.06, 0.12) * 16)),
        0,
        0,
        360,
        1,
        -1,
        cv2.LINE_8,
        4,
    )
    c.overlay(sid["ego vehicle"], ego.astype(bool))
    if rng.random() < 0.5:
        border = np.zeros((h, w), bool)
        b = max(1, round(0.004 * w))
        border[:, :b] = border[:, w - b :] = True
        c.overlay(sid["rectification border"], border)


_CPP_THING_WEIGHTS = {
    "person": 0.34,
    "car": 0.33,
    "rider": 0.08,
    "bicycle": 0.06,
    "truck": 0.05,
    "bus": 0.04,
    "motorcycle": 0.04,
    "train": 0.02,
    "caravan": 0.02,
    "trailer": 0.02,
}
_PPP_THING_WEIGHTS = {
    "person": 0.25,
    "car": 0.08,
    "chair": 0.05,
    "bottle": 0.04,
    "dog": 0.05,
    "cat": 0.04,
    "bird": 0.04,
    "aeroplane": 0.04,
    "bicycle": 0.04,
    "boat": 0.04,
    "bus": 0.03,
    "cow": 0.03,
    "horse": 0.03,
    "motorbike": 0.04,
    "pottedplant": 0.04,
    "sheep": 0.03,
    "sofa": 0.03,
    "table": 0.04,
    "train": 0.02,
    "tvmonitor": 0.03,
}
_CPP_MUST = ("person", "car", "rider")
_PPP_MUST = ("person", "car", "aeroplane", "bicycle")
_PPP_NO_PARTS = ("boat", "chair", "table", "sofa")


def _pick_classes(rng: np.random.Generator, n: int, dataset: SynthDataset) -> list[str]:
    weights = _CPP_THING_WEIGHTS if dataset == "cityscapes" else _PPP_THING_WEIGHTS
    names = list(weights)
    p = np.array([weights[k] for k in names])
    must = list(_CPP_MUST) if dataset == "cityscapes" else [*_PPP_MUST, _PPP_NO_PARTS[int(rng.integers(len(_PPP_NO_PARTS)))]]
    chosen = must[:n] + [names[i] for i in rng.choice(len(names), size=max(0, n - len(must)), p=p / p.sum())]
    return chosen


def _cpp_things(
    rng: np.random.Generator, c: _Canvas, sid: dict[str, int], hy: float, n: int, crowd: bool
) -> tuple[list[_Record], list[_Placement]]:
    """Thing placements on the ground plane with perspective scale (far objects small)."""
    h, w = c.height, c.width
    ppm = 0.4 * h / (1.75 * (h - hy))  # pixels per metre per row below the horizon: a person at the bottom is 0.4 h tall
    records: list[_Record] = []
    placements: list[_Placement] = []

    def place(name: str, x: float, y: float, record: int, flip: bool) -> _Placement:
        template = _CPP_TEMPLATES[name]
        height = min(template.size * ppm * (y - hy), 0.5 * h, 0.6 * w / template.aspect)  # no object fills the view
        return _Placement(record, name, x, y, max(4, round(height)), flip)

    for name in _pick_classes(rng, n, "cityscapes"):
        y = hy + (h - hy) * rng.uniform(0.03, 1.0) ** 1.4 + 0.08 * h * rng.random()
        x = rng.uniform(-0.05, 1.05) * w
        flip = bool(rng.random() < 0.5)
        if name == "rider":  # a rider sits on a bicycle or motorcycle drawn in front of it
            bike = "bicycle" if rng.random() < 0.6 else "motorcycle"
            records.append(_Record(sid[bike]))
            bike_p = place(bike, x, y, len(records) - 1, flip)
            placements.append(bike_p)
            records.append(_Record(sid["rider"]))
            placements.append(place("rider", x, y - 0.45 * bike_p.height, len(records) - 1, flip))
            continue
        records.append(_Record(sid[name]))
        placements.append(place(name, x, y, len(records) - 1, flip))
    if crowd:  # a group of people (or a row of parked cars or bicycles) labeled without instances
        name = ("person", "person", "car", "bicycle")[int(rng.integers(4))]
        records.append(_Record(sid[name], crowd=True))
        y0 = hy + (h - hy) * rng.uniform(0.1, 0.5)
        x0 = rng.uniform(0.1, 0.9) * w
        for k in range(int(rng.integers(3, 8))):
            y = y0 + rng.normal(0, 0.01 * h)
            placements.append(
                place(
                    name,
                    x0 + k * 0.25 * _CPP_TEMPLATES[name].size * _CPP_TEMPLATES[name].aspect * ppm * (y - hy),
                    y,
                    len(records) - 1,
                    bool(rng.random() < 0.5),
                )
            )
    return records, placements


def _ppp_background(rng: np.random.Generator, c: _Canvas, sid: dict[str, int]) -> float:
    """Outdoor or indoor stuff layout with unlabeled (sid 0) and IGNORED-class regions; returns the horizon row."""
    h, w = c.height, c.width
    if rng.random() < 0.6:  # outdoor
        hy = h * rng.uniform(0.3, 0.6)
        c.rect(sid["sky"], 0, 0, w, hy)
        if rng.random() < 0.5:
            c.poly(
                sid["mountain"],
                [(0, hy), (w * rng.uniform(0.2, 0.5), hy * rng.uniform(0.4, 0.8)), (w * rng.uniform(0.6, 1.0), hy)],
            )
        x = 0.0
        while x < w:
            bw = w * rng.uniform(0.1, 0.3)
            r = rng.random()
            if r < 0.35:
                c.rect(sid["building"], x, hy * rng.uniform(0.2, 0.8), x + bw, hy + 2)
            elif r < 0.7:
                c.ellipse(sid["tree"], x + bw / 2, hy * rng.uniform(0.6, 0.95), bw / 2, hy * rng.uniform(0.15, 0.4))
            x += bw
        ground = ("grass", "road", "ground", "water", "snow", "sand")[int(rng.integers(6))]  # sand is IGNORED (void)
        c.rect(sid[ground], 0, hy, w, h)
        for _ in range(int(rng.integers(1, 3))):
            c.ellipse(
                sid[("grass", "road", "sidewalk", "track", "rock")[int(rng.integers(5))]],
                rng.uniform(0, w),
                rng.uniform(hy, h),
                w * rng.uniform(0.05, 0.25),
                h * rng.uniform(0.03, 0.12),
            )
        if rng.random() < 0.5:
            x0 = rng.uniform(0, w)
            c.rect(sid["fence"], x0, hy - 0.05 * h, x0 + w * rng.uniform(0.1, 0.3), hy + 0.03 * h)
        if rng.random() < 0.5:
            px = rng.uniform(0, w)
            c.rect(sid["pole"], px - 1, hy - 0.25 * h, px + 1, hy + 0.05 * h)  # IGNORED
            c.rect(sid["sign"], px - 0.03 * w, hy - 0.3 * h, px + 0.03 * w, hy - 0.22 * h)
    else:  # indoor
        hy = h * rng.uniform(0.45, 0.7)
        c.rect(sid["wall"], 0, 0, w, hy)
        if rng.random() < 0.6:
            c.rect(sid["ceiling"], 0, 0, w, h * rng.uniform(0.04, 0.12))
            c.ellipse(sid["light"], rng.uniform(0.2, 0.8) * w, 0.04 * h, 0.04 * w, 0.02 * h)
        c.rect(sid["floor"], 0, hy, w, h)
        for name in ("window", "door", "cabinet", "shelves", "curtain", "picture"):  # picture is IGNORED
            if rng.random() < 0.5:
                x0, bw = rng.uniform(0, 0.85) * w, rng.uniform(0.06, 0.2) * w
                c.rect(
                    sid[name],
                    x0,
                    hy * rng.uniform(0.1, 0.5),
                    x0 + bw,
                    hy * rng.uniform(0.6, 1.0) + (0.05 * h if name == "door" else 0),
                )
        if rng.random() < 0.5:
            x0 = rng.uniform(0, 0.7) * w
            c.rect(sid["rug"], x0, hy + 0.1 * (h - hy), x0 + 0.3 * w, hy + 0.6 * (h - hy))  # IGNORED
    for _ in range(int(rng.integers(1, 4))):  # unlabeled background and IGNORED clutter
        name = ("UNLABELED", "UNLABELED", "box", "bowl", "basket", "bucket", "toy")[int(rng.integers(7))]
        cx, cy = rng.uniform(0, w), rng.uniform(0.2, 1.0) * h
        rx, ry = w * rng.uniform(0.02, 0.12), h * rng.uniform(0.02, 0.12)
        if rng.random() < 0.5:
            c.ellipse(sid[name], cx, cy, rx, ry)
        else:
            c.rect(sid[name], cx - rx, cy - ry, cx + rx, cy + ry)
    return hy


def _ppp_things(
    rng: np.random.Generator, c: _Canvas, sid: dict[str, int], hy: float, n: int, crowd: bool
) -> tuple[list[_Record], list[_Placement]]:
    """Object-centric placements: a few large objects and many small ones, in front of the background."""
    h, w = c.height, c.width
    base = min(h, w)
    records: list[_Record] = []
    placements: list[_Placement] = []
    for name in _pick_classes(rng, n, "pascal"):
        size = _PPP_TEMPLATES[name].size * base * math.exp(rng.uniform(math.log(0.12), math.log(0.75)))
        flying = name in ("aeroplane", "bird") and rng.random() < 0.6
        y = rng.uniform(0.15, 0.7) * h if flying else rng.uniform(hy, 1.06 * h)
        records.append(_Record(sid[name]))
        placements.append(
            _Placement(len(records) - 1, name, rng.uniform(-0.05, 1.05) * w, y, max(4, round(size)), bool(rng.random() < 0.5))
        )
    if crowd:  # a bicycle rack (crowd: sid 2 without instance), sometimes a group of people too
        for name in ("bicycle", "person") if rng.random() < 0.5 else ("bicycle",):
            records.append(_Record(sid[name], crowd=True))
            size = _PPP_TEMPLATES[name].size * base * rng.uniform(0.15, 0.3)
            y0, x0 = rng.uniform(max(hy, 0.5 * h), h), rng.uniform(0.05, 0.6) * w
            for k in range(int(rng.integers(3, 6))):
                placements.append(
                    _Placement(
                        len(records) - 1,
                        name,
                        x0 + k * 0.45 * size * _PPP_TEMPLATES[name].aspect,
                        y0 + rng.normal(0, 0.01 * h),
                        max(4, round(size)),
                        bool(rng.random() < 0.5),
                    )
                )
    return records, placements


def _class_sids(dataset_spec: DatasetSpec) -> dict[str, int]:
    return {name: s for s, name in enumerate(dataset_spec.class_names)}


def _visible_pixel(c: _Canvas, record: _Record, index: int, rng: np.random.Generator) -> tuple[int, int] | None:
    """A random visible pixel of a record (searching only inside its drawn boxes)."""
    y0, x0, y1, x1 = _union_box(record)
    ys, xs = np.nonzero(c.obj[y0:y1, x0:x1] == index)
    if len(ys) == 0:
        return None
    j = int(rng.integers(len(ys)))
    return int(ys[j]) + y0, int(xs[j]) + x0


def _union_box(record: _Record) -> tuple[int, int, int, int]:
    """(y0, x0, y1, x1) around every shape drawn for a record."""
    boxes = np.array(record.boxes or [(0, 0, 0, 0)])
    return int(boxes[:, 0].min()), int(boxes[:, 1].min()), int(boxes[:, 2].max()), int(boxes[:, 3].max())


def _stamp_pid(c: _Canvas, index: int, record: _Record, center: tuple[int, int], pid: int, rng: np.random.Generator) -> None:
    """Set the pid of the record's pixels inside an ellipse around ``center`` (part-void or an odd pid)."""
    y0, x0, y1, x1 = _union_box(record)
    ry, rx = max(1.0, (y1 - y0) * rng.uniform(0.12, 0.3)), max(1.0, (x1 - x0) * rng.uniform(0.15, 0.35))
    region = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.ellipse(
        region,
        (round((center[1] - x0) * 16), round((center[0] - y0) * 16)),
        (round(rx * 16), round(ry * 16)),
        0,
        0,
        360,
        1,
        -1,
        cv2.LINE_8,
        4,
    )
    hit = (region > 0) & (c.obj[y0:y1, x0:x1] == index)
    c.pid[y0:y1, x0:x1][hit] = pid


def make_scene(
    rng: np.random.Generator,
    height: int,
    width: int,
    dataset: SynthDataset = "cityscapes",
    *,
    things: bool = True,
    crowd: bool | None = None,
    part_void: bool | None = None,
    odd_pid: bool = False,
) -> NDArray[np.int32]:
    """Draw a realistic-looking ground-truth uid map (docs/formats.md, 'Ground-truth uids').

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness: the same generator state gives the same map.
    height, width : int
        Image size in pixels (>= 16).
    dataset : {"cityscapes", "pascal"}
        Class and part numbering of the CPP or PPP DatasetSpec (e.g. CPP road 7, person 24, car 26;
        PPP aeroplane 1, person 15). PPP objects use file pids that need folding (engines 6..15,
        car windows 40..59, ...).
    things : bool
        False gives a scene of stuff and void only (no thing pixel at all).
    crowd : bool or None
        Add crowd pixels (a things sid without instance: a group of CPP persons, cars or bicycles
        ``24``/``26``/``33``; PPP bicycles ``2``, sometimes persons ``15``). None: decided by ``rng``.
    part_void : bool or None
        Give some parts-class instances pixels with pid ``00`` (7-digit uids ending in 00). None:
        True for cityscapes, False for pascal (the reference crashes on them in PPP).
    odd_pid : bool
        Give one parts-class instance a region with an out-of-range pid (its class's number of parts
        + 1, e.g. CPP person pid 5 = ``24iid05``). In PPP such a sid_pid is absent from the folding
        table, which the reference rejects: only for error-path tests there.

    Returns
    -------
    uids : (height, width) int32
        Stuff and void sids, thing instances (iids numbered per class among the visible ones, from
        0 in CPP, from 1 in PPP), parts of parts classes as 7-digit uids, and, whenever a parts-class
        instance is visible, at least one such instance without parts (5-digit uid).
    """
    if dataset not in DEFAULT_EVAL_SPEC:
        raise ValueError(f"dataset must be 'cityscapes' or 'pascal', got {dataset!r}")
    if height < MIN_SIDE or width < MIN_SIDE:
        raise ValueError(f"image size must be at least {MIN_SIDE}x{MIN_SIDE}, got {height}x{width}")
    dataset_spec = _spec(DEFAULT_EVAL_SPEC[dataset]).dataset
    sid = _class_sids(dataset_spec)
    cityscapes = dataset == "cityscapes"
    part_void = cityscapes if part_void is None else part_void
    c = _Canvas(height, width, sid["sky"] if cityscapes else sid["UNLABELED"])
    hy = _cpp_background(rng, c, sid) if cityscapes else _ppp_background(rng, c, sid)
    records: list[_Record] = []
    with_crowd = False
    if things:
        with_crowd = bool(rng.random() < 0.5) if crowd is None else crowd
        n = _num_things(rng, height, width)
        draw = _cpp_things if cityscapes else _ppp_things
        records, placements = draw(rng, c, sid, hy, n, with_crowd)
        # painter's order: farther (higher up) objects first; stable, so riders stay behind their bikes
        for placement in sorted(placements, key=lambda p: p.y_bottom):
            c.stamp(records, placement, dataset)
    if cityscapes:
        _cpp_void_front(rng, c, sid)
    if not records:
        return c.bg.astype(np.int32)

    counts = np.bincount(c.obj[c.obj >= 0], minlength=len(records))
    visible = [i for i, r in enumerate(records) if counts[i] > 0]
    has_parts = [len(dataset_spec.part_names[r.sid]) > 0 for r in records]
    if with_crowd and not any(records[i].crowd for i in visible):  # the crowd was hidden: redraw it in front
        for i, r in enumerate(records):
            if r.crowd:
                c.stamp(
                    records,
                    _Placement(i, dataset_spec.class_names[r.sid], width / 2, height * 0.8, max(6, height // 4), False),
                    dataset,
                )
        counts = np.bincount(c.obj[c.obj >= 0], minlength=len(records))
        visible = [i for i, r in enumerate(records) if counts[i] > 0]
    candidates = [i for i in visible if has_parts[i] and not records[i].crowd]
    if not candidates:  # guarantee a visible parts-class instance (for the part-less one below)
        first = next((i for i, r in enumerate(records) if has_parts[i] and not r.crowd), None)
        if first is not None:
            name = dataset_spec.class_names[records[first].sid]
            c.stamp(
                records,
                _Placement(first, name, width * rng.uniform(0.3, 0.7), height * 0.95, max(8, height // 3), False),
                dataset,
            )
            counts = np.bincount(c.obj[c.obj >= 0], minlength=len(records))
            visible = [i for i, r in enumerate(records) if counts[i] > 0]
            candidates = [i for i in visible if has_parts[i] and not records[i].crowd]
    if candidates:
        records[candidates[int(rng.integers(len(candidates)))]].partless = True
    with_parts = [i for i in candidates if not records[i].partless]
    if part_void and with_parts:
        chosen = [i for i in with_parts if rng.random() < 0.35] or [with_parts[int(rng.integers(len(with_parts)))]]
        for i in chosen:
            point = _visible_pixel(c, records[i], i, rng)
            if point is not None:
                _stamp_pid(c, i, records[i], point, NO_PART, rng)
    if odd_pid and with_parts:
        people = [i for i in with_parts if dataset_spec.class_names[records[i].sid] == "person"]
        pool = people or with_parts  # a person gets pid = number of its parts + 1, e.g. CPP 24iid05
        i = pool[int(rng.integers(len(pool)))]
        point = _visible_pixel(c, records[i], i, rng)
        if point is not None:
            _stamp_pid(c, i, records[i], point, len(dataset_spec.part_names[records[i].sid]) + 1, rng)

    # iids per class among the visible instances, in creation order (CPP from 0, PPP from 1)
    next_iid: dict[int, int] = {}
    for i in visible:
        r = records[i]
        if not r.crowd:
            r.iid = next_iid.get(r.sid, 0 if cityscapes else 1)
            next_iid[r.sid] = r.iid + 1
    sids = np.array([r.sid for r in records], np.int64)
    iids = np.array([max(r.iid, 0) for r in records], np.int64)
    crowd_of = np.array([r.crowd for r in records])
    uses_pid = np.array([has_parts[i] and not r.crowd and not r.partless for i, r in enumerate(records)])
    base = np.where(crowd_of, sids, np.where(uses_pid, sids * 100_000 + iids * 100, sids * 1000 + iids))
    obj = c.obj
    inside = obj >= 0
    k = np.where(inside, obj, 0)
    uids = np.where(inside, base[k] + np.where(uses_pid[k], c.pid, 0), c.bg)
    return uids.astype(np.int32)


# ============================================================================ ground truth in eval space


class GtLabels(NamedTuple):
    """Ground truth decoded and seen through an EvalSpec; every field has shape (H, W).

    Attributes
    ----------
    sid, pid : int32
        Dataset sid and file pid (0 = no part) of each pixel.
    sid_iid : int32
        Segment key: ``sid`` for stuff, void and crowd pixels, ``sid * 1000 + iid`` otherwise.
    eval_sid : uint8
        Eval sid, VOID (255) for classes the spec IGNORES.
    eval_sid_pid : int32
        sid_pid folded by the DatasetSpec (PPP; sid_pids absent from the table are kept) and
        mapped through ``dataset_sid_pid2eval_sid_pid``.
    """

    sid: NDArray[np.int32]
    pid: NDArray[np.int32]
    sid_iid: NDArray[np.int32]
    eval_sid: NDArray[np.uint8]
    eval_sid_pid: NDArray[np.int32]


def _sid_to_eval(spec: EvalSpec) -> NDArray[np.uint8]:
    """(100,) dataset sid -> eval sid, VOID for IGNORED (``dataset_sid2eval_sid`` with its DEFAULT)."""
    mapping = spec.file.dataset_sid2eval_sid
    default = mapping.get("DEFAULT", IGNORED)
    lut = np.full(MAX_SID + 1, VOID if default == IGNORED else int(default), np.uint8)
    for key, value in mapping.items():
        if key != "DEFAULT" and 0 <= int(key) <= MAX_SID:
            lut[int(key)] = VOID if value == IGNORED else int(value)
    return lut


def _flat_lut(spec: EvalSpec) -> NDArray[np.uint8]:
    """(10000,) eval sid_pid -> flat part id (0 where none), from ``eval_sid_pid2eval_pid_flat``."""
    lut = np.zeros(SID_PID_TABLE_SIZE, np.uint8)
    for sid_pid, flat in spec.file.eval_sid_pid2eval_pid_flat.items():
        lut[int(sid_pid)] = flat
    return lut


def gt_eval_labels(uids: NDArray[np.int32], spec: EvalSpec) -> GtLabels:
    """Decode a ground-truth uid map and map it into the eval space of ``spec``.

    Parameters
    ----------
    uids : (H, W) int32
        Valid ground-truth uids.
    spec : EvalSpec

    Returns
    -------
    GtLabels
        Compute it once and pass it as ``gt=`` to the ``predict_*`` functions to decode only once.
    """
    decoded = decode_uids(uids)
    sid_pid = decoded.sid_pid
    if spec.dataset.pid_fold is not None:
        sid_pid, _ = fold_sid_pids(sid_pid, spec.dataset.pid_fold)
    return GtLabels(decoded.sid, decoded.pid, decoded.sid_iid, _sid_to_eval(spec)[decoded.sid], spec.sid_pid_to_eval[sid_pid])


# ============================================================================ perturbations


def _displacement(rng: np.random.Generator, shape: tuple[int, int], amplitude: float, cell: float) -> NDArray[np.float32]:
    """(H, W, 2) source (x, y) of each pixel under a smooth random displacement: a ``cv2.remap`` map.

    Coordinates are whole pixels, so nearest-neighbour sampling has no rounding ties to resolve.
    """
    h, w = shape
    gh, gw = max(2, math.ceil(h / cell) + 1), max(2, math.ceil(w / cell) + 1)
    coarse = rng.normal(0.0, amplitude, size=(gh, gw, 2)).astype(np.float32)
    field = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
    field[..., 0] += np.arange(w, dtype=np.float32)[None, :]
    field[..., 1] += np.arange(h, dtype=np.float32)[:, None]
    np.rint(field, out=field)
    return field


_REMAP_DTYPES = frozenset(np.dtype(t) for t in (np.uint8, np.uint16, np.int16, np.int32, np.float32))


def _resample(labels: NDArray, source: NDArray[np.float32]) -> NDArray:
    """``labels`` read at ``source`` (nearest pixel, clamped to the image); same shape and dtype."""
    if labels.dtype == np.bool_:
        return _resample(labels.view(np.uint8), source).view(np.bool_)
    if labels.dtype in _REMAP_DTYPES and (labels.ndim == 2 or (labels.ndim == 3 and labels.shape[2] <= 4)):
        out = cv2.remap(np.ascontiguousarray(labels), source, None, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
        return out.reshape(labels.shape)
    h, w = labels.shape[:2]
    rows = np.clip(source[..., 1].astype(np.intp), 0, h - 1)
    cols = np.clip(source[..., 0].astype(np.intp), 0, w - 1)
    return labels[rows, cols]


def _default_amplitude(shape: tuple[int, ...]) -> tuple[float, float]:
    """Displacement amplitude and control-point spacing (pixels) for an image size."""
    side = max(shape[0], shape[1])
    return 0.8 + 0.003 * side, max(6.0, 0.03 * side)


def jitter_labels(
    labels: NDArray, rng: np.random.Generator, *, amplitude: float | None = None, cell: float | None = None
) -> NDArray:
    """Wobble the boundaries of a label map by resampling it through a smooth random displacement.

    Parameters
    ----------
    labels : (H, W) or (H, W, C) array of any dtype
    rng : numpy.random.Generator
    amplitude : float, optional
        Standard deviation of the displacement in pixels (default grows with the image size:
        about 1 px at 64x128, 7 px at 1024x2048).
    cell : float, optional
        Spacing of the random control points in pixels (larger = smoother boundaries).

    Returns
    -------
    Array of the same shape and dtype: every value is copied from a nearby pixel, so no new
    label appears.
    """
    default_amplitude, default_cell = _default_amplitude(labels.shape)
    source = _displacement(
        rng, labels.shape[:2], default_amplitude if amplitude is None else amplitude, default_cell if cell is None else cell
    )
    return _resample(labels, source)


def perturb_mask(mask: NDArray[np.bool_], rng: np.random.Generator, *, strength: float = 1.0) -> NDArray[np.bool_]:
    """A plausible imperfect copy of a binary mask: shifted, dilated or eroded, with wobbly edges.

    Parameters
    ----------
    mask : (H, W) bool
        Usually a crop around one object with a margin of a few pixels.
    rng : numpy.random.Generator
    strength : float
        Scales shift, growth/shrinkage and wobble (0 returns a copy of the mask).

    Returns
    -------
    (H, W) bool, possibly empty for a tiny object eroded away.
    """
    if strength <= 0 or not mask.any():
        return mask.copy()
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    size = max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
    out = mask.astype(np.uint8)
    dy, dx = np.rint(rng.normal(0.0, 0.03 * size * strength, 2))
    if dy or dx:
        shift = np.float32([[1, 0, dx], [0, 1, dy]])
        out = cv2.warpAffine(out, shift, (mask.shape[1], mask.shape[0]), flags=cv2.INTER_NEAREST, borderValue=0)
    radius = float(np.clip(rng.normal(0.0, 0.015 * size * strength + 0.5), -0.1 * size, 0.1 * size))
    if abs(radius) >= 1:
        # grow or shrink through a distance transform: O(pixels) whatever the radius
        if radius > 0:
            out = (cv2.distanceTransform(1 - out, cv2.DIST_L2, 3) <= radius).astype(np.uint8)
        else:
            out = (cv2.distanceTransform(out, cv2.DIST_L2, 3) > -radius).astype(np.uint8)
    out = jitter_labels(out, rng, amplitude=0.5 + 0.02 * size * strength, cell=max(4.0, size / 4))
    return out.astype(bool)


def _confusions(spec: EvalSpec) -> NDArray[np.uint8]:
    """(256,) eval sid -> a class a network could mistake it for (identity when none is listed)."""
    names = _class_sids(spec.dataset)
    pairs = (
        ("road", "sidewalk"), ("sidewalk", "road"), ("building", "wall"), ("wall", "building"), ("fence", "wall"),
        ("vegetation", "terrain"), ("terrain", "vegetation"), ("pole", "traffic sign"), ("traffic light", "pole"),
        ("person", "rider"), ("rider", "person"), ("car", "truck"), ("truck", "bus"), ("bus", "truck"), ("train", "bus"),
        ("motorcycle", "bicycle"), ("bicycle", "motorcycle"), ("motorbike", "bicycle"),
        ("cat", "dog"), ("dog", "cat"), ("cow", "sheep"), ("sheep", "cow"), ("horse", "cow"), ("chair", "sofa"),
        ("sofa", "chair"), ("table", "chair"), ("grass", "tree"), ("tree", "grass"), ("floor", "ground"),
        ("ground", "road"), ("sky", "building"), ("bird", "aeroplane"), ("boat", "aeroplane"),
    )  # fmt: skip
    sid_to_eval = _sid_to_eval(spec)
    lut = np.arange(256, dtype=np.uint8)
    for a, b in pairs:
        if a in names and b in names:
            ea, eb = sid_to_eval[names[a]], sid_to_eval[names[b]]
            if ea != VOID and eb != VOID:
                lut[ea] = eb
    return lut


def _blob(
    rng: np.random.Generator, shape: tuple[int, int], center: tuple[float, float] | None = None, scale: float = 0.08
) -> tuple[tuple[slice, slice], NDArray[np.bool_]]:
    """A random filled ellipse of about ``scale`` times the image size, as (window, mask inside the window)."""
    h, w = shape
    cy, cx = (rng.uniform(0, h), rng.uniform(0, w)) if center is None else center
    ry, rx = max(1.5, h * scale * rng.uniform(0.3, 1.2)), max(1.5, w * scale * rng.uniform(0.2, 0.8))
    angle = float(rng.uniform(0, 180))
    reach = max(rx, ry) + 1
    y0, y1 = max(0, math.floor(cy - reach)), min(h, math.ceil(cy + reach) + 1)
    x0, x1 = max(0, math.floor(cx - reach)), min(w, math.ceil(cx + reach) + 1)
    window = np.zeros((max(0, y1 - y0), max(0, x1 - x0)), np.uint8)
    if window.size:
        center16 = (round((cx - x0) * 16), round((cy - y0) * 16))
        cv2.ellipse(window, center16, (round(rx * 16), round(ry * 16)), angle, 0, 360, 1, -1, cv2.LINE_8, 4)
    return (slice(y0, y1), slice(x0, x1)), window.astype(bool)


def predict_semantic(
    uids: NDArray[np.int32], spec: EvalSpec, rng: np.random.Generator, *, gt: GtLabels | None = None
) -> NDArray[np.uint8]:
    """A semantic segmentation network's output for a ground truth.

    Void regions are mostly filled with the nearest class (a network predicts everywhere), the
    void pixels farthest from any class stay 255 (unknown); boundaries wobble and a few blobs are
    confused with a related class (road/sidewalk, car/truck, cat/dog, ...).

    Parameters
    ----------
    uids : (H, W) int32
    spec : EvalSpec
    rng : numpy.random.Generator
    gt : GtLabels, optional
        ``gt_eval_labels(uids, spec)`` when already computed.

    Returns
    -------
    (H, W) uint8 eval sids (things included), 255 = void/unknown.
    """
    gt = gt_eval_labels(uids, spec) if gt is None else gt
    eval_sid = gt.eval_sid
    h, w = eval_sid.shape
    void = eval_sid == VOID
    pred = eval_sid
    if void.any() and not void.all():
        dist, nearest = cv2.distanceTransformWithLabels(void.astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
        lut = np.full(int(nearest.max()) + 1, VOID, np.uint8)
        lut[nearest[~void]] = eval_sid[~void]
        pred = lut[nearest]
        pred[dist > rng.uniform(0.02, 0.1) * max(h, w)] = VOID
    pred = jitter_labels(pred, rng)
    confuse = _confusions(spec)
    for _ in range(int(rng.integers(1, 4))):
        window, inside = _blob(rng, (h, w), scale=0.07)
        region = pred[window]
        region[inside] = confuse[region[inside]]
    return pred


@dataclass(frozen=True, eq=False)
class SynthInstance:
    """One predicted instance: a mask crop placed at (top, left) in the image.

    Attributes
    ----------
    category_id : int
        Eval sid (a thing, rarely a stuff class).
    score : float
        Confidence with 2 decimals (so ties occur), in [0.01, 0.99].
    mask : (h, w) bool
        The mask inside its crop; never empty.
    top, left : int
        Position of the crop in the image.
    """

    category_id: int
    score: float
    mask: NDArray[np.bool_]
    top: int
    left: int

    def full_mask(self, height: int, width: int) -> NDArray[np.uint8]:
        """(height, width) uint8 mask, 1 inside, in Fortran order (what pycocotools encodes)."""
        full = np.zeros((height, width), np.uint8, order="F")
        h, w = self.mask.shape
        full[self.top : self.top + h, self.left : self.left + w] = self.mask
        return full


def _segment_boxes(keys: NDArray[np.int32], selected: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Distinct keys among ``selected`` pixels (ascending) and their boxes (K, 4): y0, x0, y1, x1 (end exclusive)."""
    h, w = keys.shape
    counts = np.bincount(keys[selected], minlength=1)
    present = np.flatnonzero(counts)
    if len(present) == 0:
        return present.astype(np.int64), np.zeros((0, 4), np.int64)
    index = np.zeros(len(counts), np.int64)
    index[present] = np.arange(1, len(present) + 1)
    k = np.where(selected, index[np.where(selected, keys, 0)], 0)  # 0 = not selected
    n = len(present) + 1
    # one histogram of (row, key) and one of (column, key) give every box at once
    by_row = np.bincount((k + n * np.arange(h)[:, None]).ravel(), minlength=n * h).reshape(h, n)[:, 1:] > 0
    by_col = np.bincount((k + n * np.arange(w)[None, :]).ravel(), minlength=n * w).reshape(w, n)[:, 1:] > 0
    y0, y1 = by_row.argmax(0), h - by_row[::-1].argmax(0)
    x0, x1 = by_col.argmax(0), w - by_col[::-1].argmax(0)
    return present.astype(np.int64), np.stack([y0, x0, y1, x1], 1).astype(np.int64)


def _crop(mask: NDArray[np.bool_], top: int, left: int, category_id: int = 0, score: float = 0.0) -> SynthInstance | None:
    """An instance from a mask trimmed to its content; None when the mask is empty."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if len(rows) == 0:
        return None
    trimmed = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].copy()
    return SynthInstance(category_id, score, trimmed, top + int(rows[0]), left + int(cols[0]))


def _score(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.clip(round(float(rng.uniform(low, high)), 2), 0.01, 0.99))


def predict_instances(
    uids: NDArray[np.int32], spec: EvalSpec, rng: np.random.Generator, *, gt: GtLabels | None = None
) -> list[SynthInstance]:
    """An instance segmentation network's detections for a ground truth.

    Every GT thing instance is detected with a perturbed mask (:func:`perturb_mask`), except a few
    missed ones (small ones more often); some get a confused category or a low score (< 0.5);
    some are detected twice (overlapping duplicates); 1-3 spurious detections appear, the first
    over a void region when there is one; crowds are often detected as one instance; rarely an
    instance has a stuff category. Scores have 2 decimals, so ties occur; sometimes two are forced
    equal and one is exactly 0.5. An image without GT things gets no detections at all.

    Parameters
    ----------
    uids : (H, W) int32
    spec : EvalSpec
    rng : numpy.random.Generator
    gt : GtLabels, optional
        ``gt_eval_labels(uids, spec)`` when already computed.

    Returns
    -------
    list of SynthInstance, in shuffled (not score) order.
    """
    gt = gt_eval_labels(uids, spec) if gt is None else gt
    eval_sid, sid_iid = gt.eval_sid, gt.sid_iid
    h, w = eval_sid.shape
    is_thing_px = spec.is_thing[eval_sid]
    if not is_thing_px.any():
        return []
    things = sorted(spec.things)
    confuse = _confusions(spec)
    keys, boxes = _segment_boxes(sid_iid, is_thing_px)
    side = max(h, w)
    out: list[SynthInstance] = []

    def detect(key: int, box: tuple[int, int, int, int], strength: float, category: int, score: float) -> None:
        y0, x0, y1, x1 = box
        margin = 2 + round(0.1 * max(y1 - y0, x1 - x0) * strength)
        y0, x0, y1, x1 = max(0, y0 - margin), max(0, x0 - margin), min(h, y1 + margin), min(w, x1 + margin)
        found = _crop(perturb_mask(sid_iid[y0:y1, x0:x1] == key, rng, strength=strength), y0, x0, category, score)
        if found is not None:
            out.append(found)

    for key, box in zip(keys.tolist(), boxes.tolist(), strict=True):
        y0, x0, y1, x1 = box
        window = eval_sid[y0:y1, x0:x1][sid_iid[y0:y1, x0:x1] == key]
        category = int(window[0])
        crowd = key <= MAX_SID
        p_miss = (0.5 if crowd else 0.08) + (0.3 if len(window) < (0.01 * side) ** 2 else 0.0)
        if rng.random() < p_miss:
            continue
        if rng.random() < 0.06 and spec.is_thing[confuse[category]]:
            category = int(confuse[category])
        score = _score(rng, 0.05, 0.49) if rng.random() < 0.12 else _score(rng, 0.5, 0.99)
        detect(key, box, 1.0, category, score)
        if rng.random() < 0.15:  # a duplicate detection of the same object
            detect(key, box, 2.5, category, _score(rng, 0.2, 0.8))

    void_rows, void_cols = np.nonzero(eval_sid == VOID)
    for k in range(int(rng.integers(1, 4))):  # spurious detections, the first one on void when there is any
        center = None
        if k == 0 and len(void_rows):
            j = int(rng.integers(len(void_rows)))
            center = (float(void_rows[j]), float(void_cols[j]))
        (rows, cols), inside = _blob(rng, (h, w), center, scale=0.05)
        found = _crop(inside, rows.start, cols.start, things[int(rng.integers(len(things)))], _score(rng, 0.05, 0.9))
        if found is not None:
            out.append(found)

    if rng.random() < 0.2:  # rare: an instance with a stuff category
        stuff_rows, stuff_cols = np.nonzero((spec.category_index[eval_sid] >= 0) & ~is_thing_px)
        if len(stuff_rows):
            j = int(rng.integers(len(stuff_rows)))
            category = int(eval_sid[stuff_rows[j], stuff_cols[j]])
            (rows, cols), inside = _blob(rng, (h, w), (float(stuff_rows[j]), float(stuff_cols[j])), scale=0.06)
            found = _crop(inside & (eval_sid[rows, cols] == category), rows.start, cols.start, category, _score(rng, 0.5, 0.9))
            if found is not None:
                out.append(found)

    def rescore(j: int, score: float) -> None:
        out[j] = SynthInstance(out[j].category_id, score, out[j].mask, out[j].top, out[j].left)

    if len(out) >= 2 and rng.random() < 0.5:  # an exact tie between two instances
        a, b = (int(v) for v in rng.choice(len(out), 2, replace=False))
        rescore(b, out[a].score)
    if out and rng.random() < 0.5:  # the confidence threshold itself (0.5 is kept)
        rescore(int(rng.integers(len(out))), 0.5)
    return [out[int(j)] for j in rng.permutation(len(out))]


def coco_rle(mask: NDArray[np.uint8] | NDArray[np.bool_]) -> dict[str, object]:
    """COCO RLE of a (H, W) mask, JSON-ready: ``{"size": [H, W], "counts": str}``."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8, copy=False)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


def _part_partners(spec: EvalSpec) -> NDArray[np.int32]:
    """(10000,) eval sid_pid -> another part of the same class (cyclic), identity for the rest."""
    lut = np.arange(SID_PID_TABLE_SIZE, dtype=np.int32)
    by_class: dict[int, list[int]] = {}
    for sid_pid in sorted(int(k) for k in spec.file.eval_sid_pid2eval_pid_flat):
        by_class.setdefault(sid_pid // 100, []).append(sid_pid)
    for members in by_class.values():
        if len(members) > 1:
            lut[members] = members[1:] + members[:1]
    return lut


def predict_part_sid_pids(
    uids: NDArray[np.int32], spec: EvalSpec, rng: np.random.Generator, *, gt: GtLabels | None = None
) -> NDArray[np.int32]:
    """A part segmentation network's output, as eval sid_pids (turn into flat ids with :func:`flat_part_ids`).

    Parameters
    ----------
    uids : (H, W) int32
    spec : EvalSpec
        Folding and ``dataset_sid_pid2eval_sid_pid`` (the CPP default and grouped specs share them).
    rng : numpy.random.Generator
    gt : GtLabels, optional
        ``gt_eval_labels(uids, spec)`` when already computed.

    Returns
    -------
    (H, W) int32 eval sid_pids that have a flat id in ``spec`` (0 elsewhere), with wobbly part
    boundaries and a few blobs where a part is mistaken for another part of the same class.
    """
    gt = gt_eval_labels(uids, spec) if gt is None else gt
    flat = _flat_lut(spec)
    parts = np.where(flat[gt.eval_sid_pid] > 0, gt.eval_sid_pid, 0).astype(np.int32)
    parts = jitter_labels(parts, rng)
    partners = _part_partners(spec)
    for _ in range(int(rng.integers(2, 6))):
        window, inside = _blob(rng, parts.shape, scale=0.04)
        region = parts[window]
        region[inside] = partners[region[inside]]
    return parts


def flat_part_ids(eval_sid_pids: NDArray[np.int32], spec: EvalSpec) -> NDArray[np.uint8]:
    """Map eval sid_pids to the flat part ids of ``spec`` (``eval_sid_pid2eval_pid_flat``; 0 = none).

    Parameters
    ----------
    eval_sid_pids : (H, W) int32, values in 0..9999
    spec : EvalSpec

    Returns
    -------
    (H, W) uint8
    """
    return _flat_lut(spec)[eval_sid_pids]


def predict_pps(
    uids: NDArray[np.int32], spec: EvalSpec, rng: np.random.Generator, *, gt: GtLabels | None = None
) -> NDArray[np.uint8]:
    """A part-aware panoptic prediction made directly from a perturbed ground truth.

    Boundaries wobble; about 10% of the instances are missed (left unassigned); crowds are
    predicted as one instance; 1-2 spurious instances appear (not in images without GT things);
    a few part blobs are mistaken for another part of the class.

    Parameters
    ----------
    uids : (H, W) int32
    spec : EvalSpec
    rng : numpy.random.Generator
    gt : GtLabels, optional
        ``gt_eval_labels(uids, spec)`` when already computed.

    Returns
    -------
    (H, W, 3) uint8 ``[class, instance, part]``: class = eval sid (255 where GT is void or the
    instance was missed), instance = per-category counter 1, 2, ... for things and 1 for stuff,
    part = eval pid for parts classes (255 where unknown) and 1 for other classes; unassigned
    pixels are 255/0/0.
    """
    gt = gt_eval_labels(uids, spec) if gt is None else gt
    h, w = gt.eval_sid.shape
    source = _displacement(rng, (h, w), *_default_amplitude((h, w)))
    cls, sid_iid, eval_sid_pid = (_resample(a, source) for a in (gt.eval_sid, gt.sid_iid, gt.eval_sid_pid))
    thing = spec.is_thing[cls]
    has_things = bool(thing.any())

    present = np.flatnonzero(np.bincount(sid_iid[thing], minlength=1))
    inst_lut = np.zeros(int(present.max(initial=0)) + 1, np.uint8)
    missed = np.zeros(len(inst_lut), bool)
    counters: dict[int, int] = {}
    for key in present.tolist():  # ascending: crowd keys (sids) first, then sid * 1000 + iid
        category = key if key <= MAX_SID else key // 1000
        if key > MAX_SID and rng.random() < 0.1:
            missed[key] = True
            continue
        counters[category] = min(255, counters.get(category, 0) + 1)
        inst_lut[key] = counters[category]
    key = np.where(thing, sid_iid, 0)
    inst = np.where(thing, inst_lut[key], 1).astype(np.uint8)
    own_part = (eval_sid_pid >= 100) & (eval_sid_pid // 100 == cls)
    part = np.where(own_part, eval_sid_pid % 100, VOID).astype(np.uint8)
    part[~spec.is_parts[cls]] = PART_FOR_NON_PARTS_CLASS
    unassigned = (cls == VOID) | (thing & missed[key])
    cls[unassigned], inst[unassigned], part[unassigned] = VOID, 0, NO_PART

    partners = _part_partners(spec)
    for _ in range(int(rng.integers(1, 4))):
        window, inside = _blob(rng, (h, w), scale=0.04)
        region_cls, region_part = cls[window], part[window]
        inside &= spec.is_parts[region_cls] & (region_part != VOID)
        region_part[inside] = partners[region_cls[inside].astype(np.int32) * 100 + region_part[inside]] % 100
    if has_things:
        things = sorted(spec.things)
        for _ in range(int(rng.integers(1, 3))):
            category = things[int(rng.integers(len(things)))]
            window, inside = _blob(rng, (h, w), scale=0.05)
            counters[category] = min(255, counters.get(category, 0) + 1)
            cls[window][inside] = category
            inst[window][inside] = counters[category]
            part[window][inside] = VOID if spec.is_parts[category] else PART_FOR_NON_PARTS_CLASS
    return np.stack([cls, inst, part], axis=-1)


def render_photo(
    uids: NDArray[np.int32], dataset_spec: DatasetSpec, rng: np.random.Generator, *, gt: GtLabels | None = None
) -> NDArray[np.uint8]:
    """A fake RGB "photo" of a ground truth: class colors with smooth shading, part tints and noise.

    Parameters
    ----------
    uids : (H, W) int32
    dataset_spec : DatasetSpec
        Colors per sid (``scene_class2color``).
    rng : numpy.random.Generator
    gt : GtLabels, optional
        Decoded ``uids`` (only ``sid`` and ``pid`` are used) when already computed.

    Returns
    -------
    (H, W, 3) uint8 RGB.
    """
    if gt is None:
        decoded = decode_uids(uids)
        sid, pid = decoded.sid, decoded.pid
    else:
        sid, pid = gt.sid, gt.pid
    h, w = sid.shape
    colors = dataset_spec.colors
    photo = colors[np.minimum(sid, len(colors) - 1)].astype(np.float32)
    coarse = rng.normal(0.0, 0.08, size=(max(2, h // 32 + 1), max(2, w // 32 + 1))).astype(np.float32)
    shade = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    shade += np.linspace(0.95, 0.8, h, dtype=np.float32)[:, None]
    shade -= np.float32(0.1) * (pid % 3).astype(np.float32)
    noise = rng.integers(16, 33, size=(h, w), dtype=np.uint8).astype(np.float32)
    photo *= shade[..., None]
    photo += noise[..., None]
    np.clip(photo, 0, 255, out=photo)
    return photo.astype(np.uint8)


# ============================================================================ the demo dataset


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate_demo` wrote.

    Attributes
    ----------
    out_dir : Path
    dataset : str
        "cityscapes" or "pascal".
    eval_spec : str
        Bundled EvalSpec the predictions use ("cpp-default" or "ppp-default").
    image_ids : tuple of str
        In generation order, which is also ascending order; the last image has no things when
        there are at least two images.
    gt_dir, images_dir, semantic_dir, instances_dir, cityscapes_dir, parts_dir, pps_dir : Path
    parts_grouped_dir : Path or None
        Flat ids of ``cpp-grouped`` (cityscapes only).
    instances_json : Path
        The single COCO results file.
    num_gt_instances : int
        Thing instances with an iid in the ground truth, all images.
    num_pred_instances : int
        Predicted instances, all images (the same in every instance format).
    """

    out_dir: Path
    dataset: str
    eval_spec: str
    image_ids: tuple[str, ...]
    gt_dir: Path
    images_dir: Path
    semantic_dir: Path
    instances_json: Path
    instances_dir: Path
    cityscapes_dir: Path
    parts_dir: Path
    parts_grouped_dir: Path | None
    pps_dir: Path
    num_gt_instances: int
    num_pred_instances: int

    @property
    def num_images(self) -> int:
        return len(self.image_ids)

    @property
    def predictions_dir(self) -> Path:
        return self.out_dir / "predictions"


def demo_image_ids(dataset: SynthDataset, num_images: int) -> list[str]:
    """Image ids of a demo dataset, ascending.

    Cityscapes: ``frankfurt_000000_000019``, ... for the first half, then ``lindau_...``;
    pascal: ``2008_000123``, ``2008_000130``, ... (equal lengths: no id is a substring of another).
    """
    if dataset == "cityscapes":
        first = (num_images + 1) // 2
        return [
            f"{CPP_CITIES[0 if i < first else 1]}_000000_{19 + 20 * (i if i < first else i - first):06d}"
            for i in range(num_images)
        ]
    return [f"2008_{123 + 7 * i:06d}" for i in range(num_images)]


def _city(image_id: str) -> str:
    return image_id.split("_", 1)[0]


def _check_demo_args(dataset: str, num_images: int, height: int, width: int, seed: int, mask_paths: str) -> None:
    if dataset not in DEFAULT_EVAL_SPEC:
        raise PpsError("--dataset", f"expected 'cityscapes' or 'pascal', got {dataset!r}")
    if not 1 <= num_images <= MAX_DEMO_IMAGES:
        raise PpsError("--num-images", f"expected 1..{MAX_DEMO_IMAGES}, got {num_images}")
    for option, value in (("--height", height), ("--width", width)):
        if not MIN_SIDE <= value <= MAX_SIDE:
            raise PpsError(option, f"expected {MIN_SIDE}..{MAX_SIDE} pixels, got {value}")
    if seed < 0:
        raise PpsError("--seed", f"expected a non-negative integer, got {seed}")
    if mask_paths not in ("txt", "root"):
        raise PpsError("--mask-paths", f"expected 'txt' or 'root', got {mask_paths!r}")


def generate_demo(
    out_dir: Path,
    *,
    dataset: SynthDataset = "cityscapes",
    num_images: int = 4,
    height: int = 256,
    width: int = 512,
    seed: int = 0,
    on_image: Callable[[str], None] | None = None,
    pascal_part_void: bool = False,
    pascal_int_ids: bool = True,
    mask_paths: Literal["txt", "root"] = "txt",
) -> DemoSummary:
    """Write a synthetic dataset with ground truth, fake photos and predictions in every input format.

    Layout (``<id>`` is the image id, ``<city>`` its Cityscapes city)::

        gt/<city>/<id>_gtFinePanopticParts.tif      cityscapes (gt/<id>.tif for pascal): int32 uids
        images/<id>_gtFine_leftImg8bit.png          fake photo (pascal: images/<id>.png)
        predictions/semantic/<id>.png               uint8 eval sids, 255 = void
        predictions/instances.json                  COCO results for all images
        predictions/instances/<id>.json             the same, one list per image
        predictions/cityscapes/<city>/<id>_pred.txt "masks/<id>_<k>.png <labelID> <score>" lines
        predictions/cityscapes/<city>/masks/<id>_<k>.png   0/255 masks (pascal: no <city>/ level)
        predictions/parts/<id>.png                  uint8 flat part ids of the default spec
        predictions/parts_grouped/<id>.png          cityscapes: flat part ids of cpp-grouped
        predictions/pps/<id>.png                    RGB [class, instance, part] from a perturbed GT

    Parameters
    ----------
    out_dir : Path
        Created if needed; files are written to a staging folder and moved in at the end, so a
        failure leaves ``out_dir`` as it was. Existing files with other names are kept.
    dataset : {"cityscapes", "pascal"}
    num_images, height, width : int
    seed : int
        Image ``i`` uses ``np.random.default_rng(seed + i)``: the same arguments give
        byte-identical files.
    on_image : callable, optional
        Called with each image id once its files are written.
    pascal_part_void : bool
        Put pid-00 (part-void) pixels in PASCAL ground truth too (the reference crashes on them).
    pascal_int_ids : bool
        Write the COCO ``image_id`` of odd PASCAL images as ``int(id)`` (the reference silently
        drops those instances); False writes every id as the string id.
    mask_paths : {"txt", "root"}
        Cityscapes-format mask paths relative to the txt's folder (the Cityscapes convention) or
        to ``predictions/cityscapes`` (what the reference reads). Identical for pascal, whose txt
        files sit in ``predictions/cityscapes`` itself.

    Returns
    -------
    DemoSummary

    Raises
    ------
    PpsError
        For an unknown dataset or ``mask_paths``, a size outside 16..8192, a number of images
        outside 1..10000 or a negative seed.

    Notes
    -----
    Image 0 always has crowd pixels (and, in cityscapes, a person-like region with an
    out-of-range pid such as ``24iid05``); other even images have crowd pixels too. The last image
    (when there are two or more) has no things and no predicted instances. For pascal, COCO
    ``image_id`` is written as ``int(id)`` (``2008000123``) for odd images and as the string id
    for even ones.
    """
    _check_demo_args(dataset, num_images, height, width, seed, mask_paths)
    out_dir = Path(out_dir)
    cityscapes = dataset == "cityscapes"
    spec_name = DEFAULT_EVAL_SPEC[dataset]
    spec = _spec(spec_name)
    grouped = _spec("cpp-grouped") if cityscapes else None
    ids = demo_image_ids(dataset, num_images)
    all_instances: list[dict[str, object]] = []
    num_gt = 0
    with staged_output(out_dir) as stage:
        for i, image_id in enumerate(ids):
            rng = np.random.default_rng(seed + i)
            no_things = num_images >= 2 and i == num_images - 1
            uids = make_scene(
                rng,
                height,
                width,
                dataset,
                things=not no_things,
                crowd=i % 2 == 0 and not no_things,
                part_void=cityscapes or pascal_part_void,
                odd_pid=cityscapes and i == 0,
            )
            gt = gt_eval_labels(uids, spec)
            num_gt += int(np.count_nonzero(np.bincount(gt.sid_iid[uids > MAX_SID], minlength=1)))
            city = f"{_city(image_id)}/" if cityscapes else ""
            write_uid_tiff(stage / "gt" / (f"{city}{image_id}{CPP_GT_SUFFIX}" if cityscapes else f"{image_id}.tif"), uids)
            photo = render_photo(uids, spec.dataset, rng, gt=gt)
            write_png(stage / "images" / (f"{image_id}{CPP_IMAGE_SUFFIX}" if cityscapes else f"{image_id}.png"), photo)

            pred = stage / "predictions"
            write_png(pred / "semantic" / f"{image_id}.png", predict_semantic(uids, spec, rng, gt=gt))
            coco_id: str | int = int(image_id) if not cityscapes and pascal_int_ids and i % 2 == 1 else image_id
            instances = predict_instances(uids, spec, rng, gt=gt)
            entries = _write_instances(pred, city, image_id, coco_id, instances, (height, width), mask_paths == "root")
            all_instances.extend(entries)
            part_sid_pids = predict_part_sid_pids(uids, spec, rng, gt=gt)
            write_png(pred / "parts" / f"{image_id}.png", flat_part_ids(part_sid_pids, spec))
            if grouped is not None:
                write_png(pred / "parts_grouped" / f"{image_id}.png", flat_part_ids(part_sid_pids, grouped))
            write_png(pred / "pps" / f"{image_id}.png", predict_pps(uids, spec, rng, gt=gt))
            if on_image is not None:
                on_image(image_id)
        write_json(stage / "predictions" / "instances.json", all_instances, indent=None)
    pred_dir = out_dir / "predictions"
    return DemoSummary(
        out_dir=out_dir,
        dataset=dataset,
        eval_spec=spec_name,
        image_ids=tuple(ids),
        gt_dir=out_dir / "gt",
        images_dir=out_dir / "images",
        semantic_dir=pred_dir / "semantic",
        instances_json=pred_dir / "instances.json",
        instances_dir=pred_dir / "instances",
        cityscapes_dir=pred_dir / "cityscapes",
        parts_dir=pred_dir / "parts",
        parts_grouped_dir=pred_dir / "parts_grouped" if cityscapes else None,
        pps_dir=pred_dir / "pps",
        num_gt_instances=num_gt,
        num_pred_instances=len(all_instances),
    )


def _write_instances(
    pred: Path,
    city: str,
    image_id: str,
    coco_id: str | int,
    instances: list[SynthInstance],
    shape: tuple[int, int],
    root_relative: bool,
) -> list[dict[str, object]]:
    """Write one image's instances as COCO JSON and in Cityscapes format; return the COCO entries."""
    entries: list[dict[str, object]] = []
    lines = []
    for k, inst in enumerate(instances):
        h, w = inst.mask.shape
        rows, cols = slice(inst.top, inst.top + h), slice(inst.left, inst.left + w)
        by_column = np.zeros(shape[::-1], np.uint8)  # (W, H) C order is the (H, W) Fortran order pycocotools reads
        by_column[cols, rows] = inst.mask.T
        rle = coco_rle(by_column.T)
        entries.append({"image_id": coco_id, "category_id": inst.category_id, "segmentation": rle, "score": inst.score})
        mask = np.zeros(shape, np.uint8)
        mask[rows, cols] = inst.mask * np.uint8(255)  # the reference reads only 255 as "in the mask"
        mask_path = f"masks/{image_id}_{k}.png"  # relative to the txt's folder (Cityscapes convention)
        write_png(pred / "cityscapes" / city / mask_path, mask)
        listed = f"{city}{mask_path}" if root_relative else mask_path
        lines.append(f"{listed} {inst.category_id} {inst.score!r}\n")
    write_json(pred / "instances" / f"{image_id}.json", entries, indent=None)
    write_bytes_atomic(pred / "cityscapes" / city / f"{image_id}_pred.txt", "".join(lines).encode("ascii"))
    return entries
