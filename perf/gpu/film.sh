#!/usr/bin/env bash
# A film's frames/s on the GPU machine (issue #41 item 4, #42 item 2): is a 1080p (and a 720p) film bound by
# the device or by ffmpeg? Prepare here with perf/gpu/prepare.sh; run with carry [".devrt"], timeout_s 300:
#   bash perf/gpu/film.sh            (about 2 minutes on a GPU; visit.sh runs it after compare.sh when time is left)
#   bash perf/gpu/film.sh --dry-run  here, on the CPU accelerator at 320 x 180 (CI runs it, so it cannot rot)
# 1. `perf --filter video-profile` at each size: one stabilised frame's device and host work (upload, Lab, the
#    network, the decode, the upsampling, the stabiliser's flow and blend, the conversion back, the download),
#    its wall ms and frames/s, and every kernel's share under the profiler.
# 2. Where ffmpeg is on the machine: `perf --filter video` at each size: the whole pipeline (ffmpeg decoding and
#    encoding in their own processes, concurrently with the device) against ffmpeg alone in the same run, with
#    where the colouring loop's time went ("waiting for decoding", "for encoding"). The GPU machine had no ffmpeg
#    on the first visit (and Debian's, with its libraries, is 77 MB as xz: it does not travel): then the answer
#    is step 1's frames/s against ffmpeg alone measured on the development machine (perf/NOTES.md says which).
# Everything goes to $OUT/film.txt.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/colorkernels-device-out}
mkdir -p "$out"
if [ "${1:-}" = "--dry-run" ]; then
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  [ -f perf/bin/Debug/net10.0/Perf.dll ] || dotnet build perf/Perf.csproj > /dev/null
  perf="dotnet perf/bin/Debug/net10.0/Perf.dll"
  device=cpu
  sizes="320x180"
  with_ffmpeg=0   # the CPU's ffmpeg baseline is perf --filter video's own business; the dry run checks the script
else
  [ -f .devrt/env.sh ] || { echo "film.sh: .devrt/ missing: run perf/gpu/prepare.sh here and carry .devrt" >&2; exit 2; }
  source .devrt/env.sh
  perf="dotnet $COLORKERNELS_APPS/Perf/Perf.dll"
  device=cuda
  sizes="${FILM_SIZES:-1920x1080 1280x720}"
  with_ffmpeg=1
fi
log="$out/film.txt"
{
  echo "film.sh: commit $(cat .devrt/commit.txt 2>/dev/null || git rev-parse --short HEAD 2>/dev/null), $device, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "ffmpeg: $(command -v ffmpeg || echo 'not on this machine')"
} | tee "$log"
rc=0
for size in $sizes; do
  echo "== video-profile $size" | tee -a "$log"
  timeout 150 $perf --device "$device" --filter video-profile --size "$size" > "$out/film-profile-$size.txt" 2>&1 || rc=1
  # The headline (wall ms a frame, frames/s) and the ten largest kernels.
  grep -E "^video-profile|a frame|iterations:|^kernel" "$out/film-profile-$size.txt" | tee -a "$log"
  grep -E "Kernel +[0-9]" "$out/film-profile-$size.txt" | head -n 10 | tee -a "$log"
  grep -q "frames/s of device and host work" "$out/film-profile-$size.txt" || { echo "film.sh: video-profile $size gave no timing (film-profile-$size.txt)" | tee -a "$log"; rc=1; }
  if [ "$with_ffmpeg" = 1 ] && command -v ffmpeg > /dev/null && command -v ffprobe > /dev/null; then
    echo "== video $size (ffmpeg and the device together, against ffmpeg alone)" | tee -a "$log"
    timeout 200 $perf --device "$device" --filter video --size "$size" 2>&1 | grep -vE "^#" | tee -a "$log" || rc=1
  fi
done
echo "film.sh: exit $rc" | tee -a "$log"
exit $rc
