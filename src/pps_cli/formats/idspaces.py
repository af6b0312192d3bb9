"""Category id spaces: eval sids, contiguous training ids, or a user's mapping (docs/inputs.md).

Networks often write class ids in their own space. ``contiguous`` is the index into the spec's sorted
eval sids (Cityscapes train ids 0..18 for the CPP specs; detectron2 / Mask2Former / TAPPS contiguous
ids), with 255 staying void. A mapping file gives ``{training id: eval sid}`` for any other table.

Three steps, all pure: :func:`parse_id_space` reads the option, :func:`id_table` builds a (256,)
lookup from input id to eval sid, :func:`to_eval_ids` applies it. :func:`contiguous_suspicion`
is the heuristic that notices ids which fit the contiguous space far better than the eval space.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from numpy.typing import ArrayLike, NDArray

from ..constants import VOID
from ..errors import PpsError
from ..io import read_bytes
from ..specs import EvalSpec

IdSpaceKind = Literal["eval", "contiguous", "mapping"]
NUM_IDS = 256
"""Input ids are looked up in tables of this size (label PNGs are 8-bit; larger ids are unknown)."""
UNKNOWN = -1
"""Table value of an input id that the id space does not define."""

SUSPICIOUS_UNKNOWN_FRACTION = 0.05
"""An id check fires only when at least this fraction of the (non-void) input is not valid as eval ids."""
CONTIGUOUS_ADVANTAGE = 10.0
"""... and the contiguous reading leaves at least this many times fewer invalid ids."""


@dataclass(frozen=True)
class IdSpace:
    """How class ids of one input are to be read.

    Attributes
    ----------
    kind : {"eval", "contiguous", "mapping"}
    mapping : tuple of (int, int)
        For ``mapping``: (input id, eval sid) pairs.
    source : str
        What the user gave (``eval``, ``contiguous`` or the mapping file), for messages.
    explicit : bool
        The user chose this space; id-space heuristics are then not applied.
    """

    kind: IdSpaceKind = "eval"
    mapping: tuple[tuple[int, int], ...] = ()
    source: str = "eval"
    explicit: bool = False

    @property
    def is_eval(self) -> bool:
        return self.kind == "eval"


EVAL = IdSpace()


def _read_mapping(path: Path, option: str) -> tuple[tuple[int, int], ...]:
    """``{input id: eval sid}`` pairs from a JSON or YAML file."""
    try:
        data = yaml.safe_load(read_bytes(path).decode("utf-8"))  # JSON is YAML too
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise PpsError(path, f"{option}: not a JSON or YAML mapping ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict) or not data:
        raise PpsError(path, f"{option}: expected a non-empty mapping {{training id: eval sid}}")
    pairs = []
    for key, value in data.items():
        try:
            pair = (int(key), int(value))
        except (TypeError, ValueError):
            raise PpsError(path, f"{option}: entry {key!r}: {value!r} is not an integer pair") from None
        if not 0 <= pair[0] < NUM_IDS:
            raise PpsError(path, f"{option}: training id {key!r} outside 0..255")
        pairs.append(pair)
    return tuple(sorted(pairs))


def parse_id_space(value: str | os.PathLike[str] | Mapping[int, int] | IdSpace | None, *, option: str = "id space") -> IdSpace:
    """Read an id-space option: ``eval``, ``contiguous``, a mapping file path, or a mapping.

    ``None`` means "eval ids, not chosen explicitly" (the default, with heuristics on).

    Raises
    ------
    PpsError
        Naming ``option`` (or the file), for an unknown word, a missing or malformed mapping file.
    """
    if value is None:
        return EVAL
    if isinstance(value, IdSpace):
        return value
    if isinstance(value, Mapping):
        try:
            pairs = tuple(sorted((int(k), int(v)) for k, v in value.items()))
        except (TypeError, ValueError):
            raise PpsError(option, "mapping must be {training id: eval sid} with integers") from None
        outside = [key for key, _ in pairs if not 0 <= key < NUM_IDS]
        if outside:  # as in a mapping file: a negative id would index the table from its end, void included
            raise PpsError(option, f"training id {outside[0]} outside 0..255")
        return IdSpace("mapping", pairs, "mapping", True)
    text = os.fspath(value)
    if text in ("eval", "contiguous"):
        return IdSpace(text, (), text, True)  # type: ignore[arg-type]
    path = Path(text)
    if not path.is_file():
        raise PpsError(option, f"{text!r}: expected eval, contiguous or a mapping file (JSON/YAML {{training id: eval sid}})")
    return IdSpace("mapping", _read_mapping(path, option), str(path), True)


def id_table(space: IdSpace, spec: EvalSpec) -> NDArray[np.int16]:
    """(256,) int16: input id -> eval sid, :data:`UNKNOWN` where the space defines none.

    ``eval`` is the identity (ids the spec does not evaluate stay as they are, as without this
    option). ``contiguous``: ``i -> spec.eval_sids[i]``; 255 stays void. ``mapping``: as listed,
    255 stays void unless the mapping lists it.

    Raises
    ------
    PpsError
        When a mapping targets an id that is neither an eval sid of ``spec`` nor 255.
    """
    if space.kind == "eval":
        return np.arange(NUM_IDS, dtype=np.int16)
    table = np.full(NUM_IDS, UNKNOWN, np.int16)
    table[VOID] = VOID
    if space.kind == "contiguous":
        table[: len(spec.eval_sids)] = spec.eval_sids
        return table
    bad = [f"{k}: {v}" for k, v in space.mapping if v not in spec.eval_sids and v != VOID]
    if bad:
        raise PpsError(space.source, f"maps to ids that {spec.name} does not evaluate: {', '.join(bad[:5])}")
    for key, value in space.mapping:
        table[key] = value
    return table


def to_eval_ids(ids: ArrayLike, table: NDArray[np.int16]) -> NDArray[np.int64]:
    """Eval sids of ``ids`` (any shape, any integers) through ``table``; :data:`UNKNOWN` outside it.

    For the identity table (eval space) ids of 256 and more are returned unchanged.
    """
    values = np.asarray(ids, dtype=np.int64)
    inside = (values >= 0) & (values < NUM_IDS)
    identity = bool(np.array_equal(table, np.arange(NUM_IDS)))
    mapped = table.astype(np.int64)[np.where(inside, values, 0)]
    return np.where(inside, mapped, values if identity else UNKNOWN)


def label_lut(table: NDArray[np.int16]) -> NDArray[np.uint8]:
    """(256,) uint8 lookup for 8-bit label maps: unknown ids become void (255), which merges ignore."""
    return np.where(table == UNKNOWN, VOID, table).astype(np.uint8)


def contiguous_suspicion(counts: NDArray[np.integer], spec: EvalSpec, *, valid: NDArray[np.bool_] | None = None) -> float | None:
    """Fraction of input not valid as eval ids, when the contiguous reading fits far better; else None.

    Parameters
    ----------
    counts : (N,) int
        How often each id occurs (pixels or segments), indexed by id; ids 255 (void) and 0 (unlabeled
        in the eval space, the first class in the contiguous one) are left out.
    spec : EvalSpec
    valid : (256,) bool, optional
        Which eval sids count as valid (default: every evaluated sid). Instance checks pass the
        things, since instances of stuff classes are rare.

    Notes
    -----
    Fires when at least :data:`SUSPICIOUS_UNKNOWN_FRACTION` of the input is invalid as eval ids and
    reading the same ids as contiguous training ids leaves :data:`CONTIGUOUS_ADVANTAGE` times less
    invalid. A network trained on all Cityscapes label ids (0..33, including ids the spec ignores
    such as 9 or 10) does not fire: most of its pixels (sky 23, car 26, vegetation 21...) are no
    contiguous ids.
    """
    counts = np.asarray(counts, dtype=np.int64).reshape(-1)
    full = np.zeros(max(NUM_IDS, counts.size), np.int64)
    full[: counts.size] = counts
    full[VOID] = 0
    full[0] = 0  # "unlabeled" as an eval id, the first class as a contiguous id: no evidence either way
    total = int(full.sum())
    if total == 0:
        return None
    if valid is None:
        valid = spec.category_index >= 0
    valid_eval = np.zeros(full.size, bool)
    valid_eval[:NUM_IDS] = valid
    as_eval = np.asarray(spec.eval_sids)
    valid_contiguous = np.zeros(full.size, bool)
    valid_contiguous[: len(as_eval)] = valid[as_eval]
    bad_eval = int(full[~valid_eval].sum()) / total
    bad_contiguous = int(full[~valid_contiguous].sum()) / total
    if bad_eval >= SUSPICIOUS_UNKNOWN_FRACTION and bad_contiguous * CONTIGUOUS_ADVANTAGE <= bad_eval:
        return bad_eval
    return None


def check_id_space(
    counts: NDArray[np.integer],
    spec: EvalSpec,
    space: IdSpace,
    *,
    where: str | os.PathLike[str],
    what: str,
    option: str,
    valid: NDArray[np.bool_] | None = None,
) -> None:
    """Raise when eval-space input (not chosen explicitly) looks like contiguous training ids.

    Raises
    ------
    PpsError
        Naming ``where``: the share of ``what`` that is invalid as eval ids, and ``option`` to fix it.
    """
    if not space.is_eval or space.explicit:
        return
    fraction = contiguous_suspicion(counts, spec, valid=valid)
    if fraction is not None:
        raise PpsError(
            where,
            f"{fraction:.0%} of the {what} are ids that {spec.name} does not evaluate, but nearly all fit its "
            f"contiguous training ids 0..{len(spec.eval_sids) - 1}: add {option} contiguous "
            f"(or {option} eval if these really are eval ids)",
        )
