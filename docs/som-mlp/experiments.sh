#!/usr/bin/env bash
# The SOM + MLP measurements of docs/som-mlp.md, on this machine's CPU (2 cores), from the repository root:
#   bash docs/som-mlp/experiments.sh OUT
# 1. A general model per map size and loss: 2,000 Imagenette training photos (200 per class, 224 px), 1,000
#    steps of 256 patches, 5x5 patches, hidden 128,128; patch accuracy and balanced accuracy on held-out
#    patches against the majority class (printed by train).
# 2. Each model on 100 photos of eval/imagenet-val (every fourth): rebalanced AuC and chroma against greyscale.
# 3. Reference mode on pairs of photo halves (10 cc0-photos, 10 BSDS500): perf's som-reference benchmark.
set -euo pipefail
out=${1:?output folder}
mkdir -p "$out/photos" "$out/val"
data=../shared/data
cli="dotnet Host/bin/Release/net10.0/colorkernels.dll"
perf="dotnet perf/bin/Release/net10.0/Perf.dll"
dotnet build -c Release Host/Host.csproj > /dev/null
dotnet build -c Release perf/Perf.csproj > /dev/null
for class in "$data"/train/imagenette/train/*/; do
  mapfile -t picked < <(ls "$class" | sort | sed -n '1,200p')
  for f in "${picked[@]}"; do ln -sf "$(realpath "$class/$f")" "$out/photos/$(basename "$class")-$f"; done
done
mapfile -t picked < <(ls "$data"/eval/imagenet-val | sort | awk 'NR % 4 == 1')
for f in "${picked[@]}"; do ln -sf "$(realpath "$data/eval/imagenet-val/$f")" "$out/val/$f"; done
models=()
for som in 2x2 3x3 4x4 10x10; do
  for loss in ce rebalanced; do
    run="$out/run-$som-$loss"
    [ -f "$run/model.ckm" ] || $cli train "$out/photos" --method som-mlp --som "$som" --patch 5 --hidden 128,128 --steps 1000 \
      --batch 256 --loss "$loss" --seed 1 --out "$run" | tail -n 1 | tee "$run.txt"
    models+=(--model "$run/model.ckm")
  done
done
$cli eval "$out/val" "${models[@]}" -o "$out/eval" | tail -n 12 | tee "$out/eval.txt"
$perf --device cpu --filter som-reference --data "$data/eval/cc0-photos" --limit 10 | tee "$out/reference-cc0.txt"
$perf --device cpu --filter som-reference --data "$data/train/bsds500" --limit 10 | tee "$out/reference-bsds.txt"
