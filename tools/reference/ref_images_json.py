#!/usr/bin/env python
"""Run the reference images.json preparation (panoptic_parts.evaluation.prepare_data.create_image_list).

Runs under the reference venv /work/refenv (Python 3.9, numpy<2, panoptic-parts==2.0rc6);
used only to produce golden test data.

The reference writes `<output_dir>/images.json`; this driver lets it write into a temp dir and
copies the file to OUT byte for byte. The dataset kind ('Cityscapes' or 'Pascal') is detected
from the GT layout unless --dataset is given: Cityscapes when some `<dir>/*_gtFinePanopticParts.tif`
exists one level down. Entry order is the reference's: glob order (directory listing order,
not sorted), top-level files first.
"""

import argparse
import contextlib
import glob
import os
import os.path as op
import shutil
import sys

sys.path.insert(0, op.dirname(op.abspath(__file__)))
import _refcommon as rc  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog="Runs under /work/refenv/bin/python. See README.md.")
    ap.add_argument("gt_dir", help="GT folder")
    ap.add_argument("out", help="output images.json path")
    ap.add_argument(
        "--dataset",
        choices=["Cityscapes", "Pascal"],
        default=None,
        help="dataset kind passed to the reference (default: detected)",
    )
    args = ap.parse_args(argv)
    rc.check_env()
    from panoptic_parts.evaluation import prepare_data

    dataset = args.dataset
    if dataset is None:
        dataset = "Cityscapes" if glob.glob(op.join(args.gt_dir, "*", "*_gtFinePanopticParts.tif")) else "Pascal"
    rc.log(f"dataset kind: {dataset}")
    workdir = rc.make_workdir("ref_images_json_")
    with contextlib.redirect_stdout(sys.stderr):
        # the reference concatenates dataset_dir + "/*": pass it without a trailing slash
        prepare_data.create_image_list(op.abspath(args.gt_dir), workdir, dataset)
    os.makedirs(op.dirname(op.abspath(args.out)), exist_ok=True)
    shutil.copyfile(op.join(workdir, "images.json"), args.out)
    rc.log(f"-> {args.out}")


if __name__ == "__main__":
    main()
