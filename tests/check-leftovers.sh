#!/usr/bin/env bash
# check-leftovers.sh BUILD — fail when a run left anything of ours behind.
#
# Processes: a test run under build/tests/run-reaper (make test's driver
# re-executes itself under it) cannot lose one: whatever it starts stays a
# descendant of the reaper, $FORKLAB_RUN_REAPER, even after a double fork,
# setsid and an exec with an empty environment, and carries
# FORKLAB_RUN_REAPER=PID unless it cleared its environment. Every such
# process is a leftover except this script, what it runs and the chain of
# its parents (the driver, make). Anywhere on the machine, a process whose
# executable lives in the build tree is one too.
# Also: /dev/shm entries with our names, Criterion sockets of runners that
# are gone (made since $FORKLAB_RUN_MARK, when the driver set it).
set -u
build=${1:-build}
bad=0
shm=$(ls /dev/shm 2>/dev/null | grep -iE 'forklab|libmp|^mp[-_.]' || true)
if [ -n "$shm" ]; then echo "leftover /dev/shm entries: $shm"; bad=1; fi

reaper=${FORKLAB_RUN_REAPER:-}
[[ $reaper =~ ^[0-9]+$ ]] && [ -d "/proc/$reaper" ] || reaper=""
abs=$(cd "$build" 2>/dev/null && pwd -P)

# "PID PPID" of every process (the name in stat may hold spaces).
process_table() {
  local d line rest
  for d in /proc/[0-9]*; do
    { read -r line <"$d/stat"; } 2>/dev/null || continue
    rest=${line##*) }
    set -- $rest
    echo "${d#/proc/} $2"
  done
}

# Pids of the run's processes that are not this check or its ancestors.
run_processes() {
  [ -n "$reaper" ] || return 0
  local tagged
  tagged=$(grep -lzas "^FORKLAB_RUN_REAPER=$reaper\$" /proc/[0-9]*/environ 2>/dev/null |
    sed 's|/proc/\([0-9]*\)/environ|\1|' | tr '\n' ' ')
  process_table | awk -v R="$reaper" -v S="$$" -v tagged="$tagged" '
    { parent[$1] = $2; kids[$2] = kids[$2] " " $1 }
    END {
      for (p = S; p != "" && p != 0; p = parent[p]) { skip[p] = 1; if (p == R) break }
      # the check itself and what it runs
      n = split(S, todo, " ")
      while (n > 0) { p = todo[n--]; skip[p] = 1; m = split(kids[p], k, " "); for (i = 1; i <= m; i++) todo[++n] = k[i] }
      # descendants of the reaper
      n = 0; m = split(kids[R], k, " "); for (i = 1; i <= m; i++) todo[++n] = k[i]
      while (n > 0) {
        p = todo[n--]; if (!skip[p]) found[p] = 1
        m = split(kids[p], k, " "); for (i = 1; i <= m; i++) todo[++n] = k[i]
      }
      m = split(tagged, k, " "); for (i = 1; i <= m; i++) if (!skip[k[i]] && k[i] in parent) found[k[i]] = 1
      for (p in found) print p
    }' | sort -n
}

# Pids whose executable lives in the build tree.
build_processes() {
  [ -n "$abs" ] || return 0
  local d exe
  for d in /proc/[0-9]*; do
    exe=$(readlink "$d/exe" 2>/dev/null) || continue
    case "$exe" in "$abs"/*) echo "${d#/proc/}" ;; esac
  done
}

# This check and its parents (make, the driver, the reaper) are not leftovers.
ancestors=" "
p=$$
while [[ $p =~ ^[0-9]+$ ]] && [ "$p" -gt 1 ]; do
  ancestors="$ancestors$p "
  p=$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$p/stat" 2>/dev/null)
done
leftovers() {
  local p
  for p in $( { run_processes; build_processes; } | sort -un); do
    case $ancestors in *" $p "*) ;; *) printf '%s ' "$p" ;; esac
  done
}
left=$(leftovers)
if [ -n "$left" ]; then
  sleep 0.5 # a process that is just exiting is not a leftover
  again=" $(leftovers) " still=""
  for p in $left; do case $again in *" $p "*) still="$still $p" ;; esac; done
  left=$still
fi
if [ -n "$left" ]; then
  echo "leftover processes:"
  for p in $left; do
    args=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
    ppid=$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$p/stat" 2>/dev/null)
    echo "  pid $p (parent ${ppid:-?}): ${args:-$(readlink "/proc/$p/exe" 2>/dev/null)}"
  done
  bad=1
fi
[ -n "$reaper" ] || echo "check-leftovers: not under run-reaper: only processes running the build tree's programs are checked"

# Criterion sockets of runners that are gone; only those made during this
# run when the driver marked its start (/tmp is shared with other runs).
mark=${FORKLAB_RUN_MARK:-}
[ -n "$mark" ] && [ -f "$mark" ] || mark=""
sock=$(ls /tmp/criterion_*.sock 2>/dev/null | while read -r s; do
  [ -n "$mark" ] && [ ! "$s" -nt "$mark" ] && continue
  pid=${s#/tmp/criterion_}; pid=${pid%.sock}; kill -0 "$pid" 2>/dev/null || echo "$s"; done)
if [ -n "$sock" ]; then echo "leftover Criterion sockets: $sock"; bad=1; fi
[ $bad -eq 0 ] && echo "check-leftovers: nothing left behind"
exit $bad
