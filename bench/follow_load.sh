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
# shellcheck source=bench/class_server.sh
. "$(dirname "$0")/class_server.sh"
class_server_start follow-load
cpu() { awk '{printf "%.2f s", ($14 + $15) / 100}' "/proc/$SRV/stat"; }
echo "server before: $(mem)"
"$PROBE" followers "127.0.0.1:$PORT" "$T/srv/key" "$(cat "$T/srv/presenter")" "$N" "$SECS" "$PROCS"
st=$?
echo "server after $N followers x $SECS s: $(mem) CPU $(cpu)"
exit $st
