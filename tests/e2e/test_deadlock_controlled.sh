#!/usr/bin/env bash
# test_deadlock_controlled.sh — deadlocks named in controlled runs, where
# nobody blocks in the kernel (the gate parks them) and no WAIT event
# comes: the parked operations feed the wait-for graph.
#
# Headless: lesson 15's examples under --seed N and under a --schedule
# that forces the deadlock exit 3, name the cycle with the real PIDs (from
# the run's "indexes:" line and the example's output) and each blocked
# call's source line, warn of the lock order with both lines; the repaired
# versions report nothing. The explorer's deadlock outcome names the cycle
# by creation order, the same in every run.
# Live (tmux, 80x24, "you schedule"): the lock-order warning after a lucky
# order, then the DEADLOCK banner with the cycle after an unlucky one; and
# lesson 15's example paced: the banner, both orders, no watchdog.
. "$(dirname "$0")/lib.sh"
e2e_start deadlock_controlled

OUT=$(mktemp -d /tmp/fl-dlctl-XXXXXX)
trap 'rm -rf "$OUT"; e2e_cleanup' EXIT
B=$E2E_BUILD/e2e

# run NAME OPTIONS... : sets st and f
run() {
  f=$OUT/run-$(echo "$*" | tr -c 'a-zA-Z0-9\n' '_').txt
  (cd "$E2E_ROOT" && timeout -s KILL 60 "$FORKLAB" run "$@") >"$f" 2>&1
  st=$?
}
has() { grep -qE -- "$2" "$1"; }
all() { eval "$1"; } # all 'CHECK && CHECK': one e2e_ok over several facts
line_is() { grep -qxF -- "$2" "$1"; }
no_section() { ! grep -q "^== $2\$" "$1"; }
pid_of() { sed -n "s/^indexes:.* $2=\([0-9]*\).*/\1/p" "$1"; } # the pid of creation index $2
# the cycle of two lock holders, started at the lower PID as the model does
lock_cycle() { # $1 holds lock 1 and wants lock 2, $2 the other way
  if [ "$1" -lt "$2" ]; then
    echo "deadlock: PID $1 holds lock 1 and waits for lock 2 <- held by PID $2, which waits for lock 1 <- held by PID $1"
  else
    echo "deadlock: PID $2 holds lock 2 and waits for lock 1 <- held by PID $1, which waits for lock 2 <- held by PID $2"
  fi
}

if [ "${DLCTL_HEADLESS:-1}" = 1 ]; then
# ---- two locks, opposite orders, seeded
for seed in 1 2 3; do
  run 15-deadlock --headless --seed $seed
  e2e_ok "15-deadlock --seed $seed: exit status 3 (was $st)" [ "$st" -eq 3 ]
  a=$(sed -n 's/^\[out\] A (PID \([0-9]*\)) has lock 1, now wants lock 2$/\1/p' "$f")
  b=$(sed -n 's/^\[out\] B (PID \([0-9]*\)) has lock 2, now wants lock 1$/\1/p' "$f")
  e2e_ok "15-deadlock --seed $seed: the cycle names both PIDs and locks" line_is "$f" "$(lock_cycle "$a" "$b")"
  e2e_ok "15-deadlock --seed $seed: each blocked call with its source line" \
    [ "$(grep -cE "^  PID ($a waits for lock 2|$b waits for lock 1), at 15-deadlock\.c:[0-9]+$" "$f")" = 2 ]
  e2e_ok "15-deadlock --seed $seed: the lock-order warning, both orders with their lines" \
    has "$f" "^warning: lock 1 and lock 2 were taken in both orders: PID $a took lock 1 then lock 2 \(at [^)]*[0-9]+\); PID $b took lock 2 then lock 1 \(at [^)]*[0-9]+\)"
  e2e_ok "15-deadlock --seed $seed: says it deadlocked, and each parked operation" \
    all 'has "$f" "15-deadlock deadlocked: stopped" && has "$f" "^stuck: no process can move\$"'
  e2e_ok "15-deadlock --seed $seed: ends with its schedule" all 'tail -1 "$f" | grep -qE "^schedule: [0-9 ]+\$"'
done
s=$(sed -n 's/^schedule: //p' "$f")
run 15-deadlock --headless --schedule "$s"
a=$(sed -n 's/^\[out\] A (PID \([0-9]*\)) has lock 1, .*/\1/p' "$f")
b=$(sed -n 's/^\[out\] B (PID \([0-9]*\)) has lock 2, .*/\1/p' "$f")
e2e_ok "15-deadlock --schedule '$s': exit 3, the same cycle" all '[ "$st" -eq 3 ] && line_is "$f" "$(lock_cycle "$a" "$b")"'
e2e_ok "15-deadlock: nothing left running" e2e_no_procs

# ---- a schedule that forces the deadlock where most orders do not
run "$B/lockorder" --headless --schedule "0 0 0 1 1 2 2"
p1=$(pid_of "$f" 1) p2=$(pid_of "$f" 2)
e2e_ok "lockorder --schedule '0 0 0 1 1 2 2': exit 3 (was $st)" [ "$st" -eq 3 ]
e2e_ok "lockorder forced: the cycle of processes 1 and 2" line_is "$f" "$(lock_cycle "$p1" "$p2")"
e2e_ok "lockorder forced: both lock waits at line 17 of lockorder.c" \
  [ "$(grep -cE "^  PID ($p1 waits for lock 2|$p2 waits for lock 1), at lockorder\.c:17$" "$f")" = 2 ]
run "$B/lockorder" --headless --schedule "0 0 0 1 1 1 1 1 1 0 2 2 2 2 2 2"
e2e_ok "lockorder, one child after the other: exit 0, no deadlock" all '[ "$st" -eq 0 ] && no_section "$f" deadlock'
e2e_ok "... but the lock-order warning (lucky this time)" \
  has "$f" "^warning: lock 1 and lock 2 were taken in both orders: PID $(pid_of "$f" 1) took lock 1 then lock 2 \(at line 17\); PID $(pid_of "$f" 2) took lock 2 then lock 1 \(at line 17\)"

# ---- join before get, and both ends receiving first
run 15-deadlock-queue --headless --seed 7
p=$(pid_of "$f" 0) c=$(pid_of "$f" 1)
if [ "$p" -lt "$c" ]; then
  want="deadlock: PID $p waits to join PID $c <- PID $c, which waits to put into queue 1 (full) <- only PID $p could get"
else
  want="deadlock: PID $c waits to put into queue 1 (full) <- only PID $p could get, which waits to join PID $c <- PID $c"
fi
e2e_ok "15-deadlock-queue --seed 7: exit 3, join <-> put ($want)" all '[ "$st" -eq 3 ] && line_is "$f" "$want"'
e2e_ok "15-deadlock-queue: the join and the put with their lines" \
  [ "$(grep -cE "^  PID ($p waits to join PID $c|$c waits to put into queue 1 \(full\)), at 15-deadlock-queue\.c:[0-9]+$" "$f")" = 2 ]
run 15-deadlock-pipe --headless --seed 7
p=$(pid_of "$f" 0) c=$(pid_of "$f" 1)
lo=$p hi=$c
if [ "$c" -lt "$p" ]; then lo=$c hi=$p; fi
want="deadlock: PID $lo waits to receive on pipe 1 <- only PID $hi holds the other end, which waits to receive on pipe 1 <- only PID $lo holds the other end"
e2e_ok "15-deadlock-pipe --seed 7: exit 3, receive <-> receive" all '[ "$st" -eq 3 ] && line_is "$f" "$want"'
e2e_ok "15-deadlock-pipe: both receives with their lines" \
  [ "$(grep -cE "^  PID ($p|$c) waits to receive on pipe 1, at 15-deadlock-pipe\.c:[0-9]+$" "$f")" = 2 ]

for x in 15-deadlock 15-deadlock-queue 15-deadlock-pipe; do
  run "$x" --headless --seed 7 -- fixed
  e2e_ok "$x fixed --seed 7: exit 0, no deadlock, no lock-order warning" \
    all '[ "$st" -eq 0 ] && no_section "$f" deadlock && no_section "$f" "lock order"'
done
e2e_ok "headless: nothing left running" e2e_no_procs

# ---- the explorer's outcome names the cycle, by creation order
(cd "$E2E_ROOT" && timeout -s KILL 300 "$FORKLAB" explore --bound all "$B/lockorder") >"$OUT/ex.txt" 2>/dev/null
e2e_ok "explore: the deadlock outcome is the cycle of processes 1 and 2, with lines" \
  has "$OUT/ex.txt" '^ *[0-9]+  deadlock: process 1 holds lock 1 and waits for lock 2 at lockorder\.c:17 <- held by process 2, which waits for lock 1 at lockorder\.c:17 <- held by process 1  schedule [0-9 ]+$'
e2e_ok "explore: one deadlock outcome, whatever the PIDs of each run" [ "$(grep -c ' deadlock' "$OUT/ex.txt")" = 1 ]
fi

# ---- live, 80x24, you schedule
# the screen as one line (wrapped rows joined), for texts that wrap
flat_has() { e2e_visible | tr '\n' ' ' | tr -s ' ' | grep -Eq -- "$1"; }
step_is() { e2e_visible | grep -qE "you schedule, step $1( |\$)"; }
press_from() { # STEP KEYS...: one key per decision, each once the previous one was taken
  local n=$1
  shift
  for k in "$@"; do
    n=$((n + 1))
    e2e_keys "$k"
    e2e_wait_cmd 5 step_is "$n" || { e2e_failed "key $k: step $n not reached"; return 1; }
  done
}
# a path relative to the tree, so the title keeps "step N" within 80 columns
e2e_launch 80 24 "$FORKLAB run $(realpath --relative-to="$E2E_ROOT" "$B/lockorder")"
e2e_expect "live: the run view" 'forklab: run .*lockorder' 10
e2e_keys m
e2e_expect "live: paced" 'paced [0-9.]+ op/s' 5
e2e_keys m
e2e_expect "live: you schedule" 'you schedule, step 0' 5
press_from 0 0 0 0 1 1 1 1 1 1 0 2 2 2 2 2 2
e2e_expect "live: lucky order, the lock-order warning" 'LOCK ORDER: lock 1 then lock 2 by PID [0-9]+ at line 17; lock 2' 5
e2e_ok "live: ... with both orders and no deadlock" \
  all "e2e_wait_cmd 3 flat_has 'lock 2 then lock 1 by PID [0-9]+ at line 17: can deadlock' && e2e_absent DEADLOCK"
e2e_keys R
e2e_expect "live: R runs it again" 'you schedule, step 0' 10
press_from 0 0 0 0 1 1 2 2
e2e_expect "live, controlled: the DEADLOCK banner" 'DEADLOCK: PID [0-9]+ holds lock [12] and waits for lock [12] <- held by PID' 5
e2e_ok "live, controlled: the cycle comes back to its start" \
  e2e_wait_cmd 3 flat_has 'held by PID [0-9]+, which waits for lock [12] <- held by PID [0-9]+ DEADLOCK: nothing can move'

e2e_ok "live, controlled: the lock-order warning stays above it" e2e_wait 'LOCK ORDER: lock 1 then lock 2 by PID' 3
e2e_keys x
e2e_expect "live: x ends the run" 'the run was ended' 5
e2e_keys q
e2e_wait 'APP_EXIT=' 10
e2e_ok "live: nothing left running" e2e_wait_cmd 5 e2e_no_procs

# ---- lesson 15's own example, paced: the banner when the cycle forms, and
# the run stays there (no watchdog under the scheduler) until x
e2e_launch 80 24 "$FORKLAB run 15-deadlock"
e2e_expect "15-deadlock live: free first" '^forklab: run 15-deadlock \[' 10
e2e_keys m
e2e_expect "15-deadlock paced: the DEADLOCK banner with the cycle" 'DEADLOCK: PID [0-9]+ holds lock [12] and waits for lock [12]' 30
e2e_ok "15-deadlock paced: both orders warned, with their lines" \
  e2e_wait_cmd 3 flat_has 'LOCK ORDER: lock 1 then lock 2 by PID [0-9]+ at 15-deadlock\.c:[0-9]+; lock 2 then lock 1 by PID [0-9]+ at 15-deadlock\.c:[0-9]+'
sleep 4
e2e_ok "15-deadlock paced: 4 s later still deadlocked, not ended by a watchdog" \
  all "e2e_visible | grep -q 'nothing can move any more' && e2e_absent 'exited|no progress for'"
e2e_keys x
e2e_expect "15-deadlock paced: x ends the run" 'the run was ended' 5
e2e_keys q
e2e_wait 'APP_EXIT=' 10
e2e_ok "15-deadlock live: nothing left running" e2e_wait_cmd 5 e2e_no_procs
e2e_end
