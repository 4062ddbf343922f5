#!/usr/bin/env bash
# test_controlled.sh — controlled runs headless (forklab run X --headless
# --seed N | --schedule S): forced orders, exact replays, refused steps,
# every lesson seeded and replayed, and nothing left when forklab dies.
. "$(dirname "$0")/lib.sh"
e2e_start controlled

OUT=$(mktemp -d /tmp/fl-controlled-XXXXXX)
trap 'rm -rf "$OUT"; e2e_cleanup' EXIT
TWO=$E2E_BUILD/e2e/two

run() { (cd "$E2E_ROOT" && timeout -s KILL 60 "$FORKLAB" run "$@" --headless --timeout 30); }
sched_of() { tail -n 1 "$1" | sed -n 's/^schedule: //p'; }
out_of() { grep -E '^\[(out|err)\] ' "$1"; }
# The output with each PID of the run replaced by its creation index, so
# two runs compare (PIDs differ from run to run; indexes do not); other
# kernel-given numbers (forklab's pid, thread ids, ASLR addresses) masked.
norm_out() {
  local map
  map=$(grep '^indexes:' "$1" | tr ' ' '\n' | grep '=' | awk -F= '{printf "s/\\<%s\\>/P%s/g;", $2, $1}')
  out_of "$1" | sed -e "$map" | sed -E 's/0x[0-9a-f]+/ADDR/g; s/\b[0-9]{4,}\b/N/g'
}

# --- two processes: both orders exist, and each replays to its own output
first=""; second=""
for seed in $(seq 1 40); do
  run "$TWO" --seed "$seed" >"$OUT/two.txt" 2>&1
  o=$(out_of "$OUT/two.txt" | tr -d '\n')
  case $o in
  "[out] A[out] B") [ -n "$first" ] || first=$(sched_of "$OUT/two.txt") ;;
  "[out] B[out] A") [ -n "$second" ] || second=$(sched_of "$OUT/two.txt") ;;
  esac
  [ -n "$first" ] && [ -n "$second" ] && break
done
e2e_ok "seeded runs of two.c print both orders (A B and B A)" [ -n "$first" -a -n "$second" ]
run "$TWO" --schedule "$first" >"$OUT/a.txt" 2>&1
run "$TWO" --schedule "$second" >"$OUT/b.txt" 2>&1
e2e_ok "the schedule of A-then-B replays A then B" [ "$(out_of "$OUT/a.txt" | tr -d '\n')" = "[out] A[out] B" ]
e2e_ok "the schedule of B-then-A replays B then A" [ "$(out_of "$OUT/b.txt" | tr -d '\n')" = "[out] B[out] A" ]

# --- the same seed gives the same schedule
run 03-sync --seed 42 >"$OUT/s1.txt" 2>&1
run 03-sync --seed 42 >"$OUT/s2.txt" 2>&1
e2e_ok "--seed 42 twice gives the same schedule" [ -n "$(sched_of "$OUT/s1.txt")" -a "$(sched_of "$OUT/s1.txt")" = "$(sched_of "$OUT/s2.txt")" ]

# --- a step naming a process that is not enabled is refused, with the step
run 03-sync --schedule "0 0 5" >"$OUT/bad.txt" 2>"$OUT/bad.err"
st=$?
e2e_ok "a schedule naming a disabled process exits 2" [ "$st" -eq 2 ]
e2e_ok "the refusal names the step and the enabled processes" \
  grep -q 'step 3: the schedule names process 5, which is not enabled (enabled: 0)' "$OUT/bad.err"
run 03-sync --schedule "0 x" >/dev/null 2>"$OUT/bad2.err"
e2e_ok "a malformed schedule is refused with its step" grep -q 'step 2 is not a process index' "$OUT/bad2.err"

# --- every lesson runs seeded and replays: same schedule, status, output
# (the MPI lessons too: their ranks park at the gate in the tracer)
(cd "$E2E_ROOT" && "$FORKLAB" list --examples) | awk -F'\t' '$1 == "lesson" {print $2}' >"$OUT/ids"
while read -r id; do
  run "$id" --seed 5 >"$OUT/$id.1" 2>&1; st1=$?
  s=$(sched_of "$OUT/$id.1")
  run "$id" --schedule "$s" >"$OUT/$id.2" 2>&1; st2=$?
  case $id in
  15-*) # its example deadlocks on purpose: the controlled run says who waits for what
    e2e_ok "$id: seeded run is stuck (status 3) and ends with its schedule" [ "$st1" -eq 3 -a -n "$s" ]
    e2e_ok "$id: the stuck report names both lock waits" \
      [ "$(grep -Ec '^  [0-9] · PID [0-9]+ · wants lock [12] \(held by PID [0-9]+\)' "$OUT/$id.1")" -eq 2 ] ;;
  *) e2e_ok "$id: seeded run exits 0 and ends with its schedule" [ "$st1" -eq 0 -a -n "$s" ] ;;
  esac
  e2e_ok "$id: replay gives the same schedule and status" [ "$(sched_of "$OUT/$id.2")" = "$s" -a "$st2" -eq "$st1" ]
  case $id in
  12-*) ;; # prints timings: its output differs by nature
  *) e2e_ok "$id: replay prints the same output (PIDs as indexes)" \
       cmp -s <(norm_out "$OUT/$id.1") <(norm_out "$OUT/$id.2")
  esac
done <"$OUT/ids"

# --- forklab killed in the middle of a controlled run: nothing survives
# (each child sleeps 4 s inside a step, so the run lasts at least 8 s and is
# surely under way when it is killed, even when a scan of /proc is slow on a
# loaded machine; the child asleep in its step dies at its next gate, so the
# leftover check allows 4 s for that plus a generous margin)
(cd "$E2E_ROOT" && exec "$FORKLAB" run "$TWO" --headless --seed 1 -- 4000 >/dev/null 2>&1) &
fl=$!
deadline=$((SECONDS + 8))
while [ $SECONDS -lt $deadline ] && [ "$(e2e_pids_of e2e/two | wc -w)" -lt 2 ]; do sleep 0.01; done
kill -KILL $fl 2>/dev/null; killed=$?
wait $fl 2>/dev/null
e2e_ok "forklab was killed while the example ran" [ $killed -eq 0 ]
gone=1
for _ in $(seq 1 150); do gone=1; [ -z "$(e2e_pids_of e2e/two)" ] || gone=0; [ $gone = 1 ] && break; sleep 0.1; done
e2e_ok "forklab SIGKILLed mid-run: no process of the example is left within 15 s" [ $gone = 1 ]

e2e_end
