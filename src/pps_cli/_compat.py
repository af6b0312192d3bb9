"""What pps needs from Python and NumPy, checked once at import, and the few helpers that differ between versions.

Supported: Python 3.10 or newer, NumPy 1.24 or newer (1.x and 2.x). NumPy 2 changed how a Python
int combines with a small integer array (NEP 50: ``uint8_array * 256`` is an error instead of a
uint16 array); the kernels widen to a large enough dtype before such arithmetic, so the promotion
rules never decide a result. CI runs the whole suite, golden tests included, on NumPy 1.24 and on
the newest NumPy.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from typing import Any

MIN_PYTHON = (3, 10)
MIN_NUMPY = (1, 24)


def _version_tuple(text: str) -> tuple[int, ...]:
    """``"1.26.4"`` -> ``(1, 26, 4)``; stops at the first non-numeric part (``"2.1.0rc1"`` -> ``(2, 1)``)."""
    parts = []
    for part in text.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def check_environment(python: tuple[int, ...] | None = None, numpy_version: str | None = None) -> None:
    """Raise ImportError saying what to do when Python or NumPy is older than pps supports.

    ``python`` and ``numpy_version`` default to the running interpreter's and NumPy's.
    """
    python = tuple(sys.version_info[:3]) if python is None else python
    numpy_version, numpy_path = _installed_numpy() if numpy_version is None else (numpy_version, _numpy_path())
    if python < MIN_PYTHON:
        raise ImportError(f"pps needs Python {'.'.join(map(str, MIN_PYTHON))} or newer, this is {'.'.join(map(str, python))}")
    if _version_tuple(numpy_version) < MIN_NUMPY:
        minimum = ".".join(map(str, MIN_NUMPY))
        raise ImportError(
            f"pps needs NumPy {minimum} or newer, found {numpy_version} ({numpy_path}); "
            f"upgrade it: pip install 'numpy>={minimum}'"
        )


def _numpy_path() -> str | None:
    spec = importlib.util.find_spec("numpy")
    return None if spec is None else spec.origin


_NUMPY_VERSION_FILES = (
    ("version.py", r"""^version\s*(?::\s*str)?\s*=\s*["']([^"']+)["']"""),
    ("_version.py", r'"version":\s*"([^"]+)"'),
)


def _installed_numpy() -> tuple[str, str | None]:
    """NumPy's version and path without importing it (``pps --help`` needs no NumPy): from ``numpy/version.py``."""
    if "numpy" in sys.modules:
        numpy = sys.modules["numpy"]
        return numpy.__version__, numpy.__file__
    path = _numpy_path()
    if path is not None:
        folder = path[: -len("__init__.py")]
        # NumPy >= 1.25 writes ``version = "X"`` in version.py; older ones keep it in _version.py's JSON.
        for name, pattern in _NUMPY_VERSION_FILES:
            try:
                with open(folder + name, encoding="utf-8") as f:
                    found = re.search(pattern, f.read(), re.M)
            except OSError:
                found = None
            if found:
                return found.group(1), path
    import numpy  # an unusual layout: ask NumPy itself

    return numpy.__version__, numpy.__file__


def __getattr__(name: str) -> Any:
    if name == "unique_values":
        import numpy as np

        value: Callable[[Any], Any] = getattr(np, "unique_values", np.unique)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# unique_values: Distinct values of an array in no particular order: NumPy 2's ``np.unique_values`` (it
# hashes instead of sorting every element), the sorted ``np.unique`` on NumPy 1.x (looked up on first use).
