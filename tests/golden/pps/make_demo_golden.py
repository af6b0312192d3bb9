"""Write golden `pps pps` cases from `pps demo` data and the reference's output for them.

Run from the repository root with the pps venv (it calls the reference venv for the reference):

    .venv/bin/python tests/golden/pps/make_demo_golden.py

Writes tests/golden/pps/demo-cityscapes/ and demo-pascal/: images.json, parts/ (and parts_grouped/ for
cityscapes) from ``pps_cli.demo.synth.generate_demo`` (3 images of 128x64), panoptic/ + panoptic.json made
from the demo's PPS predictions (one segment per (class, instance), random 24-bit ids; see
benchmarks/bench_pps.py:panoptic_from_pps), and expected-<spec>/ from tools/reference/ref_merge_pps.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pps import make_panoptic_inputs  # noqa: E402

from pps_cli.dataset import build_images, images_json  # noqa: E402
from pps_cli.demo.synth import generate_demo  # noqa: E402
from pps_cli.io import write_json  # noqa: E402
from pps_cli.specs import load_eval_spec  # noqa: E402

REFENV_PYTHON = "/work/refenv/bin/python"
CASES = {"cityscapes": ("cpp-default", "cpp-grouped"), "pascal": ("ppp-default",)}


def main() -> None:
    for dataset, specs in CASES.items():
        out = HERE / f"demo-{dataset}"
        shutil.rmtree(out, ignore_errors=True)
        with tempfile.TemporaryDirectory() as tmp:
            demo = Path(tmp)
            generate_demo(demo, dataset=dataset, num_images=3, height=64, width=128, seed=7)  # type: ignore[arg-type]
            images = build_images(demo / "gt", dataset)  # type: ignore[arg-type]
            write_json(out / "images.json", images_json(images))
            make_panoptic_inputs(demo / "predictions" / "pps", images, out, seed=7)
            for parts in ("parts", "parts_grouped"):
                if (demo / "predictions" / parts).is_dir():
                    shutil.copytree(demo / "predictions" / parts, out / parts)
        for spec in specs:
            parts = "parts_grouped" if spec == "cpp-grouped" else "parts"
            subprocess.run(
                [REFENV_PYTHON, str(ROOT / "tools" / "reference" / "ref_merge_pps.py"),
                 "--eval-spec", str(load_eval_spec(spec).path), "--panoptic-dir", str(out / "panoptic"),
                 "--panoptic-json", str(out / "panoptic.json"), "--parts-dir", str(out / parts),
                 "--images", str(out / "images.json"), "--out", str(out / f"expected-{spec}")],
                check=True,
            )  # fmt: skip


if __name__ == "__main__":
    main()
