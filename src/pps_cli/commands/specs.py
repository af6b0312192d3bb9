"""`pps specs`: list the bundled EvalSpecs or show one."""

from __future__ import annotations

from typing import Annotated

import typer

from ..constants import BUNDLED_EVAL_SPECS
from ._common import complete_eval_spec, stdout_console, user_errors, warn


def specs_command(
    name: Annotated[
        str | None,
        typer.Argument(
            help="A bundled name or an EvalSpec path to show; omit to list the bundled specs.", autocompletion=complete_eval_spec
        ),
    ] = None,
) -> None:
    """List the bundled EvalSpecs, or show the categories of one (validated)."""
    from rich.table import Table

    from ..specs import load_eval_spec

    with user_errors():
        if name is None:
            table = Table(title="Bundled EvalSpecs")
            for column in ("name", "file", "dataset", "categories", "parts classes"):
                table.add_column(column)
            for short in BUNDLED_EVAL_SPECS:
                spec = load_eval_spec(short)
                table.add_row(
                    short,
                    spec.path.name,
                    spec.dataset.file.name or spec.dataset.path.name,
                    str(len(spec.eval_sids)),
                    str(len(spec.parts)),
                )
            stdout_console().print(table)
            return
        spec = load_eval_spec(name)
    for message in spec.warnings:
        warn(message)
    table = Table(title=f"{spec.name}: {spec.path}")
    for column in ("index", "eval sid", "name", "kind", "parts (flat id: name)"):
        table.add_column(column)
    for index, sid in enumerate(spec.eval_sids):
        kind = ("thing" if sid in spec.things else "stuff") + (", parts" if sid in spec.parts else "")
        flats = [
            f"{flat}: {spec.file.eval_pid_flat2scene_part_label.get(flat, '?')}"
            for sid_pid, flat in spec.file.eval_sid_pid2eval_pid_flat.items()
            if sid_pid // 100 == sid
        ]
        table.add_row(str(index), str(sid), spec.category_name(sid), kind, ", ".join(flats))
    stdout_console().print(table)
