#!/usr/bin/env python3
"""ab.py — two builds of libmp side by side, interleaved, with Python and the
raw limit in the same rounds: each round runs A's bench_mp, B's bench_mp,
bench_mp.py and bench_raw once, so a burst of load from elsewhere hits all
four alike; prints the median of the rounds and every sample.

    python3 bench/ab.py --a /tmp/main/build --b build [--pin] [--rounds 5]
                        [--only pipe_pingpong_us,manager_dict_set_us] [--traced]

--traced adds two columns: each build's bench_mp run under its own
bench_trace (the reader draining alongside, as in run.py's traced column).

Used for the before/after tables of issue 19 in bench/README.md (A = a
build of main, B = the branch). Figures only: nothing is checked here
beyond what each program checks itself.
"""
import argparse
import collections
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TRACED = "lock_uncontended_ns,lock_contended_ops_s,queue_msgs_s,queue_msgs_s_2p2c"  # as run.py


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    vals = {}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("#") or len(parts) < 2:
            continue
        try:
            vals[parts[0]] = float(parts[1])
        except ValueError:
            pass
    return vals


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="build directory of the 'before' libmp")
    ap.add_argument("--b", required=True, help="build directory of the 'after' libmp (and bench_raw)")
    ap.add_argument("--pin", action="store_true")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--no-python", action="store_true")
    ap.add_argument("--traced", action="store_true",
                    help="also run each build's bench_mp under its own bench_trace (lock and queue metrics)")
    a = ap.parse_args()
    extra = (["--pin"] if a.pin else []) + (["--only", a.only] if a.only else [])
    cols = {
        "before": [os.path.join(a.a, "bench", "bench_mp")] + extra,
        "after": [os.path.join(a.b, "bench", "bench_mp")] + extra,
        "raw": [os.path.join(a.b, "bench", "bench_raw")] + extra,
    }
    if a.traced:
        pin = ["--pin"] if a.pin else []
        only = ["--only", a.only or TRACED]
        for col, d in (("before+trace", a.a), ("after+trace", a.b)):
            cols[col] = [os.path.join(d, "bench", "bench_trace")] + pin + [os.path.join(d, "bench", "bench_mp")] + pin + only
    if not a.no_python:
        cols["python"] = [sys.executable, os.path.join(HERE, "bench_mp.py")] + extra
    samples = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in range(a.rounds):
        for name, cmd in cols.items():
            for metric, v in run(cmd).items():
                samples[metric][name].append(v)
        print(f"# round {r + 1}/{a.rounds} done, load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    names = list(cols)
    width = {n: max(11, len(n) + 2) for n in names}
    print("metric".ljust(26) + "".join(n.rjust(width[n]) for n in names))
    for metric, d in samples.items():
        row = metric.ljust(26)
        for n in names:
            row += (f"{statistics.median(d[n]):.4g}" if d[n] else "-").rjust(width[n])
        print(row)
    print()
    for metric, d in samples.items():
        for n in names:
            print(f"  {metric} {n}: " + " ".join(f"{x:.4g}" for x in d[n]))


if __name__ == "__main__":
    main()
