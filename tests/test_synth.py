"""The synthetic demo dataset: layout, determinism, valid ground truth, parseable predictions, required features."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from pps_cli import io
from pps_cli.dataset import build_images
from pps_cli.demo import synth
from pps_cli.errors import PpsError
from pps_cli.formats.labels import decode_uids, invalid_uids
from pps_cli.specs import load_eval_spec

# pycocotools' decode trips a NumPy 2 deprecation inside pycocotools itself
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

H, W = 64, 128
N = 3

CPP = load_eval_spec("cpp-default")
CPP_GROUPED = load_eval_spec("cpp-grouped")
PPP = load_eval_spec("ppp-default")


@pytest.fixture(scope="module")
def cpp(tmp_path_factory: pytest.TempPathFactory) -> synth.DemoSummary:
    return synth.generate_demo(tmp_path_factory.mktemp("cpp") / "demo", dataset="cityscapes", num_images=N, height=H, width=W)


@pytest.fixture(scope="module")
def ppp(tmp_path_factory: pytest.TempPathFactory) -> synth.DemoSummary:
    return synth.generate_demo(tmp_path_factory.mktemp("ppp") / "demo", dataset="pascal", num_images=N, height=H, width=W)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _gt_path(summary: synth.DemoSummary, image_id: str) -> Path:
    if summary.dataset == "cityscapes":
        return summary.gt_dir / image_id.split("_")[0] / f"{image_id}_gtFinePanopticParts.tif"
    return summary.gt_dir / f"{image_id}.tif"


def _gt(summary: synth.DemoSummary, image_id: str) -> np.ndarray:
    return io.read_uid_tiff(_gt_path(summary, image_id))


def _spec(summary: synth.DemoSummary):
    return CPP if summary.dataset == "cityscapes" else PPP


# ----------------------------------------------------------------------------- layout and determinism


def test_same_arguments_give_byte_identical_files(tmp_path, cpp):
    again = synth.generate_demo(tmp_path / "again", dataset="cityscapes", num_images=N, height=H, width=W)
    assert again.image_ids == cpp.image_ids
    first, second = _files(cpp.out_dir), _files(again.out_dir)
    assert sorted(first) == sorted(second)
    assert first == second


def test_pascal_is_deterministic_and_the_seed_matters(tmp_path, ppp):
    again = synth.generate_demo(tmp_path / "a", dataset="pascal", num_images=N, height=H, width=W)
    assert _files(again.out_dir) == _files(ppp.out_dir)
    other = synth.generate_demo(tmp_path / "b", dataset="pascal", num_images=N, height=H, width=W, seed=7)
    assert _files(other.out_dir) != _files(ppp.out_dir)


def test_cityscapes_layout(cpp):
    assert cpp.image_ids == ("frankfurt_000000_000019", "frankfurt_000000_000039", "lindau_000000_000019")
    assert cpp.num_images == N and cpp.eval_spec == "cpp-default"
    p = cpp.out_dir / "predictions"
    for image_id in cpp.image_ids:
        city = image_id.split("_")[0]
        for path in (
            cpp.out_dir / "gt" / city / f"{image_id}_gtFinePanopticParts.tif",
            cpp.out_dir / "images" / f"{image_id}_gtFine_leftImg8bit.png",
            p / "semantic" / f"{image_id}.png",
            p / "instances" / f"{image_id}.json",
            p / "cityscapes" / city / f"{image_id}_pred.txt",
            p / "parts" / f"{image_id}.png",
            p / "parts_grouped" / f"{image_id}.png",
            p / "pps" / f"{image_id}.png",
        ):
            assert path.is_file(), path
    assert (p / "instances.json").is_file()
    assert cpp.parts_grouped_dir == p / "parts_grouped"
    assert not list(cpp.out_dir.parent.glob(".*staging*"))  # staging folder cleaned up


def test_pascal_layout(ppp):
    assert ppp.image_ids == ("2008_000123", "2008_000130", "2008_000137")
    p = ppp.out_dir / "predictions"
    for image_id in ppp.image_ids:
        for path in (
            ppp.out_dir / "gt" / f"{image_id}.tif",
            ppp.out_dir / "images" / f"{image_id}.png",
            p / "semantic" / f"{image_id}.png",
            p / "instances" / f"{image_id}.json",
            p / "cityscapes" / f"{image_id}_pred.txt",
            p / "parts" / f"{image_id}.png",
            p / "pps" / f"{image_id}.png",
        ):
            assert path.is_file(), path
    assert ppp.parts_grouped_dir is None and not (p / "parts_grouped").exists()


@pytest.mark.parametrize("which", ["cpp", "ppp"])
def test_images_json_from_gt_matches_the_demo(which, request):
    summary = request.getfixturevalue(which)
    images = build_images(summary.gt_dir)
    assert tuple(image.key for image in images) == summary.image_ids
    for image in images:
        assert (image.width, image.height) == (W, H)
        photo = io.read_png(summary.images_dir / image.file_name, channels=3)
        assert photo.shape == (H, W, 3)


def test_on_image_reports_every_image_in_order(tmp_path):
    seen: list[str] = []
    summary = synth.generate_demo(tmp_path / "d", dataset="pascal", num_images=2, height=32, width=48, on_image=seen.append)
    assert seen == list(summary.image_ids)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dataset": "coco"}, r"--dataset: expected 'cityscapes' or 'pascal', got 'coco'"),
        ({"num_images": 0}, r"--num-images: expected 1..10000, got 0"),
        ({"height": 8}, r"--height: expected 16..8192 pixels, got 8"),
        ({"width": 10_000}, r"--width: expected 16..8192 pixels, got 10000"),
        ({"seed": -1}, r"--seed: expected a non-negative integer, got -1"),
    ],
)
def test_bad_arguments_are_user_errors_and_write_nothing(tmp_path, kwargs, message):
    with pytest.raises(PpsError, match=message):
        synth.generate_demo(tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_demo_image_ids_are_never_substrings_of_each_other():
    for dataset in ("cityscapes", "pascal"):
        ids = synth.demo_image_ids(dataset, 12)
        assert ids == sorted(ids) and len(set(ids)) == 12
        assert not any(a != b and a in b for a in ids for b in ids)


# ----------------------------------------------------------------------------- ground truth


@pytest.mark.parametrize("which", ["cpp", "ppp"])
def test_gt_uids_are_valid(which, request):
    summary = request.getfixturevalue(which)
    first_iid = 0 if which == "cpp" else 1
    for image_id in summary.image_ids:
        uids = _gt(summary, image_id)
        assert uids.dtype == np.int32 and uids.shape == (H, W)
        assert invalid_uids(uids).size == 0
        d = decode_uids(uids)
        with_iid = uids > 99
        if with_iid.any():
            for sid in np.unique(d.sid[with_iid]):
                iids = np.unique(d.iid[with_iid & (d.sid == sid)])
                assert iids.min() == first_iid  # numbered per class from 0 (CPP) or 1 (PPP)


def test_pascal_gt_sid_pids_are_all_in_the_folding_table_and_need_folding(ppp):
    fold = PPP.dataset.pid_fold
    folded_somewhere = False
    for image_id in ppp.image_ids:
        uids = _gt(ppp, image_id)
        sid_pid = decode_uids(uids).sid_pid
        assert (fold[sid_pid] >= 0).all()
        assert not ((uids > 99_999) & (uids % 100 == 0)).any()  # no part-void: the reference crashes on it
        folded_somewhere |= bool((fold[sid_pid] != sid_pid).any())  # e.g. an aeroplane engine pid 7 -> 6
    assert folded_somewhere


def test_pascal_part_void_only_on_request(tmp_path):
    summary = synth.generate_demo(tmp_path / "d", dataset="pascal", num_images=2, height=H, width=W, pascal_part_void=True)
    uids = _gt(summary, summary.image_ids[0])
    assert ((uids > 99_999) & (uids % 100 == 0)).any()


@pytest.mark.parametrize("which", ["cpp", "ppp"])
def test_last_image_has_no_things_and_no_instances(which, request):
    summary = request.getfixturevalue(which)
    spec = _spec(summary)
    last = summary.image_ids[-1]
    sid = decode_uids(_gt(summary, last)).sid
    assert not np.isin(sid, sorted(spec.dataset.thing_sids)).any()
    assert json.loads((summary.instances_dir / f"{last}.json").read_text()) == []
    txt = next(summary.cityscapes_dir.rglob(f"{last}_pred.txt"))
    assert txt.read_text() == ""
    pps = io.read_png(summary.pps_dir / f"{last}.png", channels=3)
    assert not spec.is_thing[pps[..., 0]].any()


@pytest.mark.parametrize("which", ["cpp", "ppp"])
def test_every_image_with_things_has_crowd_or_partless_features(which, request):
    summary = request.getfixturevalue(which)
    spec = _spec(summary)
    things = sorted(spec.dataset.thing_sids)
    parts_classes = [s for s in things if spec.dataset.part_names[s]]
    for i, image_id in enumerate(summary.image_ids[:-1]):
        uids = _gt(summary, image_id)
        d = decode_uids(uids)
        partless = (uids > 999) & (uids <= 99_999) & np.isin(d.sid, parts_classes)
        assert partless.any(), image_id  # a parts-class instance without any part label
        if i % 2 == 0:
            assert (np.isin(uids, things)).any(), image_id  # crowd: a things sid without instance
    if which == "ppp":
        assert (_gt(summary, summary.image_ids[0]) == 2).any()  # bicycle crowd


def test_cityscapes_specials(cpp):
    uids = np.stack([_gt(cpp, image_id) for image_id in cpp.image_ids])
    d = decode_uids(uids)
    assert ((uids > 99_999) & (uids % 100 == 0)).any()  # part-void pixels inside instances
    assert (d.sid_pid == 2405).any()  # person pid 5: out of range, kept as its own label
    assert np.isin(d.sid, [0, 1, 2, 3, 4, 5, 6]).any()  # void classes (ego vehicle at the bottom)
    assert np.isin(d.sid, [7, 11, 23]).any()  # road, building, sky


def test_make_scene_without_things_and_with_options():
    rng = np.random.default_rng(3)
    uids = synth.make_scene(rng, 40, 60, "cityscapes", things=False)
    assert uids.max() <= 99
    uids = synth.make_scene(np.random.default_rng(3), 96, 160, "pascal", crowd=True, part_void=True)
    assert invalid_uids(uids).size == 0
    assert ((uids > 99_999) & (uids % 100 == 0)).any()
    with pytest.raises(ValueError, match="dataset must be"):
        synth.make_scene(rng, 40, 60, "coco")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- predictions


@pytest.mark.parametrize("which", ["cpp", "ppp"])
def test_coco_instances_decode_and_match_the_per_image_files(which, request):
    summary = request.getfixturevalue(which)
    spec = _spec(summary)
    everything = json.loads(summary.instances_json.read_text())
    per_image = []
    for i, image_id in enumerate(summary.image_ids):
        entries = json.loads((summary.instances_dir / f"{image_id}.json").read_text())
        expected_id = int(image_id) if which == "ppp" and i % 2 == 1 else image_id
        assert all(e["image_id"] == expected_id and type(e["image_id"]) is type(expected_id) for e in entries)
        per_image += entries
    assert per_image == everything
    assert len(everything) == summary.num_pred_instances > 0
    for entry in everything:
        assert entry["category_id"] in spec.things | spec.stuff
        assert 0 < entry["score"] < 1
        mask = mask_utils.decode(entry["segmentation"])
        assert mask.shape == (H, W) and mask.any()


@pytest.mark.parametrize("which", ["cpp", "ppp"])
def test_cityscapes_txt_files_parse_and_agree_with_coco(which, request):
    summary = request.getfixturevalue(which)
    for image_id in summary.image_ids:
        txt = next(summary.cityscapes_dir.rglob(f"{image_id}_pred.txt"))
        entries = json.loads((summary.instances_dir / f"{image_id}.json").read_text())
        lines = txt.read_text().splitlines()
        assert len(lines) == len(entries)
        for line, entry in zip(lines, entries, strict=True):
            rel, label, score = line.split(" ")
            assert int(label) == entry["category_id"] and float(score) == entry["score"]
            mask = io.read_mask_png(txt.parent / rel)  # relative to the txt's folder
            assert set(np.unique(mask)) <= {0, 255}
            np.testing.assert_array_equal(mask == 255, mask_utils.decode(entry["segmentation"]).astype(bool))


def test_mask_paths_relative_to_the_predictions_root_and_string_ids(tmp_path):
    summary = synth.generate_demo(
        tmp_path / "d", dataset="cityscapes", num_images=2, height=H, width=W, mask_paths="root", pascal_int_ids=False
    )
    txt = summary.cityscapes_dir / "frankfurt" / "frankfurt_000000_000019_pred.txt"
    lines = txt.read_text().splitlines()
    assert lines and all(line.startswith("frankfurt/masks/frankfurt_000000_000019_") for line in lines)
    assert all((summary.cityscapes_dir / line.split(" ")[0]).is_file() for line in lines)
    pascal = synth.generate_demo(tmp_path / "p", dataset="pascal", num_images=2, height=H, width=W, pascal_int_ids=False)
    assert all(isinstance(e["image_id"], str) for e in json.loads(pascal.instances_json.read_text()))
    with pytest.raises(PpsError, match=r"--mask-paths: expected 'txt' or 'root', got 'abs'"):
        synth.generate_demo(tmp_path / "x", mask_paths="abs")  # type: ignore[arg-type]


def test_instances_are_imperfect(cpp, ppp):
    scores = [e["score"] for s in (cpp, ppp) for e in json.loads(s.instances_json.read_text())]
    assert any(s < 0.5 for s in scores)
    assert len(set(scores)) < len(scores)  # ties


@pytest.mark.parametrize("which", ["cpp", "ppp"])
def test_semantic_parts_and_pps_pngs(which, request):
    summary = request.getfixturevalue(which)
    spec = _spec(summary)
    allowed_sem = set(spec.eval_sids) | {255}
    flat_ids = set(spec.file.eval_sid_pid2eval_pid_flat.values()) | {0}
    for image_id in summary.image_ids:
        gt = synth.gt_eval_labels(_gt(summary, image_id), spec)
        sem = io.read_png(summary.semantic_dir / f"{image_id}.png", channels=1)
        assert set(np.unique(sem).tolist()) <= allowed_sem
        agree = np.mean(sem == gt.eval_sid)
        assert 0.5 < agree < 1.0  # plausible but imperfect
        parts = io.read_png(summary.parts_dir / f"{image_id}.png", channels=1)
        assert set(np.unique(parts).tolist()) <= flat_ids
        if summary.parts_grouped_dir is not None:
            grouped = io.read_png(summary.parts_grouped_dir / f"{image_id}.png", channels=1)
            assert set(np.unique(grouped).tolist()) <= set(CPP_GROUPED.file.eval_sid_pid2eval_pid_flat.values()) | {0}
            assert ((parts > 0) == (grouped > 0)).all()  # the same prediction in another id space
        pps = io.read_png(summary.pps_dir / f"{image_id}.png", channels=3)
        cls, inst, part = pps[..., 0], pps[..., 1], pps[..., 2]
        assert set(np.unique(cls).tolist()) <= allowed_sem
        void = cls == 255
        assert (inst[void] == 0).all() and (part[void] == 0).all()
        stuff = np.isin(cls, sorted(spec.stuff))
        assert (inst[stuff] == 1).all()
        things = np.isin(cls, sorted(spec.things))
        assert (inst[things] >= 1).all()
        no_parts = np.isin(cls, sorted(spec.no_parts))
        assert (part[no_parts] == 1).all()


def test_pps_prediction_has_parts_and_unknown_parts(cpp):
    pps = np.stack([io.read_png(cpp.pps_dir / f"{i}.png", channels=3) for i in cpp.image_ids])
    parts_px = CPP.is_parts[pps[..., 0]]
    assert parts_px.any()
    assert set(np.unique(pps[..., 2][parts_px]).tolist()) <= {1, 2, 3, 4, 5, 255}
    assert (pps[..., 2][parts_px] == 255).any()  # part-void / part-less GT pixels


# ----------------------------------------------------------------------------- helpers


def test_jitter_labels_keeps_dtype_shape_and_values():
    rng = np.random.default_rng(0)
    labels = np.zeros((40, 50), np.int32)
    labels[10:30, 15:35] = 2_400_101
    labels[:, :5] = 7
    for dtype in (np.int32, np.uint8, np.int64, np.bool_):
        out = synth.jitter_labels(labels.astype(dtype), rng, amplitude=2.0)
        assert out.dtype == dtype and out.shape == labels.shape
        assert set(np.unique(out).tolist()) <= set(np.unique(labels.astype(dtype)).tolist())
    rgb = np.stack([labels % 256] * 3, -1).astype(np.uint8)
    assert synth.jitter_labels(rgb, rng).shape == rgb.shape
    same = synth.jitter_labels(labels, np.random.default_rng(1)), synth.jitter_labels(labels, np.random.default_rng(1))
    np.testing.assert_array_equal(*same)


def test_perturb_mask_and_coco_rle_round_trip():
    mask = np.zeros((30, 40), bool)
    mask[8:22, 10:30] = True
    assert (synth.perturb_mask(mask, np.random.default_rng(0), strength=0) == mask).all()
    out = synth.perturb_mask(mask, np.random.default_rng(0), strength=1.0)
    assert out.shape == mask.shape and out.dtype == bool and out.any()
    rle = synth.coco_rle(out)
    assert rle["size"] == [30, 40] and isinstance(rle["counts"], str)
    np.testing.assert_array_equal(mask_utils.decode(rle).astype(bool), out)


def test_synth_instance_full_mask():
    inst = synth.SynthInstance(26, 0.9, np.array([[True, False], [True, True]]), top=1, left=2)
    full = inst.full_mask(3, 5)
    assert full.flags.f_contiguous and full.dtype == np.uint8
    np.testing.assert_array_equal(full, [[0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 1, 0]])


def test_flat_part_ids_for_default_and_grouped_specs():
    sid_pids = np.array([[0, 2401, 2501], [2605, 2405, 7]], np.int32)
    np.testing.assert_array_equal(synth.flat_part_ids(sid_pids, CPP), [[0, 1, 5], [13, 0, 0]])
    np.testing.assert_array_equal(synth.flat_part_ids(sid_pids, CPP_GROUPED), [[0, 1, 1], [9, 0, 0]])


def test_gt_eval_labels_folds_pascal_pids():
    # aeroplane (sid 1) engine file pid 7 folds to engine = part 6, which the eval spec maps to 1_02
    uids = np.array([[100107, 100101, 15, 0]], np.int32)
    gt = synth.gt_eval_labels(uids, PPP)
    np.testing.assert_array_equal(gt.eval_sid, [[1, 1, 15, 255]])
    np.testing.assert_array_equal(gt.eval_sid_pid, [[PPP.sid_pid_to_eval[106], 101, 15, 0]])
    np.testing.assert_array_equal(gt.sid_iid, [[1001, 1001, 15, 0]])
