#!/usr/bin/env bash
# One visit to the GPU machine (../shared/device/README.md), in stages that stop at the first failure and
# say why. Prepare here (no GPU needed), from the repository root:
#   perf/gpu/prepare.sh
# Then the device tool's run with carry [".devrt"], timeout_s 600 and command:
#   bash perf/gpu/device-checks.sh
# Stages (a-d take under 4 minutes; the whole script fits one 10-minute call):
#   a  environment: nvidia-smi, the libcuda files present, LD_LIBRARY_PATH     (fails: no NVIDIA driver at all)
#   b  `devices --verbose` must list cuda:0 as ok                               (fails: ILGPU cannot use CUDA; the row says why)
#   c  every kernel's PTX, as ILGPU emits it for this card, assembled by ptxas  (fails: a kernel the driver would reject)
#   d  the kernel tests with CUDA required (COLORKERNELS_TEST_REQUIRE=cuda)     (fails: a kernel wrong on CUDA)
#   e  benchmarks on CUDA (Lab, forward at batch 1 and 32, a training step)    (only timings; compare.sh has PyTorch)
# Each stage's output goes under $OUT (a-env.txt ... e-perf.txt) and a summary.txt says how far it got.
#
#   bash perf/gpu/device-checks.sh --dry-run
# runs the same stages here, on the CPU accelerator and the local Debug build (after `dotnet test`; it builds
# the benchmarks if missing), skipping what needs a GPU (CI runs it, so the script cannot rot between visits).
set -uo pipefail
cd "$(dirname "$0")/../.."

dry=0
[ "${1:-}" = "--dry-run" ] && dry=1
out=${OUT:-/tmp/colorkernels-device-out}
mkdir -p "$out"
if [ "$dry" = 1 ]; then
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  bin=tests/bin/Debug/net10.0
  cli="dotnet $bin/colorkernels.dll"
  perf="dotnet perf/bin/Debug/net10.0/Perf.dll"
  vstest=(dotnet vstest)
  # `dotnet test` builds the tests (and the CLI they carry) but not the benchmarks.
  [ -f perf/bin/Debug/net10.0/Perf.dll ] || dotnet build perf/Perf.csproj > /dev/null
  for f in "$bin/colorkernels.dll" "$bin/ColorKernels.Tests.dll" perf/bin/Debug/net10.0/Perf.dll; do
    [ -f "$f" ] || { echo "device-checks: $f missing: run 'dotnet build ColorKernels.sln' first" >&2; exit 2; }
  done
  kind=cpu
else
  [ -f .devrt/env.sh ] || { echo "device-checks: .devrt/ missing: run perf/gpu/prepare.sh here and carry .devrt" >&2; exit 2; }
  source .devrt/env.sh
  export COLORKERNELS_REPO=$PWD   # tests that read repository files find them from /tmp through this
  bin=$COLORKERNELS_APPS/ColorKernels.Tests
  cli="dotnet $bin/colorkernels.dll"
  perf="dotnet $COLORKERNELS_APPS/Perf/Perf.dll"
  vstest=(dotnet exec "$COLORKERNELS_APPS/vstest/vstest.console.dll")
  kind=cuda
fi
summary="$out/summary.txt"
: > "$summary"
note() { echo "$*" | tee -a "$summary"; }
fail() {  # stage, what it means
  note "STAGE $1 FAILED: $2"
  note "stopped at stage $1 (outputs under $out)"
  exit 1
}
note "device-checks: commit $(cat .devrt/commit.txt 2>/dev/null || git rev-parse --short HEAD 2>/dev/null), $( [ "$dry" = 1 ] && echo "dry run on the CPU" || echo "GPU visit"), $(date -u '+%Y-%m-%d %H:%M UTC')"

echo "== a: environment"
{
  echo "nvidia-smi:"; nvidia-smi 2>&1 || echo "(nvidia-smi not found or failed)"
  echo; echo "nvidia-smi query:"; nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv 2>&1
  echo; echo "/proc/driver/nvidia/version:"; cat /proc/driver/nvidia/version 2>&1
  echo; echo "libcuda files:"
  ls -l /usr/lib/x86_64-linux-gnu/libcuda.so* /usr/lib64/libcuda.so* /usr/local/nvidia/lib64/libcuda.so* \
    /usr/lib/wsl/lib/libcuda.so* /usr/local/cuda/compat/libcuda.so* 2>/dev/null || echo "(none in the usual folders)"
  echo; echo "ldconfig -p | grep libcuda:"; ldconfig -p 2>/dev/null | grep libcuda || echo "(none in the loader cache)"
  echo; echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  echo "ptxas: $(command -v ptxas || ls /usr/local/cuda/bin/ptxas 2>/dev/null || echo 'not found')"
} > "$out/a-env.txt" 2>&1
grep -E "^(LD_LIBRARY_PATH|ptxas)|libcuda" "$out/a-env.txt" | head -12
if [ "$dry" = 0 ]; then
  if ! nvidia-smi >/dev/null 2>&1 && ! grep -q "libcuda.so" "$out/a-env.txt"; then
    fail a "no NVIDIA driver: nvidia-smi fails and no libcuda.so* anywhere usual (this machine cannot run CUDA; see a-env.txt)"
  fi
fi
note "stage a (environment): ok"

echo "== b: devices --verbose"
timeout 90 $cli devices --verbose > "$out/b-devices.txt" 2>&1
cat "$out/b-devices.txt" | grep -v "^cuda: load" | head -20
if ! grep -qE "^\*? +$kind:0 .* ok$" "$out/b-devices.txt"; then
  fail b "devices does not list $kind:0 as ok: ILGPU cannot use it; the $kind row's reason and the cuda: lines in b-devices.txt say why (library not loadable: set COLORKERNELS_CUDA_LIBRARY to libcuda.so.1's path; cuInit failed: the driver or the container's device mounts)"
fi
note "stage b (devices): $kind:0 ok"

echo "== c: every kernel's PTX, assembled by ptxas"
ptxdir=$(mktemp -d)
ptxas=$(command -v ptxas || { [ -x /usr/local/cuda/bin/ptxas ] && echo /usr/local/cuda/bin/ptxas; } || true)
cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d ' .')
[ -n "$cc" ] || cc=90
{
  # On the GPU machine Perf ptx compiles for the CUDA device it finds (architecture, driver, instruction set).
  timeout 120 $perf ptx --out "$ptxdir" || echo "PTX-COMPILE-FAILED"
  if [ -n "$ptxas" ]; then
    "$ptxas" --version | tail -n 1
    for f in "$ptxdir"/*.ptx; do
      if ! err=$("$ptxas" -arch="sm_$cc" "$f" -o /dev/null 2>&1); then
        echo "PTXAS-FAILED $(basename "$f" .ptx): $err"
      fi
    done
    echo "ptxas -arch=sm_$cc: $(ls "$ptxdir"/*.ptx | wc -l) files assembled"
  else
    echo "ptxas not found: PTX written but not assembled"
  fi
} > "$out/c-ptxas.txt" 2>&1
grep -vE "^$" "$out/c-ptxas.txt" | tail -n 8
rm -rf "$ptxdir"
grep -qE "PTX-COMPILE-FAILED|: unresolved " "$out/c-ptxas.txt" && fail c "ILGPU could not compile every kernel to PTX (c-ptxas.txt names them)"
grep -q "PTXAS-FAILED" "$out/c-ptxas.txt" && fail c "ptxas rejects the PTX of $(grep -c PTXAS-FAILED "$out/c-ptxas.txt") kernel(s): the driver's JIT would too (c-ptxas.txt has ptxas's messages)"
if [ -z "$ptxas" ] && [ "$dry" = 0 ]; then note "stage c: ptxas not found on the GPU machine: PTX compiled, not assembled"; fi
note "stage c (PTX): ok"

echo "== d: kernel tests, $kind required"
if [ "$dry" = 1 ]; then
  # Here: a few test classes on the CPU accelerator, enough to prove the runner, the filter and the switch work.
  filter='FullyQualifiedName~Ops.LabTests|FullyQualifiedName~RequiredDeviceTests'
else
  # The ONNX export tests need ONNX Runtime's native library, which prepare.sh leaves out (carry size);
  # the video tests need ffmpeg and the browser test chromium, run only where the machine has them.
  # By default only the cases that run on CUDA (their display name carries the device id "cuda:0"), plus the
  # test that CUDA is required: the CPU-accelerator cases are CI's, and on the GPU machine the whole suite
  # would not fit the visit. CHECKS_ALL_TESTS=1 runs everything the machine can (minutes more).
  if [ "${CHECKS_ALL_TESTS:-0}" = 1 ]; then
    filter='FullyQualifiedName!~OnnxExport'
    command -v ffmpeg > /dev/null && command -v ffprobe > /dev/null || filter="$filter&FullyQualifiedName!~VideoCliTests"
    command -v chromium > /dev/null || command -v chromium-browser > /dev/null || filter="$filter&FullyQualifiedName!~BrowserTests"
  else
    filter='(DisplayName~cuda:0&FullyQualifiedName!~OnnxExport)|FullyQualifiedName~RequiredDeviceTests'
  fi
  echo "test filter: $filter" 
fi
COLORKERNELS_TEST_REQUIRE=$kind timeout 200 "${vstest[@]}" "$bin/ColorKernels.Tests.dll" "/TestCaseFilter:$filter" > "$out/d-tests.log" 2>&1
rc=$?
grep -E "^\s+Failed |Passed!|Failed!|Total tests|Test Run" "$out/d-tests.log" | head -40
if [ "$rc" -ne 0 ] || ! grep -qE "Passed!|Total tests" "$out/d-tests.log"; then
  fail d "kernel tests failed on $kind (exit $rc; d-tests.log has each failing case; run one with --verbose to see the PTX JIT log)"
fi
note "stage d (tests): $(grep -oE "Passed: +[0-9]+" "$out/d-tests.log" | tail -n 1) on $kind"

if [ "${CHECKS_BENCHMARKS:-1}" = 0 ]; then
  note "stage e (benchmarks): skipped (CHECKS_BENCHMARKS=0; compare.sh times the same cases against PyTorch)"
  note "device-checks: stages a-d passed"
  exit 0
fi
echo "== e: benchmarks"
if [ "$dry" = 1 ]; then
  timeout 120 $perf --device cpu --filter lab --size 64x64 > "$out/e-perf.txt" 2>&1
else
  timeout 270 bash -c "$perf --device cuda --size 4096x4096 --filter lab;
    $perf --device cuda --filter forward --widths 0.25,1 --batch 1;
    $perf --device cuda --filter forward --widths 0.25,1 --batch 32;
    $perf --device cuda --filter train-step --widths 0.25,1 --batch 32" > "$out/e-perf.txt" 2>&1
fi
rc=$?
cat "$out/e-perf.txt" | tail -n 40
[ "$rc" -eq 0 ] || fail e "a benchmark failed or ran out of time (exit $rc; e-perf.txt)"
note "stage e (benchmarks): ok"
note "device-checks: all stages passed"
