#!/usr/bin/env bash
# follow_load.sh — load figures for follow-the-instructor: STUDENTS
# simulated followers (default 200, one connection each, as many viewers
# would be) ask a headless `forklab class serve` on 127.0.0.1 what the
# presenter shows every 0.5 s (the viewer's period) while the presenter
# turns a page every second for SECONDS (default 60). Prints, per process
# of followers, how long after each page turn they saw it (bounded by the
# 0.5 s period plus the server's answer), and the server's memory.
# Nothing is asserted: figures for the notes. Usage:
#   BUILD=build bash bench/follow_load.sh [STUDENTS] [SECONDS] [PROCS]
set -u
BUILD=${BUILD:-build}
N=${1:-200} SECS=${2:-60} PROCS=${3:-4}
FORKLAB=$BUILD/forklab PROBE=$BUILD/e2e/present_probe
[ -x "$FORKLAB" ] && [ -x "$PROBE" ] || { echo "follow_load: make $FORKLAB $PROBE first" >&2; exit 2; }
T=$(mktemp -d /tmp/fl-follow-load-XXXXXX)
SRV=""
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null; rm -rf "$T"' EXIT
"$FORKLAB" class serve --headless --state "$T/srv" --listen 127.0.0.1:0 >"$T/board.txt" 2>&1 &
SRV=$!
for _ in $(seq 50); do grep -q "listening" "$T/board.txt" && break; sleep 0.1; done
PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$T/board.txt")
mem() { awk '/^VmRSS|^VmHWM/{printf "%s %s kB  ", $1, $2}' "/proc/$SRV/status"; }
cpu() { awk '{printf "%.2f s", ($14 + $15) / 100}' "/proc/$SRV/stat"; }
echo "server before: $(mem)"
"$PROBE" followers "127.0.0.1:$PORT" "$T/srv/key" "$(cat "$T/srv/presenter")" "$N" "$SECS" "$PROCS"
st=$?
echo "server after $N followers x $SECS s: $(mem) CPU $(cpu)"
exit $st
