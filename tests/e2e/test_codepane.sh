#!/usr/bin/env bash
# test_codepane.sh — the code panes. In a live run the example's source shows
# with each live process's number beside its current line (in "you
# schedule", the line of its pending operation), and the mark moves to the
# next operation's line when the process is stepped; the explorer's replay
# shows the same pane. In a lesson, < and > scroll the code sideways to a
# long line's tail, with a sign at the side where text is hidden. `?` in the
# run view lists `m` and the code keys. All at 80x24 unless said.
. "$(dirname "$0")/lib.sh"
e2e_start codepane

# A row of the code pane: marker, ">", the line number, the code.
marked() { e2e_wait "│ *$1> +$2 +$3" 5; }        # process $1 marked on line $2

# ---- you schedule on 03-sync: process 1's line, then the next one
e2e_launch 80 24 "$FORKLAB run 03-sync"
e2e_expect "03-sync opens paced, with the seed it picks its order from" \
  '^forklab: run 03-sync \[running\] paced 2 op/s seed [0-9]+, step' 10
e2e_expect "the code pane is there at 80x24" '┌─ code: N = process N.s next op' 5
e2e_keys m
e2e_expect "m: you schedule" '\] you schedule, step 0' 5
for k in 0 0 0 0; do e2e_keys $k; sleep 0.2; done # start, note, start 1, start 2
e2e_ok "processes 1 and 2 exist" e2e_wait '^│  2 · PID [0-9]+ · starts' 5
e2e_keys 1 # process 1 starts: its next operation is the acquire
e2e_ok "process 1 is marked on the line of its pending acquire (28)" marked 1 28 'int rc = mp_lock'
e2e_ok "the processes panel says process 1 wants the lock" e2e_wait '^│ >1 · PID [0-9]+ · wants lock 1 ' 5
e2e_keys 1 # it takes the lock: next comes its note
e2e_ok "stepped, the mark moves to its next operation's line (32)" marked 1 32 'mp_trace_note'
e2e_ok "line 28 is no longer marked" e2e_wait_cmd 3 e2e_absent '[0-9+]> +28 '
e2e_keys 2 # process 2 moves from its start to its own acquire, and the pane follows it
e2e_ok "choosing process 2 marks its pending acquire (28)" marked 2 28 'int rc = mp_lock'
e2e_ok "process 1 stays marked on 32" marked 1 32 'mp_trace_note'
e2e_keys Up; sleep 0.2; e2e_keys Enter # arrows and Enter pick a process too: 1, from its note to its release
e2e_ok "Up and Enter move process 1: marked on its release (38)" marked 1 38 'mp_lock_release'
e2e_keys c
e2e_ok "c hides the code pane" e2e_wait_cmd 3 e2e_absent '┌─ code: '
e2e_keys c
e2e_expect "c shows it again" '┌─ code: ' 3

# ---- ? lists m and the code keys
e2e_keys '?'
e2e_expect "the help lists m (the run modes)" 'm  mode: free, paced, you schedule' 3
e2e_expect "the help lists the code pane's keys" 'c +show / hide the code +< / >  code sideways' 3
e2e_ok "the help fits: the quiz keys, last, still show" e2e_wait 'n  next question' 3
e2e_keys q
e2e_keys q
e2e_ok "quitting leaves no process" e2e_wait_cmd 5 e2e_no_procs

# ---- free mode: the last call of each live process; compact layout hides it until c
e2e_launch 60 20 "$FORKLAB run 03-sync"
e2e_expect "60x20 opens" '^forklab: run 03-sync' 10
e2e_ok "compact: no code pane at first" e2e_absent '┌─ code: '
e2e_keys c
e2e_expect "c shows it in the compact layout" '┌─ code: ' 3
e2e_keys q
e2e_ok "nothing left" e2e_wait_cmd 5 e2e_no_procs

# ---- the lesson's code pane scrolls sideways
e2e_launch 80 24 "$FORKLAB 03-sync"
e2e_expect "the lesson opens, its code pane saying lines go on sideways" 'C: lessons/03-sync.c .*</>: sideways' 10
for _ in $(seq 1 25); do e2e_keys j; done
e2e_ok "line 34 is cut at the right with a sign" e2e_wait '│ +34 +fflush\(stdout\); /\* inside .*»│' 5
e2e_ok "its tail is hidden" e2e_absent 'before the next holder \*/'
for _ in 1 2 3; do e2e_keys '>'; done
e2e_ok "> > >: the tail shows" e2e_wait '│ +34 .*before the next holder \*/' 5
e2e_ok "a sign says text is hidden on the left" e2e_wait '│ +34 «' 5
for _ in 1 2 3; do e2e_keys '<'; done
e2e_ok "< < <: back to the start of the line" e2e_wait '│ +34 +fflush\(stdout\);' 5
e2e_keys q; sleep 0.3; e2e_keys q # the lesson, the lesson list
e2e_expect "the app exits" 'APP_EXIT=0' 10

# ---- the explorer's replay shows the same pane
e2e_launch 140 35 "$FORKLAB 14-races"
e2e_expect "the race lesson opens" "Races, and every order at once" 10
e2e_keys o
e2e_expect "o explores" "explored [0-9]+ runs" 60
e2e_keys Enter
e2e_expect "Enter replays an outcome" "run 14-races .*paced [0-9.]+ op/s replay" 10
e2e_expect "the replay has the code pane, in a column of its own at 140 columns" '┌─ code: N = process N.s next op' 5
e2e_ok "and marks a process on a line of 14-races.c" e2e_wait '│ *[0-9][,+0-9]*> +[0-9]+ ' 10
for _ in 1 2 3 4; do e2e_keys q; sleep 0.3; done
e2e_expect "the app exits" "APP_EXIT=0" 10
e2e_ok "nothing left running" e2e_wait_cmd 5 e2e_no_procs

e2e_end
