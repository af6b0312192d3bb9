"""panopticapi's pq_compute on COCO panoptic data, and PPS GT -> COCO panoptic GT (golden data for `pps pq`).

Runs under the reference venv (/work/refenv: Python 3.9, numpy<2, panopticapi from panopticapi-lite).

    ref_pq.py convert-gt --eval-spec Y --gt GT_DIR --images J --out OUT   # OUT.json + OUT/<id>.png
    ref_pq.py compute --gt-json J --pred-json J [--gt-dir D] [--pred-dir D] --out RESULT.json [--workers N]

convert-gt writes the COCO panoptic GT that "PQ from PPS ground truth" defines (written here on its
own, in plain numpy, so that it checks pps' implementation instead of sharing it):
- eval sid = dataset_sid2eval_sid[sid] (IGNORED, or DEFAULT -> IGNORED, or a sid not evaluated: VOID, id 0);
- things: one segment per (eval sid, iid) for uids > 99, and one crowd segment (iscrowd 1) per eval
  sid for its uids <= 99; stuff: one segment per eval sid;
- image_id: as in images.json (as `pps panoptic` writes it; `pps pq` also matches int() forms);
- segment ids 1..N in ascending (eval sid, crowd after instances, iid) order, area = pixel count;
- categories: the evaluated sids ascending, name from eval_sid2scene_label, isthing from eval_sid_things.

compute calls panopticapi.evaluation.pq_compute unchanged (its prints go to stderr) and writes its
return value. With --workers N it pins multiprocessing.cpu_count() to N (pq_compute splits the
images over cpu_count() processes); panopticapi's numbers do not depend on it beyond float sums.
"""

import argparse
import contextlib
import json
import multiprocessing
import os
import os.path as op
import sys
import time

import numpy as np
from PIL import Image
from ruamel.yaml import YAML

sys.path.insert(0, op.dirname(op.abspath(__file__)))
from _refcommon import log  # noqa: E402


def _decode(uids):
    uids = uids.astype(np.int64)
    sid = np.where(uids <= 99, uids, np.where(uids <= 99999, uids // 1000, uids // 100000))
    iid = np.where(uids <= 99, 0, np.where(uids <= 99999, uids % 1000, (uids // 100) % 1000))
    return sid, iid


def _eval_sid_map(spec):
    mapping = spec["dataset_sid2eval_sid"]
    default = mapping.get("DEFAULT", "IGNORED")
    evaluated = sorted({v for v in mapping.values() if v != "IGNORED"})
    table = np.full(256, -1 if default == "IGNORED" else int(default), np.int64)
    for k, v in mapping.items():
        if k != "DEFAULT":
            table[int(k)] = -1 if v == "IGNORED" else int(v)
    table[~np.isin(table, evaluated)] = -1
    return table, evaluated


def convert_gt(args):
    with open(args.eval_spec) as f:
        spec = YAML(typ="safe", pure=True).load(f)
    table, evaluated = _eval_sid_map(spec)
    things = set(spec["eval_sid_things"])
    names = spec.get("eval_sid2scene_label", {})
    with open(args.images) as f:
        images = json.load(f)["images"]
    tifs = {}
    for root, _, files in os.walk(args.gt):
        for name in files:
            if name.endswith(".tif"):
                key = name[: -len("_gtFinePanopticParts.tif")] if name.endswith("_gtFinePanopticParts.tif") else name[:-4]
                tifs[key] = op.join(root, name)
    os.makedirs(args.out, exist_ok=True)
    annotations = []
    for image in images:
        image_id = image.get("id", image.get("image_id"))
        uids = np.array(Image.open(tifs[str(image_id)]), dtype=np.int64)
        sid, iid = _decode(uids)
        esid = table[sid]
        crowd = (uids <= 99) & np.isin(esid, list(things))
        thing = np.isin(esid, list(things))
        # key: eval sid * 2000 + (1000 for crowd | iid for instances | 0 for stuff)
        key = np.where(esid < 0, -1, esid * 2000 + np.where(thing, np.where(crowd, 1000, iid), 0))
        keys, counts = np.unique(key[key >= 0], return_counts=True)
        ids = np.zeros(uids.shape, np.int64)
        segments = []
        for n, (k, c) in enumerate(zip(keys.tolist(), counts.tolist()), start=1):  # noqa: B905 (Python 3.9)
            ids[key == k] = n
            segments.append({"id": n, "category_id": k // 2000, "area": c, "iscrowd": int(k % 2000 == 1000)})
        rgb = np.stack([ids % 256, ids // 256 % 256, ids // 65536], axis=-1).astype(np.uint8)
        file_name = f"{image_id}.png"
        Image.fromarray(rgb).save(op.join(args.out, file_name))
        annotations.append({"image_id": image_id, "file_name": file_name, "segments_info": segments})
    categories = [{"id": s, "name": names.get(s, str(s)), "isthing": int(s in things)} for s in evaluated]
    document = {
        "images": [{"id": i.get("id", i.get("image_id")), "file_name": f"{i.get('id', i.get('image_id'))}.png",
                    "width": i["width"], "height": i["height"]} for i in images],
        "annotations": annotations,
        "categories": categories,
    }
    with open(args.out.rstrip("/") + ".json", "w") as f:
        json.dump(document, f, indent=1)
    log(f"converted {len(annotations)} images to {args.out}.json")


def compute(args):
    from panopticapi import evaluation

    if args.workers:
        multiprocessing.cpu_count = lambda: args.workers  # pq_compute_multi_core reads it
    start = time.time()
    with contextlib.redirect_stdout(sys.stderr):
        results = evaluation.pq_compute(args.gt_json, args.pred_json, gt_folder=args.gt_dir, pred_folder=args.pred_dir)
    seconds = time.time() - start
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    if args.meta:
        # the per-image loop alone (no JSON loading, no process pool), as a second, warm pass
        with open(args.gt_json) as f:
            gt_json = json.load(f)
        with open(args.pred_json) as f:
            pred_json = json.load(f)
        gt_dir = args.gt_dir or args.gt_json.replace(".json", "")
        pred_dir = args.pred_dir or args.pred_json.replace(".json", "")
        predictions = {a["image_id"]: a for a in pred_json["annotations"]}
        pairs = [(a, predictions[a["image_id"]]) for a in gt_json["annotations"]]
        categories = {c["id"]: c for c in gt_json["categories"]}
        start = time.time()
        with contextlib.redirect_stdout(sys.stderr):
            evaluation.pq_compute_single_core(0, pairs, gt_dir, pred_dir, categories)
        single = time.time() - start
        with open(args.meta, "w") as f:
            json.dump({"seconds_total": seconds, "seconds_single_core_loop": single, "images": len(pairs),
                       "workers": args.workers or multiprocessing.cpu_count()}, f)
    log(f"pq_compute: PQ {results['All']['pq']:.6f} in {seconds:.2f} s -> {args.out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert-gt")
    c.add_argument("--eval-spec", required=True)
    c.add_argument("--gt", required=True)
    c.add_argument("--images", required=True)
    c.add_argument("--out", required=True)
    p = sub.add_parser("compute")
    p.add_argument("--gt-json", required=True)
    p.add_argument("--pred-json", required=True)
    p.add_argument("--gt-dir")
    p.add_argument("--pred-dir")
    p.add_argument("--out", required=True)
    p.add_argument("--meta")
    p.add_argument("--workers", type=int)
    args = parser.parse_args()
    convert_gt(args) if args.command == "convert-gt" else compute(args)


if __name__ == "__main__":
    main()
