#!/usr/bin/env bash
# Installed, anywhere: `make install PREFIX=tmp`, then the installed forklab
# used away from the source tree — from / it lists the lessons and runs one
# headless; `forklab init` makes a workspace where the installed grader
# grades the learner's file; progress, hints and reset belong to that
# workspace. Grading writes nothing under the prefix.
. "$(dirname "$0")/lib.sh"
e2e_start install

P=$E2E_STATE/prefix
W=$E2E_STATE/work
W2=$E2E_STATE/work2
fl() { env -u FORKLAB_HOME -u FORKLAB_BUILD -u FORKLAB_ROOT -u FORKLAB_STATE "$P/bin/forklab" "$@"; }

make -s -C "$E2E_ROOT" --no-print-directory install PREFIX="$P" BUILD="$E2E_BUILD" >"$E2E_STATE/install.log" 2>&1
e2e_ok "make install PREFIX=... succeeds" test -x "$P/bin/forklab"
e2e_ok "the lessons are installed under share/forklab" test -f "$P/share/forklab/lessons/08-queues.yaml"
e2e_ok "the built examples under libexec/forklab" test -x "$P/libexec/forklab/lessons/02-spawn"
e2e_ok "the exercise stubs and the graders too" \
  test -f "$P/share/forklab/exercises/06-queue-workers.c" -a -x "$P/share/forklab/tests/exercises/grade.sh"
e2e_ok "no reference solution is installed" test ! -e "$P/share/forklab/solutions"
touch "$E2E_STATE/stamp"

out=$(cd / && fl list 2>&1)
nles=$(ls "$E2E_ROOT"/lessons/*.yaml | wc -l)
e2e_ok "from /: list shows all $nles lessons" test "$(grep -cE '^ +[0-9]+  [0-9]{2}-' <<<"$out")" -eq "$nles"
out=$(cd / && fl run 02-spawn --headless 2>&1); rc=$?
e2e_ok "from /: a lesson runs headless (exit 0)" test $rc -eq 0
e2e_ok "from /: with the example's output" grep -q '^\[out\] hello bob$' <<<"$out"
out=$(cd / && fl grade 01 2>&1); rc=$?
e2e_ok "outside a workspace, grade says to make one" test $rc -eq 1 -a -n "$(grep 'forklab init DIR' <<<"$out")"

out=$(cd / && fl init "$W" 2>&1); rc=$?
e2e_ok "init makes a workspace" test $rc -eq 0 -a -f "$W/exercises/03-shared-array.c" -a -f "$W/.forklab/workspace"
e2e_ok "its stubs are the installed ones" cmp -s "$W/exercises/03-shared-array.c" "$P/share/forklab/exercises/03-shared-array.c"
out=$(cd / && fl init "$W" 2>&1); rc=$?
e2e_ok "a second init refuses to overwrite" test $rc -eq 1 -a -n "$(grep 'already exists' <<<"$out")"

out=$(cd "$W/exercises" && fl grade 03 2>&1)
e2e_ok "in the workspace the stub grades 0/10" grep -qE '^03-shared-array +FAIL +0/10' <<<"$out"
e2e_ok "the result is kept in the workspace" grep -qx 'status=FAIL' "$W/.forklab/grade/03-shared-array.result"
cp "$E2E_ROOT/solutions/03-shared-array.c" "$W/exercises/"
out=$(cd "$W" && fl grade 3 2>&1)
e2e_ok "a solved exercise grades PASS 10/10 with the installed grader" grep -qE '^03-shared-array +PASS +10/10' <<<"$out"
out=$(cd "$W" && fl progress 2>&1)
e2e_ok "progress names the exercise's lesson and its points" \
  grep -qE '^ +5 05-shared-memory +0/3 +03-shared-array +PASS +10/10 +[0-9]{2}-[0-9]{2} [0-9:]{5}$' <<<"$out"

out=$(cd "$W" && fl reset 03 2>&1); rc=$?
e2e_ok "reset restores the stub" cmp -s "$W/exercises/03-shared-array.c" "$P/share/forklab/exercises/03-shared-array.c"
backup=$(ls "$W"/.forklab/backups/03-shared-array.c.* 2>/dev/null | head -1)
e2e_ok "reset keeps the learner's file as a backup" cmp -s "$backup" "$E2E_ROOT/solutions/03-shared-array.c"
e2e_ok "reset says where the backup is" grep -qF "$backup" <<<"$out"
out=$(cd "$W" && fl grade 3 2>&1)
out=$(cd "$W" && fl progress 2>&1)
e2e_ok "regressed from PASS: progress shows the new FAIL" \
  grep -qE '^ +5 05-shared-memory +0/3 +03-shared-array +FAIL +0/10 ' <<<"$out"

h1=$(cd "$W" && fl hint 09 2>&1); h2=$(cd "$W" && fl hint 09 2>&1); h3=$(cd "$W" && fl hint 09 2>&1)
h4=$(cd "$W" && fl hint 09 2>&1)
e2e_ok "hints come in steps, naming the lesson" \
  grep -q '^hint 1 of 3 for exercise 09-map-async-poll (lesson 10-pool-map):' <<<"$h1"
e2e_ok "the next call gives the next step" grep -q '^hint 2 of 3' <<<"$h2"
e2e_ok "the last step says it is the last" grep -q 'that was the last hint' <<<"$h3"
e2e_ok "after the last, the last again" grep -q '^hint 3 of 3' <<<"$h4"
fl init "$W2" >/dev/null 2>&1
h=$(cd "$W2" && fl hint 09 2>&1)
e2e_ok "another workspace has its own hint steps" grep -q '^hint 1 of 3' <<<"$h"
own_steps() { grep -qx '09-map-async-poll hints=1' "$W2/.forklab/progress" && grep -qx '09-map-async-poll hints=3' "$W/.forklab/progress"; }
e2e_ok "each keeps its own progress file" own_steps

e2e_ok "nothing was written under the prefix" test -z "$(find "$P" -newer "$E2E_STATE/stamp" -print -quit)"
e2e_end
