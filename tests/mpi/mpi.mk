# tests/mpi/mpi.mk — the MPI chapter's tests (real Open MPI, 4 ranks):
#
#   test_model_mpi   Criterion: the MPI part of the model from hand-made events
#   test_mpi.sh      the tracer on plain mpicc programs (tests/mpi/progs),
#                    forklab run --mpi on every MPI lesson, the deadlocking
#                    ring, nothing left after success/failure/kill, and
#                    per-rank files merged = the shared ring

MPI_TEST_PROGS := $(patsubst tests/mpi/progs/%.c,$(BUILD)/tests/mpi/%,$(wildcard tests/mpi/progs/*.c))
MPI_MODEL_TEST := $(BUILD)/tests/mpi/test_model_mpi
# About 40 s here; a fresh minimal Debian 12 chroot took 6 min 16 s for the
# same script: it has no /etc/hosts, the host name does not resolve, and
# every MPI_Init waits about 5 s for that (346 ms with /etc/hosts). The
# bound is for a hang, not for speed.
MPI_TEST_TIMEOUT ?= 900

all: $(MPI_TEST_PROGS) $(MPI_MODEL_TEST)

$(BUILD)/tests/mpi/%: tests/mpi/progs/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MPICC) $(CSTD) -D_GNU_SOURCE $(WARN) $(OPT) -o $@ $<

$(MPI_MODEL_TEST): tests/mpi/test_model_mpi.c $(LIBFORKLAB_A) $(LIBMP_A) $(VIEWER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(VIEWER_INC) -o $@ $< $(LIBFORKLAB_A) $(LIBMP_A) $(VIEWER_NOUI_LDLIBS) -lcriterion

.PHONY: test-mpi
test-mpi: $(MPI_MODEL_TEST) $(MPI_TEST_PROGS) $(FORKLAB) $(LIBMPTRACE) $(MPI_LESSON_BINS)
	@rc=0; BUILD=$(BUILD) bash tests/run-suite.sh mpi-model $(SUITE_TIMEOUT) $(MPI_MODEL_TEST) --jobs 2 || rc=1; \
	BUILD=$(BUILD) timeout -k 5 $(MPI_TEST_TIMEOUT) bash tests/mpi/test_mpi.sh; st=$$?; \
	if [ $$st -ge 124 ]; then echo "mpi: killed after $(MPI_TEST_TIMEOUT)s"; echo "mpi 1 0 1" >>$(BUILD)/test-logs/counts; fi; \
	[ $$st -eq 0 ] || rc=1; exit $$rc
TEST_STEPS += test-mpi

# The MPI exercises (13, 14): whole programs, graded on 4 ranks by
# tests/exercises/mpi/grade-mpi.sh, which grade.sh hands them to (so `make
# grade`, `forklab grade` and the viewer grade them with the others);
# `make grade-mpi` grades only them; test-grade-mpi proves they can fail.
.PHONY: grade-mpi test-grade-mpi
GRADE_DEPS += $(FORKLAB) $(LIBMPTRACE)
test-grade: $(LIBMPTRACE)
grade-mpi: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(FORKLAB) $(LIBMPTRACE)
	@BUILD=$(BUILD) bash tests/exercises/mpi/grade-mpi.sh $(if $(SOLUTIONS),--solutions) $(EX)

test-grade-mpi: $(FORKLAB) $(LIBMPTRACE)
	@BUILD=$(BUILD) timeout -k 5 $(MPI_TEST_TIMEOUT) bash tests/exercises/mpi/test-grade-mpi.sh
TEST_STEPS += test-grade-mpi
