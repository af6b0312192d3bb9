"""Evaluations to look at: ``results.json`` files of ``pps evaluate`` or ``pps run`` output folders.

A :class:`Run` is one evaluation with a label and, when found, its per-image records. Metric
values are read through :func:`metric_value` / :func:`class_value`, which return None for what an
evaluation does not have (older files have PartPQ only: no ``pq`` or ``miou`` key).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PpsError, summarize_list
from ..io import read_bytes, read_json

RESULTS_NAME = "results.json"
PER_IMAGE_NAME = "per_image.jsonl"


@dataclass(frozen=True)
class Run:
    """One evaluation.

    Attributes
    ----------
    label : str
        Its name on the page and in tables (file stem, folder name or ``--label``).
    path : Path
        The results file.
    results : dict
        The parsed results file (keys as written by ``pps evaluate -o``).
    per_image : tuple of dict or None
        The per-image records (``--per-image`` / ``per_image.jsonl``), None when not found.
    per_image_path : Path or None
    """

    label: str
    path: Path
    results: dict[str, Any]
    per_image: tuple[dict[str, Any], ...] | None
    per_image_path: Path | None


def _results_path(source: Path) -> Path:
    if source.is_dir():
        path = source / RESULTS_NAME
        if not path.is_file():
            raise PpsError(source, f"no {RESULTS_NAME} in this folder (expected a pps run output folder or a results file)")
        return path
    return source


def _per_image_path(results: Path) -> Path | None:
    """The per-image file beside a results file: ``per_image.jsonl`` (pps run), ``<stem>.jsonl``,
    ``<stem>_per_image.jsonl`` or ``<stem>.per_image.jsonl``."""
    names = [f"{results.stem}.jsonl", f"{results.stem}_per_image.jsonl", f"{results.stem}.per_image.jsonl"]
    if results.name == RESULTS_NAME:
        names.insert(0, PER_IMAGE_NAME)
    for name in names:
        if (results.parent / name).is_file():
            return results.parent / name
    return None


def _default_label(source: Path, results: Path) -> str:
    if source.is_dir() or results.name == RESULTS_NAME:
        return results.resolve().parent.name or results.stem
    return results.stem


def read_per_image(path: Path) -> tuple[dict[str, Any], ...]:
    """Parse a per-image JSONL file (one JSON object per line, blank lines skipped)."""
    records = []
    for n, line in enumerate(read_bytes(path).decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise PpsError(path, f"line {n}: malformed JSON: {e.msg}") from None
        if not isinstance(record, dict) or "image_id" not in record:
            raise PpsError(path, f"line {n}: not a per-image record of pps evaluate (no image_id)")
        records.append(record)
    return tuple(records)


def load_run(source: str | os.PathLike[str], label: str | None = None) -> Run:
    """Load one evaluation from a results file or a ``pps run`` output folder.

    Raises
    ------
    PpsError
        Missing or malformed file, or JSON that is not a results file of ``pps evaluate``.
    """
    source = Path(source)
    path = _results_path(source)
    results = read_json(path)
    if not (isinstance(results, dict) and all(isinstance(results.get(key), dict) for key in ("summary", "categories"))):
        raise PpsError(path, "not a results file of pps evaluate (no 'summary' and 'categories'; write one with -o)")
    malformed = [sid for sid, category in results["categories"].items() if not isinstance(category, dict)]
    if malformed:
        raise PpsError(path, f"'categories' entries must be objects, got {summarize_list(malformed)}")
    per_image_path = _per_image_path(path)
    per_image = read_per_image(per_image_path) if per_image_path is not None else None
    return Run(label or _default_label(source, path), path, results, per_image, per_image_path)


def load_runs(sources: Sequence[str | os.PathLike[str]], labels: Sequence[str] | None = None) -> list[Run]:
    """Load several evaluations; labels default to file stems (folder names), made unique.

    Raises
    ------
    PpsError
        No input, or a number of ``--label`` values other than the number of inputs.
    """
    if not sources:
        raise PpsError("RESULTS", "give at least one results.json or pps run output folder")
    if labels and len(labels) != len(sources):
        raise PpsError("--label", f"{len(labels)} labels for {len(sources)} results; give one per results file, in order")
    runs = [load_run(source, labels[n] if labels else None) for n, source in enumerate(sources)]
    seen: dict[str, int] = {}
    unique = []
    for run in runs:
        count = seen.get(run.label, 0) + 1
        seen[run.label] = count
        unique.append(run if count == 1 else dataclasses.replace(run, label=f"{run.label} ({count})"))
    return unique


# ----------------------------------------------------------------------------- reading values

SUMMARY_METRICS: tuple[tuple[str, str], ...] = (
    ("PartPQ", "PartPQ all"),
    ("PartPQ_parts", "PartPQ parts"),
    ("PartPQ_no_parts", "PartPQ no-parts"),
    ("PQ", "PQ all"),
    ("PQ_things", "PQ things"),
    ("PQ_stuff", "PQ stuff"),
    ("mIoU", "mIoU"),
    ("part_mIoU", "part mIoU"),
)
"""(key, title) of every summary value, in the order of the summary cards."""

CLASS_METRICS: tuple[tuple[str, str], ...] = (("PartPQ", "PartPQ"), ("PQ", "PQ"), ("IoU", "IoU"))


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def eval_spec_info(results: dict[str, Any]) -> dict[str, Any]:
    """The ``eval_spec`` object of a results file (name, path, dataset_spec); empty when absent or not an object."""
    info = results.get("eval_spec")
    return info if isinstance(info, dict) else {}


def metric_value(results: dict[str, Any], key: str) -> float | None:
    """A summary value (one of :data:`SUMMARY_METRICS`), None when absent or undefined."""
    path = {
        "PartPQ": ("summary", "all", "PartPQ"),
        "PartPQ_parts": ("summary", "parts", "PartPQ"),
        "PartPQ_no_parts": ("summary", "no_parts", "PartPQ"),
        "PQ": ("pq", "All", "pq"),
        "PQ_things": ("pq", "Things", "pq"),
        "PQ_stuff": ("pq", "Stuff", "pq"),
        "mIoU": ("miou", "scene", "mIoU"),
        "part_mIoU": ("miou", "parts", "mIoU"),
    }[key]
    value = _get(results, *path)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def class_value(results: dict[str, Any], sid: str, key: str) -> float | None:
    """A per-class value (``PartPQ``, ``PQ`` or ``IoU``) of eval sid ``sid``; None when absent
    or when the class is not counted (no TP, FP or FN)."""
    if key == "PartPQ":
        category = _get(results, "categories", sid)
        if not isinstance(category, dict) or not category.get("counted", True):
            return None
        value = category.get("PartPQ")
    elif key == "PQ":
        category = _get(results, "pq", "per_class", sid)
        if not isinstance(category, dict) or category.get("tp", 0) + category.get("fp", 0) + category.get("fn", 0) == 0:
            return None
        value = category.get("pq")
    else:
        value = _get(results, "miou", "scene", "per_class", sid)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def class_names(runs: Sequence[Run]) -> dict[str, str]:
    """Eval sid -> name over all runs (first run's name wins), sorted by sid."""
    names: dict[str, str] = {}
    for run in runs:
        for sid, category in run.results.get("categories", {}).items():
            names.setdefault(str(sid), str(category.get("name", f"class {sid}")))
    return dict(sorted(names.items(), key=lambda item: int(item[0]) if item[0].isdigit() else 1 << 30))


def available_metrics(runs: Sequence[Run]) -> list[tuple[str, str]]:
    """Summary metrics present in at least one run."""
    return [(key, title) for key, title in SUMMARY_METRICS if any(metric_value(r.results, key) is not None for r in runs)]


def available_class_metrics(runs: Sequence[Run]) -> list[tuple[str, str]]:
    """Per-class metrics present in at least one run."""
    names = class_names(runs)
    return [
        (key, title)
        for key, title in CLASS_METRICS
        if any(class_value(r.results, sid, key) is not None for r in runs for sid in names)
    ]
