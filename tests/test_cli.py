"""CLI wiring: help, version, specs, images-json, and the one-line error convention."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from pps_cli import __version__
from pps_cli.cli import app
from pps_cli.io import write_uid_tiff

runner = CliRunner()


def test_help_lists_subcommands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("images-json", "panoptic", "pps", "evaluate", "specs", "demo", "visualize"):
        assert command in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"pps {__version__}"


def test_specs_list_and_show():
    result = runner.invoke(app, ["specs"])
    assert result.exit_code == 0 and "cpp-grouped" in result.output
    result = runner.invoke(app, ["specs", "ppp-default"])
    assert result.exit_code == 0 and "aeroplane" in result.output


def test_images_json_writes_sorted_entries(tmp_path):
    for image_id in ("b", "a"):
        write_uid_tiff(tmp_path / "gt" / f"{image_id}.tif", np.zeros((2, 3), np.int32))
    result = runner.invoke(app, ["images-json", str(tmp_path / "gt"), "-o", str(tmp_path / "images.json")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "images.json").read_text())
    assert [i["id"] for i in data["images"]] == ["a", "b"] and data["images"][0]["width"] == 3


def test_errors_are_one_line_exit_2_no_output(tmp_path):
    (tmp_path / "gt").mkdir()
    result = runner.invoke(app, ["images-json", str(tmp_path / "gt"), "-o", str(tmp_path / "images.json")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path / 'gt'}: no ground-truth TIFFs found")
    assert not (tmp_path / "images.json").exists()
    assert "Traceback" not in result.output


def test_bad_spec_name_is_one_line():
    result = runner.invoke(app, ["specs", "nope"])
    assert result.exit_code == 2 and result.stderr.startswith("error: nope: EvalSpec not found")


def test_shell_completion_of_spec_names():
    import os
    import subprocess
    import sys
    from pathlib import Path

    pps = Path(sys.executable).parent / "pps"
    env = {**os.environ, "_PPS_COMPLETE": "complete_bash", "COMP_WORDS": "pps specs cpp", "COMP_CWORD": "2"}
    result = subprocess.run([str(pps)], env=env, capture_output=True, text=True, check=False)
    assert result.stdout.split() == ["cpp-default", "cpp-grouped"]


def test_python_dash_m_runs_the_cli():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "pps_cli", "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("pps ")
