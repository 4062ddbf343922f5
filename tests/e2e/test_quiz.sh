#!/usr/bin/env bash
# The quiz and the learner's progress file: the latest answer to each
# question counts, the score is shown, a lesson is done only when its quiz
# is all right and its exercise passes, and that stays in the next session.
. "$(dirname "$0")/lib.sh"
e2e_start quiz

e2e_launch 80 24 "$FORKLAB 02-spawn"
e2e_expect "the lesson opens" '^forklab: 2\. Spawning a process'
e2e_keys l
e2e_expect "-> shows the next slide" '\(2/2\)'
e2e_keys h
e2e_expect "<- goes back" '\(1/2\)'
e2e_keys z
e2e_expect "z opens the quiz" 'quiz, 02-spawn \(question 1/2\)'
e2e_ok "the choices are numbered" e2e_wait '1\) The PID of the shell' 2
e2e_keys 1
e2e_expect "a wrong answer says so" 'Not quite\.'
e2e_ok "the explanation is shown" e2e_wait "forked the child" 2
e2e_keys n
e2e_expect "n goes to the next question" 'question 2/2'
e2e_keys Down Down Enter
e2e_expect "arrows + Enter answer; the right answer says so" 'Right\.'
e2e_keys Enter
e2e_expect "after the last question, back to the lesson, with the score" \
  '^forklab: 2\. Spawning a process  quiz 1/2, exercise 01-spawn 0/10'
e2e_ok "one wrong answer: the lesson is not done" e2e_absent '\[done\]'
e2e_ok "the progress file keeps each latest answer" grep -qx '02-spawn quiz=-+' "$E2E_STATE/forklab/progress"
e2e_keys z 2 n 3
e2e_expect "answered again, both right: 2/2" 'Right\.'
e2e_keys Enter
e2e_expect "the score follows the latest answers" '^forklab: 2\. Spawning a process  quiz 2/2, exercise 01-spawn'
e2e_ok "quiz right but the exercise not passing: still not done" e2e_absent '\[done\]'
e2e_keys q
e2e_expect "the list shows the points" '^│ +2  02-spawn .* 2/2 +0/10 \[    \]'
e2e_keys q
e2e_expect "quits with status 0" '^APP_EXIT=0$'
e2e_launch 80 24 "$FORKLAB 13"
e2e_expect "lesson 13 opens (no exercise)" '^forklab: 13\. Address spaces'
e2e_keys z 2 n 2 n 3 Enter
e2e_expect "lesson 13: every answer right, so it is done" '^forklab: 13\. Address spaces and copy-on-write  \[done\]  quiz 3/3'
e2e_keys q
e2e_expect "the list marks it done" '^│ +13  13-address-spaces .* 3/3 +- \[done\]'
e2e_ok "the list counts it" e2e_wait 'lessons \(1 of [0-9]+ done\)' 2
e2e_keys q
e2e_expect "quits with status 0" '^APP_EXIT=0$'

e2e_launch 80 24 "$FORKLAB"
e2e_expect "the next session still shows it done" '^│ +13  13-address-spaces .*\[done\]'
e2e_ok "and the quiz score of 02" e2e_wait '^│ +2  02-spawn .* 2/2 ' 2
e2e_ok "other lessons are not done" e2e_wait '^│ +3  03-sync .*\[    \]' 2
e2e_keys q
e2e_expect "quits with status 0" '^APP_EXIT=0$'
e2e_ok "no process is left" e2e_wait_cmd 3 e2e_no_procs
# g grades the lesson's exercise: the untouched stub scores zero, and a
# failing grade does not mark the lesson done.
e2e_launch 80 24 "$FORKLAB 8"
e2e_expect "grade: the queues lesson opens" '^forklab: 8\. Queues  quiz 0/3, exercise 06-queue-workers'
e2e_keys g
e2e_expect "g grades the exercise (in its view, in the background): the stub fails with 0 points" \
  'graded in [0-9.]+ s: (FAIL|TIMEOUT|CRASH|BUILD ERROR) 0/[0-9]+' 60
e2e_ok "the failed check is shown" e2e_wait 'Failed check: ex_queue_workers returned -38' 2
e2e_ok "in full, wrapped, not cut" e2e_wait 'exercise is not solved yet' 2
e2e_keys q
e2e_ok "a failed grade does not mark the lesson done" e2e_wait_cmd 3 e2e_absent '^forklab: 8\. Queues  \[done\]'
e2e_ok "the title shows the points of the last grade" e2e_wait '^forklab: 8\. Queues  quiz 0/3, exercise 06-queue-workers 0/10' 2
e2e_keys q q
e2e_expect "grade: quits with status 0" '^APP_EXIT=0$'
e2e_ok "grade: no process is left" e2e_wait_cmd 5 e2e_no_procs

# stderr is not the screen: a failure while curses runs is held back and
# printed once the terminal is restored.
e2e_launch 80 24 "FORKLAB_STATE=/dev/null/nowhere/forklab $FORKLAB 02-spawn"
e2e_expect "unwritable state: the lesson opens" '^forklab: 2\. '
e2e_keys z 2
e2e_expect "unwritable state: the quiz still answers" 'Right\.'
e2e_ok "the error is not drawn over the screen" e2e_absent 'progress not saved'
e2e_keys q q q
e2e_expect "after quitting, the held-back stderr is printed" 'forklab: progress not saved to /dev/null/nowhere/forklab/progress'
e2e_expect "unwritable state: still exits 0" '^APP_EXIT=0$'
e2e_end
