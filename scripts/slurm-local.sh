#!/usr/bin/env bash
# A one-node Slurm on this machine, for tests and CI: munged, slurmctld and slurmd, all listening on
# 127.0.0.1 only, every file (config, keys, state, logs, pid files) under one folder.
#
#   scripts/slurm-local.sh start   # prints the SLURM_CONF to export for sbatch, squeue, ...
#   scripts/slurm-local.sh stop    # stops the three daemons by their pid files
#   scripts/slurm-local.sh status
#
# Needs Debian's slurm-wlm and munge (apt-get install slurm-wlm munge) and root (the daemons run as
# root, as do the jobs). MI_IDENT_SLURM_DIR (default /tmp/mi-ident-slurm) is the folder;
# MI_IDENT_SLURM_PORT (default 16817; slurmd uses the next port) keeps clear of a system Slurm.
set -euo pipefail

DIR=${MI_IDENT_SLURM_DIR:-/tmp/mi-ident-slurm}
PORT=${MI_IDENT_SLURM_PORT:-16817}
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF

die() { echo "slurm-local: $*" >&2; exit 1; }

pid_of() { [ -s "$DIR/$1.pid" ] && cat "$DIR/$1.pid" || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

write_config() {
  local node cpus mem
  node=$(hostname -s)
  # The node as slurmd sees it: real CPU count and memory, so that requests are checked as on a cluster.
  cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -1)
  mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -1)
  [ -n "$cpus" ] && [ -n "$mem" ] || die "slurmd -C did not report CPUs and RealMemory"
  cat >"$CONF" <<EOF
ClusterName=mi-ident-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
# Listen on 127.0.0.1 only, never on every interface.
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
# No cgroups (containers rarely allow them) and no accounting database.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
# As on most clusters: a job that asks for no memory gets a share per CPU, not the whole node.
DefMemPerCPU=$((mem / cpus))
ReturnToService=2
SchedulerParameters=sched_interval=2
MinJobAge=600
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  command -v slurmctld >/dev/null && command -v munged >/dev/null || die "slurm-wlm and munge are not installed (apt-get install slurm-wlm munge)"
  [ "$(id -u)" = 0 ] || die "the daemons run as root here; run as root"
  if alive slurmctld || alive slurmd || alive munged; then die "already running in $DIR (scripts/slurm-local.sh stop first)"; fi
  mkdir -p "$DIR/ctld" "$DIR/spool"
  chmod 755 "$DIR" # munged wants its socket folder reachable by every user
  [ -s "$DIR/munge.key" ] || { head -c 1024 /dev/urandom >"$DIR/munge.key"; chmod 400 "$DIR/munge.key"; }
  write_config
  munged --key-file="$DIR/munge.key" --socket="$DIR/munge.socket" --pid-file="$DIR/munged.pid" \
    --log-file="$DIR/munged.log" --seed-file="$DIR/munged.seed"
  # -c: a fresh controller state, so that old jobs of an earlier run do not come back.
  slurmctld -c -f "$CONF"
  slurmd -f "$CONF" -N "$(hostname -s)"
  local i state=
  for i in $(seq 1 60); do
    state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && { echo "export SLURM_CONF=$CONF"; return 0; }
    sleep 0.5
  done
  echo "slurm-local: the node did not become idle (state: ${state:-none}); logs in $DIR" >&2
  tail -n 20 "$DIR/slurmctld.log" "$DIR/slurmd.log" >&2 || true
  stop
  exit 1
}

stop() {
  local name pid i
  for name in slurmd slurmctld munged; do
    pid=$(pid_of "$name")
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$DIR/$name.pid"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) for n in munged slurmctld slurmd; do alive "$n" && echo "$n: running (pid $(pid_of "$n"))" || echo "$n: stopped"; done ;;
  *) echo "usage: scripts/slurm-local.sh start|stop|status" >&2; exit 2 ;;
esac
