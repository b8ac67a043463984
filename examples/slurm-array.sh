#!/usr/bin/env bash
# One of the paper's experiments on a Slurm cluster: a job array where each task runs one shard of
# the grid into its own folder, and a job that waits for the whole array merges the shards and
# writes the report. Run it on the login node; it submits the jobs itself:
#
#   examples/slurm-array.sh multitask                              # 10 tasks, 0-9
#   ARRAY=0-3 examples/slurm-array.sh basic --n-experiments 20     # grid flags after the experiment
#   examples/slurm-array.sh run --target-logic-gates AND OR --size 2 3   # main.py's flags, no preset
#
# To finish an array of which tasks failed or were cancelled, run the same command again: it
# resubmits the array's tasks (a finished shard ends at once, the others resume their folders) and
# a new merge. ARRAY=3,7 with the same command resubmits only tasks 3 and 7. A single task may also
# be resubmitted by hand, `sbatch --array=3 examples/slurm-array.sh multitask` from the folder the
# array was submitted from: it runs (resumes) the same shard, but no merge follows it.
#
# How shards follow from the array: at submission, the task IDs Slurm made of --array (any spec:
# 0-9, 1-10, 0-18:2, 1,4,7, 0-99%10) are recorded in RESULTS/shards.json; task tasks[i], in
# ascending order, runs shard i+1 of their number, into RESULTS/shard-<task ID>. Every task, and
# every later resubmission, reads its shard from that file (mi-ident run --shard-plan). Slurm's
# variables alone cannot do this: a task of --array=1,4,7 is told MIN=1 MAX=7 STEP=1 COUNT=3, not
# its place in the list, and a task resubmitted alone is told COUNT=1.
#
# The merge job waits for every task to succeed (afterok). If one fails or is cancelled, that job
# is withdrawn and a second one, submitted with it (afternotok), runs the merge instead: that merge
# refuses the incomplete grid, and its log names the missing shards and units and how to finish.
#
# Settings (environment variables):
#   ARRAY          task IDs, an sbatch --array spec (default 0-9; when RESULTS/shards.json exists,
#                  the tasks recorded there)
#   RESULTS        results folder (default results/EXPERIMENT): shards.json, shard-<ID>/, all/, and
#                  slurm-arrays, slurm-mi-ident (the arrays submitted, and the MI_IDENT they ran)
#   LOGS           log folder, created here before submitting (default logs)
#   CPUS MEM TIME  each task's CPUs (worker threads), memory and time limit (default 4, 4G, 02:00:00);
#                  CPUS is lowered to the most CPUs a node of the partition has
#   PARTITION      the partition (default: the cluster's default)
#   MERGE_MEM MERGE_TIME   the merge and report job's memory and time (default 2G, 00:30:00)
#   MI_IDENT       the command that runs mi-ident, on this node and on the compute nodes. Default:
#                  node with this checkout's bin/mi-ident.js when the script is run from one, else
#                  `mi-ident` when on PATH, else `npx --offline mi-ident` (a project that installed
#                  it). Compute nodes often cannot reach the npm registry: install a copy on a shared
#                  file system (`npm pack` where the registry or a checkout is at hand, then
#                  `npm install --prefix /shared/mi-ident ./mi-ident-*.tgz`) and set
#                  MI_IDENT="node /shared/mi-ident/node_modules/mi-ident/bin/mi-ident.js".
#                  Later submissions for the same RESULTS, and tasks resubmitted by hand, run the
#                  MI_IDENT recorded by the last submission unless MI_IDENT is set.
#
#SBATCH --job-name=mi-ident
set -euo pipefail

die() { echo "slurm-array.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: [ARRAY=0-9] examples/slurm-array.sh EXPERIMENT|run [grid flags]"
EXPERIMENT=$1
shift
RESULTS=${RESULTS:-results/$EXPERIMENT}
if [ "$EXPERIMENT" = run ]; then COMMAND=(run); else COMMAND=(reproduce "$EXPERIMENT"); fi

# The default MI_IDENT: this checkout's CLI, else an installed `mi-ident`, else npx without the
# registry (a project that installed mi-ident). In a task the script is Slurm's copy of it, so the
# submission passes MI_IDENT on; a task submitted by hand looks in the folder it was submitted from.
default_mi_ident() {
  local here root
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  for root in "$here" "${SLURM_SUBMIT_DIR:-}"; do
    if [ -n "$root" ] && [ -f "$root/bin/mi-ident.js" ] && grep -q '"name": "mi-ident"' "$root/package.json" 2>/dev/null; then
      echo "node $root/bin/mi-ident.js"
      return
    fi
  done
  if command -v mi-ident >/dev/null; then echo mi-ident; else echo "npx --offline mi-ident"; fi
}
# A task resubmitted by hand from elsewhere runs what the array ran: the submission records it.
if [ -z "${MI_IDENT:-}" ] && [ -s "$RESULTS/slurm-mi-ident" ]; then read -r MI_IDENT <"$RESULTS/slurm-mi-ident"; fi
MI_IDENT=${MI_IDENT:-$(default_mi_ident)}

# Slurm memory sizes (1024, 800M, 4G, 1T) in megabytes.
megabytes() {
  local n=${1%[KkMmGgTt]} unit=${1: -1}
  [[ $n =~ ^[0-9]+$ ]] || die "MEM/MERGE_MEM must look like 4096, 800M or 4G, got $1"
  case $unit in
    K | k) echo $((n / 1024)) ;; G | g) echo $((n * 1024)) ;; T | t) echo $((n * 1024 * 1024)) ;; *) echo "$n" ;;
  esac
}

# The task IDs recorded in a shard plan, one per line.
planned_tasks() { sed -n 's/.*"tasks":\[\([0-9,]*\)\].*/\1/p' "$1" | tr ',' '\n'; }

submit() {
  command -v sbatch >/dev/null || die "sbatch is not on PATH: run this on a Slurm login node"
  local cpus=${CPUS:-4} mem=${MEM:-4G} time=${TIME:-02:00:00} logs=${LOGS:-logs}
  local merge_mem=${MERGE_MEM:-2G} merge_time=${MERGE_TIME:-00:30:00} name=mi-ident-$EXPERIMENT
  local part=(${PARTITION:+--partition="$PARTITION"}) checked=${PARTITION:-}
  # Without PARTITION, the jobs go to the default partition (sinfo marks it with *): check its nodes.
  [ -n "$checked" ] || checked=$(sinfo -h -o %P | sed -n 's/\*$//p' | head -1)
  local sinfo_part=(${checked:+--partition="$checked"})
  # Slurm does not create the log folder: without it every task fails to start, leaving no log.
  mkdir -p "$RESULTS" "$logs"
  RESULTS=$(cd "$RESULTS" && pwd)
  logs=$(cd "$logs" && pwd)
  $MI_IDENT --version >/dev/null 2>&1 || die "MI_IDENT=\"$MI_IDENT\" does not run here; set MI_IDENT to a command that runs mi-ident (see the top of this script)"

  # A task asking for more CPUs or memory than any node has would stay pending for ever.
  local node_cpus node_mem
  node_cpus=$(sinfo -h -N "${sinfo_part[@]}" -o %c | sort -n | tail -1)
  node_mem=$(sinfo -h -N "${sinfo_part[@]}" -o %m | sort -n | tail -1)
  [[ $node_cpus =~ ^[0-9]+$ ]] || die "sinfo lists no nodes${checked:+ in partition $checked}"
  if [ "$cpus" -gt "$node_cpus" ]; then
    echo "note: the nodes${checked:+ of partition $checked} have at most $node_cpus CPUs: CPUS=$cpus lowered to $node_cpus (the results do not depend on it)"
    cpus=$node_cpus
  fi
  for m in "$mem" "$merge_mem"; do
    [ "$(megabytes "$m")" -le "${node_mem%%+*}" ] || die "memory $m exceeds the ${node_mem} MB of the largest node${checked:+ of partition $checked}: lower MEM or MERGE_MEM"
  done

  local plan=$RESULTS/shards.json tasks
  if [ -f "$plan" ]; then
    [ -n "$(planned_tasks "$plan")" ] || die "$plan is not a shard plan of this script; restore it, or use another RESULTS"
    ARRAY=${ARRAY:-$(planned_tasks "$plan" | paste -sd, -)}
  fi
  ARRAY=${ARRAY:-0-9}

  # The submit command, for the messages of the merge jobs.
  local again
  again="$(printf '%q ' "${BASH_SOURCE[0]}" "$EXPERIMENT" "$@")"
  export MI_IDENT RESULTS MI_IDENT_SLURM_AGAIN="${again% }"

  # Held until its task IDs (as Slurm expanded --array) are recorded as the shard plan.
  local job
  job=$(MI_IDENT_SLURM_ROLE=task sbatch --parsable --hold --array="$ARRAY" --job-name="$name" --cpus-per-task="$cpus" \
    --mem="$mem" --time="$time" --output="$logs/%x-%A_%a.out" "${part[@]}" "${BASH_SOURCE[0]}" "$EXPERIMENT" "$@")
  job=${job%%;*}
  tasks=$(squeue -h -r -j "$job" -o %K | sort -n | uniq)
  [ -n "$tasks" ] || { scancel "$job"; die "squeue lists no tasks of the array $job just submitted"; }
  refuse() { scancel "$job"; die "$*"; }
  if [ -f "$plan" ]; then
    local t missing=
    for t in $tasks; do planned_tasks "$plan" | grep -qx "$t" || missing="$missing $t"; done
    [ -z "$missing" ] || refuse "task(s)$missing are not in this array's shard plan $plan (tasks $(planned_tasks "$plan" | paste -sd, -)); resubmit only those, or use another RESULTS for another array"
  else
    local tmp=$plan.$$.tmp
    printf '{"tool":"mi-ident","kind":"shard-plan","job":"%s","tasks":[%s]}\n' "$job" "$(echo "$tasks" | paste -sd, -)" >"$tmp"
    sync "$tmp"
    ln "$tmp" "$plan" 2>/dev/null || true # never replaces a plan written meanwhile
    rm -f "$tmp"
  fi

  # Arrays submitted earlier for these results: a task still queued there is not submitted twice,
  # and the merge also waits for what is still running there.
  local old active deps="afterok:$job"
  if [ -f "$RESULTS/slurm-arrays" ]; then
    while read -r old; do
      active=$(squeue -h -r -j "$old" -o %K 2>/dev/null | sort -n || true)
      [ -n "$active" ] || continue
      for t in $tasks; do echo "$active" | grep -qx "$t" && refuse "task $t of array $old is still queued or running: wait for it, or scancel ${old}_$t, then submit again"; done
      deps="$deps,afterany:$old"
    done <"$RESULTS/slurm-arrays"
  fi
  echo "$job" >>"$RESULTS/slurm-arrays"
  printf '%s\n' "$MI_IDENT" >"$RESULTS/slurm-mi-ident.tmp" && mv "$RESULTS/slurm-mi-ident.tmp" "$RESULTS/slurm-mi-ident"
  scontrol release "$job"

  local merge check
  merge=$(MI_IDENT_SLURM_ROLE=merge sbatch --parsable --dependency="$deps" --kill-on-invalid-dep=yes --job-name="$name-merge" \
    --cpus-per-task=1 --mem="$merge_mem" --time="$merge_time" --output="$logs/%x-%j.out" "${part[@]}" "${BASH_SOURCE[0]}" "$EXPERIMENT" "$@")
  check=$(MI_IDENT_SLURM_ROLE=merge sbatch --parsable --dependency="afternotok:$job" --kill-on-invalid-dep=yes --job-name="$name-check" \
    --cpus-per-task=1 --mem="$merge_mem" --time="$merge_time" --output="$logs/%x-%j.out" "${part[@]}" "${BASH_SOURCE[0]}" "$EXPERIMENT" "$@")
  echo "array job $job: task(s) $(echo "$tasks" | paste -sd, -) of the array's $(planned_tasks "$plan" | wc -l), each a shard of the grid, into $RESULTS/shard-<task>; logs in $logs"
  echo "merge and report: job ${merge%%;*} into $RESULTS/all, once every task has succeeded"
  echo "if a task fails or is cancelled, job ${check%%;*} names what is missing ($logs/$name-check-${check%%;*}.out); then finish with the same command:"
  echo "  ${MI_IDENT_SLURM_AGAIN}"
  echo "(ARRAY=<task IDs> in front of it resubmits only those tasks)"
}

task() {
  # exec: Slurm's SIGTERM (scancel, time limit) reaches mi-ident itself, which stops cleanly.
  exec $MI_IDENT "${COMMAND[@]}" "$@" --out "$RESULTS/shard-$SLURM_ARRAY_TASK_ID" --shard-plan "$RESULTS/shards.json" \
    --workers "${SLURM_CPUS_PER_TASK:-1}"
}

merge() {
  shopt -s nullglob
  local shards=("$RESULTS"/shard-*)
  [ ${#shards[@]} -gt 0 ] || { echo "no task of the array wrote a shard folder in $RESULTS"; shards=("$RESULTS/shard-none"); }
  if $MI_IDENT merge --out "$RESULTS/all" --shard-plan "$RESULTS/shards.json" "${shards[@]}"; then
    $MI_IDENT report "$RESULTS/all"
  else
    echo "the array did not finish; finish it with the command that submitted it (finished shards end at once):"
    echo "  ${MI_IDENT_SLURM_AGAIN:-examples/slurm-array.sh $EXPERIMENT ...}"
    exit 1
  fi
}

case ${MI_IDENT_SLURM_ROLE:-} in
  task) task "$@" ;;
  merge) merge ;;
  "") if [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then task "$@"; else submit "$@"; fi ;;
  *) die "unknown MI_IDENT_SLURM_ROLE=$MI_IDENT_SLURM_ROLE" ;;
esac
