#!/usr/bin/env bash
# check-leftovers.sh BUILD — fail when a run left anything of ours behind.
set -u
build=${1:-build}
bad=0
shm=$(ls /dev/shm 2>/dev/null | grep -iE 'forklab|libmp|^mp[-_.]' || true)
if [ -n "$shm" ]; then echo "leftover /dev/shm entries: $shm"; bad=1; fi
abs=$(cd "$build" 2>/dev/null && pwd -P)
if [ -n "$abs" ]; then
  # A process whose executable lives in the build tree is one of ours.
  procs=""
  for d in /proc/[0-9]*; do
    exe=$(readlink "$d/exe" 2>/dev/null) || continue
    case "$exe" in "$abs"/*) procs="$procs ${d#/proc/}:$exe";; esac
  done
  if [ -n "$procs" ]; then echo "leftover processes:$procs"; bad=1; fi
fi
sock=$(ls /tmp/criterion_*.sock 2>/dev/null | while read -r s; do
  pid=${s#/tmp/criterion_}; pid=${pid%.sock}; kill -0 "$pid" 2>/dev/null || echo "$s"; done)
if [ -n "$sock" ]; then echo "leftover Criterion sockets: $sock"; bad=1; fi
[ $bad -eq 0 ] && echo "check-leftovers: nothing left behind"
exit $bad
