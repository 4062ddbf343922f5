# lib.sh — shared helpers for the end-to-end tests: drive the real forklab
# binary in a private tmux server (see ../shared/TOOLCHAIN.md), assert on
# what a person would see, count passes and failures.
#
# A test script sources this, calls e2e_start NAME, then for each check
# `e2e_ok "what" CONDITION...` or the wait helpers, and ends with e2e_end,
# which prints "N passed, N failed", appends "e2e-NAME TESTED PASSED FAILED"
# to $BUILD/test-logs/counts and exits non-zero on any failure.
set -u

E2E_BUILD=${BUILD:-build}
E2E_BUILD=$(cd "$E2E_BUILD" && pwd -P)
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
FORKLAB=$E2E_BUILD/forklab
E2E_PASS=0
E2E_FAIL=0
E2E_SOCK=""
E2E_STATE=""
E2E_NAME=""

e2e_start() {
  E2E_NAME=$1
  E2E_STATE=$(mktemp -d "/tmp/fl-e2e-state-XXXXXX")
  trap e2e_cleanup EXIT
  trap 'exit 143' TERM INT HUP
}

# Stop the current tmux server (and so the app in it) and forget it.
e2e_kill_server() {
  [ -n "$E2E_SOCK" ] || return 0
  tmux -S "$E2E_SOCK" kill-server 2>/dev/null
  rm -f "$E2E_SOCK"
  E2E_SOCK=""
}

e2e_cleanup() {
  e2e_kill_server
  [ -n "$E2E_STATE" ] && rm -rf "$E2E_STATE"
  E2E_STATE=""
}

# e2e_launch COLS LINES "ENV=... forklab args": one window running the app,
# then a shell line APP_EXIT=<status> and a long sleep (so the pane stays).
e2e_launch() {
  local cols=$1 lines=$2 cmd=$3
  e2e_kill_server
  # A fresh server each time: a dying one must not take the new session.
  E2E_SOCK=$(mktemp -u "/tmp/fl-e2e-$E2E_NAME-XXXXXX.sock")
  tmux -S "$E2E_SOCK" -f /dev/null new-session -d -x "$cols" -y "$lines" -e LANG=C.UTF-8 \
    -e TERM=xterm-256color \
    "sh -c \"cd '$E2E_ROOT' && FORKLAB_STATE='$E2E_STATE/forklab' FORKLAB_HOME='$E2E_ROOT' FORKLAB_BUILD='$E2E_BUILD' $cmd; echo APP_EXIT=\\\$?; exec sleep 600\""
}

e2e_keys() { tmux -S "$E2E_SOCK" send-keys "$@"; }
e2e_screen() { tmux -S "$E2E_SOCK" capture-pane -p -S - 2>/dev/null; }
# Only what is visible now (no scrollback).
e2e_visible() { tmux -S "$E2E_SOCK" capture-pane -p 2>/dev/null; }

# e2e_wait REGEX [SECONDS]: poll the visible screen every 0.1 s.
e2e_wait() {
  local re=$1 secs=${2:-10} i=0 max
  max=$((secs * 10))
  while [ $i -lt $max ]; do
    e2e_visible | grep -Eq -- "$re" && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# e2e_wait_cmd SECONDS COMMAND...: poll until the command succeeds.
e2e_wait_cmd() {
  local secs=$1 i=0 max
  shift
  max=$((secs * 10))
  while [ $i -lt $max ]; do
    "$@" && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

e2e_pass() { E2E_PASS=$((E2E_PASS + 1)); echo "  ok   $1"; }
e2e_failed() {
  E2E_FAIL=$((E2E_FAIL + 1))
  echo "  FAIL $1"
  echo "  ---- screen:"
  e2e_visible | sed 's/^/  | /'
}

# e2e_ok "what" COMMAND...: one check.
e2e_ok() {
  local what=$1
  shift
  if "$@"; then e2e_pass "$what"; else e2e_failed "$what"; fi
}

# e2e_expect "what" REGEX [SECONDS]: the screen shows REGEX in time.
e2e_expect() {
  local what=$1 re=$2 secs=${3:-10}
  if e2e_wait "$re" "$secs"; then e2e_pass "$what"; else e2e_failed "$what (waited for /$re/)"; fi
}

# Processes running a binary of the build tree (forklab, the examples),
# except this script's parents (make test runs under build/tests/run-reaper).
e2e_ancestors() {
  local p=$$ out=" "
  while [[ $p =~ ^[0-9]+$ ]] && [ "$p" -gt 1 ]; do
    out="$out$p "
    p=$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$p/stat" 2>/dev/null)
  done
  echo "$out"
}
e2e_our_procs() {
  local d exe out="" up
  up=$(e2e_ancestors)
  for d in /proc/[0-9]*; do
    case $up in *" ${d#/proc/} "*) continue ;; esac
    exe=$(readlink "$d/exe" 2>/dev/null) || continue
    # (make test's own driver runs under build/tests/run-reaper: not a leftover)
    case "$exe" in "$E2E_BUILD"/tests/run-reaper) ;; "$E2E_BUILD"/*) out="$out ${d#/proc/}:${exe##*/}";; esac
  done
  echo "$out"
}
# Nothing of ours runs: neither by /proc/PID/exe nor in `ps` (which also
# shows a process whose binary was replaced while it ran).
e2e_no_procs() {
  [ -z "$(e2e_our_procs)" ] || return 1
  # (the tmux servers' own command lines name forklab: not a process of ours)
  ! ps -eo args= | grep -v -e '^tmux ' -e '^grep ' |
    grep -qF -e "$E2E_BUILD/forklab" -e "$E2E_BUILD/lessons/" -e "$E2E_BUILD/e2e/"
}

# Distinct numbers of 3+ digits in column 1 of the processes panel rows.
e2e_count_pids() {
  e2e_visible | grep -Eo '^[^0-9]*[0-9]{2,7} +[0-9]{1,7}  ' | grep -Eo '[0-9]+' | sort -u | wc -l
}

e2e_end() {
  local total=$((E2E_PASS + E2E_FAIL))
  e2e_cleanup
  echo "e2e-$E2E_NAME: $E2E_PASS passed, $E2E_FAIL failed"
  mkdir -p "$E2E_BUILD/test-logs"
  echo "e2e-$E2E_NAME $total $E2E_PASS $E2E_FAIL" >>"$E2E_BUILD/test-logs/counts"
  [ "$E2E_FAIL" -eq 0 ] && [ "$total" -gt 0 ]
}

# PIDs of processes running $E2E_BUILD/NAME (a path relative to the build).
e2e_pids_of() {
  local d exe out=""
  for d in /proc/[0-9]*; do
    exe=$(readlink "$d/exe" 2>/dev/null) || continue
    [ "$exe" = "$E2E_BUILD/$1" ] && out="$out ${d#/proc/}"
  done
  echo $out
}

# True when every process running $E2E_BUILD/NAME is stopped (state T) and
# there is at least one.
e2e_all_stopped() {
  local pids p st n=0
  pids=$(e2e_pids_of "$1")
  [ -n "$pids" ] || return 1
  for p in $pids; do
    st=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
    [ -z "$st" ] && continue
    [ "$st" = T ] || return 1
    n=$((n + 1))
  done
  [ $n -gt 0 ]
}

# Distinct PIDs in the processes panel: rows "│ PID PPID NAME ...".
e2e_panel_pids() {
  e2e_visible | grep -Eo '^│ +[0-9]+ +[0-9]+ ' | awk '{ print $2 }' | sort -u | wc -l
}

# "events N (+M)" from the run view's header: N applied, M pending.
e2e_events_shown() {
  e2e_visible | sed -n '1s/.*events \([0-9]*\) (+.*/\1/p'
}

# Checks usable with e2e_ok / e2e_wait_cmd (functions, not sh -c strings).
e2e_none_of() { [ -z "$(e2e_pids_of "$1")" ]; }
e2e_panel_pids_ge() { [ "$(e2e_panel_pids)" -ge "$1" ]; }
e2e_workers_ge() { [ "$(e2e_visible | grep -Eo '[0-9]+ -> [0-9]+ (done|running|FAILED)' | awk '{print $3}' | sort -u | wc -l)" -ge "$1" ]; }
e2e_events_is() { [ "$(e2e_events_shown)" = "$1" ]; }
e2e_absent() { ! e2e_visible | grep -Eq -- "$1"; }
# At least N visible lines match REGEX.
e2e_count_ge() { [ "$(e2e_visible | grep -Ec -- "$2")" -ge "$1" ]; }
# Screen row N (1-based) matches REGEX.
e2e_row_has() { e2e_visible | sed -n "${1}p" | grep -Eq -- "$2"; }
# The visible screen with its attributes and colours (escape sequences).
e2e_visible_esc() { tmux -S "$E2E_SOCK" capture-pane -p -e 2>/dev/null; }
# A foreground/background colour is set somewhere on the screen (not the
# "default colour" resets 39/49).
e2e_has_colour() { e2e_visible_esc | grep -Eq $'\e\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5;[0-9]+|9[0-7])(;[0-9;]*)?m'; }
e2e_no_colour() { ! e2e_has_colour && [ -n "$(e2e_visible_esc)" ]; }
# Some text is drawn in reverse video / bold.
e2e_has_reverse() { e2e_visible_esc | grep -q $'\e\\[7m'; }
e2e_has_bold() { e2e_visible_esc | grep -q $'\e\\[1m'; }
# CPU time (1/100 s ticks) a process has used.
e2e_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
