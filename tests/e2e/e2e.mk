# tests/e2e/e2e.mk — end-to-end tests: the real forklab in a private tmux
# server (tests/e2e/lib.sh). Each script prints "N passed, N failed" and
# appends "e2e-NAME TESTED PASSED FAILED" to $(BUILD)/test-logs/counts.

E2E_SCRIPTS := $(sort $(wildcard tests/e2e/test_*.sh))
E2E_TIMEOUT ?= 120

# A program that crashes on purpose, for the live view's crash display.
E2E_CRASH := $(BUILD)/e2e/crash
$(E2E_CRASH): tests/e2e/crash.c $(LIBMP_A)
	@mkdir -p $(@D)
	$(LINK_MP)

# A raw client of the class board (malformed requests, load).
E2E_CLASS_PROBE := $(BUILD)/e2e/class_probe
$(E2E_CLASS_PROBE): tests/e2e/class_probe.c $(LIBFORKLAB_A) $(LIBMP_A) $(VIEWER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(VIEWER_INC) -o $@ $< $(LIBFORKLAB_A) $(LIBMP_A) $(VIEWER_NOUI_LDLIBS)

# Raw follow-the-instructor messages and a hostile class server (test_present.sh).
E2E_PRESENT_PROBE := $(BUILD)/e2e/present_probe
$(E2E_PRESENT_PROBE): tests/e2e/present_probe.c $(LIBFORKLAB_A) $(LIBMP_A) $(VIEWER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(VIEWER_INC) -o $@ $< $(LIBFORKLAB_A) $(LIBMP_A) $(VIEWER_NOUI_LDLIBS)
all: $(E2E_PRESENT_PROBE)

# Two children printing a letter each, for the controlled-run tests.
E2E_TWO := $(BUILD)/e2e/two
$(E2E_TWO): tests/e2e/two.c $(LIBMP_A)
	@mkdir -p $(@D)
	$(LINK_MP)
all: $(E2E_TWO)

# Explorer fixtures: opposite lock orders (deadlocks in some orders), a child that never ends.
E2E_LOCKORDER := $(BUILD)/e2e/lockorder
E2E_SPIN := $(BUILD)/e2e/spin
$(E2E_LOCKORDER) $(E2E_SPIN): $(BUILD)/e2e/%: tests/e2e/%.c $(LIBMP_A)
	@mkdir -p $(@D)
	$(LINK_MP)
all: $(E2E_LOCKORDER) $(E2E_SPIN) $(E2E_CRASH)

.PHONY: test-e2e
test-e2e: $(FORKLAB) $(LESSON_BINS) $(E2E_CRASH) $(E2E_TWO) $(E2E_LOCKORDER) $(E2E_SPIN) $(E2E_CLASS_PROBE) $(E2E_PRESENT_PROBE)
	@if ! command -v tmux >/dev/null; then echo "test-e2e: tmux is missing (make deps)"; exit 1; fi
	@# the explorer's --json output is checked with Python's json parser
	@command -v python3 >/dev/null 2>&1 || bash tests/deps.sh python3
	@rc=0; for t in $(E2E_SCRIPTS); do \
	  n=$$(basename $$t .sh); n=$${n#test_}; \
	  echo "---- e2e $$n"; \
	  BUILD=$(BUILD) timeout -k 5 $(E2E_TIMEOUT) bash $$t; st=$$?; \
	  if [ $$st -ge 124 ]; then \
	    echo "e2e-$$n: killed after $(E2E_TIMEOUT)s"; \
	    echo "e2e-$$n 1 0 1" >>$(BUILD)/test-logs/counts; \
	  fi; \
	  [ $$st -eq 0 ] || rc=1; \
	done; exit $$rc
TEST_STEPS += test-e2e
