#!/usr/bin/env bash
# run-suite.sh NAME SECONDS BINARY [ARGS...] — run one Criterion suite.
#
# - under `timeout -s KILL`, which puts the suite in its own process group and
#   kills the whole group on expiry, so a hang fails instead of stalling CI;
# - fails when the suite ran 0 tests (a filter that matches nothing passes);
# - fails on any sanitizer report in the log (LeakSanitizer does not fail a
#   Criterion test by itself);
# - fails when a process of the suite outlives it (a leaked child): one that
#   carries the suite's tag, or (under build/tests/run-reaper, a subreaper)
#   any descendant, even one that cleared its environment; both are killed.
set -u
name=$1; secs=$2; shift 2
build=${BUILD:-build}
logdir=$build/test-logs
mkdir -p "$logdir"
log=$logdir/$name.log
# Every process of the suite inherits this tag in its environment, even
# those that leave the process group (Criterion's workers call setsid).
tag="$name.$$.$RANDOM"
reaper=()
reaped=$logdir/$name.reaped
rm -f "$reaped"
[ -x "$build/tests/run-reaper" ] && reaper=("$build/tests/run-reaper" --report "$reaped")
FORKLAB_SUITE_TAG=$tag "${reaper[@]}" timeout -s KILL "$secs" "$@" >"$log" 2>&1 &
pid=$!
wait "$pid"; rc=$?
tagged() {
  grep -lzas "^FORKLAB_SUITE_TAG=$tag\$" /proc/[0-9]*/environ 2>/dev/null |
    sed 's|/proc/\([0-9]*\)/environ|\1|' | tr '\n' ' '
}
left=$(tagged)
if [ -n "$left" ]; then
  sleep 0.5 # a process that is just exiting is not a leak
  left=$(tagged)
fi
if [ -n "$left" ]; then
  echo "$name: processes left behind: $left" >>"$log"
  for p in $left; do ps -o pid=,ppid=,stat=,args= -p "$p"; done >>"$log" 2>/dev/null
  kill -KILL $left 2>/dev/null
fi
if [ -s "$reaped" ]; then # "PID ARGS" lines of what the reaper found and killed
  echo "$name: processes left behind (killed by run-reaper):" >>"$log"
  cat "$reaped" >>"$log"
  left="$left $(cut -d' ' -f1 "$reaped" | tr '\n' ' ')"
fi
rm -f "$reaped"
syn=$(grep -a 'Synthesis:' "$log" | tail -1)
t=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$syn"); t=${t:-0}
p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$syn"); p=${p:-0}
f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$syn"); f=${f:-0}
c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$syn"); c=${c:-0}
echo "$name $t $p $((f + c))" >>"$logdir/counts"
problem=""
[ "$rc" -eq 137 ] && problem="killed after ${secs}s (hang)"
[ -z "$problem" ] && [ "$rc" -ne 0 ] && problem="exit $rc"
[ -z "$problem" ] && [ "$t" -eq 0 ] && problem="ran 0 tests"
[ -z "$problem" ] && grep -aq 'Sanitizer' "$log" && problem="sanitizer report"
[ -z "$problem" ] && [ -n "$left" ] && problem="left processes behind: $left"
if [ -n "$problem" ]; then
  echo "---- $name: FAILED ($problem); log $log:"
  grep -av '^\[----\].*Running\|^\[RUN \]' "$log" | tail -n 60
  [ -n "$syn" ] && echo "$syn"
  exit 1
fi
echo "$name: ${syn:-no synthesis}"
