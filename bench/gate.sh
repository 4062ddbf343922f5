#!/usr/bin/env bash
# gate.sh — what a controlled run costs: operations granted per second
# (bench/gate_ops.c: two processes, 4N value reads and writes) and whole
# controlled runs per second of a small example (tests/e2e/two.c: 2
# children, ~12 steps), each run a fork+exec of the example under
# `forklab run --headless --seed`. Figures only; nothing is asserted.
# usage: bench/gate.sh BUILD [N] [RUNS]
set -eu
B=${1:-build}; N=${2:-2000}; RUNS=${3:-100}
now() { date +%s.%N; }
t0=$(now)
out=$("$B/forklab" run "$B/bench/gate_ops" --headless --seed 1 -- "$N")
t1=$(now)
steps=$(printf '%s\n' "$out" | tail -n 1 | sed 's/^schedule: //' | wc -w)
echo "$out" | grep -q "^\[out\] counter" || { echo "gate.sh: the workload did not finish" >&2; exit 1; }
awk -v s="$steps" -v a="$t0" -v b="$t1" 'BEGIN { printf "controlled_ops_s %.0f ops/s (%d steps in %.2f s)\n", s / (b - a), s, b - a }'
t0=$(now)
for i in $(seq 1 "$RUNS"); do "$B/forklab" run "$B/e2e/two" --headless --seed "$i" >/dev/null; done
t1=$(now)
awk -v n="$RUNS" -v a="$t0" -v b="$t1" 'BEGIN { printf "controlled_runs_s %.1f runs/s (%d runs of two.c, one after the other)\n", n / (b - a), n }'
