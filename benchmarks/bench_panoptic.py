"""Benchmark `pps panoptic`: ms per image for each instance format and worker count, and the I/O floor.

    .venv/bin/python benchmarks/bench_panoptic.py [--images 8] [--repeat 3] [--data DIR]

generates a 2048x1024 Cityscapes-like demo data set (``pps_cli.demo.synth``, ~25 instances per image) unless
``--data`` points at one, then prints a JSON report. The floor is the cost of what any implementation
must do per image: decode the semantic PNG, parse and decode the kept instance masks, and encode the
output PNG (one process).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from pps_cli.dataset import build_images, images_json, load_images
from pps_cli.demo.synth import generate_demo
from pps_cli.formats.instances import decode_instance, find_instance_sources, load_instances
from pps_cli.io import encode_png, read_png, write_json
from pps_cli.merge.panoptic import MergeSettings, merge_image, merge_panoptic_files, segment_map_to_rgb
from pps_cli.parallel import default_workers
from pps_cli.specs import load_eval_spec

FORMATS = {"coco": "instances.json", "coco-per-image": "instances", "cityscapes": "cityscapes"}


def _best(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench(data_dir: Path, images_json: Path, spec: str, workers_list: list[int], *, repeat: int = 3) -> dict:
    """Time ``merge_panoptic_files`` on a demo data set; returns ms per image per format and worker count.

    ``data_dir`` is a demo folder (``predictions/semantic``, ``predictions/instances.json``,
    ``predictions/instances/``, ``predictions/cityscapes/``).
    """
    eval_spec = load_eval_spec(spec)
    images = load_images(images_json)
    predictions = Path(data_dir) / "predictions"
    report: dict[str, Any] = {"images": len(images), "size": f"{images[0].width}x{images[0].height}", "ms_per_image": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, instances in FORMATS.items():
            for workers in workers_list if name == "coco" else workers_list[:1]:

                def run(instances: str = instances, workers: int = workers) -> None:
                    merge_panoptic_files(
                        spec=eval_spec,
                        images=images,
                        images_json=images_json,
                        semantic_dir=predictions / "semantic",
                        instances=predictions / instances,
                        out_dir=Path(tmp) / "out",
                        workers=workers,
                    )

                seconds = _best(run, repeat)
                report["ms_per_image"][f"{name}, {workers} worker{'s' if workers > 1 else ''}"] = round(
                    1000 * seconds / len(images), 1
                )
    report["floor_ms_per_image"] = _floor(predictions, images_json, eval_spec, repeat)
    return report


def _floor(predictions: Path, images_json: Path, spec: Any, repeat: int) -> dict[str, float]:
    """Per image, one process: semantic PNG decode, instance parse + decode, output PNG encode, and the merge."""
    images = load_images(images_json)
    settings = MergeSettings.from_spec(spec)
    semantic_files = {i.key: p for i, p in zip(images, sorted((predictions / "semantic").glob("*.png")), strict=True)}
    parts = {"semantic_decode": 0.0, "instances_parse_decode": 0.0, "merge_kernel": 0.0, "png_encode": 0.0}
    for image in images:
        semantic = read_png(semantic_files[image.key], channels=1)
        parts["semantic_decode"] += _best(lambda image=image: read_png(semantic_files[image.key], channels=1), repeat)

        def instances(image: Any = image) -> list[Any]:
            sources = find_instance_sources(
                predictions / "instances", [image], instance_format="coco",
                categories=settings.categories, confidence_thr=settings.confidence_thr,
            )
            records = load_instances(
                sources.by_image[image.key], image, categories=settings.categories, confidence_thr=settings.confidence_thr
            )
            for record in records:
                decode_instance(record, height=image.height, width=image.width)
            return records

        parts["instances_parse_decode"] += _best(instances, repeat)
        records = instances()
        merge = lambda semantic=semantic, records=records: merge_image(semantic, records, settings)  # noqa: E731
        parts["merge_kernel"] += _best(merge, repeat)
        result, _ = merge_image(semantic, records, settings)
        rgb = segment_map_to_rgb(result.segment_map, len(result.segments))
        parts["png_encode"] += _best(lambda rgb=rgb: encode_png(rgb), repeat)
    out = {k: round(1000 * v / len(images), 1) for k, v in parts.items()}
    out["floor_total"] = round(out["semantic_decode"] + out["instances_parse_decode"] + out["png_encode"], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="an existing 2048x1024 demo folder (with images.json)")
    args = parser.parse_args()
    workers = sorted({1, default_workers()})
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tmp) / "demo"
            generate_demo(data, dataset="cityscapes", num_images=args.images, height=1024, width=2048, seed=0)
            write_json(data / "images.json", images_json(build_images(data / "gt", "cityscapes")))
        report = bench(data, data / "images.json", "cpp-default", workers, repeat=args.repeat)
        instances = json.loads((data / "predictions" / "instances.json").read_text())
        report["instances_per_image"] = round(len(instances) / report["images"], 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
