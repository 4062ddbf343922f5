# forklab — top-level build.
#
# Each part of the tree keeps its own rules in a fragment beside its code
# (lib/lib.mk, lessons/lessons.mk, viewer/viewer.mk, tests/tests.mk,
# exercises/exercises.mk, bench/bench.mk); this file holds what they share:
# flags, the dependency check and the test driver.
#
#   make            build everything into build/
#   make run        build, then open the viewer (the main job)
#   make test       install what is missing, build, run every suite
#   make grade      grade the exercises (EX=06 for one, SOLUTIONS=1 for the solutions)
#   make bench      benchmarks side by side (bench-quick for a short run)
#   make fuzz       run the libFuzzer targets (needs clang)
#   make install PREFIX=/usr/local

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD   ?= build
PREFIX  ?= /usr/local
# The version is MP_VERSION in lib/mp.h (installed with the header), read here.
VERSION := $(shell sed -n 's/^#define MP_VERSION "\(.*\)"/\1/p' lib/mp.h)

CC      ?= cc
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Werror
CSTD    := -std=c11
# _GNU_SOURCE: pidfd, memfd, pipe2, clock_nanosleep etc.; the code is Linux-only.
BASE_CPPFLAGS := -D_GNU_SOURCE -Ilib
ALL_CFLAGS = $(CSTD) $(WARN) $(OPT) $(BASE_CPPFLAGS) -pthread $(CFLAGS)
LIB_LDLIBS := -lcrypto -lpthread -lm

# Sanitizer flavour used for the second pass of the library suites.
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

# Packages every target needs on Debian 12. `make deps` installs the missing
# ones as root, or prints the exact command and stops.
# openmpi-bin libopenmpi-dev: the MPI chapter (mpicc, mpirun, the PMPI tracer).
DEB_PKGS := pkg-config libncurses-dev libyaml-dev libcriterion-dev libssl-dev tmux bubblewrap openmpi-bin libopenmpi-dev

# The test driver runs these targets in order (fragments append to it) and
# keeps going after a failure so that one run shows every problem.
TEST_STEPS :=

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps run test test-steps clean install
all:

deps: $(DEPS_STAMP)

$(DEPS_STAMP): Makefile
	@bash tests/deps.sh $(DEB_PKGS)
	@mkdir -p $(@D) && touch $@

# Headers every test suite may include: set before the fragments, whose
# rules take their prerequisites as they are read (viewer.mk's test rules
# come before tests.mk).
TEST_HDRS := $(wildcard tests/lib/*.h tests/viewer/*.h)

include lib/lib.mk
include lib/mpitrace.mk
include lessons/lessons.mk
include viewer/viewer.mk
include tests/tests.mk
include exercises/exercises.mk
include bench/bench.mk
include bench/bench_mpi.mk
include tests/fuzz/fuzz.mk
include tests/mpi/mpi.mk
-include tests/e2e/e2e.mk
# Last: nothing of ours left behind after every other step.
TEST_STEPS += check-leftovers

# ---- make install PREFIX=...: libmp and forklab (lib/lib.mk), and what an
# installed forklab needs to work from any folder. It finds these from its
# own location (viewer/core/workspace.c), so the prefix can be anything:
#   PREFIX/share/forklab     lessons (YAML + example sources), exercise stubs,
#                            hints, the graders and the headers they build with
#   PREFIX/libexec/forklab   the built examples, libmp.a and the model object
#                            the graders link (same layout as BUILD)
# `forklab init DIR` then gives each learner a workspace of their own.
DATADIR := $(PREFIX)/share/forklab
LIBEXECDIR := $(PREFIX)/libexec/forklab
INSTALL_DATA_FILES = $(wildcard lessons/*.yaml lessons/[0-9]*.c lessons/README.md) \
  $(EX_SRCS) $(wildcard exercises/*.h) exercises/hints.txt exercises/README.md \
  tests/exercises/harness.c tests/exercises/harness.h $(wildcard tests/exercises/test_[0-9]*.c) \
  $(wildcard tests/exercises/sandbox.sh) $(wildcard tests/exercises/mpi/grade-mpi.sh) \
  tests/lib/testutil.h $(LIB_HDRS) $(wildcard viewer/core/*.h)
INSTALL_BUILT_FILES = $(LESSON_BINS) $(GRADE_DEPS)

.PHONY: install-data
install: install-data
install-data: $(FORKLAB) $(INSTALL_BUILT_FILES)
	@set -e; for f in $(INSTALL_DATA_FILES); do \
	  install -D -m 644 $$f $(DESTDIR)$(DATADIR)/$$f; done
	install -D -m 755 tests/exercises/grade.sh $(DESTDIR)$(DATADIR)/tests/exercises/grade.sh
	@set -e; for f in $(INSTALL_BUILT_FILES); do \
	  rel=$${f#$(BUILD)/}; mode=644; [ -x $$f ] && mode=755; \
	  install -D -m $$mode $$f $(DESTDIR)$(LIBEXECDIR)/$$rel; done
	@echo "installed forklab in $(DESTDIR)$(PREFIX): bin/forklab, share/forklab, libexec/forklab"

test: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all
	@bash tests/driver.sh $(TEST_STEPS)

run: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all
	@$(RUN_CMD)

clean:
	rm -rf $(BUILD)
