#!/usr/bin/env python3
"""Draws docs/hints/hints-psnr.svg from `perf --filter hints` outputs (the report half of each data set).

usage: python3 docs/hints/plot.py OUT.svg NAME=perf-output.txt [NAME=perf-output.txt ...]
No plotting library: plain SVG, so the figure can be remade anywhere python3 is.
"""
import re
import sys

def rows(path):
    text = open(path).read()
    header = next(l for l in text.splitlines() if l.strip().startswith("model"))
    counts = [int(k) for k in re.findall(r"PSNR k=(\d+)", header)]
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) > 4 and "report" in parts:
            i = parts.index("report")
            model = parts[0]
            setting = " ".join(parts[1:i])
            if setting in ("network only", "network + propagation"):
                model = "hint network" if setting == "network only" else "hint network + propagation"
            elif setting != "default":
                continue   # other settings of the same model (bilinear upsampling ...): the plot shows the defaults
            values = [float(v) for v in parts[i + 1:i + 1 + 2 * len(counts)]]
            out[model] = (counts, values[0::2])
    return out

def main():
    target = sys.argv[1]
    sets = [a.split("=", 1) for a in sys.argv[2:]]
    width, height, pad = 360, 260, 46
    colours = {"default": "#2f6fde", "general.ckm": "#d9822b", "none": "#5b8c3a", "hint network": "#b0306a", "hint network + propagation": "#7a3fb0"}
    names = {"default": "built-in ECCV16", "general.ckm": "SOM + MLP general", "none": "no model (from grey)",
             "hint network": "hint network alone", "hint network + propagation": "hint network + propagation"}
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * len(sets)}" height="{height + 60}" font-family="sans-serif" font-size="11">']
    for s, (name, path) in enumerate(sets):
        data = rows(path)
        ox = s * width
        all_values = [v for _, vs in data.values() for v in vs]
        lo, hi = int(min(all_values)) - 1, int(max(all_values)) + 2
        counts = next(iter(data.values()))[0]
        x = lambda i: ox + pad + i * (width - pad - 14) / (len(counts) - 1)
        y = lambda v: 20 + (hi - v) * (height - 50) / (hi - lo)
        svg.append(f'<text x="{ox + width / 2}" y="13" text-anchor="middle" font-weight="bold">{name} (report half)</text>')
        for v in range(lo, hi + 1):
            svg.append(f'<line x1="{ox + pad}" x2="{ox + width - 14}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e6ea"/>')
            svg.append(f'<text x="{ox + pad - 5}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
        for i, k in enumerate(counts):
            svg.append(f'<text x="{x(i):.1f}" y="{height - 14}" text-anchor="middle">{k}</text>')
        svg.append(f'<text x="{ox + width / 2}" y="{height + 2}" text-anchor="middle">simulated hints</text>')
        svg.append(f'<text transform="translate({ox + 12},{height / 2}) rotate(-90)" text-anchor="middle">PSNR (dB)</text>')
        for model, (_, values) in data.items():
            c = colours.get(model, "#444")
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
            svg.append(f'<polyline points="{points}" fill="none" stroke="{c}" stroke-width="2"/>')
            for i, v in enumerate(values):
                svg.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{c}"/>')
    shown = [m for m in names if any(m in rows(path) for _, path in sets)]
    for j, model in enumerate(shown):
        row, col = divmod(j, 3)
        svg.append(f'<rect x="{pad + col * 190}" y="{height + 22 + 16 * row}" width="10" height="10" fill="{colours[model]}"/>')
        svg.append(f'<text x="{pad + col * 190 + 14}" y="{height + 31 + 16 * row}">{names[model]}</text>')
    svg.append("</svg>")
    open(target, "w").write("\n".join(svg) + "\n")

main()
