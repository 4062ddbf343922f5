#!/usr/bin/env bash
# class_load.sh — load figures for the class board: STUDENTS simulated
# students (default 200), each sending one grade result a second for
# SECONDS (default 60), over 127.0.0.1 to a headless `forklab class serve`.
# Prints the round-trip latency (the board applies a result before it
# answers) and the server's memory (VmRSS at the end, VmHWM its peak).
# Nothing is asserted: figures for the notes. Usage:
#   BUILD=build bash bench/class_load.sh [STUDENTS] [SECONDS] [PROCS]
set -u
BUILD=${BUILD:-build}
N=${1:-200} SECS=${2:-60} PROCS=${3:-4}
FORKLAB=$BUILD/forklab PROBE=$BUILD/e2e/class_probe
[ -x "$FORKLAB" ] && [ -x "$PROBE" ] || { echo "class_load: make $FORKLAB $PROBE first" >&2; exit 2; }
# shellcheck source=bench/class_server.sh
. "$(dirname "$0")/class_server.sh"
class_server_start class-load
echo "server before: $(mem)"
"$PROBE" load "127.0.0.1:$PORT" "$T/srv/key" "$N" "$SECS" "$PROCS"
st=$?
echo "server after $N students x $SECS s: $(mem)"
echo "board log: $(wc -l <"$T/srv/board.log") lines; headless output: $(wc -c <"$T/board.txt") bytes"
exit $st
