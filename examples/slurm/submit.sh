#!/bin/bash
# Colourize INPUTS into OUTPUT with TASKS array tasks, then summarise: the two sbatch calls in one.
#   examples/slurm/submit.sh INPUTS OUTPUT [TASKS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tasks=${3:-4}
job=$(sbatch --parsable --array=0-$((tasks - 1)) "$here/colorize-array.sh" "$1" "$2")
job=${job%%;*}
summary=$(sbatch --parsable --dependency=afterany:"$job" "$here/summary.sh" "$2")
echo "array job $job ($tasks tasks), summary job ${summary%%;*}: squeue -j $job; then cat ${2%/}-manifests/summary.txt"
