#!/usr/bin/env bash
# The exercise view: from a lesson, e shows the task, the file, the checks
# and the last result; h gives hints in steps; e opens $EDITOR and comes
# back; g grades in the background (the screen answers keys meanwhile, c
# cancels and leaves nothing running). Run in a workspace made by
# `forklab init`, so the tree's own exercises and results are untouched.
. "$(dirname "$0")/lib.sh"
e2e_start exercise
W=$E2E_STATE/ws
(cd / && FORKLAB_HOME="$E2E_ROOT" FORKLAB_BUILD="$E2E_BUILD" "$FORKLAB" init "$W") >/dev/null
SOL=$E2E_ROOT/solutions/06-queue-workers.c
graders() { ps -eo args= | grep -F "$W/exercises" | grep -v grep | grep -c 'grade.sh'; }
no_graders() { [ "$(graders)" -eq 0 ]; }

e2e_launch 80 24 "EDITOR='cp $SOL' env -C '$W' $FORKLAB 8"
e2e_expect "the lesson opens" '^forklab: 8\. Queues'
e2e_keys e
e2e_expect "e opens the exercise, naming its lesson" '^forklab: exercise 06-queue-workers \(lesson 08-queues\)'
e2e_ok "the file to edit is the workspace's" e2e_wait "File: $W/exercises/06-queue-workers\\.c" 2
e2e_ok "the checks and their points" e2e_wait 'Checks \(10 points together\): c1_exact_sum \(3\)' 2
e2e_ok "not graded yet" e2e_wait 'Last result: not graded yet' 2
e2e_ok "the task in the file's words" e2e_wait 'Exercise 06-queue-workers' 2
e2e_keys h
e2e_expect "h: the first hint says where to look" 'Hint 1 of 3: .*08-queues'
e2e_keys h
e2e_expect "h again: the next step" 'Hint 2 of 3: '
e2e_keys e
e2e_expect "e runs the editor and comes back" 'back from the editor: g grades it'
e2e_ok "the editor changed the file" cmp -s "$SOL" "$W/exercises/06-queue-workers.c"
e2e_keys g
e2e_expect "g grades in the background, saying so" 'grading 06-queue-workers' 5
e2e_keys h
e2e_ok "keys still answer while grading (the footer offers cancel)" e2e_wait 'c: cancel grading' 2
e2e_expect "the grade arrives: PASS 10/10" 'graded in [0-9.]+ s: PASS 10/10' 120
e2e_ok "the result is shown" e2e_wait 'Last result: PASS 10/10 \(3 of 3 checks passed\)' 2
e2e_keys g
e2e_expect "a second grading starts" 'grading 06-queue-workers' 5
e2e_keys c
e2e_expect "c cancels it" 'grading cancelled' 10
e2e_ok "nothing of the cancelled grading runs" e2e_wait_cmd 10 no_graders
e2e_keys q
e2e_expect "q: back to the lesson, which shows the points" '^forklab: 8\. Queues  quiz 0/3, exercise 06-queue-workers 10/10'
e2e_keys q q
e2e_expect "quits with status 0" '^APP_EXIT=0$'
e2e_ok "the hint steps were recorded" grep -qx '06-queue-workers hints=2' "$E2E_STATE/forklab/progress"
e2e_ok "the tree's exercise was not touched" bash -c "cd '$E2E_ROOT' && git diff --quiet -- exercises/06-queue-workers.c"
e2e_ok "no process is left" e2e_wait_cmd 5 e2e_no_procs

# ---- grading shows each check as it ends, while the grade goes on. The
# solution made slow (each call sleeps 4 s; 3 checks, 2 at a time) leaves
# seconds between the first check's end and the grade's.
SLOW=$E2E_STATE/slow-06.c
sed -e 's/^#include <stdlib.h>$/&\n#include <unistd.h>/' \
    -e '/^int ex_queue_workers(/{n;s/^{$/{\n    sleep(4);/}' "$SOL" >"$SLOW"
e2e_ok "the slow solution sleeps in each call" grep -q '^    sleep(4);$' "$SLOW"
one_check_while_grading() {
  local s
  s=$(e2e_visible)
  grep -Eq '^│ check [123]/3: [a-z ]+ \.\.\. ok ' <<<"$s" &&
    grep -Eq '^ grading 06-queue-workers: [12] of 3 checks done, [12] ok, [0-9]+ s \(c cancels\)' <<<"$s"
}
e2e_launch 80 24 "EDITOR='cp $SLOW' env -C '$W' $FORKLAB 8"
e2e_expect "slow: the lesson opens" '^forklab: 8\. Queues'
e2e_keys e
e2e_expect "slow: the exercise view" '^forklab: exercise 06-queue-workers'
e2e_keys e
e2e_expect "slow: the editor put the slow solution in" 'back from the editor: g grades it'
e2e_keys g
e2e_expect "slow: grading starts" 'grading 06-queue-workers' 5
e2e_ok "the checks are listed as they run" e2e_wait '^│ Grading now: ' 60
e2e_ok "a check's result shows while the grade goes on" e2e_wait_cmd 60 one_check_while_grading
e2e_expect "slow: the grade arrives: PASS 10/10" 'graded in [0-9.]+ s: PASS 10/10' 120
e2e_ok "after it, the grading's three checks, each ok" \
  e2e_wait_cmd 2 eval '[ "$(e2e_visible | grep -Ec "^│ check [123]/3: [a-z ]+ \.\.\. ok ")" -eq 3 ]'
e2e_keys q q q
e2e_expect "slow: quits with status 0" '^APP_EXIT=0$'

# forklab grade, headless: each check's line as it ends, before the row.
OUT=$E2E_STATE/grade-06.txt
(cd "$W" && FORKLAB_STATE="$E2E_STATE/forklab" FORKLAB_HOME="$E2E_ROOT" FORKLAB_BUILD="$E2E_BUILD" \
  exec "$FORKLAB" grade 06) >"$OUT" 2>&1 &
GPID=$!
check_line_while_running() {
  grep -Eq '^06-queue-workers +check [123]/3: [a-z ]+ \.\.\. ok$' "$OUT" && kill -0 $GPID 2>/dev/null &&
    ! grep -Eq '^06-queue-workers +PASS' "$OUT"
}
e2e_ok "headless: a check's line is out before the grade ends" e2e_wait_cmd 90 check_line_while_running
wait $GPID
e2e_ok "headless: forklab grade exits 0" [ $? -eq 0 ]
e2e_ok "headless: three check lines, then the row" \
  [ "$(grep -Ec '^06-queue-workers +(check [123]/3: [a-z ]+ \.\.\. ok|PASS +10/10)$' "$OUT" | tr -d ' ')" = 4 ]
e2e_ok "headless: the row comes last" bash -c "grep -E '^06-queue-workers ' '$OUT' | tail -1 | grep -Eq ' PASS +10/10$'"
e2e_ok "no process is left after the slow grades" e2e_wait_cmd 5 e2e_no_procs
e2e_end
