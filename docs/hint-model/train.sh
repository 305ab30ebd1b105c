#!/usr/bin/env bash
# How the built-in hint network (docs/hint-model-card.md, --model hints) was trained: one run on the
# project's 2-core CPU machine (ILGPU CPU accelerator), about 75 minutes, on the default model's photos
# (docs/default-model/pack.py: Imagenette and BSDS500 at 112 x 112; ImageNet-derived: non-commercial
# research and education only), starting from the built-in ECCV16 model's trunk.
set -euo pipefail
/usr/bin/python3 docs/default-model/pack.py ../shared/data /tmp/ck-default
dotnet run --project Host -c Release -- train /tmp/ck-default/photos --out /tmp/ck-hints/run --device cpu \
  --hints --init default --batch 8 --crop 96 --resize 112 --steps 900 --lr 5e-4 --schedule cosine --seed 5 \
  --checkpoint-every 25 --val /tmp/ck-default/bsds-heldout --val-every 150 --time-limit 85
dotnet run --project Host -c Release -- model convert /tmp/ck-hints/run/model.ckm \
  -o Engine/Models/Data/hints.ckm --float16 --input-size 112 --temperature 1
# The measurement in the card and in docs/hints.md (docs/hints/runs/hints-network-*.txt):
dotnet build perf/Perf.csproj -c Release
for set in imagenet-val cc0-photos; do
  limit=40; [ $set = cc0-photos ] && limit=20
  PERF_VARIANTS=default PERF_MODELS=default,none,Engine/Models/Data/hints.ckm \
    dotnet perf/bin/Release/net10.0/Perf.dll --device cpu --filter hints --data ../shared/data/eval/$set --limit $limit
done
