#!/usr/bin/env python
"""Write the golden inputs for `pps pps` and the reference's output for them.

Run with the reference venv (Python 3.9, numpy<2, panoptic-parts==2.0rc6), from the repository root:

    /work/refenv/bin/python tests/golden/pps/make_golden.py

Options: --out DIR (instead of tests/golden/pps), --seed N (added to each case's seed), --size WxH
(default 128x64); tests/test_pps_merge.py uses them for a live parity check when /work/refenv exists.
For each case (EvalSpec) it writes, under tests/golden/pps/<case>/:
  images.json, panoptic.json, panoptic/<file_name>.png (COCO panoptic RGB), parts/<id>.png (flat ids)
and then runs tools/reference/ref_merge_pps.py (the reference's merge_to_pps.merge) into expected/.
This script uses only numpy and Pillow (no pps code), so the inputs do not depend on what they test.

Inputs are random but seeded: rectangles of segments with random 24-bit ids, as a panoptic network
writes them; things with several instances, stuff listed twice (as the reference's panoptic merge
lists it), an id listed twice with different categories, an entry without pixels, unsegmented pixels
(id 0), and part maps with flat ids of every class, 0 and 255. image_id appears as a string, and as
int(id) where Python's int() accepts the id (as panopticapi stores it); segments carry extra fields.
"""
import argparse
import json
import os
import os.path as op
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

HERE = op.dirname(op.abspath(__file__))
ROOT = op.normpath(op.join(HERE, '..', '..', '..'))
SPECS = op.join(ROOT, 'specs', 'eval_specs')
REF_DRIVER = op.join(ROOT, 'tools', 'reference', 'ref_merge_pps.py')

CASES = {
    'cpp-default': ('ppq_cpp_19_23_cvpr21_default_evalspec.yaml',
                    ['frankfurt_000000_000294', 'lindau_000001_000019', 'munster_000002_000019']),
    'cpp-grouped': ('ppq_cpp_19_23_cvpr21_grouped_evalspec.yaml',
                    ['frankfurt_000000_000294', 'lindau_000001_000019', 'munster_000002_000019']),
    'ppp-default': ('ppq_ppp_59_57_cvpr21_default_evalspec.yaml',
                    ['2008_000393', '2009_001217', '2010_005116']),
}


def eval_spec(path):
  import panoptic_parts
  from panoptic_parts.specs.eval_spec import PartPQEvalSpec
  cwd = os.getcwd()
  # the reference opens dataset_spec_path (panoptic_parts/specs/...) relative to the current directory
  os.chdir(op.dirname(op.dirname(panoptic_parts.__file__)))
  try:
    return PartPQEvalSpec(path)
  finally:
    os.chdir(cwd)


def make_image(rng, spec, max_flat, height, width):
  """One image: (H, W, 3) panoptic RGB, segments_info list, (H, W) part map."""
  things = sorted(spec.eval_sid_things)
  stuff = sorted(spec.eval_sid_stuff)
  entries = []  # (id, category) in segments_info order
  used = set()

  def new_id():
    while True:
      i = int(rng.integers(1, 1 << 24))
      if i not in used:
        used.add(i)
        return i

  # things: several instances of a few classes, parts classes first in the spec's lists
  parts = [c for c in things if c in spec.eval_sid_parts]
  chosen = list(rng.choice(parts, 3, replace=False)) + list(rng.choice(things, 3, replace=False))
  for cat in chosen:
    for _ in range(int(rng.integers(1, 4))):
      entries.append((new_id(), int(cat)))
  for cat in rng.choice(stuff, min(3, len(stuff)), replace=False):
    entries.append((new_id(), int(cat)))
  # pixels: a grid of rectangles, each one of the ids or 0
  ids = [i for i, _ in entries]
  seg = np.zeros((height, width), np.int64)
  for y in range(0, height, 8):
    for x in range(0, width, 16):
      h, w = int(rng.integers(4, 12)), int(rng.integers(8, 24))
      seg[y:y + h, x:x + w] = rng.choice(ids + [0])
  # every id gets at least one pixel, so nothing in the PNG is unlisted and nothing listed is empty
  for k, i in enumerate(ids):
    seg[k % height, (7 * k) % width] = i
  # the reference's panoptic output lists a stuff id once per contribution: list one twice
  stuff_entry = next(e for e in entries if e[1] in stuff)
  entries.append(stuff_entry)
  # an id listed twice with different categories: the last entry wins
  thing_entry = entries[0]
  entries.append((thing_entry[0], int(rng.choice(stuff))))
  # an entry without pixels still counts in the numbering
  entries.insert(2, (new_id(), entries[1][1]))
  rgb = np.stack([seg & 255, (seg >> 8) & 255, (seg >> 16) & 255], axis=-1).astype(np.uint8)
  flats = np.concatenate([np.arange(max_flat + 3), [255, 255, 0, 0]])
  blocks = rng.choice(flats, ((height + 1) // 2, (width + 1) // 2))
  part = np.kron(blocks, np.ones((2, 2), np.int64))[:height, :width].astype(np.uint8)
  part[rng.random((height, width)) < 0.1] = 0
  return rgb, entries, part


def make_case(root, case, spec_file, image_ids, seed, height, width):
  out = op.join(root, case)
  shutil.rmtree(out, ignore_errors=True)
  os.makedirs(op.join(out, 'panoptic'))
  os.makedirs(op.join(out, 'parts'))
  spec = eval_spec(op.join(SPECS, spec_file))
  max_flat = max(spec.eval_sid_pid2eval_pid_flat.values())
  rng = np.random.default_rng(seed)
  images, annotations = [], []
  for n, image_id in enumerate(image_ids):
    rgb, entries, part = make_image(rng, spec, max_flat, height, width)
    file_name = image_id + ('_gtFine_leftImg8bit.png' if case.startswith('cpp') else '.png')
    Image.fromarray(rgb).save(op.join(out, 'panoptic', file_name))
    Image.fromarray(part).save(op.join(out, 'parts', image_id + '.png'))
    images.append({'id': image_id, 'file_name': file_name, 'width': width, 'height': height})
    try:
      stored_id = int(image_id) if n != 1 else image_id  # panopticapi stores int(id); keep one string
    except ValueError:
      stored_id = image_id
    segments = [{'id': i, 'category_id': c, 'iscrowd': 0, 'area': 1, 'bbox': [0, 0, 1, 1]} for i, c in entries]
    annotations.append({'image_id': stored_id, 'file_name': file_name, 'segments_info': segments,
                        'note': 'extra field'})
  annotations.append({'image_id': 'not_in_images_json', 'file_name': 'x.png', 'segments_info': []})
  annotations.reverse()
  with open(op.join(out, 'images.json'), 'w') as fd:
    json.dump({'images': images}, fd, indent=1)
  with open(op.join(out, 'panoptic.json'), 'w') as fd:
    json.dump({'images': images, 'annotations': annotations, 'categories': []}, fd, indent=1)
  subprocess.run([sys.executable, REF_DRIVER, '--eval-spec', op.join(SPECS, spec_file),
                  '--panoptic-dir', op.join(out, 'panoptic'), '--panoptic-json', op.join(out, 'panoptic.json'),
                  '--parts-dir', op.join(out, 'parts'), '--images', op.join(out, 'images.json'),
                  '--out', op.join(out, 'expected')], check=True)


def main():
  ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  ap.add_argument('--out', default=HERE, help='root folder for the cases (default: this folder)')
  ap.add_argument('--seed', type=int, default=0, help='added to the seed of every case')
  ap.add_argument('--size', default='128x64', help='image size WxH')
  ap.add_argument('--cases', nargs='*', default=list(CASES), help='cases to write')
  args = ap.parse_args()
  width, height = (int(v) for v in args.size.split('x'))
  for seed, (case, (spec_file, image_ids)) in enumerate(CASES.items()):
    if case in args.cases:
      make_case(args.out, case, spec_file, image_ids, seed + args.seed, height, width)


if __name__ == '__main__':
  main()
