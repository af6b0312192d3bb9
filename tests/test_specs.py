"""EvalSpec/DatasetSpec loading: the bundled files, the published originals, and broken variants."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from pps_cli.errors import PpsError
from pps_cli.specs import (
    BUNDLED_DATASET_SPECS,
    BUNDLED_EVAL_SPECS,
    bundled_specs_dir,
    load_dataset_spec,
    load_eval_spec,
)

SPECS = bundled_specs_dir()
CPP_DEFAULT = SPECS / BUNDLED_EVAL_SPECS["cpp-default"]
CPP_DATASET = SPECS / BUNDLED_DATASET_SPECS["cpp"]


@pytest.mark.parametrize("name", sorted(BUNDLED_EVAL_SPECS))
def test_bundled_eval_specs_load_by_short_name(name):
    spec = load_eval_spec(name)
    assert spec.eval_sids == tuple(sorted(spec.things | spec.stuff))
    assert spec.warnings == ()
    assert list(np.flatnonzero(spec.category_index >= 0)) == list(spec.eval_sids)


@pytest.mark.parametrize("name", sorted(BUNDLED_DATASET_SPECS))
def test_bundled_dataset_specs_load(name):
    dataset = load_dataset_spec(SPECS / BUNDLED_DATASET_SPECS[name])
    assert dataset.class_names[0] == "UNLABELED"


def test_cpp_numbering_and_tables():
    spec = load_eval_spec("cpp-default")
    names = spec.dataset.class_names
    assert (names[7], names[24], names[26], names[33]) == ("road", "person", "car", "bicycle")
    assert spec.dataset.pid_fold is None  # CPP has no countable_pids_groupings
    assert spec.category_index[7] == 0 and spec.category_index[33] == 18 and spec.category_index[0] == -1
    assert spec.flat_to_pid[26, 10] == 2  # car wheels: flat 10 -> 26_02
    assert spec.flat_to_pid[24, 10] == 0  # flat 10 is not a person part
    assert spec.sid_pid_to_eval[2401] == 2401 and spec.sid_pid_to_eval[2405] == 2405
    assert spec.stuff_order[0] == 7 and spec.category_color(7) == (128, 64, 128)


def test_grouped_spec_shares_flat_ids_across_classes():
    spec = load_eval_spec("cpp-grouped")
    assert spec.flat_to_pid[24, 1] == 1 and spec.flat_to_pid[25, 1] == 1
    assert spec.flat_to_pid[26, 6] == 2 and spec.flat_to_pid[28, 6] == 2


def test_ppp_pid_folding_table():
    spec = load_eval_spec("ppp-default")
    fold = spec.dataset.pid_fold
    assert fold is not None
    # aeroplane: [body, stern, lwing, rwing, tail, engine, wheel]; engine takes file pids 6..15
    assert fold[101] == 101 and fold[105] == 105
    assert all(fold[100 + p] == 106 for p in range(6, 16))
    assert all(fold[100 + p] == 107 for p in range(16, 26))
    assert fold[126] == -1  # beyond the last grouped pid
    assert fold[4] == 4 and fold[401] == -1  # boat has no parts: only its sid is a key
    assert spec.sid_pid_to_eval[2] == 202 and spec.sid_pid_to_eval[102] == 104


def test_spec_loads_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_eval_spec(str(CPP_DEFAULT)).dataset.class_names[7] == "road"


ORIGINAL_HEADER = """# Panoptic Parts EvalSpec (as published, with comments)
version: 2.0
comments:
  - "free text notes"
  - "more notes"
"""


def test_original_file_with_comments_loads(tmp_path):
    text = CPP_DEFAULT.read_text()
    body = text.split("dataset_spec_path", 1)[1]
    original = tmp_path / "original.yaml"
    original.write_text(ORIGINAL_HEADER + "# the dataset\ndataset_spec_path" + body)
    assert load_eval_spec(original).eval_sids == load_eval_spec("cpp-default").eval_sids


def _write_variant(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(CPP_DEFAULT.read_text())
    edit(data)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_dataset_spec_beside_eval_spec(tmp_path):
    shutil.copy(CPP_DATASET, tmp_path / "my_dataset.yaml")
    path = _write_variant(tmp_path, lambda d: d.update(dataset_spec_path="my_dataset.yaml"))
    assert load_eval_spec(path).dataset.path == tmp_path / "my_dataset.yaml"


BROKEN = [
    (lambda d: d["eval_sid_stuff"].append(24), r"eval_sid_things / eval_sid_stuff: classes \[24\] are listed in both"),
    (lambda d: d["eval_sid_things"].extend([7, 8]), r"eval_sid_things / eval_sid_stuff: classes \[7, 8\] are listed in both"),
    (lambda d: d["eval_sid_no_parts"].append(26), r"eval_sid_parts / eval_sid_no_parts: classes \[26\] are listed in both"),
    (lambda d: d.update(dataset_spec_path="nowhere/none.yaml"), r"dataset_spec_path 'nowhere/none.yaml' not found \(looked in: "),
    (
        lambda d: d["eval_sid_things"].remove(24),
        r"eval_sid_things \+ eval_sid_stuff: must equal the evaluated sids: missing evaluated sids \[24\]",
    ),
    (lambda d: d["eval_sid_no_parts"].append(5), r"eval_sid_parts \+ eval_sid_no_parts: .*sids \[5\] not among the values"),
    (
        lambda d: (
            d["dataset_sid2eval_sid"].update({5: 105}),
            d["eval_sid_stuff"].append(105),
            d["eval_sid_no_parts"].append(105),
        ),
        r"dataset_sid2eval_sid: evaluated sids must be in 0..99, got \[105\]",
    ),
    (lambda d: d["dataset_sid_pid2eval_sid_pid"].update({2401: 2400}), r"part id 0 is not allowed .*classes \[24\]"),
    (
        lambda d: [d["dataset_sid_pid2eval_sid_pid"].pop(k) for k in (2401, 2402, 2403, 2404)],
        r"eval_sid_parts: class 24: no part ids defined",
    ),
    (
        lambda d: [d["dataset_sid_pid2eval_sid_pid"].pop(k) for k in (2402, 2403, 2404)],
        r"eval_sid_parts: class 24: only one part id",
    ),
    (lambda d: d.update(ignore_label=24), r"ignore_label: 24 equals the sid or a part id of evaluated sid_pids of classes \[24\]"),
    (lambda d: d.update(ignore_label=3), r"ignore_label: 3 equals the sid or a part id of evaluated sid_pids of classes \[24, 25, 26, 27, 28\]"),
    (lambda d: d["dataset_sid_pid2eval_sid_pid"].update({31: 31}), r"values \[31\] are not sid_pids \(sid \* 100 \+ pid, sid >= 1\)"),
    (lambda d: d.pop("eval_sid_stuff"), r"eval_sid_stuff: Field required"),
    (lambda d: d.update(eval_sid_things="person"), r"eval_sid_things: Input should be a valid list"),
    (lambda d: d["eval_sid_pid2eval_pid_flat"].update({2402: 1}), r"flat id 1 is used twice within class 24"),
]


@pytest.mark.parametrize(("edit", "message"), BROKEN)
def test_broken_eval_specs_name_key_and_ids(tmp_path, edit, message):
    path = _write_variant(tmp_path, edit)
    with pytest.raises(PpsError, match=message) as info:
        load_eval_spec(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_ignore_label_may_equal_a_no_parts_sid(tmp_path):
    assert load_eval_spec(_write_variant(tmp_path, lambda d: d.update(ignore_label=7))).ignore_label == 7


def test_no_parts_class_with_several_part_ids_only_warns(tmp_path):
    path = _write_variant(tmp_path, lambda d: d["dataset_sid_pid2eval_sid_pid"].update({3101: 3101, 3102: 3102}))
    spec = load_eval_spec(path)
    assert len(spec.warnings) == 1 and "class 31 has 2 part ids" in spec.warnings[0]


def test_malformed_yaml_names_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("version: 2.0\ndataset_sid2eval_sid: {7: 7,\n  8: [\n")
    with pytest.raises(PpsError, match=re.escape(str(path)) + r": malformed YAML at line \d+, column \d+"):
        load_eval_spec(path)


def test_non_mapping_yaml(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(PpsError, match="expected a YAML mapping at the top level, got list"):
        load_eval_spec(path)


def test_unknown_name_lists_bundled():
    with pytest.raises(PpsError, match="cpp-default, cpp-grouped, ppp-default"):
        load_eval_spec("cpp-defualt")


def test_dataset_spec_unknown_class(tmp_path):
    data = yaml.safe_load(CPP_DATASET.read_text())
    data["scene_classes_with_instances"].append("spaceship")
    path = tmp_path / "ds.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(PpsError, match="classes not in scene_class2part_classes: spaceship"):
        load_dataset_spec(path)


def _dataset_variant(tmp_path, edit):
    data = yaml.safe_load((SPECS / BUNDLED_DATASET_SPECS["ppp"]).read_text())
    edit(data)
    path = tmp_path / "ds.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_fold_table_groupings_win_over_identity_as_in_the_reference(tmp_path):
    # bottle: [cap, body]; group 'cap' as file pids 2 and 3: pid 2 (body's own position) now folds
    # into cap, because the reference applies groupings after the identity of every listed part
    path = _dataset_variant(tmp_path, lambda d: d["countable_pids_groupings"].update({"bottle": {"cap": [2, 3]}}))
    fold = load_dataset_spec(path).pid_fold
    assert fold is not None
    assert (fold[501], fold[502], fold[503], fold[504]) == (501, 501, 501, -1)


def test_leading_unlabeled_part_is_pid_zero(tmp_path):
    path = _dataset_variant(tmp_path, lambda d: d["scene_class2part_classes"].update({"bottle": ["UNLABELED", "cap", "body"]}))
    assert load_dataset_spec(path).part_names[5] == ("cap", "body")
    path = _dataset_variant(tmp_path, lambda d: d["scene_class2part_classes"].update({"bottle": ["cap", "UNLABELED"]}))
    with pytest.raises(PpsError, match="bottle: 'UNLABELED' may only be the first part"):
        load_dataset_spec(path)


def test_ppp_107_is_bundled_with_its_parts():
    spec = load_eval_spec("ppp-107")
    # 59 classes; 107 flat part ids 1..107; person (15) has 12 parts in this spec
    assert len(spec.eval_sids) == 59
    assert sorted(spec.file.eval_sid_pid2eval_pid_flat.values()) == list(range(1, 108))
    assert 19 in spec.parts and 20 in spec.no_parts
    assert int(np.count_nonzero(spec.flat_to_pid[15])) == 12
