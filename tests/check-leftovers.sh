#!/usr/bin/env bash
# check-leftovers.sh BUILD — fail when a run left anything of ours behind.
set -u
build=${1:-build}
bad=0
shm=$(ls /dev/shm 2>/dev/null | grep -iE 'forklab|libmp|^mp[-_.]' || true)
if [ -n "$shm" ]; then echo "leftover /dev/shm entries: $shm"; bad=1; fi
abs=$(cd "$build" 2>/dev/null && pwd)
if [ -n "$abs" ]; then
  procs=$(ps -eo pid=,args= | awk -v b="$abs" -v rel="$build/" 'index($0, b) || index($2, rel) == 1 {print}' | grep -v check-leftovers || true)
  if [ -n "$procs" ]; then echo "leftover processes:"; echo "$procs"; bad=1; fi
fi
[ $bad -eq 0 ] && echo "check-leftovers: nothing left behind"
exit $bad
