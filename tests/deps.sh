#!/usr/bin/env bash
# deps.sh PKG... — make sure the Debian packages the build needs are installed.
# As root it installs what is missing with apt-get; otherwise it prints the
# exact command to run and fails, so nobody is left guessing.
set -u
command -v dpkg-query >/dev/null 2>&1 || { echo "forklab: no dpkg here; install the equivalents of: $*" >&2; exit 0; }
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "forklab: missing packages: ${missing[*]}" >&2
  echo "forklab: run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "forklab: installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "forklab: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || { echo "forklab: apt-get install ${missing[*]} failed" >&2; exit 1; }
echo "forklab: installed ${missing[*]}"
