#!/usr/bin/env bash
# How the built-in default model (docs/model-card.md) was trained, on the project's 2-core CPU machine.
# Photos: 6,000 of ../shared/data/train/imagenette/train and the 300 of train/bsds500, resized to 112x112
# (perf/gpu/pack_photos.py); ImageNet-derived: non-commercial research and education only.
set -euo pipefail
/usr/bin/python3 perf/gpu/pack_photos.py ../shared/data/train/imagenette/train /tmp/packed112 6000 112
/usr/bin/python3 perf/gpu/pack_photos.py ../shared/data/train/bsds500 /tmp/packed112/bsds 300 112
dotnet run --project Host -c Release -- train /tmp/packed112 --out /tmp/default-run/run --device cpu \
  --width 0.125 --batch 8 --crop 96 --resize 112 --steps 2200 --lr 1e-3 --schedule cosine --seed 1 \
  --checkpoint-every 100 --time-limit 62
# Stopped by --time-limit after 1,578 steps (12,624 photos seen, ~2 epochs). Then:
dotnet run --project Host -c Release -- model convert /tmp/default-run/run/model.ckm \
  -o Engine/Models/Data/default.ckm --float16 --input-size 224
# To continue it (on the GPU machine: perf/gpu/train-default.sh), --resume from the run folder.
