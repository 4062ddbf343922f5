# bench/bench.mk — side-by-side benchmarks: Python multiprocessing, libmp
# and the raw system calls, run interleaved; see bench/README.md.
#
#   make bench           full run (unpinned); PIN=1 pins every process to CPU 0,
#                        PIN=both runs unpinned then pinned
#   make bench-quick     the same in under 30 s
#   make test-bench      smoke check (tiny sizes, no timing assertion)
#
# The bench programs are not part of `all`: they are built when asked for.

BENCH_DIR  := $(BUILD)/bench
BENCH_HDRS := bench/bench_util.h $(LIB_HDRS)
BENCH_BINS := $(BENCH_DIR)/bench_mp $(BENCH_DIR)/bench_raw $(BENCH_DIR)/bench_trace
BENCH_PY   := bench/bench_mp.py
BENCH_ROUNDS ?= 3
PIN ?= 0
BENCH_ARGS = --build $(BUILD) --rounds $(BENCH_ROUNDS)
# PIN=1: pinned only; PIN=both: unpinned, then pinned
BENCH_RUN = $(if $(filter both,$(PIN)),python3 bench/run.py $(BENCH_ARGS) $(1) && python3 bench/run.py $(BENCH_ARGS) --pin $(1),python3 bench/run.py $(BENCH_ARGS) $(if $(filter 1,$(PIN)),--pin) $(1))

# libmp is linked whole so that the weak references bench_mp.c makes (to
# parts of the library that may not be built yet) resolve when they exist;
# --as-needed: libcrypto is not linked (libmp loads it for TCP managers only).
$(BENCH_DIR)/bench_mp: bench/bench_mp.c $(BENCH_HDRS) $(LIBMP_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< -Wl,--whole-archive $(LIBMP_A) -Wl,--no-whole-archive -Wl,--as-needed $(LIB_LDLIBS)

$(BENCH_DIR)/bench_trace: bench/bench_trace.c $(BENCH_HDRS) $(LIBMP_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< -Wl,--whole-archive $(LIBMP_A) -Wl,--no-whole-archive -Wl,--as-needed $(LIB_LDLIBS)

$(BENCH_DIR)/bench_raw: bench/bench_raw.c $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< -lpthread -lm

.PHONY: bench bench-quick bench-bins bench-python test-bench
bench-bins: $(BENCH_BINS)

# python3 is needed by the bench targets only, so it is not in DEB_PKGS.
bench-python:
	@command -v python3 >/dev/null 2>&1 || bash tests/deps.sh python3

bench: bench-bins bench-python
	@$(call BENCH_RUN,)

bench-quick: bench-bins bench-python
	@$(call BENCH_RUN,--quick)

# Smoke check: every program runs at tiny sizes and prints every metric
# with a number; the Python part only when python3 is there.
test-bench: bench-bins
	@BUILD=$(BUILD) bash bench/smoke.sh $(BENCH_DIR)

TEST_STEPS += test-bench

# The manager's dict delete, in the store and through a call (issue note
# figures); not part of the table. `make bench-manager-del`
$(BENCH_DIR)/bench_manager_del: bench/bench_manager_del.c $(BENCH_HDRS) $(LIBMP_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ilib -o $@ $< $(LIBMP_A) $(LIB_LDLIBS)

.PHONY: bench-manager-del
bench-manager-del: $(BENCH_DIR)/bench_manager_del
	$(BENCH_DIR)/bench_manager_del

# Controlled runs (the gate): operations granted per second and whole runs
# per second; the gate's cost outside controlled runs is in bench_mp's
# lock_uncontended_ns / value_rw_ns (see bench/README.md).
$(BENCH_DIR)/gate_ops: bench/gate_ops.c $(LIBMP_A)
	@mkdir -p $(@D)
	$(LINK_MP)

.PHONY: bench-gate
bench-gate: $(BENCH_DIR)/gate_ops $(FORKLAB) $(BUILD)/e2e/two
	@bash bench/gate.sh $(BUILD)

# forklab explore: runs per second of a 2-process, 10-operation example
# (gate_ops 5) with -j 1/2/4, and the time to exhaust the race lesson.
.PHONY: bench-explore
bench-explore: $(BENCH_DIR)/gate_ops $(FORKLAB) $(LESSON_BINS)
	@bash bench/explore.sh $(BUILD)
