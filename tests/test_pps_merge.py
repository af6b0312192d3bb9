"""`pps pps`: the merge kernel on hand-made arrays, the panoptic JSON reader, golden data from the
reference, determinism across worker counts, and every bad input through the CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner, Result

from pps_cli.cli import app
from pps_cli.dataset import ImageInfo
from pps_cli.errors import PpsError
from pps_cli.formats.labels import segment_id_to_rgb
from pps_cli.formats.panoptic_json import PanopticAnnotation, load_panoptic_json, match_annotations
from pps_cli.io import read_png, write_png
from pps_cli.merge.pps import check_annotation, instance_numbers, merge_pps, merge_pps_rgb, part_lookup
from pps_cli.specs import bundled_specs_dir, load_eval_spec

GOLDEN = Path(__file__).parent / "golden" / "pps"
REFENV_PYTHON = Path("/work/refenv/bin/python")
runner = CliRunner()

CPP_DEFAULT = load_eval_spec("cpp-default")
CPP_GROUPED = load_eval_spec("cpp-grouped")
PPP_DEFAULT = load_eval_spec("ppp-default")
PERSON, RIDER, CAR, ROAD, BICYCLE = 24, 25, 26, 7, 33


def merge(seg, part, segments, spec=CPP_GROUPED, void=255):
    """Kernel call on lists: ``segments`` is [(id, category), ...] in segments_info order."""
    ids = [s for s, _ in segments]
    cats = [c for _, c in segments]
    return merge_pps(np.array(seg, np.int32), np.array(part, np.uint8), ids, cats, part_table=part_lookup(spec), void=void)


# ----------------------------------------------------------------------------- kernel


def test_instance_numbers_count_per_category_in_order():
    assert instance_numbers([7, 7, 9, 7]).tolist() == [1, 2, 1, 3]
    assert instance_numbers([]).tolist() == []


def test_part_lookup_grouped_flat_ids_belong_to_several_classes():
    table = part_lookup(CPP_GROUPED)
    # person and rider share flat ids 1..4; car, truck and bus share 5..9
    assert table[PERSON, 1:5].tolist() == [1, 2, 3, 4] and table[RIDER, 1:5].tolist() == [1, 2, 3, 4]
    assert table[CAR, 5:10].tolist() == [1, 2, 3, 4, 5]
    assert table[PERSON, [0, 5, 9, 255]].tolist() == [255] * 4  # not a person part: void
    assert set(table[ROAD].tolist()) == {1} and set(table[0].tolist()) == {1}  # no parts / not in spec


def test_part_lookup_membership_of_eval_sid_parts_decides():
    table = part_lookup(PPP_DEFAULT)
    # boat (4) has flat id 12 in eval_sid_pid2eval_pid_flat but is not in eval_sid_parts: part 1
    assert table[4, 12] == 1 and set(table[4].tolist()) == {1}
    # aeroplane (1) is a parts class: its flat ids 1..5 give pids 1..5, boat's flat 12 is void
    assert table[1, 1:6].tolist() == [1, 2, 3, 4, 5] and table[1, 12] == 255


def test_merge_grouped_by_hand():
    a, b, c = 1000, 70000, 5  # person, rider, road; 0 = no segment
    seg = [[a, a, b, b],
           [a, a, b, b],
           [c, c, 0, 0]]  # fmt: skip
    part = [[1, 5, 1, 2],
            [0, 255, 6, 4],
            [1, 2, 3, 4]]  # fmt: skip
    result = merge(seg, part, [(a, PERSON), (b, RIDER), (c, ROAD)])
    pps = result.pps
    assert pps.dtype == np.uint8 and pps.shape == (3, 4, 3)
    assert pps[..., 0].tolist() == [[24, 24, 25, 25], [24, 24, 25, 25], [7, 7, 255, 255]]
    assert pps[..., 1].tolist() == [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 0, 0]]
    # person: flat 1 -> pid 1; flat 5 (car's), 0 and 255 -> void. rider: 1, 2, 4 -> pids; 6 -> void.
    # road: part 1 whatever the flat id. Unsegmented pixels: part 0.
    assert pps[..., 2].tolist() == [[1, 255, 1, 2], [255, 255, 255, 4], [1, 1, 0, 0]]
    assert result.areas.tolist() == [4, 4, 2] and result.unlisted_ids.tolist() == []


def test_merge_default_spec_flat_id_of_another_class_is_void():
    # cpp-default: flat 5 is rider's part 1, so on a person it is void; on a rider it is pid 1
    result = merge([[1, 1, 2, 2]], [[5, 1, 5, 1]], [(1, PERSON), (2, RIDER)], spec=CPP_DEFAULT)
    assert result.pps[..., 2].tolist() == [[255, 1, 1, 255]]


def test_merge_counts_every_entry_and_last_entry_of_an_id_wins():
    seg = [[10, 11, 12, 13]]
    segments = [(10, CAR), (11, CAR), (99, CAR), (12, CAR), (13, ROAD), (13, ROAD)]
    result = merge(seg, [[5, 5, 5, 5]], segments)
    # 99 has no pixels but counts: 12 is car number 4. 13 is listed twice: painted as road 1, then road 2.
    assert result.pps[0].tolist() == [[26, 1, 1], [26, 2, 1], [26, 4, 1], [7, 2, 1]]
    assert result.areas.tolist() == [1, 1, 0, 1, 1, 1]


def test_merge_id_listed_with_two_categories_takes_the_last():
    result = merge([[10, 10]], [[1, 2]], [(10, PERSON), (11, PERSON), (10, ROAD)])
    assert result.pps[0].tolist() == [[7, 1, 1], [7, 1, 1]]
    result = merge([[10, 10]], [[1, 9]], [(10, ROAD), (10, PERSON), (10, PERSON)])
    assert result.pps[0].tolist() == [[24, 2, 1], [24, 2, 255]]


def test_merge_unlisted_ids_keep_the_canvas():
    result = merge([[0, 5, 6, 6]], [[1, 1, 1, 1]], [(6, ROAD)])
    assert result.pps[0].tolist() == [[255, 0, 0], [255, 0, 0], [7, 1, 1], [7, 1, 1]]
    assert result.unlisted_ids.tolist() == [5]  # id 0 means "no segment": not reported
    # id 0 listed in segments_info is a segment like any other
    result = merge([[0, 6]], [[1, 1]], [(0, ROAD), (6, CAR)])
    assert result.pps[0].tolist() == [[7, 1, 1], [26, 1, 255]] and result.unlisted_ids.tolist() == []


def test_merge_categories_outside_the_spec_are_written_with_part_1():
    result = merge([[3, 4]], [[1, 1]], [(3, 0), (4, 200)])
    assert result.pps[0].tolist() == [[0, 1, 1], [200, 1, 1]]


def test_merge_255_segments_of_a_category_fit_256_do_not():
    seg = np.arange(1, 256, dtype=np.int32)[None]
    result = merge_pps(seg, np.zeros_like(seg, np.uint8), np.arange(1, 256), [CAR] * 255, part_table=part_lookup(CPP_DEFAULT))
    assert result.pps[0, :, 1].tolist() == list(range(1, 256))
    with pytest.raises(ValueError, match="more than 255 segments of one category"):
        merge_pps(seg, np.zeros_like(seg, np.uint8), np.arange(1, 257), [CAR] * 256, part_table=part_lookup(CPP_DEFAULT))


def test_merge_void_label_follows_ignore_label(tmp_path):
    spec = _custom_spec(tmp_path, ignore_label=254, drop_flats_of=28)
    table = part_lookup(spec)
    assert table[PERSON, 0] == 254 and table[PERSON, 1] == 1
    assert set(table[28].tolist()) == {254}  # a parts class without flat ids: void everywhere
    result = merge_pps(np.array([[0, 1]]), np.array([[9, 9]], np.uint8), [1], [28], part_table=table, void=254)
    assert result.pps[0].tolist() == [[254, 0, 0], [28, 1, 254]]


def test_merge_contract_errors():
    table = part_lookup(CPP_DEFAULT)
    with pytest.raises(ValueError, match="part_map must be"):
        merge_pps(np.zeros((2, 2), np.int32), np.zeros((2, 3), np.uint8), [], [], part_table=table)
    with pytest.raises(ValueError, match="category ids must be in 0..255"):
        merge_pps(np.zeros((1, 1), np.int32), np.zeros((1, 1), np.uint8), [1], [256], part_table=table)
    with pytest.raises(ValueError, match="segment ids must be in"):
        merge_pps(np.full((1, 1), 1 << 24), np.zeros((1, 1), np.uint8), [], [], part_table=table)


def _reference_merge(seg, part, segments, spec):
    """The reference's loop (merge_to_pps.merge), one full-image mask per entry, as a test oracle."""
    flats = spec.file.eval_sid_pid2eval_pid_flat
    void = spec.ignore_label
    cls = np.full(seg.shape, void, np.int32)
    inst = np.zeros(seg.shape, np.int32)
    prt = np.zeros(seg.shape, np.int32)
    counts: dict[int, int] = {}
    for segment_id, cat in segments:
        counts[cat] = counts.get(cat, 0) + 1
        mask = seg == segment_id
        cls[mask], inst[mask] = cat, counts[cat]
        if cat in spec.parts:
            prt[mask] = void
            for sid_pid, flat in flats.items():
                if sid_pid // 100 == cat:
                    prt[mask & (part == flat)] = sid_pid % 100
        else:
            prt[mask] = 1
    return np.stack([cls, inst, prt], axis=-1).astype(np.uint8)


@pytest.mark.parametrize("spec", [CPP_DEFAULT, CPP_GROUPED, PPP_DEFAULT], ids=lambda s: s.name)
def test_merge_equals_the_reference_loop_on_random_inputs(spec):
    rng = np.random.default_rng(0)
    categories = np.array(list(spec.eval_sids) + [0, 200])
    for _ in range(30):
        ids = rng.choice(1 << 24, 12, replace=False)
        seg = rng.choice(np.append(ids, 0), (9, 11))
        part = rng.choice(np.array([0, 1, 2, 3, 5, 6, 9, 12, 27, 55, 255]), (9, 11)).astype(np.uint8)
        # entries: some ids twice, some absent from the map, some map ids unlisted
        listed = rng.choice(np.append(ids, [7, 8]), rng.integers(0, 16))
        segments = [(int(i), int(rng.choice(categories))) for i in listed]
        result = merge(seg, part, segments, spec=spec)
        np.testing.assert_array_equal(result.pps, _reference_merge(seg, part, segments, spec))
        unlisted = sorted(set(np.unique(seg).tolist()) - {s for s, _ in segments} - {0})
        assert result.unlisted_ids.tolist() == unlisted


@pytest.mark.parametrize("spec", [CPP_DEFAULT, PPP_DEFAULT], ids=lambda s: s.name)
def test_merge_from_colors_equals_merge_from_ids(spec):
    rng = np.random.default_rng(1)
    categories = np.array(list(spec.eval_sids) + [0, 200])
    for _ in range(20):
        ids = np.append(rng.choice(1 << 24, 6, replace=False), [0, 255, 256, 65536])
        # blocky maps (runs along rows) with a few single-pixel specks
        seg = np.repeat(rng.choice(ids, (7, 4)), 3, axis=1)
        seg[rng.integers(0, 7, 3), rng.integers(0, 12, 3)] = rng.choice(ids, 3)
        part = np.repeat(rng.choice(np.array([0, 1, 2, 9, 255], np.uint8), (7, 6)), 2, axis=1)
        listed = rng.choice(ids, rng.integers(0, 12))
        cats = rng.choice(categories, listed.size)
        table = part_lookup(spec)
        by_ids = merge_pps(seg, part, listed, cats, part_table=table)
        by_colors = merge_pps_rgb(segment_id_to_rgb(seg), part, listed, cats, part_table=table)
        np.testing.assert_array_equal(by_colors.pps, by_ids.pps)
        assert by_colors.areas.tolist() == by_ids.areas.tolist()
        assert by_colors.unlisted_ids.tolist() == by_ids.unlisted_ids.tolist()


def test_merge_from_colors_of_an_empty_image():
    result = merge_pps_rgb(np.zeros((0, 4, 3), np.uint8), np.zeros((0, 4), np.uint8), [1], [7], part_table=part_lookup(CPP_DEFAULT))
    assert result.pps.shape == (0, 4, 3) and result.areas.tolist() == [0] and result.unlisted_ids.tolist() == []


# ----------------------------------------------------------------------------- panoptic JSON


def test_panoptic_json_any_coco_output(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({
        "info": {}, "categories": [],
        "annotations": [
            {"image_id": 2008000393, "file_name": "a.png",
             "segments_info": [{"id": 5, "category_id": 7, "area": 3, "iscrowd": 0}]},
            {"image_id": "b", "file_name": "b.png", "segments_info": [], "extra": True},
            {"image_id": "12", "file_name": "c.png", "segments_info": [{"id": 6.0, "category_id": 26}]},
        ],
    }))  # fmt: skip
    annotations = load_panoptic_json(path)
    assert annotations[0] == PanopticAnnotation(2008000393, "a.png", (5,), (7,))
    assert annotations[2].segment_ids == (6,)
    images = [ImageInfo("2008_000393", "x.png", 1, 1), ImageInfo("b", "y.png", 1, 1), ImageInfo(12, "z.png", 1, 1)]
    matched = match_annotations(images, annotations, path=path)
    # by int(id) as panopticapi stores it; by the id as given; by string form (int id in images.json)
    assert [matched[k].file_name for k in ("2008_000393", "b", "12")] == ["a.png", "b.png", "c.png"]
    with pytest.raises(PpsError, match=r"p.json: no annotation for 1 of 1 images of images.json: nope \(annotation image_ids"):
        match_annotations([ImageInfo("nope", "n.png", 1, 1)], annotations, path=path)


def test_panoptic_json_as_given_beats_int(tmp_path):
    annotations = [PanopticAnnotation(7, "int.png", (), ()), PanopticAnnotation("007", "str.png", (), ())]
    matched = match_annotations([ImageInfo("007", "x.png", 1, 1)], annotations, path=tmp_path / "p.json")
    assert matched["007"].file_name == "str.png"
    matched = match_annotations([ImageInfo("7", "x.png", 1, 1)], annotations, path=tmp_path / "p.json")
    assert matched["7"].file_name == "int.png"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([], "expected a COCO panoptic JSON object with an 'annotations' list"),
        ({"annotations": [{"file_name": "a.png", "segments_info": []}]}, r"annotations\[0\]: missing or invalid 'image_id'"),
        ({"annotations": [{"image_id": 1, "segments_info": []}]},
         r"annotations\[0\] \(image_id 1\): missing or invalid 'file_name'"),
        ({"annotations": [{"image_id": 1, "file_name": "a.png"}]}, "missing or invalid 'segments_info'"),
        ({"annotations": [{"image_id": 1, "file_name": "a", "segments_info": [{"id": "5", "category_id": 7}]}]},
         r"segments_info\[0\]: needs integer 'id' and 'category_id'"),
        ({"annotations": [{"image_id": 1, "file_name": "a", "segments_info": []}] * 2}, "several annotations for image_id 1"),
    ],
)  # fmt: skip
def test_panoptic_json_errors(tmp_path, content, message):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(content))
    with pytest.raises(PpsError, match=message):
        load_panoptic_json(path)


def test_check_annotation_255_ok_256_names_image_and_category(tmp_path):
    ok = PanopticAnnotation("a", "a.png", tuple(range(1, 256)), (CAR,) * 255)
    check_annotation(ok, spec=CPP_DEFAULT, image_key="a", panoptic_json="p.json")
    crowded = PanopticAnnotation("a", "a.png", tuple(range(1, 258)), (ROAD,) + (CAR,) * 256)
    with pytest.raises(PpsError, match=r"p.json: image a: 256 segments of category 26 \(car\); at most 255"):
        check_annotation(crowded, spec=CPP_DEFAULT, image_key="a", panoptic_json="p.json")


# ----------------------------------------------------------------------------- driver and CLI


def _custom_spec(tmp_path, *, ignore_label=255, drop_flats_of=None):
    path = bundled_specs_dir() / "eval_specs" / "ppq_cpp_19_23_cvpr21_default_evalspec.yaml"
    data = yaml.safe_load(path.read_text())
    data["ignore_label"] = ignore_label
    if drop_flats_of is not None:
        flats = data["eval_sid_pid2eval_pid_flat"]
        data["eval_sid_pid2eval_pid_flat"] = {k: v for k, v in flats.items() if k // 100 != drop_flats_of}
    out = tmp_path / "custom_evalspec.yaml"
    out.write_text(yaml.safe_dump(data))
    return load_eval_spec(out)


def make_inputs(root: Path, images: dict[str, tuple[np.ndarray, list[tuple[int, int]], np.ndarray]], *, int_ids=()):
    """Write images.json, panoptic/<id>.png, panoptic.json and parts/<id>.png for {id: (seg, segments, part)}."""
    entries, annotations = [], []
    for image_id, (seg, segments, part) in images.items():
        height, width = seg.shape
        write_png(root / "panoptic" / f"{image_id}.png", segment_id_to_rgb(seg))
        write_png(root / "parts" / f"{image_id}.png", part.astype(np.uint8))
        entries.append({"id": image_id, "file_name": f"{image_id}.jpg", "width": width, "height": height})
        annotations.append({
            "image_id": int(image_id) if image_id in int_ids else image_id,
            "file_name": f"{image_id}.png",
            "segments_info": [{"id": s, "category_id": c, "iscrowd": 0} for s, c in segments],
        })  # fmt: skip
    (root / "images.json").write_text(json.dumps({"images": entries}))
    (root / "panoptic.json").write_text(json.dumps({"annotations": annotations, "categories": []}))


def invoke(args: list[str], workers: int = 1) -> Result:
    """Run ``pps ARGS -j WORKERS`` (more than 1 worker: parallel_map's pool of processes)."""
    return runner.invoke(app, [*args, "-j", str(workers)])


def _args(root: Path, out: str, spec: str = "cpp-default") -> list[str]:
    return ["-s", spec, "--panoptic-dir", str(root / "panoptic"), "--panoptic-json", str(root / "panoptic.json"),
            "--parts", str(root / "parts"), "--images", str(root / "images.json"), "-o", str(root / out)]  # fmt: skip


def run_pps(root: Path, *, workers: int = 1, spec="cpp-default", out="out") -> Result:
    return invoke(["pps", *_args(root, out, spec)], workers)


@pytest.fixture
def inputs(tmp_path):
    """Two 4x6 images: person with parts, a car, road, unsegmented pixels; ids as str and as int(id)."""
    seg = np.array([[1, 1, 2, 2, 3, 3]] * 4)
    seg[3, :] = 0
    part = np.tile(np.array([[1, 9, 9, 0, 1, 1]]), (4, 1))
    make_inputs(
        tmp_path,
        {
            "2008_000393": (seg, [(1, PERSON), (2, CAR), (3, ROAD)], part),
            "frankfurt_000000_000294": (seg * 1000, [(1000, PERSON), (2000, PERSON), (3000, ROAD)], part),
        },
        int_ids={"2008_000393"},
    )
    return tmp_path


def test_cli_merges_and_names_outputs_like_the_panoptic_pngs(inputs):
    result = run_pps(inputs)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote 2 PPS PNGs to {inputs / 'out'}"
    pps = read_png(inputs / "out" / "2008_000393.png", channels=3)
    # person flat 1 -> pid 1, flat 9 (car's part 1) void; car flat 9 -> pid 1, flat 0 void; road part 1
    assert pps[0].tolist() == [[24, 1, 1], [24, 1, 255], [26, 1, 1], [26, 1, 255], [7, 1, 1], [7, 1, 1]]
    assert pps[3].tolist() == [[255, 0, 0]] * 6
    pps = read_png(inputs / "out" / "frankfurt_000000_000294.png", channels=3)
    assert pps[0, :, 1].tolist() == [1, 1, 2, 2, 1, 1] and pps[0, 2:4, 2].tolist() == [255, 255]
    assert sorted(p.name for p in inputs.iterdir()) == ["images.json", "out", "panoptic", "panoptic.json", "parts"]


def test_cli_warns_about_listed_segments_without_pixels(inputs):
    data = json.loads((inputs / "panoptic.json").read_text())
    data["annotations"][0]["segments_info"].insert(0, {"id": 77, "category_id": ROAD})
    (inputs / "panoptic.json").write_text(json.dumps(data))
    result = run_pps(inputs)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "1 segments_info entries in 1 images have no pixels" in result.stderr
    assert "2008_000393: 77" in result.stderr
    # the empty entry still counts: the listed road is road number 2
    assert read_png(inputs / "out" / "2008_000393.png", channels=3)[0, 4].tolist() == [7, 2, 1]


def _break(root: Path, case: str) -> str:
    """Make one input bad; return the start of the expected error message (a regex)."""
    panoptic = json.loads((root / "panoptic.json").read_text())
    expected = _break_one(root, panoptic, case)
    (root / "panoptic.json").write_text(json.dumps(panoptic))
    return expected


def _break_one(root: Path, panoptic: dict, case: str) -> str:
    first = panoptic["annotations"][1]["segments_info"]
    if case == "part missing":
        (root / "parts" / "frankfurt_000000_000294.png").unlink()
        return rf"{root / 'parts'}: no part PNG file for 1 of 2 images: frankfurt_000000_000294"
    if case == "part size":
        write_png(root / "parts" / "frankfurt_000000_000294.png", np.zeros((4, 5), np.uint8))
        return rf"{root / 'parts' / 'frankfurt_000000_000294.png'}: size 5x4, expected 6x4 \(panoptic PNG"
    if case == "panoptic missing":
        (root / "panoptic" / "frankfurt_000000_000294.png").unlink()
        return rf"{root / 'panoptic' / 'frankfurt_000000_000294.png'}: file not found"
    if case == "panoptic size":
        write_png(root / "panoptic" / "frankfurt_000000_000294.png", np.zeros((3, 6, 3), np.uint8))
        return rf"{root / 'panoptic' / 'frankfurt_000000_000294.png'}: size 6x3, expected 6x4 \(images.json\)"
    if case == "id not in json":
        del first[1]
        return (rf"{root / 'panoptic' / 'frankfurt_000000_000294.png'}: segment ids 2000 are not in the segments_info "
                rf"of image_id 'frankfurt_000000_000294' in {root / 'panoptic.json'}")  # fmt: skip
    if case == "category not in spec":
        first[0]["category_id"] = 34
        return rf"{root / 'panoptic.json'}: image frankfurt_000000_000294: category_id 34 not evaluated by EvalSpec cpp-default"
    if case == "no annotation":
        panoptic["annotations"][1]["image_id"] = "frankfurt"
        return rf"{root / 'panoptic.json'}: no annotation for 1 of 2 images of images.json: frankfurt_000000_000294"
    if case == "too many instances":
        first.extend({"id": 10_000 + k, "category_id": PERSON} for k in range(254))
        return rf"{root / 'panoptic.json'}: image frankfurt_000000_000294: 256 segments of category 24 \(person\)"
    if case == "same file_name":
        panoptic["annotations"][1]["file_name"] = "2008_000393.png"
        return rf"{root / 'panoptic.json'}: images 2008_000393 and frankfurt_000000_000294 both have file_name"
    raise AssertionError(case)


BAD_INPUTS = ["part missing", "part size", "panoptic missing", "panoptic size", "id not in json",
              "category not in spec", "no annotation", "too many instances", "same file_name"]  # fmt: skip


FOUND_BY_WORKERS = ["part size", "panoptic missing", "panoptic size", "id not in json"]


@pytest.mark.parametrize(("case", "workers"), [(case, 1) for case in BAD_INPUTS] + [(case, 2) for case in FOUND_BY_WORKERS])
def test_cli_bad_input_is_one_line_exit_2_and_writes_nothing(inputs, case, workers):
    expected = _break(inputs, case)
    result = run_pps(inputs, workers=workers)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert re.match(expected, lines[0][len("error: ") :]), lines[0]
    assert sorted(p.name for p in inputs.iterdir()) == ["images.json", "panoptic", "panoptic.json", "parts"]


def test_cli_replaces_outputs_only_with_overwrite(inputs):
    assert run_pps(inputs).exit_code == 0
    before = (inputs / "out" / "2008_000393.png").read_bytes()
    result = run_pps(inputs)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {inputs / 'out'}: 2 of the 2 PPS PNGs already exist (2008_000393.png, ")
    assert result.stderr.strip().endswith("add --overwrite to replace them")
    result = invoke(["pps", *_args(inputs, "out"), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert (inputs / "out" / "2008_000393.png").read_bytes() == before


def test_cli_file_names_may_have_folders_but_not_leave_the_output(inputs):
    panoptic = json.loads((inputs / "panoptic.json").read_text())
    panoptic["annotations"][0]["file_name"] = "pascal/2008_000393.png"
    (inputs / "panoptic" / "pascal").mkdir()
    (inputs / "panoptic" / "2008_000393.png").rename(inputs / "panoptic" / "pascal" / "2008_000393.png")
    (inputs / "panoptic.json").write_text(json.dumps(panoptic))
    assert run_pps(inputs).exit_code == 0
    assert (inputs / "out" / "pascal" / "2008_000393.png").is_file()
    panoptic["annotations"][0]["file_name"] = "../2008_000393.png"
    (inputs / "panoptic.json").write_text(json.dumps(panoptic))
    result = run_pps(inputs, out="out2")
    assert result.exit_code == 2 and "file_name '../2008_000393.png' must be relative to the panoptic folder" in result.stderr


def test_cli_refuses_to_write_into_an_input_folder(inputs):
    result = run_pps(inputs, out="panoptic")
    assert result.exit_code == 2 and "--output is the same path as the input --panoptic-dir" in result.stderr


# ----------------------------------------------------------------------------- golden data from the reference


def _run_case(case_dir: Path, spec: str, out: Path, workers: int = 1, parts: str = "parts"):
    args = ["pps", "-s", spec, "--panoptic-dir", str(case_dir / "panoptic"), "--panoptic-json",
            str(case_dir / "panoptic.json"), "--parts", str(case_dir / parts), "--images",
            str(case_dir / "images.json"), "-o", str(out)]  # fmt: skip
    if not case_dir.name.startswith("demo-"):
        args.append("--no-parts-check")  # random flat ids of every class, on purpose
    result = invoke(args, workers)
    assert result.exit_code == 0, result.output
    return result


def _assert_same_pixels(expected_dir: Path, out: Path) -> int:
    expected = sorted(p.name for p in expected_dir.glob("*.png"))
    assert expected and sorted(p.name for p in out.glob("*.png")) == expected
    for name in expected:
        np.testing.assert_array_equal(read_png(out / name, channels=3), read_png(expected_dir / name, channels=3), err_msg=name)
    return len(expected)


@pytest.mark.parametrize("case", ["cpp-default", "cpp-grouped", "ppp-default"])
def test_golden(tmp_path, case):
    """Random adversarial inputs (make_golden.py): duplicates, empty entries, flat ids of every class."""
    _run_case(GOLDEN / case, case, tmp_path / "out")
    assert _assert_same_pixels(GOLDEN / case / "expected", tmp_path / "out") == 3


@pytest.mark.parametrize(
    ("dataset", "spec", "parts"),
    [("cityscapes", "cpp-default", "parts"), ("cityscapes", "cpp-grouped", "parts_grouped"), ("pascal", "ppp-default", "parts")],
)
def test_golden_demo(tmp_path, dataset, spec, parts):
    """`pps demo` data (make_demo_golden.py): realistic part maps, panoptic segments from its PPS predictions."""
    case = GOLDEN / f"demo-{dataset}"
    _run_case(case, spec, tmp_path / "out", parts=parts)
    assert _assert_same_pixels(case / f"expected-{spec}", tmp_path / "out") == 3


def test_output_bytes_do_not_depend_on_workers(tmp_path):
    case = GOLDEN / "ppp-default"
    _run_case(case, "ppp-default", tmp_path / "one", 1)
    _run_case(case, "ppp-default", tmp_path / "two", 2)
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir()) and len(names) == 3
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


@pytest.mark.skipif(not REFENV_PYTHON.exists(), reason="reference venv /work/refenv not available")
def test_live_parity_with_the_reference(tmp_path):
    """Fresh random inputs (other seeds and size than the stored golden data) through the reference and pps."""
    subprocess.run(
        [str(REFENV_PYTHON), str(GOLDEN / "make_golden.py"), "--out", str(tmp_path), "--seed", "1000", "--size", "200x48"],
        check=True, capture_output=True,
    )  # fmt: skip
    for case in ("cpp-default", "cpp-grouped", "ppp-default"):
        _run_case(tmp_path / case, case, tmp_path / f"{case}-out")
        _assert_same_pixels(tmp_path / case / "expected", tmp_path / f"{case}-out")
    shutil.rmtree(tmp_path)


def test_empty_image_gives_an_empty_pps_array():
    spec = load_eval_spec("cpp-default")
    result = merge_pps(np.zeros((0, 3), np.int32), np.zeros((0, 3), np.uint8), [], [], part_table=part_lookup(spec))
    assert result.pps.shape == (0, 3, 3) and result.pps.dtype == np.uint8


@pytest.mark.parametrize("spec", [CPP_DEFAULT, PPP_DEFAULT], ids=lambda s: s.name)
def test_part_pairs_from_runs_equal_the_pixel_count_on_sampled_rows(spec):
    from pps_cli.formats.checks import part_pair_counts
    from pps_cli.merge.pps import _merge_with_runs, _sampled_part_pairs

    rng = np.random.default_rng(3)
    categories = np.array(list(spec.eval_sids) + [0, 200])
    seen = 0
    for height, width in [(9, 7), (13, 4), (1, 5), (8, 1), (17, 6)]:
        ids = np.append(rng.choice(1 << 24, 5, replace=False), 0)
        seg = np.repeat(rng.choice(ids, (height, (width + 1) // 2)), 2, axis=1)[:, :width]
        part = rng.choice(np.array([0, 1, 2, 3, 9, 255], np.uint8), (height, width))
        listed = rng.choice(ids, 6)
        cats = rng.choice(categories, listed.size)
        result, runs = _merge_with_runs(segment_id_to_rgb(seg), part, listed, cats, part_table=part_lookup(spec), void=255)
        keys, counts = _sampled_part_pairs(runs, width, spec.is_parts)
        expected_keys, expected_counts = part_pair_counts(result.pps[..., 0], part, spec.is_parts)
        assert keys.tolist() == expected_keys.tolist() and counts.tolist() == expected_counts.tolist()
        seen += keys.size
    assert seen > 0


@pytest.mark.parametrize("layout", ["png rows", "column-major"])
def test_merge_writes_into_the_given_array(layout):
    """The driver's merge fills the PNG rows it is given (or, for a layout OpenCV cannot write, copies into it)."""
    from pps_cli.io import encode_png, encode_png_rows, png_rows
    from pps_cli.merge.pps import _merge_with_runs

    seg = np.array([[1000, 1000, 70000], [5, 0, 70000]], np.int32)
    part = np.array([[1, 5, 2], [3, 0, 4]], np.uint8)
    expected = merge(seg, part, [(1000, PERSON), (70000, RIDER), (5, ROAD)]).pps
    if layout == "png rows":
        rows, out = png_rows(2, 3, channels=3)
    else:
        rows, out = None, np.empty((3, 2, 3), np.uint8).transpose(1, 0, 2)
    result, _ = _merge_with_runs(
        seg, part, [1000, 70000, 5], [PERSON, RIDER, ROAD], part_table=part_lookup(CPP_GROUPED), void=255, out=out
    )
    assert result.pps is out
    np.testing.assert_array_equal(out, expected)
    if rows is not None:
        assert rows[:, 0].tolist() == [0, 0] and encode_png_rows(rows, channels=3) == encode_png(expected)
