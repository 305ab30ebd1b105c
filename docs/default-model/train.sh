#!/usr/bin/env bash
# How the built-in default model (docs/model-card.md) was trained, on the project's 2-core CPU machine.
# Photos: 6,000 of ../shared/data/train/imagenette/train and the 300 of train/bsds500, resized to 112x112
# (perf/gpu/pack_photos.py); ImageNet-derived: non-commercial research and education only. The packer then
# took the first 6,000 files (7 of the 10 classes); it now spreads them over all classes, so re-running
# these lines packs a different, better set.
set -euo pipefail
/usr/bin/python3 perf/gpu/pack_photos.py ../shared/data/train/imagenette/train /tmp/packed112 6000 112
/usr/bin/python3 perf/gpu/pack_photos.py ../shared/data/train/bsds500 /tmp/packed112/bsds 300 112
dotnet run --project Host -c Release -- train /tmp/packed112 --out /tmp/default-run/run --device cpu \
  --width 0.125 --batch 8 --crop 96 --resize 112 --steps 2200 --lr 1e-3 --schedule cosine --seed 1 \
  --checkpoint-every 100 --time-limit 62
# Stopped by --time-limit after 1,578 steps (12,624 photos seen, ~2 epochs); that was the first built-in model.
# Second session: the same run resumed, extended (a longer cosine: lr back up to 7e-4, then to 0 at the end).
# The first resume (--steps 4600) was stopped at its step-2,400 checkpoint and resumed again with --steps 5300:
dotnet run --project Host -c Release -- train /tmp/packed112 --out /tmp/default-run/run --device cpu \
  --width 0.125 --batch 8 --crop 96 --resize 112 --steps 5300 --lr 1e-3 --schedule cosine --seed 1 \
  --checkpoint-every 100 --time-limit 100 --resume
# Finished 5,300 steps (42,400 photos, ~7 epochs; 2.8 hours of CPU in all). The temperature (1.0) was chosen on
# 200 held-out Imagenette val photos (docs/model-card.md):
dotnet run --project Host -c Release -- model convert /tmp/default-run/run/model.ckm \
  -o Engine/Models/Data/default.ckm --float16 --input-size 224 --temperature 1
# To continue it (on the GPU machine: perf/gpu/train-default.sh), --resume from the run folder; better, train
# a wider model on more varied photos: more steps on these ten classes made it worse on imagenet-val.
