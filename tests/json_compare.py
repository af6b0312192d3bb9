"""Comparing results JSON trees numerically (golden tests: the reference sums in another order)."""

from __future__ import annotations


def max_abs_diff(a, b) -> float:
    """Largest difference between two JSON trees of the same shape (keys, types, None placement)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        return max((max_abs_diff(a[k], b[k]) for k in a), default=0.0)
    if isinstance(a, list):
        assert len(a) == len(b)
        return max((max_abs_diff(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    if a is None or b is None:
        assert a is None and b is None
        return 0.0
    assert type(a) is type(b) or {type(a), type(b)} <= {int, float}
    return abs(a - b)
