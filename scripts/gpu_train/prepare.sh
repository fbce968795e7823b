#!/usr/bin/env bash
# Packs what a lent GPU machine (the device tool) needs to train YOLO11n runs side by side:
# the label files of the named datasets (their images are re-made there from the bundled clips,
# since only ~24 MB may travel beside the repository), the Python wheels its image lacks, and
# the runs to make. Everything goes to .gpu/ (git-ignored through .git/info/exclude).
#
#   scripts/gpu_train/prepare.sh RUNS_FILE DATASET...       e.g. datasets/sentinel_vehicles_3v
#
# RUNS_FILE: one run a line, `NAME MODEL DATASET_NAME [train_yolo options]`, at most 7 runs,
# e.g. `ft3v resources/models/yolo11n_vehicles.pt sentinel_vehicles_3v --warmup-epochs 1`.
# Then, with the device tool: run `HOURS=0.125 bash scripts/gpu_train/run.sh`, carry [".gpu"].
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="$1"; shift
for venv in .venv .venv-train; do  # the wheels are pinned to what these two hold
  [ -x "$venv/bin/python" ] || { echo "prepare: $venv missing (docs/training.md, section 1)" >&2; exit 1; }
done
mkdir -p .git/info && touch .git/info/exclude
grep -qx '/.gpu/' .git/info/exclude || echo '/.gpu/' >> .git/info/exclude
rm -rf .gpu && mkdir -p .gpu/datasets .gpu/whl
cp "$runs" .gpu/runs.txt
for dataset in "$@"; do
  out=".gpu/datasets/$(basename "$dataset")"
  mkdir -p "$out/labels"
  cp -r "$dataset/labels/train" "$dataset/labels/val" "$out/labels/"
  cp "$dataset/data.yaml" "$dataset/manifest.json" "$out/"
done
# The GPU image has torch, numpy, OpenCV and onnx; ultralytics and the engine's pydantic stack
# travel as wheels, at the versions of the local environments (polars, 54 MB, is replaced there
# by the small stand-in in shim/: ultralytics only reads results.csv with it).
pins() { "$1" -m pip list --format=freeze 2>/dev/null | grep -iE "^($2)==" || true; }
wanted="$(pins .venv-train/bin/python 'ultralytics|ultralytics-thop|ultralytics-platform')
$(pins .venv/bin/python 'pydantic|pydantic-core|pydantic_core|annotated-types|annotated_types|typing-inspection|typing_inspection')"
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d .gpu/whl $wanted
du -sh .gpu
