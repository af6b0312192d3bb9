"""Make the golden PQ data of tests/test_pq_cli.py (see README.md here). Deterministic.

    .venv/bin/python tests/golden/pq/make_golden.py --reference-python /work/refenv/bin/python

Needs the pps dev venv (this interpreter) and the reference venv (panopticapi) for
tools/reference/ref_pq.py. Rewrites everything below tests/golden/pq/ except this script and README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
REF_PQ = ROOT / "tools" / "reference" / "ref_pq.py"
SPECS = ROOT / "specs" / "eval_specs"
DEMOS = {  # name: (dataset, spec short name, spec file, seed)
    "cpp": ("cityscapes", "cpp-default", "ppq_cpp_19_23_cvpr21_default_evalspec.yaml", 11),
    "ppp": ("pascal", "ppp-default", "ppq_ppp_59_57_cvpr21_default_evalspec.yaml", 12),
}


def pps(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pps_cli", *args], check=True, stdout=subprocess.DEVNULL)


def ref(python: str, *args: str) -> None:
    subprocess.run([python, str(REF_PQ), *args], check=True, stdout=subprocess.DEVNULL)


def make_demo(name: str, python: str, scratch: Path) -> None:
    """Demo GT + predictions through `pps run`; keep GT TIFFs, panoptic and PPS predictions, COCO GT."""
    from pps_cli.demo.synth import generate_demo

    dataset, spec, spec_file, seed = DEMOS[name]
    raw = scratch / name
    generate_demo(raw, dataset=dataset, num_images=3, height=96, width=160, seed=seed)
    run = scratch / f"{name}_run"
    pps("run", "-s", spec, "--gt", str(raw / "gt"), "--semantic", str(raw / "predictions" / "semantic"),
        "--instances", str(raw / "predictions" / "instances.json"), "--parts", str(raw / "predictions" / "parts"),
        "-o", str(run), "-j", "1")
    target = HERE / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    shutil.copytree(raw / "gt", target / "gt")
    shutil.copy(run / "images.json", target / "images.json")
    shutil.copytree(run / "panoptic", target / "panoptic")
    shutil.copy(run / "panoptic.json", target / "panoptic.json")
    shutil.copytree(run / "pps", target / "pps")
    ref(python, "convert-gt", "--eval-spec", str(SPECS / spec_file), "--gt", str(target / "gt"),
        "--images", str(target / "images.json"), "--out", str(target / "gt_coco"))
    ref(python, "compute", "--gt-json", str(target / "gt_coco.json"), "--pred-json", str(target / "panoptic.json"),
        "--out", str(target / "expected.json"), "--workers", "1")


def id_png(path: Path, ids: np.ndarray) -> None:
    import cv2

    rgb = np.stack([ids & 255, (ids >> 8) & 255, (ids >> 16) & 255], axis=-1).astype(np.uint8)
    cv2.imwrite(str(path), rgb[..., ::-1])


def make_adversarial(python: str, num_images: int = 40, seed: int = 5) -> None:
    """Random COCO panoptic pairs that exercise panopticapi's odd rules.

    Categories 1-3 things, 4-5 stuff. GT: random rectangles of random ids (some large, some id 0
    = VOID); segments_info lists most ids, some twice (first position, last values), with
    iscrowd 1 on several segments of a category (the last is its crowd region), some JSON areas
    off from the pixel count (up or down, sometimes to the point of several matches per segment),
    ids in the PNG left out of the JSON (skipped), JSON segments without pixels, a category not in
    `categories`. Predictions: the GT ids relabelled and perturbed by rectangles (so IoUs fall
    on both sides of 0.5), category mostly kept, every PNG id listed (some twice), id 0 unassigned.
    Both groups (Things, Stuff) keep counted categories so panopticapi does not divide by zero.
    """
    rng = np.random.default_rng(seed)
    target = HERE / "adversarial"
    shutil.rmtree(target, ignore_errors=True)
    (target / "gt").mkdir(parents=True)
    (target / "pred").mkdir()
    categories = [{"id": 1, "name": "a", "isthing": 1}, {"id": 2, "name": "b", "isthing": 1},
                  {"id": 3, "name": "c", "isthing": 1}, {"id": 4, "name": "d", "isthing": 0},
                  {"id": 5, "name": "e", "isthing": 0}]
    gt_annotations, pred_annotations = [], []
    for n in range(num_images):
        h, w = int(rng.integers(8, 24)), int(rng.integers(8, 24))
        gt = np.zeros((h, w), np.int64)
        num_segments = int(rng.integers(2, 9))
        gt_ids = rng.choice(np.arange(1, 1 << 24), size=num_segments, replace=False)
        for segment_id in gt_ids:
            y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
            gt[y:y + int(rng.integers(2, h + 1)), x:x + int(rng.integers(2, w + 1))] = segment_id
        if rng.random() < 0.5:  # a VOID rectangle
            y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
            gt[y:y + int(rng.integers(1, 6)), x:x + int(rng.integers(1, 6))] = 0
        present, counts = np.unique(gt, return_counts=True)
        area = dict(zip(present.tolist(), counts.tolist(), strict=True))
        segments = []
        for segment_id in gt_ids.tolist():
            if rng.random() < 0.1:
                continue  # PNG id not in the JSON: skipped
            category = int(rng.integers(1, 6)) if rng.random() > 0.03 else 9  # 9: not a category
            json_area = area.get(segment_id, 0)
            if rng.random() < 0.15:
                json_area = max(1, int(json_area * rng.choice([0.3, 0.6, 1.4, 2.0])) + int(rng.integers(-2, 3)))
            segment = {"id": segment_id, "category_id": category, "area": json_area,
                       "iscrowd": int(category <= 3 and rng.random() < 0.3), "bbox": [0, 0, 1, 1]}
            segments.append(segment)
            if rng.random() < 0.08:  # listed twice: the later entry's values count
                segments.append({**segment, "iscrowd": 1 - segment["iscrowd"]})
        if rng.random() < 0.2:  # a JSON segment without pixels
            segments.append({"id": int(rng.integers(1, 1 << 24)), "category_id": 4, "area": 7, "iscrowd": 0})

        # prediction: GT relabelled, category kept (mostly), perturbed by rectangles
        pred = np.zeros((h, w), np.int64)
        relabel = {}
        for s in segments:
            if rng.random() < 0.85:
                relabel.setdefault(s["id"], (int(rng.integers(1, 1 << 24)), s["category_id"] if s["category_id"] <= 5
                                             else int(rng.integers(1, 6))))
        for gt_id, (pred_id, _) in relabel.items():
            pred[gt == gt_id] = pred_id
        for _ in range(int(rng.integers(0, 4))):
            y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
            choice = list(relabel.values())
            value = choice[int(rng.integers(len(choice)))][0] if choice and rng.random() < 0.7 else int(
                rng.integers(1, 1 << 24))
            pred[y:y + int(rng.integers(1, 8)), x:x + int(rng.integers(1, 8))] = value if rng.random() < 0.8 else 0
        pred_categories = {pred_id: category for pred_id, category in relabel.values()}
        pred_segments = []
        for pred_id in np.unique(pred).tolist():
            if pred_id == 0:
                continue
            category = pred_categories.get(pred_id, int(rng.integers(1, 6)))
            pred_segments.append({"id": pred_id, "category_id": category})
            if rng.random() < 0.05:
                pred_segments.append({"id": pred_id, "category_id": category})
        image_id = n if n % 3 else f"img_{n:03d}"  # int and string ids
        file_name = f"{n:03d}.png"
        id_png(target / "gt" / file_name, gt)
        id_png(target / "pred" / file_name, pred)
        gt_annotations.append({"image_id": image_id, "file_name": file_name, "segments_info": segments})
        pred_annotations.append({"image_id": image_id, "file_name": file_name, "segments_info": pred_segments})
    # every category counted in both groups: an extra image with one perfect segment of each
    h, w = 4, 10
    ids = np.repeat(np.arange(1, 6), 2)[None].repeat(h, axis=0)
    id_png(target / "gt" / "all.png", ids)
    id_png(target / "pred" / "all.png", ids * 7)
    gt_annotations.append({"image_id": "all", "file_name": "all.png", "segments_info": [
        {"id": c, "category_id": c, "area": 2 * h, "iscrowd": 0} for c in range(1, 6)]})
    pred_annotations.append({"image_id": "all", "file_name": "all.png", "segments_info": [
        {"id": 7 * c, "category_id": c} for c in range(1, 6)]})
    (target / "gt.json").write_text(json.dumps({"annotations": gt_annotations, "categories": categories}))
    (target / "pred.json").write_text(json.dumps({"annotations": pred_annotations[::-1]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference-python", required=True)
    args = parser.parse_args()
    scratch = Path(subprocess.run(["mktemp", "-d"], capture_output=True, text=True, check=True).stdout.strip())
    try:
        for name in DEMOS:
            make_demo(name, args.reference_python, scratch)
        make_adversarial(args.reference_python)
        ref(args.reference_python, "compute", "--gt-json", str(HERE / "adversarial" / "gt.json"),
            "--pred-json", str(HERE / "adversarial" / "pred.json"), "--out", str(HERE / "adversarial" / "expected.json"),
            "--workers", "1")
    finally:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
