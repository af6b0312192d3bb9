"""`make bench`: time every pps stage per image on generated 2048x1024 data, beside the reference.

    .venv/bin/python benchmarks/bench.py [--images 8] [--repeat 3] [--data bench-data] [--spec cpp-default]
                                         [--json bench-results.json] [--reference-python PY]
                                         [--reference-stages panoptic,panoptic-cityscapes,pps,evaluate]

1. Generates a Cityscapes-like demo data set (``pps_cli.demo.synth``, ~10-40 things per image) in
   ``--data`` unless it is already there.
2. Times each stage (images.json; panoptic merge from COCO RLEs and from Cityscapes txt + mask PNGs;
   PPS merge; PartPQ evaluation) with 1 worker and with all CPUs, plus each stage's floor: decoding
   its inputs and encoding its output, nothing else (panoptic: the semantic PNG and every instance
   mask, RLE or PNG; pps: both PNGs; evaluate: the GT TIFF and the PPS PNG). Each is run
   ``--repeat`` times and each image's fastest run counts (the machine may be shared: minimums are
   the least noisy estimate); at one worker the stage and its floor take turns in one process, so
   that their ratio compares runs under the same load. At one worker the CPU time is measured too;
   the targets are checked on it (and shown on wall time), since other load inflates wall time most.
3. With ``--reference-python`` (or ``PPS_REFERENCE_PYTHON``) pointing at a Python 3.9 that has
   ``panoptic-parts==2.0rc6`` (see tools/reference/README.md), runs the reference once on the same
   files and prints the speed-up.
4. Times start-up: ``pps --help`` and, per command, the time until the first line of its body
   (``benchmarks/startup_probe.py``).
5. Prints each target of issue 14 with the measured value: pps >= 6x the reference and <= 1.3x
   its floor, panoptic (both formats) >= 10x and <= 1.3x, evaluate <= 1.3x its floor, start-up
   <= 0.15 s, peak memory of one worker < 300 MB.

Every measurement runs in its own process, so that its peak memory (max RSS of the process and of
its workers) is its own. Times are wall clock per image; the one-off start of the worker pool is
reported apart, the reference's interpreter start-up is included. Prints a table and writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_TOOLS = ROOT / "tools" / "reference"
STAGES = ("images-json", "panoptic", "panoptic-cityscapes", "pps", "evaluate")
REFERENCE_STAGES = ("panoptic", "panoptic-cityscapes", "pps", "evaluate")
TARGETS = {  # stage: (least speed-up vs the reference, most time vs the floor), issue 14
    "panoptic": (10.0, 1.3),
    "panoptic-cityscapes": (10.0, 1.3),
    "pps": (6.0, 1.3),
    "evaluate": (None, 1.3),
}
STARTUP_TARGET_S = 0.15
MEMORY_TARGET_MIB = 300


# ----------------------------------------------------------------------------- one measurement (child process)


def _measure(
    stage: str, data: Path, work: Path, spec_name: str, workers: int, floor: bool
) -> tuple[list[float], list[float]]:
    """Run one stage (or its floor) in this process; return the wall and CPU seconds of each image, in order.

    An image's time runs from the end of the previous one (the first includes the stage's set-up); the
    stages report each finished image through their ``on_image`` callback. CPU time is this process's
    (all its threads; not its workers'), the fairer measure on a shared machine at one worker.
    """
    from pps_cli.dataset import build_images, find_gt_files, load_images, match_files
    from pps_cli.evaluate import evaluate
    from pps_cli.formats.instances import decode_instance, find_instance_sources, load_instances
    from pps_cli.formats.panoptic_json import load_panoptic_json
    from pps_cli.io import encode_png, list_files, read_mask_png, read_uid_tiff

    read_png = _png_reader()
    from pps_cli.merge.panoptic import MergeSettings, merge_panoptic_files
    from pps_cli.merge.pps import merge_pps_files
    from pps_cli.parallel import parallel_map
    from pps_cli.specs import load_eval_spec

    spec = load_eval_spec(spec_name)
    images = load_images(data / "images.json")
    if workers > 1:  # start the fork server now: its one-off start-up is reported apart (pool_start_ms)
        list(parallel_map(_noop, range(workers), workers=workers))
    pred = data / "predictions"
    parts = pred / ("parts_grouped" if spec_name == "cpp-grouped" else "parts")
    instances = pred / ("cityscapes" if stage == "panoptic-cityscapes" else "instances.json")
    if not floor:  # outputs of an earlier repeat go first: replacing a file on ext4 flushes it (auto_da_alloc)
        shutil.rmtree(work / ("pps-out" if stage == "pps" else f"{stage}-out"), ignore_errors=True)
    stamps = [(time.perf_counter(), time.process_time())]

    def done(*_: object) -> None:
        stamps.append((time.perf_counter(), time.process_time()))

    if stage == "images-json":
        build_images(data / "gt")
        done()
    elif stage.startswith("panoptic") and not floor:
        merge_panoptic_files(
            spec=spec, images=images, images_json=data / "images.json", semantic_dir=pred / "semantic",
            instances=instances, out_dir=work / f"{stage}-out", workers=workers, on_image=done,
        )  # fmt: skip
    elif stage == "pps" and not floor:
        merge_pps_files(
            spec=spec, images=images, annotations=load_panoptic_json(work / "panoptic-out" / "panoptic.json"),
            panoptic_json=work / "panoptic-out" / "panoptic.json", panoptic_dir=work / "panoptic-out" / "panoptic",
            parts_dir=parts, out_dir=work / "pps-out", workers=workers, overwrite=True, on_image=done,
        )  # fmt: skip
    elif stage == "evaluate" and not floor:
        evaluate(spec, images, data / "gt", work / "pps-out", workers=workers, on_image=done)
    elif stage.startswith("panoptic"):  # floor: decode the semantic PNG and every mask, encode an RGB PNG
        settings = MergeSettings.from_spec(spec)
        sources = find_instance_sources(
            instances, images, instance_format="auto", categories=settings.categories, confidence_thr=settings.confidence_thr
        )  # fmt: skip
        files, _ = match_files(images, list_files(pred / "semantic", (".png",)), root=pred / "semantic", what="semantic")
        for image in images:
            semantic = read_png(files[image.key], channels=1, writable=False)
            records = load_instances(
                sources.by_image[image.key], image, categories=settings.categories, confidence_thr=settings.confidence_thr
            )  # fmt: skip
            for record in records:
                if isinstance(record.segmentation, Path):
                    read_mask_png(record.segmentation)
                else:
                    decode_instance(record, height=image.height, width=image.width)
            encode_png(semantic[..., None].repeat(3, axis=2))
            done()
    elif stage == "pps":  # floor: read the panoptic and part PNGs, encode the output PNG
        panoptic = list_files(work / "panoptic-out" / "panoptic", (".png",))
        files, _ = match_files(images, list_files(parts, (".png",)), root=parts, what="part")
        for image, panoptic_png in zip(images, panoptic, strict=True):
            encode_png(read_png(panoptic_png, channels=3, writable=False))
            read_png(files[image.key], channels=1, writable=False)
            done()
    elif stage == "evaluate":  # floor: read the GT TIFF and the prediction PNG
        gt = find_gt_files(data / "gt")
        files, _ = match_files(images, list_files(work / "pps-out", (".png",)), root=work / "pps-out", what="PPS")
        for image in images:
            read_uid_tiff(gt[image.key])
            read_png(files[image.key], channels=3, writable=False)
            done()
    pairs = list(zip(stamps, stamps[1:], strict=False))
    return [end[0] - begin[0] for begin, end in pairs], [end[1] - begin[1] for begin, end in pairs]


def _png_reader() -> Any:
    """``io.read_png`` as the merges and the evaluator call it: a read-only view where the pps being timed
    has one (``writable=False``), else what it has (timing an older checkout)."""
    import inspect

    from pps_cli.io import read_png

    if "writable" in inspect.signature(read_png).parameters:
        return read_png
    return lambda path, *, channels, writable=True: read_png(path, channels=channels)


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
    parent's peak) and pool workers are not our direct children. With ``tree=False`` only this
    process is sampled (one small read, so the sampling barely shows in its CPU time).
    """

    def __init__(self, tree: bool = True) -> None:
        self.peak_kib = 0
        self._tree = tree
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
            rss = self._tree_rss_kib(os.getpid()) if self._tree else self._own_rss_kib()
            self.peak_kib = max(self.peak_kib, rss)
            self._stop.wait(0.05)

    @staticmethod
    def _own_rss_kib() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)

    @property
    def mib(self) -> float:
        return self.peak_kib / 1024


def _child_main(argv: list[str]) -> None:
    kind, args = argv[0], json.loads(argv[1])
    if kind != "command":  # as the pps command line does, for floors and stages alike (not for the reference)
        try:
            from pps_cli.memory import keep_freed_memory
        except ImportError:  # a pps from before it existed (timing an older checkout)
            pass
        else:
            keep_freed_memory()
        try:
            from pps_cli.threads import one_opencv_thread
        except ImportError:  # a pps from before it existed
            pass
        else:
            one_opencv_thread()
    cpu_seconds = None
    extra: dict[str, float] = {}
    with PeakMemory(tree=not (kind == "stage" and args["workers"] == 1)) as memory:
        if kind == "pool":
            seconds = _pool_start_ms(args["workers"]) / 1000
        elif kind == "stage":
            where = (Path(args["data"]), Path(args["work"]), args["spec"], args["workers"])
            runs, floor_runs = [], []
            for _ in range(args.get("repeat", 1)):  # stage and floor in turn: both see the same machine
                runs.append(_measure(args["stage"], *where, floor=False))
                if args.get("with_floor"):
                    floor_runs.append(_measure(args["stage"], *where, floor=True))
            if args["workers"] == 1:  # each image's fastest run: the least disturbed by other load
                seconds, cpu_seconds = _fastest_per_image(runs)
                if floor_runs:
                    extra["floor_seconds"], extra["floor_cpu_seconds"] = _fastest_per_image(floor_runs)
            else:  # images overlap in the workers: the fastest whole run
                seconds = min(sum(wall) for wall, _ in runs)
        else:  # an external command (the reference), timed from here so its memory is counted alone
            start, cpu_start = time.perf_counter(), _children_cpu()
            done = subprocess.run(args["command"], capture_output=True, text=True, check=False)
            seconds, cpu_seconds = time.perf_counter() - start, _children_cpu() - cpu_start
            if done.returncode != 0:
                sys.stderr.write(done.stderr[-3000:])
                raise SystemExit(done.returncode)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mib": memory.mib, **extra}))


def _fastest_per_image(runs: list[tuple[list[float], list[float]]]) -> tuple[float, float]:
    """Wall and CPU seconds summed over the images, each image's fastest of the runs."""
    wall = sum(min(times) for times in zip(*(w for w, _ in runs), strict=True))
    cpu = sum(min(times) for times in zip(*(c for _, c in runs), strict=True))
    return wall, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    from pps_cli.demo.synth import generate_demo
    from pps_cli.io import write_json

    marker = data / ".bench-params.json"
    params = {"num_images": num_images, "height": height, "width": width}
    if marker.is_file() and json.loads(marker.read_text()) == params:
        return
    print(f"generating {num_images} images of {width}x{height} in {data} ...", flush=True)
    generate_demo(data, num_images=num_images, height=height, width=width, seed=0)
    write_json(data / "images.json", images_json(build_images(data / "gt")))
    marker.write_text(json.dumps(params))


def _reference_cityscapes_input(cityscapes: Path, work: Path) -> Path:
    """The Cityscapes predictions laid out for the reference, which reads mask paths relative to the root.

    Each txt is rewritten with its folder prefixed to the mask paths; the mask folders are linked beside.
    """
    root = work / "ref-cityscapes-input"
    shutil.rmtree(root, ignore_errors=True)
    for txt in sorted(cityscapes.rglob("*.txt")):
        folder = txt.parent.relative_to(cityscapes)
        (root / folder).mkdir(parents=True, exist_ok=True)
        lines = [line.split(" ", 1) for line in txt.read_text().splitlines() if line.strip()]
        (root / folder / txt.name).write_text("".join(f"{(folder / mask).as_posix()} {rest}\n" for mask, rest in lines))
        for mask_folder in {Path(mask).parent for mask, _ in lines}:
            link = root / folder / mask_folder
            if not link.exists():
                link.symlink_to((txt.parent / mask_folder).resolve(), target_is_directory=True)
    return root


def _reference_commands(python: str, data: Path, work: Path, spec_path: Path, parts: Path) -> dict[str, list[str]]:
    pred = data / "predictions"
    images = str(data / "images.json")
    cityscapes = str(_reference_cityscapes_input(pred / "cityscapes", work))
    return {
        "panoptic": [python, str(REFERENCE_TOOLS / "ref_merge_panoptic.py"), "--eval-spec", str(spec_path),
                     "--sem-dir", str(pred / "semantic"), "--inst", str(pred / "instances.json"), "--images", images,
                     "--out", str(work / "ref-panoptic")],
        "panoptic-cityscapes": [python, str(REFERENCE_TOOLS / "ref_merge_panoptic.py"), "--eval-spec", str(spec_path),
                     "--sem-dir", str(pred / "semantic"), "--inst", cityscapes, "--inst-format",
                     "Cityscapes", "--images", images, "--out", str(work / "ref-panoptic-cityscapes")],
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
                "stage", stage=stage, data=str(data), work=str(work), spec=args.spec, workers=workers,
                repeat=args.repeat, with_floor=workers == 1 and stage != "images-json",
            )  # fmt: skip
            entry[f"ms_per_image_{workers}w"] = 1000 * measured["seconds"] / n
            entry[f"peak_rss_mib_{workers}w"] = measured["peak_rss_mib"]
            if workers == 1:
                entry["cpu_ms_per_image_1w"] = 1000 * measured["cpu_seconds"] / n
            if "floor_seconds" in measured:
                entry["floor_ms_per_image"] = 1000 * measured["floor_seconds"] / n
                entry["ratio_to_floor_1w"] = entry["ms_per_image_1w"] / entry["floor_ms_per_image"]
                entry["floor_cpu_ms_per_image"] = 1000 * measured["floor_cpu_seconds"] / n
                entry["cpu_ratio_to_floor_1w"] = entry["cpu_ms_per_image_1w"] / entry["floor_cpu_ms_per_image"]
            print(f"  {stage:<12} {workers} worker(s): {entry[f'ms_per_image_{workers}w']:9.1f} ms/image", flush=True)
        results["stages"][stage] = entry
    if args.reference_python:
        spec = load_eval_spec(args.spec)
        parts = data / "predictions" / ("parts_grouped" if args.spec == "cpp-grouped" else "parts")
        commands = _reference_commands(args.reference_python, data, work, spec.path, parts)
        for stage, command in commands.items():
            if stage not in args.reference_stages:
                continue
            print(f"  reference {stage} ...", flush=True)
            measured = _in_child("command", command=command)
            entry = results["stages"][stage]
            entry["reference_ms_per_image"] = 1000 * measured["seconds"] / n
            entry["reference_peak_rss_mib"] = measured["peak_rss_mib"]
            entry["speedup_vs_reference_1w"] = entry["reference_ms_per_image"] / entry["ms_per_image_1w"]
            entry["reference_cpu_ms_per_image"] = 1000 * measured["cpu_seconds"] / n
            entry["cpu_speedup_vs_reference_1w"] = entry["reference_cpu_ms_per_image"] / entry["cpu_ms_per_image_1w"]
    results["startup_s"] = measure_startup(data, work)
    results["targets"] = check_targets(results)
    return results


def startup_commands(data: Path, work: Path) -> dict[str, list[str]]:
    """The start-up measurements: ``pps --help`` (the real script), and each command with valid
    arguments on ``data`` run through ``startup_probe.py``, which exits where the command's body starts."""
    pps = str(Path(sys.executable).with_name("pps"))
    probe = [sys.executable, str(Path(__file__).with_name("startup_probe.py"))]
    pred = data / "predictions"
    out = str(work / "startup-out")
    panoptic = work / "panoptic-out"
    spec, gt, images = ["-s", "cpp-default"], ["--gt", str(data / "gt")], ["--images", str(data / "images.json")]
    return {
        "pps --help": [pps, "--help"],
        "pps panoptic": [*probe, "panoptic", *spec, "--semantic", str(pred / "semantic"),
                         "--instances", str(pred / "instances.json"), *images, "-o", out],
        "pps pps": [*probe, "pps", *spec, "--panoptic-dir", str(panoptic / "panoptic"),
                    "--panoptic-json", str(panoptic / "panoptic.json"), "--parts", str(pred / "parts"), *images, "-o", out],
        "pps evaluate": [*probe, "evaluate", *spec, *gt, "--pred", str(work / "pps-out"), *images,
                         "-o", str(work / "startup.json")],
        "pps pq": [*probe, "pq", *spec, *gt, *images, "--pred-json", str(panoptic / "panoptic.json"),
                   "--pred-dir", str(panoptic / "panoptic"), "-o", str(work / "startup-pq.json")],
        "pps run": [*probe, "run", *spec, *gt, "--parts", str(pred / "parts"), "--semantic", str(pred / "semantic"),
                    "--instances", str(pred / "instances.json"), "-o", out],
    }  # fmt: skip


def measure_startup(data: Path, work: Path, runs: int = 5) -> dict[str, dict[str, float]]:
    """Fastest of ``runs`` wall and CPU times (whole process) of each of :func:`startup_commands`.

    The folders the commands are given must exist (``--pred``, ``--panoptic-dir``: the outputs of
    the stages run before); a command that fails before its body (exit code not 0) is an error.
    """
    times: dict[str, dict[str, float]] = {}
    for name, command in startup_commands(data, work).items():
        wall = cpu = float("inf")
        for _ in range(runs):
            start, cpu_start = time.perf_counter(), _children_cpu()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            wall, cpu = min(wall, time.perf_counter() - start), min(cpu, _children_cpu() - cpu_start)
            if done.returncode != 0:
                raise SystemExit(f"start-up {name}: exit {done.returncode}: {done.stderr.strip()[-2000:]}")
        times[name] = {"wall": wall, "cpu": cpu}
        print(f"  start-up {name:<13} {wall:6.3f} s wall, {cpu:6.3f} s CPU", flush=True)
    return times


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 14's targets with the measured values (``ok`` None when not measured)."""
    rows: list[dict[str, Any]] = []

    def add(what: str, value: float | None, limit: float, at_least: bool, unit: str) -> None:
        ok = None if value is None else (value >= limit if at_least else value <= limit)
        rows.append({"target": what, "value": value, "limit": limit, "at_least": at_least, "unit": unit, "ok": ok})

    for stage, (speedup, floor_ratio) in TARGETS.items():
        entry = results["stages"].get(stage, {})
        if speedup is not None:
            add(f"{stage} vs reference (1 worker, CPU time)", entry.get("cpu_speedup_vs_reference_1w"), speedup, True, "x")
            add(f"{stage} vs reference (1 worker, wall time)", entry.get("speedup_vs_reference_1w"), speedup, True, "x")
        add(f"{stage} vs its floor (1 worker, CPU time)", entry.get("cpu_ratio_to_floor_1w"), floor_ratio, False, "x")
        add(f"{stage} vs its floor (1 worker, wall time)", entry.get("ratio_to_floor_1w"), floor_ratio, False, "x")
    for name, seconds in results.get("startup_s", {}).items():
        add(f"start-up: {name} (CPU time)", seconds["cpu"], STARTUP_TARGET_S, False, "s")
        add(f"start-up: {name} (wall time)", seconds["wall"], STARTUP_TARGET_S, False, "s")
    peak = max((e.get("peak_rss_mib_1w", 0) for e in results["stages"].values()), default=None)
    add("peak memory, 1 worker (whole process)", peak, MEMORY_TARGET_MIB, False, "MiB")
    return rows


def print_table(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    cpus = results["cpus"]
    table = Table(title=f"pps benchmark: {results['images']} images of {results['size']}, {results['spec']}, {cpus} CPUs")
    columns = ["stage", "ms/img 1w", "CPU ms/img 1w", f"ms/img {cpus}w", "floor ms/img", "floor CPU ms", "x floor (CPU)",
               "peak MiB (all procs)", "reference ms/img", "reference MiB", "speed-up (CPU)"]  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "stage" else "right")

    def fmt(value: float | None, digits: int = 1) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    for stage, e in results["stages"].items():
        table.add_row(
            stage, fmt(e.get("ms_per_image_1w")), fmt(e.get("cpu_ms_per_image_1w")), fmt(e.get(f"ms_per_image_{cpus}w")),
            fmt(e.get("floor_ms_per_image")), fmt(e.get("floor_cpu_ms_per_image")), fmt(e.get("cpu_ratio_to_floor_1w"), 2),
            fmt(max(v for k, v in e.items() if k.startswith("peak_rss")), 0),
            fmt(e.get("reference_ms_per_image")), fmt(e.get("reference_peak_rss_mib"), 0),
            fmt(e.get("cpu_speedup_vs_reference_1w"), 0) + ("x" if "cpu_speedup_vs_reference_1w" in e else ""),
        )  # fmt: skip
    Console(width=160).print(table)
    if "pool_start_ms" in results:
        print(f"worker pool start-up, once per command: {results['pool_start_ms']:.0f} ms (not in the per-image times)")
    targets = Table(title="issue 14 targets (fastest of --repeat runs; reference run once)")
    for column in ("target", "measured", "limit", "met"):
        targets.add_column(column, justify="left" if column == "target" else "right")
    for row in results.get("targets", []):
        sign = ">=" if row["at_least"] else "<="
        digits = 3 if row["unit"] == "s" else (0 if row["unit"] == "MiB" else 2)
        met = "-" if row["ok"] is None else ("yes" if row["ok"] else "NO")
        targets.add_row(row["target"], fmt(row["value"], digits) + row["unit"], f"{sign} {row['limit']:g}{row['unit']}", met)
    Console(width=160).print(targets)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=8, help="number of generated images (default 8)")
    parser.add_argument("--height", type=int, default=1024)
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--data", default=str(ROOT / "bench-data"), help="where the generated data set lives")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the fastest counts (default 5)")
    parser.add_argument("--spec", default="cpp-default", choices=["cpp-default", "cpp-grouped"])
    parser.add_argument("--json", default=str(ROOT / "bench-results.json"), help="where to write the numbers")
    parser.add_argument(
        "--reference-python",
        default=os.environ.get("PPS_REFERENCE_PYTHON"),
        help="Python with panoptic-parts==2.0rc6 (default: $PPS_REFERENCE_PYTHON); omit to skip the reference",
    )
    parser.add_argument(
        "--reference-stages",
        type=lambda text: [stage for stage in text.split(",") if stage],
        default=list(REFERENCE_STAGES),
        help="comma-separated stages to run the reference on (default: all; its evaluate takes ~20 s and 2-3 GB per image)",
    )
    args = parser.parse_args()
    results = run_benchmark(args)
    print_table(results)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
