# lessons/lessons.mk — every lessons/NN-topic*.c is an example program.

LESSON_SRCS := $(wildcard lessons/[0-9]*.c)
LESSON_BINS := $(patsubst lessons/%.c,$(BUILD)/lessons/%,$(LESSON_SRCS))
ASAN_LESSON_BINS := $(patsubst lessons/%.c,$(BUILD)/asan/lessons/%,$(LESSON_SRCS))

all: $(LESSON_BINS)

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
test-lessons: $(BUILD)/forklab $(LESSON_BINS) $(ASAN_LESSON_BINS)
	@BUILD=$(BUILD) bash lessons/check-examples.sh $(BUILD)

TEST_STEPS += test-lessons
