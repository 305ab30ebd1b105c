#!/usr/bin/python3
"""Packs training photos small enough to travel to the GPU machine (64 MiB per call, runtime included).

    /usr/bin/python3 perf/gpu/pack_photos.py SRC_FOLDER .devrt/photos [COUNT] [SIZE]

Takes COUNT photos (default 3000) spread evenly over SRC_FOLDER's files (recursive, sorted, so every
class folder contributes in proportion), resizes each to
SIZE x SIZE (default 128, aspect not kept, as the training pipeline does anyway) and writes JPEG q90:
about 4 KB each. Needs Debian's python3-pil. The photos keep their source's terms (see
../shared/data/README.md): they are for training only and are never committed.
"""
import sys
from pathlib import Path
from PIL import Image

def photo_files(folder):
    """Every photo under folder (recursive), sorted: the order every packer indexes into."""
    return sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def pack_one(source, target, size):
    """One photo as the training packs store it: RGB, SIZE x SIZE bicubic (aspect not kept), JPEG q90."""
    Image.open(source).convert("RGB").resize((size, size), Image.BICUBIC).save(target, quality=90)


def main():
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 128
    files = photo_files(src)
    # Evenly spaced indices: a fixed step (len // count) rounds down to 1 whenever count > len / 2 and then
    # takes the first COUNT files, which are the first class folders only (the default model's first
    # training set lost three of Imagenette's ten classes that way).
    count = min(count, len(files))
    picked = [files[i * len(files) // count] for i in range(count)]
    dst.mkdir(parents=True, exist_ok=True)
    written = 0
    for i, p in enumerate(picked):
        try:
            pack_one(p, dst / ("%05d.jpg" % i), size)
            written += 1
        except OSError as e:
            print("skipped", p, e)
    print("packed", written, "photos into", dst)


if __name__ == "__main__":
    main()
