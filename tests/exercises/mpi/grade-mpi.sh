#!/usr/bin/env bash
# grade-mpi.sh [--solutions | --dir DIR] [--out DIR] [--quiet] [IDS...] —
# grade the MPI exercises (13-mpi-ring, 14-mpi-sum); --list names them.
#
# An MPI exercise is a whole program: it is built with plain mpicc and run
# on 4 ranks by `forklab run --mpi 4 ... --headless`, which traces every
# message and collective. Each exercise has 3 checks: the result rank 0
# prints, and facts of the trace (the messages went where they should, each
# rank did its share). Points as grade.sh gives them: 10 for a PASS, else
# 10 * passed / tested. Inputs are random; the seed is in the log
# (FORKLAB_SEED=N replays it). The run is contained as grade.sh contains a
# grader (tests/exercises/sandbox.sh: mpirun, its ranks and forklab in one
# bwrap sandbox), or says why not. Writes OUT/ID.result (the fields grade.sh
# writes: id, status, points, max_points, tested, passed, check, hint,
# source, contained, sandbox; and seed) and OUT/logs/ID.log; prints a table
# unless --quiet. IDS that are not MPI exercises are skipped (make grade
# EX=06 grades only the others). grade.sh hands the MPI exercises to this
# script, so `forklab grade`, the viewer's g and `make grade` grade them.
set -u
cd "$(dirname "$0")/../../.." || exit 2
build=${BUILD:-build}
all=(13-mpi-ring 14-mpi-sum)
src_dir=exercises out="" quiet=0 want=()
while [ $# -gt 0 ]; do
  case $1 in
    --solutions) src_dir=solutions ;;
    --dir) src_dir=$2; shift ;;
    --out) out=$2; shift ;;
    --quiet) quiet=1 ;;
    --list) echo "${all[*]}"; exit 0 ;;
    *) want+=("$1") ;;
  esac
  shift
done
[ -n "$out" ] || out=$build/grade-mpi/$(basename "$src_dir")
mkdir -p "$out/bin" "$out/logs"
forklab=$build/forklab
for need in "$forklab" "$build/libmptrace.so"; do
  [ -e "$need" ] || { echo "grade-mpi: $need is missing: run make first" >&2; exit 2; }
done
command -v mpicc >/dev/null || { echo "grade-mpi: mpicc is missing (make deps installs openmpi-bin)" >&2; exit 2; }
# shellcheck source=tests/exercises/sandbox.sh
. tests/exercises/sandbox.sh
sandbox_probe
sandbox_require
# forklab and the tracer where they really are (a build folder may be a
# private one of symlinks under /tmp, which the sandbox replaces)
real_build=$(dirname "$(readlink -f "$forklab")")
abs_home=$(pwd -P)
# The sandbox binds / read-only: forklab, the tracer and the tree must be
# readable by its uid where they are.
if [ "$sandbox_ok" = 1 ] && ! { sandbox_reachable "$real_build" && sandbox_reachable "$abs_home"; }; then
  sandbox_ok=0
  sandbox_desc="NOT CONTAINED: $real_build is not reachable by the sandbox's uid ${FORKLAB_GRADE_UID:-65534}; graded code runs with your privileges"
  sandbox_require
fi
# A tree (or build) under /tmp, /dev/shm or /run would be hidden by the
# sandbox's private ones: it is bound back, read-only, at its own path.
for d in "$abs_home" "$real_build"; do
  case $d/ in /tmp/* | /dev/shm/* | /run/*) sandbox_ro_binds+=("$d") ;; esac
done
# A binary directory the sandbox's uid cannot enter is replaced by a copy
# in a stage directory it can (as grade.sh does); removed on exit.
stage=""
trap '[ -z "$stage" ] || rm -rf "$stage"' EXIT
trap 'exit 130' INT TERM
ids=()
if [ ${#want[@]} -eq 0 ]; then ids=("${all[@]}"); else
  for w in "${want[@]}"; do
    for id in "${all[@]}"; do
      num=${id%%-*}
      if [ "$w" = "$id" ] || [ "$w" = "${id#*-}" ] || { [[ $w =~ ^[0-9]+$ ]] && [ $((10#$w)) -eq $((10#$num)) ]; }; then ids+=("$id"); fi
    done
  done
fi
[ ${#ids[@]} -gt 0 ] || exit 0

seed=${FORKLAB_SEED:-$(( (RANDOM << 15) | RANDOM ))}
RANDOM=$seed

# ---- checks: each sets ok=1 or ok=0 and why
tested=0 passed=0 points=0 first=""
# The log's lines are Criterion's ("[RUN ] mpi::NAME", "[PASS] ...",
# "[FAIL] mpi::NAME: why"), so the viewer and `forklab grade` follow the
# checks of an MPI exercise as they follow the others (grade_progress.c).
check() { # NAME COND_FUNCTION WHY
  tested=$((tested + 1))
  echo "[RUN ] mpi::$1" >>"$log"
  if "$2"; then passed=$((passed + 1)); echo "[PASS] mpi::$1" >>"$log"
  else echo "[FAIL] mpi::$1: $3" >>"$log"; [ -n "$first" ] || first="$1: $3"; fi
}
# Delivered messages of the dump: "SRC DST TAG" per line.
messages() { awk '/^== messages/{s=1; next} /^== /{s=0} s && / -> / {
  for (i = 1; i <= NF; i++) if ($i == "->") { t = $(i + 3); sub(/,$/, "", t); print $(i - 1), $(i + 1), t } }' "$dump"; }

ring_expected() { # ROUNDS START -> the final token for 4 ranks
  local t=$2 k r
  for ((k = 0; k < $1; k++)); do
    for r in 1 2 3 0; do t=$(( (t * 31 + r + 1) % 1000003 )); done
  done
  echo "$t"
}
sum_item() { echo $(( ((($1 * 2654435761) + $2 * 40503) & 0xFFFFFFFF) % 1000 )); }

grade_13() {
  local rounds=$((2 + RANDOM % 4)) start=$((RANDOM % 100000))
  args=("$rounds" "$start")
  run_it || return
  local want
  want=$(ring_expected "$rounds" "$start")
  c1() { grep -qx "\[out\] final $want" "$dump"; }
  c2() { [ "$(messages | wc -l)" -eq $((4 * rounds)) ] && grep -q "sent $((4 * rounds)), received $((4 * rounds)), in flight 0" "$dump" &&
         [ -z "$(messages | awk '$2 != ($1 + 1) % 4')" ]; }
  c3() { [ "$(messages | awk -v R="$rounds" '$3 >= 0 && $3 < R { n[$1 " " $3]++ } END { for (k in n) if (n[k] == 1) c++; print c + 0 }')" -eq $((4 * rounds)) ]; }
  check c1_final_value c1 "rank 0 must print \"final $want\" (ROUNDS=$rounds START=$start)"
  check c2_ring_messages c2 "the trace must show $((4 * rounds)) messages, each from a rank to its right neighbour"
  check c3_round_tags c3 "each rank must send once per round, with the round number as the tag"
}

grade_14() {
  local k=$((3 + RANDOM % 10)) sd=$((RANDOM * 7 + 1)) count i r
  count=$((4 * k))
  args=("$count" "$sd")
  run_it || return
  local total=0 part=() item
  for ((r = 0; r < 4; r++)); do part[r]=0; done
  for ((i = 0; i < count; i++)); do
    item=$(sum_item "$sd" "$i"); total=$((total + item)); r=$((i / k)); part[r]=$((part[r] + item))
  done
  c1() { grep -qx "\[out\] sum $total" "$dump"; }
  c2() { grep -Eq 'MPI_Scatter root 0: entered \[0, 1, 2, 3\], left \[0, 1, 2, 3\]' "$dump" &&
         grep -Eq "MPI_Reduce root 0: entered \[0, 1, 2, 3\], left \[0, 1, 2, 3\], .*result $total \(done\)" "$dump"; }
  c3() { grep -Fq "gave: 0=${part[0]} 1=${part[1]} 2=${part[2]} 3=${part[3]}" "$dump"; }
  check c1_total c1 "rank 0 must print \"sum $total\" (COUNT=$count SEED=$sd)"
  check c2_scatter_reduce c2 "rank 0 must MPI_Scatter the data and MPI_Reduce the sums to rank 0 (all 4 ranks in both)"
  check c3_each_share c3 "each rank must reduce the sum of its own part (${part[*]})"
}

# Build and run $src on 4 ranks; false (status set) when it cannot.
run_it() {
  if ! mpicc -std=c11 -Wall -Wextra -Werror -O1 -Iexercises -o "$bin" "$src" >>"$log" 2>&1; then
    status="BUILD ERROR"; first=$(grep -m1 'error' "$log"); return 1
  fi
  echo "run: forklab run --mpi 4 $bin --headless -- ${args[*]}" >>"$log"
  local st dir pre=()
  if [ "$sandbox_ok" = 1 ]; then
    dir=$(cd "$(dirname "$bin")" && pwd -P)
    if ! sandbox_reachable "$dir" || [[ $dir == /tmp/* ]]; then
      [ -n "$stage" ] || { stage=$(mktemp -d "/tmp/forklab-stage.$$.XXXXXX") && chmod 755 "$stage"; }
      cp "$bin" "$stage/" && dir=$stage
    fi
    # The program's folder is bound at $sandbox_bin_dir; bwrap is the
    # sandbox's init: when timeout kills it, the kernel ends mpirun and
    # every rank with it.
    # (the sandbox passes FORKLAB_* on as they are when its command is made)
    FORKLAB_HOME=$abs_home FORKLAB_BUILD=$real_build sandbox_prefix pre "$dir" 0
    timeout -s KILL 90 "${pre[@]}" "$real_build/forklab" \
      run --mpi 4 "$sandbox_bin_dir/${bin##*/}" --headless --timeout 30 -- "${args[@]}" >"$dump" 2>&1
  else
    timeout -s KILL 90 "$forklab" run --mpi 4 "$bin" --headless --timeout 30 -- "${args[@]}" >"$dump" 2>&1
  fi
  st=$?
  cat "$dump" >>"$log"
  echo "[====] Running 3 tests from mpi:" >>"$log"
  if [ $st -eq 124 ] || [ $st -eq 137 ]; then status=TIMEOUT; first="still running after 30 s"; return 1; fi
  if [ $st -eq 3 ]; then status=FAIL; first="deadlock: $(grep -m1 'waits for' "$dump" | sed 's/^ *//')"; return 1; fi
  return 0
}

table=()
for id in "${ids[@]}"; do
  src=$src_dir/$id.c bin=$out/bin/$id log=$out/logs/$id.log dump=$out/logs/$id.dump
  : >"$log"
  echo "seed $seed (FORKLAB_SEED=$seed replays it)" >>"$log"
  tested=0 passed=0 points=0 first="" status="" args=()
  if [ ! -f "$src" ]; then status="BUILD ERROR"; first="$src: no such file"
  else "grade_${id%%-*}"; fi
  [ -n "$status" ] || { [ "$passed" -eq 3 ] && status=PASS || status=FAIL; }
  [ "$status" = PASS ] || [ $tested -gt 0 ] || tested=3
  [ "$tested" -gt 0 ] && points=$((10 * passed / tested))
  [ "$status" = PASS ] && points=10
  hint=""
  [ "$status" = PASS ] || hint=$(awk -F'\t' -v k="$id" '$1 == k { print $2; exit }' exercises/hints.txt 2>/dev/null)
  printf 'id=%s\nstatus=%s\npoints=%d\nmax_points=10\ntested=%d\npassed=%d\ncheck=%s\nhint=%s\nsource=%s\ncontained=%s\nsandbox=%s\nseed=%s\n' \
    "$id" "$status" "$points" "$tested" "$passed" "${first//$'\n'/ }" "$hint" "$src" "$sandbox_ok" "$sandbox_desc" "$seed" >"$out/$id.result"
  table+=("$(printf '%-16s %-12s %2d/10  %s' "$id" "$status" "$points" "$first")")
done
if [ $quiet -eq 0 ]; then
  echo "MPI exercises ($src_dir, 4 ranks, seed $seed):"
  printf '  %s\n' "${table[@]}"
fi
exit 0
