"""ppp-107 (PASCAL-Panoptic-Parts with 107 parts, as TAPPS uses it): PartPQ equals the reference's on golden data.

tests/golden/ppp107/README.md says how the data and the expected values were made.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from pps_cli.cli import app

from .json_compare import max_abs_diff

GOLDEN = Path(__file__).parent / "golden" / "ppp107"
runner = CliRunner()


def _maker():
    spec = importlib.util.spec_from_file_location("make_ppp107_golden", GOLDEN / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_ppp_107_equals_the_reference(tmp_path):
    expected = json.loads((GOLDEN / "expected.json").read_text())
    root = _maker().write_dataset(dict(np.load(GOLDEN / expected["data"])), tmp_path)
    out = tmp_path / "results.json"
    result = runner.invoke(app, ["evaluate", "-s", "ppp-107", "--gt", str(root / "gt"), "--pred", str(root / "pred"),
                                 "-o", str(out), "-j", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    ours = json.loads(out.read_text())
    assert ours["reference"][0][1]["n_p"] > 5  # parts classes are really scored
    assert max_abs_diff(ours["reference"], expected["reference_results"]) <= 1e-9


def test_ppp_107_golden_data_is_reproducible():
    """make_golden.py makes exactly the committed arrays (the reference is only needed for expected.json)."""
    committed = np.load(GOLDEN / "data.npz")
    made = _maker().make_arrays()
    assert sorted(committed.files) == sorted(made)
    for key in made:
        np.testing.assert_array_equal(committed[key], made[key], err_msg=key)
