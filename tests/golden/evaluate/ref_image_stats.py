#!/usr/bin/env python
"""Per-image PartPQ statistics from the reference, for arrays given in an .npz file.

Runs under the reference venv (/work/refenv/bin/python: Python 3.9, numpy<2,
panoptic-parts==2.0rc6); used only to produce golden test data (see README.md).

    ref_image_stats.py EVAL_SPEC CASES.npz OUT.json

CASES.npz holds `gt_<k>` (H, W) int32 uid maps and `pred_<k>` (H, W, 3) uint8 PPS predictions.
For each case k this calls the reference's own per-image steps exactly as
`panoptic_parts.utils.evaluation_PartPQ.evaluate_single_core` does (annotation_parsing,
prediction_parsing, generate_ignore_info_tiff, ignore_img_parsing, pq_part) and writes
{"category_sids": [...reference category order...],
 "cases": [{"iou": [...], "tp": [...], "fp": [...], "fn": [...]} | {"error": "..."}]}
with the lists in the reference's category order.
"""
import json
import os.path as op
import sys
import tempfile

import numpy as np

sys.path.insert(0, op.join(op.dirname(op.abspath(__file__)), '..', '..', '..', 'tools', 'reference'))
import _refcommon as rc  # noqa: E402


def main():
  eval_spec, cases_path, out_path = sys.argv[1:4]
  rc.check_env()
  from panoptic_parts.specs.eval_spec import PartPQEvalSpec
  from panoptic_parts.utils import evaluation_PartPQ as E

  spec = PartPQEvalSpec(rc.resolve_eval_spec(eval_spec, tempfile.mkdtemp(prefix='ref_image_stats_')))
  cat_definition = spec.cat_definition
  num_cats = cat_definition['num_cats']
  data = np.load(cases_path)
  n = len([k for k in data.files if k.startswith('gt_')])
  cases = []
  for k in range(n):
    gt = data[f'gt_{k}'].astype(np.int32)
    pred = data[f'pred_{k}'].astype(np.int32)
    try:
      part_gt_dict, ignore_img_extra = E.annotation_parsing(spec, gt)
      part_pred_dict = E.prediction_parsing(cat_definition, pred[..., 0], pred[..., 1], pred[..., 2])
      ignore_img = E.generate_ignore_info_tiff(gt, spec)
      ignore_img[ignore_img_extra != 0] = ignore_img_extra[ignore_img_extra != 0]
      crowd_dict = E.ignore_img_parsing(ignore_img, cat_definition)
      with np.errstate(divide='ignore', invalid='ignore'):
        stats = E.pq_part(part_pred_dict, part_gt_dict, crowd_dict, cat_definition, spec.ignore_label)
      cases.append({
          'iou': [float(stats[c].iou) for c in range(num_cats)],
          'tp': [int(stats[c].tp) for c in range(num_cats)],
          'fp': [int(stats[c].fp) for c in range(num_cats)],
          'fn': [int(stats[c].fn) for c in range(num_cats)],
      })
    except Exception as e:  # noqa: BLE001 - recorded: the reference fails on this input
      cases.append({'error': f'{type(e).__name__}: {e}'.splitlines()[0][:200]})
  with open(out_path, 'w') as fp:
    json.dump({'category_sids': [c['sem_cls'][0] for c in cat_definition['cat_def']], 'cases': cases}, fp)


if __name__ == '__main__':
  main()
