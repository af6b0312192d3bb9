#!/usr/bin/env python
"""Write the golden data of `pps panoptic`: inputs, then the reference's merge of them.

Run with the pps venv (it writes inputs with pps_cli.demo.synth, numpy, OpenCV and pycocotools), from the
repository root:

    .venv/bin/python tests/golden/panoptic/make_golden.py

It calls tools/reference/ref_merge_panoptic.py under /work/refenv/bin/python (panoptic-parts 2.0rc6 +
panopticapi, numpy 1.26) for each case and keeps its panoptic.json and PNGs under <case>/reference/.
Inputs are seeded: rerunning rewrites identical input files (the reference's ids are drawn from numpy's
RNG seeded by the driver, so they are reproducible too). See README.md.
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
from pycocotools import mask as coco_mask

from pps_cli.dataset import build_images, images_json
from pps_cli.demo.synth import generate_demo
from pps_cli.io import write_json, write_png

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
REF_PY = "/work/refenv/bin/python"
REF_DRIVER = ROOT / "tools" / "reference" / "ref_merge_panoptic.py"
SPECS = Path("/work/shared/reference/specs/eval_specs")
SPEC_FILES = {
    "cpp-default": SPECS / "ppq_cpp_19_23_cvpr21_default_evalspec.yaml",
    "ppp-default": SPECS / "ppq_ppp_59_57_cvpr21_default_evalspec.yaml",
}


def rle(mask: np.ndarray) -> dict:
    encoded = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(s) for s in encoded["size"]], "counts": encoded["counts"].decode("ascii")}


def demo_case(case: Path, dataset: str) -> str:
    """A 4-image demo data set; PASCAL image_ids made strings (the reference drops int ids)."""
    with tempfile.TemporaryDirectory() as tmp:
        summary = generate_demo(Path(tmp) / "demo", dataset=dataset, num_images=4, height=256, width=512, seed=0)
        images = build_images(summary.gt_dir, dataset)
        write_json(case / "images.json", images_json(images))
        shutil.copytree(summary.semantic_dir, case / "semantic")
        key_of = {int(i.key): i.key for i in images if i.key.replace("_", "").isdigit()}
        entries = json.loads(summary.instances_json.read_text())
        for entry in entries:
            if isinstance(entry["image_id"], int):
                entry["image_id"] = key_of[entry["image_id"]]
        write_json(case / "instances.json", entries, indent=None)
    return summary.eval_spec


def stress_case(case: Path, seed: int = 0) -> str:
    """CPP-like images full of ties, overlaps near 0.5, stuff instances and stuff areas near 1024."""
    rng = np.random.default_rng(seed)
    height, width = 96, 160
    stuff = [7, 8, 11, 21, 23]
    things = [24, 25, 26, 27, 28, 31, 32, 33]
    scores = [0.2, 0.4999, 0.5, 0.5, 0.6, 0.7, 0.7, 0.9, 0.9, 1.0]
    images, entries = [], []
    (case / "semantic").mkdir(parents=True, exist_ok=True)
    for n in range(6):
        image_id = f"stress_{n:03d}"
        images.append({"id": image_id, "file_name": f"{image_id}.jpg", "width": width, "height": height})
        # vertical bands: stuff classes of various widths (about 1024 px each), a thing class and void
        semantic = np.full((height, width), 255, np.uint8)
        x = 0
        while x < width:
            band = int(rng.integers(8, 16))
            semantic[:, x : x + band] = rng.choice(stuff + [26, 255], p=[0.16] * 5 + [0.1, 0.1])
            x += band
        write_png(case / "semantic" / f"{image_id}.png", semantic)
        # a base rectangle, then instances overlapping it by exactly 50 % and 51 %
        masks = []
        base = np.zeros((height, width), bool)
        base[10:20, 10:30] = True  # 200 px
        half = np.zeros((height, width), bool)
        half[10:20, 20:40] = True  # 100 of 200 taken: kept
        more = np.zeros((height, width), bool)
        more[11:21, 10:30] = True  # 180 of 200 taken: skipped
        masks += [(base, 26, 0.95), (half, 26, 0.94), (more, 24, 0.93)]
        masks.append((np.zeros((height, width), bool), 26, 0.99))  # empty
        for _ in range(int(rng.integers(15, 30))):
            m = np.zeros((height, width), bool)
            y0, x0 = int(rng.integers(0, height - 8)), int(rng.integers(0, width - 8))
            h, w = int(rng.integers(4, 40)), int(rng.integers(4, 60))
            if rng.random() < 0.5:
                m[y0 : y0 + h, x0 : x0 + w] = True
            else:
                yy, xx = np.mgrid[:height, :width]
                m = ((yy - y0) / (h / 2)) ** 2 + ((xx - x0) / (w / 2)) ** 2 <= 1
            category = int(rng.choice(stuff)) if rng.random() < 0.2 else int(rng.choice(things))
            masks.append((m, category, float(rng.choice(scores))))
        for m, category, score in masks:
            entries.append({"image_id": image_id, "category_id": category, "segmentation": rle(m), "score": score})
    write_json(case / "images.json", {"images": images})
    write_json(case / "instances.json", entries, indent=None)
    return "cpp-default"


def run_reference(case: Path, spec: str) -> None:
    out = case / "reference"
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                REF_PY, str(REF_DRIVER), "--eval-spec", str(SPEC_FILES[spec]), "--sem-dir", str(case / "semantic"),
                "--inst", str(case / "instances.json"), "--images", str(case / "images.json"),
                "--out", str(Path(tmp) / "out"), "--seed", "0", "--workers", "1",
            ],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        shutil.copytree(Path(tmp) / "out", out)
    (case / "spec.txt").write_text(spec + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    cases = {
        "cityscapes": lambda c: demo_case(c, "cityscapes"),
        "pascal": lambda c: demo_case(c, "pascal"),
        "stress": stress_case,
    }
    for name, make in cases.items():
        case = args.out / name
        shutil.rmtree(case, ignore_errors=True)
        case.mkdir(parents=True)
        spec = make(case)
        run_reference(case, spec)
        print(f"{case}: {spec}", file=sys.stderr)


if __name__ == "__main__":
    main()
