#!/usr/bin/env bash
# The lesson list, the help overlay, quitting cleanly, NO_COLOR, a bad TERM.
. "$(dirname "$0")/lib.sh"
e2e_start list

e2e_launch 80 24 "$FORKLAB"
e2e_expect "the lesson list shows" 'forklab: lessons \([0-9]+ of [0-9]+ done\)'
e2e_ok "lessons are listed in order with their titles" \
  e2e_wait '^│ +2  02-spawn +Spawning a process' 2
e2e_ok "the list has at least 5 lessons, none done" \
  e2e_count_ge 5 '\[    \]'
e2e_ok "colours are used on a colour terminal" e2e_has_colour
e2e_ok "the selected lesson is in reverse video" e2e_has_reverse
e2e_keys '?'
e2e_expect "? shows the help overlay" 'keys \(any key closes\)'
e2e_ok "the help lists the live run keys" e2e_wait 'space +pause / resume' 2
e2e_ok "the help lists step and speed" e2e_wait '\+ / - +faster / slower' 2
e2e_keys x
e2e_ok "any key closes the help" e2e_wait_cmd 3 e2e_absent 'any key closes'
e2e_keys j j Enter
e2e_expect "Enter opens the selected lesson (the third)" '^forklab: 3\. '
e2e_keys q
e2e_expect "q goes back to the list" 'forklab: lessons'
e2e_keys / p o o l
e2e_expect "/ shows the search query" '^/pool$'
e2e_keys Enter n Enter
e2e_expect "/pool then n selects the second match (10-pool-map)" '^forklab: 10\. '
e2e_keys q
e2e_keys q
e2e_expect "q on the list quits with status 0" '^APP_EXIT=0$'
e2e_ok "no forklab or example process is left" e2e_wait_cmd 3 e2e_no_procs

# NO_COLOR: the same screens, drawn with attributes only.
e2e_launch 80 24 "NO_COLOR=1 $FORKLAB 2"
e2e_expect "NO_COLOR: a lesson opens by order number" '^forklab: 2\. Spawning a process'
e2e_ok "NO_COLOR: the code pane shows numbered lines" e2e_wait '│ +1 /\*' 2
e2e_ok "NO_COLOR: no colour escape is drawn" e2e_no_colour
e2e_ok "NO_COLOR: titles and keywords still stand out (bold)" e2e_has_bold
e2e_keys p
e2e_expect "NO_COLOR: p shows the Python version" 'Python \(the lecture\)'
e2e_ok "NO_COLOR: the Python source is there" e2e_wait 'from multiprocessing import' 2
e2e_keys q q
e2e_expect "NO_COLOR: quits with status 0" '^APP_EXIT=0$'

# A monochrome terminal (vt100 has no colours): attributes only.
e2e_launch 80 24 "TERM=vt100 $FORKLAB"
e2e_expect "vt100: the lesson list shows" 'forklab: lessons'
e2e_ok "vt100: no colour escape is drawn" e2e_no_colour
e2e_ok "vt100: the selected lesson is in reverse video" e2e_has_reverse
e2e_keys q
e2e_expect "vt100: quits with status 0" 'APP_EXIT=0'

# SIGINT (what Ctrl-C sends; sent to forklab alone, since the wrapping sh
# would die of a terminal ^C too): the loop ends, the terminal is restored.
e2e_launch 80 24 "$FORKLAB 8"
e2e_expect "SIGINT: the lesson opens" '^forklab: 8\. '
fl=$(e2e_pids_of forklab)
e2e_ok "SIGINT: forklab is running" [ -n "$fl" ]
[ -n "$fl" ] && kill -INT $fl
e2e_expect "SIGINT ends forklab with 128+2" '^APP_EXIT=130$'
e2e_ok "SIGINT: the screen is given back (no viewer left on it)" e2e_absent 'h/l: slide'
e2e_ok "SIGINT: no process is left" e2e_wait_cmd 3 e2e_no_procs

# An unknown terminal type: a clear message and status 1, no garbage.
e2e_launch 80 24 "TERM=no-such-term $FORKLAB"
e2e_expect "unknown TERM gives a clean error" "cannot use terminal type 'no-such-term'"
e2e_expect "unknown TERM exits 1" '^APP_EXIT=1$'

# An unknown lesson name.
e2e_launch 80 24 "$FORKLAB 99-nothing"
e2e_expect "an unknown lesson is reported" "no lesson '99-nothing'"
e2e_expect "an unknown lesson exits 1" '^APP_EXIT=1$'
# forklab run with nothing to run.
e2e_launch 80 24 "$FORKLAB run no-such-example"
e2e_expect "run: an unknown example is reported" "nothing named 'no-such-example'"
e2e_expect "run: an unknown example exits 1" '^APP_EXIT=1$'
# A lesson title that is an escape sequence (retitle the window, clear the
# screen) shows as text: each control character a '?', the pane's title
# untouched. The same lesson fails `forklab lint` (tests/viewer/test_input.c).
esc_home=$(mktemp -d "${TMPDIR:-/tmp}/fl-e2e-esc.XXXXXX")
mkdir -p "$esc_home/lessons"
sed 's/^title: .*/title: "\\e]0;pwned\\a\\e[2J"/' lessons/02-spawn.yaml >"$esc_home/lessons/02-spawn.yaml"
e2e_launch 80 24 "FORKLAB_HOME='$esc_home' $FORKLAB"
e2e_expect "escape title: the list shows it as text" '02-spawn +\?\]0;pwned\?\?\[2J'
e2e_ok "escape title: the pane's title was not changed" \
  sh -c "! tmux -S '$E2E_SOCK' display -p '#{pane_title}' | grep -q pwned"
e2e_keys q
e2e_expect "escape title: q quits with status 0" '^APP_EXIT=0$'
rm -rf "$esc_home"

e2e_end
