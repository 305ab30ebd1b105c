#!/usr/bin/env bash
# Prepares .devrt/ for perf/gpu/device-checks.sh, here, on the machine with the .NET SDK:
# the carried runtime and the published Host, Perf and test projects (../shared/device/pack.sh), plus
# the SDK's own VSTest console (the GPU machine has only the runtime, and `dotnet vstest` needs an SDK;
# `dotnet exec vstest.console.dll` does not). Checked here in a shell without the SDK on PATH.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
../shared/device/pack.sh Host/Host.csproj perf/Perf.csproj tests/ColorKernels.Tests.csproj
rm -rf .devrt/ColorKernels.Tests/Microsoft.CodeCoverage   # 30 MB of coverage tooling, not needed to run tests
sdk=$(dotnet --list-sdks | tail -n 1 | sed -E 's/^([^ ]+) \[(.*)\]$/\2\/\1/')
rm -rf .devrt/vstest && mkdir -p .devrt/vstest
cp -r "$sdk"/vstest.console* "$sdk"/Microsoft.TestPlatform.* "$sdk"/Microsoft.VisualStudio.TestPlatform.* \
  "$sdk"/Microsoft.Extensions.FileSystemGlobbing.dll "$sdk"/Microsoft.Extensions.DependencyModel.dll \
  "$sdk"/Newtonsoft.Json.dll "$sdk"/testhost* "$sdk"/Extensions .devrt/vstest/
git rev-parse --short HEAD > .devrt/commit.txt
du -sh .devrt
