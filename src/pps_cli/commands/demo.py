"""`pps demo`: generate the built-in synthetic dataset with predictions in every input format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import PpsError
from ._common import out, progress_bar, user_errors


def demo_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder to create the demo dataset in.")] = Path("demo"),
    dataset: Annotated[str, typer.Option("--dataset", help="cityscapes (CPP-like) or pascal (PPP-like).")] = "cityscapes",
    num_images: Annotated[int, typer.Option("--num-images", "-n", min=1, help="Number of images.")] = 4,
    height: Annotated[int, typer.Option("--height", min=16, help="Image height in pixels.")] = 256,
    width: Annotated[int, typer.Option("--width", min=16, help="Image width in pixels.")] = 512,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives byte-identical files.")] = 0,
) -> None:
    """Generate a small synthetic Cityscapes- or PASCAL-Panoptic-Parts-like dataset and predictions.

    Writes OUT_DIR/gt (uid TIFFs), OUT_DIR/images, OUT_DIR/images.json and OUT_DIR/predictions
    (semantic PNGs, COCO instances as one JSON and per image, Cityscapes txt + masks, part PNGs,
    3-channel PPS PNGs). Use --height 1024 --width 2048 for benchmark-sized data.
    """
    from ..dataset import build_images, images_json
    from ..io import write_json
    from ..synth import generate_demo

    with user_errors():
        if dataset not in ("cityscapes", "pascal"):
            raise PpsError("--dataset", f"unknown dataset {dataset!r}; choose cityscapes or pascal")
        with progress_bar() as progress:
            task = progress.add_task("generating", total=num_images)
            generate_demo(
                out_dir,
                dataset=dataset,  # type: ignore[arg-type]
                num_images=num_images,
                height=height,
                width=width,
                seed=seed,
                on_image=lambda _: progress.advance(task),
            )
        write_json(out_dir / "images.json", images_json(build_images(out_dir / "gt", dataset)))  # type: ignore[arg-type]
    out.print(f"wrote the {dataset} demo dataset ({num_images} images) to {out_dir}", highlight=False)
