"""Shared helpers for the reference drivers.

Runs under the reference venv /work/refenv (Python 3.9, numpy<2, panoptic-parts==2.0rc6);
used only to produce golden test data. Nothing here changes a number the reference computes:
it only resolves paths, pins worker counts and seeds, and keeps the reference from prompting.
"""

import builtins
import os
import os.path as op
import re
import sys
import tempfile

HERE = op.dirname(op.abspath(__file__))
SHARED_DATASET_SPECS = op.normpath(op.join(HERE, "..", "..", "..", "shared", "reference", "specs", "dataset_specs"))
if not op.isdir(SHARED_DATASET_SPECS):
    SHARED_DATASET_SPECS = "/work/shared/reference/specs/dataset_specs"


def log(*args):
    print("[ref]", *args, file=sys.stderr, flush=True)


def check_env():
    # The reference orders categories by iterating a Python set of eval sids (eval_spec.py:
    # list(set(dataset_sid2eval_sid.values()) - {'IGNORED'})). For specs with sids >= the set's
    # table size that order is not ascending and can depend on str hashing: pin the hash seed so
    # golden data is reproducible (the category order used is written to the meta files).
    if os.environ.get("PYTHONHASHSEED") is None:
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    import numpy as np
    import panoptic_parts

    if int(np.__version__.split(".")[0]) >= 2:
        sys.exit("numpy>=2 in this interpreter: the reference needs numpy<2 (use /work/refenv/bin/python)")
    if panoptic_parts.__version__ != "2.0rc6":
        sys.exit(f"panoptic_parts {panoptic_parts.__version__} found, expected 2.0rc6")


def no_prompts():
    """The reference asks `input('Overwrite ...')` before overwriting results; answer 'y'."""
    builtins.input = lambda *a, **k: "y"


def bundled_specs_dir():
    import panoptic_parts

    return op.join(op.dirname(panoptic_parts.__file__), "specs")


_DSP_RE = re.compile(r"^(dataset_spec_path\s*:\s*)(.*?)\s*$", re.M)


def resolve_eval_spec(eval_spec_path, workdir):
    """Return the path of a copy of the EvalSpec whose `dataset_spec_path` is absolute.

    The reference opens `dataset_spec_path` relative to the current directory
    (official files say `panoptic_parts/specs/dataset_specs/...`). Resolution order:
    as given (cwd), relative to the EvalSpec's folder, then by file name in
    /work/shared/reference/specs/dataset_specs, then among the specs bundled in the installed package.
    Only that one line of the YAML text is rewritten; the copy keeps the original file name
    (the reference derives its results file name from it).
    """
    eval_spec_path = op.abspath(eval_spec_path)
    with open(eval_spec_path) as fd:
        text = fd.read()
    m = _DSP_RE.search(text)
    if m is None:
        raise SystemExit(f"{eval_spec_path}: no dataset_spec_path line found")
    raw = m.group(2).split(" #")[0].strip().strip('"').strip("'")
    candidates = [
        op.abspath(raw),
        op.join(op.dirname(eval_spec_path), raw),
        op.join(SHARED_DATASET_SPECS, op.basename(raw)),
        op.join(bundled_specs_dir(), "dataset_specs", op.basename(raw)),
    ]
    for c in candidates:
        if op.isfile(c):
            resolved = op.abspath(c)
            break
    else:
        raise SystemExit(f"dataset_spec_path {raw!r} not found; tried: {candidates}")
    new_text = text[: m.start(2)] + resolved + text[m.end(2) :]
    out = op.join(workdir, op.basename(eval_spec_path))
    with open(out, "w") as fd:
        fd.write(new_text)
    log(f"dataset_spec_path {raw!r} -> {resolved}")
    return out


def make_workdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)
