"""`pps demo`: generate the built-in synthetic dataset with predictions in every input format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import Dataset, check_outputs, number_option, output_folder, progress_bar, say, user_errors


def demo_command(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="Folder to create the demo dataset in.")] = Path("demo"),
    dataset: Annotated[
        Dataset, typer.Option("--dataset", help="cityscapes (CPP-like) or pascal (PPP-like).")
    ] = Dataset.cityscapes,
    num_images: Annotated[int, number_option("--num-images", "-n", help="Number of images.", minimum=1, maximum=10000)] = 4,
    height: Annotated[int, number_option("--height", help="Image height in pixels.", minimum=16, maximum=8192)] = 256,
    width: Annotated[int, number_option("--width", help="Image width in pixels.", minimum=16, maximum=8192)] = 512,
    seed: Annotated[int, number_option("--seed", help="Random seed; the same seed gives byte-identical files.", minimum=0)] = 0,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the whole content of a non-empty OUT_DIR (without it, an error).")
    ] = False,
) -> None:
    """Generate a small synthetic Cityscapes- or PASCAL-Panoptic-Parts-like dataset and predictions.

    Writes OUT_DIR/gt (uid TIFFs), OUT_DIR/images, OUT_DIR/images.json and OUT_DIR/predictions
    (semantic PNGs, COCO instances as one JSON and per image, Cityscapes txt + masks, part PNGs,
    3-channel PPS PNGs). Use --height 1024 --width 2048 for benchmark-sized data.
    """
    from ..dataset import build_images, images_json
    from ..demo.synth import generate_demo
    from ..io import staged_output, write_json

    with user_errors():
        check_outputs([output_folder(out_dir, "OUT_DIR", whole=True)], overwrite=overwrite)
        with progress_bar() as progress, staged_output(out_dir, replace=overwrite) as stage:
            task = progress.add_task("generating", total=num_images)
            generate_demo(
                stage,
                dataset=dataset.value,  # type: ignore[arg-type]
                num_images=num_images,
                height=height,
                width=width,
                seed=seed,
                on_image=lambda _: progress.advance(task),
            )
            write_json(stage / "images.json", images_json(build_images(stage / "gt", dataset.value)))  # type: ignore[arg-type]
    say(f"wrote the {dataset.value} demo dataset ({num_images} images) to {out_dir}")
