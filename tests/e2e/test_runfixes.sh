#!/usr/bin/env bash
# Run-view defects of issue 20, each checked where a learner meets it:
# killed workers show their end; one name means one program headless and
# live, and a lesson's other examples can be chosen; a terminal that cannot
# move the cursor is refused; --frames never prints a child's output before
# the frame in which the child exists; an unknown name says what exists.
. "$(dirname "$0")/lib.sh"
e2e_start runfixes
OUT=$(mktemp -d /tmp/fl-runfixes-XXXXXX)
trap 'rm -rf "$OUT"; e2e_cleanup' EXIT
run() { (cd "$E2E_ROOT" && FORKLAB_HOME="$E2E_ROOT" FORKLAB_BUILD="$E2E_BUILD" "$FORKLAB" "$@"); }
procs() { awk '/^== processes/{s=1; next} /^== /{s=0} s && $1 ~ /^[0-9]+$/' "$1"; }

# ---- 1. a killed run: every process shows its real end
run run 10-pool-map-async --headless --timeout 0.3 >"$OUT/killed.txt" 2>&1
e2e_ok "killed headless run: the workers were seen" [ "$(procs "$OUT/killed.txt" | grep -c PoolWorker)" -ge 2 ]
e2e_ok "killed headless run: no process is left 'running'" [ "$(procs "$OUT/killed.txt" | grep -c 'running')" -eq 0 ]
e2e_ok "killed headless run: the workers show SIGKILL" \
  [ "$(procs "$OUT/killed.txt" | grep PoolWorker | grep -c 'killed by SIGKILL')" -ge 2 ]
e2e_ok "killed headless run: no task is left running" bash -c "! grep -Eq '^    task [0-9]+ -> pid [0-9]+ running' '$OUT/killed.txt'"

e2e_launch 100 30 "$FORKLAB run 10-pool-map-async"
e2e_expect "x: the workers are running" 'PoolWorker-2 +running' 10
e2e_keys x
e2e_expect "x: the run is killed" '\[killed\]' 5
e2e_ok "x: each worker shows its end, none stays running" \
  e2e_wait_cmd 5 e2e_absent 'PoolWorker-[0-9] +(running|waiting)'
e2e_ok "x: the workers are shown killed" e2e_wait 'PoolWorker-1 +killed' 3
e2e_keys q
e2e_expect "x: quits with status 0" '^APP_EXIT=0$'

# ---- 2. one name, one program
run list >"$OUT/list.txt" 2>&1
e2e_ok "list names every example of a lesson" grep -Eq '^ +10  10-pool-map .*10-pool-map-async,10-pool-map ' "$OUT/list.txt"
e2e_ok "list: 05's second example too" grep -q '05-shared-array,05-shared-value' "$OUT/list.txt"
run run 10-pool-map --headless >"$OUT/map.txt" 2>&1
e2e_ok "headless 10-pool-map runs the blocking map (no map_async)" \
  bash -c "grep -q 'pool 1:' '$OUT/map.txt' && ! grep -q 'map_async' '$OUT/map.txt'"
run run 10 --headless >"$OUT/ten.txt" 2>&1
e2e_ok "headless '10' (a lesson number) runs the lesson's own example" grep -q 'map_async' "$OUT/ten.txt"
e2e_launch 100 30 "$FORKLAB run 10-pool-map"
e2e_expect "live 10-pool-map: the same program as headless" '\[exited 0\]' 15
e2e_ok "live 10-pool-map: no map_async in it" e2e_absent 'map_async'
e2e_keys q
e2e_expect "live 10-pool-map: quits" '^APP_EXIT=0$'
e2e_launch 80 24 "$FORKLAB 10"
e2e_expect "lesson 10 opens" '^forklab: 10\. Pool map'
e2e_keys r
e2e_expect "r offers the lesson's examples" '1\) 10-pool-map-async  \(the lesson.s own\)'
e2e_ok "the other example is listed" e2e_wait '2\) 10-pool-map$|2\) 10-pool-map +│' 2
e2e_keys 2
e2e_expect "2 runs the blocking map" '^forklab: run 10-pool-map' 5
e2e_expect "the chosen example ends" '\[exited 0\]' 15
e2e_ok "it is the blocking map, not map_async" e2e_absent 'map_async'
e2e_keys q q q
e2e_expect "chooser: quits" '^APP_EXIT=0$'

# ---- 3. a terminal that cannot move the cursor
e2e_launch 80 24 "TERM=dumb $FORKLAB"
e2e_expect "TERM=dumb is refused clearly" "terminal type 'dumb' cannot move the cursor"
e2e_expect "TERM=dumb exits 1" '^APP_EXIT=1$'
e2e_ok "TERM=dumb: nothing of the viewer was drawn" e2e_absent 'Up/Down j/k'

# ---- 7. --frames: a child's output after the frame that has the child
run run 02-spawn --frames >"$OUT/frames.txt" 2>&1
child=$(sed -n 's/^\[out\] process id: \([0-9]*\)$/\1/p' "$OUT/frames.txt" | tail -1)
first_out=$(grep -n "^\[out\] process id: $child\$" "$OUT/frames.txt" | head -1 | cut -d: -f1)
first_frame=$(grep -n "^proc $child " "$OUT/frames.txt" | head -1 | cut -d: -f1)
frame_first() { [ -n "$child" ] && [ -n "$first_frame" ] && [ -n "$first_out" ] && [ "$first_frame" -lt "$first_out" ]; }
e2e_ok "--frames: the child ($child) is in a frame before its output (lines $first_frame < $first_out)" frame_first

# ---- 8. an unknown name
run run nosuch --headless >"$OUT/nosuch.txt" 2>&1
st=$?
e2e_ok "unknown name: exit 1" [ "$st" -eq 1 ]
e2e_ok "unknown name: says what was not found" grep -q "nothing named 'nosuch'" "$OUT/nosuch.txt"
e2e_ok "unknown name: lists the lessons" grep -Eq '^  lessons: 01-processes-threads .*13-address-spaces' "$OUT/nosuch.txt"
e2e_ok "unknown name: lists the examples" grep -Eq '^  examples: .*05-shared-value .*06-manager-net' "$OUT/nosuch.txt"
e2e_ok "unknown name: no raw errno text" bash -c "! grep -q 'no such key' '$OUT/nosuch.txt'"

# ---- 11. the top PPID of a run is forklab: labelled
run run 02-spawn --headless >"$OUT/spawn.txt" 2>&1
top=$(procs "$OUT/spawn.txt" | awk 'NR == 1 { print $2 }')
e2e_ok "headless: the top PPID ($top) is labelled forklab" grep -q "^  (PPID $top is forklab, which started the run)$" "$OUT/spawn.txt"
e2e_launch 100 30 "$FORKLAB run 02-spawn"
e2e_expect "live: the processes panel labels the top PPID" '─ processes \(PPID [0-9]+ = forklab\) ─' 10
e2e_keys q
e2e_expect "live: quits" '^APP_EXIT=0$'

# ---- 10. a pipe message that is text shows as text; an end closed is not "closed"
run run 07-pipes --frames >"$OUT/pipes.txt" 2>&1
e2e_ok "07: the price list travels as text" grep -q "{'Apple': 0.7, 'Orange': 1.2}" "$OUT/pipes.txt"
run run 03-sync --headless >"$OUT/sync.txt" 2>&1
e2e_ok "03: each waiting process's waits are shown" [ "$(grep -Ec '^    pid [0-9]+ waited [0-9]+ times?, ' "$OUT/sync.txt")" -ge 1 ]

# ---- 10. the examples show what their slides claim
run run 11-summary --headless >"$OUT/summary.txt" 2>&1
e2e_ok "11: one pool task per number (16 numbers, 16 tasks)" grep -Eq '^  pool 1: .*tasks 16, done 16' "$OUT/summary.txt"
e2e_ok "11: the tasks spread over more than one worker" grep -Eq '^  pool 1: .*distinct workers used [2-9]' "$OUT/summary.txt"
run run 12-threads-vs-processes --headless >"$OUT/twelve.txt" 2>&1
chunks=$(sed -n 's/.* in \([0-9]*\) chunks.*/\1/p' "$OUT/twelve.txt" | head -1)
e2e_ok "12: the pool panel counts the $chunks chunks the output speaks of" grep -Eq "^  pool 1: .*tasks $chunks, done $chunks" "$OUT/twelve.txt"
run run 09-pool-apply --headless >"$OUT/nine.txt" 2>&1
e2e_ok "09: more tasks than workers, so worker PIDs repeat" grep -Eq '^\[out\] [1-4] different workers ran 8 tasks: PIDs repeat$' "$OUT/nine.txt"
e2e_ok "09: the pool panel shows the 10 tasks" grep -Eq '^  pool 1: 4 workers .*tasks 10, done 10' "$OUT/nine.txt"

e2e_ok "no process is left" e2e_wait_cmd 5 e2e_no_procs
e2e_end
