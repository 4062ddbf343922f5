#!/usr/bin/env bash
# Small screens: a compact layout down to 60x20 (a laptop's split screen),
# a message that fits any smaller size, and the help box that follows a
# resize.
. "$(dirname "$0")/lib.sh"
e2e_start screens

# ---- 60x20: every screen usable
e2e_launch 60 20 "$FORKLAB"
e2e_expect "60x20: the lesson list is drawn" '^forklab: lessons \([0-9]+ of [0-9]+ done\)'
e2e_ok "60x20: rows show the title and the points" e2e_wait '^│  2  Spawning a process +0/2  0/10 \[    \] +│' 2
e2e_ok "60x20: the footer fits" e2e_wait '^ j/k: move  Enter: open  /: search  \?: help  q: quit' 2
e2e_keys j Enter
e2e_expect "60x20: a lesson opens" '^forklab: 2\. Spawning a process'
e2e_ok "60x20: its footer fits" e2e_wait 'e: exercise  \?  q$' 2
e2e_keys e
e2e_expect "60x20: the exercise view" '^forklab: exercise 01-spawn \(lesson 02-spawn\)'
e2e_ok "60x20: a cut task says so" e2e_wait 'more in the file: e' 2
e2e_keys q r
e2e_expect "60x20: a run shows its processes" '02-spawn +exited 0' 15
e2e_keys q q q
e2e_expect "60x20: quits with status 0" '^APP_EXIT=0$'

# ---- smaller: the message fits, whatever the size
e2e_launch 40 10 "$FORKLAB"
e2e_expect "40x10: the message is whole" 'forklab needs at least 60x20;'
e2e_ok "40x10: its end too" e2e_wait '^to quit\.$' 2
e2e_ok "40x10: no line is cut" e2e_absent '…'
tmux -S "$E2E_SOCK" resize-window -x 20 -y 8
e2e_ok "20x8: still whole, wrapped" e2e_wait '^to quit\.$|press q to quit\.$|^q to quit\.$' 5
e2e_ok "20x8: the size is shown" e2e_wait '20x8' 2
e2e_keys q
e2e_expect "too small: q quits with status 0" '^APP_EXIT=0$'

# ---- the help box follows a resize
help_col() { e2e_visible | grep -m1 '┌─ keys' | sed 's/┌─ keys.*//' | LC_ALL=C.UTF-8 wc -m; }
help_col_is() { [ "$(help_col)" = "$1" ]; }
e2e_launch 80 24 "$FORKLAB"
e2e_expect "the list opens" '^forklab: lessons'
e2e_keys '?'
e2e_expect "? opens the help" 'keys \(any key closes\)'
e2e_ok "at 80 columns the box starts at column 2" e2e_wait_cmd 3 help_col_is 2
tmux -S "$E2E_SOCK" resize-window -x 120 -y 40
e2e_ok "at 120 columns it is centred again (column 22)" e2e_wait_cmd 5 help_col_is 22
e2e_keys q q
e2e_expect "help: quits with status 0" '^APP_EXIT=0$'
# ---- nothing hidden without a sign; lessons 12 and 13's key facts at 80x24
e2e_launch 80 24 "$FORKLAB 12"
e2e_expect "lesson 12 opens; a long title keeps the points" '^forklab: 12\. Threads in C are truly parallel  quiz 0/3, ex 0/10$'
e2e_keys l l
e2e_expect "slide 3 is cut, and says so" 'more below: J'
e2e_keys J J J J J J
e2e_expect "J scrolls it: its last line shows" 'Compare the ratios, not the times\.'
e2e_ok "and the sign turns" e2e_wait 'more above: K' 2
e2e_keys q q
e2e_expect "12: quits" '^APP_EXIT=0$'
e2e_launch 80 24 "$FORKLAB run 12-threads-vs-processes"
e2e_expect "12 at 80x24: the run ends" '\[exited 0\]' 60
e2e_ok "12 at 80x24: all four timings with their speed-ups are visible (wrapped)" \
  e2e_wait_cmd 3 e2e_count_ge 4 'primes in [0-9.]+ s \(x[0-9.]+\)'
e2e_keys q
e2e_expect "12 run: quits" '^APP_EXIT=0$'
e2e_launch 80 24 "$FORKLAB run 13-address-spaces"
e2e_expect "13 at 80x24: the run ends" '\[exited 0\]' 15
e2e_ok "13: the same address in child and parent is visible" e2e_wait 'same virtual address in child and' 2
e2e_ok "13: the different values are visible" e2e_wait 'child 99, parent 0' 2
e2e_ok "13: the array's address reads as an address" e2e_wait 'array 1 \(q\): 0x[0-9a-f]+ 99' 2
e2e_keys q
e2e_expect "13 run: quits" '^APP_EXIT=0$'

e2e_ok "no process is left" e2e_wait_cmd 5 e2e_no_procs
e2e_end
