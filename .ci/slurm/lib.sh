# shellcheck shell=bash
# Sourced by .ci/slurm/up, down and check: where the one-node cluster lives and how its
# daemons are found, stopped and diagnosed.
#
# Everything belongs to one folder, chosen by --dir DIR, else $SEGSTUDIO_SLURM_DIR, else
# ${TMPDIR:-/tmp}/segstudio-slurm:
#   slurm.conf  plugstack.conf  env        the configuration and the environment to source
#   munge/      key, pid, log and seed of this cluster's own munged (readable by root only)
#   state/      slurmctld's StateSaveLocation     spool/  slurmd's SlurmdSpoolDir
#   run/        pid files and munge.socket        log/    slurmctld.log, slurmd.log
#   check/      the results of .ci/slurm/check
# Nothing outside it is read or written (Slurm's commands are pointed at it by SLURM_CONF,
# munge by the socket in AuthInfo), so a Slurm or munge the machine already runs is left alone.

# Prints the comment block at the top of the running script.
slurm_help() { sed -n '2,/^[^#]/ s/^# \{0,1\}//p' "$0"; }

slurm_say() { printf '[slurm] %s\n' "$*" >&2; }
slurm_die() { printf '[slurm] error: %s\n' "$*" >&2; exit 1; }

# Parses --dir DIR (or --dir=DIR) out of the arguments; the rest stay in SLURM_ARGS. Sets the
# paths the scripts share.
# shellcheck disable=SC2034 # the variables are used by the scripts that source this file
slurm_parse_dir() {
  SLURM_DIR="${SEGSTUDIO_SLURM_DIR:-${TMPDIR:-/tmp}/segstudio-slurm}"
  SLURM_ARGS=()
  while (($#)); do
    case "$1" in
      --dir) (($# >= 2)) || slurm_die "--dir needs a folder"; SLURM_DIR="$2"; shift 2 ;;
      --dir=*) SLURM_DIR="${1#--dir=}"; shift ;;
      *) SLURM_ARGS+=("$1"); shift ;;
    esac
  done
  [[ -n "$SLURM_DIR" ]] || slurm_die "the cluster folder is an empty path"
  case "$SLURM_DIR" in /*) ;; *) SLURM_DIR="$PWD/$SLURM_DIR" ;; esac
  SLURM_DIR="${SLURM_DIR%/}"
  SLURM_CONF_FILE="$SLURM_DIR/slurm.conf"
  SLURM_ENV_FILE="$SLURM_DIR/env"
  MUNGE_DIR="$SLURM_DIR/munge"
  MUNGE_SOCKET="$SLURM_DIR/run/munge.socket"
  SLURM_LOG_DIR="$SLURM_DIR/log"
  SLURM_RUN_DIR="$SLURM_DIR/run"
}

# The pid file of each daemon, and the log that explains its death.
slurm_pidfile() {
  case "$1" in
    munged) echo "$MUNGE_DIR/munged.pid" ;;
    *) echo "$SLURM_RUN_DIR/$1.pid" ;;
  esac
}
slurm_logfile() {
  case "$1" in
    munged) echo "$MUNGE_DIR/munged.log" ;;
    *) echo "$SLURM_LOG_DIR/$1.log" ;;
  esac
}

# Whether process PID still runs (a zombie waiting for its parent to reap it has exited).
slurm_alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat%% *}" != Z ]]
}

# Prints the pid of daemon NAME when its pid file names a live process of that name (a stale
# pid file whose number now belongs to another program does not count).
slurm_pid() {
  local name="$1" pidfile pid comm
  pidfile="$(slurm_pidfile "$name")"
  [[ -r "$pidfile" ]] || return 1
  read -r pid <"$pidfile" 2>/dev/null || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
  [[ "$comm" == "$name" ]] && slurm_alive "$pid" || return 1
  echo "$pid"
}

# The last lines of a log, indented, or a note that there is none.
slurm_log_tail() {
  local file="$1" lines="${2:-25}"
  if [[ -s "$file" ]]; then
    printf '[slurm] --- last %s lines of %s ---\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" | sed 's/^/    /' >&2
  else
    printf '[slurm] (%s is empty or missing)\n' "$file" >&2
  fi
}

# Stops daemon NAME by its pid file: SIGTERM, up to 20 s for it to go, then SIGKILL. Counts
# the daemons it stopped in SLURM_STOPPED.
SLURM_STOPPED=0
slurm_stop_daemon() {
  local name="$1" pid i
  pid="$(slurm_pid "$name")" || { rm -f -- "$(slurm_pidfile "$name")"; return 0; }
  SLURM_STOPPED=$((SLURM_STOPPED + 1))
  slurm_say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    slurm_alive "$pid" || break
    sleep 0.1
  done
  if slurm_alive "$pid"; then
    slurm_say "$name (pid $pid) did not stop within 20 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do slurm_alive "$pid" || break; sleep 0.1; done
  fi
  rm -f -- "$(slurm_pidfile "$name")"
}

# What an operator needs when the node is not usable: the controller's view of it and the
# logs of slurmd and slurmctld.
slurm_node_report() {
  local node="$1"
  slurm_say "--- scontrol show node $node ---"
  SLURM_CONF="$SLURM_CONF_FILE" timeout 15 scontrol show node "$node" 2>&1 | sed 's/^/    /' >&2 || true
  slurm_log_tail "$(slurm_logfile slurmd)" 30
  slurm_log_tail "$(slurm_logfile slurmctld)" 15
}
