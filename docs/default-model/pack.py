#!/usr/bin/python3
"""Packs the default model's training photos and its held-out selection sets (Debian's python3-pil):

    /usr/bin/python3 docs/default-model/pack.py ../shared/data /tmp/ck-default

Writes, under the output folder:
  photos/         every Imagenette photo (train and val splits) except the held-out ones, and 240 of
                  BSDS500's 300, resized to 112 x 112 (aspect not kept, as training does anyway): 11,780
  valset/         200 held-out Imagenette val photos (files 16, 33, 50, ... of the sorted val split), originals
  bsds-heldout/   every 5th BSDS500 photo (60), originals: the run's --val folder (out-of-class photos)
  ivA/, ivB/      links to eval/imagenet-val split by alternate sorted file: the input size and the model
                  were chosen on ivA only; ivB is reported as untouched (docs/model-card.md)
The photos keep their sources' terms (ImageNet: non-commercial research and education); never commit them.
"""
import shutil, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "perf/gpu"))
from pack_photos import pack_one, photo_files  # the same photo listing and resize recipe as the GPU packs

data, out = Path(sys.argv[1]), Path(sys.argv[2])
for sub in ("photos", "valset", "bsds-heldout", "ivA", "ivB"):
    (out / sub).mkdir(parents=True, exist_ok=True)

val = photo_files(data / "train/imagenette/val")
held = set(val[16::17][:200])
for p in held:
    shutil.copy(p, out / "valset" / (p.parent.name + "_" + p.name))
n = 0
for p in photo_files(data / "train/imagenette"):
    if p in held:
        continue
    pack_one(p, out / "photos" / ("%05d.jpg" % n), 112)
    n += 1
b = 0
for i, p in enumerate(photo_files(data / "train/bsds500")):
    if i % 5 == 0:
        shutil.copy(p, out / "bsds-heldout" / p.name)
        continue
    pack_one(p, out / "photos" / ("b%04d.jpg" % b), 112)
    b += 1
for i, p in enumerate(photo_files(data / "eval/imagenet-val")):
    link = out / ("ivA" if i % 2 == 0 else "ivB") / p.name
    if not link.exists():
        link.symlink_to(p.resolve())
print("packed", n, "Imagenette and", b, "BSDS500 photos;", len(held), "held out of Imagenette val, 60 of BSDS500")
