#!/usr/bin/env bash
# test_controlled_ui.sh — the live view's controlled modes on the lock
# lesson (03-sync, whose YAML picks "paced"): each hand-off of the lock is
# on screen for at least a second, `s` moves one real process by one
# operation, and in "you schedule" the learner's order is the output's.
. "$(dirname "$0")/lib.sh"
e2e_start controlled_ui

step_of() { e2e_visible | sed -n 's/^forklab: run 03-sync .*step \([0-9]*\).*/\1/p' | head -1; }
holder() { e2e_visible | grep -Eo 'lock 1: held by [0-9]+' | grep -Eo '[0-9]+$' | head -1; }
# "N · PID P · what" of each process row (the panel's left column)
rows() { e2e_visible | grep -E '^│ [ >][0-9]+ · PID' | sed -E 's/^│ [ >]([0-9]+ · PID [0-9]+ · [^│]*)│.*/\1/'; }

# ---- paced: the lesson's default mode, 2 operations a second
e2e_launch 80 24 "$FORKLAB run 03-sync"
e2e_expect "03-sync opens paced at 2 operations a second" '^forklab: run 03-sync \[running\] paced 2 op/s' 10
e2e_expect "the processes panel lists pending operations" '^│  [0-9] · PID [0-9]+ · ' 10
e2e_ok "a process holds the lock" e2e_wait 'lock 1: held by [0-9]+' 20
# time a whole hold, from the hand-off that starts it to the one that ends it
# (both seen by the same 0.05 s polling, so the lags cancel)
h0=$(holder)
while h=$(holder); [ -z "$h" ] || [ "$h" = "$h0" ]; do sleep 0.05; done
t0=$(date +%s.%N)
while [ "$(holder)" = "$h" ]; do sleep 0.05; done
t1=$(date +%s.%N)
e2e_ok "the holder is shown for at least a second ($h for $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s)" \
  awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 1.0) }'
e2e_ok "waiters are shown beside the holder" e2e_wait '· wants lock 1 \(held by P' 30

# ---- paused, s moves one real process by one operation
e2e_keys ' '
e2e_expect "space pauses the granting" '\[PAUSED\] paced' 3
sleep 0.7
before_step=$(step_of); before_rows=$(rows)
sleep 1.2
e2e_ok "paused: nothing moves" [ -n "$before_rows" -a "$(step_of)" = "$before_step" -a "$(rows)" = "$before_rows" ]
e2e_keys s
step_is() { [ "$(step_of)" = "$1" ]; }
e2e_ok "s is one step more" e2e_wait_cmd 3 step_is "$((before_step + 1))"
sleep 0.5
# the moved process's row changed, or (a start: the same next operation on
# the same line) the new process's row appeared
moved=$(e2e_visible | sed -n 's/^forklab: .*(last moved: \([0-9]*\)).*/\1/p')
row_of() { echo "$1" | grep -E "^$moved · PID"; }
moved_shows() {
  local after; after=$(rows)
  [ -n "$moved" ] && [ -n "$(row_of "$before_rows")" ] &&
    { [ "$(row_of "$before_rows")" != "$(row_of "$after")" ] || [ "$(echo "$after" | wc -l)" -gt "$(echo "$before_rows" | wc -l)" ]; }
}
e2e_ok "s moved one real process: its row changed, or its new child appeared ($moved)" moved_shows
e2e_keys q
e2e_ok "quitting the paced run leaves no process" e2e_wait_cmd 5 e2e_no_procs

# ---- you schedule: 2 then 1 prints "hello world 1" first, 1 then 2 the other way
schedule_run() { # $1 $2: the children (by creation index) moved to the end, in this order
  e2e_launch 80 24 "$FORKLAB run 03-sync"
  e2e_expect "paced first" 'paced 2 op/s' 10
  e2e_keys m
  e2e_expect "m: you schedule" '\] you schedule, step 0' 5
  e2e_ok "you schedule: the selected process is marked" e2e_wait '^│ >0 · PID' 5
  for k in 0 0 0 0; do e2e_keys $k; sleep 0.2; done  # start, note, start 1, start 2
  e2e_ok "processes 1 and 2 exist" e2e_wait '^│  2 · PID [0-9]+ · starts' 5
  e2e_keys 1; sleep 0.2; e2e_keys 2; sleep 0.2      # both started: both want the lock
  e2e_ok "a disabled process is dimmed with its reason" e2e_wait 'wants lock 1 \((free|held by)' 5
  for k in $1 $1 $1 $1 $2 $2 $2 $2; do e2e_keys "$k"; sleep 0.2; done # lock, note+print, release, exit
}
schedule_run 2 1
e2e_ok "2 then 1: hello world 1 comes before hello world 0" \
  e2e_wait_cmd 5 sh -c "tmux -S '$E2E_SOCK' capture-pane -p | grep -o 'hello world [01]' | tr '\n' ' ' | grep -q '^hello world 1 hello world 0 \$'"
e2e_keys q
schedule_run 1 2
e2e_ok "1 then 2: hello world 0 comes before hello world 1" \
  e2e_wait_cmd 5 sh -c "tmux -S '$E2E_SOCK' capture-pane -p | grep -o 'hello world [01]' | tr '\n' ' ' | grep -q '^hello world 0 hello world 1 \$'"
e2e_keys 1
e2e_ok "choosing a process that is not enabled says so" e2e_wait 'not enabled \(enabled: ' 3
e2e_keys q
e2e_ok "quitting leaves no process" e2e_wait_cmd 5 e2e_no_procs

e2e_end
