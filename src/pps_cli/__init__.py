"""pps: part-aware panoptic segmentation tools (merging, PartPQ evaluation) that match the reference."""

from typing import Any


def __getattr__(name: str) -> Any:
    # The version is looked up on first use: importlib.metadata costs ~40 ms, a third of `pps --help`.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("pps-cli")
        except PackageNotFoundError:  # running from a source tree without installation
            value = "0.0.0+unknown"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
