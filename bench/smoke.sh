#!/usr/bin/env bash
# smoke.sh BENCH_DIR — `make test`'s check of the benchmark programs: each
# runs at tiny sizes and must print every metric as "name number unit".
# No timing is asserted (the machine is shared; numbers are noise here).
# The Python column is checked only when python3 is installed.
set -u
dir=${1:?usage: smoke.sh BENCH_DIR}
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-build}
mkdir -p "$build/test-logs"
log=$build/test-logs/bench-smoke.log
: > "$log"

# Every metric and its unit: the contract between the programs and run.py.
metrics="proc_spawn_join_us:us lock_uncontended_ns:ns lock_contended_ops_s:ops/s value_rw_ns:ns
pipe_pingpong_us:us pipe_throughput_MBps:MB/s queue_msgs_s:msgs/s queue_msgs_s_2p2c:msgs/s
pool_map_tasks_s:items/s pool_apply_async_tasks_s:tasks/s pool_apply_latency_us:us manager_dict_set_us:us"
traced="lock_uncontended_ns:ns lock_contended_ops_s:ops/s queue_msgs_s:msgs/s queue_msgs_s_2p2c:msgs/s"

tested=0; passed=0
# check LABEL "METRICS" CMD...: run CMD, then look for each metric's line.
check() {
  local label=$1 want=$2; shift 2
  local out rc
  out=$(timeout -s KILL 30 "$@" 2>>"$log"); rc=$?
  printf '== %s (exit %d)\n%s\n' "$label" "$rc" "$out" >>"$log"
  for m in $want; do
    local name=${m%%:*} unit=${m#*:}
    tested=$((tested + 1))
    # a finite number: nan or inf (a missing part of libmp) fails
    if [ "$rc" -eq 0 ] && grep -Eq "^$name [0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)? $unit\$" <<<"$out"; then
      passed=$((passed + 1))
    else
      echo "bench-smoke: $label: no number for $name ($unit)"
    fi
  done
}

check bench_raw "$metrics" "$dir/bench_raw" --tiny
check bench_mp "$metrics" "$dir/bench_mp" --tiny
check bench_mp-pinned "$metrics" "$dir/bench_mp" --tiny --pin
check bench_trace "$traced" "$dir/bench_trace" "$dir/bench_mp" --tiny \
  --only lock_uncontended_ns,lock_contended_ops_s,queue_msgs_s,queue_msgs_s_2p2c
if command -v python3 >/dev/null 2>&1; then
  check bench_mp.py "$metrics" python3 "$here/bench_mp.py" --tiny
  # the runner: one round at tiny sizes must fill every cell of the JSON
  # (traced: the lock and queue metrics) and write a CSV row per metric
  tested=$((tested + 1))
  if timeout -s KILL 60 python3 "$here/run.py" --tiny --rounds 1 --build "$build" >>"$log" 2>&1 &&
     python3 - "$build/bench/bench-tiny.json" "$build/bench/bench-tiny.csv" $metrics >>"$log" 2>&1 <<'PY'
import csv, json, math, sys
doc = json.load(open(sys.argv[1]))
want = [m.split(":")[0] for m in sys.argv[3:]]
rows = {r["metric"]: r for r in doc["metrics"]}
traced = {"lock_uncontended_ns", "lock_contended_ops_s", "queue_msgs_s", "queue_msgs_s_2p2c"}
for name in want:
    r = rows[name]
    for col in ["python", "libmp", "raw"] + (["libmp_trace"] if name in traced else []):
        v = r[col]
        assert isinstance(v, float) and math.isfinite(v) and v > 0, (name, col, v)
    assert r["libmp_vs_python"] > 0 and r["libmp_vs_limit"] > 0, name
assert not doc["errors"], doc["errors"]
assert sorted(row["metric"] for row in csv.DictReader(open(sys.argv[2]))) == sorted(want)
PY
  then passed=$((passed + 1)); else echo "bench-smoke: run.py --tiny: incomplete table (see $log)"; fi
else
  echo "bench-smoke: python3 not installed: Python column skipped"
fi

echo "bench-smoke $tested $passed $((tested - passed))" >>"$build/test-logs/counts"
echo "bench-smoke: Tested: $tested | Passing: $passed | Failing: $((tested - passed)) (log $log)"
[ "$passed" -eq "$tested" ]
