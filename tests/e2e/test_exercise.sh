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
e2e_end
