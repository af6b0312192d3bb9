"""EvalSpec and DatasetSpec: pydantic models of the YAML files, loading, validation, lookup tables.

The file models (:class:`EvalSpecFile`, :class:`DatasetSpecFile`) mirror the published YAML keys.
:func:`load_eval_spec` validates them with the reference's rules (docs/formats.md, 'EvalSpec') and
returns an :class:`EvalSpec` that also carries every derived lookup as a numpy array, built once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .constants import BUNDLED_DATASET_SPECS as BUNDLED_DATASET_SPECS
from .constants import BUNDLED_EVAL_SPECS, MAX_SID, SID_PID_TABLE_SIZE, VOID
from .errors import PpsError, summarize_list

IGNORED = "IGNORED"
DEFAULT = "DEFAULT"
UNLABELED = "UNLABELED"

def bundled_specs_dir() -> Path:
    """Folder of the bundled specs: inside the installed package, or the repository's ``specs/``."""
    packaged = Path(__file__).parent / "specs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "specs"


# ----------------------------------------------------------------------------- file models

SidKey = int | Literal["DEFAULT"]
SidValue = int | Literal["IGNORED"]


class DatasetSpecFile(BaseModel):
    """A DatasetSpec YAML file as published (``cpp_datasetspec.yaml``, ``ppp_datasetspec.yaml``)."""

    model_config = ConfigDict(extra="allow")

    version: str | float | int | None = None
    comments: Any = None
    name: str | None = None
    scene_class2part_classes: dict[str, list[str]]
    scene_classes_with_instances: list[str] = []
    scene_class2color: dict[str, tuple[int, int, int]] = {}
    countable_pids_groupings: dict[str, dict[str, list[int]]] | None = None

    @field_validator("scene_class2part_classes", mode="before")
    @classmethod
    def _none_is_no_parts(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ([] if v is None else v) for k, v in value.items()}
        return value


class EvalSpecFile(BaseModel):
    """An EvalSpec YAML file as published (``ppq_*_evalspec.yaml``)."""

    model_config = ConfigDict(extra="allow")

    version: str | float | int | None = None
    comments: Any = None
    dataset_spec_path: str
    ignore_label: int = VOID
    dataset_sid2eval_sid: dict[SidKey, SidValue]
    dataset_sid_pid2eval_sid_pid: dict[SidKey, SidValue]
    eval_sid_things: list[int]
    eval_sid_stuff: list[int]
    eval_sid_parts: list[int]
    eval_sid_no_parts: list[int]
    eval_sid_pid2eval_pid_flat: dict[int, int] = {}
    eval_sid2scene_label: dict[int, str] = {}
    eval_pid_flat2scene_part_label: dict[int, str] = {}


# ----------------------------------------------------------------------------- loaded specs


@dataclass(frozen=True, eq=False)
class DatasetSpec:
    """A loaded DatasetSpec with its sid numbering and the PPP pid folding table.

    Attributes
    ----------
    class_names : tuple of str
        Scene class name per dataset sid (index = sid; sid 0 is ``UNLABELED`` when the file lacks it).
    part_names : tuple of tuple of str
        Part names per sid; the part id (pid) of a part is its 1-based position.
    thing_sids : frozenset of int
        Sids of ``scene_classes_with_instances``.
    colors : (S, 3) uint8
        RGB color per sid (black where the file gives none).
    pid_fold : (10000,) int32 or None
        GT sid_pid -> folded sid_pid, -1 for sid_pids absent from the table; None without
        ``countable_pids_groupings`` (then no folding and no check).
    """

    path: Path
    file: DatasetSpecFile
    class_names: tuple[str, ...]
    part_names: tuple[tuple[str, ...], ...]
    thing_sids: frozenset[int]
    colors: NDArray[np.uint8]
    pid_fold: NDArray[np.int32] | None


@dataclass(frozen=True, eq=False)
class EvalSpec:
    """A validated EvalSpec with derived lookup tables (all indexed by eval sid < 256 or sid_pid).

    Attributes
    ----------
    eval_sids : tuple of int
        Evaluated sids, ascending: the category order of every result.
    stuff_order : tuple of int
        ``eval_sid_stuff`` in file order (the panoptic merge walks stuff classes in this order).
    category_index : (256,) int16
        Eval sid -> position in ``eval_sids``, -1 for sids not evaluated.
    is_thing, is_parts : (256,) bool
        Membership of each eval sid in ``eval_sid_things`` / ``eval_sid_parts``.
    flat_to_pid : (256, 256) uint8
        ``[eval sid, flat part id]`` -> eval pid of that part, 0 where the flat id is not a part
        of that class (``eval_sid_pid2eval_pid_flat`` inverted per class).
    sid_pid_to_eval : (10000,) int32
        Dataset sid_pid -> eval sid_pid (``dataset_sid_pid2eval_sid_pid``; IGNORED, DEFAULT and
        absent keys map to themselves).
    """

    path: Path
    name: str
    file: EvalSpecFile
    dataset: DatasetSpec
    ignore_label: int
    eval_sids: tuple[int, ...]
    things: frozenset[int]
    stuff: frozenset[int]
    parts: frozenset[int]
    no_parts: frozenset[int]
    stuff_order: tuple[int, ...]
    category_index: NDArray[np.int16]
    is_thing: NDArray[np.bool_]
    is_parts: NDArray[np.bool_]
    flat_to_pid: NDArray[np.uint8]
    sid_pid_to_eval: NDArray[np.int32]
    warnings: tuple[str, ...] = field(default=())

    def category_name(self, sid: int) -> str:
        """Name of an eval sid from ``eval_sid2scene_label`` (``class <sid>`` when absent)."""
        return str(self.file.eval_sid2scene_label.get(sid, f"class {sid}"))

    def category_color(self, sid: int) -> tuple[int, int, int]:
        """RGB color of an eval sid, from the DatasetSpec color of the same sid."""
        colors = self.dataset.colors
        if 0 <= sid < len(colors):
            return tuple(int(c) for c in colors[sid])  # type: ignore[return-value]
        return (0, 0, 0)


# ----------------------------------------------------------------------------- loading


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PpsError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PpsError(path, f"cannot read: {e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise PpsError(path, f"malformed YAML at {where}{problem}") from None
    if not isinstance(data, dict):
        raise PpsError(path, f"expected a YAML mapping at the top level, got {type(data).__name__}")
    return data


def _validate_file(model: type[BaseModel], data: dict[str, Any], path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = ".".join(str(part) for part in err["loc"])
            problems.append(f"{loc}: {err['msg']}")
        raise PpsError(
            path, "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        ) from None


def resolve_eval_spec_path(name_or_path: str | os.PathLike[str]) -> tuple[Path, str]:
    """Resolve a bundled short name (``cpp-default``...) or a path to (path, display name)."""
    text = os.fspath(name_or_path)
    if text in BUNDLED_EVAL_SPECS:
        return bundled_specs_dir() / BUNDLED_EVAL_SPECS[text], text
    path = Path(text)
    if path.is_file():
        return path, path.stem
    raise PpsError(
        text,
        "EvalSpec not found: give a YAML path or one of " + ", ".join(BUNDLED_EVAL_SPECS),
    )


def resolve_dataset_spec_path(dataset_spec_path: str, eval_spec_path: Path) -> Path:
    """Find the DatasetSpec an EvalSpec names: as given, beside the EvalSpec, then bundled by file name."""
    given = Path(dataset_spec_path)
    candidates = [given]
    if not given.is_absolute():
        candidates.append(eval_spec_path.parent / given)
        candidates.append(eval_spec_path.parent / given.name)
        candidates.append(eval_spec_path.parent.parent / "dataset_specs" / given.name)
    candidates.append(bundled_specs_dir() / "dataset_specs" / given.name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(dict.fromkeys(str(c) for c in candidates))
    raise PpsError(eval_spec_path, f"dataset_spec_path {dataset_spec_path!r} not found (looked in: {looked})")


def _without_unlabeled(part_names: list[str], path: Path, class_name: str) -> tuple[str, ...]:
    """A class's parts without a leading ``UNLABELED`` (pid 0, implicit in every class)."""
    if UNLABELED in part_names[1:]:
        raise PpsError(path, f"scene_class2part_classes: {class_name}: {UNLABELED!r} may only be the first part (pid 0)")
    return tuple(part_names[1:] if part_names[:1] == [UNLABELED] else part_names)


def load_dataset_spec(path: str | os.PathLike[str]) -> DatasetSpec:
    """Load and check a DatasetSpec YAML file."""
    path = Path(path)
    file: DatasetSpecFile = _validate_file(DatasetSpecFile, _read_yaml(path), path)
    names = list(file.scene_class2part_classes)
    parts = [_without_unlabeled(file.scene_class2part_classes[n], path, n) for n in names]
    if UNLABELED in names[1:]:
        raise PpsError(path, f"scene_class2part_classes: {UNLABELED!r} must be the first class (sid 0) if present")
    if UNLABELED not in names:
        names.insert(0, UNLABELED)
        parts.insert(0, ())
    sid_of = {name: sid for sid, name in enumerate(names)}
    unknown = [n for n in file.scene_classes_with_instances if n not in sid_of]
    unknown += [n for n in file.scene_class2color if n not in sid_of]
    if unknown:
        raise PpsError(path, f"classes not in scene_class2part_classes: {summarize_list(unknown)}")
    colors = np.zeros((len(names), 3), np.uint8)
    for name, rgb in file.scene_class2color.items():
        if any(not 0 <= c <= 255 for c in rgb):
            raise PpsError(path, f"scene_class2color: {name!r}: {list(rgb)} is not an RGB triple in 0..255")
        colors[sid_of[name]] = rgb
    pid_fold = None
    if file.countable_pids_groupings is not None:
        pid_fold = _pid_fold_table(file.countable_pids_groupings, names, parts, path)
    return DatasetSpec(
        path=path,
        file=file,
        class_names=tuple(names),
        part_names=tuple(parts),
        thing_sids=frozenset(sid_of[n] for n in file.scene_classes_with_instances),
        colors=colors,
        pid_fold=pid_fold,
    )


def _pid_fold_table(
    groupings: dict[str, dict[str, list[int]]],
    names: list[str],
    parts: list[tuple[str, ...]],
    path: Path,
) -> NDArray[np.int32]:
    """GT sid_pid -> folded sid_pid, built as the reference builds it.

    Every sid and every ``sid * 100 + pid`` of a listed part maps to itself; then each file pid of
    a grouped part maps to that part's sid_pid (so a grouping wins over the identity).
    """
    if len(names) > 100:
        raise PpsError(path, f"{len(names)} scene classes; sids must stay below 100")
    table = np.full(SID_PID_TABLE_SIZE, -1, np.int32)
    for sid, class_parts in enumerate(parts):
        table[sid] = sid
        for pid in range(1, len(class_parts) + 1):
            table[sid * 100 + pid] = sid * 100 + pid
    for class_name, class_groups in groupings.items():
        if class_name not in names:
            raise PpsError(path, f"countable_pids_groupings: unknown class {class_name!r}")
        sid = names.index(class_name)
        for part, file_pids in class_groups.items():
            if part not in parts[sid]:
                raise PpsError(path, f"countable_pids_groupings: {class_name}: unknown part {part!r}")
            position = parts[sid].index(part) + 1
            for file_pid in file_pids:
                if not 1 <= file_pid <= 99:
                    raise PpsError(path, f"countable_pids_groupings: {class_name}.{part}: pid {file_pid} outside 1..99")
                table[sid * 100 + file_pid] = sid * 100 + position
    return table


def load_eval_spec(name_or_path: str | os.PathLike[str]) -> EvalSpec:
    """Load an EvalSpec (bundled short name or YAML path) and its DatasetSpec, validated.

    Raises
    ------
    PpsError
        For unreadable or malformed files and for every rule in docs/formats.md, 'EvalSpec'.
    """
    path, display_name = resolve_eval_spec_path(name_or_path)
    file: EvalSpecFile = _validate_file(EvalSpecFile, _read_yaml(path), path)
    dataset = load_dataset_spec(resolve_dataset_spec_path(file.dataset_spec_path, path))
    warnings: list[str] = []

    def fail(key: str, problem: str) -> PpsError:
        return PpsError(path, f"{key}: {problem}")

    eval_sids = sorted({v for v in file.dataset_sid2eval_sid.values() if v != IGNORED})  # type: ignore[misc]
    things, stuff = set(file.eval_sid_things), set(file.eval_sid_stuff)
    parts, no_parts = set(file.eval_sid_parts), set(file.eval_sid_no_parts)
    evaluated = set(eval_sids)
    for key, first, second in (
        ("eval_sid_things / eval_sid_stuff", things, stuff),
        ("eval_sid_parts / eval_sid_no_parts", parts, no_parts),
    ):
        if first & second:
            raise fail(key, f"classes {sorted(first & second)} are listed in both; each class belongs to exactly one")
    for key, group in (
        ("eval_sid_things + eval_sid_stuff", things | stuff),
        ("eval_sid_parts + eval_sid_no_parts", parts | no_parts),
    ):
        if group != evaluated:
            extra = sorted(group - evaluated)
            missing = sorted(evaluated - group)
            detail = []
            if missing:
                detail.append(f"missing evaluated sids {missing}")
            if extra:
                detail.append(f"sids {extra} not among the values of dataset_sid2eval_sid")
            raise fail(key, "must equal the evaluated sids: " + "; ".join(detail))
    if eval_sids and (eval_sids[-1] > MAX_SID or eval_sids[0] < 0):
        raise fail(
            "dataset_sid2eval_sid",
            f"evaluated sids must be in 0..{MAX_SID}, got {[s for s in eval_sids if not 0 <= s <= MAX_SID]}",
        )

    sid_pid_to_eval = np.arange(SID_PID_TABLE_SIZE, dtype=np.int32)
    part_ids: dict[int, set[int]] = {}
    for key, value in file.dataset_sid_pid2eval_sid_pid.items():
        if value == IGNORED:
            continue
        target = int(value)
        if not 0 <= target < SID_PID_TABLE_SIZE:
            raise fail("dataset_sid_pid2eval_sid_pid", f"value {target} of key {key} is not a sid_pid in 0..9999")
        if key != DEFAULT:
            if not 0 <= int(key) < SID_PID_TABLE_SIZE:  # type: ignore[arg-type]
                raise fail("dataset_sid_pid2eval_sid_pid", f"key {key} is not a sid_pid in 0..9999")
            sid_pid_to_eval[int(key)] = target  # type: ignore[arg-type]
        part_ids.setdefault(target // 100, set()).add(target % 100)
    # The reference asserts on every evaluated sid_pid (eval_spec.py), not only those of parts classes.
    key = "dataset_sid_pid2eval_sid_pid"
    zero_pid = sorted(s for s, pids in part_ids.items() if 0 in pids and s != 0)
    if zero_pid:
        raise fail(key, f"part id 0 is not allowed as an evaluated part (classes {zero_pid})")
    if 0 in part_ids:
        raise fail(key, f"values {sorted(part_ids[0])} are not sid_pids (sid * 100 + pid, sid >= 1)")
    clash = sorted(s for s, pids in part_ids.items() if s == file.ignore_label or file.ignore_label in pids)
    if clash:
        raise fail("ignore_label", f"{file.ignore_label} equals the sid or a part id of evaluated sid_pids of classes {clash}")
    for sid in sorted(parts):
        count = len(part_ids.get(sid, ()))
        if count == 0:
            raise fail("eval_sid_parts", f"class {sid}: no part ids defined in dataset_sid_pid2eval_sid_pid")
        if count == 1:
            raise fail("eval_sid_parts", f"class {sid}: only one part id defined; a parts class needs at least two")
    for sid in sorted(no_parts):
        if len(part_ids.get(sid, ())) > 1:
            warnings.append(f"{path}: eval_sid_no_parts: class {sid} has {len(part_ids[sid])} part ids, which are not evaluated")

    flat_to_pid = np.zeros((256, 256), np.uint8)
    for sid_pid, flat in file.eval_sid_pid2eval_pid_flat.items():
        sid, pid = divmod(int(sid_pid), 100)
        if not (0 <= sid <= MAX_SID and 1 <= pid and 0 <= flat <= 255):
            raise fail("eval_sid_pid2eval_pid_flat", f"{sid_pid}: {flat} is not a sid_pid with a flat id in 0..255")
        if flat_to_pid[sid, flat] not in (0, pid):
            raise fail("eval_sid_pid2eval_pid_flat", f"flat id {flat} is used twice within class {sid}")
        if flat > 0:
            flat_to_pid[sid, flat] = pid

    category_index = np.full(256, -1, np.int16)
    category_index[eval_sids] = np.arange(len(eval_sids), dtype=np.int16)
    is_thing = np.zeros(256, bool)
    is_thing[sorted(things)] = True
    is_parts = np.zeros(256, bool)
    is_parts[sorted(parts)] = True
    return EvalSpec(
        path=path,
        name=display_name,
        file=file,
        dataset=dataset,
        ignore_label=file.ignore_label,
        eval_sids=tuple(eval_sids),
        things=frozenset(things),
        stuff=frozenset(stuff),
        parts=frozenset(parts),
        no_parts=frozenset(no_parts),
        stuff_order=tuple(dict.fromkeys(file.eval_sid_stuff)),
        category_index=category_index,
        is_thing=is_thing,
        is_parts=is_parts,
        flat_to_pid=flat_to_pid,
        sid_pid_to_eval=sid_pid_to_eval,
        warnings=tuple(warnings),
    )
