#!/usr/bin/env bash
# The large-photo set of issue #43's hint measurements: the 10 colour photographs among Debian's
# plasma-workspace-wallpapers (4:5.27.5-2, bookworm; GPL-2+, KDE Visual Design Group), each brought to
# 1920 x 1080 (ColorfulCups: 1920 x 1200) by ffmpeg's Lanczos, 2.1-2.3 MP. Not committed (licence and size).
# The package's other wallpapers are drawn or rendered art, or greyscale (ColdRipple, Grey), and are left out.
#   perf/large-photos.sh DIR     then: perf --filter hints --data DIR --limit 10
set -euo pipefail
out=${1:?usage: perf/large-photos.sh DIR}
command -v ffmpeg >/dev/null || { echo "large-photos: needs ffmpeg (apt-get install ffmpeg)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download plasma-workspace-wallpapers >/dev/null && dpkg-deb -x plasma-workspace-wallpapers_*.deb x)
mkdir -p "$out"
for name in BytheWater ColorfulCups DarkestHour EveningGlow FallenLeaf Kite OneStandsOut Path Volna summer_1am; do
  dir="$work/x/usr/share/wallpapers/$name/contents/images"
  file=$(ls "$dir" | grep -E '^(1920x1080|2560x1600|3840x2160|5120x2880)\.' | sort -n | head -1)
  size=1920:1080
  [ "$name" = ColorfulCups ] && size=1920:1200
  ffmpeg -loglevel error -y -i "$dir/$file" -vf "scale=$size:flags=lanczos" -pix_fmt rgb24 "$out/$name.png"
done
echo "large-photos: 10 photos in $out"
