#!/usr/bin/env bash
# On the lent GPU machine (device tool, repository root, .gpu/ carried): the runs of
# .gpu/runs.txt side by side on the one GPU, each time-boxed to $HOURS with train_yolo --time,
# their best.pt (optimizer stripped, ~5.5 MB) and a log archive written to $OUT.
set -u
HOURS="${HOURS:-0.125}"
# To try the script here first: DEVICE=cpu PYTHON=.venv-train/bin/python OUT=/tmp/out HOURS=0.004
DEVICE="${DEVICE:-0}"
PYTHON="${PYTHON:-python3}"
here=scripts/gpu_train
if [ "$PYTHON" = python3 ]; then  # the GPU image: add what it lacks
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .gpu/whl/*.whl || exit 1
fi
export PYTHONPATH=/tmp/site:$PWD/$here/shim:$PWD YOLO_OFFLINE=1 YOLO_CONFIG_DIR=/tmp/ycfg \
  PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null
mkdir -p datasets runs
for d in .gpu/datasets/*; do
  name=$(basename "$d"); rm -rf datasets/"$name"; cp -r "$d" datasets/"$name"
  sed -i "s#^path: .*#path: $PWD/datasets/$name#" datasets/"$name"/data.yaml
  "$PYTHON" $here/rebuild_images.py datasets/"$name" resources/clips || exit 1
done
limit=$(python3 -c "print(int($HOURS * 3600) + 90)")
names=()
while read -r name model data extra; do
  [ -z "$name" ] && continue
  names+=("$name")
  # shellcheck disable=SC2086 # extra holds several options
  timeout "$limit" "$PYTHON" -m engine.training.train_yolo --model "$model" \
    --data "datasets/$data/data.yaml" --device "$DEVICE" --workers 3 --batch 16 --time "$HOURS" \
    --no-export --project runs --name "$name" $extra > "runs/$name.log" 2>&1 &
done < .gpu/runs.txt
wait
for name in "${names[@]}"; do
  grep -a '\[sentinel\]' "runs/$name.log" | tail -2
  cp "runs/$name/weights/best.pt" "$OUT/${name}_best.pt" 2>/dev/null || echo "$name: no best.pt"
done
tar czf "$OUT/logs.tgz" runs/*.log runs/*/results.csv runs/*/args.yaml 2>/dev/null
ls -la "$OUT"
