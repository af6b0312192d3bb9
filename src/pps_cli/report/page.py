"""The ``pps report`` page: one self-contained HTML file rendered from a jinja2 template.

Everything is inside the file: CSS inline, charts as inline SVG (:mod:`.charts`), images as PNG
data URIs (:mod:`.thumbnails`), and the data of the page once, as JSON in a
``<script type="application/json" id="pps-data">`` element (for anyone who wants the numbers).
No script runs, nothing is fetched: the page works from ``file://`` and as a mail attachment.
Autoescaping is on: class names and labels come from user files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jinja2

from .. import __version__
from ..error_view import CODE_COLORS, CODE_NAMES, FN, FP, FP_FN
from . import charts
from .compare import Comparison, compare
from .runs import Run, available_class_metrics, class_names, class_value, eval_spec_info
from .thumbnails import run_spec, worst_images

TEMPLATE = "report.html.j2"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("pps_cli.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _css(color: Any) -> str:
    return "rgb({}, {}, {})".format(*(int(c) for c in color))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _delta(value: float | None) -> str:
    return "" if value is None else f"{100 * value:+.1f}"


def _category_rows(runs: Sequence[Run], names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for sid, name in names.items():
        first = next((r.results["categories"][sid] for r in runs if sid in r.results.get("categories", {})), {})
        cells = []
        for run in runs:
            category = run.results.get("categories", {}).get(sid)
            cells.append(
                {
                    "PartPQ": _pct(class_value(run.results, sid, "PartPQ")),
                    "PQ": _pct(class_value(run.results, sid, "PQ")),
                    "IoU": _pct(class_value(run.results, sid, "IoU")),
                    "tp": "-" if category is None else category.get("tp", "-"),
                    "fp": "-" if category is None else category.get("fp", "-"),
                    "fn": "-" if category is None else category.get("fn", "-"),
                }
            )
        kind = ("thing" if first.get("is_thing") else "stuff") + (", parts" if first.get("has_parts") else "")
        rows.append({"sid": sid, "name": name, "kind": kind, "cells": cells})
    return rows


def _cards(comparison: Comparison, runs: Sequence[Run]) -> list[dict[str, Any]]:
    cards = []
    for row in comparison.summary:
        cards.append(
            {
                "title": row.title,
                "values": [
                    {
                        "label": run.label,
                        "color": charts.run_color(k),
                        "value": _pct(row.values[k]),
                        "delta": "" if k == 0 else _delta(row.deltas[k - 1]),
                        "sign": "" if k == 0 or not row.deltas[k - 1] else ("up" if row.deltas[k - 1] > 0 else "down"),
                        "best": row.winner == k,
                    }
                    for k, run in enumerate(runs)
                ],
            }
        )
    return cards


def _run_info(run: Run, k: int) -> dict[str, Any]:
    spec = eval_spec_info(run.results)
    return {
        "label": run.label,
        "color": charts.run_color(k),
        "path": str(run.path),
        "spec": spec.get("name", "-"),
        "spec_path": spec.get("path", "-"),
        "dataset_spec": spec.get("dataset_spec", "-"),
        "gt": run.results.get("gt", "-"),
        "predictions": run.results.get("predictions", "-"),
        "num_images": run.results.get("num_images", "-"),
        "pps_version": run.results.get("pps_version", "-"),
        "per_image": "-" if run.per_image_path is None else str(run.per_image_path),
    }


def _class_charts(runs: Sequence[Run], names: dict[str, str]) -> list[dict[str, str]]:
    """Bars of PartPQ and PQ per class (IoU is in the table only)."""
    labels = [run.label for run in runs]
    result = []
    for key, metric_title in available_class_metrics(runs):
        if key == "IoU":
            continue
        # classes no run counts (no TP, FP or FN anywhere) have no bar to show: left to the table
        shown = [sid for sid in names if any(class_value(run.results, sid, key) is not None for run in runs)]
        values = [[class_value(run.results, sid, key) for sid in shown] for run in runs]
        svg = charts.class_bars([f"{sid} {names[sid]}" for sid in shown], values, labels, metric=metric_title)
        hidden = len(names) - len(shown)
        note = f"{hidden} classes with no TP, FP or FN in any run are left out (they are in the table)" if hidden else ""
        result.append({"title": f"{metric_title} per class", "svg": svg, "note": note})
    return result


def _worst_sections(runs: Sequence[Run], worst: int) -> list[dict[str, Any]]:
    """Per run with per-image results: its ``worst`` images, with the other runs' PartPQ on each."""
    part_pq = [{str(r["image_id"]): r.get("PartPQ") for r in run.per_image or ()} for run in runs]
    sections = []
    for k, run in enumerate(runs):
        if run.per_image is None or worst <= 0:
            continue
        items = []
        for image in worst_images(run, worst, run_spec(run)):
            others = [
                {"label": other.label, "value": _pct(part_pq[j][image.image_id])}
                for j, other in enumerate(runs)
                if j != k and image.image_id in part_pq[j]
            ]
            pq = None if image.pq is None else _pct(image.pq)
            items.append({"image": image, "part_pq": _pct(image.part_pq), "pq": pq, "others": others})
        sections.append({"label": run.label, "color": charts.run_color(k), "images": items})
    return sections


def _error_legend() -> list[dict[str, str]]:
    """Name and CSS background of every error-view color (FP and FN hatched as in the images)."""
    legend = [{"name": name, "color": _css(CODE_COLORS[code])} for code, name in enumerate(CODE_NAMES)]
    legend[FP_FN]["color"] = f"repeating-linear-gradient(45deg, {_css(CODE_COLORS[FP])} 0 3px, {_css(CODE_COLORS[FN])} 3px 6px)"
    return legend


def render_report(runs: Sequence[Run], *, title: str | None = None, worst: int = 6) -> str:
    """The HTML page of one or more runs (see the module docstring and docs/report.md).

    Parameters
    ----------
    runs : sequence of Run
        The first run is the baseline of every difference.
    title : str, optional
        Page title (default: ``pps report: <labels>``).
    worst : int
        Number of worst images shown per run (0: none).
    """
    labels = [run.label for run in runs]
    comparison = compare(runs)
    names = class_names(runs)
    per_image = [[float(r["PartPQ"]) for r in run.per_image or () if isinstance(r.get("PartPQ"), int | float)] for run in runs]
    data = {
        "pps_version": __version__,
        "runs": [{"label": r.label, "results": r.results, "per_image": r.per_image} for r in runs],
        "comparison": comparison.as_json(),
    }
    template = _environment().get_template(TEMPLATE)
    return template.render(
        title=title or "pps report: " + ", ".join(labels),
        pps_version=__version__,
        runs=[_run_info(run, k) for k, run in enumerate(runs)],
        cards=_cards(comparison, runs),
        class_charts=_class_charts(runs, names),
        class_metrics=[key for key, _ in available_class_metrics(runs)],
        class_rows=_category_rows(runs, names),
        distribution=charts.distribution(per_image, labels) if any(per_image) else None,
        worst_sections=_worst_sections(runs, worst),
        error_legend=_error_legend(),
        data=data,
    )
