#!/usr/bin/env bash
# Trains (or continues) the hint network (Zhang, Zhu et al. 2017; #31) on the GPU machine within a budget.
# Prepare here as for train-default.sh:
#   perf/gpu/prepare.sh && perf/gpu/prepare-train.sh     # .devtrain/: runtime, CLI, photos at 96x96
#   # to continue an earlier visit's run, copy its model.ckm and optimizer.ckm into .devtrain/hints-run/
# Then the device tool's run with carry [".devtrain"] and: bash perf/gpu/train-hints.sh MINUTES
# A new run starts from the built-in ECCV16 model's trunk (--init default, width 0.125: what it can be
# measured against here). A wider network trained from scratch is the paper's recipe and needs hours:
# set HINTS_INIT=none and HINTS_WIDTH=0.25 (or more) for that.
set -uo pipefail
source .devtrain/env.sh
out=${OUT:-/tmp/colorkernels-device-out}
mkdir -p "$out"
minutes=${1:-7}
run=/tmp/ck-hints-run
mkdir -p "$run"
[ -f .devtrain/hints-run/model.ckm ] && [ ! -f "$run/model.ckm" ] && cp .devtrain/hints-run/*.ckm .devtrain/hints-run/log.csv "$run/" 2>/dev/null
start="--init ${HINTS_INIT:-default}"
[ "${HINTS_INIT:-default}" = none ] && start="--width ${HINTS_WIDTH:-0.25}"
[ -f "$run/model.ckm" ] && start="--resume"
# Batch 32 of 88-pixel crops from 96x96 photos; simulated hints as on the CPU (geometric p = 1/8, squares 1-9).
timeout $(( minutes * 60 + 120 )) dotnet "$COLORKERNELS_APPS"/Host/colorkernels.dll train .devtrain/photos --out "$run" --hints $start \
  --device cuda --batch 32 --crop 88 --resize 96 --steps 100000 --lr 3e-4 --seed 1 \
  --checkpoint-every 200 --time-limit "$minutes" 2>&1 | tail -30 | tee "$out/train-hints.txt"
cp "$run"/model.ckm "$run"/log.csv "$run"/loss.png "$out/" 2>/dev/null
[ "$(stat -c %s "$run"/optimizer.ckm 2>/dev/null || echo 0)" -lt 16000000 ] && cp "$run"/optimizer.ckm "$out/"
ls -la "$out"
