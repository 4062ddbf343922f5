#!/usr/bin/env bash
# test_headless.sh — `forklab run LESSON --headless` for every shipped
# lesson: the example exits 0, no event is dropped, every process of the
# run exited 0, and each lesson's key fact is in the model as printed
# (PIDs matched by pattern, never literally). No terminal needed.
. "$(dirname "$0")/lib.sh"
e2e_start headless

OUT=$(mktemp -d /tmp/fl-headless-XXXXXX)
trap 'rm -rf "$OUT"; e2e_cleanup' EXIT

# Rows of the processes section: "PID PPID NAME STATE".
procs() { awk '/^== processes/{s=1; next} /^== /{s=0} s && $1 ~ /^[0-9]+$/' "$1"; }
nprocs() { procs "$1" | wc -l; }
nexited0() { procs "$1" | grep -c 'exited 0$'; }
has() { grep -Eq "$2" "$1"; }
# MPI runs: rows of the ranks section whose state is "finalized".
nranks_final() { awk '/^== ranks/{s=1; next} /^== /{s=0} s && $1 ~ /^[0-9]+$/ && /finalized/' "$1" | wc -l; }
atleast() { [ "$1" -ge "$2" ]; }

# Each lesson's program and arguments, as the viewer runs them: records
# "lesson ID PROGRAM" then "arg A" lines (forklab list --examples).
(cd "$E2E_ROOT" && "$FORKLAB" list --examples) | awk -F'\t' '
  $1 == "lesson" { if (id != "") print id "\t" prog args; id = $2; prog = $3; args = "" }
  $1 == "arg"    { args = args "\t" $2 }
  END            { if (id != "") print id "\t" prog args }' >"$OUT/lessons.tsv"
nyaml=$(ls "$E2E_ROOT"/lessons/[0-9]*.yaml | wc -l)
e2e_ok "the $nyaml shipped lessons are listed" [ "$(wc -l <"$OUT/lessons.tsv")" -eq "$nyaml" ]

while IFS=$'\t' read -r id prog args; do
  case $id in 15-deadlock) continue ;; esac # deadlocks on purpose: test_deadlock.sh
  f=$OUT/$id.txt
  # shellcheck disable=SC2086 # args are split on purpose
  (cd "$E2E_ROOT" && timeout -s KILL 60 "$FORKLAB" run "$prog" --headless -- $args) >"$f" 2>&1
  st=$?
  e2e_ok "$id: headless run exits 0" [ "$st" -eq 0 ]
  e2e_ok "$id: no event dropped" has "$f" '^events: [0-9]+ applied, 0 dropped'
  e2e_ok "$id: every process exited 0" [ "$(nprocs "$f")" -ge 1 -a "$(nprocs "$f")" -eq "$(nexited0 "$f")" ]
  case $id in
  01-*) e2e_ok "$id: parent and at least one child" atleast "$(nprocs "$f")" 2 ;;
  02-*) e2e_ok "$id: the child's PPID is the parent's PID" \
          [ "$(procs "$f" | awk 'NR == 1 {p = $1} NR == 2 {print ($2 == p)}')" = 1 ] ;;
  03-*) e2e_ok "$id: 10 processes greet under one lock, 10 acquisitions" \
          has "$f" 'lock 1 \(lock\): holder -, waiters \[\], acquisitions 10,'
        e2e_ok "$id: 1 parent + 10 children" [ "$(nprocs "$f")" -eq 11 ] ;;
  04-*) e2e_ok "$id: a queue, a pipe and a value were used" \
          bash -c "grep -Eq 'queue 1: .*puts [1-9]' '$f' && grep -Eq 'pipe 1 .*sends [1-9]' '$f' && grep -Eq '^  value 1 ' '$f'" ;;
  05-*) e2e_ok "$id: the child squared the shared array" \
          has "$f" "array 1 'i'\[10\]: \[0, 1, 4, 9, 16, 25, 36, 49, 64, 81\]" ;;
  06-*) e2e_ok "$id: the child set Apple and Orange through the manager" \
          bash -c "grep -Eq \"set [a-z]+\\['Apple'\\] = 0\\.7  status 0\" '$f' && grep -Eq \"set [a-z]+\\['Orange'\\] = 1\\.2  status 0\" '$f'"
        e2e_ok "$id: the dump shows what the manager holds at the end" \
          has "$f" "^  contents: d = \\{'Apple': 0\\.7, 'Orange': 1\\.2\\}\$"
        e2e_ok "$id: the manager's server is a process of the run" has "$f" 'SyncManager +exited 0' ;;
  07-*) e2e_ok "$id: one message sent and received, none in flight" \
          has "$f" 'pipe 1 \(duplex\): sends 1, recvs 1, in flight 0' ;;
  08-*) e2e_ok "$id: both queues end empty after 10 puts and 10 gets" \
          [ "$(grep -Ec 'queue [12]: .*puts 10, gets 10' "$f")" -eq 2 -a "$(grep -c 'final (0): \[\]' "$f")" -eq 2 ]
        e2e_ok "$id: 10 worker processes, each a child of the parent" \
          [ "$(procs "$f" | awk 'NR == 1 {p = $1; next} $2 == p' | wc -l)" -eq 10 ] ;;
  09-*) e2e_ok "$id: apply and apply_async both ready with status 0" \
          [ "$(grep -Ec 'async [0-9]+ \(apply(_async)?, 1 tasks\): ready yes status 0' "$f")" -ge 2 ]
        e2e_ok "$id: the tasks ran in pool workers" has "$f" 'task 0 -> pid [0-9]+ done' ;;
  10-*) e2e_ok "$id: map_async polled before it was ready" \
          has "$f" 'map_async, 10 tasks\): ready yes status 0, polls [0-9]+, polls before ready [1-9]'
        e2e_ok "$id: at least 2 distinct workers ran tasks" has "$f" 'distinct workers used ([2-9]|[1-9][0-9])' ;;
  11-*) e2e_ok "$id: a lock, a queue and a pool were used" \
          bash -c "grep -Eq 'acquisitions [1-9]' '$f' && grep -Eq 'queue 1: .*puts [1-9]' '$f' && grep -Eq 'pool 1: .*done [1-9]' '$f'" ;;
  12-*) e2e_ok "$id: the process pool finished every task" has "$f" 'pool 1: 2 workers .*failed 0' ;;
  13-*) e2e_ok "$id: parent and child are separate processes" [ "$(nprocs "$f")" -ge 2 ] ;;
  14-*) e2e_ok "$id: two adders, each writing the shared value twice without the lock" \
          has "$f" "^  value 1 'i': [234] \\(writes 4\\)$"
        e2e_ok "$id: the example prints the final counter" has "$f" '^\[out\] counter = [234]$' ;;
  16-*) e2e_ok "$id: 4 ranks, all finalized" [ "$(nranks_final "$f")" -eq 4 ]
        e2e_ok "$id: all 4 ranks left the barrier" has "$f" '#1 MPI_Barrier: entered \[0, 1, 2, 3\], left \[0, 1, 2, 3\] \(done\)' ;;
  17-*) e2e_ok "$id: 4 ranks, all finalized" [ "$(nranks_final "$f")" -eq 4 ]
        e2e_ok "$id: 6 ping-pong + 4 ring messages, all received" has "$f" 'sent 10, received 10, in flight 0, unmatched receives 0'
        e2e_ok "$id: the ring closes from rank 3 to rank 0 with tag 7" has "$f" ' 3 -> 0 tag 7, 4 bytes: 6$' ;;
  18-*) e2e_ok "$id: 4 ranks, all finalized" [ "$(nranks_final "$f")" -eq 4 ]
        e2e_ok "$id: rank 0 scattered 0..3" has "$f" '#1 MPI_Scatter root 0: entered \[0, 1, 2, 3\], left \[0, 1, 2, 3\], root gave \[0, 1, 2, 3\]'
        e2e_ok "$id: the reduction gave 14 on rank 0" has "$f" '#3 MPI_Reduce root 0: .*result 14 \(done\)' ;;
  19-*) e2e_ok "$id: 4 ranks, all finalized" [ "$(nranks_final "$f")" -eq 4 ]
        e2e_ok "$id: the allreduce gave 6" has "$f" '#1 MPI_Allreduce: .*result 6 \(done\)' ;;
  *)    e2e_ok "$id: a lesson this test knows" false ;;
  esac
done <"$OUT/lessons.tsv"
e2e_ok "no example process is left" e2e_no_procs
e2e_end
