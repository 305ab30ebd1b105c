#!/usr/bin/env bash
# One device call that does the GPU issue's first two items in order, within one 10-minute command:
#   1. correctness: device-checks.sh stages a-d (driver, devices, every kernel's PTX through ptxas, every
#      test case that runs on cuda:0), benchmarks skipped (CHECKS_BENCHMARKS=0);
#   2. speed: compare.sh (ColorKernels against PyTorch on the same card), with the time left;
#   3. a film's frames/s at 1080p and 720p, device or ffmpeg bound (film.sh), if 90 s are still left.
# Prepare here with perf/gpu/prepare.sh; run with carry [".devrt"], timeout_s 600:
#   bash perf/gpu/visit.sh            (or: bash perf/gpu/visit.sh profile, for the per-kernel shares instead)
# The device tool brings back at most 8 files, so everything is also packed as $OUT/visit.tar.gz; the
# summary, the comparison and the shapes table come back as files of their own too.
set -uo pipefail
cd "$(dirname "$0")/../.."
final=${OUT:-/tmp/colorkernels-device-out}
work=$(mktemp -d)
mkdir -p "$final" "$work/checks" "$work/compare"
start=$SECONDS
budget=${VISIT_SECONDS:-570}
OUT="$work/checks" CHECKS_BENCHMARKS=0 timeout 330 bash perf/gpu/device-checks.sh
echo "device-checks exit $? after $((SECONDS - start)) s"
{ command -v ffmpeg || echo "ffmpeg: not on this machine"; } | tee "$work/checks/ffmpeg.txt"
left=$((budget - (SECONDS - start)))
if [ "$left" -gt 60 ] && grep -q "stage b (devices): cuda:0 ok" "$work/checks/summary.txt"; then
  if [ "${1:-compare}" = profile ]; then
    # Where the time goes (the profiler's per-kernel shares) in the cases compare.sh times against PyTorch.
    source .devrt/env.sh
    export COLORKERNELS_PERF_TORCH_CPU=0
    timeout "$left" bash -c "dotnet $COLORKERNELS_APPS/Perf/Perf.dll --device cuda --filter forward --widths 1 --net-size 256 --batch 32;
      dotnet $COLORKERNELS_APPS/Perf/Perf.dll --device cuda --filter train-step --widths 1 --net-size 176 --batch 32" > "$work/compare/profile.txt" 2>&1
    echo "profile exit $? after $((SECONDS - start)) s"
    cp "$work/compare/profile.txt" "$final/"
  else
    OUT="$work/compare" timeout "$left" bash perf/gpu/compare.sh
    echo "compare exit $? after $((SECONDS - start)) s"
  fi
  # A film's frames/s at 1080p and 720p (film.sh), with what is left.
  left=$((budget - (SECONDS - start)))
  if [ "$left" -gt 90 ]; then
    mkdir -p "$work/film"
    OUT="$work/film" timeout "$left" bash perf/gpu/film.sh
    echo "film exit $? after $((SECONDS - start)) s"
    cp "$work/film/film.txt" "$final/" 2>/dev/null
  fi
fi
tar -C "$work" -czf "$final/visit.tar.gz" .
cp "$work/checks/summary.txt" "$final/" 2>/dev/null
cp "$work/compare/compare.txt" "$work/compare/conv-shapes.txt" "$final/" 2>/dev/null
cp "$work/checks/d-tests.log" "$final/" 2>/dev/null
cat "$final/summary.txt" 2>/dev/null
