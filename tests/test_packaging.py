"""The install story stays consistent: README's test command is what CI runs; declared and checked minimums agree."""

from __future__ import annotations

import re
from pathlib import Path

from pps_cli._compat import MIN_NUMPY, MIN_PYTHON

ROOT = Path(__file__).parents[1]


def test_ci_runs_the_readme_test_command_verbatim():
    first_block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)
    assert first_block is not None
    test_command = next(line for line in first_block.group(1).splitlines() if line.endswith("-m pytest"))
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install = test_command.removesuffix(" && .venv/bin/python -m pytest")
    assert install in ci.splitlines()
    assert "run_pytest .venv/bin/python -m pytest" in ci


def test_pyproject_minimums_are_the_ones_checked_at_import():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'requires-python = ">={".".join(map(str, MIN_PYTHON))}"' in pyproject
    assert f'"numpy>={".".join(map(str, MIN_NUMPY))}"' in pyproject
    assert re.search(r'^torch = \["torch>=[\d.]+", "torchmetrics>=[\d.]+"\]$', pyproject, flags=re.M)
