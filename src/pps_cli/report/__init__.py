"""Looking at results: load evaluations (:mod:`.runs`), compare them (:mod:`.compare`), and the
``pps report`` HTML page (:mod:`.page`, charts in :mod:`.charts`, images in :mod:`.thumbnails`).

:mod:`.runs` and :mod:`.compare` need only the standard library; the page needs the ``report``
extra (matplotlib, jinja2), imported by :mod:`.charts` and :mod:`.page` only, so that
``import pps_cli`` stays free of them. See docs/report.md.
"""

from __future__ import annotations

from ..errors import PpsError

REPORT_EXTRA = "pip install 'pps-cli[report]'"


def require_report_extra() -> None:
    """Raise a one-line :class:`PpsError` when matplotlib or jinja2 cannot be imported."""
    missing = []
    for module in ("matplotlib", "jinja2"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise PpsError("pps report", f"{' and '.join(missing)} not installed; install the report extra: {REPORT_EXTRA}")
