#!/usr/bin/env bash
# test_class.sh — the workshop class board over real TCP on 127.0.0.1:
# `forklab class serve --headless`, students joining from their own state
# directories, grades reaching the board, the export, and the safety rules
# (key, own row only, harmless names, bad frames close one connection only,
# a restart loses nothing and queued results arrive).
source "$(dirname "$0")/lib.sh"
e2e_start class

T=$(mktemp -d /tmp/fl-class-XXXXXX)
SRV=""
class_cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  exec 4>&- 5>&- 6>&- 2>/dev/null
  rm -rf "$T"
  e2e_cleanup
}
trap class_cleanup EXIT

export FORKLAB_ROOT=$E2E_ROOT FORKLAB_BUILD=$E2E_BUILD
cd "$E2E_ROOT" || exit 1
BOARD=$T/board.txt

serve() { # serve [--listen ADDR]: starts the server, sets SRV and PORT
  "$FORKLAB" class serve --headless --state "$T/srv" --listen "${1:-127.0.0.1:0}" >>"$BOARD" 2>>"$T/serve.err" &
  SRV=$!
  e2e_wait_cmd 10 grep -q "listening on 127.0.0.1:[1-9]" "$BOARD"
  PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$BOARD" | tail -1)
}
stop() { kill "$SRV" && wait "$SRV"; local st=$?; SRV=""; return $st; }
# The last table the headless board printed.
last_table() { awk '/^class board:/{b=""} {b=b $0 "\n"} END{printf "%s", b}' "$BOARD"; }
board_has() { last_table | grep -Eq -- "$1"; }
as() { local who=$1; shift; XDG_STATE_HOME=$T/$who "$FORKLAB" "$@"; }

serve
e2e_ok "the server prints a port on 127.0.0.1" test -n "$PORT"
e2e_ok "a join code is generated, printed and kept 0600" \
  sh -c "grep -Eq '^join code: ([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}\$' '$BOARD' && [ \$(stat -c %a '$T/srv/key') = 600 ]"
KEY=$T/srv/key
ADDR=127.0.0.1:$PORT

e2e_ok "a non-loopback address without a key is refused" \
  sh -c "! '$FORKLAB' class serve --headless --state '$T/other' --listen 0.0.0.0:0 2>'$T/nl.err' && grep -q 'not a loopback' '$T/nl.err'"

e2e_ok "alice joins" as alice class join "$ADDR" --name alice --key-file "$KEY"
e2e_ok "bob joins from his own state" as bob class join "$ADDR" --name bob --key-file "$KEY"
e2e_ok "the identity is kept in the student's state" grep -Eq '^token=[0-9a-f]{32}$' "$T/alice/forklab/class/joined"
e2e_ok "a second 'alice' from elsewhere is refused" \
  sh -c "! XDG_STATE_HOME='$T/alice2' '$FORKLAB' class join '$ADDR' --name alice --key-file '$KEY' 2>'$T/dup.err' && grep -q 'name is taken' '$T/dup.err'"
e2e_ok "joining again from the same state keeps the identity" as alice class join "$ADDR" --name alice --key-file "$KEY"

echo wrong-key >"$T/wrong"
e2e_ok "a wrong key is refused" \
  sh -c "! XDG_STATE_HOME='$T/mallory' '$FORKLAB' class join '$ADDR' --name mallory --key-file '$T/wrong' 2>'$T/wk.err' && grep -q 'key was refused' '$T/wk.err'"
e2e_ok "a wrong key leaves no row" sh -c "! grep -q mallory '$BOARD'"

as alice grade --solutions 01 >/dev/null 2>&1
as bob grade 01 >/dev/null 2>&1
e2e_ok "the board shows alice's solution with full points" e2e_wait_cmd 10 board_has '^alice .* 10/10 PASS'
e2e_ok "the board shows bob's stub with no points" e2e_wait_cmd 10 board_has '^bob .* 0/10 FAIL'
e2e_ok "the board has two students" board_has '^class board: 2 students'

as eve class join "$ADDR" --name $'eve\e[2J\e]0;owned\a\r' --key-file "$KEY" >/dev/null
e2e_ok "a name with escape sequences is shown harmlessly" e2e_wait_cmd 5 grep -Fq 'eve?[2J?]0;owned??' "$BOARD"
no_ctrl() { ! LC_ALL=C tr -d '\n' <"$BOARD" | LC_ALL=C grep -q '[[:cntrl:]]'; }
e2e_ok "no escape or control byte reaches the instructor's terminal" no_ctrl

# Another's row: alice's identity with bob's name.
mkdir -p "$T/forger/forklab/class"
sed 's/^name=alice$/name=bob/' "$T/alice/forklab/class/joined" >"$T/forger/forklab/class/joined"
printf '99-forged\t10\t10\tPASS\t%s\n' "$(date +%s)" >"$T/forger/forklab/class/outbox"
e2e_ok "writing another student's row is refused" \
  sh -c "! XDG_STATE_HOME='$T/forger' '$FORKLAB' class sync 2>'$T/forge.err' && grep -q 'not permitted' '$T/forge.err'"
e2e_ok "the forged result is nowhere on the board" sh -c "! grep -q 99-forged '$BOARD'"

# The server hung up on fd $1 within 15 s (the stall limit is 5 s).
closed_by_server() { timeout 15 cat <&"$1" >/dev/null; }
# Bad bytes on fresh connections: each closes its own connection only.
exec 4<>"/dev/tcp/127.0.0.1/$PORT"
head -c 300 /dev/urandom >&4
e2e_ok "garbage closes that connection" closed_by_server 4
exec 4>&-
exec 5<>"/dev/tcp/127.0.0.1/$PORT"
printf '\377\377\377\377' >&5
e2e_ok "a 4 GiB length closes that connection" closed_by_server 5
exec 5>&-
exec 6<>"/dev/tcp/127.0.0.1/$PORT"
printf '\000\000\000\040half' >&6
e2e_ok "the server serves others while a half frame is pending" \
  as carol class join "$ADDR" --name carol --key-file "$KEY"
e2e_ok "a stalled half frame is closed in time" closed_by_server 6
exec 6>&-
e2e_ok "after the handshake, a malformed request and a 4 GiB length each close their connection" \
  "$E2E_BUILD/e2e/class_probe" bad "$ADDR" "$KEY"
# A flood of strangers (more connections than the server keeps) holding
# their handshakes open does not lock a student out.
bash -c "for i in \$(seq 600); do exec {fd}<>/dev/tcp/127.0.0.1/$PORT || exit 1; done; sleep 4" 2>/dev/null &
FLOOD=$!
sleep 2
e2e_ok "a student joins during a flood of 600 unauthenticated connections" \
  as dave class join "$ADDR" --name dave --key-file "$KEY"
wait "$FLOOD"
e2e_ok "the server is still running" kill -0 "$SRV"
e2e_ok "and still answers" as carol class join "$ADDR" --name carol --key-file "$KEY"

# Restart after a crash (SIGKILL): what was acknowledged stays; what was
# queued while it was away arrives.
crash() { kill -KILL "$SRV" && { wait "$SRV" 2>/dev/null; true; }; SRV=""; }
e2e_ok "the server is killed" crash
as alice grade --solutions 02 >/dev/null 2>&1
e2e_ok "a result graded while the server is away is queued" grep -q '^02-lock-counter' "$T/alice/forklab/class/outbox"
serve "$ADDR"
e2e_ok "restart: alice's 01 is kept" board_has '^alice .* 10/10 PASS'
e2e_ok "restart: bob's 01 is kept" board_has '^bob .* 0/10 FAIL'
e2e_ok "the queued result is sent when the server is back" as alice class sync
e2e_ok "the queued result is on the board" e2e_wait_cmd 10 board_has '02-lock-counter'
e2e_ok "the outbox is empty once sent" test ! -s "$T/alice/forklab/class/outbox"

e2e_ok "export CSV" as alice class export "$T/grades.csv" --state "$T/srv"
e2e_ok "the CSV has alice's and bob's rows with timestamps" sh -c "
  grep -Eq '^\"alice\",\"01-spawn\",\"PASS\",10,10,[0-9T:-]+Z$' '$T/grades.csv' &&
  grep -Eq '^\"bob\",\"01-spawn\",\"FAIL\",0,10,[0-9T:-]+Z$' '$T/grades.csv' &&
  grep -q '^\"alice\",\"02-lock-counter\",\"PASS\"' '$T/grades.csv'"
e2e_ok "export JSON" as alice class export "$T/grades.json" --state "$T/srv"
e2e_ok "the JSON has both students" sh -c "
  grep -q '\"student\": \"alice\", \"exercise\": \"01-spawn\", \"status\": \"PASS\", \"points\": 10' '$T/grades.json' &&
  grep -q '\"student\": \"bob\", \"exercise\": \"01-spawn\", \"status\": \"FAIL\", \"points\": 0' '$T/grades.json'"

e2e_ok "leave forgets the class" sh -c "XDG_STATE_HOME='$T/alice' '$FORKLAB' class leave >/dev/null && test ! -e '$T/alice/forklab/class/joined'"
LAST=$SRV
e2e_ok "the server stops cleanly again" stop
e2e_ok "no server process is left" sh -c "! kill -0 $LAST 2>/dev/null"
e2e_end
