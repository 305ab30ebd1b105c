#!/usr/bin/env bash
# The general SOM + MLP model of docs/som-mlp-model-card.md, on this machine's CPU, from the repository root:
#   bash docs/som-mlp/general-model.sh OUT
# Photos: 2,000 Imagenette training photos (200 per class), the 1,849 of imagenet-mixed (about 1,000
# classes) and BSDS500's 300; 3x3 map, 5x5 patches, hidden 128,128, rebalanced loss, 2,000 steps of 256.
# Evaluated on all 400 photos of eval/imagenet-val and the 20 cc0-photos.
set -euo pipefail
out=${1:?output folder}
data=../shared/data
cli="dotnet Host/bin/Release/net10.0/colorkernels.dll"
dotnet build -c Release Host/Host.csproj > /dev/null
mkdir -p "$out/photos"
for class in "$data"/train/imagenette/train/*/; do
  mapfile -t picked < <(ls "$class" | sort | sed -n '1,200p')
  for f in "${picked[@]}"; do ln -sf "$(realpath "$class/$f")" "$out/photos/$(basename "$class")-$f"; done
done
for f in "$data"/train/imagenet-mixed/* "$data"/train/bsds500/*; do ln -sf "$(realpath "$f")" "$out/photos/$(basename "$(dirname "$f")")-$(basename "$f")"; done
[ -f "$out/run/model.ckm" ] || $cli train "$out/photos" --method som-mlp --som 3x3 --patch 5 --hidden 128,128 --steps 2000 \
  --batch 256 --loss rebalanced --seed 1 --out "$out/run" | tail -n 1 | tee "$out/train.txt"
$cli model info "$out/run/model.ckm" | tee "$out/info.txt"
$cli eval "$data/eval/imagenet-val" --model "$out/run/model.ckm" -o "$out/eval-imagenet-val" | tail -n 4 | tee "$out/eval-imagenet-val.txt"
$cli eval "$data/eval/cc0-photos" --model "$out/run/model.ckm" -o "$out/eval-cc0" | tail -n 4 | tee "$out/eval-cc0.txt"
