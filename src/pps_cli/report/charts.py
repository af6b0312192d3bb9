"""Charts of the report: matplotlib figures rendered to inline SVG.

Figures are made with :class:`matplotlib.figure.Figure` directly, never through pyplot: no GUI
backend is selected, no global figure list is touched (what matplotlib recommends for web pages).

Every chart is returned as an ``<svg>`` element ready to be placed in HTML: no XML prolog, no
DOCTYPE, no metadata and no namespace URLs (an HTML parser does not need them), element ids
prefixed per chart so that several charts on one page never share an id, text kept as text
(``svg.fonttype = none``: small, selectable, drawn with the page's font).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

RUN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
"""Color of run k (matplotlib's tab10 cycle), the same in every chart and on the cards."""

_STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "pps-report",  # deterministic ids
    "font.family": "sans-serif",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.axisbelow": True,
}
_counter = itertools.count()


def run_color(k: int) -> str:
    return RUN_COLORS[k % len(RUN_COLORS)]


def figure_to_svg(figure: Figure) -> str:
    """Render a figure as an inline ``<svg>`` element (see the module docstring) and close it."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    prefix = f"c{next(_counter)}-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)
    # scale with the page: drop fixed pt sizes, keep the viewBox
    svg = re.sub(r'^<svg([^>]*?)\swidth="[^"]*"\sheight="[^"]*"', r'<svg\1 class="chart"', svg, count=1)
    return svg.strip()


def class_bars(
    names: Sequence[str], values: Sequence[Sequence[float | None]], labels: Sequence[str], *, metric: str
) -> str:
    """Horizontal bars of one metric per class, one bar per run side by side (x100).

    Parameters
    ----------
    names : sequence of str
        Class names, top to bottom.
    values : sequence (runs) of sequence (classes) of float or None
        None (not counted) draws no bar and a ``-`` at the axis.
    labels : sequence of str
        Run labels (the legend).
    metric : str
        Axis title.
    """
    runs = len(labels)
    height = 0.8 / runs
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(6.0, 0.8 + len(names) * (0.1 + 0.07 * runs)))
        axes = figure.subplots()
        for k, run_values in enumerate(values):
            for c, value in enumerate(run_values):
                y = c + (k - (runs - 1) / 2) * height
                if value is None:
                    axes.text(0.5, y, "-", va="center", fontsize=6, color="#777777")
                else:
                    axes.barh(y, 100 * value, height=height * 0.95, color=run_color(k), label=labels[k] if c == 0 else None)
        axes.set_yticks(range(len(names)), list(names))
        axes.set_ylim(len(names) - 0.5, -0.5)
        axes.set_xlim(0, 100)
        axes.set_xlabel(f"{metric} (x100)")
        axes.grid(axis="y", visible=False)
        if runs > 1:
            axes.legend(loc="lower right", fontsize=8, frameon=True)
        figure.tight_layout()
        return figure_to_svg(figure)


def distribution(values: Sequence[Sequence[float]], labels: Sequence[str]) -> str:
    """Histogram of per-image PartPQ (x100, bins of 5), one outline per run."""
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(6.0, 2.2))
        axes = figure.subplots()
        bins = [5 * b for b in range(21)]
        for k, run_values in enumerate(values):
            axes.hist(
                [100 * v for v in run_values], bins=bins, histtype="stepfilled" if len(values) == 1 else "step",
                linewidth=1.6, color=run_color(k), alpha=0.85, label=f"{labels[k]} ({len(run_values)} images)",
            )  # fmt: skip
        axes.set_xlim(0, 100)
        axes.set_xlabel("PartPQ of the image (x100)")
        axes.set_ylabel("images")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(loc="upper left", fontsize=8)
        figure.tight_layout()
        return figure_to_svg(figure)
