#!/usr/bin/env bash
# ColorKernels against PyTorch/cuDNN on the same card, the same shapes, in one run (the fast-kernel issue's
# comparison). Run on the GPU machine after perf/gpu/prepare.sh here: bash perf/gpu/compare.sh
# Prints one line per case: ColorKernels ms, PyTorch FP32 (TF32 off) ms, PyTorch default ms, and the ratios
# (> 1: ColorKernels faster). Also writes $OUT/compare.txt.
set -uo pipefail
source .devrt/env.sh
export COLORKERNELS_PERF_TORCH_CPU=0   # the CPU reference is not what this compares against
out=${OUT:-/tmp/colorkernels-device-out}
mkdir -p "$out"
ck() {  # mode width size batch -> ms per step on CUDA, from the profiler-free benchmark
  local mode=$1 width=$2 size=$3 batch=$4
  if [ "$mode" = forward ]; then
    dotnet "$COLORKERNELS_APPS"/Perf/Perf.dll --device cuda --filter forward --widths "$width" --net-size "$size" --batch "$batch" 2>/dev/null \
      | awk '/ fused /{print $4 * '"$batch"'; exit}'
  else
    dotnet "$COLORKERNELS_APPS"/Perf/Perf.dll --device cuda --filter train-step --widths "$width" --net-size "$size" --batch "$batch" 2>/dev/null \
      | awk '/ms\/img/{print $3 * '"$batch"'; exit}'
  fi
}
torch() { python3 perf/torch/eccv16_cuda.py "$@" 2>/dev/null | awk '{print $2}'; }
{
  printf "%-8s %5s %5s %5s %12s %12s %12s %8s %8s\n" mode width size batch colorkernels torch_fp32 torch_default vs_fp32 vs_default
  for c in "forward 1 256 1" "forward 1 256 32" "forward 0.25 256 32" "train 1 176 32" "train 0.25 176 32"; do
    set -- $c
    a=$(ck "$@"); b=$(torch "$1" "$2" "$3" "$4" off); d=$(torch "$1" "$2" "$3" "$4" default)
    printf "%-8s %5s %5s %5s %12s %12s %12s %8s %8s\n" "$1" "$2" "$3" "$4" "$a" "$b" "$d" \
      "$(awk -v a="$a" -v b="$b" 'BEGIN{if(a>0)printf "%.3f", b/a}')" "$(awk -v a="$a" -v b="$d" 'BEGIN{if(a>0)printf "%.3f", b/a}')"
  done
} 2>&1 | tee "$out/compare.txt"

# Each distinct conv shape of the net at width 1, 256x256, batch 32 (the issue's "each distinct conv shape"):
# ColorKernels' direct and tiled kernels and PyTorch, forward and backward (data + weight gradients), ms.
# The ratio columns are PyTorch ms / tiled ms (> 1: ColorKernels faster).
{
  timeout 200 dotnet "$COLORKERNELS_APPS"/Perf/Perf.dll --device cuda --filter conv-shapes --widths 1 --net-size 256 --batch 32 2>&1 \
    | tee "$out/conv-shapes-ck.txt" | grep -v '^conv-shape'
  timeout 90 python3 perf/torch/conv_shapes_cuda.py 1 256 32 off > "$out/conv-shapes-torch-fp32.txt" 2>&1
  timeout 90 python3 perf/torch/conv_shapes_cuda.py 1 256 32 default > "$out/conv-shapes-torch-default.txt" 2>&1
  awk -f perf/gpu/join_shapes.awk "$out/conv-shapes-ck.txt" "$out/conv-shapes-torch-fp32.txt" "$out/conv-shapes-torch-default.txt"
} 2>&1 | tee "$out/conv-shapes.txt"
