#!/bin/bash
# After the array: merge its manifests and say what was done, what failed and why.
#   sbatch --dependency=afterany:ARRAY_JOB_ID examples/slurm/summary.sh OUTPUT
# Writes the summary to its log (colorkernels-summary-JOB.log) and to MANIFESTS/summary.txt.
#SBATCH --job-name=colorkernels-summary
#SBATCH --output=colorkernels-summary-%j.log
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
set -euo pipefail
out=${1:?usage: sbatch --dependency=afterany:JOB summary.sh OUTPUT}
manifests=${MANIFESTS:-${out%/}-manifests}
${COLORKERNELS:-colorkernels} manifest summary "$manifests"/task-*.jsonl | tee "$manifests/summary.txt"
