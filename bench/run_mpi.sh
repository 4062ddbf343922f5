#!/usr/bin/env bash
# run_mpi.sh [--quick|--tiny] [--pin] [--build DIR] — MPI ping-pong and
# bandwidth (bench_mpi on 2 ranks) over shared memory (Open MPI's vader
# transport) and over TCP (--mca btl tcp,self, what crosses machines),
# beside libmp's pipe and the raw socketpair (bench_mp, bench_raw: the
# same 8-byte round trip and 64 KiB one-way stream). Interleaved rounds,
# median of the rounds (--rounds N, default 3); --pin binds every rank (and
# bench_mp, bench_raw) to CPU 0. Prints a table and writes
# BUILD/bench/bench-mpi[-pinned].txt.
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
# and the other gets the CPU only when the poller's time slice ends (a
# --quick pinned run passed 20 s here, full ones 120 s). Open MPI turns on
# yielding by itself only when it sees more ranks than cores, which a
# taskset it does not bind hides from it; so pinned runs set
# mpi_yield_when_idle 1 (a waiting rank calls sched_yield between polls)
# and the table says so. Unpinned runs keep the default (pure polling).
mpisize=$size
dir=$build/bench
mpidir=$(mktemp -d /tmp/forklab-mpi.$$.XXXXXX)
trap 'rm -rf "$mpidir"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun_=(mpirun -np 2 --oversubscribe --mca orte_tmpdir_base "$mpidir" --mca btl_vader_backing_directory "$mpidir")
if [ $pin -eq 1 ]; then mpirun_+=(--bind-to none --mca mpi_yield_when_idle 1); taskset_=(taskset -c 0); else taskset_=(); fi

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
load0=$(cut -d' ' -f1 /proc/loadavg)
for ((r = 0; r < rounds; r++)); do
  run shm "${taskset_[@]}" "${mpirun_[@]}" --mca btl self,vader --mca btl_vader_single_copy_mechanism none "$dir/bench_mpi" $mpisize
  run tcp "${taskset_[@]}" "${mpirun_[@]}" --mca btl tcp,self "$dir/bench_mpi" $mpisize
  run libmp "${taskset_[@]}" "$dir/bench_mp" $size --only pipe_pingpong_us,pipe_throughput_MBps
  run raw "${taskset_[@]}" "$dir/bench_raw" $size --only pipe_pingpong_us,pipe_throughput_MBps
done
med() { tr ' ' '\n' <<<"${samples[$1]:-}" | grep . | sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
out=$dir/bench-mpi$([ $pin -eq 1 ] && echo -pinned)$([ -n "$size" ] && echo "${size/--/-}").txt
mkdir -p "$dir"
{
  echo "MPI vs libmp ($([ $pin -eq 1 ] && echo "pinned to CPU 0, ranks with mpi_yield_when_idle 1" || echo "unpinned, ranks polling"), median of $rounds rounds, $(date -u +%FT%TZ), 1-min load $load0 at the start, $(cut -d' ' -f1 /proc/loadavg) at the end)"
  printf '%-28s %12s %12s %12s %12s\n' "" "MPI shm" "MPI tcp" "libmp pipe" "raw socketpair"
  printf '%-28s %12s %12s %12s %12s\n' "round trip 8 B (us)" "$(med shm:mpi_pingpong_us)" "$(med tcp:mpi_pingpong_us)" \
    "$(med libmp:pipe_pingpong_us)" "$(med raw:pipe_pingpong_us)"
  printf '%-28s %12s %12s %12s %12s\n' "one way 64 KiB (MB/s)" "$(med shm:mpi_throughput_MBps)" "$(med tcp:mpi_throughput_MBps)" \
    "$(med libmp:pipe_throughput_MBps)" "$(med raw:pipe_throughput_MBps)"
  # a run that did not finish in 120 s (polling ranks on a busy machine) gives no sample
  n() { tr ' ' '\n' <<<"${samples[$1]:-}" | grep -c .; }
  echo "rounds finished in 120 s: MPI shm $(n shm:mpi_pingpong_us)/$rounds, MPI tcp $(n tcp:mpi_pingpong_us)/$rounds," \
    "libmp $(n libmp:pipe_pingpong_us)/$rounds, raw $(n raw:pipe_pingpong_us)/$rounds"
} | tee "$out"
