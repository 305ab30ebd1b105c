#!/usr/bin/env bash
# Trains (or continues) the default model on the GPU machine within a time budget.
# Prepare here:
#   perf/gpu/prepare.sh
#   /usr/bin/python3 perf/gpu/pack_photos.py ../shared/data/train/imagenette/train .devrt/photos 900 96   (carry limit)
#   # to continue an earlier visit's run, copy its model.ckm and optimizer.ckm into .devrt/run/
# Then the device tool's run with carry [".devrt"] and: bash perf/gpu/train-default.sh MINUTES
# The run folder comes back under $OUT (model.ckm ~8 MB at width 0.25, optimizer.ckm ~16 MB, log.csv,
# loss.png); keep both .ckm files (in an ignored folder) for the next visit's --resume.
set -uo pipefail
source .devrt/env.sh
out=${OUT:-/tmp/colorkernels-device-out}
minutes=${1:-7}
mkdir -p .devrt/run
resume=""
[ -f .devrt/run/model.ckm ] && resume="--resume"
# Width 0.25 (2.0 M parameters, 5.4 GFLOP per 256x256 picture), crops of 88 from 96x96 photos.
timeout $(( minutes * 60 + 120 )) dotnet .devrt/ColorKernels.Tests/colorkernels.dll train .devrt/photos --out .devrt/run $resume \
  --device cuda --width 0.25 --batch 32 --crop 88 --resize 96 --steps 100000 --lr 3e-4 --seed 1 \
  --checkpoint-every 200 --time-limit "$minutes" 2>&1 | tail -30 | tee "$out/train.txt"
cp .devrt/run/model.ckm .devrt/run/log.csv .devrt/run/loss.png "$out/" 2>/dev/null
# The optimiser state is 2x the model: bring it back only if it fits (16 MiB per file).
[ "$(stat -c %s .devrt/run/optimizer.ckm 2>/dev/null || echo 0)" -lt 16000000 ] && cp .devrt/run/optimizer.ckm "$out/"
ls -la "$out"
