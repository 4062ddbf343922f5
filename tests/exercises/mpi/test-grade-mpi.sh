#!/usr/bin/env bash
# test-grade-mpi.sh — the MPI graders can fail (a `make test` step):
# every solution scores 10/10, every untouched stub 0/10 (as committed,
# when git knows it), every fake in tests/exercises/mpi/wrong/ (right
# answer, no real message passing) is not a PASS; and `forklab grade`
# gives the same verdicts in its usual table.
set -u
cd "$(dirname "$0")/../../.." || exit 2
build=${BUILD:-build}
base=$build/grade-mpi/check
rm -rf "$base"
mkdir -p "$base"
grade=(bash tests/exercises/mpi/grade-mpi.sh --quiet)
ids=(13-mpi-ring 14-mpi-sum)
tested=0 ok=0
t() { # WHAT CONDITION...
  local what=$1; shift
  tested=$((tested + 1))
  if "$@"; then ok=$((ok + 1)); echo "  ok   $what"; else echo "  FAIL $what"; fi
}
field() { sed -n "s/^$2=//p" "$1" | head -1; }

"${grade[@]}" --solutions --out "$base/solutions"
stubs=$base/stub-src
mkdir -p "$stubs"
for id in "${ids[@]}"; do
  git show "HEAD:exercises/$id.c" >"$stubs/$id.c" 2>/dev/null || cp "exercises/$id.c" "$stubs/$id.c"
done
"${grade[@]}" --dir "$stubs" --out "$base/stubs"
"${grade[@]}" --dir tests/exercises/mpi/wrong --out "$base/wrong"
for id in "${ids[@]}"; do
  r=$base/solutions/$id.result
  t "solution $id: PASS 10/10 ($(field "$r" check))" [ "$(field "$r" status)" = PASS -a "$(field "$r" points)" = 10 ]
  r=$base/stubs/$id.result
  t "stub $id: 0/10, every check failed" [ "$(field "$r" points)" = 0 -a "$(field "$r" passed)" = 0 -a "$(field "$r" tested)" = 3 ]
  r=$base/wrong/$id.result
  t "fake $id: not a PASS ($(field "$r" check))" [ "$(field "$r" status)" != PASS ]
done
# The same through `forklab grade` (grade.sh hands MPI exercises over):
# its table rows, its results.json, its .result files.
fk=(env FORKLAB_BUILD="$build" FORKLAB_HOME=. "$build/forklab" grade)
"${fk[@]}" --solutions --out "$base/cli-solutions" 13 mpi-sum >"$base/cli-solutions.out" 2>&1; st=$?
t "forklab grade --solutions 13 mpi-sum: exit 0" [ $st -eq 0 ]
for id in "${ids[@]}"; do
  t "forklab grade: solution $id PASS 10/10 in the table" grep -Eq "^$id +PASS +10/10\$" "$base/cli-solutions.out"
done
t "forklab grade: total 20/20" grep -Eq '^total +2/2 pass +20/20$' "$base/cli-solutions.out"
t "forklab grade: results.json has both" grep -q '"total": 20, "max_total": 20, "passed": 2, "graded": 2' "$base/cli-solutions/results.json"
"${fk[@]}" --dir "$stubs" --out "$base/cli-stubs" 13 14 >"$base/cli-stubs.out" 2>&1
for id in "${ids[@]}"; do
  r=$base/cli-stubs/$id.result
  t "forklab grade: stub $id FAIL 0/10 in the table" grep -Eq "^$id +FAIL +0/10  " "$base/cli-stubs.out"
  t "forklab grade: stub $id has a hint and says it ran contained or why not" \
    [ -n "$(field "$r" hint)" -a -n "$(field "$r" sandbox)" -a "$(field "$r" id)" = "$id" ]
done
t "no stage directory of ours is left in /tmp" [ -z "$(ls -d /tmp/forklab-stage.* 2>/dev/null | while read -r d; do
  p=${d#/tmp/forklab-stage.}; kill -0 "${p%%.*}" 2>/dev/null || echo "$d"; done)" ]

# Ours only (mpirun of a graded program, or the program); a process that is
# just exiting gets a moment.
ours() { pgrep -f -- "(^|/)mpirun .*$build/grade-mpi/|^$build/grade-mpi/" 2>/dev/null | tr '\n' ' '; }
for i in $(seq 30); do [ -z "$(ours)" ] && break; sleep 0.1; done
left=$(ours)
t "nothing left running${left:+: $left}" [ -z "$left" ]
mkdir -p "$build/test-logs"
echo "grade-mpi $tested $ok $((tested - ok))" >>"$build/test-logs/counts"
echo "test-grade-mpi: $ok of $tested checks passed"
[ "$ok" -eq "$tested" ]
