#!/usr/bin/env bash
# Capture every output the colorkernels CLI makes, as checksums, to compare two builds bit for bit
# (before and after a refactor that must not change behaviour).
#
#   bash tests/capture-outputs.sh REPO_DIR OUT_FILE
#
# Builds REPO_DIR/Host in Release, runs the built colorkernels.dll (not `dotnet run`) on a fixed list of
# commands over bundled inputs, in a temporary folder, on the CPU accelerator (--device cpu, so the
# result does not depend on which accelerator a machine has), and writes OUT_FILE: one line per output,
# "name md5", sorted (LC_ALL=C). Compare two captures with `diff`.
#
# What is checksummed:
#   - pictures, model files (.ckm), CSV, ONNX, HTML, JSON: their bytes;
#   - films: the md5 of `ffmpeg -i FILM -f framemd5 -` (decoded frames and audio, not the container's
#     bytes, which carry the muxer's version);
#   - text a command prints (its numbers): normalised first: the temporary folder and REPO_DIR replaced by
#     fixed words, and timings, speeds, peak memory and timestamps removed (each place says which);
#   - a refused command: its exit code and its error line.
# Files hold no timestamps: the .ckm headers were checked (train writes only the step and its settings);
# train's log.csv has an images_per_s column (a timing), which is dropped before the checksum; the run
# manifest's "seconds", "time" and "host" keys are dropped and its device's core count replaced by N.
# The one non-deterministic output of the baseline is eval's metrics (float atomics summed in a varying
# order): its numbers are rounded to 3 significant digits (see "10. eval" below). Everything else was
# identical over three runs of the baseline (ab8967d).
#
# Covered: colorize with the built-in model (one picture to PNG and JPEG, a folder of 3 with --batch 3,
# -t 0/0.2/1, --size 64/128/320, --unfused, 16-bit, alpha, CMYK, webp output, --shard, a model file,
# --manifest and `manifest summary`); --hints (a file, a folder), --palette, --palette-from,
# --palette-strength; --model hints with and without hints; --model none with hints; refused
# combinations (exit code and message); --reference with --save-model, and colouring with the saved
# SOM + MLP model (plain, palette, hints); `train --method som-mlp` (5 steps) and colouring with it;
# `som fit` (batch/random, kmeans/pca) and `som quantize`; films (clip.mp4 stabilised, --per-frame,
# --batch 3; a 4-frame animated GIF); --sequence over 5 PNG frames; desaturate (PNG, 16-bit, alpha, a
# folder to jpg/webp/tif/bmp/gif/png); `model init` (float32 classification, float16 regression),
# `model convert` (to float16 and back), `model info` (fixture, default, hints, --arch, a SOM + MLP
# file), `import` (.pth, .caffemodel), `export-onnx` (eccv16, som-mlp), `prior`; `train` of eccv16
# (3 steps; 2 + --resume to 4 with cosine, clip, validation and checkpoints every step; l2 + sgd),
# `train --hints` (3 steps from the fixture) and colouring with its model; `eval` (2 photos, 2 models);
# `serve`'s API (colorize, re-decode, size and JPEG, hints + palette body, a second model, distribution,
# palette, som, models).
#
# Set CAPTURE_KEEP=DIR to keep every checksummed file (after normalisation) under DIR, to see what differs.
#
# Skipped:
#   - `profile` and `devices`: they print timings and the machine's devices, nothing that a refactor keeps;
#   - webm/VP9, mkv, mov and avi films: the same colouring as mp4 with another encoder or muxer, not tried
#     to keep the runtime down (each film costs ~7-10 s here); the animated GIF path is covered instead;
#   - full-length training (the built-in models' recipes take an hour): a few steps only;
#   - large-picture limits, bad inputs, Ctrl-C: covered by the test suite, not outputs.
# Runtime: 2 min 45 s to 2 min 55 s on 2 cores shared with other builds (load 6-10), the build up to
# date; a build from clean adds about a minute. CAPTURE_TIMING=1 prints each command's seconds.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 2 ]; then
  echo "usage: bash tests/capture-outputs.sh REPO_DIR OUT_FILE" >&2
  exit 2
fi
REPO=$(cd "$1" && pwd -P)
OUT=$(realpath -m "$2")

command -v ffmpeg > /dev/null || (apt-get update -qq && apt-get install -y -qq ffmpeg > /dev/null)
command -v curl > /dev/null || (apt-get update -qq && apt-get install -y -qq curl > /dev/null)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
BUILD_LOG=$(mktemp)
if ! dotnet build "$REPO/Host" -c Release -nologo -v q > "$BUILD_LOG" 2>&1; then
  cat "$BUILD_LOG" >&2
  rm -f "$BUILD_LOG"
  exit 1
fi
rm -f "$BUILD_LOG"
DLL=$REPO/Host/bin/Release/net10.0/colorkernels.dll
[ -f "$DLL" ] || { echo "no $DLL after the build" >&2; exit 1; }

T=$(mktemp -d /tmp/ck-capture.XXXXXX)
T=$(cd "$T" && pwd -P)
SERVE_PID=
cleanup() {
  if [ -n "$SERVE_PID" ]; then kill -TERM "$SERVE_PID" 2> /dev/null || true; wait "$SERVE_PID" 2> /dev/null || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
LIST=$T/list.txt
: > "$LIST"
KEEP=${CAPTURE_KEEP:-}
[ -n "$KEEP" ] && mkdir -p "$KEEP"
mkdir -p "$T/in" "$T/o" "$T/txt"
cd "$T"

# CAPTURE_TIMING=1: each command's wall and CPU seconds on stderr.
ck() {
  if [ -n "${CAPTURE_TIMING:-}" ]; then
    local rc=0
    /usr/bin/time -a -o "$T/timing.log" -f "capture-time %e s wall %U+%S s cpu: ${*:1:3}" dotnet "$DLL" "$@" || rc=$?
    return $rc
  fi
  dotnet "$DLL" "$@"
}

# keep NAME FILE: a copy for CAPTURE_KEEP.
keep() {
  if [ -n "$KEEP" ]; then mkdir -p "$(dirname "$KEEP/$1")"; cp "$2" "$KEEP/$1"; fi
}
# rec NAME FILE: the file's bytes.
rec() {
  [ -f "$2" ] || { echo "capture: $1: no file $2" >&2; exit 1; }
  echo "$1 $(md5sum < "$2" | cut -d' ' -f1)" >> "$LIST"
  keep "$1" "$2"
}
# rec_dir PREFIX DIR: every file under DIR, named PREFIX/relative path.
rec_dir() {
  local f
  [ -d "$2" ] || { echo "capture: $1: no folder $2" >&2; exit 1; }
  while IFS= read -r f; do rec "$1/$f" "$2/$f"; done < <(cd "$2" && find . -type f | sed 's|^\./||' | sort)
}
# rec_film NAME FILM: the decoded frames' checksums (framemd5), not the container.
rec_film() {
  [ -f "$2" ] || { echo "capture: $1: no film $2" >&2; exit 1; }
  ffmpeg -nostdin -v error -i "$2" -f framemd5 - > "$T/txt/framemd5.txt"
  rec "$1" "$T/txt/framemd5.txt"
}
# norm: the temporary folder and the repository replaced by fixed words (for printed text).
norm() { sed -e "s|$T|TMP|g" -e "s|$REPO|REPO|g"; }
# rec_text NAME: stdin (already normalised by the caller) as text.
rec_text() {
  cat > "$T/txt/text.txt"
  rec "$1" "$T/txt/text.txt"
}
# rec_fail NAME CMD...: a command that must be refused: its exit code and stderr.
rec_fail() {
  local name=$1 rc=0
  shift
  "$@" > /dev/null 2> "$T/txt/err.txt" || rc=$?
  [ "$rc" -ne 0 ] || { echo "capture: $name: expected a failure, got exit 0" >&2; exit 1; }
  { echo "rc=$rc"; norm < "$T/txt/err.txt"; } | rec_text "$name"
}
# Summary lines end with timings and peak memory; they are not recorded. Progress goes to stderr.
q() { "$@" > /dev/null; }

D=cpu
R=$REPO

# ---------------------------------------------------------------- inputs
cp "$R/samples/demo-bw/french-alpine-landscape.jpg" in/alpine.jpg                  # 1024x484 greyscale
mkdir -p in/three in/motion in/two in/hintdir
cp "$R"/samples/demo-bw/{french-alpine-landscape,locomotion-house-cat,march-pastoral}.jpg in/three/
cp "$R"/tests/Fixtures/motion/*.jpg in/motion/                                   # 4 colour photos, 512x512
cp "$R"/tests/Fixtures/motion/{car,parrot}.jpg in/two/
CAR=in/motion/car.jpg
BALLOON=$R/samples/photos/air-balloon.png
BOOKS=$R/samples/photos/books.png
W32=$R/tests/Fixtures/eccv16-w32.ckm
CLIP=$R/tests/Fixtures/clip.mp4                                                  # 96x64, 12 frames, AAC
cat > in/hints.json << 'EOF'
{"hints": [{"x": 100, "y": 60, "color": "#c03020", "size": 5}, {"x": 300, "y": 300, "color": "#2050c0", "size": 3}, {"x": 400, "y": 120, "color": "#30a040"}]}
EOF
echo '{"hints": [{"x": 250, "y": 250, "color": "#e0c020", "size": 9}]}' > in/hintdir/parrot.json
# Pictures made with ffmpeg (the same ffmpeg on both sides of a comparison): 16-bit RGB, RGBA with a
# gradient alpha, and a few frames of the clip as numbered PNGs and as an animated GIF.
ffmpeg -nostdin -v error -i "$BALLOON" -vf scale=160:160 -pix_fmt rgb48be in/deep16.png
ffmpeg -nostdin -v error -i "$BALLOON" -vf "scale=160:160,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='X*255/W'" in/alpha.png
mkdir -p in/frames
ffmpeg -nostdin -v error -i "$CLIP" -frames:v 5 in/frames/frame_%d.png
ffmpeg -nostdin -v error -i "$CLIP" -frames:v 4 -vf "split[a][b];[a]palettegen[p];[b][p]paletteuse" in/anim.gif
rec input/deep16.png in/deep16.png
rec input/alpha.png in/alpha.png
rec_dir input/frames in/frames
rec input/anim.gif in/anim.gif

# ---------------------------------------------------------------- 1. colorize, built-in model
ck colorize in/alpine.jpg -o o/default.png --device $D | norm | sed -E 's/ in [0-9.]+ s .*//' | rec_text text/colorize-default.txt
rec colorize/default.png o/default.png
q ck colorize in/alpine.jpg -o o/default.jpg --device $D
rec colorize/default.jpg o/default.jpg
q ck colorize in/three -o o/batch3 --batch 3 --format png --device $D
rec_dir colorize/batch3 o/batch3
for t in 0 0.2 1; do
  q ck colorize $CAR -o o/t$t.png -t $t --device $D
  rec colorize/temperature-$t.png o/t$t.png
done
for s in 64 128 320; do
  q ck colorize $CAR -o o/size$s.png --size $s --device $D
  rec colorize/size-$s.png o/size$s.png
done
q ck colorize $CAR -o o/unfused.png --unfused --device $D
rec colorize/unfused.png o/unfused.png
q ck colorize in/deep16.png -o o/deep16.png --device $D
rec colorize/deep16.png o/deep16.png
q ck colorize in/alpha.png -o o/alpha.png --device $D
rec colorize/alpha.png o/alpha.png
q ck colorize "$R/tests/Fixtures/cmyk.jpg" -o o/cmyk.png --device $D
rec colorize/cmyk.png o/cmyk.png
q ck colorize in/two -o o/fmt-webp --format webp --size 128 --device $D
rec_dir colorize/format-webp o/fmt-webp
# --shard 1/2 of a folder: which inputs it takes.
q ck colorize in/motion -o o/shard --shard 1/2 --size 64 --device $D
rec_dir colorize/shard-1of2 o/shard
# A model file (the fixture's tiny eccv16).
q ck colorize $CAR -o o/w32.png --model "$W32" --device $D
rec colorize/model-w32.png o/w32.png

# Run manifest: "seconds", "time" and "host" dropped (timings, a clock and the machine's name).
q ck colorize in/two -o o/manifest --size 64 --manifest o/manifest.jsonl --device $D
rec_dir colorize/manifest-out o/manifest
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    for k in ("seconds", "time", "host"): d.pop(k, None)
    print(json.dumps(d, sort_keys=True))
' o/manifest.jsonl | norm | sed -E 's/ on [0-9]+ cores/ on N cores/' | rec_text colorize/manifest.jsonl
# manifest summary: its count lines, not its time lines.
ck manifest summary o/manifest.jsonl | norm | grep -v -E '[0-9.]+ s\b|inputs/s' | rec_text text/manifest-summary.txt

# ---------------------------------------------------------------- 2. hints and palettes
q ck colorize $CAR -o o/hints.png --hints in/hints.json --device $D
rec colorize/hints.png o/hints.png
q ck colorize in/two -o o/hintdir --hints in/hintdir --device $D
rec_dir colorize/hints-folder o/hintdir
q ck colorize $CAR -o o/palette.png --palette '#aa3322,#334455' --device $D
rec colorize/palette.png o/palette.png
q ck colorize $CAR -o o/palette-s3.png --palette '#aa3322,#334455,#e0e020' --palette-strength 3 --device $D
rec colorize/palette-strength-3.png o/palette-s3.png
q ck colorize $CAR -o o/palette-from.png --palette-from "$BALLOON" --device $D
rec colorize/palette-from.png o/palette-from.png
q ck colorize $CAR -o o/palette-from-s05.png --palette-from "$BOOKS" --palette-strength 0.5 --device $D
rec colorize/palette-from-strength-0.5.png o/palette-from-s05.png
q ck colorize $CAR -o o/hints-palette.png --hints in/hints.json --palette '#aa3322,#334455' --device $D
rec colorize/hints-and-palette.png o/hints-palette.png

# ---------------------------------------------------------------- 3. the hint network
q ck colorize $CAR -o o/mhints.png --model hints --device $D
rec colorize/model-hints.png o/mhints.png
q ck colorize $CAR -o o/mhints-h.png --model hints --hints in/hints.json --device $D
rec colorize/model-hints-with-hints.png o/mhints-h.png
rec_fail refused/model-hints-palette.txt ck colorize $CAR -o o/never.png --model hints --palette '#aa3322' --device $D

# ---------------------------------------------------------------- 5. --model none
q ck colorize $CAR -o o/none.png --model none --hints in/hints.json --device $D
rec colorize/model-none-hints.png o/none.png
rec_fail refused/model-none-without-hints.txt ck colorize $CAR -o o/never.png --model none --device $D

# ---------------------------------------------------------------- 4. reference mode, SOM + MLP, SOM
# The reference line ends with "in N s" (a timing), removed.
ck colorize $CAR -o o/ref.png --reference "$BALLOON" --reference-steps 60 --save-model o/ref.ckm --device $D \
  | norm | grep '^reference' | sed -E 's/ in [0-9.]+ s;/;/' | rec_text text/reference.txt
rec colorize/reference.png o/ref.png
rec model/reference.ckm o/ref.ckm
q ck colorize $BOOKS -o o/ref-model.png --model o/ref.ckm --device $D
rec colorize/reference-model.png o/ref-model.png
q ck colorize $BOOKS -o o/ref-model-palette.png --model o/ref.ckm --palette '#aa3322,#334455' --device $D
rec colorize/reference-model-palette.png o/ref-model-palette.png
q ck colorize $BOOKS -o o/ref-model-hints.png --model o/ref.ckm --hints in/hints.json --device $D
rec colorize/reference-model-hints.png o/ref-model-hints.png

ck train in/motion --out o/som-mlp --method som-mlp --som 2x2 --patch 5 --hidden 16,16 --steps 5 --batch 64 \
  --seed 1 --device $D | norm | grep '^train som-mlp' | rec_text text/train-som-mlp.txt
rec_dir train/som-mlp o/som-mlp
q ck colorize $CAR -o o/som-mlp.png --model o/som-mlp/model.ckm --device $D
rec colorize/som-mlp.png o/som-mlp.png
q ck colorize $CAR -o o/som-mlp-t0.png --model o/som-mlp/model.ckm -t 0 --device $D
rec colorize/som-mlp-t0.png o/som-mlp-t0.png

ck som fit in/motion -o o/som.ckm --som 3x3 --epochs 5 --seed 2 --device $D | norm | rec_text text/som-fit.txt
rec model/som.ckm o/som.ckm
ck som fit in/motion -o o/som-km.ckm --som 2x2 --epochs 3 --seed 2 --som-mode kmeans --som-init pca --device $D \
  | norm | rec_text text/som-fit-kmeans.txt
rec model/som-kmeans.ckm o/som-km.ckm
q ck som quantize "$BALLOON" -o o/quantized.png -m o/som.ckm --device $D
rec som/quantized.png o/quantized.png

# ---------------------------------------------------------------- 6. films (framemd5 of the decoded output)
q ck colorize "$CLIP" -o o/clip.mp4 --device $D
rec_film film/clip-stabilised.framemd5 o/clip.mp4
q ck colorize "$CLIP" -o o/clip-per-frame.mp4 --per-frame --device $D
rec_film film/clip-per-frame.framemd5 o/clip-per-frame.mp4
q ck colorize "$CLIP" -o o/clip-batch3.mp4 --batch 3 --device $D
rec_film film/clip-batch3.framemd5 o/clip-batch3.mp4
q ck colorize in/anim.gif -o o/anim.gif --device $D
rec_film film/anim-gif.framemd5 o/anim.gif

# ---------------------------------------------------------------- 7. a sequence of frames
q ck colorize --sequence in/frames -o o/seq --device $D
rec_dir sequence o/seq

# ---------------------------------------------------------------- 8. desaturate
q ck desaturate "$BALLOON" -o o/desat.png --device $D
rec desaturate/air-balloon.png o/desat.png
q ck desaturate in/deep16.png -o o/desat16.png --device $D
rec desaturate/deep16.png o/desat16.png
q ck desaturate in/alpha.png -o o/desat-alpha.png --device $D
rec desaturate/alpha.png o/desat-alpha.png
q ck desaturate in/two -o o/desat-jpg --device $D
rec_dir desaturate/folder-jpg o/desat-jpg
for fmt in webp tif bmp gif png; do
  q ck desaturate in/two -o o/desat-$fmt --format $fmt --device $D
  rec_dir desaturate/folder-$fmt o/desat-$fmt
done

# ---------------------------------------------------------------- 9. models and training
ck model init --arch eccv16 --width 0.125 --seed 3 -o o/init.ckm | norm | rec_text text/model-init.txt
rec model/init-w0.125-seed3.ckm o/init.ckm
ck model init --arch eccv16 --width 0.0625 --seed 4 --float16 --head regression -o o/init-reg16.ckm | norm \
  | rec_text text/model-init-regression.txt
rec model/init-regression-float16.ckm o/init-reg16.ckm
ck model convert "$W32" -o o/conv16.ckm --float16 --input-size 64 --temperature 0.5 | norm | rec_text text/model-convert.txt
rec model/convert-float16.ckm o/conv16.ckm
q ck model convert o/conv16.ckm -o o/conv32.ckm
rec model/convert-float32.ckm o/conv32.ckm
ck model info "$W32" | norm | rec_text text/model-info-w32.txt
ck model info default | norm | rec_text text/model-info-default.txt
ck model info hints | norm | rec_text text/model-info-hints.txt
ck model info --arch eccv16 --width 0.5 --size 128 | norm | rec_text text/model-info-arch.txt
ck model info o/ref.ckm | norm | rec_text text/model-info-reference.txt
ck import "$R/tests/Fixtures/eccv16-w32.pth" -o o/imp-pth.ckm | norm | rec_text text/import-pth.txt
rec model/import-pth.ckm o/imp-pth.ckm
ck import "$R/tests/Fixtures/eccv16-w32.caffemodel" -o o/imp-caffe.ckm --float16 | norm | rec_text text/import-caffe.txt
rec model/import-caffe-float16.ckm o/imp-caffe.ckm
q ck export-onnx "$W32" -o o/w32.onnx
rec onnx/eccv16-w32.onnx o/w32.onnx
q ck export-onnx o/som-mlp/model.ckm -o o/som-mlp.onnx
rec onnx/som-mlp.onnx o/som-mlp.onnx
ck prior in/motion -o o/prior.csv --device $D | norm | rec_text text/prior.txt
rec prior/prior.csv o/prior.csv

# train: log.csv's images_per_s column (a timing) is dropped; model.ckm, optimizer.ckm and loss.png hold
# no clock (checked: the headers hold the step and the settings only).
train_rec() {  # train_rec NAME RUNDIR
  local f
  for f in model.ckm optimizer.ckm loss.png; do [ -f "$2/$f" ] && rec "train/$1/$f" "$2/$f"; done
  python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
drop = rows[0].index("images_per_s") if "images_per_s" in rows[0] else -1
for r in rows:
    print(",".join(v for i, v in enumerate(r) if i != drop))
' "$2/log.csv" | rec_text "train/$1/log.csv"
}
q ck train in/motion --out o/run --steps 3 --batch 2 --crop 32 --resize 48 --width 0.125 --seed 1 --device $D
train_rec eccv16 o/run
# --resume to 5 steps, cosine schedule, clip and validation: a second run of the same settings.
q ck train in/motion --out o/run2 --steps 2 --batch 2 --crop 32 --resize 48 --width 0.0625 --seed 2 \
  --schedule cosine --clip 1 --val in/two --val-every 1 --checkpoint-every 1 --device $D
q ck train in/motion --out o/run2 --steps 4 --batch 2 --crop 32 --resize 48 --width 0.0625 --seed 2 \
  --schedule cosine --clip 1 --val in/two --val-every 1 --checkpoint-every 1 --resume --device $D
train_rec eccv16-resumed o/run2
q ck train in/motion --out o/runl2 --steps 2 --batch 2 --crop 32 --resize 48 --width 0.0625 --seed 3 --loss l2 \
  --optimizer sgd --device $D
train_rec eccv16-l2-sgd o/runl2
q ck train in/motion --out o/runh --hints --init "$W32" --steps 3 --batch 2 --crop 32 --resize 48 --seed 1 --device $D
train_rec hints o/runh
q ck colorize $CAR -o o/runh.png --model o/runh/model.ckm --hints in/hints.json --size 64 --device $D
rec colorize/trained-hints-model.png o/runh.png

# ---------------------------------------------------------------- 10. eval
# The metrics are sums of float atomics on the device (Kernels/Metrics/MetricKernels.cs: inverse-prior
# weights, squared errors, colourfulness and chroma sums), whose order changes from run to run: the baseline
# itself differs in the 7th significant digit (metrics.json, and now and then a printed digit). So every
# decimal number in the eval's text outputs (stdout's table, metrics.json, metrics.csv, index.html) is
# rounded to 3 significant digits before its checksum (a value near a rounding boundary may still flip,
# rarely: rerun before trusting a lone eval/ difference). Its pictures (images/, contact-sheet.png) are
# deterministic and checked bit for bit.
round3() { python3 -c '
import re, sys
num = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+")
sys.stdout.write(num.sub(lambda m: format(float(m.group(0)), ".3g"), sys.stdin.read()))'; }
# Its table lines; the first line (device) and the report path are left out.
ck eval in/two -m default -m "$W32" -o o/eval --size 64 --device $D | norm | grep -E '^  (model|greyscale|default|eccv16)' \
  | round3 | rec_text text/eval.txt
for f in metrics.json metrics.csv index.html; do round3 < o/eval/$f | rec_text eval/$f; rm o/eval/$f; done
rec_dir eval o/eval

# ---------------------------------------------------------------- serve (the JSON API)
# JSON answers lose their random picture ids; the X-Elapsed-Ms and Date headers are not recorded.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet "$DLL" serve --port "$PORT" --device $D -m o/ref.ckm > o/serve.log 2>&1 &
SERVE_PID=$!
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/api/health" > /dev/null && break; sleep 0.2; done
API=http://127.0.0.1:$PORT/api
unid() { python3 -c '
import json, sys
def strip(v):
    if isinstance(v, dict): return {k: strip(x) for k, x in v.items() if k != "picture"}
    if isinstance(v, list): return [strip(x) for x in v]
    return v
print(json.dumps(strip(json.load(sys.stdin)), sort_keys=True))'; }
curl -sf --data-binary @"$CAR" -H 'Content-Type: image/jpeg' -D o/hdr.txt -o o/api1.png "$API/colorize?temperature=0.38"
rec serve/colorize.png o/api1.png
id=$(grep -i '^x-picture' o/hdr.txt | tr -d '\r' | cut -d' ' -f2)
curl -sf -X POST -o o/api2.png "$API/colorize?picture=$id&temperature=0.2"
rec serve/colorize-redecode-t0.2.png o/api2.png
curl -sf -X POST -o o/api3.jpg "$API/colorize?picture=$id&format=jpeg&size=128"
rec serve/colorize-size128.jpg o/api3.jpg
curl -sf -X POST -H 'Content-Type: application/json' -o o/api4.png "$API/colorize?picture=$id" \
  --data '{"hints": [{"x": 100, "y": 100, "color": "#c03020", "size": 5}], "palette": "#aa3322,#334455", "paletteStrength": 1}'
rec serve/colorize-steered.png o/api4.png
curl -sf -X POST -o o/api5.png "$API/colorize?picture=$id&model=ref"
rec serve/colorize-reference-model.png o/api5.png
curl -sf -X POST "$API/distribution?picture=$id&x=300&y=150" | unid | rec_text serve/distribution.json
curl -sf --data-binary @"$BALLOON" -H 'Content-Type: image/png' "$API/palette" | unid | rec_text serve/palette.json
curl -sf -F image=@in/motion/parrot.jpg "$API/som?grids=2x2,3x3" | unid | rec_text serve/som.json
curl -sf "$API/models" | norm | rec_text serve/models.json
curl -sf "http://127.0.0.1:$PORT/" | rec_text serve/page.html
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || true
SERVE_PID=

cd /
[ -f "$T/timing.log" ] && cat "$T/timing.log" >&2
sort "$LIST" > "$OUT"
echo "capture: $(wc -l < "$OUT") outputs written to $OUT" >&2
