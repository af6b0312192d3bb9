"""The ``pps`` command line: one Typer app, thin commands (see ``pps_cli.commands``)."""

from __future__ import annotations

from typing import Annotated

import typer

from .commands.demo import demo_command
from .commands.evaluate import evaluate_command
from .commands.images_json import images_json_command
from .commands.panoptic import panoptic_command
from .commands.pps import pps_command
from .commands.pq import pq_command
from .commands.run import run_command
from .commands.specs import specs_command
from .commands.stats import stats_command
from .commands.visualize import visualize_command
from .memory import keep_freed_memory

app = typer.Typer(
    name="pps",
    help="Part-aware panoptic segmentation: merge predictions and compute PartPQ, "
    "with the numbers of the panoptic_parts reference.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

app.command("images-json")(images_json_command)
app.command("panoptic")(panoptic_command)
app.command("pps")(pps_command)
app.command("evaluate")(evaluate_command)
app.command("pq")(pq_command)
app.command("run")(run_command)
app.command("specs")(specs_command)
app.command("demo")(demo_command)
app.command("visualize")(visualize_command)
app.command("stats")(stats_command)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"pps {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Part-aware panoptic segmentation: merge predictions and compute PartPQ."""
    keep_freed_memory()


def main() -> None:
    app()
