#!/usr/bin/env bash
# explore.sh — what `forklab explore` does per second: runs per second of
# a 2-process example of 10 operations each (bench/gate_ops.c 5: five
# reads and five writes of one shared value per process), one run at a
# time and with -j 2; then the time to exhaust the race lesson
# (14-races --bound all, unlocked and locked). Figures only; nothing is
# asserted. usage: bench/explore.sh BUILD [RUNS]
set -eu
B=${1:-build}; RUNS=${2:-300}
now() { date +%s.%N; }
rate() { # LABEL ARGS...: runs/s of one exploration, from the wall clock
  local label=$1; shift
  local t0 t1 out
  t0=$(now)
  out=$("$B/forklab" explore "$@" 2>/dev/null | tail -n 1)
  t1=$(now)
  local runs
  runs=$(sed -nE 's/^explored ([0-9]+) runs.*/\1/p' <<<"$out")
  awk -v l="$label" -v n="$runs" -v a="$t0" -v b="$t1" -v o="$out" \
    'BEGIN { printf "%-28s %7.0f runs/s  %6.2f s  (%s)\n", l, n / (b - a), b - a, o }'
}
rate "gate_ops 5, -j 1" --random "$RUNS" --seed 1 "$B/bench/gate_ops" -- 5
rate "gate_ops 5, -j 2" --random "$RUNS" --seed 1 -j 2 "$B/bench/gate_ops" -- 5
rate "gate_ops 5, -j 4" --random "$RUNS" --seed 1 -j 4 "$B/bench/gate_ops" -- 5
rate "14-races --bound 2, -j 2" --bound 2 -j 2 14-races
rate "14-races --bound all, -j 2" --bound all -j 2 14-races
rate "14-races locked, all, -j 2" --bound all -j 2 14-races -- locked
