"""Benchmark `pps pps` (panoptic + parts -> PPS PNGs): ms per image at several worker counts.

Usage::

    .venv/bin/python benchmarks/bench_pps.py [--images 8] [--workers 1 2] [--reference]

makes 2048x1024 Cityscapes-like demo data (``pps_cli.demo.synth``), COCO panoptic inputs with random 24-bit
segment ids, and prints ms/image for 1 and all workers, the read/write floor (decode both PNGs, encode
and write the output; no merging) and the kernel alone. ``--reference`` also times the reference's
merge_to_pps (needs /work/refenv). :func:`bench` is what ``benchmarks/bench.py`` calls.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from pps_cli.dataset import ImageInfo, load_images, match_files
from pps_cli.formats.labels import rgb_to_segment_id, segment_id_to_rgb
from pps_cli.formats.panoptic_json import load_panoptic_json, match_annotations
from pps_cli.io import encode_png, list_files, read_png, write_bytes_atomic, write_json, write_png
from pps_cli.merge.pps import merge_pps, merge_pps_files, part_lookup, void_label
from pps_cli.parallel import default_workers, parallel_map
from pps_cli.specs import load_eval_spec

ROOT = Path(__file__).resolve().parents[1]
REFENV_PYTHON = Path("/work/refenv/bin/python")


def panoptic_from_pps(pps: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, list[dict[str, int]]]:
    """COCO panoptic RGB + segments_info for a PPS array: one segment per (class, instance), random ids.

    Segments are listed by class, then instance, so merging gives back the class and instance channels.
    """
    keys = pps[..., 0].astype(np.int32) * 256 + pps[..., 1]
    present = np.unique(keys)
    present = present[present // 256 != 255]
    ids = rng.choice(np.arange(1, 1 << 24), present.size, replace=False)
    lut = np.zeros(256 * 256, np.int64)
    lut[present] = ids
    segments = [{"id": int(i), "category_id": int(k // 256), "iscrowd": 0} for k, i in zip(present, ids, strict=True)]
    return segment_id_to_rgb(lut[keys]), segments


def make_panoptic_inputs(pps_dir: Path, images: list[ImageInfo], out_dir: Path, *, seed: int = 0) -> tuple[Path, Path]:
    """Write ``out_dir/panoptic/<file_name>`` and ``out_dir/panoptic.json`` from the PPS PNGs of ``pps_dir``."""
    files, _ = match_files(images, list_files(pps_dir, (".png",)), root=pps_dir, what="PPS PNG")
    rng = np.random.default_rng(seed)
    annotations = []
    for image in images:
        rgb, segments = panoptic_from_pps(read_png(files[image.key], channels=3), rng)
        file_name = image.file_name.rsplit(".", 1)[0] + ".png"
        write_png(out_dir / "panoptic" / file_name, rgb)
        annotations.append({"image_id": image.id, "file_name": file_name, "segments_info": segments})
    write_json(out_dir / "panoptic.json", {"annotations": annotations}, indent=None)
    return out_dir / "panoptic", out_dir / "panoptic.json"


def _parts_dir(data_dir: Path, spec: str) -> Path:
    grouped = data_dir / "predictions" / "parts_grouped"
    return grouped if spec == "cpp-grouped" and grouped.is_dir() else data_dir / "predictions" / "parts"


def bench(
    data_dir: Path,
    images_json: Path,
    spec: str,
    workers_list: list[int],
    *,
    panoptic_dir: Path | None = None,
    panoptic_json: Path | None = None,
) -> dict[str, Any]:
    """Time `pps pps` on a demo dataset (``pps demo`` layout).

    Parameters
    ----------
    data_dir : Path
        Demo dataset: part PNGs in ``predictions/parts`` (``predictions/parts_grouped`` for cpp-grouped).
    images_json : Path
    spec : str
        EvalSpec name or path.
    workers_list : list of int
        Worker counts to time.
    panoptic_dir, panoptic_json : Path, optional
        Panoptic inputs (e.g. from `pps panoptic`); by default made from ``predictions/pps`` with random ids.

    Returns
    -------
    dict
        ``ms_per_image`` per worker count (end to end, as the command runs), ``floor_ms_per_image``
        (reading both PNGs, decoding ids, encoding and writing the output, 1 worker), ``kernel_ms_per_image``
        (:func:`~pps_cli.merge.pps.merge_pps` alone), image count and size.

    Notes
    -----
    The work runs in a fresh Python process, so the numbers do not depend on what the caller ran before.
    The worker pool's one-time start (the fork server importing pps) is timed apart, as
    ``pool_start_ms``, and left out of ``ms_per_image``.
    """
    data_dir, images_json = Path(data_dir), Path(images_json)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".bench_pps-") as tmp:
        if panoptic_dir is None or panoptic_json is None:
            _child("prepare", data_dir=str(data_dir), images_json=str(images_json), work=tmp)
            panoptic_dir, panoptic_json = Path(tmp) / "panoptic", Path(tmp) / "panoptic.json"
        result = _child(
            "time", data_dir=str(data_dir), images_json=str(images_json), spec=spec, workers_list=list(workers_list),
            panoptic_dir=str(panoptic_dir), panoptic_json=str(panoptic_json), work=tmp,
        )  # fmt: skip
    result["ms_per_image"] = {int(k): v for k, v in result["ms_per_image"].items()}  # JSON made the keys strings
    return result


def _child(task: str, **kwargs: Any) -> Any:
    """Run ``task`` of this file in a fresh interpreter; return what it prints as JSON."""
    args = [sys.executable, str(Path(__file__).resolve()), "--child", task, json.dumps(kwargs)]
    done = subprocess.run(args, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench_pps {task} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def _prepare(data_dir: str, images_json: str, work: str) -> None:
    make_panoptic_inputs(Path(data_dir) / "predictions" / "pps", load_images(images_json), Path(work))


def _time(
    data_dir: str, images_json: str, spec: str, workers_list: list[int], panoptic_dir: str, panoptic_json: str, work: str
) -> dict[str, Any]:
    eval_spec = load_eval_spec(spec)
    images = load_images(images_json)
    parts_dir = _parts_dir(Path(data_dir), spec)
    annotations = load_panoptic_json(panoptic_json)
    by_image = match_annotations(images, annotations, path=panoptic_json)
    part_files, _ = match_files(images, list_files(parts_dir, (".png",)), root=parts_dir, what="part PNG")
    panoptic_files = [Path(panoptic_dir) / by_image[image.key].file_name for image in images]
    for path in [*panoptic_files, *part_files.values()]:  # warm the page cache without touching OpenCV
        path.read_bytes()

    n = len(images)
    t0 = time.perf_counter()
    list(parallel_map(_noop, range(max(workers_list)), workers=max(workers_list)))
    pool_start_ms = (time.perf_counter() - t0) * 1000
    ms_per_image: dict[int, float] = {}
    for workers in workers_list:
        out = Path(work) / f"out-{workers}"
        t0 = time.perf_counter()
        merge_pps_files(
            spec=eval_spec, images=images, annotations=annotations, panoptic_json=Path(panoptic_json),
            panoptic_dir=Path(panoptic_dir), parts_dir=parts_dir, out_dir=out, workers=workers,
        )  # fmt: skip
        ms_per_image[workers] = (time.perf_counter() - t0) * 1000 / n
        shutil.rmtree(out)

    # stages, 1 worker
    table, void = part_lookup(eval_spec), void_label(eval_spec)
    read_s = kernel_s = write_s = 0.0
    for image, panoptic_png in zip(images, panoptic_files, strict=True):
        annotation = by_image[image.key]
        t0 = time.perf_counter()
        segment_map = rgb_to_segment_id(read_png(panoptic_png, channels=3))
        part_map = read_png(part_files[image.key], channels=1)
        t1 = time.perf_counter()
        ids, categories = annotation.segment_ids, annotation.category_ids
        result = merge_pps(segment_map, part_map, ids, categories, part_table=table, void=void)
        t2 = time.perf_counter()
        write_bytes_atomic(Path(work) / "floor.png", encode_png(result.pps))
        t3 = time.perf_counter()
        read_s, kernel_s, write_s = read_s + t1 - t0, kernel_s + t2 - t1, write_s + t3 - t2
    return {
        "command": "pps",
        "spec": spec,
        "images": n,
        "size": f"{images[0].width}x{images[0].height}",
        "ms_per_image": ms_per_image,
        "floor_ms_per_image": (read_s + write_s) * 1000 / n,
        "read_ms_per_image": read_s * 1000 / n,
        "write_ms_per_image": write_s * 1000 / n,
        "kernel_ms_per_image": kernel_s * 1000 / n,
        "pool_start_ms": pool_start_ms,
    }


def _noop(item: int, context: Any) -> int:
    return item


def bench_reference(data_dir: Path, images_json: Path, spec: str) -> float:
    """ms/image of the reference's merge_to_pps (Python 3.9 venv) on the same inputs."""
    eval_spec = load_eval_spec(spec)
    images = load_images(images_json)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".bench_pps_ref-") as tmp:
        work = Path(tmp)
        _child("prepare", data_dir=str(data_dir), images_json=str(images_json), work=tmp)
        panoptic_dir, panoptic_json = work / "panoptic", work / "panoptic.json"
        args = [str(REFENV_PYTHON), str(ROOT / "tools" / "reference" / "ref_merge_pps.py"), "--eval-spec", str(eval_spec.path),
                "--panoptic-dir", str(panoptic_dir), "--panoptic-json", str(panoptic_json), "--parts-dir",
                str(_parts_dir(data_dir, spec)), "--images", str(images_json), "--out", str(work / "out")]  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        return (time.perf_counter() - t0) * 1000 / len(images)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        task, kwargs = sys.argv[2], json.loads(sys.argv[3])
        result = _prepare(**kwargs) if task == "prepare" else _time(**kwargs)
        print(json.dumps(result))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=8, help="number of 2048x1024 images (default 8)")
    ap.add_argument("--workers", type=int, nargs="*", help="worker counts (default: 1 and all CPUs)")
    ap.add_argument("--spec", default="cpp-default", help="cpp-default or cpp-grouped (Cityscapes-like data)")
    ap.add_argument("--data", type=Path, help="existing `pps demo` dataset to use instead of generating one")
    ap.add_argument("--reference", action="store_true", help="also time the reference (needs /work/refenv)")
    args = ap.parse_args()
    workers_list = args.workers or sorted({1, default_workers()})
    tmp = None
    data_dir = args.data
    if data_dir is None:
        from pps_cli.dataset import build_images, images_json
        from pps_cli.demo.synth import generate_demo

        tmp = tempfile.mkdtemp(prefix="bench_pps-")
        data_dir = Path(tmp)
        print(f"generating {args.images} demo images of 2048x1024 in {data_dir} ...", file=sys.stderr)
        generate_demo(data_dir, dataset="cityscapes", num_images=args.images, height=1024, width=2048)
        write_json(data_dir / "images.json", images_json(build_images(data_dir / "gt", "cityscapes")))
    try:
        result = bench(data_dir, data_dir / "images.json", args.spec, workers_list)
        if args.reference:
            if REFENV_PYTHON.exists():
                result["reference_ms_per_image"] = bench_reference(data_dir, data_dir / "images.json", args.spec)
            else:
                print(f"--reference: {REFENV_PYTHON} not found, skipped", file=sys.stderr)
        print(f"pps pps, {result['spec']}, {result['images']} images of {result['size']}:")
        for workers, ms in result["ms_per_image"].items():
            print(f"  {workers} worker{'s' if workers > 1 else ' '}: {ms:7.1f} ms/image")
        print(f"  read/write floor: {result['floor_ms_per_image']:7.1f} ms/image (read {result['read_ms_per_image']:.1f}, "
              f"write {result['write_ms_per_image']:.1f}; 1 worker)")  # fmt: skip
        print(f"  kernel alone:     {result['kernel_ms_per_image']:7.1f} ms/image")
        print(f"  (worker pool start, once per command: {result['pool_start_ms']:.0f} ms, not included above)")
        if "reference_ms_per_image" in result:
            print(f"  reference:        {result['reference_ms_per_image']:7.1f} ms/image (1 process)")
        print(json.dumps(result))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
