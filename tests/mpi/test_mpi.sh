#!/usr/bin/env bash
# test_mpi.sh — the MPI chapter on real Open MPI, 4 ranks, no terminal:
#   1. the tracer (`forklab trace record -o F -- mpirun ...`) on a plain
#      mpicc program: exact sends/receives with source, destination, tag and
#      payload; every rank entered and left each collective;
#   2. `forklab run --mpi 4 EXAMPLE --headless` on every MPI lesson example:
#      4 ranks and the example's key fact;
#   3. a ring where everyone receives first: reported as a deadlock (status
#      3, each rank named with whom it waits for), promptly, not timed out;
#   4. nothing left behind (no mpirun/orted/rank, no /dev/shm segment, no
#      private directory) after success, a failing rank, and a killed forklab;
#   5. per-rank trace files merged = the shared ring, on the same run;
#   6. the live view;
#   7. controlled runs (--seed/--schedule): two senders to one
#      MPI_ANY_SOURCE receiver give both orders, each schedule replays
#      exactly, a receive with nothing in flight is never granted, the
#      deadlocking ring is reported stuck, every lesson replays.
# Uses the e2e helpers for counting (tests/e2e/lib.sh).
. "$(dirname "$0")/../e2e/lib.sh"
e2e_start mpi

OUT=$(mktemp -d /tmp/fl-mpi-XXXXXX)
trap 'rm -rf "$OUT"; e2e_cleanup' EXIT
PROGS=$E2E_BUILD/tests/mpi
LESSONS=$E2E_BUILD/lessons
export FORKLAB_HOME=$E2E_ROOT FORKLAB_BUILD=$E2E_BUILD

has() { grep -Eq -- "$2" "$1"; }
count() { grep -Ec -- "$2" "$1"; }
# Rows of the ranks section: "RANK PID HOST STATE SENT/RECEIVED".
ranks() { awk '/^== ranks/{s=1; next} /^== /{s=0} s && $1 ~ /^[0-9]+$/' "$1"; }
nranks() { ranks "$1" | wc -l; }
nranks_with() { ranks "$1" | grep -Ec -- "$2"; }
# The MPI sections, times and the section order aside, for comparing runs.
mpi_sections() { awk '/^== ranks/{s=1} /^== output/{s=0} /^events:/{s=0} s' "$1" | sed 's/+[0-9.]*ms//' | sort; }

# Anything of an MPI run still there: mpirun/orted, a rank of our test
# programs or lessons, a shared-memory segment, a private directory.
# Other checkouts on the same machine may run MPI at the same time: an
# mpirun counts when it runs one of ours, a private directory when its
# forklab (the pid in its name) is ours or gone.
leftovers() {
  local p d pid
  p=$(pgrep -f "(^|/)(mpirun|orted) .*($PROGS|$LESSONS)/"; pgrep -f "^($PROGS|$LESSONS)/" 2>/dev/null)
  [ -n "$p" ] && echo "processes: $p"
  ls /dev/shm 2>/dev/null | grep -E 'vader|ompi|forklab' | sed 's/^/shm: /'
  for d in /tmp/forklab-mpi.*; do
    [ -d "$d" ] || continue
    pid=${d#/tmp/forklab-mpi.}; pid=${pid%%.*}
    if ! kill -0 "$pid" 2>/dev/null || [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$E2E_BUILD"/* ]]; then echo "dir: $d"; fi
  done
}
nothing_left() {
  local i
  for i in $(seq 50); do # a dying process takes a moment
    [ -z "$(leftovers)" ] && return 0
    sleep 0.1
  done
  leftovers | sed 's/^/    left: /'
  return 1
}

# Every rank of tests/mpi/progs/slow is stopped (state T), and there are 4.
all_slow_stopped() {
  local p n=0
  for p in $(pgrep -f "^$PROGS/slow"); do
    [ "$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)" = T ] || return 1
    n=$((n + 1))
  done
  [ $n -eq 4 ]
}

# ---- 1. the tracer on a plain MPI program
f=$OUT/p2p.txt
(cd "$OUT" && timeout -s KILL 60 "$FORKLAB" trace record -o "$OUT/p2p.trace" -- \
  mpirun -np 4 "$PROGS/p2p") >"$OUT/p2p.out" 2>&1
e2e_ok "trace record -- mpirun -np 4 p2p: exit 0" [ $? -eq 0 ]
"$FORKLAB" trace show "$OUT/p2p.trace" >"$f" 2>&1
e2e_ok "p2p: 4 ranks, all finalized" [ "$(nranks_with "$f" finalized)" -eq 4 ]
e2e_ok "p2p: 6 messages sent, 6 received, none in flight or unmatched" \
  has "$f" '^  sent 6, received 6, in flight 0, unmatched receives 0$'
for r in 0 1 2 3; do
  e2e_ok "p2p: $r -> $(((r + 1) % 4)) tag $((10 + r)) carried $((r * 100))" \
    has "$f" " $r -> $(((r + 1) % 4)) tag $((10 + r)), 4 bytes: $((r * 100))\$"
done
e2e_ok "p2p: 0 -> 2 tag 5 carried \"hello\"" has "$f" ' 0 -> 2 tag 5, 6 bytes: hello$'
e2e_ok "p2p: 3 -> 1 tag 6 carried two doubles" has "$f" ' 3 -> 1 tag 6, 16 bytes: \[1.5, 2.5\]$'
e2e_ok "p2p: sends/receives per rank (0: 2/1, 1: 1/2, 2: 1/2, 3: 2/1)" \
  [ "$(ranks "$f" | awk '{print $1 ":" $NF}' | tr '\n' ' ')" = "0:2/1 1:1/2 2:1/2 3:2/1 " ]
e2e_ok "p2p: every rank entered and left the barrier" \
  has "$f" '#1 MPI_Barrier: entered \[0, 1, 2, 3\], left \[0, 1, 2, 3\] \(done\)'
e2e_ok "p2p: the bcast from rank 1 gave 42" \
  has "$f" '#2 MPI_Bcast root 1: entered \[0, 1, 2, 3\], left \[0, 1, 2, 3\], root gave 42, result 42 \(done\)'
e2e_ok "p2p: the program's own output passed through" [ "$(count "$OUT/p2p.out" '^rank [0-3] got [0-9]+ from the left, bcast 42')" -eq 4 ]
e2e_ok "p2p: nothing left behind" nothing_left

# ---- 2. every MPI lesson example under forklab run --mpi 4
while read -r prog re; do
  f=$OUT/$prog.txt
  timeout -s KILL 60 "$FORKLAB" run --mpi 4 "$LESSONS/$prog" --headless >"$f" 2>&1
  st=$?
  e2e_ok "$prog: forklab run --mpi 4 exits 0" [ $st -eq 0 ]
  e2e_ok "$prog: 4 ranks with their pids, all finalized" \
    [ "$(ranks "$f" | awk '$2 ~ /^[0-9]+$/ && $2 > 1 && /finalized/' | wc -l)" -eq 4 ]
  e2e_ok "$prog: key fact /$re/" has "$f" "$re"
  e2e_ok "$prog: no event dropped" has "$f" '^events: [0-9]+ applied, 0 dropped'
done <<'EOF'
16-mpi-basics #1 MPI_Barrier: entered \[0, 1, 2, 3\], left \[0, 1, 2, 3\] \(done\)
17-mpi-p2p ^  sent 10, received 10, in flight 0, unmatched receives 0$
18-mpi-collectives #3 MPI_Reduce root 0: .*result 14 \(done\)
19-mpi-cluster #1 MPI_Allreduce: .*result 6 \(done\)
EOF
f=$OUT/tcp.txt
timeout -s KILL 60 "$FORKLAB" run --mpi 4 --mca btl tcp,self "$LESSONS/19-mpi-cluster" --headless >"$f" 2>&1
e2e_ok "19-mpi-cluster over --mca btl tcp,self: the ranks see it" has "$f" '^\[out\] transports \(btl\): tcp,self$'
e2e_ok "lessons: nothing left behind" nothing_left

# ---- 3. the deadlocking ring
f=$OUT/deadlock.txt
t0=$(date +%s)
timeout -s KILL 60 "$FORKLAB" run --mpi 4 "$PROGS/ring_deadlock" --headless >"$f" 2>&1
st=$?
secs=$(($(date +%s) - t0))
e2e_ok "deadlock: forklab stops it with status 3 (got $st)" [ $st -eq 3 ]
e2e_ok "deadlock: reported within 30 s, not timed out (took ${secs}s)" [ "$secs" -lt 30 ]
e2e_ok "deadlock: the error names it" has "$f" 'ring_deadlock deadlocked: stopped'
e2e_ok "deadlock: its own section" has "$f" '^== mpi deadlock$'
e2e_ok "deadlock: the wait-for graph names the cycle of 4 ranks" \
  bash -c "grep -Eq '^deadlock: PID [0-9]+ \(rank [0-3]\) waits in MPI_Recv from [0-3] tag 0 <- only rank PID [0-9]+ could send' '$f' && grep -Eq '^  stuck:( [0-9]+){4}$' '$f'"
e2e_ok "deadlock: 4 ranks can never go on" has "$f" '^  4 ranks can never go on:$'
for r in 0 1 2 3; do
  l=$(((r + 3) % 4))
  e2e_ok "deadlock: rank $r in MPI_Recv from $l, waits for rank $l" \
    has "$f" "^  rank $r \\(pid [0-9]+\\) in MPI_Recv from $l tag 0, waits for rank $l\$"
done
e2e_ok "deadlock: 4 unmatched receives" has "$f" 'unmatched receives 4$'
e2e_ok "deadlock: nothing left behind" nothing_left

# ---- 4. failure and kill
f=$OUT/fail.txt
timeout -s KILL 60 "$FORKLAB" run --mpi 4 "$PROGS/fail_rank" --headless >"$f" 2>&1
st=$?
e2e_ok "failing rank: forklab exits non-zero (got $st)" [ $st -ne 0 ]
e2e_ok "failing rank: its exit status 3 is in the model" has "$f" '^  [0-9]+ +[0-9]+ +fail_rank +exited 3$'
e2e_ok "failing rank: nothing left behind" nothing_left

for sig in TERM KILL; do
  timeout -s KILL 60 "$FORKLAB" run --mpi 4 "$PROGS/slow" --headless >"$OUT/slow-$sig.txt" 2>&1 &
  fl=$!
  e2e_wait_cmd 20 bash -c "[ \$(pgrep -fc '^$PROGS/slow') -eq 4 ]"
  e2e_ok "SIG$sig: 4 ranks were running" [ "$(pgrep -fc "^$PROGS/slow")" -eq 4 ]
  pkill -"$sig" -P "$fl" -x forklab 2>/dev/null || kill -"$sig" "$(pgrep -P "$fl" -x forklab)" 2>/dev/null
  wait "$fl" 2>/dev/null
  # At once: no process (the ranks die with mpirun), no /dev/shm segment.
  e2e_ok "SIG$sig of forklab: no process or shared-memory segment left" \
    e2e_wait_cmd 5 bash -c "[ -z \"\$(pgrep -f '(^|/)(mpirun|orted) .*$PROGS/'; pgrep -f '^$PROGS/slow')\" ] && ! ls /dev/shm | grep -Eq 'vader|ompi'"
  # The private directory of a killed forklab goes at the next MPI run.
  timeout -s KILL 60 "$FORKLAB" run --mpi 2 "$LESSONS/16-mpi-basics" --headless >/dev/null 2>&1
  e2e_ok "SIG$sig of forklab: nothing left after the next run" nothing_left
done

# ---- 5. per-rank files merged = the shared ring (the same run)
f=$OUT/ring.txt
(cd "$OUT" && MP_TRACE_RANKS="$OUT/rank.%r.trace" timeout -s KILL 60 "$FORKLAB" run --mpi 4 "$PROGS/p2p" --headless) >"$f" 2>&1
e2e_ok "merge: the run wrote 4 rank files" [ "$(ls "$OUT"/rank.*.trace 2>/dev/null | wc -l)" -eq 4 ]
"$FORKLAB" trace merge -o "$OUT/merged.trace" "$OUT"/rank.*.trace 2>"$OUT/merge.err"
e2e_ok "merge: forklab trace merge exits 0" [ $? -eq 0 ]
"$FORKLAB" trace show "$OUT/merged.trace" >"$OUT/merged.txt" 2>&1
mpi_sections "$f" >"$OUT/a"
mpi_sections "$OUT/merged.txt" >"$OUT/b"
e2e_ok "merge: the MPI sections are not empty" [ "$(wc -l <"$OUT/a")" -gt 10 ]
e2e_ok "merge: same ranks, messages and collectives as the shared ring" diff "$OUT/a" "$OUT/b"
e2e_ok "merge: a file that is not a trace is refused" \
  bash -c "! '$FORKLAB' trace merge -o '$OUT/x.trace' '$OUT/a' 2>/dev/null"

# ---- 6. the live view (tmux): the MPI panels, the deadlock marked, pause
e2e_launch 100 30 "'$FORKLAB' run --mpi 4 '$PROGS/ring_deadlock'"
e2e_expect "live: the ranks panel" '─ ranks ─' 20
e2e_expect "live: rank 0 marked deadlocked, waiting for rank 3" 'DEADLOCK in MPI_Recv from 3 tag 0' 20
e2e_expect "live: the messages panel lists the unmatched receives" 'rank 2 waits: from 1 tag 0 \(unmatched\)' 5
e2e_keys q
e2e_expect "live: q ends the view" 'APP_EXIT=0' 20
e2e_ok "live: nothing left behind" nothing_left
e2e_launch 100 30 "'$FORKLAB' run --mpi 4 '$PROGS/slow'"
e2e_expect "live: 4 ranks computing" '3 +[0-9]+ +[^ ]+ +(computing|in MPI_Barrier)' 20
e2e_keys Space
e2e_ok "live: space stops every rank (they share mpirun's group)" e2e_wait_cmd 10 all_slow_stopped
e2e_keys q
e2e_expect "live: q ends the paused run" 'APP_EXIT=0' 20
e2e_ok "live: nothing left behind after a paused run" nothing_left

# you schedule (m twice): the learner picks which rank moves; rank 2's send
# first, then rank 0's receive, makes rank 0 print "first 2, then 1"
e2e_launch 160 30 "'$FORKLAB' run --mpi 3 '$PROGS/anysrc'"
e2e_keys m
sleep 0.3
e2e_keys m
e2e_expect "live: m m is you schedule" '\] you schedule, step 0' 10
e2e_expect "live: the pending operations name each rank; mpirun takes no part" '^│ >0 · PID [0-9]+ · mpirun: starts the ranks, takes no part' 10
e2e_ok "live: all 3 ranks start" e2e_wait '^│  3 · PID [0-9]+ · rank 2 · starts' 20
for k in 1 2 3 1 2 3 1 2 3; do e2e_keys $k; sleep 0.3; done # start, MPI_Init, leave it
e2e_ok "live: rank 0's receive is dimmed with nothing in flight" e2e_wait '· rank 0 · MPI_Recv from rank any tag 3 \(0 in f' 10
e2e_ok "live: the senders want to send" e2e_wait '· rank 2 · MPI_Send to rank 0 tag 3 \(4 bytes\)' 5
for k in 3 1 2 1; do e2e_keys $k; sleep 0.4; done
e2e_expect "live: rank 2 then rank 1 chosen: rank 0 prints first 2, then 1" '│ first 2, then 1 ' 10
e2e_expect "live: every rank waits at MPI_Finalize, all there" '· rank 2 · MPI_Finalize #1 \(every rank is there\)' 5
e2e_keys q
e2e_expect "live: q ends the scheduled run" 'APP_EXIT=0' 20
e2e_ok "live: nothing left behind after a scheduled run" nothing_left

# ---- 7. controlled runs: the ranks park at the gate (lib/mpitrace.c)
out_line() { grep -E '^\[out\] first' "$1"; }
sched_of() { sed -n 's/^schedule: //p' "$1" | tail -1; }
msgs_of() { awk '/^== messages/{s=1; next} /^== /{s=0} s' "$1" | sed 's/+[0-9.]*ms//'; }
ctl() { timeout -s KILL 60 "$FORKLAB" run --mpi 3 "$PROGS/anysrc" --headless "$@"; }
first="" second=""
for seed in $(seq 1 40); do
  ctl --seed "$seed" >"$OUT/any.txt" 2>&1
  case $(out_line "$OUT/any.txt") in
  "[out] first 1, then 2") [ -n "$first" ] || { first=$(sched_of "$OUT/any.txt"); cp "$OUT/any.txt" "$OUT/any1.txt"; } ;;
  "[out] first 2, then 1") [ -n "$second" ] || { second=$(sched_of "$OUT/any.txt"); cp "$OUT/any.txt" "$OUT/any2.txt"; } ;;
  esac
  [ -n "$first" ] && [ -n "$second" ] && break
done
e2e_ok "controlled: seeded runs of two senders to one MPI_ANY_SOURCE receiver give both orders" \
  [ -n "$first" -a -n "$second" ]
replays_ok() { # SCHEDULE ORIGINAL: 5 replays, each with the original's output, schedule and messages
  local i
  for i in 1 2 3 4 5; do
    ctl --schedule "$1" >"$OUT/rep.txt" 2>&1 || return 1
    [ "$(out_line "$OUT/rep.txt")" = "$(out_line "$2")" ] && [ "$(sched_of "$OUT/rep.txt")" = "$1" ] &&
      diff <(msgs_of "$OUT/rep.txt") <(msgs_of "$2") >/dev/null || return 1
  done
}
e2e_ok "controlled: --schedule of 'first 1' replays it 5 times (output, schedule, messages)" replays_ok "$first" "$OUT/any1.txt"
e2e_ok "controlled: --schedule of 'first 2' replays it 5 times (output, schedule, messages)" replays_ok "$second" "$OUT/any2.txt"
ctl --seed 7 >"$OUT/s1.txt" 2>&1
ctl --seed 7 >"$OUT/s2.txt" 2>&1
e2e_ok "controlled: --seed 7 twice gives the same schedule" [ -n "$(sched_of "$OUT/s1.txt")" -a "$(sched_of "$OUT/s1.txt")" = "$(sched_of "$OUT/s2.txt")" ]
# starts (3), MPI_Init (3), leaving it (3): then rank 0 (index 1) would
# receive with nothing in flight
ctl --schedule "1 2 3 1 2 3 1 2 3 1" >"$OUT/bad.txt" 2>&1
st=$?
e2e_ok "controlled: a receive with nothing in flight is not enabled: the schedule is refused (status 2)" [ $st -eq 2 ]
e2e_ok "controlled: the refusal names the step and the enabled ranks" \
  has "$OUT/bad.txt" 'step 10: the schedule names process 1, which is not enabled \(enabled: 2, 3\)'
timeout -s KILL 60 "$FORKLAB" run --mpi 4 "$PROGS/ring_deadlock" --headless --seed 3 >"$OUT/cdl.txt" 2>&1
st=$?
e2e_ok "controlled: the ring where everyone receives first is stuck (status 3)" [ $st -eq 3 ]
e2e_ok "controlled: the stuck report names each rank's receive" \
  [ "$(count "$OUT/cdl.txt" '^  [1-4] · PID [0-9]+ · MPI_Recv from rank [0-3] tag 0 \(0 in flight\)$')" -eq 4 ]
seeded_ok() { [ "$1" -eq 0 ] && [ -n "$(sched_of "$2")" ] && ! has "$2" '^note: .* ran over'; }
replayed_ok() { # ST1 ST2 FILE1 FILE2
  [ "$2" -eq "$1" ] && [ "$(sched_of "$4")" = "$(sched_of "$3")" ] && diff <(outs "$3") <(outs "$4") >/dev/null
}
outs() { grep '^\[out\]' "$1" | sed -E 's/(pid|parent) [0-9]+/\1 N/g'; } # (16 prints its pids)
for id in 16-mpi-basics 17-mpi-p2p 18-mpi-collectives 19-mpi-cluster; do
  timeout -s KILL 60 "$FORKLAB" run "$id" --headless --seed 5 >"$OUT/$id.c1" 2>&1; st1=$?
  timeout -s KILL 60 "$FORKLAB" run "$id" --headless --schedule "$(sched_of "$OUT/$id.c1")" >"$OUT/$id.c2" 2>&1; st2=$?
  e2e_ok "controlled: $id --seed 5 exits 0 with a schedule, no rank left to run on its own" seeded_ok "$st1" "$OUT/$id.c1"
  e2e_ok "controlled: $id replays its schedule: same status, schedule and output" replayed_ok "$st1" "$st2" "$OUT/$id.c1" "$OUT/$id.c2"
done
# forklab SIGKILLed in a controlled run (ranks parked or napping), then a
# rank SIGKILLed in one: nothing is left, and the run ends by itself
timeout -s KILL 60 "$FORKLAB" run --mpi 4 "$PROGS/slow" --headless --seed 1 >"$OUT/cslow.txt" 2>&1 &
fl=$!
e2e_wait_cmd 20 bash -c "[ \$(pgrep -fc '^$PROGS/slow') -eq 4 ]"
e2e_ok "controlled SIGKILL: 4 ranks were there" [ "$(pgrep -fc "^$PROGS/slow")" -eq 4 ]
sleep 0.5
kill -KILL "$(pgrep -P "$fl" -x forklab)" 2>/dev/null
wait "$fl" 2>/dev/null
e2e_ok "controlled SIGKILL of forklab: no rank, mpirun or segment left" \
  e2e_wait_cmd 5 bash -c "[ -z \"\$(pgrep -f '(^|/)(mpirun|orted) .*$PROGS/'; pgrep -f '^$PROGS/slow')\" ] && ! ls /dev/shm | grep -Eq 'vader|ompi'"
timeout -s KILL 60 "$FORKLAB" run --mpi 4 "$PROGS/slow" --headless --seed 1 >"$OUT/cslow2.txt" 2>&1 &
fl=$!
e2e_wait_cmd 20 bash -c "[ \$(pgrep -fc '^$PROGS/slow') -eq 4 ]"
sleep 0.5
kill -KILL "$(pgrep -f "^$PROGS/slow" | head -1)" 2>/dev/null
ended() { ! kill -0 "$fl" 2>/dev/null; }
e2e_ok "controlled: a rank SIGKILLed: the run ends by itself" e2e_wait_cmd 30 ended
wait "$fl" 2>/dev/null
e2e_ok "controlled: nothing left behind" nothing_left

e2e_ok "nothing left behind at the end" nothing_left
e2e_end
