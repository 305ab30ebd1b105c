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
from PIL import Image

data, out = Path(sys.argv[1]), Path(sys.argv[2])
photos = lambda folder: sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
for sub in ("photos", "valset", "bsds-heldout", "ivA", "ivB"):
    (out / sub).mkdir(parents=True, exist_ok=True)

val = photos(data / "train/imagenette/val")
held = set(val[16::17][:200])
for p in held:
    shutil.copy(p, out / "valset" / (p.parent.name + "_" + p.name))
n = 0
for p in photos(data / "train/imagenette"):
    if p in held:
        continue
    Image.open(p).convert("RGB").resize((112, 112), Image.BICUBIC).save(out / "photos" / ("%05d.jpg" % n), quality=90)
    n += 1
b = 0
for i, p in enumerate(photos(data / "train/bsds500")):
    if i % 5 == 0:
        shutil.copy(p, out / "bsds-heldout" / p.name)
        continue
    Image.open(p).convert("RGB").resize((112, 112), Image.BICUBIC).save(out / "photos" / ("b%04d.jpg" % b), quality=90)
    b += 1
for i, p in enumerate(photos(data / "eval/imagenet-val")):
    link = out / ("ivA" if i % 2 == 0 else "ivB") / p.name
    if not link.exists():
        link.symlink_to(p.resolve())
print("packed", n, "Imagenette and", b, "BSDS500 photos;", len(held), "held out of Imagenette val, 60 of BSDS500")
