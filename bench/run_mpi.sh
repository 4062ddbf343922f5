#!/usr/bin/env bash
# run_mpi.sh [--quick|--tiny] [--pin] [--build DIR] — MPI ping-pong and
# bandwidth (bench_mpi on 2 ranks) over shared memory (Open MPI's vader
# transport) and over TCP (--mca btl tcp,self, what crosses machines),
# beside libmp's pipe and the raw socketpair (bench_mp, bench_raw: the
# same 8-byte round trip and 64 KiB one-way stream). Interleaved rounds,
# median of the rounds; --pin binds every rank (and bench_mp, bench_raw)
# to CPU 0. Prints a table and writes BUILD/bench/bench-mpi[-pinned].txt.
set -u
cd "$(dirname "$0")/.." || exit 2
build=build size="" pin=0 rounds=3
while [ $# -gt 0 ]; do
  case $1 in
    --quick|--tiny) size=$1 ;;
    --pin) pin=1 ;;
    --build) build=$2; shift ;;
    --rounds) rounds=$2; shift ;;
  esac
  shift
done
[ "$size" = --tiny ] && rounds=1
# Pinned, both ranks share CPU 0: an MPI rank waiting for a message polls,
# and the other gets the CPU only when the poller's time slice ends (runs
# of minutes, measured here). So MPI is measured unpinned only; --pin
# times libmp and the raw limit alone and leaves the MPI cells empty.
mpisize=$size
dir=$build/bench
mpidir=$(mktemp -d /tmp/forklab-mpi.$$.XXXXXX)
trap 'rm -rf "$mpidir"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun_=(mpirun -np 2 --oversubscribe --mca orte_tmpdir_base "$mpidir" --mca btl_vader_backing_directory "$mpidir")
if [ $pin -eq 1 ]; then mpirun_+=(--bind-to none); taskset_=(taskset -c 0); else taskset_=(); fi

declare -A samples
add() { samples[$1]="${samples[$1]:-} $2"; }
# run COLUMN CMD...: every "name value unit" line of the output is a sample.
run() {
  local col=$1; shift
  local out
  out=$(timeout -s TERM -k 5 120 "$@" 2>/dev/null) || { echo "bench-mpi: $col failed: $*" >&2; return 1; }
  while read -r name value unit; do
    [[ $value =~ ^[0-9.]+$ ]] && add "$col:$name" "$value"
  done <<<"$out"
}
for ((r = 0; r < rounds; r++)); do
  [ $pin -eq 0 ] && run shm "${taskset_[@]}" "${mpirun_[@]}" --mca btl self,vader --mca btl_vader_single_copy_mechanism none "$dir/bench_mpi" $mpisize
  [ $pin -eq 0 ] && run tcp "${taskset_[@]}" "${mpirun_[@]}" --mca btl tcp,self "$dir/bench_mpi" $mpisize
  run libmp "${taskset_[@]}" "$dir/bench_mp" $size --only pipe_pingpong_us,pipe_throughput_MBps
  run raw "${taskset_[@]}" "$dir/bench_raw" $size --only pipe_pingpong_us,pipe_throughput_MBps
done
med() { tr ' ' '\n' <<<"${samples[$1]:-}" | grep . | sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
out=$dir/bench-mpi$([ $pin -eq 1 ] && echo -pinned)$([ -n "$size" ] && echo "${size/--/-}").txt
mkdir -p "$dir"
{
  echo "MPI vs libmp ($([ $pin -eq 1 ] && echo "pinned to CPU 0" || echo unpinned), median of $rounds rounds, $(date -u +%FT%TZ))"
  printf '%-28s %12s %12s %12s %12s\n' "" "MPI shm" "MPI tcp" "libmp pipe" "raw socketpair"
  printf '%-28s %12s %12s %12s %12s\n' "round trip 8 B (us)" "$(med shm:mpi_pingpong_us)" "$(med tcp:mpi_pingpong_us)" \
    "$(med libmp:pipe_pingpong_us)" "$(med raw:pipe_pingpong_us)"
  printf '%-28s %12s %12s %12s %12s\n' "one way 64 KiB (MB/s)" "$(med shm:mpi_throughput_MBps)" "$(med tcp:mpi_throughput_MBps)" \
    "$(med libmp:pipe_throughput_MBps)" "$(med raw:pipe_throughput_MBps)"
} | tee "$out"
