# bench/bench_mpi.mk — MPI ping-pong and bandwidth (shared memory and TCP)
# beside libmp's pipe and the raw socketpair; `make bench` runs it first.
#   make bench-mpi [PIN=1|both]   make bench-mpi-quick   (test-bench-mpi: smoke)

BENCH_MPI := $(BENCH_DIR)/bench_mpi

$(BENCH_MPI): bench/bench_mpi.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MPICC) $(CSTD) $(WARN) $(OPT) -o $@ $<

BENCH_MPI_RUN = $(if $(filter both,$(PIN)),bash bench/run_mpi.sh --build $(BUILD) $(1) && bash bench/run_mpi.sh --build $(BUILD) --pin $(1),bash bench/run_mpi.sh --build $(BUILD) $(if $(filter 1,$(PIN)),--pin) $(1))

.PHONY: bench-mpi bench-mpi-quick test-bench-mpi
bench: bench-mpi
bench-quick: bench-mpi-quick
bench-mpi: $(BENCH_MPI) bench-bins
	@$(call BENCH_MPI_RUN,)
bench-mpi-quick: $(BENCH_MPI) bench-bins
	@$(call BENCH_MPI_RUN,--quick)

# Smoke: tiny sizes, every cell has a number (no timing asserted).
test-bench-mpi: $(BENCH_MPI) bench-bins
	@out=$$(bash bench/run_mpi.sh --build $(BUILD) --tiny 2>&1); echo "$$out" | sed 's/^/bench-mpi: /'; \
	n=$$(echo "$$out" | grep -E '^(round trip|one way)' | grep -Ec '( +[0-9.]+){4} *$$'); \
	mkdir -p $(BUILD)/test-logs; \
	if [ "$$n" -eq 2 ]; then echo "bench-mpi 1 1 0" >>$(BUILD)/test-logs/counts; \
	else echo "bench-mpi: a cell has no number"; echo "bench-mpi 1 0 1" >>$(BUILD)/test-logs/counts; exit 1; fi
TEST_STEPS += test-bench-mpi
