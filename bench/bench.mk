# bench/bench.mk — benchmarks.
