"""Benchmark `pps evaluate`: ms per image at several worker counts, the read floor, and the reference.

    .venv/bin/python benchmarks/bench_evaluate.py [--images 6] [--repeat 3] [--data DIR] [--spec cpp-default]

generates a 2048x1024 Cityscapes-like demo data set (``pps_cli.demo.synth``, ~10-35 things per image)
unless ``--data`` points at one, then prints a JSON report:

- ``ms_per_image``: wall time of :func:`pps_cli.evaluate.evaluate` per image, for each worker
  count (worker pools included), best of ``--repeat`` runs;
- ``read_floor_ms_per_image``: just reading the GT TIFF and the prediction PNG (one process), what
  any evaluator must do; ``ratio_to_floor`` = 1-worker time / floor;
- ``kernel_ms_per_image``: the PartPQ statistics alone (arrays already in memory);
- with ``PPS_REFERENCE_PYTHON`` set to a Python that has panoptic-parts 2.0rc6 (e.g.
  /work/refenv/bin/python), the reference evaluator (tools/reference/ref_evaluate.py, 1 worker)
  on the same files, and ``speedup_vs_reference`` per image.

Each timing of ``evaluate`` runs in a fresh interpreter, so that one timing does not warm the next.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _time_evaluate(data_dir: Path, images_json: Path, spec: str, workers: int, repeat: int) -> float:
    """Best wall time (s) of ``evaluate`` over ``repeat`` runs, measured in a fresh interpreter."""
    code = (
        "import json, sys, time\n"
        "from pps_cli.dataset import load_images\n"
        "from pps_cli.evaluate import evaluate\n"
        "from pps_cli.specs import load_eval_spec\n"
        "data, images_json, spec, workers, repeat = sys.argv[1:]\n"
        "spec = load_eval_spec(spec); images = load_images(images_json)\n"
        "best = float('inf')\n"
        "for _ in range(int(repeat)):\n"
        "    start = time.perf_counter()\n"
        "    evaluate(spec, images, data + '/gt', data + '/predictions/pps', workers=int(workers))\n"
        "    best = min(best, time.perf_counter() - start)\n"
        "print(json.dumps(best))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(data_dir), str(images_json), spec, str(workers), str(repeat)],
        capture_output=True, text=True, check=True,
    )
    return float(json.loads(done.stdout))


def bench(data_dir: Path, images_json: Path, spec: str, workers_list: list[int], *, repeat: int = 3) -> dict:
    """Time PartPQ evaluation of ``data_dir`` (a demo folder: ``gt/``, ``predictions/pps/``).

    Returns a dict with ``ms_per_image`` per worker count, ``read_floor_ms_per_image``,
    ``kernel_ms_per_image``, ``ratio_to_floor`` and, when ``PPS_REFERENCE_PYTHON`` is set, the
    reference's ``reference_ms_per_image`` and ``speedup_vs_reference``.
    """
    from pps_cli.dataset import load_images
    from pps_cli.evaluate import find_jobs, read_image_pair
    from pps_cli.metrics.partpq import image_stats
    from pps_cli.specs import load_eval_spec

    data_dir = Path(data_dir)
    images = load_images(images_json)
    n = len(images)
    report: dict[str, Any] = {
        "images": n,
        "size": f"{images[0].width}x{images[0].height}",
        "spec": spec,
        "ms_per_image": {},
    }
    # timings that fork come first, before this process touches OpenCV
    for workers in workers_list:
        seconds = _time_evaluate(data_dir, images_json, spec, workers, repeat)
        report["ms_per_image"][str(workers)] = round(1e3 * seconds / n, 2)

    jobs = find_jobs(images, data_dir / "gt", data_dir / "predictions" / "pps")
    arrays = [read_image_pair(job) for job in jobs]  # also warms the file cache
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for job in jobs:
            read_image_pair(job)
        best = min(best, time.perf_counter() - start)
    report["read_floor_ms_per_image"] = round(1e3 * best / n, 2)
    eval_spec = load_eval_spec(spec)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for gt, pred in arrays:
            image_stats(gt, pred, spec=eval_spec)
        best = min(best, time.perf_counter() - start)
    report["kernel_ms_per_image"] = round(1e3 * best / n, 2)
    if "1" in report["ms_per_image"]:
        report["ratio_to_floor"] = round(report["ms_per_image"]["1"] / report["read_floor_ms_per_image"], 2)

    reference_python = os.environ.get("PPS_REFERENCE_PYTHON")
    if reference_python:
        report.update(_reference(reference_python, data_dir, images_json, eval_spec.path))
        if "1" in report["ms_per_image"]:
            report["speedup_vs_reference"] = round(report["reference_ms_per_image"] / report["ms_per_image"]["1"], 1)
    return report


def _reference(python: str, data_dir: Path, images_json: Path, spec_path: Path) -> dict[str, Any]:
    """Run tools/reference/ref_evaluate.py (1 worker) and read its timing."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ref.json"
        subprocess.run(
            [python, str(ROOT / "tools" / "reference" / "ref_evaluate.py"), "--eval-spec", str(spec_path),
             "--gt", str(data_dir / "gt"), "--pred", str(data_dir / "predictions" / "pps"),
             "--images", str(images_json), "--out", str(out), "--workers", "1"],
            check=True, capture_output=True, text=True,
        )
        meta = json.loads(out.with_suffix(".meta.json").read_text())
    return {"reference_ms_per_image": round(1e3 * meta["seconds_per_image"], 1), "reference_workers": meta["workers"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6, help="demo images to generate (default 6)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None, help="existing demo folder (with images.json)")
    parser.add_argument("--spec", default="cpp-default")
    parser.add_argument("--workers", type=int, nargs="*", default=None, help="worker counts (default: 1 and all)")
    args = parser.parse_args()

    from pps_cli.parallel import default_workers

    workers = args.workers or sorted({1, default_workers()})
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tmp) / "demo"
            # generated in a child process so that this one has not used OpenCV before forking
            subprocess.run(
                [sys.executable, "-m", "pps_cli", "demo", str(data), "-n", str(args.images),
                 "--height", "1024", "--width", "2048", "--dataset",
                 "pascal" if args.spec.startswith("ppp") else "cityscapes"],
                check=True, capture_output=True,
            )
        report = bench(data, data / "images.json", args.spec, workers, repeat=args.repeat)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
