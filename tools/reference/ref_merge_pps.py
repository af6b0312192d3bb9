#!/usr/bin/env python
"""Run the reference panoptic + parts -> PPS merge (panoptic_parts.merging.merge_to_pps.merge).

Runs under the reference venv /work/refenv (Python 3.9, numpy<2, panoptic-parts==2.0rc6);
used only to produce golden test data.

Inputs (as the reference expects them):
- --panoptic-dir: COCO panoptic PNGs; each is opened as <panoptic-dir>/<file_name> with file_name
  taken from the panoptic JSON annotation of the image.
- --panoptic-json: JSON with `annotations: [{image_id, file_name, segments_info: [{id, category_id}]}]`;
  an image is found by its images.json id, else by int(id).
- --parts-dir: part-segmentation PNGs (flat part ids); a file is found by substring match of the
  image id in its path, searched in <dir>/* and <dir>/*/* (last match in listing order wins).
- --images: images.json.
Output: <out>/<file_name> (3-channel uint8 PNG [class, instance, part]) per image. The reference
writes and then deletes <out>/categories.json: an existing file of that name in OUT is lost.
"""

import argparse
import contextlib
import os
import os.path as op
import sys

sys.path.insert(0, op.dirname(op.abspath(__file__)))
import _refcommon as rc  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog="Runs under /work/refenv/bin/python. See README.md.")
    ap.add_argument("--eval-spec", required=True, help="EvalSpec YAML")
    ap.add_argument("--panoptic-dir", required=True, help="folder of COCO panoptic PNGs")
    ap.add_argument("--panoptic-json", required=True, help="COCO panoptic JSON")
    ap.add_argument("--parts-dir", required=True, help="folder of part segmentation PNGs (flat ids)")
    ap.add_argument("--images", required=True, help="images.json")
    ap.add_argument("--out", required=True, help="output folder for the PPS PNGs")
    args = ap.parse_args(argv)
    rc.check_env()
    rc.no_prompts()
    from panoptic_parts.merging import merge_to_pps

    workdir = rc.make_workdir("ref_merge_pps_")
    spec_path = rc.resolve_eval_spec(args.eval_spec, workdir)
    out = op.abspath(args.out)
    os.makedirs(op.dirname(out), exist_ok=True)  # the reference uses os.mkdir for the last level
    with contextlib.redirect_stdout(sys.stderr):
        merge_to_pps.merge(
            spec_path,
            op.abspath(args.panoptic_dir),
            op.abspath(args.panoptic_json),
            op.abspath(args.parts_dir),
            op.abspath(args.images),
            out,
        )
    rc.log(f"-> {out}")


if __name__ == "__main__":
    main()
