"""Label values with a fixed meaning, named once (see docs/formats.md and docs/metrics.md)."""

VOID = 255
"""Void label in predictions: class channel of unassigned pixels, part channel of unlabeled parts."""

NO_INFO = 0
"""Decoded value meaning "no information" (no instance id, no part id)."""

NO_PART = 0
"""Part id of a pixel with no part label."""

PART_FOR_NON_PARTS_CLASS = 1
"""Part channel value written for pixels of classes evaluated without parts."""

MAX_UID = 9_999_999
"""Largest valid ground-truth uid (7 digits: sid * 100000 + iid * 100 + pid)."""

MAX_SID = 99
MAX_IID = 999
MAX_PID = 99

SID_PID_TABLE_SIZE = 100 * 100
"""Size of lookup tables indexed by sid_pid (sid * 100 + pid, both < 100)."""

STUFF_AREA_LIMIT = 1024
CONFIDENCE_THRESHOLD = 0.5
OVERLAP_THRESHOLD = 0.5

BUNDLED_EVAL_SPECS = {
    "cpp-default": "eval_specs/ppq_cpp_19_23_cvpr21_default_evalspec.yaml",
    "cpp-grouped": "eval_specs/ppq_cpp_19_23_cvpr21_grouped_evalspec.yaml",
    "ppp-default": "eval_specs/ppq_ppp_59_57_cvpr21_default_evalspec.yaml",
    "ppp-107": "eval_specs/ppq_ppp_59_107_cvpr21_default_evalspec.yaml",
}
"""Short names of the bundled EvalSpecs -> their file under the specs folder (here, not in specs.py,
so that option help and completion need no YAML or pydantic import)."""
BUNDLED_DATASET_SPECS = {
    "cpp": "dataset_specs/cpp_datasetspec.yaml",
    "ppp": "dataset_specs/ppp_datasetspec.yaml",
}

PANOPTIC_DIR = "panoptic"
PANOPTIC_JSON = "panoptic.json"
"""Where `pps panoptic` writes its PNGs and JSON inside its output folder."""
PPS_DIR = "pps"
"""Where `pps run` writes the PPS PNGs inside its output folder."""

METRICS: tuple[str, ...] = ("partpq", "pq", "miou")
"""The metrics `pps evaluate` can compute, in their canonical order (here so option help needs no metrics import)."""

STDOUT = "-"
"""The output path that means standard output (JSON outputs only)."""
