#!/bin/bash
# Colourize a folder on a Slurm cluster: one array task per shard of the inputs, a manifest per task.
#   sbatch --array=0-3 examples/slurm/colorize-array.sh IN/ OUT/
# Each task colours every 4th input (--shard TASK/COUNT) into OUT/ (the inputs' layout mirrored) and appends
# a line per input to MANIFESTS/task-TASK.jsonl (default OUT-manifests/). Outputs that exist are skipped, so a
# requeued or resubmitted task does not colour a finished file again. On SIGTERM (pre-emption, or 60 s before
# the time limit) the file in flight finishes or is dropped with no temporary file, and the task exits 143.
# Environment: COLORKERNELS (the command; default colorkernels on PATH), COLORIZE_ARGS (more options, such
# as "--model my.ckm --device cuda"), MANIFESTS.
#SBATCH --job-name=colorkernels
#SBATCH --output=colorkernels-%A_%a.log
#SBATCH --requeue
#SBATCH --signal=B:TERM@60
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
# On a GPU partition (one GPU a task; --device auto picks it):
##SBATCH --partition=gpu
##SBATCH --gres=gpu:1
set -euo pipefail
in=${1:?usage: sbatch --array=0-N colorize-array.sh INPUTS OUTPUT}
out=${2:?usage: sbatch --array=0-N colorize-array.sh INPUTS OUTPUT}
manifests=${MANIFESTS:-${out%/}-manifests}
mkdir -p "$manifests"
# Shards are numbered from 0 whatever the array's first index (--array=1-4 works too; a step other than 1 does not).
task=$(( ${SLURM_ARRAY_TASK_ID:?run it as an array job: sbatch --array=0-N} - ${SLURM_ARRAY_TASK_MIN:-0} ))
count=${SLURM_ARRAY_TASK_COUNT:?run it as an array job: sbatch --array=0-N}
# exec: colorkernels itself receives Slurm's SIGTERM (the batch shell would not pass it on).
# shellcheck disable=SC2086
exec ${COLORKERNELS:-colorkernels} colorize "$in" -o "$out" --shard "$task/$count" \
  --manifest "$manifests/task-$task.jsonl" ${COLORIZE_ARGS:-}
