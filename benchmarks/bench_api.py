"""Benchmark the in-memory API: ``Evaluator.update`` per 2048x1024 image, beside torchmetrics' PanopticQuality.

    .venv/bin/python benchmarks/bench_api.py [--images 3] [--torchmetrics-images 1] [--repeat 3] [--data DIR]

generates 2048x1024 Cityscapes-like demo images (``pps_cli.demo.synth``) unless ``--data`` points at a
demo folder, reads them into memory once, then times on one thread with no I/O:

- ``all``: ``Evaluator("cpp-default").update`` with PartPQ, PQ and mIoU;
- ``partpq``: the same with ``metrics=["partpq"]``; ``ratio_all_to_partpq`` = all / partpq;
- ``torchmetrics``: ``torchmetrics.detection.PanopticQuality.update`` on the same arrays
  (prediction ``[class, instance]``, GT eval sid and instance id; void / unknown classes as its
  void), on ``--torchmetrics-images`` images (it takes seconds each); ``speedup_vs_torchmetrics``.

Each figure is the mean over images of the best of ``--repeat`` runs per image (torchmetrics: one
run). Prints a JSON report.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread, before numpy / torch load their thread pools

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from pps_cli.api import Evaluator  # noqa: E402
from pps_cli.dataset import build_images  # noqa: E402
from pps_cli.demo.synth import generate_demo  # noqa: E402
from pps_cli.evaluate import find_jobs, read_image_pair  # noqa: E402
from pps_cli.formats.labels import decode_uids  # noqa: E402
from pps_cli.specs import IGNORED, EvalSpec, load_eval_spec  # noqa: E402

SPEC = "cpp-default"


def load_pairs(data_dir: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(GT uids, PPS prediction) of every image of a demo folder, in id order."""
    jobs = find_jobs(build_images(data_dir / "gt"), data_dir / "gt", data_dir / "predictions" / "pps")
    return [read_image_pair(job) for job in jobs]


def best_time(function, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def time_evaluator(pairs, metrics: list[str], repeat: int) -> float:
    """Mean over images of the best time (s) of one ``Evaluator.update``."""
    evaluator = Evaluator(SPEC, metrics=metrics)
    return float(np.mean([best_time(lambda g=gt, p=pred: evaluator.update(g, p), repeat) for gt, pred in pairs]))


def torchmetrics_inputs(gt: np.ndarray, pred: np.ndarray, spec: EvalSpec):
    """The same image as torchmetrics' (1, H, W, 2) ``(category, instance)`` tensors."""
    import torch

    eval_sid = np.full(256, 255, np.int64)
    for sid, value in spec.file.dataset_sid2eval_sid.items():
        if isinstance(sid, int) and value != IGNORED:
            eval_sid[sid] = int(value)
    decoded = decode_uids(gt)
    target = np.stack([eval_sid[decoded.sid], decoded.iid.astype(np.int64)], axis=-1)
    preds = pred[..., :2].astype(np.int64)
    return torch.from_numpy(preds)[None], torch.from_numpy(target)[None]


def time_torchmetrics(pairs, spec: EvalSpec) -> float:
    import torch
    from torchmetrics.detection import PanopticQuality

    torch.set_num_threads(1)
    metric = PanopticQuality(things=set(spec.things), stuffs=set(spec.stuff), allow_unknown_preds_category=True)
    times = []
    for gt, pred in pairs:
        preds, target = torchmetrics_inputs(gt, pred, spec)
        start = time.perf_counter()
        metric.update(preds, target)
        times.append(time.perf_counter() - start)
    return float(np.mean(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--torchmetrics-images", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="a `pps demo` folder of 2048x1024 images (default: generate one)")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    spec = load_eval_spec(SPEC)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tmp)
            generate_demo(data, num_images=args.images, height=1024, width=2048, seed=0)
        pairs = load_pairs(data)[: args.images]
    height, width = pairs[0][0].shape
    evaluator = Evaluator(SPEC)
    evaluator.update(*pairs[0])  # warm-up (imports, lookup tables)
    all_metrics = time_evaluator(pairs, ["partpq", "pq", "miou"], args.repeat)
    partpq = time_evaluator(pairs, ["partpq"], args.repeat)
    report = {
        "images": len(pairs),
        "size": f"{width}x{height}",
        "threads": 1,
        "ms_per_image": {"all": round(all_metrics * 1e3, 2), "partpq": round(partpq * 1e3, 2)},
        "ratio_all_to_partpq": round(all_metrics / partpq, 3),
        "state_bytes_json": len(json.dumps(evaluator.state_dict())),
    }
    if args.torchmetrics_images > 0:
        torchmetrics = time_torchmetrics(pairs[: args.torchmetrics_images], spec)
        report["ms_per_image"]["torchmetrics"] = round(torchmetrics * 1e3, 1)
        report["torchmetrics_images"] = min(args.torchmetrics_images, len(pairs))
        report["speedup_vs_torchmetrics"] = round(torchmetrics / all_metrics, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
