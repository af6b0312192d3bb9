"""Start-up: `pps --help` and option parsing import none of the heavy modules a command may need.

Measured as what is imported (in a fresh interpreter), not as time: timings belong in `make bench`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("numpy", "cv2", "yaml", "pycocotools", "isal", "multiprocessing", "pps_cli.demo.synth", "pps_cli.specs", "pps_cli.io", "pps_cli.parallel")
"""What a command imports when it runs, never for help or option parsing."""

NOT_BEFORE_BODY = ("pydantic", "typer._adapters", "rich.console", "rich.progress", "rich.table", "typer.rich_utils", "markdown_it", "pygments")
"""What neither help nor option parsing needs: pydantic (Typer's option conversion, replaced by
pps_cli.commands._option_values), rich (consoles are made on first use) and Typer's rich help."""

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


def _heavy(modules: set[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in heavy))


# Every command's callback replaced by a stub that records the modules imported when the body would start.
TO_BODY_PROBE = """
import functools, json, sys
from typer.testing import CliRunner
from pps_cli.cli import app
reached = []
def stop(callback):
    @functools.wraps(callback)
    def stub(*args, **kwargs):
        reached.append(sorted(sys.modules))
    return stub
for command in app.registered_commands:
    command.callback = stop(command.callback)
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "output": result.output, "modules": reached[0] if reached else None}))
"""


def _imported_at_body(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", TO_BODY_PROBE, *args], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["exit"] == 0 and report["modules"] is not None, report["output"]
    return set(report["modules"])


def test_help_imports_no_heavy_module():
    exit_code, modules = _imported("--help")
    assert exit_code == 0
    assert _heavy(modules) == [] and _heavy(modules, NOT_BEFORE_BODY) == []


@pytest.mark.parametrize("command", ["panoptic", "pps", "evaluate", "run", "demo", "visualize", "pq", "stats", "report", "compare"])
def test_command_help_imports_no_heavy_module(command):
    exit_code, modules = _imported(command, "--help")
    assert exit_code == 0
    assert _heavy(modules) == [] and _heavy(modules, NOT_BEFORE_BODY) == []


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """Empty stand-ins for every input a command checks while parsing (existence and kind only)."""
    root = tmp_path_factory.mktemp("inputs")
    for folder in ("gt", "parts", "semantic", "panoptic", "pred", "run-a"):
        (root / folder).mkdir()
    for file in ("images.json", "instances.json", "panoptic.json", "a.json"):
        (root / file).write_text("{}")
    return root


def _command_args(root: Path) -> dict[str, list[str]]:
    """Valid arguments of each command, with values of every option type (str, int, float, Enum, Path, lists)."""
    r = str(root)
    spec, gt, images = ["-s", "cpp-default"], ["--gt", f"{r}/gt"], ["--images", f"{r}/images.json"]
    return {
        "panoptic": [*spec, "--semantic", f"{r}/semantic", "--instances", f"{r}/instances.json", *images, "-o", f"{r}/out",
                     "--format", "COCO", "--confidence-thr", "0.25", "--overlap-thr", "1", "--stuff-area-limit", "10", "-j", "2"],
        "pps": [*spec, "--panoptic-dir", f"{r}/panoptic", "--panoptic-json", f"{r}/panoptic.json", "--parts", f"{r}/parts",
                *images, "-o", f"{r}/out", "--panoptic-ids", "contiguous", "--no-parts-check"],
        "evaluate": [*spec, *gt, "--pred", f"{r}/pred", *images, "-o", "-", "--metrics", "pq", "--percent", "-j", "1"],
        "pq": [*spec, *gt, *images, "--pred-json", f"{r}/panoptic.json", "--pred-dir", f"{r}/panoptic", "--per-class"],
        "run": [*spec, *gt, "--parts", f"{r}/parts", "--semantic", f"{r}/semantic", "--instances", f"{r}/instances.json",
                "-o", f"{r}/out", "--format", "auto", "--ids", "a,b"],
        "stats": [f"{r}/gt", *spec, "-o", "-"],
        "visualize": [*spec, "-o", f"{r}/out", *gt, "--pred", f"{r}/pred", "--scale", "0.5", "--no-legend"],
        "report": [f"{r}/a.json", f"{r}/run-a", "-o", f"{r}/report.html", "-l", "a", "-l", "b", "--worst", "3"],
        "compare": [f"{r}/a.json", f"{r}/run-a", "--top", "5", "--json"],
        "demo": [f"{r}/demo", "--dataset", "pascal", "-n", "2", "--height", "32", "--width", "64"],
        "images-json": [f"{r}/gt", "-o", "-", "--dataset", "cityscapes"],
        "specs": ["cpp-default"],
    }  # fmt: skip


@pytest.mark.parametrize("command", list(_command_args(Path("/"))))
def test_option_parsing_imports_neither_pydantic_nor_rich(command, inputs):
    """Up to the first line of a command's body: no pydantic (Typer's option conversion) and no rich."""
    modules = _imported_at_body(command, *_command_args(inputs)[command])
    assert _heavy(modules, NOT_BEFORE_BODY) == [] and _heavy(modules) == []


def test_numpy_version_is_read_without_importing_numpy():
    probe = "import sys; from pps_cli._compat import _installed_numpy; v, _ = _installed_numpy(); print(v, 'numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    version, imported = done.stdout.split()
    import numpy

    assert (version, imported) == (numpy.__version__, "False")
