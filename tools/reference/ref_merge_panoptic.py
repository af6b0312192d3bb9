#!/usr/bin/env python
"""Run the reference semantic + instance -> COCO panoptic merge (panoptic_parts.merging.merge_to_panoptic.merge).

Runs under the reference venv /work/refenv (Python 3.9, numpy<2, panoptic-parts==2.0rc6);
used only to produce golden test data.

The reference calls panopticapi's combine_predictions(confidence_thr=0.5, overlap_thr=0.5,
stuff_area_limit=1024). panopticapi is not on PyPI; the venv uses `panopticapi-lite==0.2.0`, whose
combine_semantic_and_instance_predictions.py and utils.IdGenerator are the upstream code.

Inputs (as the reference expects them):
- --sem-dir: semantic PNGs (eval sids); a file is found by substring match of the image id in its
  full path, among <dir>/* and <dir>/*/* (last match in listing order wins; no extension check).
- --inst: COCO: ONE results JSON (list of {image_id, category_id, segmentation(RLE), score});
  image_id must equal the images.json id, type included.
  Cityscapes: a folder; per image a `*.txt` whose path contains the id (<dir>/* or <dir>/*/*),
  lines `mask.png classID score`, mask paths relative to the --inst folder; mask pixel = 255 only.
- --images: images.json.
Outputs: <out>/panoptic/<file_name with .jpg->.png> and <out>/panoptic.json.

Determinism (the reference's thing segment ids are random): each panopticapi worker task reseeds
numpy's RNG with seed+proc_id before running, so ids are reproducible for a given --seed and
--workers. Default --workers 1 (the reference uses cpu_count(); the split only changes which ids
are drawn). Ids never change the segments themselves; compare outputs segment by segment.
"""

import argparse
import contextlib
import functools
import multiprocessing
import os
import os.path as op
import sys
import types

sys.path.insert(0, op.dirname(op.abspath(__file__)))
import _refcommon as rc  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog="Runs under /work/refenv/bin/python. See README.md.")
    ap.add_argument("--eval-spec", required=True, help="EvalSpec YAML")
    ap.add_argument("--sem-dir", required=True, help="folder of semantic segmentation PNGs")
    ap.add_argument("--inst", required=True, help="COCO results JSON file, or Cityscapes-format predictions folder")
    ap.add_argument(
        "--inst-format",
        choices=["COCO", "Cityscapes"],
        default=None,
        help="default: COCO if --inst is a file ending in .json, else Cityscapes",
    )
    ap.add_argument("--images", required=True, help="images.json")
    ap.add_argument("--out", required=True, help="output folder (gets panoptic/ and panoptic.json)")
    ap.add_argument("--seed", type=int, default=0, help="RNG seed for segment ids (default 0)")
    ap.add_argument("--workers", type=int, default=1, help="panopticapi worker processes (default 1)")
    args = ap.parse_args(argv)
    rc.check_env()
    rc.no_prompts()
    import numpy as np
    from panoptic_parts.merging import merge_to_panoptic
    from panopticapi import combine_semantic_and_instance_predictions as C

    fmt = args.inst_format or ("COCO" if args.inst.endswith(".json") and op.isfile(args.inst) else "Cityscapes")
    workers = max(1, args.workers)
    C.multiprocessing = types.SimpleNamespace(cpu_count=lambda: workers, Pool=multiprocessing.Pool)
    orig_single = C.combine_to_panoptic_single_core

    @functools.wraps(orig_single)
    def single_core(proc_id, *rest):
        np.random.seed(args.seed + int(proc_id))
        return orig_single(proc_id, *rest)

    C.combine_to_panoptic_single_core = single_core  # module attribute: found by pickle in workers

    workdir = rc.make_workdir("ref_merge_panoptic_")
    spec_path = rc.resolve_eval_spec(args.eval_spec, workdir)
    out = op.abspath(args.out)
    os.makedirs(op.dirname(out), exist_ok=True)
    inst = op.abspath(args.inst)
    if fmt == "Cityscapes":
        # the reference joins mask paths as os.path.join(inst_pred_dir, first_token)
        inst = inst.rstrip("/")
    with contextlib.redirect_stdout(sys.stderr):
        merge_to_panoptic.merge(spec_path, inst, op.abspath(args.sem_dir), out, op.abspath(args.images), instseg_format=fmt)
    rc.log(f"{fmt}: -> {op.join(out, 'panoptic')}, {op.join(out, 'panoptic.json')}")


if __name__ == "__main__":
    main()
