#!/usr/bin/env bash
# The MPI exercises in the exercise view, graded like the others: from
# lesson 17, e shows 13-mpi-ring with its three checks; g grades the stub in
# the background (0/10, its hint), the editor puts the solution in, g again
# gives 10/10; the lesson then shows the points and forklab progress counts
# them. Run in a workspace made by `forklab init`.
. "$(dirname "$0")/lib.sh"
e2e_start exercise_mpi
if ! command -v mpirun >/dev/null; then
  e2e_failed "mpirun is missing (make deps installs openmpi-bin)"
  e2e_end
  exit 1
fi
W=$E2E_STATE/ws
(cd / && FORKLAB_HOME="$E2E_ROOT" FORKLAB_BUILD="$E2E_BUILD" "$FORKLAB" init "$W") >/dev/null
SOL=$E2E_ROOT/solutions/13-mpi-ring.c
# anything of the grading still running (the drivers, mpirun, a rank): the
# processes that inherited this test's FORKLAB_STATE (the sandbox passes
# FORKLAB_ variables on), the viewer itself aside; other checkouts may run
# graders and mpirun at the same time
graders() {
  local d n=0
  for d in /proc/[0-9]*; do
    grep -qz "^FORKLAB_STATE=$E2E_STATE/forklab\$" "$d/environ" 2>/dev/null || continue
    [ "$(readlink "$d/exe")" = "$FORKLAB" ] || n=$((n + 1))
  done
  echo "$n"
}
no_graders() { [ "$(graders)" -eq 0 ]; }

e2e_launch 100 30 "EDITOR='cp $SOL' env -C '$W' $FORKLAB 17"
e2e_expect "lesson 17 opens" '^forklab: 17\. MPI point-to-point'
e2e_keys e
e2e_expect "e opens the MPI exercise, naming its lesson" '^forklab: exercise 13-mpi-ring \(lesson 17-mpi-p2p\)'
e2e_ok "the file to edit is the workspace's" e2e_wait "File: $W/exercises/13-mpi-ring\\.c" 2
e2e_ok "its three checks, from the MPI grader" \
  e2e_wait 'Checks \(10 points together\): c1_final_value \(3\), c2_ring_messages \(3\), c3_round_tags \(3\)' 2
e2e_ok "not graded yet" e2e_wait 'Last result: not graded yet' 2
e2e_keys g
e2e_expect "g grades the stub in the background" 'grading 13-mpi-ring' 5
e2e_expect "the stub scores FAIL 0/10" 'graded in [0-9.]+ s: FAIL 0/10' 120
e2e_ok "the result and the failing check are shown" e2e_wait 'Last result: FAIL 0/10 \(0 of 3 checks passed\)' 2
e2e_ok "the result file is the workspace's" grep -qx 'status=FAIL' "$W/.forklab/grade/13-mpi-ring.result"
e2e_keys e
e2e_expect "e runs the editor and comes back" 'back from the editor: g grades it'
e2e_keys g
e2e_expect "g grades again" 'grading 13-mpi-ring' 5
e2e_expect "the solution scores PASS 10/10" 'graded in [0-9.]+ s: PASS 10/10' 120
e2e_ok "the result is shown" e2e_wait 'Last result: PASS 10/10 \(3 of 3 checks passed\)' 2
e2e_ok "nothing of the grading runs (no mpirun, no rank)" e2e_wait_cmd 10 no_graders
e2e_keys q
e2e_expect "q: back to the lesson, which shows the points" '^forklab: 17\. MPI point-to-point.*exercise 13-mpi-ring 10/10'
e2e_keys q q
e2e_expect "quits with status 0" '^APP_EXIT=0$'
progress() { (cd "$W" && FORKLAB_STATE="$E2E_STATE/forklab" FORKLAB_HOME="$E2E_ROOT" FORKLAB_BUILD="$E2E_BUILD" "$FORKLAB" progress 2>&1); }
e2e_ok "forklab progress counts it: lesson 17's exercise PASS 10/10" bash -c "grep -Eq '^ +17 17-mpi-p2p .* 13-mpi-ring +PASS +10/10 ' <<<'$(progress)'"
e2e_ok "forklab progress: exercises 10/140 points" bash -c "grep -q 'exercises 10/140 points' <<<'$(progress)'"
e2e_ok "the tree's exercise was not touched" bash -c "cd '$E2E_ROOT' && git diff --quiet -- exercises/13-mpi-ring.c"
e2e_ok "no process is left" e2e_wait_cmd 5 e2e_no_procs
e2e_end
