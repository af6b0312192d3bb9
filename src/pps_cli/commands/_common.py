"""What every command shares: consoles, error and interrupt handling, options, output checks, progress.

How a command adopts the shared conventions (existing and new commands alike):

- **Errors and interrupts.** Wrap the body in ``with user_errors():``. A :class:`PpsError` becomes one
  line ``error: <where>: <problem>`` and exit 2; Ctrl-C or SIGTERM becomes ``interrupted`` and exit
  130 (staging folders and worker pools clean up on the way out). The root group in ``cli.py``
  applies the same mapping around every command and turns Click's usage errors into one line too.
- **Options.** Reuse the ``*Option`` aliases below (``EvalSpecOption``, ``WorkersOption``,
  ``ImagesOption``, ``OverwriteOption``, ``PercentOption``, ``InstanceFormatOption``...). Numbers go
  through :func:`number_option` (range in the help, NaN/inf rejected, ``error: --x: must be >= 1``).
  Choices are Enums (:class:`Dataset`, :class:`InstanceFormat`): listed in the help, tab-completed.
- **Outputs.** Before any work, declare every output and input: ``check_outputs([output_file(o,
  "--output"), output_folder(d, "--output", files=...)], inputs=[(gt, "--gt")], overwrite=overwrite)``.
  It rejects folder/file mix-ups, paths below a file, unwritable places, outputs colliding with each
  other or lying inside an input folder, and existing outputs without ``--overwrite`` (one rule for
  every command). Then write through ``io.staged_outputs()`` / ``io.staged_output()`` so a failure
  leaves every output as it was. ``-o -`` means standard output for JSON files
  (``io.write_output``); print human output with :func:`human_console` then.
- **Messages.** :func:`say` prints a success line (never wrapped), :func:`warn` a warning;
  :func:`fmt_metric` formats a metric for tables (``--percent``).
"""

from __future__ import annotations

import contextlib
import enum
import functools
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..constants import BUNDLED_EVAL_SPECS, STDOUT
from ..errors import PpsError, summarize_list

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from ..specs import EvalSpec

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a Ctrl-C


@functools.cache
def stdout_console() -> Console:
    """The console of stdout (created on first use: rich.console costs ~30 ms of every start-up)."""
    from rich.console import Console

    return Console()


@functools.cache
def stderr_console() -> Console:
    """The console of stderr (created on first use, like :func:`stdout_console`)."""
    from rich.console import Console

    return Console(stderr=True)


def print_error(message: str) -> None:
    """Print ``error: <message>`` as one red line on stderr (newlines folded, never wrapped)."""
    one_line = " ".join(str(message).split())
    err = stderr_console()
    err.print("[bold red]error:[/] ", end="", markup=True, highlight=False)
    err.print(one_line, markup=False, highlight=False, soft_wrap=True)


def print_interrupted() -> None:
    stderr_console().print("interrupted", markup=False, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Map a :class:`PpsError` to one line and exit 2, Ctrl-C/SIGTERM to ``interrupted`` and exit 130."""
    try:
        yield
    except PpsError as e:
        print_error(str(e))
        raise typer.Exit(code=EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        print_interrupted()
        raise typer.Exit(code=EXIT_INTERRUPTED) from None


def say(message: str, *, console: Console | None = None) -> None:
    """Print a success line on stdout (or ``console``) as one line, however narrow the terminal or pipe."""
    (console or stdout_console()).print(message, markup=False, highlight=False, soft_wrap=True)


def say_wrote(*paths: Path | None, console: Console) -> None:
    """``wrote PATH`` for each output given, except ``-`` (standard output)."""
    for path in paths:
        if path is not None and os.fspath(path) != STDOUT:
            say(f"wrote {path}", console=console)


def human_console(*paths: Path | None) -> Console:
    """Where tables and success lines go: stdout, or stderr when an output is written to stdout (``-o -``)."""
    to_stdout = any(p is not None and os.fspath(p) == STDOUT for p in paths)
    return stderr_console() if to_stdout else stdout_console()


def warn(message: str) -> None:
    """Print a warning line on stderr."""
    err = stderr_console()
    err.print("[yellow]warning:[/] ", end="", markup=True, highlight=False)
    err.print(" ".join(str(message).split()), markup=False, highlight=False, soft_wrap=True)


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


def _range_text(minimum: float | None, maximum: float | None, *, above: bool) -> str:
    low = None if minimum is None else f"{'>' if above else '>='} {minimum:g}"
    if maximum is None:
        return f"must be {low}"
    if low is None:
        return f"must be <= {maximum:g}"
    return f"must be {low} and <= {maximum:g}"


def check_number(
    minimum: float | None = None, maximum: float | None = None, *, above: bool = False
) -> Callable[[Any, Any, Any], Any]:
    """A Click callback: reject NaN, infinities and values outside [minimum, maximum] (``above``: > minimum)."""
    rule = _range_text(minimum, maximum, above=above)

    def callback(ctx: Any, param: Any, value: Any) -> Any:
        if value is None or getattr(ctx, "resilient_parsing", False):
            return value
        if isinstance(value, float) and not math.isfinite(value):
            raise typer.BadParameter(f"must be a finite number, got {value}")
        low_ok = minimum is None or (value > minimum if above else value >= minimum)
        if not low_ok or (maximum is not None and value > maximum):
            raise typer.BadParameter(rule)
        return value

    return callback


def number_option(*names: str, help: str, minimum: float | None = None, maximum: float | None = None, above: bool = False) -> Any:
    """A ``typer.Option`` for a number: its range is checked (and shown in the help); NaN is refused."""
    rule = _range_text(minimum, maximum, above=above).replace("must be ", "")
    return typer.Option(*names, help=f"{help} ({rule})", callback=check_number(minimum, maximum, above=above))


class Dataset(str, enum.Enum):
    """Dataset layouts (see ``pps images-json``)."""

    cityscapes = "cityscapes"
    pascal = "pascal"


class Layout(str, enum.Enum):
    """A dataset layout, or detection from the files."""

    auto = "auto"
    cityscapes = "cityscapes"
    pascal = "pascal"


class InstanceFormat(str, enum.Enum):
    """Formats of instance predictions (see ``pps panoptic``)."""

    auto = "auto"
    coco = "coco"
    cityscapes = "cityscapes"


WorkersOption = Annotated[
    int | None,
    number_option("--workers", "-j", help="Worker processes (default: number of CPUs). Results do not depend on it.", minimum=1),
]
ImagesOption = Annotated[
    Path,
    typer.Option("--images", help="images.json listing the images (see `pps images-json`).", exists=True, dir_okay=False),
]
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace outputs that already exist (without it, they are an error).")
]
PercentOption = Annotated[
    bool, typer.Option("--percent", help="Show metrics in tables as percentages (x100, 2 decimals), as papers report them.")
]
InstanceFormatOption = Annotated[
    InstanceFormat,
    typer.Option("--format", help="Instance format (auto: from the files found).", case_sensitive=False),
]


def fmt_metric(value: float | None, *, percent: bool = False) -> str:
    """A metric for a table: ``-`` for None, 4 decimals, or a percentage with 2 decimals."""
    if value is None:
        return "-"
    return f"{100 * value:.2f}" if percent else f"{value:.4f}"


# ----------------------------------------------------------------------------- the output plan


@dataclass(frozen=True)
class Output:
    """One output of a command, for :func:`check_outputs`; build it with :func:`output_file` / :func:`output_folder`."""

    path: Path | None
    option: str
    folder: bool = False
    files: tuple[tuple[str, str], ...] | None = None
    whole: bool = False


def output_file(path: str | os.PathLike[str] | None, option: str) -> Output:
    """A file output (``None``: not requested; ``-``: standard output)."""
    return Output(None if path is None else Path(path), option)


def output_folder(
    path: str | os.PathLike[str] | None,
    option: str,
    *,
    files: Iterable[tuple[str, str]] | None = None,
    whole: bool = False,
) -> Output:
    """A folder output.

    Parameters
    ----------
    files : iterable of (relative path, what writes it), optional
        The files the command will write there: checked for collisions and, without
        ``--overwrite``, for existing ones. Omit when the command checks its own files.
    whole : bool
        The folder's whole content is the output (replaced with ``--overwrite``): without it a
        non-empty folder is an error, and no input may lie inside.
    """
    return Output(None if path is None else Path(path), option, True, None if files is None else tuple(files), whole)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _inside(path: Path, folder: Path) -> bool:
    return path != folder and folder in path.parents


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(path.anchor or ".")


def _check_place(output: Output) -> None:
    path = output.path
    assert path is not None
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except OSError as e:  # e.g. a name too long for the file system (Path.is_dir raises ENAMETOOLONG)
        raise PpsError(path, f"cannot be used: {(e.strerror or str(e)).lower()} ({output.option})") from None
    if is_dir and not output.folder:
        raise PpsError(path, f"is a folder, expected a file ({output.option})")
    if exists and not is_dir and output.folder:
        raise PpsError(path, f"is a file, expected a folder ({output.option})")
    existing = _nearest_existing(path.parent if not output.folder else path)
    if existing.exists() and not existing.is_dir():
        raise PpsError(path, f"{existing} is a file, so nothing can be written below it ({output.option})")
    probe_dir = existing if existing.is_dir() else existing.parent
    import tempfile  # here, not at the top: ~2 ms of every start-up, needed only once outputs are checked

    try:  # a real probe: permission bits do not tell (root, read-only mounts, ACLs)
        fd, probe = tempfile.mkstemp(dir=probe_dir, prefix=".pps-write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise PpsError(path, f"cannot write in {probe_dir}: {(e.strerror or str(e)).lower()} ({output.option})") from None


def check_outputs(
    outputs: Sequence[Output],
    *,
    inputs: Sequence[tuple[str | os.PathLike[str] | None, str]] = (),
    overwrite: bool = False,
) -> None:
    """Check a command's outputs before any work is done (see the module docstring).

    Raises
    ------
    PpsError
        Naming the output path: wrong kind (folder/file), below a file, not writable, two outputs on
        the same path (or one inside the other, or two files of a folder with one name), an output
        inside an input folder or equal to an input, an input inside a ``whole`` output folder, or
        an existing output without ``overwrite``.
    """
    given = [o for o in outputs if o.path is not None]
    to_stdout = [o for o in given if os.fspath(o.path) == STDOUT]  # type: ignore[arg-type]
    for o in to_stdout:
        if o.folder:
            raise PpsError(STDOUT, f"{o.option} is a folder; standard output takes JSON files only")
    if len(to_stdout) > 1:
        raise PpsError(STDOUT, f"{' and '.join(o.option for o in to_stdout)} cannot both write to standard output")
    files = [o for o in given if o not in to_stdout]
    for o in files:
        _check_place(o)
    real = {id(o): _real(o.path) for o in files}  # type: ignore[arg-type]
    for i, a in enumerate(files):
        for b in files[i + 1 :]:
            ra, rb = real[id(a)], real[id(b)]
            if ra == rb:
                raise PpsError(b.path, f"given as both {a.option} and {b.option}")
            for inner, outer in ((a, b), (b, a)):
                if outer.folder and _inside(real[id(inner)], real[id(outer)]):
                    raise PpsError(inner.path, f"{inner.option} is inside the output folder of {outer.option}")
    for o in files:
        if o.files is None:
            continue
        owners: dict[str, str] = {}
        for name, what in o.files:
            if name in owners:
                raise PpsError(o.path / name, f"would be written twice ({owners[name]} and {what})")  # type: ignore[operator]
            owners[name] = what
    for input_path, input_option in inputs:
        if input_path is None:
            continue
        ri = _real(Path(input_path))
        for o in files:
            ro = real[id(o)]
            if ro == ri:
                raise PpsError(o.path, f"{o.option} is the same path as the input {input_option}; choose another {o.option}")
            if _inside(ro, ri):
                raise PpsError(o.path, f"{o.option} is inside the input folder {input_option}; choose another {o.option}")
            if o.whole and _inside(ri, ro):
                raise PpsError(o.path, f"{o.option} holds the input {input_option} ({input_path}); choose another {o.option}")
    cwd = _real(Path.cwd())
    for o in files:
        if o.whole and overwrite and (real[id(o)] == cwd or real[id(o)] in cwd.parents):
            raise PpsError(o.path, f"{o.option} holds the current folder, whose content --overwrite would replace")
    if overwrite:
        return
    for o in files:
        path = o.path
        assert path is not None
        if not o.folder:
            if os.path.lexists(path):
                raise PpsError(path, f"already exists (given as {o.option}); add --overwrite to replace it")
        elif o.whole:
            if path.is_dir() and any(path.iterdir()):
                raise PpsError(path, f"folder is not empty (given as {o.option}); add --overwrite to replace its content")
        elif o.files is not None:
            existing = [name for name, _ in o.files if os.path.lexists(path / name)]
            if existing:
                raise PpsError(
                    path,
                    f"{len(existing)} outputs already exist ({summarize_list(existing, 3)}); add --overwrite to replace them",
                )


def load_spec(name_or_path: str) -> EvalSpec:
    """Load an EvalSpec and print its warnings."""
    from ..specs import load_eval_spec

    spec = load_eval_spec(name_or_path)
    for message in spec.warnings:
        warn(message)
    return spec


def resolve_workers(workers: int | None) -> int:
    from ..parallel import default_workers  # multiprocessing: imported when a command runs, not for --help

    return default_workers() if workers is None else workers


def progress_bar() -> Progress:
    """A rich progress bar on stderr: count, images/s, elapsed time and ETA.

    Disabled when stderr is not a terminal, so logs and captured stderr hold only messages.
    """
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

    class ImagesPerSecondColumn(ProgressColumn):
        """Throughput of a task in images per second."""

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("  -.- img/s" if speed is None else f"{speed:5.1f} img/s", style="progress.data.speed")

    err = stderr_console()
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
