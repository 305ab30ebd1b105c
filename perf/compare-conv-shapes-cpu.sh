#!/usr/bin/env bash
# Every distinct conv shape of ECCV16 on the CPU: ColorKernels' CPU accelerator (its variants, or the one
# --conv names) against Debian's python3-torch (CPU, as many threads as cores), in one run, joined by shape.
#   bash perf/compare-conv-shapes-cpu.sh WIDTH SIZE BATCH [gemm|direct|tiled|tiled-large]
# Writes $OUT (default /tmp/conv-shapes-cpu)/conv-shapes.txt. Needs a Release build of perf/.
set -euo pipefail
width=${1:-1} size=${2:-256} batch=${3:-1} variant=${4:-}
out=${OUT:-/tmp/conv-shapes-cpu}
mkdir -p "$out"
dotnet build perf -c Release -v q -nologo > /dev/null
dotnet perf/bin/Release/net10.0/Perf.dll --device cpu --filter conv-shapes --widths "$width" --net-size "$size" --batch "$batch" \
  ${variant:+--conv "$variant"} > "$out/conv-shapes-ck.txt"
/usr/bin/python3 perf/torch/conv_shapes_cuda.py "$width" "$size" "$batch" off cpu > "$out/conv-shapes-torch-fp32.txt"
cp "$out/conv-shapes-torch-fp32.txt" "$out/conv-shapes-torch-default.txt"   # TF32 is a GPU setting: one CPU run serves both columns
{ grep '^#' "$out/conv-shapes-ck.txt"; awk -f perf/gpu/join_shapes.awk "$out/conv-shapes-ck.txt" "$out/conv-shapes-torch-fp32.txt" "$out/conv-shapes-torch-default.txt"; } \
  | tee "$out/conv-shapes.txt"
