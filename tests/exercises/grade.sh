#!/usr/bin/env bash
# grade.sh [--solutions] [--dir DIR] [--out DIR] [--quiet] [--strict] [EX...]
#
# Builds each exercise against its grader (tests/exercises/test_ID.c) and
# runs it; prints a table (exercise, result, points, the failing check and
# a hint) and the total; writes OUT/results.json, OUT/junit.xml and one
# OUT/ID.result (key=value lines, read by forklab's grade.c).
#
#   --solutions  grade solutions/ instead of exercises/ (OUT: BUILD/grade/solutions)
#   --dir DIR    take the exercise files from DIR (e.g. a deliberately broken copy)
#   --out DIR    where results go (default BUILD/grade)
#   --quiet      no table (the result files only)
#   --strict     exit 1 unless every graded exercise passed
#   --asan       build with ASan+UBSan (against BUILD/asan/libmp.a)
#   EX           "06", "6", "06-queue-workers" or "queue-workers"; default all
#
# A build error in one exercise does not stop the others. Each suite runs
# under `timeout -s KILL`, contained by tests/exercises/sandbox.sh (its own
# pid, mount and network namespaces, an unprivileged uid, rlimits): when it
# ends, everything it started ends. Where containment is not possible the
# table's first line, the .result files and results.json say so
# (FORKLAB_SANDBOX=require refuses instead). Environment: BUILD, CC,
# FORKLAB_SEED (pins the random inputs), FORKLAB_GRADE_TIMEOUT (seconds per
# call), GRADE_SUITE_LIMIT, and the limits sandbox.sh lists.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD:-build}
cc=${CC:-cc}
mode=exercises src_dir=exercises out="" quiet=0 strict=0 asan=0
want=()
while [ $# -gt 0 ]; do
  case $1 in
    --solutions) mode=solutions; src_dir=solutions ;;
    --dir) src_dir=$2; shift ;;
    --out) out=$2; shift ;;
    --quiet) quiet=1 ;;
    --strict) strict=1 ;;
    --asan) asan=1 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) want+=("$1") ;;
  esac
  shift
done
if [ -z "$out" ]; then
  if [ "$src_dir" = exercises ]; then out=$build/grade
  elif [ "$src_dir" = solutions ]; then out=$build/grade/solutions
  else out=$build/grade/dir-$(basename "$src_dir"); fi
fi
mkdir -p "$out/bin" "$out/logs"
suite_limit=${GRADE_SUITE_LIMIT:-180}
# shellcheck source=tests/exercises/sandbox.sh
. tests/exercises/sandbox.sh
sandbox_probe
sandbox_require
points_per=10

cflags=(-std=c11 -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE -pthread -Ilib -Iexercises -Iviewer/core -Iviewer/out -Itests/lib -Itests/exercises)
libmp=$build/libmp.a
model_obj=$build/viewer/core/model.o
wf_obj=$build/viewer/core/waitfor.o
if [ $asan -eq 1 ]; then
  cflags+=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  libmp=$build/asan/libmp.a
  model_obj=$out/bin/model-asan.o
  [ -f "$libmp" ] && "$cc" "${cflags[@]}" -c viewer/core/model.c -o "$model_obj"
  wf_obj=$out/bin/waitfor-asan.o
  [ -f "$libmp" ] && "$cc" "${cflags[@]}" -c viewer/core/waitfor.c -o "$wf_obj"
fi
# libforklab.a: the explorer, for the graders that explore (gr_explore.h)
libs=("$build/libforklab.a" "$libmp" -lcriterion -lyaml -lcrypto -lpthread -lm)
for need in "$libmp" "$model_obj" "$wf_obj" "$build/libforklab.a"; do
  if [ ! -f "$need" ]; then echo "grade: $need is missing: run make first" >&2; exit 2; fi
done

# ---- which exercises
# The MPI exercises (whole programs run by mpirun, no Criterion grader)
# are graded by tests/exercises/mpi/grade-mpi.sh; this driver hands them
# over and reports them like the others. Not under --asan: they are built
# with mpicc, not against libmp.
mpi_ids=" "
[ $asan -eq 1 ] || mpi_ids=" $(bash tests/exercises/mpi/grade-mpi.sh --list 2>/dev/null) "
all=()
for t in tests/exercises/test_[0-9]*.c; do n=${t##*/test_}; all+=("${n%.c}"); done
for id in $mpi_ids; do all+=("$id"); done
mapfile -t all < <(printf '%s\n' "${all[@]}" | sort)
ids=()
if [ ${#want[@]} -eq 0 ]; then ids=("${all[@]}"); else
  for w in "${want[@]}"; do
    found=""
    for id in "${all[@]}"; do
      num=${id%%-*}; name=${id#*-}
      if [ "$w" = "$id" ] || [ "$w" = "$num" ] || [ "$w" = "$name" ] || { [[ $w =~ ^[0-9]+$ ]] && [ $((10#$w)) -eq $((10#$num)) ]; }; then found=$id; fi
    done
    if [ -z "$found" ]; then echo "grade: no exercise '$w' (have: ${all[*]})" >&2; exit 2; fi
    ids+=("$found")
  done
fi

# ---- helpers
hint_for() { # ID TESTNAME: the test's own hint, else the exercise's
  local h
  h=$(awk -F'\t' -v k="$1 $2" '$1 == k { print $2; exit }' exercises/hints.txt 2>/dev/null)
  [ -z "$h" ] && h=$(awk -F'\t' -v k="$1" '$1 == k { print $2; exit }' exercises/hints.txt 2>/dev/null)
  printf '%s' "$h"
}
json_str() { # a JSON string literal
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\t'/ }; s=${s//$'\n'/ }; s=${s//$'\r'/}
  printf '"%s"' "$s"
}
xml_esc() { local s=$1; s=${s//&/&amp;}; s=${s//</&lt;}; s=${s//>/&gt;}; s=${s//\"/&quot;}; printf '%s' "$s"; }

# Criterion's JSON report → lines "NAME<TAB>STATUS<TAB>FIRST MESSAGE", sorted by name.
parse_report() {
  awk '
    /"tests": \[/ { intests = 1 }
    intests && /"name": / { sub(/.*"name": "/, ""); sub(/",?[ \t]*$/, ""); name = $0; status = ""; msg = ""; inmsg = 0; next }
    intests && /"status": / { s = $0; sub(/.*"status": "/, "", s); sub(/".*/, "", s); status = s; next }
    intests && /"messages": \[/ {
      line = $0; sub(/.*"messages": \[/, "", line)
      if (line ~ /^ *"/) { sub(/^ *"/, "", line); sub(/"[ \t]*\],?[ \t]*$/, "", line); msg = line; print_it(); next }
      inmsg = 1; next
    }
    inmsg && /^[ \t]*"/ { if (msg == "") { line = $0; sub(/^[ \t]*"/, "", line); sub(/",?[ \t]*$/, "", line); msg = line } next }
    inmsg && /\]/ { inmsg = 0; print_it(); next }
    intests && /^[ \t]*}/ && name != "" && !inmsg { if (!printed[name]) print_it() }
    function print_it() { if (name == "" || printed[name]) return; sub(/^[^ :]*:[0-9]+: /, "", msg); printed[name] = 1; printf "%s\t%s\t%s\n", name, status, msg }
  ' "$1" | sort
}

# Ctrl-C (or forklab watch stopping): take the running suite's whole group
# down too; timeout made it a group of its own, out of the terminal's reach.
running=""
# The graders' private TMPDIRs live here, so that a suite killed mid-test
# leaves nothing in /tmp.
export FORKLAB_GRADE_TMP=$out/tmp
mkdir -p "$FORKLAB_GRADE_TMP"
# Kill the suite's group; remove what its killed processes could not: their
# temp dirs and the Criterion runner's socket.
runner_file=""
remove_runner_socket() {
  local r
  r=$(cat "$runner_file" 2>/dev/null)
  # called once the session is SIGKILLed: the runner cannot make it again
  [[ $r =~ ^[0-9]+$ ]] && rm -f "/tmp/criterion_$r.sock"
  return 0
}
# Everything the suite started is killed: Criterion's test workers call
# setsid(), so neither the process group nor the session holds them, but
# they (and what the learner's code forks) inherit FORKLAB_GRADE_TAG.
tag=grade-$$-$RANDOM$RANDOM
export FORKLAB_GRADE_TAG=$tag
kill_session() {
  local pass d
  for pass in 1 2; do # twice: a fork in flight during the first scan
    for d in /proc/[0-9]*; do
      [ "${d#/proc/}" = $$ ] && continue
      grep -qz "^FORKLAB_GRADE_TAG=$tag\$" "$d/environ" 2>/dev/null && kill -KILL "${d#/proc/}" 2>/dev/null
    done
  done
  return 0
}
stop_suite() {
  [ -n "$running" ] || return 0
  kill_session
  wait "$running" 2>/dev/null
  remove_runner_socket
  rm -rf "$FORKLAB_GRADE_TMP"/forklab-grade-* 2>/dev/null
  remove_stage
  sweep_stages
  running=""
}

# Contained (sandbox.sh): the grader's directory is bound read-only, the
# reports come back through descriptors 7 and 8 (the sandbox can write
# nothing outside), the runner's socket lives and dies in its private /tmp.
# A directory the sandbox's uid cannot enter (a build under /root) is
# replaced by a copy of the binary in a stage directory it can.
# Stage directories of a grade.sh that was SIGKILLed (its pid in the name)
# go at the next start.
# (grade-mpi.sh makes them too.)
sweep_stages() {
  local d p
  for d in /tmp/forklab-stage.[0-9]*.*; do
    [ -d "$d" ] || continue
    p=${d#/tmp/forklab-stage.}; p=${p%%.*}
    kill -0 "$p" 2>/dev/null || rm -rf "$d"
  done
  return 0
}
sweep_stages
stage=""
remove_stage() { [ -n "$stage" ] && rm -rf "$stage"; stage=""; return 0; }
contained=()
contain_prepare() { # BIN JSON XML: sets contained (the command), maybe stage
  local dir
  dir=$(cd "$(dirname "$1")" && pwd -P) || return 1
  if ! sandbox_reachable "$dir"; then
    stage=$(mktemp -d "/tmp/forklab-stage.$$.XXXXXX") || return 1
    chmod 755 "$stage" && cp "$1" "$stage/" || return 1
    dir=$stage
  fi
  : >"$2" && : >"$3" || return 1
  if [ "$(id -u)" = 0 ]; then chown "${FORKLAB_GRADE_UID:-65534}" "$2" "$3" || return 1; fi
  sandbox_prefix contained "$dir" "$asan"
  contained+=("$sandbox_bin_dir/${1##*/}" --jobs 2 --verbose --json=/dev/fd/7 --xml=/dev/fd/8)
}

# Both ways the suite runs with --verbose: its log gets a "[RUN ]" line as
# each check starts and "[PASS]"/"[FAIL]" as it ends, which forklab reads
# to show the checks one by one while the grade runs (core/grade_progress.c).

# Uncontained: own process group (timeout makes one), killed whole on
# expiry, and a session of its own: Criterion's runner and each of its test
# workers make themselves process-group leaders, so only the session holds
# them all. Its id goes to RUNNER.sid, the runner's pid (for its socket,
# /tmp/criterion_PID.sock) to RUNNER.
run_uncontained() { # BIN JSON XML LOG
  rm -f "$runner_file" "$runner_file.sid"
  GRADE_RUNNER_FILE=$runner_file exec setsid -w sh -c 'echo $$ >"$GRADE_RUNNER_FILE.sid"
    exec timeout -s KILL "$0" sh -c '"'"'echo $$ >"$GRADE_RUNNER_FILE"; exec "$@"'"'"' sh "$@"' \
    "$suite_limit" "$1" --jobs 2 --verbose --json="$2" --xml="$3" >>"$4" 2>&1
}
trap 'stop_suite; exit 130' INT TERM

results_json=()
junit_suites=()
total=0 total_max=0 npass=0
table=()

# An MPI exercise: grade-mpi.sh writes OUT/ID.result (the same fields)
# and OUT/logs/ID.log; the table, results.json and junit.xml come from it.
grade_mpi_one() {
  local id=$1 r="$out/$1.result" rc
  rm -f "$r"
  bash tests/exercises/mpi/grade-mpi.sh --quiet --dir "$src_dir" --out "$out" "$id" 2>"$out/logs/$id.driver" &
  running=$!
  wait "$running"; rc=$?
  running=""
  declare -A f=()
  if [ -f "$r" ]; then
    while IFS='=' read -r k v; do f[$k]=$v; done <"$r"
  else # it could not run (mpicc or forklab missing, or it refused uncontained)
    f=([id]=$id [status]=ERROR [points]=0 [max_points]=$points_per [tested]=0 [passed]=0
       [check]="$(tail -n1 "$out/logs/$id.driver" 2>/dev/null || echo "grade-mpi.sh exit $rc")"
       [hint]="" [source]="$src_dir/$id.c" [contained]=$sandbox_ok [sandbox]=$sandbox_desc)
    printf '%s=%s\n' id "$id" status ERROR points 0 max_points "$points_per" tested 0 passed 0 \
      check "${f[check]}" hint "" source "${f[source]}" contained "$sandbox_ok" sandbox "$sandbox_desc" >"$r"
  fi
  total=$((total + ${f[points]:-0})); total_max=$((total_max + points_per))
  [ "${f[status]}" = PASS ] && npass=$((npass + 1))
  local fail=0 err=0
  case ${f[status]} in PASS) ;; FAIL) fail=1 ;; *) err=1 ;; esac
  junit_suites+=("  <testsuite name=\"$id\" tests=\"1\" failures=\"$fail\" errors=\"$err\" disabled=\"0\" skipped=\"0\" time=\"0\">
    <testcase name=\"mpi\" status=\"$(xml_esc "${f[status]}")\"$([ "${f[status]}" = PASS ] && echo ' />' || echo ">
      <failure type=\"$(xml_esc "${f[status]}")\" message=\"$(xml_esc "${f[check]}")\" /></testcase>")
  </testsuite>")
  table+=("$id"$'\t'"${f[status]}"$'\t'"${f[points]}/$points_per"$'\t'"${f[check]}"$'\t'"${f[hint]}")
  [ $quiet -eq 0 ] && print_row "$id" "${f[status]}" "${f[points]}/$points_per" "${f[check]}" "${f[hint]}"
  return 0
}

grade_one() {
  local id=$1 src="$src_dir/$1.c" bin="$out/bin/test_$1" log="$out/logs/$1.log"
  case $mpi_ids in *" $id "*) grade_mpi_one "$id"; return ;; esac
  local status="" check="" hint="" tested=0 passed=0 points=0 failing_test=""
  local json="$out/logs/$1.json" xml="$out/logs/$1.xml"
  rm -f "$json" "$xml" "$bin"
  : >"$log"
  if [ ! -f "$src" ]; then
    status="BUILD ERROR"; check="$src: no such file"
  elif ! "$cc" "${cflags[@]}" -c "$src" -o "$out/bin/$1.o" >>"$log" 2>&1; then
    status="BUILD ERROR"
    check=$(grep -m1 -E 'error:|Error' "$log"); check=${check:-$(head -n1 "$log")}
  elif ! "$cc" "${cflags[@]}" -c "tests/exercises/test_$1.c" -o "$out/bin/test_$1.o" >>"$log" 2>&1 ||
       ! "$cc" "${cflags[@]}" -c tests/exercises/harness.c -o "$out/bin/harness.o" >>"$log" 2>&1; then
    status="ERROR"; check="the grader itself does not build: $(grep -m1 'error:' "$log")"
  elif ! "$cc" "${cflags[@]}" -o "$bin" "$out/bin/test_$1.o" "$out/bin/harness.o" "$out/bin/$1.o" \
         "$model_obj" "$wf_obj" "${libs[@]}" >>"$log" 2>&1; then
    status="BUILD ERROR"
    check=$(grep -m1 -E 'error:|undefined reference' "$log"); check=${check:-$(head -n1 "$log")}
  fi
  if [ -z "$status" ]; then
    runner_file=$out/logs/$1.runner
    local pid rc
    if [ "$sandbox_ok" != 1 ]; then
      run_uncontained "$bin" "$json" "$xml" "$log" &
      pid=$!
    elif contain_prepare "$bin" "$json" "$xml"; then
      setsid -w timeout -s KILL "$suite_limit" "${contained[@]}" 7>"$json" 8>"$xml" >>"$log" 2>&1 &
      pid=$!
    else
      echo "grade: cannot prepare the sandbox for $bin" >>"$log"
      (exit 2) & pid=$!
    fi
    running=$pid
    wait $pid 2>/dev/null; rc=$?
    # Anything of the suite still alive is killed (uncontained: what left
    # the session; contained, the namespace is gone already).
    kill_session
    [ "$rc" -eq 137 ] && remove_runner_socket
    rm -rf "$FORKLAB_GRADE_TMP"/forklab-grade-* 2>/dev/null
    remove_stage
    running=""
    local syn
    syn=$(grep -a 'Synthesis:' "$log" | tail -1)
    tested=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$syn"); tested=${tested:-0}
    passed=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$syn"); passed=${passed:-0}
    local report="" line t s m first_fail="" first_timeout="" first_crash="" first_explore=""
    [ -s "$json" ] && report=$(parse_report "$json")
    while IFS=$'\t' read -r t s m; do
      [ -z "$t" ] && continue
      [ "$s" = PASSED ] && continue
      line="$t"$'\t'"$m"
      [ -z "$first_fail" ] && first_fail=$line
      case $t in *explore*) [ -z "$first_explore" ] && first_explore=$line ;; esac
      case $m in
        TIMEOUT:*|"The test timed out."*) [ -z "$first_timeout" ] && first_timeout=$line ;;
        CRASH:*|"The test crashed."*) [ -z "$first_crash" ] && first_crash=$line ;;
      esac
    done <<<"$report"
    if [ "$rc" -eq 137 ]; then
      status=TIMEOUT; check="the grader was stopped after ${suite_limit}s"
    elif [ -n "$first_timeout" ]; then status=TIMEOUT; first_fail=$first_timeout
    elif [ -n "$first_crash" ]; then status=CRASH; first_fail=$first_crash
    elif [ "$tested" -gt 0 ] && [ "$passed" -eq "$tested" ] && [ "$rc" -eq 0 ]; then status=PASS
    elif [ "$tested" -eq 0 ]; then status=CRASH; check="the grader ran no test (exit $rc); see $log"
    else status=FAIL
    fi
    # A failed exploration (a race or a fake that another order exposes)
    # is what is reported, and the exercise scores 0 below.
    [ -n "$first_explore" ] && [ "$status" = FAIL ] && first_fail=$first_explore
    if [ -n "$first_fail" ] && [ "$status" != PASS ]; then
      failing_test=${first_fail%%$'\t'*}; check=${first_fail#*$'\t'}
      [ "$check" = "The test timed out." ] && check="the test did not finish in time"
      [ "$check" = "The test crashed." ] && check="the test process crashed"
      check=${check#TIMEOUT: }; check=${check#CRASH: }
    fi
    [ "$tested" -gt 0 ] && points=$((points_per * passed / tested))
    [ "$status" = PASS ] && points=$points_per
    [ -n "$first_explore" ] && points=0
  fi
  # An unsolved stub gets the exercise's general hint, a real attempt the
  # hint of the check it failed.
  case $check in *"not solved yet"*) failing_test="" ;; esac
  [ "$status" != PASS ] && hint=$(hint_for "$id" "$failing_test")
  total=$((total + points)); total_max=$((total_max + points_per))
  [ "$status" = PASS ] && npass=$((npass + 1))
  # the cache forklab reads
  {
    echo "id=$id"; echo "status=$status"; echo "points=$points"; echo "max_points=$points_per"
    echo "tested=$tested"; echo "passed=$passed"; echo "check=${check//$'\n'/ }"; echo "hint=$hint"
    echo "source=$src"; echo "contained=$sandbox_ok"; echo "sandbox=$sandbox_desc"
  } >"$out/$id.result"
  if [ -s "$xml" ]; then
    junit_suites+=("$(sed -n '/<testsuite /,/<\/testsuite>/p' "$xml" | sed "s/<testsuite name=\"[^\"]*\"/<testsuite name=\"$id\"/")")
  else
    junit_suites+=("  <testsuite name=\"$id\" tests=\"1\" failures=\"0\" errors=\"1\" disabled=\"0\" skipped=\"0\" time=\"0\">
    <testcase name=\"build\" status=\"ERRORED\"><error type=\"$(xml_esc "$status")\" message=\"$(xml_esc "$check")\" /></testcase>
  </testsuite>")
  fi
  table+=("$id"$'\t'"$status"$'\t'"$points/$points_per"$'\t'"$check"$'\t'"$hint")
  [ $quiet -eq 0 ] && print_row "$id" "$status" "$points/$points_per" "$check" "$hint"
}

# Long checks and hints wrap under the check column (width: $COLUMNS or 110).
width=${COLUMNS:-110}
[ "$width" -lt 70 ] && width=70
wrap() { # TEXT INDENT: fold TEXT to the width, indenting the lines after the first
  fold -s -w $((width - $2)) <<<"$1" | sed "2,\$ s/^/$(printf '%*s' "$2" '')/"
}
print_row() {
  printf '%-18s %-12s %6s' "$1" "$2" "$3"
  [ -n "$4" ] && printf '  %s' "$(wrap "$4" 40)"
  printf '\n'
  [ -n "$5" ] && printf '%-40s%s\n' "" "$(wrap "hint: $5" 40)"
  return 0
}

# Whether the code runs contained is said first, plainly; a quiet run (the
# viewer's log) says "uncontained" on stderr.
[ "$sandbox_ok" = 1 ] || [ $quiet -eq 0 ] || echo "grade: $sandbox_desc" >&2
[ $quiet -eq 0 ] && { echo "grading $src_dir/ (seed: ${FORKLAB_SEED:-random, printed in each log})"; echo "$sandbox_desc"; printf '%-18s %-12s %6s  %s\n' exercise result points "failing check"; }
for id in "${ids[@]}"; do grade_one "$id"; done

# results.json: the latest result of every exercise graded into $out so far
# (grading one exercise keeps the others' last results).
sum=0 sum_max=0 sum_pass=0
for id in "${all[@]}"; do
  r=$out/$id.result
  [ -f "$r" ] || continue
  declare -A f=()
  while IFS='=' read -r k v; do f[$k]=$v; done <"$r"
  sum=$((sum + ${f[points]:-0})); sum_max=$((sum_max + ${f[max_points]:-0}))
  [ "${f[status]}" = PASS ] && sum_pass=$((sum_pass + 1))
  results_json+=("    {\"id\": $(json_str "$id"), \"status\": $(json_str "${f[status]}"), \"points\": ${f[points]:-0}, \"max_points\": ${f[max_points]:-0}, \"tested\": ${f[tested]:-0}, \"passed\": ${f[passed]:-0}, \"check\": $(json_str "${f[check]}"), \"hint\": $(json_str "${f[hint]}"), \"source\": $(json_str "${f[source]}"), \"contained\": $([ "${f[contained]:-0}" = 1 ] && echo true || echo false), \"log\": $(json_str "$out/logs/$id.log")}")
  unset f
done
{
  echo "{"
  echo "  \"total\": $sum, \"max_total\": $sum_max, \"passed\": $sum_pass, \"graded\": ${#results_json[@]},"
  echo "  \"contained\": $([ "$sandbox_ok" = 1 ] && echo true || echo false), \"sandbox\": $(json_str "$sandbox_desc"),"
  echo "  \"exercises\": ["
  for i in "${!results_json[@]}"; do
    sep=,; [ "$i" -eq $((${#results_json[@]} - 1)) ] && sep=""
    echo "${results_json[$i]}$sep"
  done
  echo "  ]"
  echo "}"
} >"$out/results.json"
{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo "<!-- $(xml_esc "${sandbox_desc//--/-}") -->"
  echo "<testsuites name=\"forklab grade $(xml_esc "$src_dir")\">"
  for s in "${junit_suites[@]}"; do echo "$s"; done
  echo "</testsuites>"
} >"$out/junit.xml"

if [ $quiet -eq 0 ]; then
  printf '%-18s %-12s %6s\n' total "$npass/${#ids[@]} pass" "$total/$total_max"
  echo "results: $out/results.json, $out/junit.xml; logs in $out/logs/"
  [ "$sandbox_ok" = 1 ] || echo "$sandbox_desc"
fi
[ $strict -eq 1 ] && [ $npass -ne ${#ids[@]} ] && exit 1
exit 0
