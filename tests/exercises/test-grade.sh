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
#     running or on disk afterwards.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD:-build}
base=$build/grade/check
rm -rf "$base"
mkdir -p "$base"
grade=(bash tests/exercises/grade.sh --quiet)
ok=1
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
abs=$(cd "$base" && pwd -P)
left=""
for d in /proc/[0-9]*; do
  exe=$(readlink "$d/exe" 2>/dev/null) || continue
  case "$exe" in "$abs"/*) left="$left ${d#/proc/}";; esac
done
[ -z "$left" ] || bad "processes left running after the broken runs:$left"
dirs=$( { find /tmp -maxdepth 1 -name 'forklab-grade-*' -newer "$marker"; find "$base/broken/tmp" -mindepth 1; } 2>/dev/null | tr '\n' ' ')
[ -z "$dirs" ] || bad "temp dirs left behind: $dirs"
echo "test-grade: broken copies (2 s limit a call): $summary in ${secs}s; nothing left running"
echo "test-grade: $(grep -h "^check=" "$base/broken/05-pipe-pingpong.result" | cut -c7-)"

# ---- 5. forklab watch: re-grades on save, moves on after a PASS, Ctrl-C ends it
if [ -x "$build/forklab" ]; then
  forklab=$(cd "$build" && pwd -P)/forklab
  wroot=$(mktemp -d "${TMPDIR:-/tmp}/forklab-watch.XXXXXX")
  mkdir -p "$wroot/tests" "$wroot/build/viewer/core" "$wroot/viewer/core"
  cp -r lib exercises solutions "$wroot/"
  cp -r tests/exercises tests/lib tests/run-suite.sh "$wroot/tests/"
  cp viewer/core/*.h "$wroot/viewer/core/"
  ln -s "$(cd "$build" && pwd -P)/libmp.a" "$wroot/build/libmp.a"
  ln -s "$(cd "$build" && pwd -P)/viewer/core/model.o" "$wroot/build/viewer/core/model.o"
  wout=$(cd "$base" && pwd -P)/watch.out
  (cd "$wroot" && FORKLAB_ROOT=. FORKLAB_BUILD=build exec "$forklab" watch 01 >"$wout" 2>&1) &
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
