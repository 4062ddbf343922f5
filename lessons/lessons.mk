# lessons/lessons.mk — every lessons/NN-topic*.c is an example program.

# The MPI examples (they include <mpi.h>) are plain MPI programs: built
# with mpicc, without libmp, and not in the ASan pass (Open MPI's own
# allocations swamp LeakSanitizer).
MPI_LESSON_SRCS := $(shell grep -l '^\#include <mpi.h>' lessons/[0-9]*.c 2>/dev/null)
MPI_LESSON_BINS := $(patsubst lessons/%.c,$(BUILD)/lessons/%,$(MPI_LESSON_SRCS))
LESSON_SRCS := $(filter-out $(MPI_LESSON_SRCS),$(wildcard lessons/[0-9]*.c))
LESSON_BINS := $(patsubst lessons/%.c,$(BUILD)/lessons/%,$(LESSON_SRCS))
ASAN_LESSON_BINS := $(patsubst lessons/%.c,$(BUILD)/asan/lessons/%,$(LESSON_SRCS))

all: $(LESSON_BINS) $(MPI_LESSON_BINS)

$(MPI_LESSON_BINS): $(BUILD)/lessons/%: lessons/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MPICC) $(CSTD) $(WARN) $(OPT) -o $@ $<

# Extra flags for one example (target-specific: $(LESSON_EXTRA)).
LESSON_EXTRA :=

$(BUILD)/lessons/%: lessons/%.c $(LIBMP_A)
	@mkdir -p $(@D)
	$(LINK_MP) $(LESSON_EXTRA)

$(BUILD)/asan/lessons/%: lessons/%.c $(ASAN_LIBMP)
	@mkdir -p $(@D)
	$(LINK_MP_ASAN) $(LESSON_EXTRA)

# Lesson 12 compares processes, pthreads and OpenMP. -fopenmp only when the
# compiler can link it; without it the example prints "OpenMP not available".
OPENMP_FLAGS = $(shell echo 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo -fopenmp)
$(BUILD)/lessons/12-threads-vs-processes $(BUILD)/asan/lessons/12-threads-vs-processes: LESSON_EXTRA = $(OPENMP_FLAGS) -pthread

# make test-lessons: lint every lesson, then run every lesson's example
# (plain and ASan builds) and check its exit status and expected output.
.PHONY: test-lessons
# (viewer.mk, which names $(FORKLAB), is included after this file: spell it out)
test-lessons: $(BUILD)/forklab $(LESSON_BINS) $(ASAN_LESSON_BINS) $(MPI_LESSON_BINS) $(LIBMPTRACE)
	@BUILD=$(BUILD) bash lessons/check-examples.sh $(BUILD)

TEST_STEPS += test-lessons
