#!/usr/bin/env bash
# Prepares .devrt/ for perf/gpu/device-checks.sh, here, on the machine with the .NET SDK:
# the carried runtime and the published Perf and test projects (../shared/device/pack.sh; the CLI travels
# inside the tests' folder, .devrt/ColorKernels.Tests/colorkernels.dll, which the CLI tests run), plus
# the SDK's own VSTest console (the GPU machine has only the runtime, and `dotnet vstest` needs an SDK;
# `dotnet exec vstest.console.dll` does not). Checked here in a shell without the SDK on PATH.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
rm -rf .devrt   # start clean: nothing left over from an earlier, different packing
../shared/device/pack.sh perf/Perf.csproj tests/ColorKernels.Tests.csproj
rm -rf .devrt/ColorKernels.Tests/Microsoft.CodeCoverage   # 30 MB of coverage tooling, not needed to run tests
# ONNX Runtime's native libraries for every platform (~240 MB; 29 MB for linux-x64 alone) would break the
# 64 MiB carry limit: the device run skips the ONNX export tests instead (they compare against ORT on the CPU).
rm -rf .devrt/ColorKernels.Tests/runtimes
find .devrt -name '*.pdb' -delete   # symbols: a few MB the carry limit cannot spare
sdk=$(dotnet --list-sdks | tail -n 1 | sed -E 's/^([^ ]+) \[(.*)\]$/\2\/\1/')
rm -rf .devrt/vstest && mkdir -p .devrt/vstest
cp -r "$sdk"/vstest.console* "$sdk"/Microsoft.TestPlatform.* "$sdk"/Microsoft.VisualStudio.TestPlatform.* \
  "$sdk"/Microsoft.Extensions.FileSystemGlobbing.dll "$sdk"/Microsoft.Extensions.DependencyModel.dll \
  "$sdk"/Newtonsoft.Json.dll "$sdk"/testhost* "$sdk"/Extensions .devrt/vstest/
git rev-parse --short HEAD > .devrt/commit.txt
du -sh .devrt
# The limit (64 MiB) counts the tracked working tree too, and train-default.sh's photos if packed.
size=$(( ( $(du -sb .devrt | cut -f1) + $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) ) / 1048576 ))
echo "prepare: .devrt plus the tracked files: $size MiB of the 64 MiB the device tool carries"
if [ "$size" -ge 64 ]; then echo "prepare: over the carry limit" >&2; exit 1; fi
