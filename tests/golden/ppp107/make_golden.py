"""Make the ppp-107 golden data: PASCAL-like GT, PPS predictions in ppp-107 part ids, and the reference's PartPQ.

Run from the repository root with the pps venv (see README.md here):

    .venv/bin/python tests/golden/ppp107/make_golden.py --reference-python /work/refenv/bin/python
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from pps_cli.dataset import build_images, images_json
from pps_cli.demo.synth import gt_eval_labels, make_scene, predict_pps
from pps_cli.io import read_uid_tiff, write_json, write_png, write_uid_tiff
from pps_cli.specs import load_eval_spec

HERE = Path(__file__).resolve().parent
REF_TOOLS = HERE.parents[2] / "tools" / "reference"
SPEC = "ppp-107"
NUM_IMAGES, HEIGHT, WIDTH, SEED = 6, 96, 160, 107


def make_arrays() -> dict[str, np.ndarray]:
    """GT scenes of synth.make_scene (PASCAL layout) and predictions derived from them in ppp-107 pids."""
    spec = load_eval_spec(SPEC)
    ids = [f"2010_{k:06d}" for k in range(NUM_IMAGES)]
    data: dict[str, np.ndarray] = {"image_ids": np.array(ids)}
    for k in range(NUM_IMAGES):
        rng = np.random.default_rng(SEED + k)
        uids = make_scene(rng, HEIGHT, WIDTH, "pascal", things=k != NUM_IMAGES - 1, crowd=k % 2 == 0, part_void=False)
        data[f"gt_{k}"] = uids
        data[f"pred_{k}"] = predict_pps(uids, spec, rng, gt=gt_eval_labels(uids, spec))
    return data


def write_dataset(data: dict[str, np.ndarray], root: Path) -> Path:
    """GT TIFFs ``gt/<id>.tif``, predictions ``pred/<id>.png`` and images.json (as the test does)."""
    for k, image_id in enumerate(str(i) for i in data["image_ids"]):
        write_uid_tiff(root / "gt" / f"{image_id}.tif", data[f"gt_{k}"])
        write_png(root / "pred" / f"{image_id}.png", data[f"pred_{k}"])
    write_json(root / "images.json", images_json(build_images(root / "gt")))
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference-python", required=True)
    args = parser.parse_args()
    data = make_arrays()
    np.savez_compressed(HERE / "data.npz", **data)
    spec_path = load_eval_spec(SPEC).path
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        root = write_dataset(dict(np.load(HERE / "data.npz")), tmp / "files")
        assert read_uid_tiff(root / "gt" / "2010_000000.tif").shape == (HEIGHT, WIDTH)
        results, meta = tmp / "ref.json", tmp / "ref.meta.json"
        subprocess.run(
            [args.reference_python, str(REF_TOOLS / "ref_evaluate.py"), "--eval-spec", str(spec_path), "--gt",
             str(root / "gt"), "--pred", str(root / "pred"), "--images", str(root / "images.json"), "--out",
             str(results), "--meta", str(meta), "--workers", "1"],
            check=True,
        )  # fmt: skip
        meta_data = json.loads(meta.read_text())
        document = {
            "data": "data.npz",
            "eval_spec": SPEC,
            "reference_category_sids": meta_data["category_sids"],
            "reference_empty_groups": meta_data["empty_groups"],
            "reference_seconds_per_image": meta_data["seconds_per_image"],
            "reference_results": json.loads(results.read_text()),
        }
    (HERE / "expected.json").write_text(json.dumps(document, indent=1) + "\n")


if __name__ == "__main__":
    main()
