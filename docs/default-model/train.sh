#!/usr/bin/env bash
# How the built-in default model (docs/model-card.md) was trained: one run on the project's 2-core CPU
# machine (ILGPU CPU accelerator), 100 minutes. Photos: every Imagenette photo but 200 held-out ones, and 240
# of BSDS500's 300, resized to 112 x 112 (docs/default-model/pack.py); ImageNet-derived: non-commercial
# research and education only.
set -euo pipefail
/usr/bin/python3 docs/default-model/pack.py ../shared/data /tmp/ck-default
dotnet run --project Host -c Release -- train /tmp/ck-default/photos --out /tmp/ck-default/run --device cpu \
  --width 0.125 --batch 8 --crop 96 --resize 112 --steps 3600 --lr 1e-3 --schedule cosine --seed 3 \
  --checkpoint-every 100 --val /tmp/ck-default/bsds-heldout --val-every 300 --time-limit 100
# Stopped by --time-limit after 3,384 of the 3,600 planned steps (27,072 photos seen, 2.3 epochs; the cosine
# learning rate was down to 9e-6, 0.9% of its peak). Input size (112) and temperature (1.0) were chosen on
# the ivA half of eval/imagenet-val (docs/model-card.md):
dotnet run --project Host -c Release -- model convert /tmp/ck-default/run/model.ckm \
  -o Engine/Models/Data/default.ckm --float16 --input-size 112 --temperature 1
# The evaluation in the model card:
dotnet run --project Host -c Release -- eval ../shared/data/eval/imagenet-val -m default -o /tmp/ck-eval-imagenet
dotnet run --project Host -c Release -- eval /tmp/ck-default/ivB -m default -o /tmp/ck-eval-ivB
dotnet run --project Host -c Release -- eval ../shared/data/eval/cc0-photos -m default -o /tmp/ck-eval-cc0
# To continue it (on the GPU machine: perf/gpu/train-default.sh), --resume from the run folder with a larger
# --steps; better, a wider model (--width 0.25 or more) for longer.
