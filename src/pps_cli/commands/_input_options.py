"""Options about how inputs are read and checked, shared by the merge, evaluate and run commands.

See docs/inputs.md for the id spaces and for the thresholds behind each check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

_ID_SPACE_HELP = (
    "How {what} ids are given: eval (the spec's eval sids; default), contiguous (index into the spec's sorted "
    "eval sids, e.g. Cityscapes train ids or detectron2 contiguous ids; 255 stays void), or a JSON/YAML mapping "
    "file {{training id: eval sid}}. Giving eval explicitly turns the contiguous-ids check off."
)

SemanticIdsOption = Annotated[str | None, typer.Option("--semantic-ids", help=_ID_SPACE_HELP.format(what="semantic PNG"))]
InstanceIdsOption = Annotated[str | None, typer.Option("--instance-ids", help=_ID_SPACE_HELP.format(what="instance category"))]
PanopticIdsOption = Annotated[
    str | None, typer.Option("--panoptic-ids", help=_ID_SPACE_HELP.format(what="panoptic segments_info category"))
]
NoPartsCheckOption = Annotated[
    bool,
    typer.Option(
        "--no-parts-check",
        help="Accept part PNGs whose flat ids mostly belong to other classes than their segment (made for another spec?).",
    ),
]
NoLayoutCheckOption = Annotated[
    bool,
    typer.Option("--no-layout-check", help="Accept GT in another dataset's layout than the EvalSpec's (custom datasets)."),
]
NoChannelCheckOption = Annotated[
    bool,
    typer.Option("--no-channel-check", help="Accept PPS PNGs whose class and part channels look swapped (BGR)."),
]
OptionalImagesOption = Annotated[
    Path | None,
    typer.Option(
        "--images",
        help="images.json listing the images (ids suffice here); default: every image of the GT folder.",
        exists=True,
        dir_okay=False,
    ),
]
IdsOption = Annotated[
    str | None,
    typer.Option("--ids", help="Only these images: ID,ID,... or a text file with one id per line."),
]
