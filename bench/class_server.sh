# class_server.sh — sourced by the class load scripts (class_load.sh,
# follow_load.sh): a headless `forklab class serve` on 127.0.0.1 in a
# scratch directory, gone (with the directory) when the script exits.
#   class_server_start NAME   sets T (scratch dir), SRV (pid), PORT
#   mem                       the server's VmRSS and VmHWM
class_server_start() {
  T=$(mktemp -d "/tmp/fl-$1-XXXXXX")
  SRV=""
  trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null; rm -rf "$T"' EXIT
  "$FORKLAB" class serve --headless --state "$T/srv" --listen 127.0.0.1:0 >"$T/board.txt" 2>&1 &
  SRV=$!
  for _ in $(seq 50); do grep -q "listening" "$T/board.txt" && break; sleep 0.1; done
  PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$T/board.txt")
}
mem() { awk '/^VmRSS|^VmHWM/{printf "%s %s kB  ", $1, $2}' "/proc/$SRV/status"; }
