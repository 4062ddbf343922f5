#!/usr/bin/env bash
# sandbox.sh — containment for graded code (sourced by grade.sh; also runs
# a program by itself: `sandbox.sh [--asan] [--describe] -- PROGRAM ARGS...`).
#
# The learner's code is linked into a Criterion grader, so the grader runs
# contained as a whole, in bubblewrap:
#   - its own user namespace, mapped to an unprivileged uid outside: as
#     root we first drop to $FORKLAB_GRADE_UID (default 65534, nobody) with
#     setpriv, so the code owns nothing on the machine and RLIMIT_NPROC
#     binds (the kernel never applies it to uid 0); the limit is set inside
#     the namespace, where the count is of this sandbox's processes only;
#   - its own PID namespace: bwrap is its init, and when the grader ends
#     (or bwrap is killed: --die-with-parent) the kernel kills everything
#     in it, whatever setsid, double forks or empty environments it used;
#   - its own mount view: / read-only, a fresh /proc and /dev, private
#     size-capped tmpfs on /tmp (the scratch directory and the working
#     directory), /dev/shm and /run; the grader's binary directory is bound
#     read-only at /run/forklab-grade;
#   - no network (a namespace with loopback only), its own IPC and UTS;
#     no further user namespaces;
#   - rlimits: processes, address space (not under ASan, which reserves
#     terabytes of shadow), CPU seconds, file size, no core files;
#   - a clean environment: only the variables below are passed.
# Reports leave through descriptors the caller opened (--json=/dev/fd/N):
# nothing outside the sandbox is writable by it.
#
# FORKLAB_SANDBOX=auto (default: contain when possible, else say so and run
# uncontained) | require (refuse to grade uncontained) | off.
# Limits: FORKLAB_GRADE_NPROC (256 tasks), FORKLAB_GRADE_MEM_MB (1024 per
# process), FORKLAB_GRADE_CPU (180 s per process), FORKLAB_GRADE_FSIZE_MB
# (64), FORKLAB_GRADE_TMPFS_MB (64 for /tmp and for /dev/shm).
# FORKLAB_BWRAP names the bwrap binary (default: bwrap on PATH).

sandbox_ok=0        # 1 once sandbox_probe found containment working
sandbox_desc=""     # one line: what contains the code, or why nothing does
sandbox_bin_dir=/run/forklab-grade
# Directories to bind back read-only at their own path, after the private
# /tmp, /dev/shm and /run are mounted: a tree that lives under one of those
# would be hidden otherwise (grade-mpi.sh runs forklab out of the tree).
sandbox_ro_binds=()

# Variables the contained grader sees (besides HOME, TMPDIR, PATH).
sandbox_pass_env() {
  local v
  for v in $(compgen -e); do
    case $v in
      FORKLAB_*|MP_*|ASAN_OPTIONS|UBSAN_OPTIONS|LSAN_OPTIONS|CRITERION_*|LANG|LC_*|TERM|TZ)
        printf '%s\0%s\0' "$v" "${!v}" ;;
    esac
  done
}

# sandbox_prefix ARRAY BINDIR ASAN [CWD]: fills ARRAY with the command that
# runs a program of BINDIR (as $sandbox_bin_dir/NAME) contained, in CWD
# (default /tmp, the scratch directory).
sandbox_prefix() {
  local -n _p=$1
  local bindir=$2 asan=$3 cwd=${4:-/tmp}
  local nproc=${FORKLAB_GRADE_NPROC:-256} mem=${FORKLAB_GRADE_MEM_MB:-1024}
  local cpu=${FORKLAB_GRADE_CPU:-180} fsize=${FORKLAB_GRADE_FSIZE_MB:-64}
  local tmpfs=$((${FORKLAB_GRADE_TMPFS_MB:-64} * 1048576))
  _p=()
  if [ "$(id -u)" = 0 ]; then
    local uid=${FORKLAB_GRADE_UID:-65534}
    _p+=(setpriv "--reuid=$uid" "--regid=$uid" --clear-groups --)
  fi
  _p+=("${FORKLAB_BWRAP:-bwrap}" --unshare-user --unshare-pid --unshare-net --unshare-ipc --unshare-uts
       --unshare-cgroup-try --disable-userns --die-with-parent --new-session
       --ro-bind / / --dev /dev --proc /proc --tmpfs /run
       --size "$tmpfs" --tmpfs /tmp --size "$tmpfs" --tmpfs /dev/shm)
  local b
  for b in "${sandbox_ro_binds[@]}"; do _p+=(--ro-bind "$b" "$b"); done
  _p+=(--ro-bind "$bindir" "$sandbox_bin_dir" --chdir "$cwd"
       --clearenv --setenv PATH /usr/local/bin:/usr/bin:/bin --setenv HOME /tmp --setenv TMPDIR /tmp
       --setenv FORKLAB_GRADE_TMP /tmp)
  local k v
  while IFS= read -r -d '' k && IFS= read -r -d '' v; do
    [ "$k" = FORKLAB_GRADE_TMP ] && continue
    _p+=(--setenv "$k" "$v")
  done < <(sandbox_pass_env)
  _p+=(-- prlimit "--nproc=$nproc:$nproc" "--cpu=$cpu:$((cpu + 5))"
       "--fsize=$((fsize * 1048576))" --core=0)
  [ "$asan" = 1 ] || _p+=("--as=$((mem * 1048576))")
  _p+=(--)
}

# A directory the sandbox's uid can read and enter (every parent too)?
sandbox_reachable() {
  if [ "$(id -u)" = 0 ]; then
    setpriv "--reuid=${FORKLAB_GRADE_UID:-65534}" "--regid=${FORKLAB_GRADE_UID:-65534}" --clear-groups -- \
      test -r "$1" -a -x "$1" 2>/dev/null
  else
    test -r "$1" -a -x "$1"
  fi
}

# Sets sandbox_ok and sandbox_desc. Runs /bin/true contained once (~10 ms).
sandbox_probe() {
  local mode=${FORKLAB_SANDBOX:-auto} bw=${FORKLAB_BWRAP:-bwrap} err pre=()
  sandbox_ok=0
  if [ "$mode" = off ]; then
    sandbox_desc="NOT CONTAINED: containment turned off (FORKLAB_SANDBOX=off); graded code runs with your privileges"
    return 0
  fi
  if ! command -v "$bw" >/dev/null 2>&1; then
    sandbox_desc="NOT CONTAINED: bubblewrap ($bw) is not installed (apt-get install bubblewrap); graded code runs with your privileges"
    return 0
  fi
  if [ "$(id -u)" = 0 ] && ! command -v setpriv >/dev/null 2>&1; then
    sandbox_desc="NOT CONTAINED: setpriv (util-linux) is missing, needed to drop root; graded code runs as root"
    return 0
  fi
  sandbox_prefix pre /bin 0
  if ! err=$("${pre[@]}" /bin/true 2>&1); then
    err=${err//$'\n'/ }
    sandbox_desc="NOT CONTAINED: the sandbox cannot start here (${err:-bwrap failed}: user namespaces disabled?); graded code runs with your privileges"
    return 0
  fi
  sandbox_ok=1
  local who="uid ${FORKLAB_GRADE_UID:-65534}"
  [ "$(id -u)" = 0 ] || who="uid $(id -u)"
  sandbox_desc="contained: bwrap (own pid, mount, net, ipc namespaces; tree read-only, private /tmp and /dev/shm; $who; at most ${FORKLAB_GRADE_NPROC:-256} processes, ${FORKLAB_GRADE_MEM_MB:-1024} MiB each, ${FORKLAB_GRADE_CPU:-180} s CPU, files ${FORKLAB_GRADE_FSIZE_MB:-64} MiB)"
}

# Refuse (exit 2) when FORKLAB_SANDBOX=require and nothing contains.
sandbox_require() {
  if [ "${FORKLAB_SANDBOX:-auto}" = require ] && [ "$sandbox_ok" != 1 ]; then
    echo "grade: $sandbox_desc" >&2
    echo "grade: FORKLAB_SANDBOX=require: refusing to run graded code uncontained" >&2
    exit 2
  fi
}

# Run by itself: contain one program (by hand, or a later front end that
# re-runs an example many times, such as an explorer).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u
  asan=0 describe=0
  while [ $# -gt 0 ]; do
    case $1 in
      --asan) asan=1 ;;
      --describe) describe=1 ;;
      --) shift; break ;;
      -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
      *) break ;;
    esac
    shift
  done
  sandbox_probe
  [ $describe -eq 1 ] && { echo "$sandbox_desc"; [ $# -eq 0 ] && exit $((1 - sandbox_ok)); }
  [ $# -gt 0 ] || { echo "usage: sandbox.sh [--asan] [--describe] -- PROGRAM ARGS..." >&2; exit 2; }
  sandbox_require
  if [ "$sandbox_ok" != 1 ]; then echo "sandbox: $sandbox_desc" >&2; exec "$@"; fi
  prog=$(command -v "$1") || { echo "sandbox: no program $1" >&2; exit 127; }
  shift
  dir=$(cd "$(dirname "$prog")" && pwd -P)
  sandbox_reachable "$dir" || { echo "sandbox: $dir is not reachable by the sandbox's uid" >&2; exit 2; }
  # the caller's directory (read-only) when the sandbox can enter it, so
  # that relative paths (lessons/, exercises/) mean what they mean outside
  cwd=/tmp
  sandbox_reachable "$PWD" && cwd=$PWD
  sandbox_prefix pre "$dir" "$asan" "$cwd"
  exec "${pre[@]}" "$sandbox_bin_dir/$(basename "$prog")" "$@"
fi
