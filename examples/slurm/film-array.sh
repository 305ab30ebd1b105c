#!/bin/bash
# Colourize one film on a Slurm cluster: one array task per equal part of its frames, joined afterwards.
#   sbatch --array=0-3 examples/slurm/film-array.sh FILM.mp4 PARTS/
# Task I of N colours part I/N of the film (colorize --segment I/N) into PARTS/part-III.EXT (EXT: the film's),
# its stabiliser started 48 frames early so the seams match a single run; join the parts in order with
#   colorkernels join PARTS/part-*.EXT -o FILM-colour.EXT --audio-from FILM.mp4
# (film-submit.sh submits both, the join after every task has succeeded). A part that exists is not coloured
# again, so a requeued or resubmitted array colours only what is missing. On SIGTERM (pre-emption, or 60 s
# before the time limit) the part in flight is dropped with no temporary file, and the task exits 143.
# Environment: COLORKERNELS (the command; default colorkernels on PATH), COLORIZE_ARGS (more options, such
# as "--model my.ckm --device cuda").
#SBATCH --job-name=colorkernels-film
#SBATCH --output=colorkernels-film-%A_%a.log
#SBATCH --requeue
#SBATCH --signal=B:TERM@60
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
# On a GPU partition (one GPU a task; --device auto picks it):
##SBATCH --partition=gpu
##SBATCH --gres=gpu:1
set -euo pipefail
film=${1:?usage: sbatch --array=0-N film-array.sh FILM PARTS}
parts=${2:?usage: sbatch --array=0-N film-array.sh FILM PARTS}
mkdir -p "$parts"
# Parts are numbered from 0 whatever the array's first index (--array=1-4 works too; a step other than 1 does not).
task=$(( ${SLURM_ARRAY_TASK_ID:?run it as an array job: sbatch --array=0-N} - ${SLURM_ARRAY_TASK_MIN:-0} ))
count=${SLURM_ARRAY_TASK_COUNT:?run it as an array job: sbatch --array=0-N}
part=$(printf '%s/part-%03d.%s' "${parts%/}" "$task" "${film##*.}")
if [ -e "$part" ]; then
  echo "$part: already coloured"
  exit 0
fi
# exec: colorkernels itself receives Slurm's SIGTERM (the batch shell would not pass it on).
# shellcheck disable=SC2086
exec ${COLORKERNELS:-colorkernels} colorize "$film" -o "$part" --segment "$task/$count" ${COLORIZE_ARGS:-}
