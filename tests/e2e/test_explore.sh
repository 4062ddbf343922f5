#!/usr/bin/env bash
# test_explore.sh — forklab explore headless: the race lesson's outcomes
# (exactly 2, 3, 4 unlocked; one locked), every listed schedule replaying
# to its outcome, a lock-order deadlock found with its schedule, bounds
# nested, random runs reproducible, crashes and endless runs recorded and
# nothing left behind, bad input refused.
. "$(dirname "$0")/lib.sh"
e2e_start explore

OUT=$(mktemp -d /tmp/fl-explore-XXXXXX)
trap 'rm -rf "$OUT"; e2e_cleanup' EXIT
B=$E2E_BUILD/e2e

ex() { (cd "$E2E_ROOT" && timeout -s KILL 300 "$FORKLAB" explore "$@"); }
replay() { (cd "$E2E_ROOT" && timeout -s KILL 60 "$FORKLAB" run "$@" --headless --timeout 30); }
# the outcome lines (not the last "explored" line), as "outcome" only
outcomes_of() { grep -v '^explored ' "$1" | sed -E 's/^ *[0-9]+  //; s/  schedule .*$//' | sort; }
counters_of() { grep -o 'counter = [0-9]*' "$1" | sort | tr '\n' ';'; }

# --- the race lesson, unlocked: exactly 2, 3 and 4, complete
ex --bound all -j 2 14-races >"$OUT/race.txt" 2>"$OUT/race.err"
e2e_ok "14-races --bound all finds exactly counter = 2, 3, 4" [ "$(counters_of "$OUT/race.txt")" = "counter = 2;counter = 3;counter = 4;" ]
e2e_ok "14-races --bound all says complete" grep -qE '^explored [0-9]+ runs \(complete\), 3 outcomes$' "$OUT/race.txt"
e2e_ok "a progress line on stderr (runs, outcomes, runs/s, elapsed)" grep -qE 'explore: [0-9]+ runs, 3 outcomes, [0-9]+ runs/s, [0-9.]+ s' "$OUT/race.err"
ok=0 n=0
while IFS= read -r line; do
  want=$(grep -o 'counter = [0-9]*' <<<"$line"); s=${line##*schedule }
  n=$((n + 1))
  replay 14-races --schedule "$s" >"$OUT/replay.txt" 2>&1
  got=$(grep -o '^\[out\] counter = [0-9]*' "$OUT/replay.txt" | sed 's/^\[out\] //')
  [ "$got" = "$want" ] && ok=$((ok + 1))
done < <(grep ' schedule ' "$OUT/race.txt")
e2e_ok "each of the $n listed schedules replays to its outcome (got $ok)" [ "$n" -eq 3 -a "$ok" -eq 3 ]

# --- locked: one outcome over the whole space; --expect-one
ex --bound all -j 2 --expect-one 14-races -- locked >"$OUT/locked.txt" 2>/dev/null
e2e_ok "14-races locked --bound all: one outcome, counter = 4, exit 0 with --expect-one" [ $? -eq 0 -a "$(counters_of "$OUT/locked.txt")" = "counter = 4;" ]
e2e_ok "14-races locked: complete" grep -qE '^explored [0-9]+ runs \(complete\), 1 outcomes$' "$OUT/locked.txt"
ex --expect-one 14-races >/dev/null 2>&1
e2e_ok "14-races unlocked with --expect-one exits 1" [ $? -eq 1 ]

# --- bounds nest: --bound 1 ⊆ --bound 2 ⊆ exhaustive
ex --bound 1 14-races >"$OUT/b1.txt" 2>/dev/null
ex --bound 2 14-races >"$OUT/b2.txt" 2>/dev/null
outcomes_of "$OUT/b1.txt" >"$OUT/b1.set"; outcomes_of "$OUT/b2.txt" >"$OUT/b2.set"; outcomes_of "$OUT/race.txt" >"$OUT/all.set"
e2e_ok "outcomes of --bound 1 ⊆ --bound 2" [ -z "$(comm -23 "$OUT/b1.set" "$OUT/b2.set")" ]
e2e_ok "outcomes of --bound 2 ⊆ --bound all" [ -z "$(comm -23 "$OUT/b2.set" "$OUT/all.set")" ]
ex --bound 2 -j 3 14-races >"$OUT/b2j.txt" 2>/dev/null
e2e_ok "-j 3 gives the same table as -j 1 (counts and schedules)" cmp -s "$OUT/b2.txt" "$OUT/b2j.txt"
r1=$(sed -nE 's/^explored ([0-9]+) runs.*/\1/p' "$OUT/b1.txt"); r2=$(sed -nE 's/^explored ([0-9]+) runs.*/\1/p' "$OUT/b2.txt")
rall=$(sed -nE 's/^explored ([0-9]+) runs.*/\1/p' "$OUT/race.txt")
e2e_ok "runs grow with the bound ($r1 <= $r2 <= $rall)" [ "$r1" -le "$r2" -a "$r2" -le "$rall" ]

# --- the lecture's lock example: all 3! orders of the lines
# (--bound 1 reaches them all already; the whole space is ~28000 runs)
ex --bound 1 -j 2 14-hello-lock >"$OUT/hello.txt" 2>/dev/null
e2e_ok "14-hello-lock --bound 1: 6 outcomes (every order of the 3 lines)" grep -qE '^explored [0-9]+ runs \(bounded\), 6 outcomes$' "$OUT/hello.txt"

# --- random runs: a seed gives the same result, whatever -j
ex --random 40 --seed 7 14-races >"$OUT/r1.txt" 2>/dev/null
ex --random 40 --seed 7 -j 2 14-races >"$OUT/r2.txt" 2>/dev/null
e2e_ok "--random 40 --seed 7 is reproducible (also with -j 2)" cmp -s "$OUT/r1.txt" "$OUT/r2.txt"
e2e_ok "--random says random" grep -qE '^explored 40 runs \(random\)' "$OUT/r1.txt"

# --- a lock-order deadlock is found, with a schedule that replays to it
ex --bound all "$B/lockorder" >"$OUT/dl.txt" 2>/dev/null
e2e_ok "opposite lock orders: explore lists deadlock, naming its cycle" grep -qE '^ *[0-9]+  deadlock: process 1 holds lock 1 .*  schedule [0-9 ]+$' "$OUT/dl.txt"
s=$(sed -nE 's/^ *[0-9]+  deadlock: .*  schedule //p' "$OUT/dl.txt")
replay "$B/lockorder" --schedule "$s" >"$OUT/dlr.txt" 2>&1
e2e_ok "the deadlock's schedule replays to a stuck run (exit 3)" [ $? -eq 3 ]
ex --bound all "$B/lockorder" -- fixed >"$OUT/fixed.txt" 2>/dev/null
e2e_ok "one lock order: no deadlock, one outcome" [ "$(grep -c deadlock "$OUT/fixed.txt")" = 0 ] && grep -qE '\(complete\), 1 outcomes$' "$OUT/fixed.txt"

# --- a crash and an endless run are outcomes; nothing is left behind
ex --bound all --outcome 'exit code' "$B/crash" >"$OUT/crash.txt" 2>/dev/null
e2e_ok "a crashing child: outcome with SIGSEGV, explorer carries on" grep -qE '^ *1  child exit code -11 · exits 0 SIGSEGV  schedule' "$OUT/crash.txt"
ex --run-timeout 1 --max-runs 3 "$B/spin" >"$OUT/spin.txt" 2>/dev/null
e2e_ok "an endless run: outcome timeout, exploration ends" grep -qE '^ *[0-9]+  timeout \(still running after 1 s\)  schedule' "$OUT/spin.txt"
sleep 0.5
e2e_ok "no spinning child survives" [ -z "$(pgrep -f "$B/spin")" ]
# (libmp's shared memory is memfd and anonymous mappings: nothing in /dev/shm to leave)
e2e_ok "no process of the build tree is left (explorer, examples)" e2e_wait_cmd 5 e2e_no_procs

# --- JSON and bad input
ex --json --bound 1 14-races >"$OUT/j.json" 2>/dev/null
e2e_ok "--json is JSON with runs, search, outcomes" python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['search'] in ('bounded','complete') and d['outcomes'] and all('schedule' in o for o in d['outcomes'])" "$OUT/j.json"
ex --bogus 14-races >/dev/null 2>&1; e2e_ok "unknown option: exit 2" [ $? -eq 2 ]
ex --bound x 14-races >/dev/null 2>&1; e2e_ok "bad --bound: exit 2" [ $? -eq 2 ]
ex --outcome '(' 14-races >/dev/null 2>&1; e2e_ok "bad --outcome regex: exit 2" [ $? -eq 2 ]
ex no-such-example >/dev/null 2>"$OUT/nx.err"; e2e_ok "unknown example: exit 1 with a message" [ $? -eq 1 ] && grep -q "no example or lesson named" "$OUT/nx.err"

e2e_end
