#!/usr/bin/env bash
# Runs every reference driver end to end on a toy data set (3 images 128x64) and the two
# empty-group variants. Runs under the reference venv /work/refenv (Python 3.9, numpy<2,
# panoptic-parts==2.0rc6); used only to produce golden test data.
# Usage: tools/reference/smoke_test.sh [OUT_DIR]   (default: a new temp dir)
set -euo pipefail
PY=${REFPY:-/work/refenv/bin/python}
R=$(cd "$(dirname "$0")" && pwd)
SPECS=${SPECS:-/work/shared/reference/specs}
S=$SPECS/eval_specs/ppq_cpp_19_23_cvpr21_default_evalspec.yaml
OUT=${1:-$(mktemp -d /tmp/ref_smoke_XXXX)}
T=$OUT/toy
"$PY" "$R/make_toy_data.py" "$T"
"$PY" "$R/ref_images_json.py" "$T/gt" "$T/images.json"
"$PY" "$R/ref_evaluate.py" --eval-spec "$S" --gt "$T/gt" --pred "$T/pred_pps" --images "$T/images.json" --out "$T/out/eval_direct.json"
"$PY" "$R/ref_merge_panoptic.py" --eval-spec "$S" --sem-dir "$T/sem" --inst "$T/inst_coco.json" --images "$T/images.json" --out "$T/out/pan_coco"
"$PY" "$R/ref_merge_panoptic.py" --eval-spec "$S" --sem-dir "$T/sem" --inst "$T/inst_cs" --images "$T/images.json" --out "$T/out/pan_cs"
"$PY" "$R/ref_merge_pps.py" --eval-spec "$S" --panoptic-dir "$T/out/pan_coco/panoptic" --panoptic-json "$T/out/pan_coco/panoptic.json" --parts-dir "$T/parts" --images "$T/images.json" --out "$T/out/pps"
"$PY" "$R/ref_evaluate.py" --eval-spec "$S" --gt "$T/gt" --pred "$T/out/pps" --images "$T/images.json" --out "$T/out/eval_merged.json"
for v in noparts partsonly; do
  V=$OUT/toy_$v
  "$PY" "$R/make_toy_data.py" "$V" --variant $v
  "$PY" "$R/ref_images_json.py" "$V/gt" "$V/images.json"
  "$PY" "$R/ref_evaluate.py" --eval-spec "$S" --gt "$V/gt" --pred "$V/pred_pps" --images "$V/images.json" --out "$V/eval.json"
done
echo "smoke test OK: $OUT"
