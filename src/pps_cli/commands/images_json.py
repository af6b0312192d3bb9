"""`pps images-json`: list a split's images from its ground-truth folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from ..errors import PpsError
from ._common import out, user_errors


def images_json_command(
    gt_dir: Annotated[
        Path, typer.Argument(help="Ground-truth folder (CPP: <city>/<id>_gtFinePanopticParts.tif; PPP: <id>.tif).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write images.json.")] = Path("images.json"),
    dataset: Annotated[str, typer.Option("--dataset", help="Folder layout: cityscapes, pascal or auto (detect).")] = "auto",
) -> None:
    """List the images of a dataset split (id, file name, width, height) as images.json.

    Sizes are read from the TIFF headers; ids are sorted. The result is what the reference's
    prepare_data writes, and what the other commands take as --images.
    """
    from ..dataset import build_images, images_json
    from ..io import write_json

    with user_errors():
        if dataset not in ("cityscapes", "pascal", "auto"):
            raise PpsError("--dataset", f"unknown layout {dataset!r}; choose cityscapes, pascal or auto")
        layout: Literal["cityscapes", "pascal", "auto"] = dataset  # type: ignore[assignment]
        images = build_images(gt_dir, layout)
        write_json(output, images_json(images))
    out.print(f"wrote {output} ({len(images)} images)", highlight=False)
