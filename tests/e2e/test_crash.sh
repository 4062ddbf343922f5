#!/usr/bin/env bash
# A run that crashes: the dead process shows its signal, the viewer stays
# usable, and leaving it leaves nothing behind.
. "$(dirname "$0")/lib.sh"
e2e_start crash
CRASH=$E2E_BUILD/e2e/crash
e2e_ok "the crashing example is built" [ -x "$CRASH" ]

e2e_launch 80 24 "$FORKLAB run $CRASH"
e2e_expect "crash: the run ends normally for the parent" '\[exited 0\]' 10
e2e_ok "crash: the child shows the signal that killed it" e2e_wait '^│ +[0-9]+ +[0-9]+ .*killed SIGSEGV' 3
e2e_ok "crash: the output pane has the parent's report" e2e_wait 'child exit code -11' 3
e2e_keys R
e2e_expect "crash: R runs it again" 'killed SIGSEGV' 10
e2e_keys q
e2e_expect "crash: q quits with status 0" '^APP_EXIT=0$'
e2e_ok "crash: nothing is left" e2e_wait_cmd 3 e2e_no_procs

e2e_launch 80 24 "CRASH_MAIN=1 $FORKLAB run $CRASH"
e2e_expect "crash: the example itself killed shows in the header" '\[crashed: SIGTERM\]' 10
e2e_keys '?'
e2e_expect "crash: ? still opens the help" 'keys \(any key closes\)' 5
e2e_keys x q
e2e_expect "crash: q quits with status 0 after a crashed example" '^APP_EXIT=0$'
e2e_ok "crash: nothing is left" e2e_wait_cmd 3 e2e_no_procs
e2e_end
