#!/usr/bin/env bash
# test_explore_ui.sh — `e` on a lesson explores its example and lists the
# outcomes; Enter replays the selected one paced in the run view, to that
# outcome; leaving mid-exploration leaves nothing running.
. "$(dirname "$0")/lib.sh"
e2e_start explore-ui

e2e_launch 120 35 "$FORKLAB 14-races"
e2e_expect "the lesson opens" "Races, and every order at once" 10
e2e_keys o
e2e_expect "o explores: 3 outcomes within the default bound" "explored [0-9]+ runs \(bounded\), 3 outcomes" 60
e2e_ok "the outcomes 2, 3 and 4 are listed" sh -c "tmux -S '$E2E_SOCK' capture-pane -p | grep -c 'counter = [234] · exits 0 0 0' | grep -qx 3"
row=$(e2e_visible | grep -E '^ +[0-9]+  counter = ' | grep -n 'counter = 2' | cut -d: -f1)
for _ in $(seq 2 "${row:-1}"); do e2e_keys j; done
e2e_keys Enter
e2e_expect "Enter replays it in the run view, paced" "run 14-races .*paced" 10
e2e_expect "the replay ends at that outcome: counter = 2" "│ counter = 2 " 60
# run view, explore list, lesson, lesson list
for _ in 1 2 3 4; do e2e_keys q; sleep 0.3; done
e2e_expect "the app exits" "APP_EXIT=0" 10
e2e_ok "nothing left running" e2e_wait_cmd 5 e2e_no_procs

# leaving while it still explores
e2e_launch 120 35 "$FORKLAB 14-races"
e2e_expect "the lesson opens again" "Races, and every order at once" 10
e2e_keys o
e2e_expect "exploring" "explore 14-races" 10
for _ in 1 2 3; do e2e_keys q; sleep 0.3; done
e2e_expect "the app exits mid-exploration" "APP_EXIT=0" 10
e2e_ok "no exploration or run survives" e2e_wait_cmd 5 e2e_no_procs

e2e_end
