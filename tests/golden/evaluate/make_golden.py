#!/usr/bin/env python
"""Regenerate the golden PartPQ data of tests/test_evaluate.py with the reference evaluator.

Run from the repository root with the pps dev venv; the reference runs in a separate Python
(3.9, numpy<2, panoptic-parts==2.0rc6):

    .venv/bin/python tests/golden/evaluate/make_golden.py --reference-python /work/refenv/bin/python

Writes (see README.md):
  images/<spec>.npz, images/<spec>.json     random adversarial small images and the reference's
                                            per-image statistics (ref_image_stats.py)
  datasets/<data>.npz                       whole demo datasets (GT uids, PPS predictions, ids)
  datasets/<case>.json                      the reference's results JSON for one dataset and spec
                                            (tools/reference/ref_evaluate.py), plus its meta data
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from pps_cli.dataset import build_images, images_json
from pps_cli.demo.synth import generate_demo
from pps_cli.formats.labels import decode_uids
from pps_cli.io import read_png, read_uid_tiff, write_json, write_png, write_uid_tiff
from pps_cli.specs import EvalSpec, load_eval_spec

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
REF_TOOLS = REPO / "tools" / "reference"
BUNDLED = ("cpp-default", "cpp-grouped", "ppp-default")
CUSTOM = ("cpp_ignore0_evalspec.yaml", "cpp_ignore7_evalspec.yaml", "cpp_small_evalspec.yaml", "cpp_sid0_evalspec.yaml")
IMAGE_CASES = {"cpp-default": 150, "cpp-grouped": 100, "ppp-default": 100}  # custom specs: 80 each
SEED = 20240501


def spec_path(name: str) -> Path:
    """YAML file of a bundled short name or of a custom spec in specs/."""
    if name in BUNDLED:
        from pps_cli.specs import resolve_eval_spec_path

        return resolve_eval_spec_path(name)[0]
    return HERE / "specs" / name


# ----------------------------------------------------------------------------- per-image cases


def random_case(rng: np.random.Generator, spec: EvalSpec) -> tuple[np.ndarray, np.ndarray]:
    """A small GT (stuff bands, void, crowd, instances with and without parts, part-void and
    out-of-range pids) and a prediction derived from it with shifts, boxes and per-channel noise."""
    h, w = (int(v) for v in rng.integers(3, 14, 2))
    ppp = spec.dataset.pid_fold is not None
    if ppp:
        stuff, void, things = [21, 23, 24, 25], [0, 22], [1, 2, 4, 7, 9, 15, 18]
    else:
        stuff, void, things = [7, 11, 23], [0, 1, 5], [24, 26, 33, 31, 25]
    gt = np.empty((h, w), np.int32)
    cut = sorted(int(v) for v in rng.integers(0, h, 2))
    bands = rng.choice(stuff + void, size=3)
    gt[: cut[0]], gt[cut[0] : cut[1]], gt[cut[1] :] = bands
    for _ in range(int(rng.integers(0, 5))):
        sid = int(rng.choice(things))
        r0, c0 = int(rng.integers(0, h)), int(rng.integers(0, w))
        box = gt[r0 : r0 + int(rng.integers(1, h)), c0 : c0 + int(rng.integers(1, w))]
        iid, kind = int(rng.integers(0, 4)), rng.random()
        if kind < 0.15:
            box[...] = sid  # crowd
        elif kind < 0.35:
            box[...] = sid * 1000 + iid  # instance without parts
        else:
            if ppp:  # file pids the DatasetSpec knows (pid 00 would crash the reference)
                pids = [p for p in range(1, 100) if spec.dataset.pid_fold[sid * 100 + p] >= 0]
            else:  # includes part-void (0) and one pid past the class's parts
                pids = list(range(0, len(spec.dataset.part_names[sid]) + 2))
            if not pids:
                box[...] = sid * 1000 + iid
                continue
            values = rng.choice(pids, size=box.shape)
            if rng.random() < 0.3:
                values[...] = values.flat[0]
            box[...] = sid * 100_000 + iid * 100 + values
    d = decode_uids(gt)
    sid_pid = spec.dataset.pid_fold[d.sid_pid] if ppp else d.sid_pid
    eval_sid_pid = spec.sid_pid_to_eval[sid_pid]
    pred = np.stack(
        [
            np.where(spec.category_index[d.sid] >= 0, d.sid, 255),
            d.iid % 256,
            np.where(eval_sid_pid >= 100, eval_sid_pid % 100, 0),
        ],
        axis=-1,
    ).astype(np.uint8)
    if rng.random() < 0.5:
        pred = np.roll(pred, int(rng.integers(-2, 3)), axis=int(rng.integers(0, 2)))
    noise = (
        (0, things + stuff + [255, 99, 3]),
        (1, [0, 1, 2, 3, 7]),
        (2, [0, 1, 2, 3, 4, 5, 255, spec.ignore_label % 256]),
    )
    for channel, values in noise:
        noisy = rng.random((h, w)) < rng.choice([0.0, 0.05, 0.2, 0.5])
        pred[..., channel][noisy] = rng.choice(values, size=int(noisy.sum()))
    if rng.random() < 0.3:
        r0, c0 = int(rng.integers(0, h)), int(rng.integers(0, w))
        pred[r0 : r0 + int(rng.integers(1, h)), c0 : c0 + int(rng.integers(1, w))] = [
            rng.choice(things), rng.integers(0, 5), rng.choice([1, 2, 255]),
        ]
    return gt, pred


def image_cases_document(name: str, reference: dict) -> dict:
    """Store per case only the categories with any tp, fp or fn: ``{sid: [iou, tp, fp, fn]}``
    (or the reference's ``error``); absent categories have all four 0."""
    sids = reference["category_sids"]
    cases = []
    for case in reference["cases"]:
        if "error" in case:
            cases.append({"error": case["error"]})
            continue
        rows = zip(sids, case["iou"], case["tp"], case["fp"], case["fn"], strict=True)
        cases.append({str(sid): [iou, tp, fp, fn] for sid, iou, tp, fp, fn in rows if tp + fp + fn > 0 or iou != 0})
    return {"eval_spec": name, "category_sids": sids, "cases": cases}


def make_image_cases(reference_python: str) -> None:
    out = HERE / "images"
    out.mkdir(exist_ok=True)
    for n, name in enumerate(BUNDLED + CUSTOM):
        spec = load_eval_spec(spec_path(name))
        rng = np.random.default_rng(SEED + n)
        cases = [random_case(rng, spec) for _ in range(IMAGE_CASES.get(name, 80))]
        stem = name.removesuffix("_evalspec.yaml")
        arrays = {f"gt_{k}": gt for k, (gt, _) in enumerate(cases)} | {f"pred_{k}": p for k, (_, p) in enumerate(cases)}
        np.savez_compressed(out / f"{stem}.npz", **arrays)
        with tempfile.TemporaryDirectory() as tmp:
            result = Path(tmp) / "ref.json"
            subprocess.run(
                [reference_python, str(HERE / "ref_image_stats.py"), str(spec_path(name)), str(out / f"{stem}.npz"), str(result)],
                check=True,
            )
            reference = json.loads(result.read_text())
        document = image_cases_document(name, reference)
        (out / f"{stem}.json").write_text(json.dumps(document) + "\n")
        errors = sum("error" in c for c in reference["cases"])
        print(f"{stem}: {len(cases)} images, {errors} on which the reference fails", file=sys.stderr)


# ----------------------------------------------------------------------------- datasets


def write_dataset(data: dict[str, np.ndarray], layout: str, root: Path) -> Path:
    """Write GT TIFFs, prediction PNGs and images.json from arrays (as tests/test_evaluate.py does)."""
    for k, image_id in enumerate(str(i) for i in data["image_ids"]):
        if layout == "cityscapes":
            gt_path = root / "gt" / image_id.split("_")[0] / f"{image_id}_gtFinePanopticParts.tif"
        else:
            gt_path = root / "gt" / f"{image_id}.tif"
        write_uid_tiff(gt_path, data[f"gt_{k}"])
        write_png(root / "pred" / f"{image_id}.png", data[f"pred_{k}"])
    write_json(root / "images.json", images_json(build_images(root / "gt")))
    return root


def demo_arrays(dataset: str, tmp: Path) -> dict[str, np.ndarray]:
    summary = generate_demo(tmp / dataset, dataset=dataset, num_images=4, height=128, width=256, seed=7)  # type: ignore[arg-type]
    data: dict[str, np.ndarray] = {"image_ids": np.array(summary.image_ids)}
    for k, image_id in enumerate(summary.image_ids):
        data[f"gt_{k}"] = read_uid_tiff(next(summary.gt_dir.rglob(f"{image_id}*.tif")))
        data[f"pred_{k}"] = read_png(summary.pps_dir / f"{image_id}.png", channels=3)
    return data


def toy_arrays(variant: str, tmp: Path, reference_python: str) -> dict[str, np.ndarray]:
    """tools/reference/make_toy_data.py: hand-placed crowd, part-void, out-of-range pids, removed
    instances, part void in predictions; variants without parts classes / only parts classes."""
    out = tmp / f"toy_{variant}"
    subprocess.run(
        [reference_python, str(REF_TOOLS / "make_toy_data.py"), str(out), "--n-images", "3", "--size", "160x80",
         "--variant", variant, "--seed", "3"],
        check=True, stdout=subprocess.DEVNULL,
    )
    gt_files = sorted((out / "gt").rglob("*.tif"))
    ids = [p.name.removesuffix("_gtFinePanopticParts.tif") for p in gt_files]
    data: dict[str, np.ndarray] = {"image_ids": np.array(ids)}
    for k, (image_id, gt_file) in enumerate(zip(ids, gt_files, strict=True)):
        data[f"gt_{k}"] = read_uid_tiff(gt_file)
        data[f"pred_{k}"] = read_png(out / "pred_pps" / f"{image_id}_gtFine_leftImg8bit.png", channels=3)
    return data


DATASETS = {  # data name -> (layout, specs evaluated on it)
    "cpp_demo": ("cityscapes", ("cpp-default", "cpp-grouped", "cpp_small_evalspec.yaml", "cpp_ignore0_evalspec.yaml")),
    "ppp_demo": ("pascal", ("ppp-default",)),
    "cpp_toy": ("cityscapes", ("cpp-default", "cpp_sid0_evalspec.yaml")),
    "cpp_toy_noparts": ("cityscapes", ("cpp-default",)),
    "cpp_toy_partsonly": ("cityscapes", ("cpp-default",)),
}


def make_datasets(reference_python: str) -> None:
    out = HERE / "datasets"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for data_name, (layout, specs) in DATASETS.items():
            if data_name.endswith("_demo"):
                data = demo_arrays(layout, tmp)
            else:
                data = toy_arrays(data_name.removeprefix("cpp_toy").removeprefix("_") or "default", tmp, reference_python)
            np.savez_compressed(out / f"{data_name}.npz", **data)
            root = write_dataset(dict(np.load(out / f"{data_name}.npz")), layout, tmp / f"{data_name}_files")
            for name in specs:
                results, meta = tmp / "ref.json", tmp / "ref.meta.json"
                subprocess.run(
                    [reference_python, str(REF_TOOLS / "ref_evaluate.py"), "--eval-spec", str(spec_path(name)),
                     "--gt", str(root / "gt"), "--pred", str(root / "pred"), "--images", str(root / "images.json"),
                     "--out", str(results), "--meta", str(meta), "--workers", "1"],
                    check=True,
                )
                meta_data = json.loads(meta.read_text())
                document = {
                    "data": f"{data_name}.npz",
                    "layout": layout,
                    "eval_spec": name,
                    "reference_category_sids": meta_data["category_sids"],
                    "reference_empty_groups": meta_data["empty_groups"],
                    "reference_seconds_per_image": meta_data["seconds_per_image"],
                    "reference_results": json.loads(results.read_text()),
                }
                case = f"{data_name}__{name.removesuffix('_evalspec.yaml')}.json"
                (out / case).write_text(json.dumps(document, indent=1) + "\n")
            shutil.rmtree(tmp / f"{data_name}_files")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-python", default="/work/refenv/bin/python")
    parser.add_argument("--only", choices=["images", "datasets"], default=None)
    args = parser.parse_args()
    if args.only in (None, "images"):
        make_image_cases(args.reference_python)
    if args.only in (None, "datasets"):
        make_datasets(args.reference_python)


if __name__ == "__main__":
    main()
