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


# ----------------------------------------------------------------------------- option values without pydantic


def _params_by_annotation():
    """Every (command, parameter) of the app, after the root group gave them their converters."""
    import typer.main

    from pps_cli.commands._option_values import convert_without_pydantic

    group = typer.main.get_command(app)
    ctx = typer.Context(group)
    found = []
    for name, command in [("", group), *group.commands.items()]:
        params = command.get_params(ctx)
        convert_without_pydantic(params)
        found += [(name, param) for param in params if getattr(param, "type_descriptor", None) is not None]
    return typer.Context(group), found


def _samples(annotation, where):
    import enum
    import typing
    from pathlib import Path

    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return [tuple(_samples(item, where)[:2]), tuple(_samples(item, where)[-2:]), ()]
    if annotation is str:
        return ["abc", "", " x ", "-", "é"]
    if annotation is bool:
        return [True, False]
    if annotation is int:
        return ["0", "5", "-3", "+7", "0005", " 5 ", "5.0", "1_000", "x", "", "1.5", "1e3", "٣", 3, "9" * 25]
    if annotation is float:
        return ["0.5", "1", "1e3", ".5", "5.", "-0.0", "1E-2", "nan", "inf", "x", " 0.5", "1_0", "0x1", 1, 0.25, "1e400"]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        first = next(iter(annotation))
        return [*(m.value for m in annotation), first.value.upper(), first, "bad", ""]
    if annotation is Path:
        return [str(where / "a-file"), str(where / "a-dir"), str(where / "missing"), "-", "./a-dir/../a-file", "", Path("a-dir"), "a-dir/"]
    raise AssertionError(f"no samples for {annotation}")


def _outcome(converter, value, param, ctx):
    """(value as repr, its type) or the usage error's message (repr: NaN equals NaN)."""
    from pps_cli.cli import click_exceptions

    try:
        converted = converter.coerce(value, param=param, ctx=ctx)
    except click_exceptions.BadParameter as e:
        return ("error", e.message)
    return (repr(converted), type(converted), [type(v) for v in converted] if isinstance(converted, list) else None)


def test_every_option_converts_like_typer_without_pydantic(tmp_path, monkeypatch):
    """Each parameter's fast converter gives Typer's value and type, or Typer's error message, for many inputs."""
    import pytest

    coercion = pytest.importorskip("typer._coercion")
    from pps_cli.commands._option_values import FastOptionValue

    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-dir").mkdir()
    monkeypatch.chdir(tmp_path)
    ctx, params = _params_by_annotation()
    assert len(params) > 100 and all(isinstance(p._runtime_param, FastOptionValue) for _, p in params)
    for command, param in params:
        typers_own = coercion.build_runtime_param(param.type_descriptor)
        for value in [None, *_samples(param.type_descriptor.annotation, tmp_path)]:
            expected = _outcome(typers_own, value, param, ctx)
            assert _outcome(param._runtime_param, value, param, ctx) == expected, (command, param.name, value)


def test_a_typer_without_its_conversion_internals_is_left_to_itself(monkeypatch, tmp_path):
    """On a Typer without pydantic conversion (older, Click-based; or changed): nothing is replaced, same results."""
    from pps_cli.commands import _option_values

    (tmp_path / "gt").mkdir()
    args = ["panoptic", "-s", "cpp-default", "--semantic", str(tmp_path / "gt"), "--instances", str(tmp_path / "gt")]
    cases = [[*args, "--images", str(tmp_path / "none.json"), "-o", "o"], [*args, "--images", str(tmp_path), "-j", "x"]]
    fast = [runner.invoke(app, case).stderr for case in cases]
    monkeypatch.setattr(_option_values, "_typer_internals", lambda: None)
    _, params = _params_by_annotation()
    assert all(param._runtime_param is None for _, param in params)
    assert [runner.invoke(app, case).stderr for case in cases] == fast
    assert fast == [f"error: --images: file '{tmp_path / 'none.json'}' does not exist\n", f"error: --images: file '{tmp_path}' is a directory\n"]


def test_a_converter_typer_already_built_is_kept():
    import pytest
    import typer.main

    pytest.importorskip("typer._coercion")

    from pps_cli.commands._option_values import convert_without_pydantic

    command = typer.main.get_command(app).commands["panoptic"]
    params = [p for p in command.params if getattr(p, "type_descriptor", None) is not None]
    built = object()
    params[0]._runtime_param = built
    assert convert_without_pydantic(params) == len(params) - 1 and params[0]._runtime_param is built


def test_number_strings_convert_like_typer():
    """Property: any short string of number characters gives Typer's int/float value or Typer's error."""
    import pytest
    from hypothesis import given, settings
    from hypothesis import strategies as st

    coercion = pytest.importorskip("typer._coercion")
    ctx, params = _params_by_annotation()
    numbers = {(c, p.name): p for c, p in params if p.type_descriptor.annotation in (int, float)}
    chosen = [numbers[key] for key in (("panoptic", "confidence_thr"), ("panoptic", "stuff_area_limit"), ("compare", "top"))]
    typers_own = [coercion.build_runtime_param(p.type_descriptor) for p in chosen]

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet="0123456789+-._eE in", max_size=10))
    def check(text):
        for param, own in zip(chosen, typers_own, strict=True):
            assert _outcome(param._runtime_param, text, param, ctx) == _outcome(own, text, param, ctx), (param.name, text)

    check()


def test_root_help_lists_each_command_with_its_whole_first_sentence():
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "300"})
    commands = result.output.split("Commands:")[1]
    assert result.exit_code == 0 and "..." not in commands
    assert "  pq           Compute PQ, SQ and RQ exactly as panopticapi's pq_compute, much faster.\n" in result.output


def test_help_is_wrapped_to_the_terminal_up_to_120_columns():
    for columns, longest in (("60", 58), ("100", 98), ("300", 118)):
        lines = runner.invoke(app, ["run", "--help"], env={"COLUMNS": columns}).output.splitlines()
        assert max(map(len, lines)) <= longest and max(map(len, lines)) > longest - 12, columns


def test_first_sentence():
    from pps_cli.cli import first_sentence

    assert first_sentence("Do a thing (x.y, z). Then more.\n\nDetails.") == "Do a thing (x.y, z)."
    assert first_sentence("\bNo stop\nat all") == "No stop at all"
