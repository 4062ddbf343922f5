#!/usr/bin/env bash
# test_present.sh — presenter mode and follow-the-instructor, in tmux:
# `forklab present` at 80x24 and 200x50 (slide n/N, next/previous, jump by
# number, the code pages, the paced run), `forklab present --notes` in a
# second window following the presenter, a student's `forklab --follow`
# moving with the presenter over a real class server on 127.0.0.1, and
# hostile follow messages refused with a clear error (a student posing as
# the presenter, out-of-bounds and malformed requests, a hostile server's
# reply). Nothing is left behind.
source "$(dirname "$0")/lib.sh"
e2e_start present

T=$(mktemp -d /tmp/fl-present-XXXXXX)
SRV=""
SRV2=""
EVIL=""
present_cleanup() {
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
  [ -n "$SRV2" ] && kill "$SRV2" 2>/dev/null && wait "$SRV2" 2>/dev/null
  [ -n "$EVIL" ] && kill "$EVIL" 2>/dev/null && wait "$EVIL" 2>/dev/null
  rm -rf "$T"
  e2e_cleanup
}
trap present_cleanup EXIT

export FORKLAB_ROOT=$E2E_ROOT FORKLAB_BUILD=$E2E_BUILD
cd "$E2E_ROOT" || exit 1
PROBE=$E2E_BUILD/e2e/present_probe
PRESENTING=$E2E_STATE/forklab/presenting

# Another window of the current tmux server, with e2e_launch's environment.
window() { # window NAME "command"
  tmux -S "$E2E_SOCK" new-window -d -n "$1" \
    "sh -c \"cd '$E2E_ROOT' && FORKLAB_STATE='$E2E_STATE/forklab' FORKLAB_HOME='$E2E_ROOT' FORKLAB_BUILD='$E2E_BUILD' $2; echo APP_EXIT=\\\$?; exec sleep 600\""
}
shows() { tmux -S "$E2E_SOCK" capture-pane -p -t "$1" 2>/dev/null | grep -Eq -- "$2"; }
expect_in() { # expect_in WINDOW "what" REGEX [SECONDS]
  if e2e_wait_cmd "${4:-10}" shows "$1" "$3"; then e2e_pass "$2"; else
    e2e_failed "$2 (waited for /$3/ in $1)"; tmux -S "$E2E_SOCK" capture-pane -p -t "$1" | sed 's/^/  | /'; fi
}
last_row() { e2e_visible | tail -1; }

# ---- the presenter at 80x24
e2e_launch 80 24 "$FORKLAB present 01-processes-threads --state $T/no-server"
e2e_expect "80x24: the first slide's title" "Two ways to do several things at once"
e2e_ok "80x24: slide 1/6 in the corner" e2e_wait_cmd 5 e2e_row_has 24 'slide 1/6 *$'
e2e_ok "80x24: the bullets are there, nested ones indented" \
  sh -c "tmux -S '$E2E_SOCK' capture-pane -p | grep -q '^ *\* A process is a running program' &&
         tmux -S '$E2E_SOCK' capture-pane -p | grep -q '^ *- no one sees its variables'"
e2e_ok "80x24: no speaker notes on the slide" e2e_absent "Think of a process as a house"
e2e_ok "80x24: the title is centred" e2e_row_has 3 '^ {15,}Two ways'
e2e_ok "80x24: the presenter's page is published" grep -Eqx '01-processes-threads 1 6 [0-9]+' "$PRESENTING"

window notes "$FORKLAB present --notes"
expect_in notes "--notes shows the current slide's notes" "Think of a process as a house"
expect_in notes "--notes shows which slide and the next one" "Next: Long-lived and short-lived"

e2e_keys Right
e2e_expect "Right: the next slide" "Long-lived and short-lived"
e2e_ok "Right: slide 2/6" e2e_wait_cmd 5 e2e_row_has 24 'slide 2/6 *$'
expect_in notes "--notes follows the presenter" "Now: Long-lived and short-lived"
expect_in notes "--notes: a slide without notes says so" "no notes for this slide"
e2e_keys Left
e2e_ok "Left: back to slide 1/6" e2e_wait_cmd 5 e2e_row_has 24 'slide 1/6 *$'
e2e_keys 4
e2e_expect "typing a number shows it" "go to slide: 4_"
e2e_keys Enter
e2e_expect "4 Enter jumps to slide 4" 'What "threads only for I/O bound work" means'
e2e_ok "jump: slide 4/6" e2e_wait_cmd 5 e2e_row_has 24 'slide 4/6 *$'
e2e_keys 9 Enter
sleep 0.3
e2e_ok "a jump past the end stays where it was" e2e_wait_cmd 5 e2e_row_has 24 'slide 4/6 *$'
e2e_keys Right
e2e_expect "the C example is a slide of its own" "The C example"
e2e_ok "its code is shown with line numbers" e2e_wait_cmd 5 sh -c "tmux -S '$E2E_SOCK' capture-pane -p | grep -Eq '^ *│ +1 /\* 01-processes-threads.c'"
e2e_keys End
e2e_expect "End: the Python version, the last slide" "The Python version"
e2e_ok "End: slide 6/6" e2e_wait_cmd 5 e2e_row_has 24 'slide 6/6 *$'
e2e_keys Right
sleep 0.3
e2e_ok "Right on the last slide stays there" e2e_row_has 24 'slide 6/6 *$'
e2e_keys Home
e2e_ok "Home: slide 1/6" e2e_wait_cmd 5 e2e_row_has 24 'slide 1/6 *$'
e2e_keys r
e2e_expect "r runs the lesson's example, paced" "^forklab: run 01-processes-threads.* paced"
e2e_keys q
e2e_ok "q from the run is back on the slide" e2e_wait_cmd 10 e2e_row_has 24 'slide 1/6 *$'
e2e_keys q
e2e_expect "q ends the presenter" "APP_EXIT=0"
e2e_ok "the presenter's state file is removed" test ! -e "$PRESENTING"
expect_in notes "--notes waits for the next presenter" "waiting for the presenter"
e2e_ok "no forklab left running but the notes screen" \
  sh -c "[ \$(pgrep -fc '^$FORKLAB present') -eq 1 ]"

# ---- a presenter killed outright: the notes screen does not show its last slide forever
e2e_launch 80 24 "$FORKLAB present 01-processes-threads --state $T/no-server"
e2e_expect "a presenter again" "slide 1/6"
window notes "$FORKLAB present --notes"
expect_in notes "its notes screen follows it" "Now: Two ways to do several things at once"
pkill -KILL -f "^$FORKLAB present 01-processes-threads"
expect_in notes "killed: the notes screen waits for a presenter" "waiting for the presenter"
e2e_ok "and the dead presenter's state file is gone" test ! -e "$PRESENTING"

# ---- at 200x50: the same slides, centred in the room
e2e_launch 200 50 "$FORKLAB present 01-processes-threads --state $T/no-server"
e2e_expect "200x50: the first slide" "Two ways to do several things at once"
e2e_ok "200x50: slide 1/6 in the corner" e2e_wait_cmd 5 e2e_row_has 50 'slide 1/6 *$'
e2e_ok "200x50: the title is centred" e2e_row_has 3 '^ {70,}Two ways'
e2e_ok "200x50: the bullets are a centred block" \
  sh -c "tmux -S '$E2E_SOCK' capture-pane -p | grep -Eq '^ {40,}\* A process is a running program with its own state and address space$'"
e2e_keys 5 Enter
e2e_expect "200x50: the C page" "The C example"
e2e_ok "200x50: C and Python side by side" \
  sh -c "tmux -S '$E2E_SOCK' capture-pane -p | grep -q 'C: lessons/01-processes-threads.c.*Python (the lecture)'"
e2e_keys PPage
e2e_ok "PgUp (a presenter's remote) goes back" e2e_wait_cmd 5 e2e_row_has 50 'slide 4/6 *$'
e2e_keys NPage
e2e_ok "PgDn goes on" e2e_wait_cmd 5 e2e_row_has 50 'slide 5/6 *$'
e2e_keys q
e2e_expect "q ends it" "APP_EXIT=0"

# ---- follow the instructor over a class server
"$FORKLAB" class serve --headless --state "$T/srv" --listen 127.0.0.1:0 >"$T/board.txt" 2>"$T/serve.err" &
SRV=$!
e2e_wait_cmd 10 grep -q "listening on 127.0.0.1:[1-9]" "$T/board.txt" 2>/dev/null
PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$T/board.txt")
ADDR=127.0.0.1:$PORT
KEY=$T/srv/key
e2e_ok "the class server keeps its address and a presenter token (0600)" \
  sh -c "grep -qx '$ADDR' '$T/srv/address' && grep -Eqx '[0-9a-f]{32}' '$T/srv/presenter' && [ \$(stat -c %a '$T/srv/presenter') = 600 ]"
e2e_ok "alice joins the class" \
  env XDG_STATE_HOME="$T/alice" "$FORKLAB" class join "$ADDR" --name alice --key-file "$KEY"

e2e_ok "--follow without a class is a clear error" \
  sh -c "! XDG_STATE_HOME='$T/nobody' '$FORKLAB' --follow 2>'$T/nf.err' && grep -q 'not joined a class' '$T/nf.err'"

e2e_launch 100 30 "$FORKLAB present 03-sync --state $T/srv"
e2e_expect "the presenter shows 03-sync" "No order is guaranteed"
e2e_ok "the presenter reaches the class server" e2e_wait_cmd 10 e2e_row_has 30 'class: on'
window alice "XDG_STATE_HOME=$T/alice FORKLAB_STATE=$T/alice-fl $FORKLAB --follow"
expect_in alice "the follower opens the presenter's lesson and slide" "No order is guaranteed \\(1/3\\)"
expect_in alice "the follower says so on the top row" "following: 03-sync 1/5"
e2e_keys Right Right
expect_in alice "the follower moves to slide 3 with the presenter" "What the lock does not do \\(3/3\\)"
e2e_ok "the board hears where the follower is" e2e_wait_cmd 10 grep -Eq '^alice +03-sync/3 ' "$T/board.txt"
e2e_keys ']'
e2e_expect "] takes the presenter to the next lesson" "Processes share nothing by default"
expect_in alice "the follower changes lesson with the presenter" "^forklab: 4\\. Communication between processes"
e2e_keys Right
expect_in alice "and follows its slides" "When to use which \\(2/3\\)"

# leave and come back
tmux -S "$E2E_SOCK" send-keys -t alice f
expect_in alice "f leaves following" "When to use which \\(2/3\\)"
e2e_ok "the indicator is gone" e2e_wait_cmd 5 sh -c "! tmux -S '$E2E_SOCK' capture-pane -p -t alice | grep -q 'following:'"
e2e_keys Right
sleep 1.5
e2e_ok "a student who left stays where they are" shows alice "When to use which \\(2/3\\)"
tmux -S "$E2E_SOCK" send-keys -t alice f
expect_in alice "f again: back on the presenter's slide" "All made before the children start \\(3/3\\)"

# hostile follow messages
TOKEN=$(sed -n 's/^token=//p' "$T/alice/forklab/class/joined")
e2e_ok "a student's identity cannot set the presenter's slide" \
  sh -c "'$PROBE' show '$ADDR' '$KEY' '$TOKEN' 01-processes-threads 1 6 | grep -q 'refused: Operation not permitted'"
PTOKEN=$(cat "$T/srv/presenter")
e2e_ok "an escape sequence as a lesson id is refused, even from the presenter" \
  sh -c "'$PROBE' show '$ADDR' '$KEY' '$PTOKEN' \"\$(printf 'x\\033]0;owned\\007')\" 1 2 | grep -q 'refused: Invalid argument'"
e2e_ok "a page past the deck is refused" \
  sh -c "'$PROBE' show '$ADDR' '$KEY' '$PTOKEN' 03-sync 9 5 | grep -q 'refused: Invalid argument'"
e2e_ok "a page count over the limit is refused" \
  sh -c "'$PROBE' show '$ADDR' '$KEY' '$PTOKEN' 03-sync 1 4294967296 | grep -q 'refused: Invalid argument'"
e2e_ok "malformed show and follow requests each close their connection" "$PROBE" badshow "$ADDR" "$KEY"
sleep 1.5
e2e_ok "the follower stayed on the presenter's slide through it all" \
  shows alice "All made before the children start \\(3/3\\)"
e2e_ok "the class server is still running" kill -0 "$SRV"
e2e_keys Left
expect_in alice "and still follows" "When to use which \\(2/3\\)"

# a class server that stops answering does not hold up the follower: the
# asking is done in the background (before, each ask blocked the viewer
# for up to 5 s, so a key pressed now waited about 4 s)
kill -STOP "$SRV"
sleep 3.5
tmux -S "$E2E_SOCK" send-keys -t alice Right
expect_in alice "keys answer at once while the class server does not" "All made before the children start \\(3/3\\)" 3
e2e_keys Right
e2e_expect "the presenter's slides turn at once too" "All made before the children start" 3
e2e_ok "and it says the class is off or still being reached" e2e_wait_cmd 10 e2e_row_has 30 'class: (off|connecting)'
kill -CONT "$SRV"
e2e_keys Left
expect_in alice "once the server answers again the follower has the presenter's page" "When to use which \\(2/3\\)" 15
e2e_ok "the presenter says the class is on again" e2e_wait_cmd 15 e2e_row_has 30 'class: on'

# the class server killed and started again: presenter and follower go on
kill -KILL "$SRV" && { wait "$SRV" 2>/dev/null; true; }
"$FORKLAB" class serve --headless --state "$T/srv" --listen "$ADDR" >>"$T/board.txt" 2>>"$T/serve.err" &
SRV=$!
e2e_ok "the class server is back on the same address" e2e_wait_cmd 10 sh -c "[ \$(grep -c 'listening on $ADDR' '$T/board.txt') -eq 2 ]"
e2e_keys Right
expect_in alice "after the restart the follower moves with the presenter again" "All made before the children start \\(3/3\\)" 15
e2e_ok "the presenter says the class is on" e2e_wait_cmd 10 e2e_row_has 30 'class: on'
e2e_keys End
expect_in alice "the presenter on the Python page: the follower's code pane shows Python" "Python \\(the lecture\\)  \\[p: C\\]"

# a hostile server: its reply is refused, said, and never drawn
printf 'evilkey\n' >"$T/evilkey"
"$PROBE" evil "$T/evil.addr" "$T/evilkey" &
EVIL=$!
e2e_wait_cmd 10 test -s "$T/evil.addr"
mkdir -p "$T/eve/forklab/class"
printf 'server=%s\nname=eve\ntoken=0123456789abcdef0123456789abcdef\nkey=%s\n' "$(cat "$T/evil.addr")" \
  "$(printf evilkey | od -An -tx1 | tr -d ' \n')" >"$T/eve/forklab/class/joined"
window eve "XDG_STATE_HOME=$T/eve FORKLAB_STATE=$T/eve-fl $FORKLAB --follow"
expect_in eve "a hostile follow reply is refused with a clear error" "follow: refused an invalid presenter message"
expect_in eve "the viewer stays on the lesson list" "forklab: lessons"
e2e_ok "nothing of it reaches the terminal (no title set)" \
  sh -c "[ \"\$(tmux -S '$E2E_SOCK' display -p -t eve '#{pane_title}')\" != owned ]"
tmux -S "$E2E_SOCK" send-keys -t eve q
expect_in eve "the student quits cleanly" "APP_EXIT=0"
kill "$EVIL" && wait "$EVIL" 2>/dev/null
EVIL=""

# ---- nothing left behind
e2e_keys q
e2e_expect "the presenter quits" "APP_EXIT=0"
tmux -S "$E2E_SOCK" send-keys -t alice q q
expect_in alice "the follower quits" "APP_EXIT=0"

# a class server started with --key-file keeps no key: the presenter needs it too
printf 'k3y-for-the-class\n' >"$T/classkey"
"$FORKLAB" class serve --headless --state "$T/srv2" --listen 127.0.0.1:0 --key-file "$T/classkey" >"$T/board2.txt" 2>&1 &
SRV2=$!
e2e_wait_cmd 10 grep -q "listening on 127.0.0.1:[1-9]" "$T/board2.txt" 2>/dev/null
e2e_launch 100 30 "$FORKLAB present 03-sync --state $T/srv2"
e2e_expect "without the key the presenter says what it needs" "class: off \\(no class key \\(give --key-file\\)\\)"
e2e_launch 100 30 "$FORKLAB present 03-sync --state $T/srv2 --key-file $T/classkey"
e2e_expect "with --key-file it reaches the class" "class: on"
e2e_keys q
e2e_expect "and quits" "APP_EXIT=0"
kill "$SRV2" && wait "$SRV2"
SRV2=""

# the full-screen board serves the presenter too, and forgets its address when it stops
e2e_launch 100 30 "$FORKLAB class serve --state '$T/srv3' --listen 127.0.0.1:0 2>'$T/serve3.err'"
e2e_ok "the full-screen board's server keeps its address" e2e_wait_cmd 10 test -s "$T/srv3/address"
window pres3 "$FORKLAB present 03-sync --state $T/srv3"
expect_in pres3 "a presenter reaches the full-screen board's server" "class: on"
tmux -S "$E2E_SOCK" send-keys -t pres3 q
expect_in pres3 "that presenter quits" "APP_EXIT=0"
e2e_keys q
e2e_keys q
e2e_expect "q twice stops the board" "APP_EXIT=0"
e2e_ok "and its address file is removed" test ! -e "$T/srv3/address"

LAST=$SRV
kill "$SRV" && wait "$SRV"
e2e_ok "the class server stops cleanly" test $? -eq 0
SRV=""
e2e_ok "its address file is removed" test ! -e "$T/srv/address"
e2e_ok "the presenter's state file is removed" test ! -e "$PRESENTING"
e2e_kill_server
e2e_ok "no process is left" e2e_wait_cmd 10 e2e_no_procs
e2e_ok "no class server is left" sh -c "! kill -0 $LAST 2>/dev/null"
e2e_end
