#!/usr/bin/env bash
# Prepares .devrt/ for perf/gpu/device-checks.sh, here, on the machine with the .NET SDK:
# the carried runtimes (.NET and ASP.NET Core) and the published Perf and test projects (../shared/device/pack.sh;
# the CLI travels inside the tests' folder, which the CLI tests run), packed as one xz archive that env.sh
# unpacks into $COLORKERNELS_APPS (/tmp/colorkernels-apps) on the device, plus
# the SDK's own VSTest console (the GPU machine has only the runtime, and `dotnet vstest` needs an SDK;
# `dotnet exec vstest.console.dll` does not). Checked here in a shell without the SDK on PATH.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
rm -rf .devrt   # start clean: nothing left over from an earlier, different packing
../shared/device/pack.sh perf/Perf.csproj tests/ColorKernels.Tests.csproj
# xz -9e (a 64 MiB window) rather than -6 (8 MiB): the tests' and Perf's folders hold the same assemblies tens of MB
# apart, which only the larger window finds again. Measured on 2026-12-07: the programs 17.1 -> 13.2 MB, the .NET
# runtime pack.sh made 26.5 -> 25.3, ASP.NET Core 8.5 -> 8.3 (5.5 MB more headroom under the carry limit); a minute
# more here, nothing measurable to unpack.
for runtime in .devrt/dotnet-*.tar.xz; do
  xz -dc "$runtime" | xz -T0 -9e > "$runtime.tmp" && mv "$runtime.tmp" "$runtime"
done
# pack.sh carries Microsoft.NETCore.App only; the CLI (colorkernels serve), the tests and Perf also need
# ASP.NET Core's shared framework (Host references it): carried as a second archive, unpacked beside it.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
aspnet=$(ls -d "$dotnet_root"/shared/Microsoft.AspNetCore.App/* | sort -V | tail -n 1)
tar -C "$dotnet_root" -cf - "shared/Microsoft.AspNetCore.App/$(basename "$aspnet")" | xz -T0 -9e > .devrt/aspnetcore-"$(basename "$aspnet")".tar.xz
cat >> .devrt/env.sh <<'ENV'
if [ ! -d /tmp/dotnet/shared/Microsoft.AspNetCore.App ] && ls "$_here"/aspnetcore-*.tar.xz > /dev/null 2>&1; then
  tar -C /tmp/dotnet -xJf "$_here"/aspnetcore-*.tar.xz
fi
# The programs (tests with the CLI, Perf, VSTest; or the CLI alone in .devtrain) travel as one xz archive and
# unpack into /tmp, again whenever the archive differs from the one unpacked there.
export COLORKERNELS_APPS=/tmp/colorkernels-apps
if [ -f "$_here/apps.tar.xz" ]; then
  _sum=$(cksum < "$_here/apps.tar.xz")
  if [ "$(cat "$COLORKERNELS_APPS/archive.cksum" 2>/dev/null)" != "$_sum" ]; then
    rm -rf "$COLORKERNELS_APPS" && mkdir -p "$COLORKERNELS_APPS"
    tar -C "$COLORKERNELS_APPS" -xJf "$_here/apps.tar.xz" && echo "$_sum" > "$COLORKERNELS_APPS/archive.cksum"
  fi
fi
ENV
# Every framework a carried program names in its runtimeconfig must travel (checked here, not found missing there).
for config in .devrt/*/*.runtimeconfig.json; do
  for framework in $(grep -oE '"name": *"[^"]+"' "$config" | sed -E 's/.*"([^"]+)"$/\1/'); do
    case "$framework" in
      Microsoft.NETCore.App) ls .devrt/dotnet-*.tar.xz > /dev/null ;;
      Microsoft.AspNetCore.App) ls .devrt/aspnetcore-*.tar.xz > /dev/null ;;
      *) echo "prepare: $config needs $framework, which is not carried" >&2; exit 1 ;;
    esac
  done
done
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
# Compressed, the programs take about a third of the carry they would take as files.
tar -C .devrt -cf - ColorKernels.Tests Perf vstest | xz -T0 -9e > .devrt/apps.tar.xz
rm -rf .devrt/ColorKernels.Tests .devrt/Perf .devrt/vstest
# Checked here as the GPU machine will run it: the carried runtimes alone (no SDK on PATH) start the CLI,
# which needs ASP.NET Core's framework too.
env -i HOME="$HOME" PATH=/usr/bin:/bin bash -c 'source .devrt/env.sh && dotnet "$COLORKERNELS_APPS/ColorKernels.Tests/colorkernels.dll" serve --help > /dev/null' \
  || { echo "prepare: the carried runtime could not start the CLI" >&2; exit 1; }
du -sh .devrt
# The limit (64 MiB) counts the tracked working tree too, and train-default.sh's photos if packed.
# The device tool refused 65.2 MB (62.2 MiB) on 2026-12-04 and took 60.5 MB: its 64 counts millions of bytes.
bytes=$(( $(du -sb .devrt | cut -f1) + $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) ))
echo "prepare: .devrt plus the tracked files: $(( bytes / 1000000 )) MB of the 64 MB the device tool carries"
if [ "$bytes" -ge 64000000 ]; then echo "prepare: over the carry limit" >&2; exit 1; fi
