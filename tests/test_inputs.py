"""Inputs as detectron2 / TAPPS / train-id networks write them, built from demo data: every variant must give
byte-identical outputs to the eval-id COCO path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from pps_cli.cli import app
from pps_cli.demo.synth import generate_demo
from pps_cli.errors import PpsError
from pps_cli.formats.idspaces import EVAL, IdSpace, id_table, label_lut, parse_id_space, to_eval_ids
from pps_cli.formats.labels import rgb_to_segment_id
from pps_cli.formats.panoptic_json import read_segment_map
from pps_cli.io import read_png, write_png
from pps_cli.specs import load_eval_spec

runner = CliRunner()
CPP = load_eval_spec("cpp-default")
PPP = load_eval_spec("ppp-default")


def invoke(args):
    return runner.invoke(app, [*args, "-j", "1"])


def contiguous_of(spec):
    """(256,) uint8: eval sid -> contiguous training id (255 elsewhere), the inverse of the contiguous space."""
    table = np.full(256, 255, np.uint8)
    table[list(spec.eval_sids)] = np.arange(len(spec.eval_sids))
    return table


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """CPP demo data (3 images) with its eval-id panoptic merge in pan/."""
    root = tmp_path_factory.mktemp("inputs")
    generate_demo(root, num_images=3, height=128, width=256, seed=3)
    assert runner.invoke(app, ["images-json", str(root / "gt"), "-o", str(root / "images.json")]).exit_code == 0
    pred = root / "predictions"
    result = invoke(["panoptic", "-s", "cpp-default", "--semantic", str(pred / "semantic"), "--instances",
                     str(pred / "instances.json"), "--images", str(root / "images.json"), "-o", str(root / "pan")])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = invoke(["pps", "-s", "cpp-default", "--panoptic-dir", str(root / "pan" / "panoptic"), "--panoptic-json",
                     str(root / "pan" / "panoptic.json"), "--parts", str(pred / "parts"), "--images",
                     str(root / "images.json"), "-o", str(root / "pps")])  # fmt: skip
    assert result.exit_code == 0, result.output
    return root


def same_files(a: Path, b: Path):
    """Same PNG bytes per image id (a per-image folder names its PNGs <id>.png, COCO by file_name)."""

    def by_id(folder):
        return {p.name.replace("_gtFine_leftImg8bit", ""): p.read_bytes() for p in folder.glob("*.png")}

    expected, found = by_id(a), by_id(b)
    assert expected and sorted(expected) == sorted(found)
    for name, data in expected.items():
        assert found[name] == data, name


def pps_args(demo, panoptic_dir, out, *extra, parts="parts"):
    return ["pps", "-s", "cpp-default", "--panoptic-dir", str(panoptic_dir), "--parts", str(demo / "predictions" / parts),
            "--images", str(demo / "images.json"), "-o", str(out), *extra]  # fmt: skip


# ----------------------------------------------------------------------------- id spaces (pure)


def test_contiguous_table_indexes_the_sorted_eval_sids():
    table = id_table(parse_id_space("contiguous"), CPP)
    # cpp-default eval sids: 7, 8, 11, ... 33; train id 0 = road (7), 18 = bicycle (33); 19.. undefined
    assert table[0] == 7 and table[18] == 33 and table[19] == -1 and table[255] == 255
    assert to_eval_ids([0, 13, 255, 300], table).tolist() == [7, 26, 255, -1]
    assert label_lut(table)[19] == 255  # undefined ids of label maps become void


def test_eval_space_is_the_identity_and_keeps_large_ids():
    assert to_eval_ids([3, 26, 999], id_table(EVAL, CPP)).tolist() == [3, 26, 999]


def test_mapping_file_json_and_yaml(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({"0": 24, "1": 26}))
    (tmp_path / "m.yaml").write_text("0: 24\n1: 26\n")
    for name in ("m.json", "m.yaml"):
        space = parse_id_space(str(tmp_path / name), option="--x")
        assert space == IdSpace("mapping", ((0, 24), (1, 26)), str(tmp_path / name), True)
        assert id_table(space, CPP)[[0, 1, 2]].tolist() == [24, 26, -1]
    assert parse_id_space({5: 7}).mapping == ((5, 7),)
    for key in (-1, 300):  # as in a file: -1 would otherwise remap void (table[-1])
        with pytest.raises(PpsError, match=rf"^category_ids: training id {key} outside 0\.\.255$"):
            parse_id_space({key: 24}, option="category_ids")


@pytest.mark.parametrize(
    ("content", "message"),
    [("[1, 2]", "expected a non-empty mapping"), ("a: b", "is not an integer pair"), ("300: 7", "outside 0..255"),
     ("{", "not a JSON or YAML mapping")],
)  # fmt: skip
def test_bad_mapping_files(tmp_path, content, message):
    (tmp_path / "m.yaml").write_text(content)
    with pytest.raises(PpsError, match=message):
        parse_id_space(str(tmp_path / "m.yaml"), option="--x")


def test_mapping_to_a_sid_the_spec_does_not_evaluate_and_unknown_words():
    with pytest.raises(PpsError, match=r"maps to ids that cpp-default does not evaluate: 0: 9"):
        id_table(parse_id_space({0: 9}), CPP)
    with pytest.raises(PpsError, match=r"--x: 'contiguos': expected eval, contiguous or a mapping file"):
        parse_id_space("contiguos", option="--x")


# ----------------------------------------------------------------------------- detectron2 / TAPPS folders


def write_tapps_folder(demo: Path, out: Path, *, dtype=np.uint8, as_object=False, contiguous=True, rgb=False):
    """The eval-id COCO panoptic merge of the demo rewritten as <id>.png + <id>.json per image."""
    out.mkdir()
    document = json.loads((demo / "pan" / "panoptic.json").read_text())
    inverse = contiguous_of(CPP)
    for annotation in document["annotations"]:
        ids = rgb_to_segment_id(read_png(demo / "pan" / "panoptic" / annotation["file_name"], channels=3))
        image_id = annotation["image_id"]
        if rgb:
            write_png(out / f"{image_id}.png", read_png(demo / "pan" / "panoptic" / annotation["file_name"], channels=3))
        elif dtype == np.uint16:
            import cv2

            cv2.imwrite(str(out / f"{image_id}.png"), (ids * 300).astype(np.uint16))  # ids above 255
        else:
            write_png(out / f"{image_id}.png", ids.astype(np.uint8))
        segments = []
        for s in annotation["segments_info"]:
            category = int(inverse[s["category_id"]]) if contiguous else s["category_id"]
            segment_id = s["id"] * 300 if dtype == np.uint16 else s["id"]
            segments.append({"id": segment_id, "category_id": category, "isthing": 1})
        data = {"image_id": image_id, "segments_info": segments} if as_object else segments
        (out / f"{image_id}.json").write_text(json.dumps(data))


@pytest.mark.parametrize(
    "variant",
    [dict(), dict(dtype=np.uint16), dict(as_object=True), dict(rgb=True), dict(contiguous=False)],
    ids=["uint8", "uint16", "annotation-object", "rgb", "eval-ids"],
)
def test_tapps_folder_gives_the_same_pps_pngs(demo, tmp_path, variant):
    write_tapps_folder(demo, tmp_path / "tapps", **variant)
    extra = ["--panoptic-ids", "contiguous"] if variant.get("contiguous", True) else []
    result = invoke(pps_args(demo, tmp_path / "tapps", tmp_path / "out", *extra))
    assert result.exit_code == 0, result.output
    same_files(demo / "pps", tmp_path / "out")


def test_tapps_contiguous_ids_without_the_option_are_caught(demo, tmp_path):
    write_tapps_folder(demo, tmp_path / "tapps")
    result = invoke(pps_args(demo, tmp_path / "tapps", tmp_path / "out"))
    assert result.exit_code == 2
    assert "segments are ids that cpp-default does not evaluate, but nearly all fit its contiguous training ids 0..18: " \
           "add --panoptic-ids contiguous" in result.stderr  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_panoptic_mapping_file_gives_the_same_pps_pngs(demo, tmp_path):
    write_tapps_folder(demo, tmp_path / "tapps")
    mapping = {i: int(s) for i, s in enumerate(CPP.eval_sids)}
    (tmp_path / "map.yaml").write_text(yaml.safe_dump(mapping))
    result = invoke(pps_args(demo, tmp_path / "tapps", tmp_path / "out", "--panoptic-ids", str(tmp_path / "map.yaml")))
    assert result.exit_code == 0, result.output
    same_files(demo / "pps", tmp_path / "out")


def test_tapps_folder_missing_json(demo, tmp_path):
    write_tapps_folder(demo, tmp_path / "tapps")
    next((tmp_path / "tapps").glob("*.json")).unlink()
    result = invoke(pps_args(demo, tmp_path / "tapps", tmp_path / "out", "--panoptic-ids", "contiguous"))
    assert result.exit_code == 2 and "no segments_info JSON file for 1 of 3 images" in result.stderr


def test_coco_pngs_found_by_image_id_when_file_name_is_elsewhere(demo, tmp_path):
    document = json.loads((demo / "pan" / "panoptic.json").read_text())
    (tmp_path / "pngs").mkdir()
    for annotation in document["annotations"]:
        src = demo / "pan" / "panoptic" / annotation["file_name"]
        (tmp_path / "pngs" / f"{annotation['image_id']}.png").write_bytes(src.read_bytes())
        annotation["file_name"] = f"renamed/{annotation['file_name']}"
    (tmp_path / "panoptic.json").write_text(json.dumps(document))
    result = invoke(pps_args(demo, tmp_path / "pngs", tmp_path / "out", "--panoptic-json", str(tmp_path / "panoptic.json")))
    assert result.exit_code == 0, result.output
    same_files(demo / "pps", tmp_path / "out")


def test_segment_map_reader_rejects_palette_and_16_bit_rgb(tmp_path):
    import cv2

    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((4, 4, 3), np.uint16))
    with pytest.raises(PpsError, match="PNG of color type 2 with 16-bit samples"):
        read_segment_map(tmp_path / "a.png")
    cv2.imwrite(str(tmp_path / "b.png"), np.full((4, 4), 700, np.uint16))
    assert read_segment_map(tmp_path / "b.png").max() == 700


# ----------------------------------------------------------------------------- contiguous semantic / instances


def write_contiguous_inputs(demo: Path, out: Path) -> None:
    """Semantic PNGs in train ids and instances.json with contiguous category ids."""
    inverse = contiguous_of(CPP)
    (out / "semantic").mkdir(parents=True)
    for path in sorted((demo / "predictions" / "semantic").glob("*.png")):
        write_png(out / "semantic" / path.name, inverse[read_png(path, channels=1)])
    entries = json.loads((demo / "predictions" / "instances.json").read_text())
    for entry in entries:
        entry["category_id"] = int(inverse[entry["category_id"]])
    (out / "instances.json").write_text(json.dumps(entries))


def panoptic_args(demo, semantic, instances, out, *extra):
    return ["panoptic", "-s", "cpp-default", "--semantic", str(semantic), "--instances", str(instances), "--images",
            str(demo / "images.json"), "-o", str(out), *extra]  # fmt: skip


def test_contiguous_semantic_and_instances_give_the_same_panoptic_output(demo, tmp_path):
    write_contiguous_inputs(demo, tmp_path)
    result = invoke(panoptic_args(demo, tmp_path / "semantic", tmp_path / "instances.json", tmp_path / "out",
                                  "--semantic-ids", "contiguous", "--instance-ids", "contiguous"))  # fmt: skip
    assert result.exit_code == 0, result.output
    same_files(demo / "pan" / "panoptic", tmp_path / "out" / "panoptic")
    assert (demo / "pan" / "panoptic.json").read_bytes() == (tmp_path / "out" / "panoptic.json").read_bytes()


def test_train_id_semantic_pngs_are_caught(demo, tmp_path):
    write_contiguous_inputs(demo, tmp_path)
    pred = demo / "predictions"
    result = invoke(panoptic_args(demo, tmp_path / "semantic", pred / "instances.json", tmp_path / "out"))
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert "semantic pixels are ids that cpp-default does not evaluate, but nearly all fit its contiguous training " \
           "ids 0..18: add --semantic-ids contiguous (or --semantic-ids eval" in result.stderr  # fmt: skip
    # explicit eval: the user insists, the check is off
    result = invoke(panoptic_args(demo, tmp_path / "semantic", pred / "instances.json", tmp_path / "out2", "--semantic-ids", "eval"))
    assert result.exit_code == 0, result.output


def test_contiguous_instance_ids_are_caught_with_a_hint(demo, tmp_path):
    write_contiguous_inputs(demo, tmp_path)
    result = invoke(panoptic_args(demo, demo / "predictions" / "semantic", tmp_path / "instances.json", tmp_path / "out"))
    assert result.exit_code == 2 and "contiguous training ids need --instance-ids contiguous" in result.stderr


def test_label_id_network_semantic_pngs_are_not_caught(demo, tmp_path):
    """A network trained on all Cityscapes label ids predicts ids the spec ignores (0..6, 9, 10, ...): legitimate."""
    (tmp_path / "semantic").mkdir()
    rng = np.random.default_rng(0)
    for path in sorted((demo / "predictions" / "semantic").glob("*.png")):
        labels = read_png(path, channels=1).copy()
        noise = rng.random(labels.shape) < 0.15
        labels[noise] = rng.choice([0, 1, 4, 6, 9, 10, 14, 15, 16, 18, 29, 30], size=int(noise.sum()))
        write_png(tmp_path / "semantic" / path.name, labels)
    result = invoke(panoptic_args(demo, tmp_path / "semantic", demo / "predictions" / "instances.json", tmp_path / "out"))
    assert result.exit_code == 0, result.output


# ----------------------------------------------------------------------------- part PNGs of another spec


def test_grouped_part_pngs_with_the_default_spec_are_caught(demo, tmp_path):
    result = invoke(pps_args(demo, demo / "pan" / "panoptic", tmp_path / "out", "--panoptic-json",
                             str(demo / "pan" / "panoptic.json"), parts="parts_grouped"))  # fmt: skip
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert "of the part-labelled pixels of parts classes carry flat ids of other classes under cpp-default (the part " \
           "PNGs look made for cpp-grouped: use -s cpp-grouped, or --no-parts-check)" in result.stderr  # fmt: skip
    result = invoke(pps_args(demo, demo / "pan" / "panoptic", tmp_path / "out", "--panoptic-json",
                             str(demo / "pan" / "panoptic.json"), "--no-parts-check", parts="parts_grouped"))  # fmt: skip
    assert result.exit_code == 0


def test_default_part_pngs_with_the_grouped_spec_are_caught(demo, tmp_path):
    args = pps_args(demo, demo / "pan" / "panoptic", tmp_path / "out", "--panoptic-json", str(demo / "pan" / "panoptic.json"))
    args[2] = "cpp-grouped"
    result = invoke(args)
    assert result.exit_code == 2 and "look made for cpp-default: use -s cpp-default" in result.stderr


def test_a_few_stray_part_ids_are_not_caught(demo, tmp_path):
    (tmp_path / "parts").mkdir()
    rng = np.random.default_rng(1)
    for path in sorted((demo / "predictions" / "parts").glob("*.png")):
        parts = read_png(path, channels=1).copy()
        stray = rng.random(parts.shape) < 0.05
        parts[stray] = rng.integers(1, 24, size=int(stray.sum()))
        write_png(tmp_path / "parts" / path.name, parts)
    args = pps_args(demo, demo / "pan" / "panoptic", tmp_path / "out", "--panoptic-json", str(demo / "pan" / "panoptic.json"))
    args[args.index("--parts") + 1] = str(tmp_path / "parts")
    assert invoke(args).exit_code == 0


# ----------------------------------------------------------------------------- PPS channels, GT layout


def evaluate_args(gt, pred, spec="cpp-default", *extra):
    return ["evaluate", "-s", spec, "--gt", str(gt), "--pred", str(pred), *extra]


@pytest.fixture(scope="module")
def pascal(tmp_path_factory):
    root = tmp_path_factory.mktemp("pascal")
    generate_demo(root, dataset="pascal", num_images=3, height=96, width=128, seed=5)
    return root


@pytest.mark.parametrize("dataset", ["cityscapes", "pascal"])
def test_bgr_pps_pngs_are_caught(demo, pascal, tmp_path, dataset):
    root, spec = (demo, "cpp-default") if dataset == "cityscapes" else (pascal, "ppp-default")
    (tmp_path / "bgr").mkdir()
    for path in sorted((root / "predictions" / "pps").glob("*.png")):
        write_png(tmp_path / "bgr" / path.name, read_png(path, channels=3)[..., ::-1].copy())
    result = invoke(evaluate_args(root / "gt", tmp_path / "bgr", spec))
    assert result.exit_code == 2
    assert "but read with the first and third channels swapped they fit: the PNGs look written as part, instance, class" \
           in result.stderr  # fmt: skip
    assert invoke(evaluate_args(root / "gt", tmp_path / "bgr", spec, "--no-channel-check")).exit_code == 0


def test_pps_pngs_with_unknown_classes_only_warn(demo, tmp_path):
    """Label-id network: classes the spec does not evaluate (9, 10) in the class channel, with part 1."""
    (tmp_path / "pps").mkdir()
    rng = np.random.default_rng(2)
    for path in sorted((demo / "predictions" / "pps").glob("*.png")):
        pps = read_png(path, channels=3).copy()
        noise = rng.random(pps.shape[:2]) < 0.12
        pps[noise] = [9, 0, 1]
        pps[noise & (rng.random(pps.shape[:2]) < 0.5)] = [10, 0, 1]
        write_png(tmp_path / "pps" / path.name, pps)
    result = invoke(evaluate_args(demo / "gt", tmp_path / "pps"))
    assert result.exit_code == 0, result.output
    assert "predicted class ids not evaluated by cpp-default, ignored: 9 (" in result.stderr


def test_pascal_gt_with_a_cityscapes_spec_and_the_reverse(demo, pascal):
    result = invoke(evaluate_args(pascal / "gt", pascal / "predictions" / "pps", "cpp-default"))
    assert result.exit_code == 2
    assert "ground truth in PASCAL-Panoptic-Parts layout (<id>.tif files, no *_gtFinePanopticParts.tif) but EvalSpec " \
           "cpp-default is for Cityscapes-Panoptic-Parts: use -s ppp-default (or --no-layout-check" in result.stderr  # fmt: skip
    result = invoke(evaluate_args(demo / "gt", demo / "predictions" / "pps", "ppp-default"))
    assert result.exit_code == 2 and "but EvalSpec ppp-default is for PASCAL-Panoptic-Parts: use -s cpp-default" in result.stderr
    result = invoke(evaluate_args(demo / "gt", demo / "predictions" / "pps", "cpp-grouped"))
    assert result.exit_code == 0, result.output


# ----------------------------------------------------------------------------- which images are evaluated


def _results(result_path: Path) -> dict:
    document = json.loads(result_path.read_text())
    return {"summary": document["summary"], "categories": document["categories"], "n": document["num_images"]}


def test_evaluate_without_images_json_equals_with_it(demo, tmp_path):
    gt, pred = demo / "gt", demo / "predictions" / "pps"
    with_json = invoke(evaluate_args(gt, pred, "cpp-default", "--images", str(demo / "images.json"), "-o", str(tmp_path / "a.json")))
    without = invoke(evaluate_args(gt, pred, "cpp-default", "-o", str(tmp_path / "b.json")))
    assert with_json.exit_code == 0 and without.exit_code == 0, without.output
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    # an images.json with ids only is enough for evaluation
    ids_only = {"images": [{"id": image["id"]} for image in json.loads((demo / "images.json").read_text())["images"]]}
    (tmp_path / "ids.json").write_text(json.dumps(ids_only))
    result = invoke(evaluate_args(gt, pred, "cpp-default", "--images", str(tmp_path / "ids.json"), "-o", str(tmp_path / "c.json")))
    assert result.exit_code == 0, result.output
    assert _results(tmp_path / "c.json") == _results(tmp_path / "a.json")


def test_evaluate_ids_select_a_subset(demo, tmp_path):
    gt, pred = demo / "gt", demo / "predictions" / "pps"
    ids = [image["id"] for image in json.loads((demo / "images.json").read_text())["images"]]
    subset = {"images": [image for image in json.loads((demo / "images.json").read_text())["images"] if image["id"] != ids[1]]}
    (tmp_path / "subset.json").write_text(json.dumps(subset))
    (tmp_path / "ids.txt").write_text(f"# two of three\n{ids[0]}\n\n{ids[2]}\n")
    runs = {
        "json": ["--images", str(tmp_path / "subset.json")],
        "list": ["--ids", f"{ids[2]},{ids[0]}"],
        "file": ["--ids", str(tmp_path / "ids.txt")],
    }
    for name, extra in runs.items():
        result = invoke(evaluate_args(gt, pred, "cpp-default", *extra, "-o", str(tmp_path / f"{name}.json")))
        assert result.exit_code == 0, result.output
    assert _results(tmp_path / "list.json") == _results(tmp_path / "json.json") == _results(tmp_path / "file.json")
    assert _results(tmp_path / "list.json")["n"] == 2
    result = invoke(evaluate_args(gt, pred, "cpp-default", "--ids", "nope,frankfurt_000000_000019"))
    assert result.exit_code == 2 and "error: --ids: 1 ids name no image of the ground truth: nope" in result.stderr


def test_run_reads_tapps_folders_and_contiguous_ids_with_the_same_results(demo, tmp_path):
    pred = demo / "predictions"
    base = ["run", "-s", "cpp-default", "--gt", str(demo / "gt"), "--parts", str(pred / "parts")]
    reference = invoke([*base, "-o", str(tmp_path / "ref"), "--semantic", str(pred / "semantic"), "--instances",
                        str(pred / "instances.json")])  # fmt: skip
    assert reference.exit_code == 0, reference.output
    write_tapps_folder(demo, tmp_path / "tapps")
    tapps = invoke([*base, "-o", str(tmp_path / "tapps-out"), "--panoptic-dir", str(tmp_path / "tapps"), "--panoptic-ids", "contiguous"])
    assert tapps.exit_code == 0, tapps.output
    write_contiguous_inputs(demo, tmp_path / "contiguous")
    contiguous = invoke([*base, "-o", str(tmp_path / "contiguous-out"), "--semantic", str(tmp_path / "contiguous" / "semantic"),
                         "--instances", str(tmp_path / "contiguous" / "instances.json"), "--semantic-ids", "contiguous",
                         "--instance-ids", "contiguous"])  # fmt: skip
    assert contiguous.exit_code == 0, contiguous.output
    expected = _results(tmp_path / "ref" / "results.json")
    assert _results(tmp_path / "tapps-out" / "results.json") == expected
    assert (tmp_path / "contiguous-out" / "results.json").read_bytes().replace(b"contiguous-out", b"ref") == (
        tmp_path / "ref" / "results.json"
    ).read_bytes()
    first = json.loads((demo / "images.json").read_text())["images"][0]["id"]
    subset = invoke([*base, "-o", str(tmp_path / "subset"), "--panoptic-dir", str(tmp_path / "tapps"), "--panoptic-ids",
                     "contiguous", "--ids", first])  # fmt: skip
    assert subset.exit_code == 0, subset.output
    assert _results(tmp_path / "subset" / "results.json")["n"] == 1


def test_undefined_contiguous_semantic_ids_are_void_with_a_warning(demo, tmp_path):
    write_contiguous_inputs(demo, tmp_path)
    first = sorted((tmp_path / "semantic").glob("*.png"))[0]
    labels = read_png(first, channels=1).copy()
    labels[:8] = 40  # no contiguous id of cpp-default (0..18)
    write_png(first, labels)
    result = invoke(panoptic_args(demo, tmp_path / "semantic", tmp_path / "instances.json", tmp_path / "out",
                                  "--semantic-ids", "contiguous", "--instance-ids", "contiguous"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "semantic ids 40 are not defined by --semantic-ids contiguous; their pixels count as void" in result.stderr


def test_train_id_semantic_maps_of_pascal_are_suspicious_too(pascal):
    """PASCAL's eval sids (1..99 with gaps) overlap its contiguous ids 0..58 a lot; train ids still stand out."""
    from pps_cli.formats.idspaces import contiguous_suspicion

    inverse = contiguous_of(PPP)
    counts = np.zeros(256, np.int64)
    eval_counts = np.zeros(256, np.int64)
    for path in sorted((pascal / "predictions" / "semantic").glob("*.png")):
        labels = read_png(path, channels=1)
        counts += np.bincount(inverse[labels].reshape(-1), minlength=256)
        eval_counts += np.bincount(labels.reshape(-1), minlength=256)
    assert contiguous_suspicion(counts, PPP) is not None
    assert contiguous_suspicion(eval_counts, PPP) is None
    # a network that predicts 0 ("unlabeled") for background instead of 255 is not suspicious
    background = eval_counts.copy()
    background[0] += 10 * eval_counts.sum()
    assert contiguous_suspicion(background, PPP) is None


def test_coco_panoptic_json_with_contiguous_category_ids(demo, tmp_path):
    document = json.loads((demo / "pan" / "panoptic.json").read_text())
    inverse = contiguous_of(CPP)
    for annotation in document["annotations"]:
        for segment in annotation["segments_info"]:
            segment["category_id"] = int(inverse[segment["category_id"]])
    (tmp_path / "panoptic.json").write_text(json.dumps(document))
    coco = ["--panoptic-json", str(tmp_path / "panoptic.json")]
    caught = invoke(pps_args(demo, demo / "pan" / "panoptic", tmp_path / "out", *coco))
    assert caught.exit_code == 2 and "add --panoptic-ids contiguous" in caught.stderr
    result = invoke(pps_args(demo, demo / "pan" / "panoptic", tmp_path / "out", *coco, "--panoptic-ids", "contiguous"))
    assert result.exit_code == 0, result.output
    same_files(demo / "pps", tmp_path / "out")


def test_pngs_found_by_image_id_when_panopticapi_stored_int_ids(tmp_path):
    """PASCAL id 2008_000393 stored as 2008000393 in the JSON, PNG named by the string id."""
    from pps_cli.dataset import ImageInfo
    from pps_cli.formats.panoptic_json import PanopticAnnotation, locate_pngs

    (tmp_path / "2008_000393.png").write_bytes(b"")
    images = [ImageInfo("2008_000393", "2008_000393.png", 4, 4)]
    found = locate_pngs([PanopticAnnotation(2008000393, "elsewhere.png", (1,), (15,))], images, tmp_path)
    assert found[0].file_name == "2008_000393.png"
