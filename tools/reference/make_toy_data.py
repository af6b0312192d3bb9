#!/usr/bin/env python
"""Make a tiny Cityscapes-Panoptic-Parts-like data set to exercise the reference drivers.

Runs under the reference venv /work/refenv (Python 3.9, numpy<2, panoptic-parts==2.0rc6) or any
Python with numpy and Pillow
used only to produce golden test data.

Layout written under OUT (ids like frankfurt_000000_000001
CPP default EvalSpec semantics):
  gt/frankfurt/<id>_gtFinePanopticParts.tif   int32 uids (PIL mode 'I')
  pred_pps/<id>_gtFine_leftImg8bit.png        3-channel PPS prediction [class, instance, part]
  sem/<id>_sem.png                            semantic prediction (eval sids, 255 void)
  parts/<id>_parts.png                        part prediction (CPP default flat ids)
  inst_coco.json                              COCO results list (RLE), one file for all images
  inst_cs/<id>_pred.txt, inst_cs/masks/*.png  Cityscapes instance format (paths relative to inst_cs)
Content per image: sky, building, road, void (sid 0, 1), a car with parts (incl. part-void pid 0),
a car without parts (5-digit uid -> removed as crowd by PartPQ), a person with parts (incl. an
out-of-range pid 5), person crowd (sid-only 24), a bicycle (no-parts thing)
predictions are shifted
and noisy, with part void (255), a false positive and a crowd-covering prediction.
--variant noparts drops all classes with parts (24-28) from GT and predictions, and --variant
partsonly drops every no-parts class from predictions and makes GT of it void (group crash tests).
--size WxH scales the layout (e.g. 2048x1024 for timing).
"""

import argparse
import json
import os
import os.path as op

import numpy as np
from PIL import Image

FLAT = {2401: 1, 2402: 2, 2403: 3, 2404: 4, 2601: 9, 2602: 10, 2603: 11, 2604: 12, 2605: 13}


def rle_encode(mask):
    from pycocotools import mask as M

    r = M.encode(np.asfortranarray(mask.astype(np.uint8)))
    r["counts"] = r["counts"].decode("ascii")
    return r


def box(a, H, W, r0, r1, c0, c1):
    """Fractional box -> slice pair."""
    return slice(int(r0 * H), int(r1 * H)), slice(int(c0 * W), int(c1 * W))


def make_image(k, H, W, rng, variant, n_extra):
    uid = np.full((H, W), 23, np.int32)  # sky
    uid[int(0.25 * H) : int(0.5 * H)] = 11  # building
    uid[int(0.5 * H) :] = 7  # road
    uid[box(None, H, W, 0, 0.06, 0, 0.16)] = 0  # void (unlabeled)
    uid[int(0.97 * H) :] = 1  # void (ego vehicle)
    d = k * 0.01
    cars, persons, bikes = [], [], []
    if variant != "noparts":
        # car iid 0 with parts in vertical stripes, one stripe part-void (pid 0)
        rs, cs = box(None, H, W, 0.45 + d, 0.8 + d, 0.08, 0.32)
        ncol = cs.stop - cs.start
        for j in range(ncol):
            pid = [1, 2, 0, 3, 4, 5][min(5, j * 6 // ncol)]
            uid[rs, cs.start + j] = 26 * 100000 + 0 * 100 + pid
        cars.append((rs, cs))
        # car iid 1 without parts (5 digits)
        rs2, cs2 = box(None, H, W, 0.55, 0.85, 0.4, 0.55)
        uid[rs2, cs2] = 26 * 1000 + 1
        cars.append((rs2, cs2))
        # person iid 2 with parts in horizontal bands, one out-of-range pid 5 stripe
        rs3, cs3 = box(None, H, W, 0.3, 0.95, 0.62 + d, 0.74 + d)
        nrow = rs3.stop - rs3.start
        for i in range(nrow):
            pid = [2, 1, 3, 4, 5][min(4, i * 5 // nrow)]
            uid[rs3.start + i, cs3] = 24 * 100000 + 2 * 100 + pid
        persons.append((rs3, cs3))
        # person crowd
        uid[box(None, H, W, 0.3, 0.95, 0.78, 0.86)] = 24
        # extra instances for timing (small cars with parts)
        for e in range(n_extra):
            r0 = 0.55 + 0.3 * rng.random()
            c0 = 0.05 + 0.85 * rng.random()
            rse, cse = box(None, H, W, r0, min(0.96, r0 + 0.08), c0, min(0.99, c0 + 0.06))
            if rse.stop <= rse.start or cse.stop <= cse.start:
                continue
            uid[rse, cse] = 26 * 100000 + (10 + e) * 100 + 1 + (e % 5)
            cars.append((rse, cse))
    # bicycle iid 0 (thing without parts)
    rs4, cs4 = box(None, H, W, 0.8, 0.96, 0.88, 0.99)
    uid[rs4, cs4] = 33 * 1000 + 0
    bikes.append((rs4, cs4))
    if variant == "partsonly":
        s = np.where(uid <= 99, uid, np.where(uid <= 99999, uid // 1000, uid // 100000))
        uid = np.where(np.isin(s, [24, 25, 26, 27, 28]), uid, 0).astype(np.int32)
        bikes = []
    return uid, cars, persons, bikes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--n-images", type=int, default=3)
    ap.add_argument("--size", default="128x64", help="WxH (default 128x64)")
    ap.add_argument("--variant", choices=["default", "noparts", "partsonly"], default="default")
    ap.add_argument("--extra-instances", type=int, default=0, help="extra small car instances per image")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    W, H = map(int, args.size.lower().split("x"))
    rng = np.random.default_rng(args.seed)
    out = args.out
    for sub in ["gt/frankfurt", "pred_pps", "sem", "parts", "inst_cs/masks"]:
        os.makedirs(op.join(out, sub), exist_ok=True)
    coco = []
    for k in range(args.n_images):
        iid = f"frankfurt_000000_{k + 1:06d}"
        uid, cars, persons, bikes = make_image(k, H, W, rng, args.variant, args.extra_instances)
        Image.fromarray(uid).save(op.join(out, "gt/frankfurt", f"{iid}_gtFinePanopticParts.tif"))

        sid = np.where(uid <= 99, uid, np.where(uid <= 99999, uid // 1000, uid // 100000))
        pid = np.where(uid > 99999, uid % 100, 0)
        evald = np.isin(sid, [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33])
        sem = np.where(evald, sid, 255).astype(np.uint8)
        # semantic prediction: shift by 1 px right, some noise, a small wrong-class blob
        sem = np.roll(sem, 1, axis=1)
        noise = rng.random((H, W)) < 0.02
        sem[noise] = 7
        Image.fromarray(sem).save(op.join(out, "sem", f"{iid}_sem.png"))
        # part prediction (flat ids)
        sp = np.where(pid > 0, sid * 100 + pid, 0)
        flat = np.zeros((H, W), np.uint8)
        for s_p, f in FLAT.items():
            flat[sp == s_p] = f
        flat = np.roll(flat, 2, axis=0)
        flat[rng.random((H, W)) < 0.05] = 3
        Image.fromarray(flat).save(op.join(out, "parts", f"{iid}_parts.png"))

        # instance predictions
        insts = []
        for n, (rs, cs) in enumerate(cars):
            m = np.zeros((H, W), bool)
            m[rs.start + 1 : rs.stop, cs.start : cs.stop + 2] = True
            insts.append((26, m, [0.9, 0.7, 0.55][n % 3]))
        for rs, cs in persons:
            m = np.zeros((H, W), bool)
            m[rs, cs.start : cs.stop + 1] = True
            insts.append((24, m, 0.8))
            m2 = np.zeros((H, W), bool)
            m2[rs, cs.start + 2 : cs.stop + 4] = True  # overlapping duplicate
            insts.append((24, m2, 0.8))
        for rs, cs in bikes:
            m = np.zeros((H, W), bool)
            m[rs, cs] = True
            insts.append((33, m, 0.5))
        fp = np.zeros((H, W), bool)
        fp[int(0.05 * H) : int(0.15 * H), int(0.4 * W) : int(0.5 * W)] = True
        insts.append((33, fp, 0.6))
        low = np.zeros((H, W), bool)
        low[int(0.6 * H) : int(0.7 * H), int(0.3 * W) : int(0.4 * W)] = True
        insts.append((26, low, 0.4))
        lines = []
        for n, (cat, m, score) in enumerate(insts):
            coco.append({"image_id": iid, "category_id": cat, "segmentation": rle_encode(m), "score": score})
            mp = f"masks/{iid}_{n:03d}.png"
            Image.fromarray((m * 255).astype(np.uint8)).save(op.join(out, "inst_cs", mp))
            lines.append(f"{mp} {cat} {score}\n")
        with open(op.join(out, "inst_cs", f"{iid}_pred.txt"), "w") as fd:
            fd.writelines(lines)

        # direct PPS prediction: class, instance, part
        cls = sem.copy()
        inst = np.zeros((H, W), np.uint8)
        part = np.where(cls == 255, 0, 1).astype(np.uint8)
        counts = {}
        for cat, m, score in insts:
            if score < 0.5:
                continue
            counts[cat] = counts.get(cat, 0) + 1
            cls[m] = cat
            inst[m] = counts[cat]
            if cat in (24, 26):
                part[m] = np.roll(np.where(pid > 0, pid, 255), 1, axis=0)[m]
            else:
                part[m] = 1
        if args.variant == "partsonly":
            keep = np.isin(cls, [24, 25, 26, 27, 28])
            cls[~keep] = 255
            inst[~keep] = 0
            part[~keep] = 0
        Image.fromarray(np.stack([cls, inst, part], 2)).save(op.join(out, "pred_pps", f"{iid}_gtFine_leftImg8bit.png"))
    with open(op.join(out, "inst_coco.json"), "w") as fd:
        json.dump(coco, fd)
    print(f"{args.n_images} images {W}x{H} ({args.variant}) -> {out}")


if __name__ == "__main__":
    main()
