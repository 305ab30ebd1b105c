#!/usr/bin/env bash
# One visit to the GPU machine (see ../shared/device/README.md): correctness on CUDA first, then timings.
# Prepare here (no GPU needed), from the repository root:
#   perf/gpu/prepare.sh
# Then the device tool's run with carry [".devrt"] and command:
#   bash perf/gpu/device-checks.sh
# Everything it prints is also written under $OUT (devices.txt, tests.log, perf-cuda.txt); copy the
# numbers into perf/NOTES.md with the card and commit. Ends in about 6 minutes (naive kernels; the
# PyTorch reference there runs on that machine's CPU, 16 threads).
set -uo pipefail
source .devrt/env.sh
out=${OUT:-/tmp/colorkernels-device-out}
mkdir -p "$out"
cat .devrt/commit.txt 2>/dev/null | tee "$out/commit.txt"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$out/gpu.txt"

echo "== devices"
timeout 60 dotnet .devrt/ColorKernels.Tests/colorkernels.dll devices 2>&1 | tee "$out/devices.txt"

echo "== kernel tests on every accelerator (CPU accelerator and CUDA)"
# The ONNX export tests need ONNX Runtime's native library, which prepare.sh leaves out (carry size).
timeout 300 dotnet exec .devrt/vstest/vstest.console.dll .devrt/ColorKernels.Tests/ColorKernels.Tests.dll \
  '/TestCaseFilter:FullyQualifiedName!~OnnxExport' 2>&1 | tee "$out/tests.log" | grep -E "Failed |Passed!|Failed!|Total tests|error" | head -60

echo "== perf on CUDA: Lab, forward (width 0.25 and 1, batch 1 and 32), training step (batch 32)"
timeout 240 bash -c 'dotnet .devrt/Perf/Perf.dll --device cuda --size 4096x4096 --filter lab;
  dotnet .devrt/Perf/Perf.dll --device cuda --filter forward --widths 0.25,1 --batch 1;
  dotnet .devrt/Perf/Perf.dll --device cuda --filter forward --widths 0.25,1 --batch 32;
  dotnet .devrt/Perf/Perf.dll --device cuda --filter train-step --widths 0.25 --batch 32' 2>&1 | tee "$out/perf-cuda.txt"
echo "== perf on the CPU accelerator of the GPU machine (16 cores)"
timeout 120 dotnet .devrt/Perf/Perf.dll --device cpu --size 2048x2048 --filter lab 2>&1 | tee "$out/perf-cpu.txt"
