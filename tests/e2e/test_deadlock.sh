#!/usr/bin/env bash
# test_deadlock.sh — deadlocks named, not timed out.
#
# Headless: each example of lesson 15 deadlocks on purpose; `forklab run X
# --headless` must stop it within 2 s (its own watchdog would end it after
# 3 s), exit with status 3, name the cycle with the real PIDs (taken from
# the example's own output) and the objects, and leave nothing running.
# The repaired versions (`-- fixed`) exit 0 with no deadlock and no
# lock-order warning.
# Live (tmux, 80x24): the run view shows the DEADLOCK banner and the cycle
# in words, and `x` ends the run.
. "$(dirname "$0")/lib.sh"
e2e_start deadlock

OUT=$(mktemp -d /tmp/fl-deadlock-XXXXXX)
trap 'rm -rf "$OUT"; e2e_cleanup' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# run_headless NAME [ARGS...]: sets st (status), ms (wall time), f (output file)
run_headless() {
  local name=$1
  shift
  f=$OUT/$name${1:+-$1}.txt
  local t0
  t0=$(now_ms)
  (cd "$E2E_ROOT" && timeout -s KILL 30 "$FORKLAB" run "$name" --headless -- "$@") >"$f" 2>&1
  st=$?
  ms=$(($(now_ms) - t0))
}
line_is() { grep -qxF -- "$2" "$1"; }
no_section() { ! grep -q "^== $2\$" "$1"; }
no_example_procs() { [ -z "$(e2e_pids_of lessons/15-deadlock)" ]; }

# ---- two locks, opposite orders
run_headless 15-deadlock
e2e_ok "locks: exit status 3 (was $st)" [ "$st" -eq 3 ]
e2e_ok "locks: stopped within 2 s (took $ms ms)" [ "$ms" -lt 2000 ]
a=$(sed -n 's/^\[out\] A (PID \([0-9]*\)) has lock 1, now wants lock 2$/\1/p' "$f")
b=$(sed -n 's/^\[out\] B (PID \([0-9]*\)) has lock 2, now wants lock 1$/\1/p' "$f")
if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]; then
  want="deadlock: PID $a holds lock 1 and waits for lock 2 <- held by PID $b, which waits for lock 1 <- held by PID $a"
else
  want="deadlock: PID $b holds lock 2 and waits for lock 1 <- held by PID $a, which waits for lock 2 <- held by PID $b"
fi
e2e_ok "locks: the cycle names both PIDs and both locks ($want)" line_is "$f" "$want"
e2e_ok "locks: the lock-order warning names both orders, each with its source line" \
  grep -qE "warning: lock 1 and lock 2 were taken in both orders: PID $a took lock 1 then lock 2 \(at line [0-9]+\); PID $b took lock 2 then lock 1 \(at line [0-9]+\)" "$f"
e2e_ok "locks: each blocked call names its source line" \
  [ "$(grep -cE "^  PID [0-9]+ waits for lock [12], at line [0-9]+$" "$f")" = 2 ]
e2e_ok "locks: nothing left running" e2e_no_procs

# ---- join before get, child blocked in put on the full queue
run_headless 15-deadlock-queue
e2e_ok "queue: exit status 3 (was $st)" [ "$st" -eq 3 ]
e2e_ok "queue: stopped within 2 s (took $ms ms)" [ "$ms" -lt 2000 ]
c=$(sed -n 's/^\[out\] child PID \([0-9]*\) puts .*/\1/p' "$f")
p=$(awk '/^== processes/{s=1; next} s && $1 ~ /^[0-9]+$/ {print $1; exit}' "$f")
if [ -n "$c" ] && [ -n "$p" ] && [ "$p" -lt "$c" ]; then
  want="deadlock: PID $p waits to join PID $c <- PID $c, which waits to put into queue 1 (full) <- only PID $p could get"
else
  want="deadlock: PID $c waits to put into queue 1 (full) <- only PID $p could get, which waits to join PID $c <- PID $c"
fi
e2e_ok "queue: the cycle is join <-> put ($want)" line_is "$f" "$want"
e2e_ok "queue: nothing left running" e2e_no_procs

# ---- both ends of a duplex pipe receive first
run_headless 15-deadlock-pipe
e2e_ok "pipe: exit status 3 (was $st)" [ "$st" -eq 3 ]
e2e_ok "pipe: stopped within 2 s (took $ms ms)" [ "$ms" -lt 2000 ]
p=$(sed -n 's/^\[out\] parent \([0-9]*\) and child [0-9]* share.*/\1/p' "$f")
c=$(sed -n 's/^\[out\] parent [0-9]* and child \([0-9]*\) share.*/\1/p' "$f")
lo=$p hi=$c
if [ -n "$p" ] && [ -n "$c" ] && [ "$c" -lt "$p" ]; then lo=$c hi=$p; fi
want="deadlock: PID $lo waits to receive on pipe 1 <- only PID $hi holds the other end, which waits to receive on pipe 1 <- only PID $lo holds the other end"
e2e_ok "pipe: the cycle is receive <-> receive ($want)" line_is "$f" "$want"
e2e_ok "pipe: nothing left running" e2e_no_procs

# ---- the repairs
for x in 15-deadlock 15-deadlock-queue 15-deadlock-pipe; do
  run_headless "$x" fixed
  e2e_ok "$x fixed: exit 0 (was $st)" [ "$st" -eq 0 ]
  e2e_ok "$x fixed: no deadlock section" no_section "$f" deadlock
  e2e_ok "$x fixed: no lock-order warning" no_section "$f" "lock order"
done
e2e_ok "repairs: nothing left running" e2e_no_procs

# ---- live, 80x24
if [ "${DEADLOCK_E2E_LIVE:-1}" = 1 ]; then
  e2e_launch 80 24 "$FORKLAB run 15-deadlock"
  e2e_expect "live: the DEADLOCK banner" 'DEADLOCK' 10
  e2e_expect "live: the cycle in words" 'PID [0-9]+ holds lock [12] and waits for lock [12]' 5
  e2e_expect "live: who holds what" 'held by PID [0-9]+' 5
  e2e_expect "live: the lock-order warning above the banner" 'LOCK ORDER: lock 1 then lock 2 by PID [0-9]+ at line [0-9]+; lock 2' 5
  e2e_keys x
  e2e_expect "live: x ends the run" 'the run was ended' 5
  e2e_ok "live: x killed the example's processes" e2e_wait_cmd 5 no_example_procs
  e2e_keys q
  e2e_wait 'APP_EXIT=' 10
  e2e_ok "live: nothing left running" e2e_wait_cmd 5 e2e_no_procs
fi
e2e_end
