"""Start-up: `pps --help` and option parsing import none of the heavy modules a command may need.

Measured as what is imported (in a fresh interpreter), not as time: timings belong in `make bench`.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "cv2", "yaml", "pycocotools", "isal", "multiprocessing", "pps_cli.demo.synth", "pps_cli.specs", "pps_cli.io", "pps_cli.parallel")
"""What a command imports when it runs, never for help or option parsing. (Typer itself imports
pydantic to convert some option values, so only the root help is checked for pydantic.)"""

PROBE = """
import json, sys
from typer.testing import CliRunner
from pps_cli.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "modules": sorted(sys.modules)}))
"""


def _imported(*args: str) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["exit"], set(report["modules"])


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_help_imports_no_heavy_module():
    exit_code, modules = _imported("--help")
    assert exit_code == 0
    assert _heavy(modules) == [] and "pydantic" not in modules


@pytest.mark.parametrize("command", ["panoptic", "pps", "evaluate", "run", "demo", "visualize", "pq", "stats", "report", "compare"])
def test_command_help_imports_no_heavy_module(command):
    exit_code, modules = _imported(command, "--help")
    assert exit_code == 0
    assert _heavy(modules) == []


def test_numpy_version_is_read_without_importing_numpy():
    probe = "import sys; from pps_cli._compat import _installed_numpy; v, _ = _installed_numpy(); print(v, 'numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    version, imported = done.stdout.split()
    import numpy

    assert (version, imported) == (numpy.__version__, "False")
