#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers: SharpFuzz instruments ImageSharp and the engine, Debian's AFL++
# drives them. A finding is any exception other than the user-error type, or a hang past the time limit.
#   tests/Fuzz/run.sh SECONDS TARGET... [--out DIR]
# TARGET: image (the picture reader), model (the model-file reader), or planted: a target with a known
# bug, which must be found (it proves the harness reports findings; CI runs it first).
# CI: tests/Fuzz/run.sh 25 planted image model (.ci/run); a long run is the same with more seconds
# (docs/fuzzing.md). Needs afl-fuzz (apt-get install afl++). Exits 1 on a finding (its input printed in
# base64 and kept under the output folder), 2 if the harness could not run.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:?seconds}
shift
targets=()
out=$(mktemp -d)
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: name a target: image, model or planted" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
bin=tests/Fuzz/bin/instrumented
rm -rf "$bin"
dotnet publish tests/Fuzz/Fuzz.csproj -c Release -o "$bin" --self-contained false -p:UseAppHost=false > /dev/null
dotnet tool restore > /dev/null
for dll in SixLabors.ImageSharp.dll ColorKernels.Engine.dll colorkernels.dll; do
  dotnet sharpfuzz "$bin/$dll" > /dev/null
done
# dotnet is not an AFL++-compiled binary (SharpFuzz speaks AFL++'s protocol itself); no CPU governor or
# core-dump setup is possible in a container; a picture decode is well under a second.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
mkdir -p "$out"
status=0
for target in "${targets[@]}"; do
  dir="$out/$target"
  # The planted bug's run stops at its first finding.
  if [ "$target" = planted ]; then export AFL_BENCH_UNTIL_CRASH=1; else unset AFL_BENCH_UNTIL_CRASH; fi
  if ! afl-fuzz -i "tests/Fuzz/corpus/$target" -o "$dir" -t 5000 -m none -V "$seconds" -- dotnet "$bin/ColorKernels.Fuzz.dll" "$target" > "$dir.log" 2>&1; then
    tail -n 20 "$dir.log"
    echo "fuzz $target: afl-fuzz failed to run (log above)" >&2
    exit 2
  fi
  stats="$dir/default/fuzzer_stats"
  value() { awk -F' *: *' -v k="$1" '$1 == k {print $2}' "$stats"; }
  findings=$(find "$dir/default/crashes" "$dir/default/hangs" -type f ! -name README.txt 2>/dev/null | wc -l)
  echo "fuzz $target: $(value execs_done) executions in $(value run_time) s, $(value corpus_count) inputs in the corpus, edges $(value edges_found) of $(value total_edges) ($(value bitmap_cvg)), crashes $(value saved_crashes), hangs $(value saved_hangs)"
  if [ "$target" = planted ]; then
    if [ "$findings" -eq 0 ]; then echo "fuzz planted: the planted bug was not found: the harness does not report findings"; status=1; fi
  elif [ "$findings" -gt 0 ]; then
    find "$dir/default/crashes" "$dir/default/hangs" -type f ! -name README.txt -exec sh -c 'echo "finding: $1"; base64 -w 0 "$1" | head -c 600; echo' _ {} \;
    status=1
  fi
done
exit $status
