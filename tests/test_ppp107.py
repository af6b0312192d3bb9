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

GOLDEN = Path(__file__).parent / "golden" / "ppp107"
runner = CliRunner()


def _maker():
    spec = importlib.util.spec_from_file_location("make_ppp107_golden", GOLDEN / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _max_abs_diff(a, b) -> float:
    """Largest difference between two JSON trees of the same shape (keys, types, None placement)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        return max((_max_abs_diff(a[k], b[k]) for k in a), default=0.0)
    if isinstance(a, list):
        assert len(a) == len(b)
        return max((_max_abs_diff(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    if a is None or b is None:
        assert a is None and b is None
        return 0.0
    assert type(a) is type(b) or {type(a), type(b)} <= {int, float}
    return abs(a - b)


def test_ppp_107_equals_the_reference(tmp_path):
    expected = json.loads((GOLDEN / "expected.json").read_text())
    root = _maker().write_dataset(dict(np.load(GOLDEN / expected["data"])), tmp_path)
    out = tmp_path / "results.json"
    result = runner.invoke(app, ["evaluate", "-s", "ppp-107", "--gt", str(root / "gt"), "--pred", str(root / "pred"),
                                 "-o", str(out), "-j", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    ours = json.loads(out.read_text())
    assert ours["reference"][0][1]["n_p"] > 5  # parts classes are really scored
    assert _max_abs_diff(ours["reference"], expected["reference_results"]) <= 1e-9


def test_ppp_107_golden_data_is_reproducible():
    """make_golden.py makes exactly the committed arrays (the reference is only needed for expected.json)."""
    committed = np.load(GOLDEN / "data.npz")
    made = _maker().make_arrays()
    assert sorted(committed.files) == sorted(made)
    for key in made:
        np.testing.assert_array_equal(committed[key], made[key], err_msg=key)
