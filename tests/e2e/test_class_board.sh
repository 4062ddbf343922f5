#!/usr/bin/env bash
# test_class_board.sh — the instructor's full-screen class board in tmux
# (`forklab class serve` without --headless) over real TCP on 127.0.0.1:
# students joining with the join code typed (no key file; a wrong code is
# refused), their rows, sorting, filtering, who is stuck longest, the
# lesson/slide a student's viewer reports, and a result queued while the
# server was down arriving with no new grade and no `class sync` (the
# viewer's background sender retries). Nothing is left running.
source "$(dirname "$0")/lib.sh"
e2e_start class_board

T=$(mktemp -d /tmp/fl-board-XXXXXX)
STUDENT_SOCK=$T/student.sock
WATCH=""
board_cleanup() {
  [ -n "$WATCH" ] && kill "$WATCH" 2>/dev/null && wait "$WATCH" 2>/dev/null
WATCH=""
  tmux -S "$STUDENT_SOCK" kill-server 2>/dev/null
  rm -rf "$T"
  e2e_cleanup
}
trap board_cleanup EXIT

export FORKLAB_ROOT=$E2E_ROOT FORKLAB_BUILD=$E2E_BUILD
cd "$E2E_ROOT" || exit 1
as() { local who=$1; shift; XDG_STATE_HOME=$T/$who FORKLAB_STATE=$T/$who/progress "$FORKLAB" "$@"; }

# The board, at 100x30 (one exercise column beside the fixed ones).
board() { # board LISTEN
  e2e_launch 100 30 "$FORKLAB class serve --state '$T/srv' --listen $1 2>'$T/serve.err'"
}
board 127.0.0.1:0
e2e_expect "the board starts with its title and an empty class" 'forklab class board  127\.0\.0\.1:[1-9][0-9]*  0 students'
ADDR=$(e2e_visible | sed -n 's/.*board  \(127\.0\.0\.1:[0-9]*\) .*/\1/p' | head -1)
CODE=$(cat "$T/srv/key")
e2e_ok "a join code is generated and kept 0600" \
  sh -c "echo '$CODE' | grep -Eq '^([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}\$' && [ \$(stat -c %a '$T/srv/key') = 600 ]"
e2e_keys c
e2e_expect "c shows the code and how to join" "code $CODE  forklab class join $ADDR --name NAME"
e2e_keys c
e2e_keys '?'
e2e_expect "? shows the board's own keys" 'stuck longest first \(the second line names who\)'
e2e_keys x
e2e_ok "any key closes it" e2e_wait_cmd 5 e2e_absent 'the second line names who'

# Join without a key file: the code typed (here piped; any case, no dashes).
typed=$(echo "$CODE" | tr -d - | tr 'A-Z' 'a-z')
e2e_ok "alice joins with the code typed, no key file" sh -c "echo '$typed' | XDG_STATE_HOME='$T/alice' '$FORKLAB' class join '$ADDR' --name alice"
e2e_ok "bob joins with the code as printed" sh -c "echo '$CODE' | XDG_STATE_HOME='$T/bob' '$FORKLAB' class join '$ADDR' --name bob"
e2e_ok "a wrong code is refused" \
  sh -c "! echo 0000-0000-0000-0000-0000-0000 | XDG_STATE_HOME='$T/mallory' '$FORKLAB' class join '$ADDR' --name mallory 2>'$T/wrong.err' && grep -q 'key was refused' '$T/wrong.err'"
e2e_ok "no code at all is refused" \
  sh -c "! XDG_STATE_HOME='$T/mallory' '$FORKLAB' class join '$ADDR' --name mallory </dev/null 2>'$T/none.err' && grep -q 'no join code' '$T/none.err'"
e2e_ok "the refused student kept no class" test ! -e "$T/mallory/forklab/class/joined"

# (side by side: the gradings take most of this script's time)
as alice grade --solutions 01 >/dev/null 2>&1 &
as bob grade 01 >/dev/null 2>&1
wait $!
e2e_expect "the board shows alice's row with full points" '^alice .* 10/10 +01-spawn 10/10 PASS'
e2e_expect "the board shows bob's row with none" '^bob .* 0/10 +01-spawn 0/10 FAIL'
e2e_ok "mallory has no row" e2e_absent '^mallory'
e2e_expect "the board counts two students" '  2 students  sort: name'
e2e_expect "who is stuck longest is named" '^stuck longest: bob, [0-9]+s on 01-spawn \(0/10 FAIL\)'

# Row order: the screen line of each student.
line_of() { e2e_visible | grep -n "^$1 " | head -1 | cut -d: -f1; }
before() { local a b; a=$(line_of "$1"); b=$(line_of "$2"); [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]; }
e2e_ok "sorted by name: alice above bob" before alice bob
e2e_keys s
e2e_expect "s: sorted by stuck longest" 'sort: stuck longest'
e2e_ok "stuck longest first: bob above alice" before bob alice
e2e_keys r
e2e_expect "r reverses" 'sort: stuck longest \(reversed\)'
e2e_ok "reversed: alice above bob" before alice bob
e2e_keys s s
e2e_expect "s again: another order" 'sort: idle longest'
e2e_keys '!'
e2e_expect "! goes straight to stuck longest first" 'sort: stuck longest$'
e2e_ok "bob is first again" before bob alice

e2e_keys / b o b Enter
e2e_expect "a filter by name leaves bob's row" '2 students \(1 shown\)'
e2e_ok "bob is shown" e2e_wait_cmd 5 e2e_count_ge 1 '^bob '
e2e_ok "alice is not" e2e_absent '^alice '
e2e_keys Escape
e2e_ok "Esc shows everyone again" e2e_wait_cmd 5 e2e_count_ge 1 '^alice '

# ---- the lesson and slide a student's viewer is on
student_screen() { tmux -S "$STUDENT_SOCK" capture-pane -p 2>/dev/null; }
tmux -S "$STUDENT_SOCK" -f /dev/null new-session -d -x 100 -y 30 -e LANG=C.UTF-8 -e TERM=xterm-256color \
  "cd '$E2E_ROOT' && XDG_STATE_HOME='$T/alice' FORKLAB_STATE='$T/alice/progress' FORKLAB_HOME='$E2E_ROOT' FORKLAB_BUILD='$E2E_BUILD' '$FORKLAB' 01-processes-threads; exec sleep 600"
e2e_ok "alice's viewer shows the lesson" e2e_wait_cmd 10 sh -c "tmux -S '$STUDENT_SOCK' capture-pane -p | grep -q '(1/4)'"
e2e_expect "the board shows alice on the lesson's first slide" '^alice +01-processes-t/1 ' 15
tmux -S "$STUDENT_SOCK" send-keys l
sleep 0.5
tmux -S "$STUDENT_SOCK" send-keys l
e2e_ok "alice's viewer is on slide 3" e2e_wait_cmd 5 sh -c "tmux -S '$STUDENT_SOCK' capture-pane -p | grep -q '(3/4)'"
e2e_expect "the board follows her to slide 3" '^alice +01-processes-t/3 ' 15
VIEWER=$(pgrep -P "$(tmux -S "$STUDENT_SOCK" list-panes -F '#{pane_pid}')" -x forklab | head -1)
AGENT=$(pgrep -P "$VIEWER" | head -1)
e2e_ok "the viewer has its background sender" test -n "$AGENT"

# carol's viewer was open before she joined: it reports once she turns a slide
tmux -S "$STUDENT_SOCK" new-window -d -n carol \
  "cd '$E2E_ROOT' && XDG_STATE_HOME='$T/carol' FORKLAB_STATE='$T/carol/progress' FORKLAB_HOME='$E2E_ROOT' FORKLAB_BUILD='$E2E_BUILD' '$FORKLAB' 01-processes-threads; exec sleep 600"
e2e_ok "carol's viewer shows the lesson" e2e_wait_cmd 10 sh -c "tmux -S '$STUDENT_SOCK' capture-pane -p -t carol | grep -q '(1/4)'"
e2e_ok "carol joins after her viewer started" sh -c "echo '$CODE' | XDG_STATE_HOME='$T/carol' '$FORKLAB' class join '$ADDR' --name carol"
tmux -S "$STUDENT_SOCK" send-keys -t carol l
e2e_ok "carol's viewer is on slide 2" e2e_wait_cmd 5 sh -c "tmux -S '$STUDENT_SOCK' capture-pane -p -t carol | grep -q '(2/4)'"
e2e_expect "the board hears carol's viewer without a restart" '^carol +01-processes-t/2 ' 15

# ---- a result queued while the server is down arrives by itself
e2e_keys q
e2e_expect "q asks before stopping the class" 'q again stops the class server'
e2e_keys q
e2e_expect "q twice stops the board and its server" 'APP_EXIT=0'
server_gone() { ! pgrep -f -- "class serve --state $T/srv" >/dev/null; }
e2e_ok "the server is gone" e2e_wait_cmd 5 server_gone
# bob watches exercise 03 (his stub fails, and waits for a save).
XDG_STATE_HOME=$T/bob FORKLAB_STATE=$T/bob/progress "$FORKLAB" watch 03 >"$T/watch.out" 2>&1 &
WATCH=$!
as alice grade --solutions 02 >/dev/null 2>&1
e2e_ok "alice's result waits in her outbox" grep -q '^02-lock-counter' "$T/alice/forklab/class/outbox"
e2e_ok "bob's watch grades 03 and queues it" e2e_wait_cmd 60 grep -q '^03-shared-array' "$T/bob/forklab/class/outbox"
board "$ADDR"
e2e_expect "the board is back with all three students (nothing lost)" '  3 students  sort: name'
e2e_expect "alice's queued result arrives with no grade and no sync (her viewer sends it)" '^alice .*02-lock-count(er)? 10/10 PASS' 40
e2e_ok "her outbox is empty once acknowledged" e2e_wait_cmd 10 test ! -s "$T/alice/forklab/class/outbox"
e2e_expect "bob's arrives too (forklab watch sends it)" '^bob .*03-shared-arra(y)? [0-9]+/[0-9]+ [A-Z]+' 40
e2e_ok "his outbox is empty once acknowledged" e2e_wait_cmd 10 test ! -s "$T/bob/forklab/class/outbox"
kill -TERM "$WATCH"
e2e_ok "forklab watch stops on SIGTERM" e2e_wait_cmd 10 sh -c "! kill -0 $WATCH 2>/dev/null"
wait "$WATCH" 2>/dev/null
WATCH=""
e2e_keys /
e2e_keys -l 03-shared
e2e_keys Enter
e2e_expect "a filter by exercise keeps the students with a result for it" '3 students \(1 shown\)'
e2e_ok "bob is shown" e2e_count_ge 1 '^bob '
e2e_ok "alice is not" e2e_absent '^alice '
e2e_expect "and only its column" ' newest result +03-shared-$'
e2e_keys Escape

# ---- the board at 80x24, and smaller
tmux -S "$E2E_SOCK" resize-window -x 80 -y 24
e2e_expect "at 80x24 the rows still show" '^bob .* 0/20 03-shared-arra 0/10 FAIL$'
tmux -S "$E2E_SOCK" resize-window -x 50 -y 16
e2e_expect "too small: the usual message" 'forklab needs at least [0-9]+x[0-9]+'
tmux -S "$E2E_SOCK" resize-window -x 80 -y 24
e2e_expect "back at 80x24: the board" 'forklab class board'

# ---- nothing left behind, also when the board or the viewer is killed
BOARD_UI=$(pgrep -P "$(tmux -S "$E2E_SOCK" list-panes -F '#{pane_pid}')" -x forklab | head -1)
BOARD_SRV=$(pgrep -P "$BOARD_UI" | head -1)
e2e_ok "the board's server runs in a child process" test -n "$BOARD_SRV"
kill -KILL "$BOARD_UI"
e2e_ok "the board killed (SIGKILL): its server ends too" e2e_wait_cmd 10 sh -c "! kill -0 $BOARD_SRV 2>/dev/null"
kill -KILL "$VIEWER"
e2e_ok "the viewer killed (SIGKILL): its sender ends too" e2e_wait_cmd 10 sh -c "! kill -0 $AGENT 2>/dev/null"
tmux -S "$STUDENT_SOCK" kill-server 2>/dev/null
e2e_kill_server
e2e_wait_cmd 10 e2e_no_procs || { echo "left: $(e2e_our_procs)"; ps -eo pid,ppid,args | grep -F "$E2E_BUILD" | grep -v grep; }
e2e_ok "no forklab process is left" e2e_no_procs
e2e_end
