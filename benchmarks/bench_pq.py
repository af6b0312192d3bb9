"""Benchmark `pps pq` against panopticapi's pq_compute, and the cost of PQ + mIoU in `pps evaluate`.

    .venv/bin/python benchmarks/bench_pq.py [--images 4] [--repeat 3] [--data DIR]
    PPS_REFERENCE_PYTHON=/work/refenv/bin/python .venv/bin/python benchmarks/bench_pq.py   # with panopticapi

Generates a 2048x1024 Cityscapes-like demo (``pps demo``) unless ``--data`` points at one, runs
``pps run`` on it (COCO panoptic and PPS predictions), converts its GT to COCO panoptic (the "PQ
from PPS ground truth" rules of docs/metrics.md), then prints a JSON report, all at one worker,
best of ``--repeat``, in a fresh interpreter (the two evaluate variants interleaved):

- ``pq_ms_per_image``: :func:`pps_cli.pq_eval.pq_evaluate` on the COCO GT and predictions;
- ``evaluate_ms_per_image``: :func:`pps_cli.evaluate.evaluate` with ``partpq`` alone and with all
  metrics, and ``all_metrics_over_partpq`` (target <= 1.2); ``kernel_ms_per_image`` the same
  without file reading, interleaved, and ``kernel_extra_ms_per_image`` what PQ + mIoU add;
- with ``PPS_REFERENCE_PYTHON`` (a Python with panopticapi, e.g. /work/refenv/bin/python):
  ``pq_compute_ms_per_image`` (tools/reference/ref_pq.py compute, one process) on the same files and
  ``pq_compute_loop_ms_per_image`` (its per-image loop alone, warm, without JSON loading or the
  process pool) and ``pq_speedup_vs_pq_compute`` = loop / ``pq_ms_per_image`` (target >= 5).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_TIME = """
import json, sys, time
from pps_cli.dataset import load_images
from pps_cli.evaluate import evaluate
from pps_cli.pq_eval import pq_evaluate
from pps_cli.specs import load_eval_spec
data, whats, repeat = sys.argv[1], sys.argv[2].split("|"), int(sys.argv[3])
spec = load_eval_spec("cpp-default"); images = load_images(data + "/run/images.json")
def once(what):
    if what == "pq":
        pq_evaluate(gt_json=data + "/gt_coco.json", pred_json=data + "/run/panoptic.json")
    else:
        evaluate(spec, images, data + "/gt", data + "/run/pps", metrics=what.split(","))
best = [float("inf")] * len(whats)
for _ in range(repeat):
    for k, what in enumerate(whats):  # interleaved, so that machine noise hits all alike
        start = time.perf_counter(); once(what); best[k] = min(best[k], time.perf_counter() - start)
print(json.dumps(best))
"""


def _time(data: Path, whats: list[str], repeat: int) -> list[float]:
    """Best wall time (s) of one whole run over the data for each of ``whats``, in one fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", _TIME, str(data), "|".join(whats), str(repeat)],
                          capture_output=True, text=True, check=True)
    return [float(t) for t in json.loads(done.stdout)]


def convert_gt(data: Path) -> None:
    """COCO panoptic GT (``gt_coco.json`` + ``gt_coco/``) from the uid TIFFs, with the PQ-from-PPS rules."""
    import numpy as np

    from pps_cli.dataset import find_gt_files, load_images
    from pps_cli.formats.labels import decode_uids, segment_id_to_rgb
    from pps_cli.io import read_uid_tiff, write_json, write_png
    from pps_cli.specs import load_eval_spec

    spec = load_eval_spec("cpp-default")
    images = load_images(data / "run" / "images.json")
    files = find_gt_files(data / "gt")
    (data / "gt_coco").mkdir(exist_ok=True)
    annotations = []
    for image in images:
        uids = read_uid_tiff(files[image.key])
        sid, iid, *_ = decode_uids(uids)
        thing = spec.is_thing[sid]
        key = np.where(spec.category_index[sid] >= 0, sid * 2000 + np.where(thing, np.where(uids <= 99, 1000, iid), 0), -1)
        keys, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        segment_id = np.where(keys >= 0, np.arange(keys.size) + (keys[0] >= 0), 0)
        ids = segment_id[inverse.reshape(uids.shape)]
        write_png(data / "gt_coco" / f"{image.key}.png", segment_id_to_rgb(ids))
        segments = [{"id": int(i), "category_id": int(k // 2000), "area": int(c), "iscrowd": int(k % 2000 == 1000)}
                    for i, k, c in zip(segment_id, keys, counts, strict=True) if k >= 0]
        annotations.append({"image_id": image.id, "file_name": f"{image.key}.png", "segments_info": segments})
    categories = [{"id": s, "name": spec.category_name(s), "isthing": int(spec.is_thing[s])} for s in spec.eval_sids]
    write_json(data / "gt_coco.json", {"annotations": annotations, "categories": categories})


def prepare(data: Path) -> None:
    """`pps run` on the demo (panoptic + PPS predictions) and the COCO GT, unless already there."""
    if not (data / "run" / "panoptic.json").exists():
        subprocess.run(
            [sys.executable, "-m", "pps_cli", "run", "-s", "cpp-default", "--gt", str(data / "gt"),
             "--semantic", str(data / "predictions" / "semantic"), "--instances",
             str(data / "predictions" / "instances.json"), "--parts", str(data / "predictions" / "parts"),
             "-o", str(data / "run"), "-j", "1", "--overwrite"],
            check=True, capture_output=True,
        )
    if not (data / "gt_coco.json").exists():
        convert_gt(data)


def _kernels(data: Path, *, repeat: int) -> dict[str, Any]:
    """:func:`pps_cli.metrics.image_stats` on arrays in memory, PartPQ alone vs all metrics, interleaved
    (best of ``repeat``), so that machine noise hits both alike."""
    import time

    from pps_cli.dataset import load_images
    from pps_cli.evaluate import find_jobs, read_image_pair
    from pps_cli.metrics import METRICS, image_stats
    from pps_cli.specs import load_eval_spec

    spec = load_eval_spec("cpp-default")
    jobs = find_jobs(load_images(data / "run" / "images.json"), data / "gt", data / "run" / "pps")
    arrays = [read_image_pair(job) for job in jobs]
    best = {"partpq": float("inf"), "all": float("inf")}
    for _ in range(repeat):
        for name, metrics in (("partpq", ("partpq",)), ("all", METRICS)):
            start = time.perf_counter()
            for gt, pred in arrays:
                image_stats(gt, pred, spec=spec, metrics=metrics)
            best[name] = min(best[name], time.perf_counter() - start)
    return {
        "kernel_ms_per_image": {name: round(1e3 * seconds / len(arrays), 2) for name, seconds in best.items()},
        "kernel_extra_ms_per_image": round(1e3 * (best["all"] - best["partpq"]) / len(arrays), 2),
    }


def bench(data: Path, *, repeat: int) -> dict[str, Any]:
    """Time `pps pq`, evaluate with PartPQ alone and with all metrics, and (optionally) pq_compute."""
    prepare(data)
    n = len(json.loads((data / "run" / "images.json").read_text())["images"])
    report: dict[str, Any] = {"images": n, "size": "2048x1024", "workers": 1}
    (pq,) = _time(data, ["pq"], repeat)
    report["pq_ms_per_image"] = round(1e3 * pq / n, 2)
    partpq, every = _time(data, ["partpq", "partpq,pq,miou"], repeat)
    report["evaluate_ms_per_image"] = {"partpq": round(1e3 * partpq / n, 2), "all": round(1e3 * every / n, 2)}
    report["all_metrics_over_partpq"] = round(every / partpq, 3)
    report.update(_kernels(data, repeat=max(repeat, 5)))
    reference_python = os.environ.get("PPS_REFERENCE_PYTHON")
    if reference_python:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "ref.json"
            subprocess.run(
                [reference_python, str(ROOT / "tools" / "reference" / "ref_pq.py"), "compute", "--gt-json",
                 str(data / "gt_coco.json"), "--pred-json", str(data / "run" / "panoptic.json"), "--out", str(out),
                 "--meta", str(out.with_suffix(".meta.json")), "--workers", "1"],
                check=True, capture_output=True, text=True,
            )
            meta = json.loads(out.with_suffix(".meta.json").read_text())
        report["pq_compute_ms_per_image"] = round(1e3 * meta["seconds_total"] / n, 1)
        report["pq_compute_loop_ms_per_image"] = round(1e3 * meta["seconds_single_core_loop"] / n, 1)
        # against the per-image loop alone (no JSON loading, no pool start): the conservative ratio
        report["pq_speedup_vs_pq_compute"] = round(report["pq_compute_loop_ms_per_image"] / report["pq_ms_per_image"], 1)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4, help="demo images to generate (default 4)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None, help="existing `pps demo` folder (2048x1024, cityscapes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tmp) / "demo"
            subprocess.run(
                [sys.executable, "-m", "pps_cli", "demo", str(data), "-n", str(args.images), "--height", "1024",
                 "--width", "2048", "--dataset", "cityscapes"],
                check=True, capture_output=True,
            )
        print(json.dumps(bench(data, repeat=args.repeat), indent=2))


if __name__ == "__main__":
    main()
