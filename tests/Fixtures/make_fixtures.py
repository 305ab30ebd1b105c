#!/usr/bin/python3
"""Makes the committed image fixtures that ImageSharp cannot write itself (Debian's python3-pil).

    /usr/bin/python3 tests/Fixtures/make_fixtures.py

cmyk.jpg: an 8x6 gradient stored as a CMYK (Adobe) JPEG; cmyk.expected.txt holds the RGB values
before the CMYK conversion, for a loose comparison (JPEG and CMYK round trips are lossy).
"""
from pathlib import Path
from PIL import Image

here = Path(__file__).parent
im = Image.new("RGB", (8, 6))
for y in range(6):
    for x in range(8):
        im.putpixel((x, y), (x * 32, y * 40, 200 - x * 20))
im.convert("CMYK").save(here / "cmyk.jpg", quality=100)
with open(here / "cmyk.expected.txt", "w") as f:
    for y in range(6):
        f.write(" ".join("%d,%d,%d" % im.getpixel((x, y)) for x in range(8)) + "\n")
