"""The ``pps`` command line: one Typer app, thin commands (see ``pps_cli.commands``).

Root settings every command inherits, new ones included (register them with ``app.command``):
``-h``/``--help``; one-line usage errors (``error: --workers: must be >= 1``, exit 2); PpsError and
Ctrl-C/SIGTERM mapped as in ``commands._common.user_errors``; flags shown without a type
placeholder; Click's plain help, command help paragraphs re-flowed to the terminal (at most
:data:`HELP_MAX_WIDTH` columns); option values converted without pydantic (``commands._option_values``);
``--show-completion [SHELL]`` and ``--install-completion [SHELL]``.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer._completion_classes import completion_init
from typer.core import TyperGroup

from .commands._common import EXIT_USER_ERROR, print_error, user_errors
from .commands._option_values import convert_without_pydantic
from .commands.compare import compare_command
from .commands.demo import demo_command
from .commands.evaluate import evaluate_command
from .commands.images_json import images_json_command
from .commands.panoptic import panoptic_command
from .commands.pps import pps_command
from .commands.pq import pq_command
from .commands.report import report_command
from .commands.run import run_command
from .commands.specs import specs_command
from .commands.stats import stats_command
from .commands.visualize import visualize_command
from .interrupts import sigterm_as_interrupt

try:  # Typer >= 0.16 vendors Click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older Typer on Click
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

HELP_MAX_WIDTH = 120
"""Help is wrapped to the terminal's width (``COLUMNS`` where set), up to this many columns."""
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
_COMPLETION_FLAGS = ("--show-completion", "--install-completion")


def _unwrap(text: str | None) -> str | None:
    """Join the hard-wrapped lines of each paragraph; indented lines (examples) stay as they are."""
    if not text:
        return text
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text.strip("\n")):
        lines = paragraph.splitlines()
        if any(line.startswith((" ", "\t", "\b")) for line in lines[1:]) or paragraph.startswith("\b"):
            paragraphs.append(paragraph)
        else:
            paragraphs.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(paragraphs)


def first_sentence(text: str) -> str:
    """The first sentence of a help text's first paragraph, for the list of commands (Click cuts at ~45 characters)."""
    paragraph = text.strip().split("\n\n", 1)[0].replace("\b", "").strip()
    sentence = re.split(r"(?<=\.)\s", paragraph, maxsplit=1)[0]
    return " ".join(sentence.split())


def _tidy(params: Sequence[Any]) -> None:
    """Flags need no type placeholder (``<bool>``): give them an empty metavar, the help option too."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""


def _prepare(params: Sequence[Any]) -> None:
    """What every command's parameters get before parsing: tidy flags, option values without pydantic."""
    _tidy(params)
    convert_without_pydantic(params)


def _param_name(param: Any) -> str:
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")] or list(getattr(param, "opts", []))
    if getattr(param, "param_type_name", "") == "argument" or not opts:
        return (getattr(param, "metavar", None) or param.name or "argument").upper()
    return opts[0]


def usage_error_line(e: Any) -> str:
    """Click's usage error as one line: ``--workers: must be >= 1``, ``--gt: required, not given``."""
    param = getattr(e, "param", None)
    if isinstance(e, click_exceptions.MissingParameter) and param is not None:
        return f"{_param_name(param)}: required, not given"
    if isinstance(e, click_exceptions.BadParameter) and param is not None:
        message = re.sub(r"^value error,\s*", "", e.message, flags=re.IGNORECASE).rstrip(".")
        if message[:2] != message[:2].upper():  # "Input should..." -> "input should...", not "ID" -> "iD"
            message = message[:1].lower() + message[1:]
        return f"{_param_name(param)}: {message}"
    message = e.format_message()
    return message[:1].lower() + message[1:]


def help_width() -> int:
    """Columns of help text: the terminal's, at most :data:`HELP_MAX_WIDTH`, at least 50 (as Click counts)."""
    return max(min(shutil.get_terminal_size().columns, HELP_MAX_WIDTH) - 2, 50)


def _default_shell() -> str:
    try:
        import shellingham

        name, _ = shellingham.detect_shell()
        return name.lower()
    except Exception:  # detection is a convenience; bash when it fails
        return "bash"


def _with_completion_shell(args: list[str]) -> list[str]:
    """``--show-completion`` alone means the current shell; followed by a shell name, that shell."""
    args = list(args)
    for flag in _COMPLETION_FLAGS:
        if flag in args:
            i = args.index(flag)
            if i + 1 == len(args) or args[i + 1] not in SHELLS:
                args.insert(i + 1, _default_shell())
    return args


class PpsGroup(TyperGroup):
    """The root group: shared settings and the one place usage errors and interrupts are mapped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            command.help = _unwrap(command.help)
            if command.short_help is None and command.help:
                command.short_help = first_sentence(command.help)

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        _prepare(params)
        return params

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            _prepare(command.get_params(ctx))
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        with user_errors():
            return super().invoke(ctx)

    def main(self, args: Sequence[str] | None = None, *pos: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        args = _with_completion_shell(sys.argv[1:] if args is None else list(args))
        completion_init()  # Typer's completion classes, which add_completion=False leaves unregistered
        kwargs.setdefault("terminal_width", help_width())  # also under CliRunner, which fixes Click's to 80
        try:
            with sigterm_as_interrupt():
                code = super().main(args, *pos, standalone_mode=False, **kwargs)
        except click_exceptions.NoArgsIsHelpError as e:  # the help is already printed
            code = e.exit_code
        except click_exceptions.ClickException as e:
            print_error(usage_error_line(e))
            code = EXIT_USER_ERROR
        except typer.Abort:  # an aborted prompt (pps never prompts)
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="pps",
    cls=PpsGroup,
    help="Part-aware panoptic segmentation: merge predictions and compute PartPQ, "
    "with the numbers of the panoptic_parts reference.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,  # Click's plain help: rich's help formatter costs ~60 ms of imports for every --help
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
app.command("report")(report_command)
app.command("compare")(compare_command)
app.command("stats")(stats_command)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"pps {__version__}")
        raise typer.Exit()


def _completion(ctx: typer.Context, param: Any, shell: str | None) -> None:
    """Print (``--show-completion``) or install (``--install-completion``) the completion script."""
    if shell is None or ctx.resilient_parsing:
        return
    from typer._completion_shared import get_completion_script, install

    prog_name = ctx.find_root().info_name or "pps"
    complete_var = "_{}_COMPLETE".format(prog_name.replace("-", "_").upper())
    if param.name == "show_completion":
        typer.echo(get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell))
    else:
        installed_shell, path = install(shell=shell, prog_name=prog_name, complete_var=complete_var)
        typer.echo(f"{installed_shell} completion installed in {path}; it takes effect in a new shell")
    raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    show_completion: Annotated[
        str | None,
        typer.Option(
            "--show-completion",
            callback=_completion,
            expose_value=False,
            is_eager=True,
            metavar="[SHELL]",
            help="Print the tab-completion script for SHELL (bash, zsh, fish, powershell; default: the current shell).",
        ),
    ] = None,
    install_completion: Annotated[
        str | None,
        typer.Option(
            "--install-completion",
            callback=_completion,
            expose_value=False,
            is_eager=True,
            metavar="[SHELL]",
            help="Install tab completion for SHELL (default: the current shell).",
        ),
    ] = None,
) -> None:
    """Part-aware panoptic segmentation: merge predictions and compute PartPQ."""
    from .memory import keep_freed_memory  # ctypes: imported once a command runs, not for --help
    from .threads import one_opencv_thread

    keep_freed_memory()
    one_opencv_thread()


def main() -> None:
    app()
