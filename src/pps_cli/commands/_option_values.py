"""Option values converted without pydantic (start-up: see docs/performance.md).

Recent Typer (0.29 here) converts every option value through a pydantic TypeAdapter, built on
first use: importing pydantic and building the adapters costs ~80 ms before a command's first line. The
annotations pps uses (str, int, float, Path, Enums, lists of these) convert here instead, through
Typer's own checks where they exist (paths, choices). Anything else, and every value that would be
rejected, goes through Typer's adapter, so values and error messages are Typer's own. A Typer
without these internals (Click-based, or changed) is left alone.
"""

from __future__ import annotations

import enum
import re
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_INT = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?", re.ASCII)


class _TyperWay(Exception):
    """The value is not one the fast path converts: Typer's own conversion decides."""


def _typer_internals() -> tuple[Any, Any] | None:
    """Typer's ``build_runtime_param`` and ``coerce_cli_path``, or None when this Typer lacks them."""
    try:
        from typer._coercion import build_runtime_param
        from typer._param_types import coerce_cli_path
    except ImportError:
        return None
    return build_runtime_param, coerce_cli_path


def _convert_number(annotation: type, value: Any, info: Any) -> Any:
    if type(value) is annotation:
        number = value
    elif annotation is float and type(value) is int:
        number = float(value)
    elif isinstance(value, str) and (_INT if annotation is int else _FLOAT).fullmatch(value):
        number = annotation(value)
    else:
        raise _TyperWay
    below, above = info.min is not None and number < info.min, info.max is not None and number > info.max
    if getattr(info, "clamp", False) or below or above:
        raise _TyperWay
    return number


def _convert_choice(annotation: type[enum.Enum], value: Any, info: Any, ctx: Any) -> Any:
    if isinstance(value, annotation):
        return value
    if not isinstance(value, str) or getattr(ctx, "token_normalize_func", None) is not None:
        raise _TyperWay
    for member in annotation:
        text = str(member.value)
        if text == value or (not info.case_sensitive and text.casefold() == value.casefold()):
            return member
    raise _TyperWay


class FastOptionValue:
    """Converts one parameter's values like Typer's pydantic adapter, for the annotations pps uses.

    Installed as the parameter's runtime converter by :func:`convert_without_pydantic`; anything it
    does not handle (or would reject) goes to the converter Typer would have built.
    """

    def __init__(self, descriptor: Any, build_runtime_param: Any, coerce_cli_path: Any) -> None:
        self.descriptor = descriptor
        self._build_runtime_param = build_runtime_param
        self._coerce_cli_path = coerce_cli_path
        self._typer_way: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        """The value for the command (Typer's RuntimeParam.coerce protocol)."""
        many = param.multiple or param.nargs == -1
        if value is None:
            return () if many else None
        try:
            if not many:
                return self._convert(self.descriptor.annotation, value, param, ctx)
            if not isinstance(value, (list, tuple)):
                raise _TyperWay
            (item_type,) = typing.get_args(self.descriptor.annotation)
            return [self._convert(item_type, item, param, ctx) for item in value]
        except Exception:  # _TyperWay, or a value Typer rejects: its own conversion gives its own message
            if self._typer_way is None:
                self._typer_way = self._build_runtime_param(self.descriptor)
            return self._typer_way.coerce(value, param=param, ctx=ctx)

    def _convert(self, annotation: Any, value: Any, param: Any, ctx: Any) -> Any:
        info = self.descriptor.parameter_info
        if getattr(info, "parser", None) is not None:
            raise _TyperWay
        if (annotation is str and isinstance(value, str)) or (annotation is bool and isinstance(value, bool)):
            return value
        if annotation in (int, float):
            return _convert_number(annotation, value, info)
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return _convert_choice(annotation, value, info, ctx)
        if annotation is Path and getattr(info, "path_type", None) is None and isinstance(value, (str, Path)):
            return self._coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
        raise _TyperWay


def _handled(descriptor: Any) -> bool:
    """Whether :class:`FastOptionValue` knows the parameter's annotation (a list's items for a list)."""
    annotation = descriptor.annotation
    if typing.get_origin(annotation) is list:
        (annotation,) = typing.get_args(annotation)
    if getattr(descriptor, "file_annotation", None) is not None:
        return False
    return annotation in (str, bool, int, float, Path) or (isinstance(annotation, type) and issubclass(annotation, enum.Enum))


def convert_without_pydantic(params: Iterable[Any]) -> int:
    """Give each parameter Typer has not yet built a converter for a :class:`FastOptionValue`.

    Returns how many were given one (0 on a Typer without pydantic conversion).
    """
    internals = _typer_internals()
    count = 0
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if internals is None or descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
            continue
        if _handled(descriptor):
            param._runtime_param = FastOptionValue(descriptor, *internals)
            count += 1
    return count
