#!/usr/bin/env bash
# test_controlled_replay.sh — a controlled run's schedule replays exactly,
# 100 times out of 100: the same output, exit statuses and final model
# (times masked), and the same schedule recorded again.
. "$(dirname "$0")/lib.sh"
e2e_start controlled_replay

OUT=$(mktemp -d /tmp/fl-replay-XXXXXX)
trap 'rm -rf "$OUT"; e2e_cleanup' EXIT

run() { (cd "$E2E_ROOT" && timeout -s KILL 60 "$FORKLAB" run "$@" --headless --timeout 30); }
sched_of() { tail -n 1 "$1" | sed -n 's/^schedule: //p'; }
out_of() { grep -E '^\[(out|err)\] ' "$1"; }

run 03-sync --seed 42 >"$OUT/s1.txt" 2>&1
e2e_ok "the seeded run ends with its schedule" [ -n "$(sched_of "$OUT/s1.txt")" ]

# --- a schedule replays 100 out of 100 times: output, statuses, final model
S=$(sched_of "$OUT/s1.txt")
model_of() { sed -n '/^== locks/,/^== output/p' "$1" | grep -v '^  +' | sed -E 's/[0-9]+(\.[0-9]+)?(ns|us|ms|s)\b/T/g'; }
out_of "$OUT/s1.txt" >"$OUT/want.out"
grep -Ec 'exited 0$' "$OUT/s1.txt" >"$OUT/want.exits"
model_of "$OUT/s1.txt" >"$OUT/want.model"
same=0
for i in $(seq 1 100); do
  run 03-sync --schedule "$S" >"$OUT/r.txt" 2>&1
  out_of "$OUT/r.txt" | cmp -s - "$OUT/want.out" &&
    grep -Ec 'exited 0$' "$OUT/r.txt" | cmp -s - "$OUT/want.exits" &&
    model_of "$OUT/r.txt" | cmp -s - "$OUT/want.model" &&
    [ "$(sched_of "$OUT/r.txt")" = "$S" ] && same=$((same + 1))
done
e2e_ok "03-sync --schedule replays identically 100/100 (got $same)" [ "$same" -eq 100 ]


e2e_end
