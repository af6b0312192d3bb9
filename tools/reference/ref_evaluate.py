#!/usr/bin/env python
"""Run the reference PartPQ evaluation (panoptic_parts.evaluation.eval_PartPQ.evaluate).

Runs under the reference venv /work/refenv (Python 3.9, numpy<2, panoptic-parts==2.0rc6);
used only to produce golden test data.

Writes OUT.json with exactly the structure the reference saves:
  [[{PartPQ, PartSQ, PartRQ, n}, {PartPQ_parts, ..., n_p}, {PartPQ_noparts, ..., n_np}],
   {category_index: {PartPQ, PartSQ, PartRQ}}]
and OUT.meta.json (or --meta) with timing and run facts:
  {seconds_total, seconds_per_image, n_images, workers, category_sids, empty_groups,
   lt5_workaround}.
Timing is also printed on stderr.

Workarounds (none changes a number the reference computes):
- dataset_spec_path is resolved (cwd, EvalSpec folder, shared specs, bundled specs) into a temp
  copy of the EvalSpec; the reference itself would only look relative to the cwd.
- Worker count: the reference default is round(cpu_count()/2) (1 on a 2-core machine); it is
  clamped to the number of images (the reference asserts len(images) >= workers). --workers
  sets it; it only changes the order of float additions (~1e-16).
- Fewer than 5 images per worker: the reference computes `counter % (len(fn_pairs) // 5)` only
  to print progress and divides by zero. Its worker function is called with a list whose
  len() reports at least 5 (iteration is unaffected: every image is evaluated exactly once).
- No parts (or no no-parts) category counted: the reference's final averaging divides by zero.
  Then the same averaging is recomputed with the same summation order and the empty group's
  three averages are written as null (the group's n stays 0). `empty_groups` in the meta says so.
- `input()` (overwrite prompt) is answered 'y'; results go to a fresh temp dir anyway.
"""

import argparse
import contextlib
import functools
import glob
import json
import math
import os
import os.path as op
import sys
import time

sys.path.insert(0, op.dirname(op.abspath(__file__)))
import _refcommon as rc  # noqa: E402


class _LenAtLeast5(list):
    """A list whose len() is at least 5; iteration (list_iter) uses the real size."""

    def __len__(self):
        return max(5, list.__len__(self))


_EMPTY_GROUPS = []


def _guarded_pq_average(self, cat_definition):
    """Same computation and summation order as PQStat.pq_average; empty groups -> NaN markers."""
    cats_w_parts = []
    cats_no_parts = []
    for i, part_cats in enumerate(cat_definition["cat_def"]):
        if len(part_cats["parts_cls"]) > 1:
            cats_w_parts.append(i)
        else:
            cats_no_parts.append(i)
    pq, sq, rq, n = 0, 0, 0, 0
    pq_p, sq_p, rq_p, n_p = 0, 0, 0, 0
    pq_np, sq_np, rq_np, n_np = 0, 0, 0, 0
    per_class_results = {}
    for label in range(cat_definition["num_cats"]):
        iou = self.pq_per_cat[label].iou
        tp = self.pq_per_cat[label].tp
        fp = self.pq_per_cat[label].fp
        fn = self.pq_per_cat[label].fn
        if tp + fp + fn == 0:
            per_class_results[label] = {"PartPQ": 0.0, "PartSQ": 0.0, "PartRQ": 0.0}
            continue
        n += 1
        pq_class = iou / (tp + 0.5 * fp + 0.5 * fn)
        sq_class = iou / tp if tp != 0 else 0
        rq_class = tp / (tp + 0.5 * fp + 0.5 * fn)
        per_class_results[label] = {"PartPQ": pq_class, "PartSQ": sq_class, "PartRQ": rq_class}
        pq += pq_class
        sq += sq_class
        rq += rq_class
        if label in cats_w_parts:
            n_p += 1
            pq_p += pq_class
            sq_p += sq_class
            rq_p += rq_class
        elif label in cats_no_parts:
            n_np += 1
            pq_np += pq_class
            sq_np += sq_class
            rq_np += rq_class

    def div(a, b, group):
        if b == 0:
            if group not in _EMPTY_GROUPS:
                _EMPTY_GROUPS.append(group)
            return float("nan")
        return a / b

    return [
        {"PartPQ": div(pq, n, "all"), "PartSQ": div(sq, n, "all"), "PartRQ": div(rq, n, "all"), "n": n},
        {
            "PartPQ_parts": div(pq_p, n_p, "parts"),
            "PartSQ_parts": div(sq_p, n_p, "parts"),
            "PartRQ_parts": div(rq_p, n_p, "parts"),
            "n_p": n_p,
        },
        {
            "PartPQ_noparts": div(pq_np, n_np, "noparts"),
            "PartSQ_noparts": div(sq_np, n_np, "noparts"),
            "PartRQ_noparts": div(rq_np, n_np, "noparts"),
            "n_np": n_np,
        },
    ], per_class_results


def _nan_to_none(x):
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, list):
        return [_nan_to_none(v) for v in x]
    if isinstance(x, dict):
        return {k: _nan_to_none(v) for k, v in x.items()}
    return x


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog="Runs under /work/refenv/bin/python. See README.md.")
    ap.add_argument("--eval-spec", required=True, help="EvalSpec YAML")
    ap.add_argument("--gt", required=True, help="GT folder (CPP: <city>/<id>_gtFinePanopticParts.tif; PPP: <id>.tif)")
    ap.add_argument("--pred", required=True, help="folder of 3-channel PPS PNGs (file name contains the image id)")
    ap.add_argument("--images", required=True, help="images.json")
    ap.add_argument("--out", required=True, help="result JSON (reference structure)")
    ap.add_argument("--meta", default=None, help="meta JSON (timing etc.); default OUT with .meta.json")
    ap.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: the reference default round(cpu_count()/2), clamped to the number of images)",
    )
    args = ap.parse_args(argv)

    rc.check_env()
    rc.no_prompts()
    from panoptic_parts.evaluation import eval_PartPQ as EV
    from panoptic_parts.specs.eval_spec import PartPQEvalSpec
    from panoptic_parts.utils import evaluation_PartPQ as E

    workdir = rc.make_workdir("ref_evaluate_")
    spec_path = rc.resolve_eval_spec(args.eval_spec, workdir)
    with open(args.images) as fp:
        n_images = len(json.load(fp)["images"])
    if n_images == 0:
        sys.exit("images.json lists no image")

    ref_default_workers = E.evaluate_PartPQ_multicore.__defaults__[0]
    workers = args.workers if args.workers is not None else ref_default_workers
    if workers > n_images:
        rc.log(f"workers {workers} > images {n_images}: using {n_images} (reference would assert)")
        workers = n_images
    split_sizes = [n_images // workers + (1 if i < n_images % workers else 0) for i in range(workers)]
    lt5 = min(split_sizes) < 5

    # 1) worker count
    EV.evaluate_PartPQ_multicore = functools.partial(E.evaluate_PartPQ_multicore, cpu_num=workers)
    # 2) <5 images per worker: len() >= 5 for the progress modulo only
    orig_single = E.evaluate_single_core

    @functools.wraps(orig_single)
    def single_core(proc_id, fn_pairs, pred_reader_fn, spec):
        if len(fn_pairs) < 5:
            fn_pairs = _LenAtLeast5(list(fn_pairs))
        return orig_single(proc_id, fn_pairs, pred_reader_fn, spec)

    E.evaluate_single_core = single_core  # module attribute: found by pickle and by forked workers
    # 3) empty parts / no-parts group
    orig_avg = E.PQStat.pq_average

    def pq_average(self, cat_definition):
        try:
            return orig_avg(self, cat_definition)
        except ZeroDivisionError:
            return _guarded_pq_average(self, cat_definition)

    E.PQStat.pq_average = pq_average

    save_dir = op.join(workdir, "results")
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        EV.evaluate(spec_path, op.abspath(args.gt), op.abspath(args.pred), op.abspath(args.images), save_dir=save_dir)
    seconds = time.perf_counter() - t0

    found = glob.glob(op.join(save_dir, "*_results.json"))
    if len(found) != 1:
        sys.exit(f"reference results file not found in {save_dir}: {found}")
    with open(found[0]) as fp:
        results = json.load(fp)
    results = _nan_to_none(results) if _EMPTY_GROUPS else results
    os.makedirs(op.dirname(op.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fp:
        json.dump(results, fp)

    spec = PartPQEvalSpec(spec_path)
    meta = {
        "seconds_total": seconds,
        "seconds_per_image": seconds / n_images,
        "n_images": n_images,
        "workers": workers,
        "category_sids": [c["sem_cls"][0] for c in spec.cat_definition["cat_def"]],
        "empty_groups": list(_EMPTY_GROUPS),
        "lt5_workaround": lt5,
        "eval_spec": op.abspath(args.eval_spec),
    }
    meta_path = args.meta or (op.splitext(args.out)[0] + ".meta.json")
    with open(meta_path, "w") as fp:
        json.dump(meta, fp, indent=1)
    rc.log(
        f"{n_images} images, {workers} worker(s): {seconds:.2f} s total, "
        f"{seconds / n_images:.2f} s/image -> {args.out}, {meta_path}"
    )


if __name__ == "__main__":
    main()
