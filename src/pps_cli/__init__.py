"""pps: part-aware panoptic segmentation tools (merging, PartPQ / PQ / mIoU evaluation) that match the reference.

Library entry points (docs/api.md): :class:`Evaluator` (in-memory evaluation),
:func:`merge_panoptic` and :func:`merge_pps` (the pure merge kernels). They are imported on first
access, so ``import pps_cli`` stays fast and never imports torch.
"""

from importlib import import_module
from typing import Any

from ._compat import check_environment

check_environment()

_LAZY = {
    "Evaluator": ".api",
    "merge_panoptic": ".merge.panoptic",
    "merge_pps": ".merge.pps",
}

__all__ = ["Evaluator", "__version__", "merge_panoptic", "merge_pps"]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # looked up on first use: importlib.metadata costs ~40 ms of `pps --help`
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("pps-cli")
        except PackageNotFoundError:  # running from a source tree without installation
            value = "0.0.0+unknown"
        globals()["__version__"] = value
        return value
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})
