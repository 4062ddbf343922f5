#!/usr/bin/env bash
# test-grade.sh — the `make test` step proving the graders can fail.
#
#  1. every solution scores full marks (and its suite's counts go to
#     BUILD/test-logs/counts through tests/run-suite.sh, plain and with
#     ASan+UBSan);
#  2. every untouched stub (as committed) scores zero on every test;
#  3. solutions that fake their output without doing the work
#     (tests/exercises/wrong/) do not pass;
#  4. in a temp dir: a copy that does not compile is a BUILD ERROR and the
#     next ones are still graded; a copy that loops forever is a TIMEOUT within the per-call
#     limit, a fork loop and a segfault are CRASHes, and nothing is left
#     running or on disk afterwards;
#  5. hostile solutions (tests/exercises/hostile/) are contained: 500
#     sleeping children (with or without setsid) meet the process limit, a
#     correct solution's writes to /tmp and the tree and its /dev/shm
#     segment do not reach the machine, a grandchild that escapes with an
#     empty environment and kills the test process does not survive; a
#     machine that cannot contain says so in the grade output;
#  6. forklab watch re-grades on save.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD:-build}
base=$build/grade/check
rm -rf "$base"
mkdir -p "$base"
grade=(bash tests/exercises/grade.sh --quiet)
ok=1
# Every process the graders start here inherits this (sandboxed ones too:
# FORKLAB_ variables are passed in), so survivors can be found by it.
export FORKLAB_TEST_GRADE_RUN=test-grade-$$-$RANDOM
abs_build=$(cd "$build" && pwd -P)
# Not survivors: this script and its parents (make test's run-reaper lives
# in the build tree too).
ancestors=" " p=$$
while [[ $p =~ ^[0-9]+$ ]] && [ "$p" -gt 1 ]; do
  ancestors="$ancestors$p "
  p=$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$p/stat" 2>/dev/null)
done
survivors() { # pids of anything the graders started that still runs
  local d
  for d in /proc/[0-9]*; do
    case $ancestors in *" ${d#/proc/} "*) continue ;; esac
    if grep -qz "^FORKLAB_TEST_GRADE_RUN=$FORKLAB_TEST_GRADE_RUN\$" "$d/environ" 2>/dev/null ||
       grep -qz '^617\.25$' "$d/cmdline" 2>/dev/null; then
      printf ' %s' "${d#/proc/}"; continue
    fi
    case $(readlink "$d/exe" 2>/dev/null) in "$abs_build"/*) printf ' %s' "${d#/proc/}" ;; esac
  done
}
bad() { echo "test-grade: FAILED: $*"; ok=0; }
field() { sed -n "s/^$2=//p" "$1" | head -1; }

ids=()
for t in tests/exercises/test_[0-9]*.c; do n=${t##*/test_}; ids+=("${n%.c}"); done

# ---- 1. solutions: full marks
"${grade[@]}" --solutions --out "$base/solutions"
pts=0 max=0 tests=0 passed=0 npass=0
for id in "${ids[@]}"; do
  r=$base/solutions/$id.result
  [ -f "$r" ] || { bad "solution $id: no result"; continue; }
  st=$(field "$r" status)
  pts=$((pts + $(field "$r" points))); max=$((max + $(field "$r" max_points)))
  tests=$((tests + $(field "$r" tested))); passed=$((passed + $(field "$r" passed)))
  if [ "$st" = PASS ]; then npass=$((npass + 1)); else bad "solution $id: $st: $(field "$r" check) (log $base/solutions/logs/$id.log)"; fi
done
echo "test-grade: solutions score $pts/$max points ($npass/${#ids[@]} PASS, $passed/$tests tests)"
# The solutions' suites, counted in the test summary like every other suite.
for id in "${ids[@]}"; do
  b=$base/solutions/bin/test_$id
  [ -x "$b" ] || continue
  BUILD=$build bash tests/run-suite.sh "grade-solution-$id" 180 "$b" --jobs 2 >/dev/null || bad "suite of solution $id (see $build/test-logs/grade-solution-$id.log)"
done

# The same suites built with ASan+UBSan: run-suite.sh fails on any report.
"${grade[@]}" --solutions --asan --out "$base/solutions-asan"
for id in "${ids[@]}"; do
  b=$base/solutions-asan/bin/test_$id
  [ -x "$b" ] || { bad "ASan build of solution $id (see $base/solutions-asan/logs/$id.log)"; continue; }
  ASAN_OPTIONS=handle_segv=0:detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    BUILD=$build bash tests/run-suite.sh "grade-asan-solution-$id" 180 "$b" --jobs 2 >/dev/null ||
    bad "ASan suite of solution $id (see $build/test-logs/grade-asan-solution-$id.log)"
done
echo "test-grade: solutions' suites run plain and with ASan+UBSan (counted in the summary)"

# ---- 2. untouched stubs: zero on every test (as committed, when git knows them)
stubs=$base/stub-src
mkdir -p "$stubs"
for id in "${ids[@]}"; do
  if git cat-file -e "HEAD:exercises/$id.c" 2>/dev/null; then git show "HEAD:exercises/$id.c" >"$stubs/$id.c"
  else cp "exercises/$id.c" "$stubs/$id.c"; fi
done
"${grade[@]}" --dir "$stubs" --out "$base/stubs"
pts=0 max=0 tests=0 passed=0
for id in "${ids[@]}"; do
  r=$base/stubs/$id.result
  [ -f "$r" ] || { bad "stub $id: no result"; continue; }
  t=$(field "$r" tested) p=$(field "$r" passed) st=$(field "$r" status)
  pts=$((pts + $(field "$r" points))); max=$((max + $(field "$r" max_points)))
  tests=$((tests + t)); passed=$((passed + p))
  [ "$t" -gt 0 ] || bad "stub $id: $st, no test ran ($(field "$r" check))"
  [ "$p" -eq 0 ] || bad "stub $id passes $p of $t tests: a grader that cannot fail"
  [ -n "$(field "$r" hint)" ] || bad "stub $id: no hint"
done
echo "test-grade: untouched stubs score $pts/$max points ($passed/$tests tests pass; 0 expected)"

# ---- 3. faked solutions must not pass
line=""
"${grade[@]}" --dir tests/exercises/wrong --out "$base/wrong" $(for f in tests/exercises/wrong/[0-9]*.c; do b=${f##*/}; echo "${b%.c}"; done)
n=0
for f in tests/exercises/wrong/[0-9]*.c; do
  id=${f##*/}; id=${id%.c}; r=$base/wrong/$id.result; st=$(field "$r" status)
  n=$((n + 1)); line="$line ${id%%-*}:$st"
  [ "$st" = FAIL ] || bad "the faked $id was graded $st, expected FAIL"
done
echo "test-grade: $n faked solutions (right numbers, no parallel work) all fail:$line"
# The racy counter and the made-up pids are caught by exploration: 0 points,
# deterministically, with the schedule that broke them.
for id in 01-spawn 02-lock-counter; do
  r=$base/wrong/$id.result
  [ "$(field "$r" points)" = 0 ] || bad "the faked $id scored $(field "$r" points) points, expected 0 (exploration)"
  field "$r" check | grep -q 'schedule [0-9]' || bad "the faked $id's message shows no schedule: $(field "$r" check)"
done
echo "test-grade: the racy 02 and the made-up pids of 01 score 0 under exploration, with a schedule"

# ---- 4. endless loop, fork loop, crash: stopped, reported, nothing left
tmp=$(mktemp -d "${TMPDIR:-/tmp}/forklab-broken.XXXXXX")
cp tests/exercises/broken/[0-9]*.c "$tmp/"
marker=$base/broken.start
touch "$marker"
t0=$(date +%s.%N)
FORKLAB_GRADE_TIMEOUT=2 "${grade[@]}" --dir "$tmp" --out "$base/broken" 05-pipe-pingpong 06-queue-workers 01-spawn 03-shared-array
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
expect() { # ID STATUS
  local st; st=$(field "$base/broken/$1.result" status)
  [ "$st" = "$2" ] || bad "broken $1 graded $st, expected $2 ($(field "$base/broken/$1.result" check))"
  printf '%s' "$1:$st"
}
summary="$(expect 05-pipe-pingpong "BUILD ERROR") $(expect 06-queue-workers TIMEOUT) $(expect 01-spawn CRASH) $(expect 03-shared-array CRASH)"
grep -q "error: expected" "$base/broken/05-pipe-pingpong.result" || bad "the BUILD ERROR does not quote the compiler's first error"
awk -v s="$secs" 'BEGIN { exit !(s < 90) }' || bad "grading the broken copies took ${secs}s"
rm -rf "$tmp"
sleep 0.2
left=$(survivors)
[ -z "$left" ] || bad "processes left running after the broken runs:$left"
# (the graders' TMPDIRs: under $out/tmp outside the sandbox, in its private
# /tmp inside; stage copies for a build dir the sandbox cannot enter, named
# by the pid of their grade.sh: one whose grade.sh still runs is another
# run's, in use)
dirs=$( { find /tmp -maxdepth 1 -name 'forklab-stage.*' -newer "$marker" | while read -r d; do
            p=${d#/tmp/forklab-stage.}; kill -0 "${p%%.*}" 2>/dev/null || echo "$d"; done
          find "$base/broken/tmp" -mindepth 1; } 2>/dev/null | tr '\n' ' ')
[ -z "$dirs" ] || bad "temp dirs left behind: $dirs"
echo "test-grade: broken copies (2 s limit a call): $summary in ${secs}s; nothing left running"
echo "test-grade: $(grep -h "^check=" "$base/broken/05-pipe-pingpong.result" | cut -c7-)"

# ---- 5. hostile solutions: contained
desc=$(FORKLAB_SANDBOX=auto bash tests/exercises/sandbox.sh --describe) && contained=1 || contained=0
# In a chroot the kernel refuses user namespaces (CLONE_NEWUSER: EPERM), so
# no sandbox can start: say so (the grade output does too) and test the rest.
in_chroot() { [ "$(stat -Lc %d:%i /)" != "$(stat -Lc %d:%i /proc/1/root/. 2>/dev/null)" ]; }
if [ $contained -eq 0 ] && in_chroot; then
  echo "test-grade: hostile solutions NOT TESTED: this machine runs in a chroot, where the kernel refuses the sandbox's namespaces ($desc)"
elif [ $contained -eq 0 ]; then
  bad "graded code cannot be contained on this machine: $desc"
else
  tree=$(pwd -P)
  rm -f /tmp/pwned-by-exercise /dev/shm/pwned-by-exercise "$tree/exercises/pwned-by-exercise"
  nproc=${FORKLAB_GRADE_NPROC:-256} forks=""
  FORKLAB_SANDBOX=require FORKLAB_HOSTILE_TREE=$tree "${grade[@]}" --dir tests/exercises/hostile --out "$base/hostile" \
    01-spawn 02-lock-counter 03-shared-array 05-pipe-pingpong 06-queue-workers
  hl=$base/hostile/logs
  for id in 01-spawn 02-lock-counter 03-shared-array 05-pipe-pingpong 06-queue-workers; do
    [ "$(field "$base/hostile/$id.result" contained)" = 1 ] || bad "hostile $id was not graded contained"
  done
  # 500 sleepers: the process limit refuses forks. Children in the grader's
  # process group may instead meet its fork-loop guard first (CRASH, "too
  # many processes"); those that setsid() are out of the guard's sight, so
  # only the limit can stop them.
  for id in 01-spawn 02-lock-counter; do
    st=$(field "$base/hostile/$id.result" status)
    [ "$st" != PASS ] || bad "hostile $id (500 sleeping children) was graded PASS"
    started=$(sed -n 's/^hostile: fork refused after \([0-9]*\) started.*/\1/p' "$hl/$id.log" | sort -n | tail -1)
    if [ -n "$started" ] && [ "$started" -lt "$nproc" ]; then forks="$forks ${id%%-*}:limit-after-$started"
    elif [ -n "$started" ]; then bad "hostile $id: $started forks started before a refusal (limit $nproc)"
    elif [ $id = 01-spawn ] && [ "$st" = CRASH ] && grep -q 'too many processes' "$base/hostile/$id.result"; then
      forks="$forks ${id%%-*}:fork-loop-guard"
    else bad "hostile $id: no fork was refused (see $hl/$id.log)"; fi
  done
  # writes and a segment: PASS, and none of it on the machine
  for id in 03-shared-array 05-pipe-pingpong; do
    st=$(field "$base/hostile/$id.result" status)
    [ "$st" = PASS ] || bad "hostile $id (a correct solution) was graded $st: $(field "$base/hostile/$id.result" check)"
  done
  grep -aq 'hostile: write /tmp/pwned-by-exercise: written' "$hl/03-shared-array.log" ||
    bad "hostile 03 did not get to write its private /tmp (see $hl/03-shared-array.log)"
  grep -aq 'hostile: shm_open /pwned-by-exercise: left behind' "$hl/05-pipe-pingpong.log" ||
    bad "hostile 05 did not get to make its segment (see $hl/05-pipe-pingpong.log)"
  for f in /tmp/pwned-by-exercise /dev/shm/pwned-by-exercise "$tree/exercises/pwned-by-exercise"; do
    [ -e "$f" ] && { bad "a hostile solution's file reached the machine: $f"; rm -f "$f"; }
  done
  # the grandchild that killed its test process
  st=$(field "$base/hostile/06-queue-workers.result" status)
  [ "$st" != PASS ] || bad "hostile 06 (kills its test process) was graded PASS"
  grep -aq 'hostile: escaped to sleep 617.25' "$hl/06-queue-workers.log" || bad "hostile 06 did not run its escape"
  left=$(survivors)
  [ -z "$left" ] || { bad "hostile solutions left processes:$left"; kill -KILL $left 2>/dev/null; }
  echo "test-grade: hostile solutions contained ($desc): 500 forks stopped by$forks (limit $nproc), no /tmp, tree or /dev/shm file, no survivor"
fi
# Where nothing can contain, the grade output says so (a reference
# solution: nothing hostile runs uncontained).
FORKLAB_BWRAP=/nonexistent/bwrap bash tests/exercises/grade.sh --solutions --out "$base/uncontained" 01-spawn \
  >"$base/uncontained.out" 2>&1 </dev/null
if ! grep -q '^NOT CONTAINED: bubblewrap' "$base/uncontained.out" ||
   [ "$(field "$base/uncontained/01-spawn.result" contained)" != 0 ] ||
   ! grep -q '"contained": false' "$base/uncontained/results.json"; then
  bad "without bwrap the grade output does not say it is uncontained (see $base/uncontained.out)"
else
  echo "test-grade: without bwrap: $(grep -m1 '^NOT CONTAINED' "$base/uncontained.out")"
fi
FORKLAB_SANDBOX=require FORKLAB_BWRAP=/nonexistent/bwrap bash tests/exercises/grade.sh --solutions \
  --out "$base/uncontained" 01-spawn >/dev/null 2>&1 </dev/null
[ $? -eq 2 ] || bad "FORKLAB_SANDBOX=require without bwrap did not refuse (exit 2)"

# ---- 6. forklab watch: re-grades on save, moves on after a PASS, Ctrl-C ends it
if [ -x "$build/forklab" ]; then
  forklab=$(cd "$build" && pwd -P)/forklab
  wroot=$(mktemp -d "${TMPDIR:-/tmp}/forklab-watch.XXXXXX")
  mkdir -p "$wroot/tests" "$wroot/build/viewer/core" "$wroot/viewer/core" "$wroot/viewer/out"
  cp -r lib exercises solutions "$wroot/"
  cp -r tests/exercises tests/lib tests/run-suite.sh "$wroot/tests/"
  cp viewer/core/*.h "$wroot/viewer/core/"
  cp viewer/out/*.h "$wroot/viewer/out/" # explore.h, for the graders that explore
  ln -s "$(cd "$build" && pwd -P)/libforklab.a" "$wroot/build/libforklab.a"
  ln -s "$(cd "$build" && pwd -P)/viewer/core/waitfor.o" "$wroot/build/viewer/core/waitfor.o"
  ln -s "$(cd "$build" && pwd -P)/libmp.a" "$wroot/build/libmp.a"
  ln -s "$(cd "$build" && pwd -P)/viewer/core/model.o" "$wroot/build/viewer/core/model.o"
  wout=$(cd "$base" && pwd -P)/watch.out
  (cd "$wroot" && FORKLAB_HOME=. FORKLAB_BUILD=build exec "$forklab" watch 01 >"$wout" 2>&1) &
  wpid=$!
  wait_for() { # TEXT SECONDS
    local i=0
    while ! grep -q "$1" "$wout" 2>/dev/null; do
      kill -0 $wpid 2>/dev/null || return 1
      i=$((i + 1)); [ $i -gt $(($2 * 10)) ] && return 1; sleep 0.1
    done
  }
  step=""
  if ! wait_for "watching exercises/01-spawn.c" 60; then step="it never graded 01"
  else
    sleep 1.1 # a new mtime, even on a coarse clock
    cp solutions/01-spawn.c "$wroot/exercises/01-spawn.c"
    if ! wait_for "on to 02-lock-counter" 60; then step="it did not move on after 01 passed"
    elif ! wait_for "watching exercises/02-lock-counter.c" 60; then step="it did not grade 02"; fi
  fi
  kill -INT $wpid 2>/dev/null
  wrc=0; wait $wpid || wrc=$?
  [ -z "$step" ] && ! grep -q "stopped watching" "$wout" && step="it did not stop cleanly on SIGINT"
  [ -z "$step" ] && [ $wrc -ne 0 ] && step="it exited $wrc after SIGINT"
  [ -z "$step" ] && ! grep -q "^01-spawn *PASS" "$wout" && step="01 did not PASS after the save"
  rm -rf "$wroot"
  if [ -n "$step" ]; then bad "forklab watch: $step (output in $wout)"
  else echo "test-grade: forklab watch: 01 FAIL, saved, 01 PASS, on to 02, Ctrl-C ends it (exit $wrc)"; fi
else
  bad "no $build/forklab to test forklab watch"
fi

[ $ok -eq 1 ] && echo "test-grade: ok" || exit 1
