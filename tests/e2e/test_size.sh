#!/usr/bin/env bash
# Terminal sizes: too small, resize up and down, layout recomputed.
. "$(dirname "$0")/lib.sh"
e2e_start size

# The width of the top border of the list's box = the screen width.
border_width() {
  local n
  n=$(e2e_visible | grep -m1 '^┌' | LC_ALL=C.UTF-8 wc -m)
  echo $((n - 1)) # without the newline
}
width_is() { [ "$(border_width)" = "$1" ]; }

e2e_launch 50 16 "$FORKLAB"
e2e_expect "50x16 shows the too-small message" 'forklab needs at least 60x20; this'
e2e_ok "the message is wrapped to fit, not cut" e2e_wait '^50x16\. Resize it, or press q to quit\.$' 2
e2e_ok "no lesson list is drawn on a too-small terminal" \
  e2e_absent 'forklab: lessons'
tmux -S "$E2E_SOCK" resize-window -x 80 -y 24
e2e_expect "growing to 80x24 draws the lesson list" 'forklab: lessons'
e2e_ok "the box is 80 columns wide" e2e_wait_cmd 3 width_is 80
tmux -S "$E2E_SOCK" resize-window -x 100 -y 30
e2e_ok "at 100x30 the layout is recomputed to 100 columns" e2e_wait_cmd 5 width_is 100
e2e_ok "at 100x30 the footer is on row 30" \
  e2e_wait_cmd 3 e2e_row_has 30 'Enter: open'
tmux -S "$E2E_SOCK" resize-window -x 80 -y 24
e2e_ok "back at 80x24 the layout is 80 columns again" e2e_wait_cmd 5 width_is 80
tmux -S "$E2E_SOCK" resize-window -x 55 -y 24
e2e_expect "shrinking to 55x24 shows the message again" '55x24'
e2e_keys q
e2e_expect "q quits from the too-small screen with status 0" '^APP_EXIT=0$'

# The live run view follows a resize too (panels recomputed).
row_width() {
  local n
  n=$(e2e_visible | sed -n "${1}p" | LC_ALL=C.UTF-8 wc -m)
  echo $((n - 1))
}
row_width_is() { [ "$(row_width "$1")" = "$2" ]; }
e2e_launch 80 24 "$FORKLAB run 08-queues"
e2e_expect "run view at 80x24" '^forklab: run 08-queues .*\[exited 0\]' 15
e2e_ok "run view: panel borders span 80 columns" e2e_wait_cmd 3 row_width_is 2 80
tmux -S "$E2E_SOCK" resize-window -x 100 -y 30
e2e_ok "run view at 100x30: panel borders span 100 columns" e2e_wait_cmd 5 row_width_is 2 100
e2e_ok "run view at 100x30: the key line is on row 30" e2e_wait_cmd 3 e2e_row_has 30 'space: pause'
tmux -S "$E2E_SOCK" resize-window -x 80 -y 24
e2e_ok "run view back at 80x24" e2e_wait_cmd 5 row_width_is 2 80
e2e_ok "run view back at 80x24: the key line is on row 24" e2e_wait_cmd 3 e2e_row_has 24 'space: pause'
e2e_keys q
e2e_expect "run view: q quits" '^APP_EXIT=0$'

# The lesson view side by side at 160+ columns.
e2e_launch 200 50 "$FORKLAB 02-spawn"
e2e_expect "200x50: the lesson opens" '^forklab: 2\. '
e2e_ok "200x50: C and Python side by side" \
  e2e_wait 'C: lessons/02-spawn.c.*Python \(the lecture\)' 3
e2e_keys q q
e2e_expect "200x50: quits with status 0" '^APP_EXIT=0$'
e2e_ok "no process is left" e2e_wait_cmd 3 e2e_no_procs
e2e_end
