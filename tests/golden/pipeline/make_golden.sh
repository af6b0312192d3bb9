#!/usr/bin/env bash
# Golden PartPQ of the whole reference chain (panopticapi merge -> merge_to_pps -> PartPQ) on demo data.
# Needs the reference venv (tools/reference/README.md) and the pps venv; run from the repository root:
#   bash tests/golden/pipeline/make_golden.sh
set -euo pipefail
PY=${PPS_REFERENCE_PYTHON:-/work/refenv/bin/python}
R=tools/reference
OUT=tests/golden/pipeline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for case in cityscapes:cpp-default:parts cityscapes:cpp-grouped:parts_grouped pascal:ppp-default:parts; do
  IFS=: read -r dataset spec parts <<<"$case"
  d=$work/$dataset
  if [ ! -d "$d" ]; then
    # the same demo as tests/test_pipeline_golden.py; integer PASCAL image ids off (the reference drops them)
    .venv/bin/python -c "from pps_cli.demo.synth import generate_demo; generate_demo('$d', dataset='$dataset', num_images=3, height=128, width=256, seed=3, pascal_int_ids=False, mask_paths='root')"
    .venv/bin/pps images-json "$d/gt" -o "$d/images.json"
  fi
  S=$(.venv/bin/python -c "from pps_cli.specs import load_eval_spec; print(load_eval_spec('$spec').path)")
  $PY $R/ref_merge_panoptic.py --eval-spec "$S" --sem-dir "$d/predictions/semantic" --inst "$d/predictions/instances.json" \
    --images "$d/images.json" --out "$work/$spec-pan"
  $PY $R/ref_merge_pps.py --eval-spec "$S" --panoptic-dir "$work/$spec-pan/panoptic" --panoptic-json "$work/$spec-pan/panoptic.json" \
    --parts-dir "$d/predictions/$parts" --images "$d/images.json" --out "$work/$spec-pps"
  $PY $R/ref_evaluate.py --eval-spec "$S" --gt "$d/gt" --pred "$work/$spec-pps" --images "$d/images.json" --out "$OUT/$spec.json"
  rm -f "$OUT/$spec.meta.json"
done
