#!/usr/bin/env bash
# check-layers.sh BUILD — fail when the tree breaks one of its layering rules.
#
# The rules (README.md, "Layout"), each checked on the sources and on the
# built objects, so that a rule cannot be broken by a macro or a forward
# declaration either:
#   1. Only viewer/ui/ uses ncurses: no other file of viewer/, lib/ or
#      tests/viewer/ includes a curses header, no object of libforklab.a or
#      libmp.a refers to a symbol that libncursesw/libtinfo define, and the
#      viewer's unit tests are not linked with ncurses (ldd); nor does an
#      object of libforklab.a call a function of viewer/ui (only main.c
#      joins the two).
#   2. lib/ stands alone: its quoted includes name files in lib/ (a plain
#      name, no directory part), and no
#      object of libmp.a refers to a symbol defined by libforklab.a.
#   3. The pure part of viewer/core does no I/O. Every core file is pure
#      except the few that are core's boundary with the system (IO_FILES
#      below). A pure file includes none of the system-call headers
#      (unistd.h, fcntl.h, dirent.h, poll.h, sys/*), and its object refers
#      to none of the libc functions that touch files, descriptors, stdio
#      streams, the environment, processes or the clock (IO_SYMS). stdio.h
#      is allowed for snprintf, which the symbol check tells apart.
# Each violation is printed as "check-layers: RULE: file: what".
set -u
build=${1:-build}
bad=0
fail() { echo "check-layers: $*"; bad=1; }

# Core files that may do I/O: reading files, the tree's location, the
# progress file, the lesson catalogue, the workspace (forklab init, reset),
# the hints file.
IO_FILES="files paths progress catalogue workspace hints"
IO_SYMS='^(open|open64|openat|creat|read|write|pread|pwrite|readv|writev|close|lseek|dup|dup2|fopen|fdopen|freopen|fclose|fread|fwrite|fgets|fgetc|getc|getchar|fputs|fputc|putc|putchar|puts|printf|fprintf|vprintf|vfprintf|dprintf|vdprintf|scanf|fscanf|getline|getdelim|fflush|perror|stdin|stdout|stderr|stat|stat64|fstat|fstat64|lstat|access|opendir|readdir|scandir|closedir|mkdir|unlink|rename|readlink|getenv|secure_getenv|setenv|system|popen|fork|vfork|execv|execvp|execve|execl|execlp|socket|connect|send|recv|pipe|pipe2|mmap|ioctl|poll|select|kill|time|clock_gettime|gettimeofday|getpid|isatty)(@.*)?$'

lib_a=$build/libmp.a
core_a=$build/libforklab.a
for f in "$lib_a" "$core_a"; do
  [ -f "$f" ] || { echo "check-layers: $f is missing: run make first"; exit 2; }
done

# ---- 1. ncurses only in viewer/ui
curses_inc='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](n?curses(w)?/)?(n?curses|term|panel|menu|form|curses_?[a-z]*)\.h[>"]'
while IFS= read -r hit; do
  fail "ncurses outside viewer/ui: $hit"
done < <(grep -rnE "$curses_inc" lib viewer tests/viewer tests/lib --include='*.c' --include='*.h' \
           | grep -v '^viewer/ui/')

curses_syms=$(mktemp)
trap 'rm -f "$curses_syms"' EXIT
for so in $(ldd "$build/forklab" 2>/dev/null | awk '/ncurses|tinfo/ {print $3}'); do
  nm -D --defined-only "$so" | awk '{print $NF}' | sed 's/@.*//'
done | sort -u >"$curses_syms"
if [ ! -s "$curses_syms" ]; then
  fail "cannot list the ncurses symbols (is $build/forklab built and linked with ncursesw?)"
fi
for a in "$core_a" "$lib_a"; do
  while read -r obj sym; do
    fail "ncurses outside viewer/ui: ${a##*/}($obj) refers to $sym"
  done < <(nm -A -u "$a" 2>/dev/null | awk '{n=split($1,p,":"); print p[n-1], $NF}' \
             | sed 's/@.*//' | sort -k2 | join -1 2 -2 1 -o 1.1,1.2 - "$curses_syms")
done
ui_defs=$(mktemp)
nm --defined-only -g "$build"/viewer/ui/*.o 2>/dev/null | awk 'NF==3 {print $3}' | sort -u >"$ui_defs"
while read -r obj sym; do
  fail "viewer/ui called from outside: libforklab.a($obj) calls $sym, defined in viewer/ui"
done < <(nm -A -u "$core_a" 2>/dev/null | awk '{n=split($1,p,":"); print p[n-1], $NF}' | sort -k2 \
           | join -1 2 -2 1 -o 1.1,1.2 - "$ui_defs")
rm -f "$ui_defs"
for t in "$build"/tests/viewer/test_*; do
  [ -x "$t" ] || continue
  ldd "$t" 2>/dev/null | grep -qE 'ncurses|tinfo' && fail "ncurses outside viewer/ui: ${t#$build/} is linked with ncurses"
done

# ---- 2. lib/ includes nothing from viewer/
while IFS=: read -r file line inc; do
  name=$(sed -E 's/.*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/' <<<"$inc")
  case "$name" in */*) ok=no;; *) [ -f "lib/$name" ] && ok=yes || ok=no;; esac
  [ $ok = yes ] || fail "lib/ reaches outside lib/: $file:$line includes \"$name\""
done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' lib/*.c lib/*.h)
core_defs=$(mktemp)
nm --defined-only -g "$core_a" 2>/dev/null | awk 'NF==3 {print $3}' | sort -u >"$core_defs"
while read -r obj sym; do
  fail "lib/ reaches outside lib/: libmp.a($obj) refers to $sym, defined by the viewer"
done < <(nm -A -u "$lib_a" 2>/dev/null | awk '{n=split($1,p,":"); print p[n-1], $NF}' | sort -k2 \
           | join -1 2 -2 1 -o 1.1,1.2 - "$core_defs")
rm -f "$core_defs"

# ---- 3. the pure core does no I/O
is_io_file() { for f in $IO_FILES; do [ "$1" = "$f" ] && return 0; done; return 1; }
pure=0
for src in viewer/core/*.c; do
  base=$(basename "$src" .c)
  is_io_file "$base" && continue
  pure=$((pure + 1))
  for hdr in "$src" "viewer/core/$base.h"; do
    [ -f "$hdr" ] || continue
    grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(unistd|fcntl|dirent|poll|termios|sys/[a-z_]+)\.h>' "$hdr" \
      | while IFS= read -r hit; do echo "check-layers: pure core does I/O: $hdr:$hit"; done
  done
  obj=$build/viewer/core/$base.o
  if [ ! -f "$obj" ]; then fail "pure core: $obj is missing"; continue; fi
  for sym in $(nm -u "$obj" | awk '{print $NF}' | grep -E "$IO_SYMS"); do
    fail "pure core does I/O: viewer/core/$base.c calls ${sym%%@*}"
  done
done
# The include hits above print from a subshell: count them again here.
if grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(unistd|fcntl|dirent|poll|termios|sys/[a-z_]+)\.h>' \
     $(for src in viewer/core/*.c viewer/core/*.h; do b=$(basename "${src%.*}"); is_io_file "$b" || echo "$src"; done) \
     >/dev/null 2>&1; then
  bad=1
fi

if [ $bad -eq 0 ]; then
  echo "check-layers: ncurses only in viewer/ui ($(wc -l <"$curses_syms") ncurses symbols checked)," \
       "lib/ stands alone, $pure pure core files do no I/O"
fi
exit $bad
