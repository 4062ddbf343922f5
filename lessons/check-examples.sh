#!/usr/bin/env bash
# check-examples.sh [BUILD] — the test-lessons step.
#
# 1. `forklab lint` on the shipped lessons;
# 2. every lesson's example (run.program with run.args), from BUILD, under
#    `timeout -s KILL 20`: it must exit 0, match every run.expect regex
#    (grep -E) and leave no process behind;
# 3. the same example from the ASan build (BUILD/asan/lessons) with leak
#    detection on: exit 0 and no "Sanitizer" in its output;
# 4. every other lessons/NN-*.c example (a lesson's second one) the same
#    way, without arguments or expectations.
# The lessons are read through `forklab list --examples` (the loader), never
# by parsing YAML here. An example whose binary is missing is a failure.
# Appends "lessons TESTED PASSED FAILED" to BUILD/test-logs/counts.
set -u
build=${1:-${BUILD:-build}}
here=$(cd "$(dirname "$0")/.." && pwd)
export FORKLAB_HOME=${FORKLAB_HOME:-$here}
forklab=$build/forklab
logdir=$build/test-logs/lessons
mkdir -p "$logdir"
EXAMPLE_TIMEOUT=${EXAMPLE_TIMEOUT:-20}

tested=0 passed=0
failures=()

pass() { tested=$((tested + 1)); passed=$((passed + 1)); echo "lessons: $1: ok${2:+ ($2)}"; }
fail() {
  tested=$((tested + 1)); failures+=("$1")
  echo "---- lessons: $1: FAILED ($2)"
  [ -n "${3:-}" ] && [ -f "$3" ] && tail -n 30 "$3" | sed 's/^/    /'
}

# run_example LOG BINARY ARGS... — runs in its own process group (timeout
# leads one); sets rc and left (pids still in the group afterwards).
run_example() {
  local log=$1; shift
  timeout -s KILL "$EXAMPLE_TIMEOUT" "$@" >"$log" 2>&1 </dev/null &
  local pid=$!
  wait "$pid"; rc=$?
  left=$(pgrep -g "$pid" 2>/dev/null | tr '\n' ' ')
  if [ -n "$left" ]; then pkill -KILL -g "$pid" 2>/dev/null; fi
}

# run_mpi_example LOG RANKS BINARY ARGS... — an MPI lesson (run.mpi) under
# mpirun with the options forklab uses (--oversubscribe, root allowed, a
# private directory for session files and shared-memory segments, removed
# after) plus the lesson's run.mpi_args. mpirun gives each rank a process
# group of its own: leftovers are looked for by binary path, and the
# private directory must be empty of shared-memory segments afterwards.
run_mpi_example() {
  local log=$1 ranks=$2 bin=$3; shift 3
  local dir
  dir=$(mktemp -d /tmp/forklab-mpi.XXXXXX)
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout -s TERM -k 5 "$EXAMPLE_TIMEOUT" \
    mpirun -np "$ranks" --oversubscribe --mca btl_vader_single_copy_mechanism none \
    --mca orte_tmpdir_base "$dir" --mca btl_vader_backing_directory "$dir" "${mpiargs[@]}" \
    "$bin" "$@" >"$log" 2>&1 </dev/null
  rc=$?
  [ "$rc" -eq 124 ] && rc=137
  sleep 0.2
  left=$(pgrep -f "^$bin( |$)" 2>/dev/null | tr '\n' ' ')
  if [ -n "$left" ]; then pkill -KILL -f "^$bin( |$)" 2>/dev/null; fi
  rm -rf "$dir"
}

checked=" "
check_lesson() {
  local id=$1 prog=$2; shift 2
  checked+="$prog "
  local -a args=("${@}")
  local bin=$build/lessons/$prog log=$logdir/$id.log
  # plain build: status, expectations, leftovers
  if [ ! -x "$bin" ]; then
    fail "$id" "no example binary $bin (lessons/$prog.c missing or not built)"
  else
    local t0=$SECONDS
    if [ "$mpi" -gt 0 ]; then run_mpi_example "$log" "$mpi" "$bin" "${args[@]}"
    else run_example "$log" "$bin" "${args[@]}"; fi
    local why=""
    [ "$rc" -eq 137 ] && why="killed after ${EXAMPLE_TIMEOUT}s"
    [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit status $rc"
    [ -z "$why" ] && [ -n "$left" ] && why="left processes behind: $left"
    if [ -z "$why" ]; then
      local re
      for re in "${expects[@]}"; do
        grep -Eq -- "$re" "$log" || { why="output does not match /$re/"; break; }
      done
    fi
    if [ -z "$why" ]; then pass "$id" "$((SECONDS - t0)) s"; else fail "$id" "$why" "$log"; fi
  fi
  # ASan build: status and sanitizer reports (not for MPI examples)
  [ "$mpi" -gt 0 ] && return
  local abin=$build/asan/lessons/$prog alog=$logdir/$id.asan.log
  if [ ! -x "$abin" ]; then
    fail "$id (asan)" "no ASan binary $abin"
    return
  fi
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    run_example "$alog" "$abin" "${args[@]}"
  local why=""
  [ "$rc" -eq 137 ] && why="killed after ${EXAMPLE_TIMEOUT}s"
  [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit status $rc"
  [ -z "$why" ] && grep -aq 'Sanitizer' "$alog" && why="sanitizer report"
  [ -z "$why" ] && [ -n "$left" ] && why="left processes behind: $left"
  if [ -z "$why" ]; then pass "$id (asan)"; else fail "$id (asan)" "$why" "$alog"; fi
}

if [ ! -x "$forklab" ]; then
  echo "lessons: $forklab not built"
  exit 1
fi

if "$forklab" lint >"$logdir/lint.log" 2>&1; then
  pass "lint" "$(tail -n 1 "$logdir/lint.log")"
else
  fail "lint" "forklab lint found errors" "$logdir/lint.log"
fi

# Records: "lesson<TAB>id<TAB>program", then "arg<TAB>x" and "expect<TAB>re".
if ! "$forklab" list --examples >"$logdir/examples.tsv" 2>"$logdir/list.err"; then
  fail "list" "forklab list --examples failed" "$logdir/list.err"
fi
id="" prog="" args=() expects=() mpi=0 mpiargs=()
while IFS=$'\t' read -r kind a b; do
  case $kind in
    lesson)
      [ -n "$id" ] && check_lesson "$id" "$prog" "${args[@]}"
      id=$a prog=$b args=() expects=() mpi=0 mpiargs=() ;;
    arg) args+=("$a${b:+$'\t'$b}") ;;
    expect) expects+=("$a${b:+$'\t'$b}") ;;
    mpi) mpi=$a ;;
    mpiarg) mpiargs+=("$a") ;;
  esac
done <"$logdir/examples.tsv"
[ -n "$id" ] && check_lesson "$id" "$prog" "${args[@]}"

# Examples no lesson runs (a lesson's second example, e.g. 05-shared-value):
# run without arguments, expecting only exit 0, no leftovers, no sanitizer.
for src in "$FORKLAB_HOME"/lessons/[0-9]*.c; do
  [ -e "$src" ] || continue
  prog=$(basename "$src" .c)
  case $checked in *" $prog "*) continue ;; esac
  grep -q '^#include <mpi.h>' "$src" && continue # MPI examples run only from their lessons
  expects=() mpi=0 mpiargs=()
  check_lesson "$prog" "$prog"
done

[ "$tested" -eq 0 ] && fail "lessons" "no lesson found"
mkdir -p "$build/test-logs"
echo "lessons $tested $passed ${#failures[@]}" >>"$build/test-logs/counts"
if [ ${#failures[@]} -gt 0 ]; then
  echo "lessons: ${#failures[@]} of $tested checks failed: ${failures[*]}"
  exit 1
fi
echo "lessons: all $tested checks passed"
