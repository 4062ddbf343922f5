#!/usr/bin/env bash
# The live run view: the queues lesson, the pool lesson, pause and step,
# quitting (and SIGTERM) leaving no process behind.
. "$(dirname "$0")/lib.sh"
e2e_start run

# ---- the queues lesson, opened from its lesson view
e2e_launch 80 24 "$FORKLAB 08-queues"
e2e_expect "08-queues: the lesson opens" '^forklab: 8\. '
e2e_keys r
e2e_expect "r starts the live run" '^forklab: run 08-queues'
# Replay slowly (1 event per tick) and restart, to watch the queue fill.
e2e_keys - - - - - - - - - R
e2e_expect "slowed down to 1 event per tick" 'speed 1/tick'
e2e_expect "the task queue fills (items inside)" 'queue 1: [1-9][0-9]* inside' 15
e2e_ok "the queue shows its items in order" e2e_wait "^│ '0' '1'" 5
e2e_keys + + + + + + + + + +
e2e_expect "full speed replays everything" 'speed all'
e2e_expect "the example ends with status 0" '\[exited 0\]' 15
e2e_expect "the task queue is empty at the end: 10 put, 10 got" 'queue 1: 0 inside; 10 put, 10 got' 10
e2e_ok "10 distinct worker PIDs plus the parent are shown" \
  e2e_wait_cmd 5 e2e_panel_pids_ge 11
e2e_ok "the output pane shows the example's output" e2e_wait 'squared [0-9] = [0-9]+' 3
e2e_ok "the output pane ends with the sorted results" e2e_wait '│ \[0, 1, 4, 9' 3
e2e_keys PPage
e2e_expect "PgUp scrolls the output back" 'output \(scrolled back' 3
e2e_ok "scrolled back, the latest line is out of view" e2e_wait_cmd 3 e2e_absent '│ \[0, 1, 4, 9'
e2e_keys End
e2e_ok "End returns to the latest output" e2e_wait '│ \[0, 1, 4, 9' 3
e2e_keys q
e2e_expect "q leaves the run, back to the lesson" '^forklab: 8\. '
e2e_ok "no example process is left after leaving the run" e2e_wait_cmd 3 e2e_none_of lessons/08-queues
e2e_keys q q
e2e_expect "quits with status 0" '^APP_EXIT=0$'
e2e_ok "no forklab or example process is left" e2e_wait_cmd 3 e2e_no_procs

# ---- the pool lesson: workers and readiness polls
e2e_launch 80 24 "$FORKLAB run 10-pool-map-async"
e2e_expect "pool: the run view opens directly" '^forklab: run 10-pool-map'
e2e_expect "pool: the map_async result becomes ready after some polls" 'ready after [1-9][0-9]* polls' 15
e2e_ok "pool: at least 2 distinct worker PIDs ran tasks (task N -> PID)" \
  e2e_wait_cmd 5 e2e_workers_ge 2
e2e_ok "pool: the pool panel counts the done tasks" e2e_wait 'pool 1: [0-9]+ workers [0-9 ]+; 10/10 done' 5
e2e_visible >"$E2E_BUILD/test-logs/e2e-pool-screen.txt"
# The run is over: nothing to tick, the loop sleeps in poll() until a key.
e2e_expect "pool: the example has ended" '\[exited 0\]' 10
fl=$(e2e_pids_of forklab)
t0=$(e2e_cpu_ticks $fl)
sleep 2
t1=$(e2e_cpu_ticks $fl)
e2e_ok "pool: idle after the run, forklab used $((t1 - t0))/100 s of CPU in 2 s (no busy loop)" \
  [ -n "$t0" ] && [ -n "$t1" ] && [ $((t1 - t0)) -le 20 ]

# ---- pause and step (the same example runs about a second)
e2e_keys - - - - - - - - - R
e2e_expect "pause: restarted slowly" 'speed 1/tick'
e2e_ok "pause: some events are shown" e2e_wait 'events [1-9][0-9]* \(\+' 10
e2e_keys Space
e2e_expect "space pauses" 'PAUSED|replay paused' 5
if e2e_visible | grep -q '\[PAUSED\]'; then
  e2e_ok "pause: the example's processes are stopped (SIGSTOP)" \
    e2e_wait_cmd 3 e2e_all_stopped lessons/10-pool-map-async
fi
n1=$(e2e_events_shown)
# The example prints only after submitting its ten tasks: with fewer than
# ten events replayed, its output must not run ahead of the panels.
if [ -n "$n1" ] && [ "$n1" -lt 10 ]; then
  e2e_ok "pause: output stays in step with the replay ($n1 events shown, no output yet)" \
    e2e_wait '\(no output yet\)' 2
fi
sleep 0.3
e2e_ok "pause: nothing is applied while paused" [ "$(e2e_events_shown)" = "$n1" ]
e2e_keys s
e2e_ok "s applies exactly one event" e2e_wait_cmd 3 e2e_events_is $((n1 + 1))
e2e_ok "the footer names the stepped event (number, pid, kind)" \
  e2e_wait "last #$((n1 + 1)) [0-9]+ [a-z_]+" 2
e2e_keys s s
e2e_ok "two more steps, two more events" e2e_wait_cmd 3 e2e_events_is $((n1 + 3))

# ---- SIGTERM while paused: terminal restored, the stopped group killed
fl=$(e2e_pids_of forklab)
e2e_ok "forklab is running" [ -n "$fl" ]
[ -n "$fl" ] && kill -TERM $fl
e2e_expect "SIGTERM ends forklab with 128+15" '^APP_EXIT=143$' 10
e2e_ok "SIGTERM: no example process survives" e2e_wait_cmd 3 e2e_no_procs
e2e_ok "SIGTERM: the terminal is restored (shell output after the app)" \
  e2e_absent 'space: resume'

# ---- x kills a run
e2e_launch 80 24 "$FORKLAB run 10-pool-map-async"
e2e_expect "x: the run starts" '^forklab: run 10-pool-map'
e2e_keys x
e2e_expect "x kills the run" '\[killed\]|\[exited 0\]' 5
e2e_ok "x: no example process is left" e2e_wait_cmd 3 e2e_none_of lessons/10-pool-map-async
e2e_keys q
e2e_expect "x: q quits with status 0" '^APP_EXIT=0$'
e2e_end
