"""pps: part-aware panoptic segmentation tools (merging, PartPQ evaluation) that match the reference."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pps-cli")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
