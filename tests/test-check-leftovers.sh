#!/usr/bin/env bash
# test-check-leftovers.sh — the `make test` step proving check-leftovers
# finds any process a run leaves, not only programs of the build tree:
#  1. a clean run under run-reaper: nothing reported;
#  2. a grandchild that leaves the session and becomes /bin/sleep with an
#     empty environment (no tag, not our executable, parent gone): reported
#     with its pid, and killed by the reaper when the run ends;
#  3. run-reaper itself lists and kills what is left after its command.
set -u
cd "$(dirname "$0")/.." || exit 2
build=${BUILD:-build}
reaper=$build/tests/run-reaper
out=$build/test-logs/check-leftovers
mkdir -p "$out"
ok=1
bad() { echo "test-check-leftovers: FAILED: $*"; ok=0; }
[ -x "$reaper" ] || { echo "test-check-leftovers: $reaper is missing (make all)"; exit 1; }
mark=613.$$ # a duration nobody else sleeps: the escapee's only mark
alive() { pgrep -f "^/bin/sleep $mark\$" | tr '\n' ' '; }

# 1. clean
"$reaper" bash tests/check-leftovers.sh "$build" >"$out/clean.out" 2>&1
grep -q '^leftover processes' "$out/clean.out" && bad "a clean run reported processes: $(cat "$out/clean.out")"

# 2. the escapee
"$reaper" bash -c '
  (setsid sh -c "exec env -i /bin/sleep $1" </dev/null >/dev/null 2>&1 &) # its parent exits at once
  for i in $(seq 50); do pgrep -f "^/bin/sleep $1\$" >/dev/null && break; sleep 0.1; done
  bash tests/check-leftovers.sh "$2"; echo "check-leftovers exit $?"' sh "$mark" "$build" >"$out/escapee.out" 2>"$out/escapee.err"
pid=$(sed -n "s|^  pid \([0-9]*\) (parent [0-9]*): /bin/sleep $mark *\$|\1|p" "$out/escapee.out")
if [ -z "$pid" ]; then bad "the /bin/sleep escapee was not reported: $(cat "$out/escapee.out")"
else echo "test-check-leftovers: reported: $(grep -m1 "/bin/sleep $mark" "$out/escapee.out" | sed 's/^ *//')"; fi
grep -q '^check-leftovers exit 1$' "$out/escapee.out" || bad "check-leftovers did not fail on the escapee"
grep -q "^run-reaper: left behind: [0-9]* /bin/sleep $mark\$" "$out/escapee.err" || bad "run-reaper did not list the escapee: $(cat "$out/escapee.err")"
left=$(alive)
[ -z "$left" ] || { bad "the escapee survived the run: $left"; kill -KILL $left 2>/dev/null; }

# 3. run-reaper's own report, and the command's exit status passed on
"$reaper" --report "$out/report" bash -c '(setsid env -i /bin/sleep "$1" </dev/null >/dev/null 2>&1 &); sleep 0.2; exit 3' sh "$mark"
rc=$?
[ $rc -eq 3 ] || bad "run-reaper exited $rc, expected the command's 3"
grep -q "^[0-9]* /bin/sleep $mark\$" "$out/report" || bad "run-reaper --report did not list the escapee: $(cat "$out/report")"
left=$(alive)
[ -z "$left" ] || { bad "run-reaper left the escapee alive: $left"; kill -KILL $left 2>/dev/null; }

[ $ok -eq 1 ] && echo "test-check-leftovers: ok" || exit 1
