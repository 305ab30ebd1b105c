#!/usr/bin/env bash
# Trains (or continues) the default model on the GPU machine within a time budget.
# Prepare here:
#   perf/gpu/prepare.sh && perf/gpu/prepare-train.sh     # .devtrain/: runtime, CLI, 4,600 photos at 96x96
#   # to continue an earlier visit's run, copy its model.ckm and optimizer.ckm into .devtrain/run/
# Then the device tool's run with carry [".devtrain"] and: bash perf/gpu/train-default.sh MINUTES
# The run folder comes back under $OUT (model.ckm ~8 MB at width 0.25, optimizer.ckm ~16 MB, log.csv,
# loss.png); keep both .ckm files (in an ignored folder) for the next visit's --resume.
set -uo pipefail
source .devtrain/env.sh
out=${OUT:-/tmp/colorkernels-device-out}
mkdir -p "$out"
minutes=${1:-7}
# The run lives outside the carried folder (a carried path is replaced on every call), so a later call on
# the same warm machine resumes it; a copy brought back here can be put in .devtrain/run/ for a fresh machine.
run=/tmp/ck-default-run
mkdir -p "$run"
[ -f .devtrain/run/model.ckm ] && [ ! -f "$run/model.ckm" ] && cp .devtrain/run/*.ckm .devtrain/run/log.csv "$run/" 2>/dev/null
resume=""
[ -f "$run/model.ckm" ] && resume="--resume"
# Width 0.25 (2.0 M parameters, 5.4 GFLOP per 256x256 picture), crops of 88 from 96x96 photos.
timeout $(( minutes * 60 + 120 )) dotnet "$COLORKERNELS_APPS"/Host/colorkernels.dll train .devtrain/photos --out "$run" $resume \
  --device cuda --width 0.25 --batch 32 --crop 88 --resize 96 --steps 100000 --lr 3e-4 --seed 1 \
  --checkpoint-every 200 --time-limit "$minutes" 2>&1 | tail -30 | tee "$out/train.txt"
cp "$run"/model.ckm "$run"/log.csv "$run"/loss.png "$out/" 2>/dev/null
# The optimiser state is 2x the model: bring it back only if it fits (16 MiB per file).
[ "$(stat -c %s "$run"/optimizer.ckm 2>/dev/null || echo 0)" -lt 16000000 ] && cp "$run"/optimizer.ckm "$out/"
ls -la "$out"
