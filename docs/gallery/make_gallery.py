#!/usr/bin/python3
"""Builds the README's before/after gallery (Debian's python3-pil for the side-by-side layout only):

    dotnet run --project Host -c Release -- colorize samples/demo-bw -o /tmp/gallery-out --overwrite
    /usr/bin/python3 docs/gallery/make_gallery.py /tmp/gallery-out

For each bundled demo print it places the input (left) and the built-in model's output (right) side by
side, 480 pixels wide, as docs/gallery/NAME.jpg.
"""
import sys
from pathlib import Path
from PIL import Image

here = Path(__file__).parent
inputs = here / "../../samples/demo-bw"
outputs = Path(sys.argv[1])
for name in ("nagasaki-boats", "french-alpine-landscape", "locomotion-house-cat", "march-pastoral"):
    before = Image.open(inputs / (name + ".jpg")).convert("RGB")
    after = Image.open(outputs / (name + ".jpg")).convert("RGB")
    height = int(240 * before.height / before.width)
    pair = Image.new("RGB", (484, height), "white")
    pair.paste(before.resize((240, height), Image.LANCZOS), (0, 0))
    pair.paste(after.resize((240, height), Image.LANCZOS), (244, 0))
    pair.save(here / (name + ".jpg"), quality=85)
    print("wrote", here / (name + ".jpg"))
