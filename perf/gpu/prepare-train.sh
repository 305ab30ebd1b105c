#!/usr/bin/env bash
# Prepares .devtrain/ for perf/gpu/train-default.sh: its own carry folder, so a training call can bring
# thousands of photos instead of the ~5 MiB .devrt/ leaves free: the .NET runtime and env.sh (from
# .devrt/: run perf/gpu/prepare.sh first), the CLI published alone, and N photos at S x S
# (imagenette train + BSDS500). Refuses to finish if it and the tracked files exceed 64 MiB.
#   perf/gpu/prepare-train.sh [N=3200] [S=96]   (3200: 62.7 MB with the tracked files on 2026-12-07, the runtime packed with xz -9e; 2600 before)
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
count=${1:-3200} size=${2:-96}
ls .devrt/dotnet-*.tar.xz .devrt/env.sh > /dev/null || { echo "prepare-train: run perf/gpu/prepare.sh first (it packs the runtime)" >&2; exit 1; }
grep -qxF '/.devtrain/' .git/info/exclude 2>/dev/null || echo '/.devtrain/' >> .git/info/exclude
rm -rf .devtrain && mkdir -p .devtrain
# The CLI needs ASP.NET Core's framework as well as .NET's (Host references it for serve).
cp .devrt/dotnet-*.tar.xz .devrt/aspnetcore-*.tar.xz .devrt/env.sh .devtrain/
dotnet publish Host/Host.csproj -c Release -o .devtrain/Host --self-contained false -p:UseAppHost=false > /dev/null
find .devtrain -name '*.pdb' -delete
/usr/bin/python3 perf/gpu/pack_photos.py ../shared/data/train/imagenette/train .devtrain/photos "$count" "$size"
/usr/bin/python3 perf/gpu/pack_photos.py ../shared/data/train/bsds500 .devtrain/photos/bsds 300 "$size"
git rev-parse --short HEAD > .devtrain/commit.txt
# The CLI travels compressed, as in .devrt: env.sh unpacks it into $COLORKERNELS_APPS/Host on the device.
tar -C .devtrain -cf - Host | xz -T0 -9e > .devtrain/apps.tar.xz
rm -rf .devtrain/Host
# The device tool refused 65.2 MB (62.2 MiB) on 2026-12-04 and took 60.5 MB: its 64 counts millions of bytes.
bytes=$(( $(du -sb .devtrain | cut -f1) + $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) ))
echo "prepare-train: .devtrain plus the tracked files: $(( bytes / 1000000 )) MB of the 64 MB the device tool carries"
if [ "$bytes" -ge 64000000 ]; then echo "prepare-train: over the carry limit; use fewer or smaller photos" >&2; exit 1; fi
