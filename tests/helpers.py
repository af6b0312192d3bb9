"""Small helpers several test modules share."""

from __future__ import annotations

from functools import cache

from pps_cli.specs import EvalSpec, load_eval_spec


@cache
def spec_named(name: str) -> EvalSpec:
    """A bundled EvalSpec, loaded once per test session (validation through pydantic takes a moment)."""
    return load_eval_spec(name)
