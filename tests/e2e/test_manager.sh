#!/usr/bin/env bash
# The manager panel of the live run: what a manager holds (its dict as
# Python prints it) and who called what on it, at 80x24; as many
# operations as the headless dump of the same example lists.
. "$(dirname "$0")/lib.sh"
e2e_start manager

# ---- the headless dump: the operations and the contents
DUMP=$E2E_STATE/06-manager.txt
(cd "$E2E_ROOT" && FORKLAB_STATE="$E2E_STATE/forklab" "$FORKLAB" run 06-manager --headless) >"$DUMP" 2>&1
nops=$(awk '/^== manager/ { s = 1; next } /^== / { s = 0 } s && /^  \+[0-9.]+ms pid [0-9]+: /' "$DUMP" | wc -l)
e2e_ok "headless: the dump lists the manager's operations ($nops)" [ "$nops" -ge 3 ]
e2e_ok "headless: the child's set carries its value" grep -Eq "pid [0-9]+: set d\['Apple'\] = 0\.7  status 0$" "$DUMP"
e2e_ok "headless: the contents at the end" grep -qx "  contents: d = {'Apple': 0.7, 'Orange': 1.2}" "$DUMP"

# ---- the live run at 80x24: the same facts in the manager panel
e2e_launch 80 24 "$FORKLAB run 06-manager"
e2e_expect "the run view opens" '^forklab: run 06-manager'
e2e_expect "the example ends" '\[exited 0\]' 15
e2e_ok "the manager panel is on screen" e2e_wait '─ manager ─' 2
e2e_ok "it shows the dict with its keys and values" e2e_wait "│ d = \{'Apple': 0\.7, 'Orange': 1\.2\} " 5
e2e_ok "it counts as many operations as the headless dump ($nops)" e2e_wait "│ $nops operations, newest last: " 5
e2e_ok "who called what: the child set Apple, with the value" \
  e2e_wait "│ [0-9]+ Process-1: set d\['Apple'\] = 0\.7 " 2
e2e_ok "the parent's read of the whole dict and its answer" e2e_wait "│ [0-9]+ 06-manager: str d -> 2 " 2
e2e_keys q
e2e_expect "q quits with status 0" '^APP_EXIT=0$'

# ---- lesson 04 sends a number four ways; the manager's is one of them
e2e_launch 80 24 "$FORKLAB run 04-communication"
e2e_expect "04: the example ends" '\[exited 0\]' 15
e2e_ok "04: the manager panel shows the sum the child stored" e2e_wait "│ results = \{'sum': 5050\} " 5
e2e_keys q
e2e_expect "04: q quits with status 0" '^APP_EXIT=0$'
e2e_ok "no process is left" e2e_wait_cmd 5 e2e_no_procs
e2e_end
