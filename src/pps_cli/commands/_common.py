"""What every command shares: consoles, the error-to-exit-code mapping, options, progress display."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ..constants import BUNDLED_EVAL_SPECS
from ..errors import PpsError
from ..parallel import default_workers

if TYPE_CHECKING:
    from ..specs import EvalSpec

out = Console()
err = Console(stderr=True)

EXIT_USER_ERROR = 2


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Print a :class:`PpsError` as one red line on stderr and exit with code 2 (no traceback)."""
    try:
        yield
    except PpsError as e:
        err.print(f"[bold red]error:[/] {e}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(code=EXIT_USER_ERROR) from None


def warn(message: str) -> None:
    """Print a warning line on stderr."""
    err.print(f"[yellow]warning:[/] {message}", markup=True, highlight=False, soft_wrap=True)


def complete_eval_spec(incomplete: str) -> list[str]:
    """Shell completion for ``--eval-spec``: the bundled short names."""
    return [name for name in BUNDLED_EVAL_SPECS if name.startswith(incomplete)]


EvalSpecOption = Annotated[
    str,
    typer.Option(
        "--eval-spec",
        "-s",
        help="EvalSpec: a bundled name (" + ", ".join(BUNDLED_EVAL_SPECS) + ") or a YAML path.",
        autocompletion=complete_eval_spec,
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", "-j", min=1, help="Worker processes (default: number of CPUs). Results do not depend on it."),
]
ImagesOption = Annotated[
    Path,
    typer.Option("--images", help="images.json listing the images (see `pps images-json`).", exists=True, dir_okay=False),
]


def load_spec(name_or_path: str) -> EvalSpec:
    """Load an EvalSpec and print its warnings."""
    from ..specs import load_eval_spec

    spec = load_eval_spec(name_or_path)
    for message in spec.warnings:
        warn(message)
    return spec


def resolve_workers(workers: int | None) -> int:
    return default_workers() if workers is None else workers


class ImagesPerSecondColumn(ProgressColumn):
    """Throughput of a task in images per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("  -.- img/s" if speed is None else f"{speed:5.1f} img/s", style="progress.data.speed")


def progress_bar() -> Progress:
    """A rich progress bar on stderr: count, images/s, elapsed time and ETA.

    Disabled when stderr is not a terminal, so logs and captured stderr hold only messages.
    """
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        ImagesPerSecondColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    )
