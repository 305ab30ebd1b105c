#!/bin/bash
# Colourize FILM into OUTPUT with TASKS array tasks (equal parts of its frames), then join the parts with the
# film's own sound: the two sbatch calls in one. The parts go to OUTPUT-parts/ (kept: a failed task can be
# resubmitted alone, and the finished parts are not coloured again).
#   examples/slurm/film-submit.sh FILM OUTPUT [TASKS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
film=${1:?usage: film-submit.sh FILM OUTPUT [TASKS]}
out=${2:?usage: film-submit.sh FILM OUTPUT [TASKS]}
tasks=${3:-4}
parts="${out%.*}-parts"
job=$(sbatch --parsable --array=0-$((tasks - 1)) "$here/film-array.sh" "$film" "$parts")
job=${job%%;*}
ext=${film##*.}
# The join runs once every task has succeeded (and is cancelled if one fails); its parts in order by their numbers.
join=$(sbatch --parsable --dependency=afterok:"$job" --kill-on-invalid-dep=yes --job-name=colorkernels-join --output=colorkernels-join-%j.log \
  --wrap "${COLORKERNELS:-colorkernels} join $(for ((i = 0; i < tasks; i++)); do printf "'%s/part-%03d.%s' " "$parts" "$i" "$ext"; done)-o '$out' --audio-from '$film'")
echo "array job $job ($tasks tasks), join job ${join%%;*}: squeue -j $job,${join%%;*}; then $out"
