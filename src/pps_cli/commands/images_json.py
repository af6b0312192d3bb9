"""`pps images-json`: list a split's images from its ground-truth folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import Layout, OverwriteOption, check_outputs, human_console, output_file, say, user_errors


def images_json_command(
    gt_dir: Annotated[
        Path,
        typer.Argument(metavar="GT_DIR", help="Ground-truth folder (CPP: <city>/<id>_gtFinePanopticParts.tif; PPP: <id>.tif)."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write images.json; - for standard output.")] = Path(
        "images.json"
    ),
    dataset: Annotated[Layout, typer.Option("--dataset", help="Folder layout (auto: detected from the names).")] = Layout.auto,
    overwrite: OverwriteOption = False,
) -> None:
    """List the images of a dataset split (id, file name, width, height) as images.json.

    Sizes are read from the TIFF headers; ids are sorted. The result is what the reference's
    prepare_data writes, and what the other commands take as --images.
    """
    from ..dataset import build_images, images_json
    from ..io import dumps_json, write_output

    with user_errors():
        check_outputs([output_file(output, "--output")], inputs=[(gt_dir, "GT_DIR")], overwrite=overwrite)
        images = build_images(gt_dir, dataset.value)  # type: ignore[arg-type]
        write_output(output, dumps_json(images_json(images)))
    say(f"wrote {output} ({len(images)} images)", console=human_console(output))
