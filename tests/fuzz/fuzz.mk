# tests/fuzz/fuzz.mk — libFuzzer targets (clang -fsanitize=fuzzer).
#
# Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput and is linked
# with the library sources plus FUZZ_EXTRA_fuzz_NAME; its seed inputs live
# in tests/fuzz/corpus/fuzz_NAME/. `make fuzz` runs each for FUZZ_SECONDS
# from a random seed, to find new bugs; `make test` runs each for
# FUZZ_SMOKE_SECONDS when clang is installed, from the fixed seed
# FUZZ_SMOKE_SEED, so that a test run does not fail by the luck of the draw
# (a crash `make fuzz` finds goes into the corpus as a regression input).

CLANG ?= clang
FUZZ_SECONDS ?= 120
FUZZ_SMOKE_SECONDS ?= 15
FUZZ_SMOKE_SEED ?= 1
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -g -O1
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

# Extra sources (and libraries) per target.
FUZZ_EXTRA_fuzz_frame :=
# The handshake both sides of the manager and the class board run.
FUZZ_EXTRA_fuzz_auth :=
FUZZ_EXTRA_fuzz_lesson := $(wildcard viewer/core/*.c)
FUZZ_EXTRA_fuzz_model := $(wildcard viewer/core/*.c) viewer/out/dump.c viewer/out/dump_mpi.c viewer/out/export.c
FUZZ_EXTRA_fuzz_layout := $(wildcard viewer/core/*.c)
# viewer/core is one library: each target takes all of it (the linker keeps
# what it needs), so splitting a core file never breaks a fuzz build.
FUZZ_EXTRA_fuzz_sched := $(wildcard viewer/core/*.c)
# The class board: its log read and followed, its rows, join codes.
FUZZ_EXTRA_fuzz_classlog := viewer/out/class_board.c viewer/out/class_rows.c viewer/out/class_net.c
FUZZ_LIBS_fuzz_lesson = $(YAML_LIBS)
FUZZ_LIBS_fuzz_model = $(YAML_LIBS)
FUZZ_LIBS_fuzz_layout = $(YAML_LIBS)
FUZZ_LIBS_fuzz_sched = $(YAML_LIBS)
FUZZ_EXTRA_fuzz_present := $(wildcard viewer/core/*.c)
FUZZ_LIBS_fuzz_present = $(YAML_LIBS)

# Every viewer source is a prerequisite: a target links the sources it
# needs from there, and a stale fuzzer would test yesterday's code.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(LIB_HDRS) $(wildcard viewer/*/*.c viewer/*/*.h) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(CSTD) $(WARN) $(BASE_CPPFLAGS) $(VIEWER_INC) -pthread $(FUZZ_FLAGS) -o $@ $< $(LIB_SRCS) \
	  $(FUZZ_EXTRA_$*) $(FUZZ_LIBS_$*) $(LIB_LDLIBS)

# run_fuzz(seconds, extra flags): every target, each with its corpus copied to build/
define run_fuzz
	@if ! command -v $(CLANG) >/dev/null; then echo "fuzz: $(CLANG) not installed, skipped"; exit 0; fi; \
	rc=0; for f in $(FUZZ_BINS); do n=$$(basename $$f); \
	  mkdir -p $(BUILD)/fuzz/corpus-$$n; cp -r tests/fuzz/corpus/$$n/. $(BUILD)/fuzz/corpus-$$n/ 2>/dev/null; \
	  echo "fuzz: $$n for $(1) s"; \
	  if ! timeout -s KILL $$(( $(1) + 60 )) $$f -max_total_time=$(1) -timeout=5 -rss_limit_mb=2048 $(2) \
	       -artifact_prefix=$(BUILD)/fuzz/$$n- $(BUILD)/fuzz/corpus-$$n >$(BUILD)/fuzz/$$n.log 2>&1; then \
	    echo "fuzz: $$n FAILED"; tail -n 40 $(BUILD)/fuzz/$$n.log; rc=1; \
	  else grep -a 'Done [0-9]* runs' $(BUILD)/fuzz/$$n.log | tail -1 | sed "s/^/fuzz: $$n: /"; fi; \
	done; exit $$rc
endef

.PHONY: fuzz test-fuzz
fuzz: $(if $(shell command -v $(CLANG)),$(FUZZ_BINS))
	$(call run_fuzz,$(FUZZ_SECONDS))

test-fuzz: $(if $(shell command -v $(CLANG)),$(FUZZ_BINS))
	$(call run_fuzz,$(FUZZ_SMOKE_SECONDS),-seed=$(FUZZ_SMOKE_SEED))

TEST_STEPS += test-fuzz
