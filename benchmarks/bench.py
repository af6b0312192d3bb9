"""`make bench`: time every pps stage per image on generated 2048x1024 data, beside the reference.

    .venv/bin/python benchmarks/bench.py [--images 4] [--data bench-data] [--spec cpp-default]
                                         [--json bench-results.json] [--reference-python PY]

1. Generates a Cityscapes-like demo data set (``pps_cli.synth``, ~10-40 things per image) in
   ``--data`` unless it is already there.
2. Times each stage (images.json, panoptic merge, PPS merge, PartPQ evaluation) with 1 worker and
   with all CPUs, plus each stage's floor: only reading its inputs and encoding its output.
3. With ``--reference-python`` (or ``PPS_REFERENCE_PYTHON``) pointing at a Python 3.9 that has
   ``panoptic-parts==2.0rc6`` (see tools/reference/README.md), runs the reference on the same
   files and prints the ratio.

Every measurement runs in its own process, so that its peak memory (max RSS of the process and of
its workers) is its own. Times are wall clock per image; the one-off start of the worker pool is
reported apart, the reference's interpreter start-up is included. Prints a table and writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_TOOLS = ROOT / "tools" / "reference"
STAGES = ("images-json", "panoptic", "pps", "evaluate")


# ----------------------------------------------------------------------------- one measurement (child process)


def _measure(stage: str, data: Path, work: Path, spec_name: str, workers: int, floor: bool) -> float:
    """Run one stage (or its floor) in this process; return seconds."""
    from pps_cli.dataset import build_images, find_gt_files, load_images, match_files
    from pps_cli.evaluate import evaluate
    from pps_cli.io import encode_png, list_files, read_png, read_uid_tiff
    from pps_cli.panoptic import merge_panoptic_files
    from pps_cli.panoptic_json import load_panoptic_json
    from pps_cli.parallel import parallel_map
    from pps_cli.pps_merge import merge_pps_files
    from pps_cli.specs import load_eval_spec

    spec = load_eval_spec(spec_name)
    images = load_images(data / "images.json")
    if workers > 1:  # start the fork server now: its one-off start-up is reported apart (pool_start_ms)
        list(parallel_map(_noop, range(workers), workers=workers))
    pred = data / "predictions"
    parts = pred / ("parts_grouped" if spec_name == "cpp-grouped" else "parts")
    start = time.perf_counter()
    if stage == "images-json":
        build_images(data / "gt")
    elif stage == "panoptic" and not floor:
        merge_panoptic_files(
            spec=spec, images=images, images_json=data / "images.json", semantic_dir=pred / "semantic",
            instances=pred / "instances.json", out_dir=work / "panoptic-out", workers=workers,
        )  # fmt: skip
    elif stage == "pps" and not floor:
        merge_pps_files(
            spec=spec, images=images, annotations=load_panoptic_json(work / "panoptic-out" / "panoptic.json"),
            panoptic_json=work / "panoptic-out" / "panoptic.json", panoptic_dir=work / "panoptic-out" / "panoptic",
            parts_dir=parts, out_dir=work / "pps-out", workers=workers, overwrite=True,
        )  # fmt: skip
    elif stage == "evaluate" and not floor:
        evaluate(spec, images, data / "gt", work / "pps-out", workers=workers)
    elif stage == "panoptic":  # floor: read the semantic PNG, encode an RGB PNG of the same size
        files, _ = match_files(images, list_files(pred / "semantic", (".png",)), root=pred / "semantic", what="semantic")
        for image in images:
            semantic = read_png(files[image.key], channels=1)
            encode_png(semantic[..., None].repeat(3, axis=2))
    elif stage == "pps":  # floor: read the panoptic and part PNGs, encode the output PNG
        panoptic = list_files(work / "panoptic-out" / "panoptic", (".png",))
        files, _ = match_files(images, list_files(parts, (".png",)), root=parts, what="part")
        for image, panoptic_png in zip(images, panoptic, strict=True):
            encode_png(read_png(panoptic_png, channels=3))
            read_png(files[image.key], channels=1)
    elif stage == "evaluate":  # floor: read the GT TIFF and the prediction PNG
        gt = find_gt_files(data / "gt")
        files, _ = match_files(images, list_files(work / "pps-out", (".png",)), root=work / "pps-out", what="PPS")
        for image in images:
            read_uid_tiff(gt[image.key])
            read_png(files[image.key], channels=3)
    return time.perf_counter() - start


def _noop(item: int, context: Any) -> int:
    return item


def _pool_start_ms(workers: int) -> float:
    from pps_cli.parallel import parallel_map

    start = time.perf_counter()
    list(parallel_map(_noop, range(workers), workers=workers))
    return 1000 * (time.perf_counter() - start)


class PeakMemory:
    """Samples the summed RSS of this process and all its descendants (Linux /proc) every 50 ms.

    ``getrusage`` cannot be used: ``ru_maxrss`` survives ``exec`` (a child would report its
    parent's peak) and pool workers are not our direct children.
    """

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _tree_rss_kib(root: int) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status") as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
            except OSError:
                continue
            pid = int(entry)
            parents[pid] = int(fields.get("PPid", "0").strip())
            rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
        total, stack = 0, [root]
        children: dict[int, list[int]] = {}
        for pid, ppid in parents.items():
            children.setdefault(ppid, []).append(pid)
        while stack:
            pid = stack.pop()
            total += rss.get(pid, 0)
            stack.extend(children.get(pid, []))
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, self._tree_rss_kib(os.getpid()))
            self._stop.wait(0.05)

    @property
    def mib(self) -> float:
        return self.peak_kib / 1024


def _child_main(argv: list[str]) -> None:
    kind, args = argv[0], json.loads(argv[1])
    with PeakMemory() as memory:
        if kind == "pool":
            seconds = _pool_start_ms(args["workers"]) / 1000
        elif kind == "stage":
            seconds = _measure(
                args["stage"], Path(args["data"]), Path(args["work"]), args["spec"], args["workers"], args["floor"]
            )
        else:  # an external command (the reference), timed from here so its memory is counted alone
            start = time.perf_counter()
            done = subprocess.run(args["command"], capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - start
            if done.returncode != 0:
                sys.stderr.write(done.stderr[-3000:])
                raise SystemExit(done.returncode)
    print(json.dumps({"seconds": seconds, "peak_rss_mib": memory.mib}))


def _in_child(kind: str, **args: Any) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, json.dumps(args)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark step {kind} {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- the benchmark


def _ensure_data(data: Path, num_images: int, height: int, width: int) -> None:
    from pps_cli.dataset import build_images, images_json
    from pps_cli.io import write_json
    from pps_cli.synth import generate_demo

    marker = data / ".bench-params.json"
    params = {"num_images": num_images, "height": height, "width": width}
    if marker.is_file() and json.loads(marker.read_text()) == params:
        return
    print(f"generating {num_images} images of {width}x{height} in {data} ...", flush=True)
    generate_demo(data, num_images=num_images, height=height, width=width, seed=0)
    write_json(data / "images.json", images_json(build_images(data / "gt")))
    marker.write_text(json.dumps(params))


def _reference_commands(python: str, data: Path, work: Path, spec_path: Path, parts: Path) -> dict[str, list[str]]:
    pred = data / "predictions"
    images = str(data / "images.json")
    return {
        "panoptic": [python, str(REFERENCE_TOOLS / "ref_merge_panoptic.py"), "--eval-spec", str(spec_path),
                     "--sem-dir", str(pred / "semantic"), "--inst", str(pred / "instances.json"), "--images", images,
                     "--out", str(work / "ref-panoptic")],
        "pps": [python, str(REFERENCE_TOOLS / "ref_merge_pps.py"), "--eval-spec", str(spec_path),
                "--panoptic-dir", str(work / "panoptic-out" / "panoptic"),
                "--panoptic-json", str(work / "panoptic-out" / "panoptic.json"), "--parts-dir", str(parts),
                "--images", images, "--out", str(work / "ref-pps")],
        "evaluate": [python, str(REFERENCE_TOOLS / "ref_evaluate.py"), "--eval-spec", str(spec_path),
                     "--gt", str(data / "gt"), "--pred", str(work / "pps-out"), "--images", images,
                     "--out", str(work / "ref-results.json")],
    }  # fmt: skip


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    from pps_cli.parallel import default_workers
    from pps_cli.specs import load_eval_spec

    data = Path(args.data).resolve()
    work = data / "bench-work"
    work.mkdir(parents=True, exist_ok=True)
    _ensure_data(data, args.images, args.height, args.width)
    n = args.images
    all_workers = default_workers()
    worker_counts = sorted({1, all_workers})
    results: dict[str, Any] = {
        "images": n, "size": f"{args.width}x{args.height}", "spec": args.spec, "cpus": all_workers, "stages": {},
    }  # fmt: skip
    if all_workers > 1:
        results["pool_start_ms"] = 1000 * _in_child("pool", workers=all_workers)["seconds"]
    for stage in STAGES:
        entry: dict[str, Any] = {}
        for workers in [1] if stage == "images-json" else worker_counts:
            measured = _in_child(
                "stage", stage=stage, data=str(data), work=str(work), spec=args.spec, workers=workers, floor=False
            )
            entry[f"ms_per_image_{workers}w"] = 1000 * measured["seconds"] / n
            entry[f"peak_rss_mib_{workers}w"] = measured["peak_rss_mib"]
            print(f"  {stage:<12} {workers} worker(s): {entry[f'ms_per_image_{workers}w']:9.1f} ms/image", flush=True)
        if stage != "images-json":
            floor = _in_child("stage", stage=stage, data=str(data), work=str(work), spec=args.spec, workers=1, floor=True)
            entry["floor_ms_per_image"] = 1000 * floor["seconds"] / n
            entry["ratio_to_floor_1w"] = entry["ms_per_image_1w"] / entry["floor_ms_per_image"]
        results["stages"][stage] = entry
    if args.reference_python:
        spec = load_eval_spec(args.spec)
        parts = data / "predictions" / ("parts_grouped" if args.spec == "cpp-grouped" else "parts")
        commands = _reference_commands(args.reference_python, data, work, spec.path, parts)
        for stage, command in commands.items():
            print(f"  reference {stage} ...", flush=True)
            measured = _in_child("command", command=command)
            entry = results["stages"][stage]
            entry["reference_ms_per_image"] = 1000 * measured["seconds"] / n
            entry["reference_peak_rss_mib"] = measured["peak_rss_mib"]
            entry["speedup_vs_reference_1w"] = entry["reference_ms_per_image"] / entry["ms_per_image_1w"]
    return results


def print_table(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    cpus = results["cpus"]
    table = Table(title=f"pps benchmark: {results['images']} images of {results['size']}, {results['spec']}, {cpus} CPUs")
    columns = ["stage", "ms/img 1w", f"ms/img {cpus}w", "floor ms/img", "x floor", "peak MiB (all procs)", "reference ms/img",
               "reference MiB", "speed-up"]  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "stage" else "right")

    def fmt(value: float | None, digits: int = 1) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    for stage, e in results["stages"].items():
        table.add_row(
            stage, fmt(e.get("ms_per_image_1w")), fmt(e.get(f"ms_per_image_{cpus}w")), fmt(e.get("floor_ms_per_image")),
            fmt(e.get("ratio_to_floor_1w"), 2), fmt(max(v for k, v in e.items() if k.startswith("peak_rss")), 0),
            fmt(e.get("reference_ms_per_image")), fmt(e.get("reference_peak_rss_mib"), 0),
            fmt(e.get("speedup_vs_reference_1w"), 0) + ("x" if "speedup_vs_reference_1w" in e else ""),
        )  # fmt: skip
    Console(width=160).print(table)
    if "pool_start_ms" in results:
        print(f"worker pool start-up, once per command: {results['pool_start_ms']:.0f} ms (not in the per-image times)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=8, help="number of generated images (default 8)")
    parser.add_argument("--height", type=int, default=1024)
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--data", default=str(ROOT / "bench-data"), help="where the generated data set lives")
    parser.add_argument("--spec", default="cpp-default", choices=["cpp-default", "cpp-grouped"])
    parser.add_argument("--json", default=str(ROOT / "bench-results.json"), help="where to write the numbers")
    parser.add_argument(
        "--reference-python",
        default=os.environ.get("PPS_REFERENCE_PYTHON"),
        help="Python with panoptic-parts==2.0rc6 (default: $PPS_REFERENCE_PYTHON); omit to skip the reference",
    )
    args = parser.parse_args()
    results = run_benchmark(args)
    print_table(results)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
