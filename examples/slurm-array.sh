#!/usr/bin/env bash
# One of the paper's experiments on a Slurm cluster: a job array where each task runs one shard of
# the grid into its own folder; a dependent job merges the shards and writes the report.
#
#   sbatch examples/slurm-array.sh multitask          # 10 tasks (edit --array to change)
#
# Each task reads SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (and _MIN, so --array=0-9 and
# --array=1-10 both work) and runs every COUNT-th unit of the grid. Shards are deterministic: a
# task that is requeued or restarted resumes its own folder and ends with the same rows. The
# merged folder holds exactly what one run of the whole grid writes.
#
#SBATCH --job-name=mi-ident
#SBATCH --array=0-9
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=logs/%x-%A_%a.out
set -euo pipefail

EXPERIMENT=${1:-basic}
RESULTS=${RESULTS:-results/$EXPERIMENT}
MI_IDENT=${MI_IDENT:-npx mi-ident}

# One folder per shard; --workers uses the CPUs Slurm gave the task.
$MI_IDENT reproduce "$EXPERIMENT" --out "$RESULTS/shard-$SLURM_ARRAY_TASK_ID" --workers "${SLURM_CPUS_PER_TASK:-1}" --quiet

# The last task to finish would not know it is last: merge in a job that waits for the whole array.
# Submit it once, from the first task (it starts after every task of this array has ended).
if [ "$SLURM_ARRAY_TASK_ID" = "${SLURM_ARRAY_TASK_MIN:-0}" ]; then
  sbatch --dependency="afterany:$SLURM_ARRAY_JOB_ID" --job-name=mi-ident-merge --output="logs/%x-%j.out" \
    --wrap "$MI_IDENT merge --out $RESULTS/all $RESULTS/shard-* && $MI_IDENT report $RESULTS/all"
fi
