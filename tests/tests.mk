# tests/tests.mk — Criterion suites and the steps `make test` runs.
#
# Every tests/lib/test_*.c is one suite binary, built twice: plain and with
# ASan+UBSan. Shared helpers for suites live in tests/lib/testutil.h.

CRITERION_LIBS := -lcriterion
SUITE_TIMEOUT ?= 300

LIB_TEST_SRCS := $(wildcard tests/lib/test_*.c)
LIB_TESTS := $(patsubst tests/lib/%.c,$(BUILD)/tests/lib/%,$(LIB_TEST_SRCS))
ASAN_LIB_TESTS := $(patsubst tests/lib/%.c,$(BUILD)/asan/tests/lib/%,$(LIB_TEST_SRCS))

all: $(LIB_TESTS)

# A plain libmp program that test_manager_crypto runs (built by the rule
# below, linked like a lesson): not a suite itself.
CRYPTO_PROBE := $(BUILD)/tests/lib/crypto_probe
all: $(CRYPTO_PROBE)

$(BUILD)/tests/lib/%: tests/lib/%.c $(TEST_HDRS) $(LIBMP_A)
	@mkdir -p $(@D)
	$(LINK_MP) $(CRITERION_LIBS)

$(BUILD)/asan/tests/lib/%: tests/lib/%.c $(TEST_HDRS) $(ASAN_LIBMP)
	@mkdir -p $(@D)
	$(LINK_MP_ASAN) $(CRITERION_LIBS)

# handle_segv=0: tests that expect SIGSEGV in a child must see the signal.
ASAN_ENV := ASAN_OPTIONS=handle_segv=0:detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

# run-reaper: make test's driver runs under it so that no process of the
# run can get away from check-leftovers (tests/run-reaper.c).
RUN_REAPER := $(BUILD)/tests/run-reaper
all: $(RUN_REAPER)
$(RUN_REAPER): tests/run-reaper.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(OPT) -o $@ $<

.PHONY: test-lib test-lib-asan check-leftovers test-check-leftovers
test-lib: $(LIB_TESTS) $(CRYPTO_PROBE)
	@rc=0; for t in $(LIB_TESTS); do \
	  BUILD=$(BUILD) bash tests/run-suite.sh lib-$$(basename $$t) $(SUITE_TIMEOUT) $$t --jobs 2 || rc=1; \
	done; exit $$rc

test-lib-asan: $(ASAN_LIB_TESTS) $(CRYPTO_PROBE)
	@rc=0; for t in $(ASAN_LIB_TESTS); do \
	  $(ASAN_ENV) BUILD=$(BUILD) bash tests/run-suite.sh asan-$$(basename $$t) $(SUITE_TIMEOUT) $$t --jobs 2 || rc=1; \
	done; exit $$rc

# Nothing of ours may be left: no /dev/shm entry, no Criterion socket of a
# finished run, no process running a binary from $(BUILD).
check-leftovers:
	@bash tests/check-leftovers.sh $(BUILD)

test-check-leftovers: $(RUN_REAPER)
	@BUILD=$(BUILD) bash tests/test-check-leftovers.sh

TEST_STEPS += test-lib test-lib-asan test-check-leftovers
