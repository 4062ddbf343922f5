#!/usr/bin/env python3
"""bench_mp.py — the Python column: the operations bench_mp.c times with
libmp, done with Python's multiprocessing (standard library only, the
'fork' start method). One line per metric, "name value unit", the median of
the repetitions; lines starting with '#' are comments.

Sizes are smaller than the C programs' where Python is slow (the value is a
rate or a time per operation, so the size does not change its meaning);
pool_map and pool_apply_async use the sizes the metric names (200000 items,
20000 tasks) at full scale.
"""
import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time

CTX = mp.get_context("fork")
POOL_WORKERS = 2
now = time.monotonic  # CLOCK_MONOTONIC: the same clock in every process


def twice(x):
    return 2 * x


# ------------------------------------------------------------- start gate
class Gate:
    """Workers say ready on one pipe and block on the other until the parent
    has noted the start time, so group benchmarks time the work, not the
    forks (the same gate as bench_util.h)."""

    def __init__(self, n):
        self.n = n
        self.ready = os.pipe()
        self.go = os.pipe()

    def wait(self):
        os.write(self.ready[1], b"r")
        if os.read(self.go[0], 1) != b"g":
            raise SystemExit("gate closed")

    def open(self):
        got = 0
        while got < self.n:
            b = os.read(self.ready[0], self.n - got)
            if not b:
                raise SystemExit("a worker died")
            got += len(b)
        t0 = now()
        os.write(self.go[1], b"g" * self.n)
        return t0

    def close(self):
        for fd in self.ready + self.go:
            os.close(fd)


def run_group(targets):
    """Starts one process per (function, args), opens the gate, joins them;
    each target writes its end time into ends[index]. Returns seconds from
    the start to the last end."""
    gate = Gate(len(targets))
    ends = CTX.RawArray("d", len(targets))
    procs = [CTX.Process(target=_group_body, args=(gate, ends, i, f, a)) for i, (f, a) in enumerate(targets)]
    for p in procs:
        p.start()
    t0 = gate.open()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"worker failed: exit code {p.exitcode}")
    gate.close()
    return max(ends) - t0


def _group_body(gate, ends, i, f, args):
    gate.wait()
    f(*args)
    ends[i] = now()


# ---------------------------------------------------------------- metrics
def noop():
    pass


def m_spawn(n):
    t0 = now()
    for _ in range(n):
        p = CTX.Process(target=noop)
        p.start()
        p.join()
    return (now() - t0) / n * 1e6


def m_lock_uncontended(n):
    lock = CTX.Lock()
    acquire, release = lock.acquire, lock.release
    t0 = now()
    for _ in range(n):
        acquire()
        release()
    return (now() - t0) / n * 1e9


def _count(lock, counter, n):
    for _ in range(n):
        with lock:
            counter.value += 1


def m_lock_contended(n):
    lock = CTX.Lock()
    counter = CTX.RawValue("q", 0)
    secs = run_group([(_count, (lock, counter, n))] * 2)
    if counter.value != 2 * n:
        raise SystemExit(f"counter {counter.value}, expected {2 * n}")
    return 2 * n / secs


def m_value_rw(n):
    v = CTX.Value("d", 0.0)  # synchronized, as Value() is by default
    total = 0.0
    t0 = now()
    for i in range(n):
        v.value = i
        total += v.value
    ns = (now() - t0) / n * 1e9
    if total != n * (n - 1) / 2:
        raise SystemExit("value sum")
    return ns


def _echo(conn, other):
    other.close()
    try:
        while True:
            conn.send_bytes(conn.recv_bytes())
    except EOFError:
        pass


def conn_rtt(n, size):
    a, b = CTX.Pipe()
    p = CTX.Process(target=_echo, args=(b, a))
    p.start()
    b.close()
    msg = b"0123456789abcdef0123456789abcdef0123456789"[:size]
    for _ in range(10):
        a.send_bytes(msg)
        a.recv_bytes()
    t0 = now()
    for _ in range(n):
        a.send_bytes(msg)
        if a.recv_bytes() != msg:
            raise SystemExit("echo")
    us = (now() - t0) / n * 1e6
    a.close()
    p.join()
    return us


def m_pipe_pingpong(n):
    return conn_rtt(n, 8)


CHUNK = 64 * 1024


def _sink(r, s, ack, n):
    s.close()
    for _ in range(n):
        if len(r.recv_bytes()) != CHUNK:
            raise SystemExit("short message")
    ack.send_bytes(b"k")


def m_pipe_throughput(n):
    r, s = CTX.Pipe(duplex=False)
    ack_r, ack_s = CTX.Pipe(duplex=False)
    p = CTX.Process(target=_sink, args=(r, s, ack_s, n))
    p.start()
    r.close()
    buf = b"x" * CHUNK
    t0 = now()
    for _ in range(n):
        s.send_bytes(buf)
    if ack_r.recv_bytes() != b"k":
        raise SystemExit("no ack")
    secs = now() - t0
    s.close()
    p.join()
    return n * CHUNK / 1e6 / secs


def _produce(q, n):
    for i in range(n):
        q.put(i.to_bytes(8, "little"))


def _consume(q, n, sums, k):
    s = 0
    for _ in range(n):
        s += int.from_bytes(q.get(), "little")
    sums[k] = s


def queue_group(n, np_, nc):
    n -= n % (np_ * nc)
    q = CTX.Queue()
    sums = CTX.RawArray("q", nc)
    targets = [(_produce, (q, n // np_))] * np_ + [(_consume, (q, n // nc, sums, k)) for k in range(nc)]
    secs = run_group(targets)
    per = n // np_
    if sum(sums) != np_ * per * (per - 1) // 2:
        raise SystemExit("queue lost or duplicated items")
    return n / secs


def m_queue_1p1c(n):
    return queue_group(n, 1, 1)


def m_queue_2p2c(n):
    return queue_group(n, 2, 2)


def m_pool_map(n):
    with CTX.Pool(POOL_WORKERS) as pool:
        pool.apply(twice, (1,))  # workers are up
        data = list(range(n))
        t0 = now()
        out = pool.map(twice, data)
        secs = now() - t0
    if out != [2 * x for x in data]:
        raise SystemExit("map result")
    return n / secs


def m_pool_apply_async(n):
    with CTX.Pool(POOL_WORKERS) as pool:
        pool.apply(twice, (1,))
        t0 = now()
        rs = [pool.apply_async(twice, (i,)) for i in range(n)]
        out = [r.get() for r in rs]
        secs = now() - t0
    if out != [2 * i for i in range(n)]:
        raise SystemExit("apply_async result")
    return n / secs


def m_pool_apply_latency(n):
    with CTX.Pool(POOL_WORKERS) as pool:
        pool.apply(twice, (1,))
        t0 = now()
        for i in range(n):
            if pool.apply(twice, (i,)) != 2 * i:
                raise SystemExit("apply result")
        return (now() - t0) / n * 1e6


def _dict_setter(d, n, out):
    d["warm"] = 0.0
    t0 = now()
    for i in range(n):
        d["key"] = i + 0.5
    out.value = (now() - t0) / n * 1e6


def m_manager_dict_set(n):
    with CTX.Manager() as m:
        d = m.dict()
        out = CTX.RawValue("d", 0.0)
        p = CTX.Process(target=_dict_setter, args=(d, n, out))
        p.start()
        p.join()
        if p.exitcode != 0 or d["key"] != n - 1 + 0.5:
            raise SystemExit("manager dict set failed")
        return out.value


# name, unit, size at scale 1, smallest size, function
METRICS = [
    ("proc_spawn_join_us", "us", 300, 5, m_spawn),
    ("lock_uncontended_ns", "ns", 500000, 1000, m_lock_uncontended),
    ("lock_contended_ops_s", "ops/s", 50000, 1000, m_lock_contended),
    ("value_rw_ns", "ns", 500000, 1000, m_value_rw),
    ("pipe_pingpong_us", "us", 5000, 20, m_pipe_pingpong),
    ("pipe_throughput_MBps", "MB/s", 4000, 10, m_pipe_throughput),
    ("queue_msgs_s", "msgs/s", 50000, 1000, m_queue_1p1c),
    ("queue_msgs_s_2p2c", "msgs/s", 50000, 1000, m_queue_2p2c),
    ("pool_map_tasks_s", "items/s", 200000, 400, m_pool_map),
    ("pool_apply_async_tasks_s", "tasks/s", 20000, 50, m_pool_apply_async),
    ("pool_apply_latency_us", "us", 2000, 10, m_pool_apply_latency),
    ("manager_dict_set_us", "us", 2000, 10, m_manager_dict_set),
]


def selected(only, name):
    if not only:
        return True
    for pat in only.split(","):
        if pat == name or (pat.endswith("*") and name.startswith(pat[:-1])):
            return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--pin", action="store_true", help="every process on CPU 0")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--scale", type=float)
    ap.add_argument("--only", help="comma-separated names; a trailing * matches a prefix")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    scale, reps = 1.0, 3
    if a.quick:
        scale, reps = 0.1, 1
    if a.tiny:
        scale, reps = 0.002, 1
    scale = a.scale if a.scale else scale
    reps = a.reps if a.reps else reps
    if a.list:
        for name, unit, *_ in METRICS:
            print(name, unit)
        return 0
    if a.pin:
        os.sched_setaffinity(0, {0})
    print(f"# python {sys.version.split()[0]} scale={scale:g} reps={reps} pin={int(a.pin)}", flush=True)
    for name, unit, base, smallest, fn in METRICS:
        if not selected(a.only, name):
            continue
        n = max(smallest, int(base * scale))
        v = statistics.median(fn(n) for _ in range(reps))
        print(f"{name} {v:.6g} {unit}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
