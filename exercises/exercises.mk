# exercises/exercises.mk — graded exercises.
#
# exercises/NN-topic.c (stubs the learner completes) and solutions/NN-topic.c
# share the entry points of exercises/exercise.h; tests/exercises/test_NN-topic.c
# grades either. The driver is tests/exercises/grade.sh:
#
#   make grade               grade every exercise (table, BUILD/grade/results.json, junit.xml)
#   make grade EX=06         grade one
#   make grade SOLUTIONS=1   grade the reference solutions
#   make grade STRICT=1      exit 1 unless everything passed
#   make watch [EX=06]       re-grade the current exercise on every save (forklab watch)
#
# Graded code runs contained (tests/exercises/sandbox.sh: bubblewrap, its own
# pid/mount/network namespaces, an unprivileged uid, limits on processes,
# memory, CPU time and file size); the output says plainly when this machine
# cannot contain it. FORKLAB_SANDBOX=require refuses to grade uncontained.
#
# test-grade (a `make test` step) proves the graders can fail: every solution
# scores full marks, every untouched stub scores zero on every test, a
# solution that fakes its output fails, an endless loop is a TIMEOUT that
# leaves nothing running, and hostile solutions (fork floods, writes to /tmp
# and the tree, a /dev/shm segment, an escaping grandchild) are contained.

EX_SRCS := $(wildcard exercises/[0-9]*.c)
GRADE_DEPS := $(LIBMP_A) $(BUILD)/viewer/core/model.o $(BUILD)/viewer/core/waitfor.o $(BUILD)/libforklab.a

.PHONY: grade watch test-grade
grade: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(GRADE_DEPS)
	@BUILD=$(BUILD) CC="$(CC)" bash tests/exercises/grade.sh $(if $(SOLUTIONS),--solutions) $(if $(STRICT),--strict) $(EX)

watch: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(GRADE_DEPS) $(FORKLAB)
	@FORKLAB_BUILD=$(BUILD) $(FORKLAB) watch $(EX)

test-grade: $(GRADE_DEPS) $(ASAN_LIBMP) $(FORKLAB)
	@BUILD=$(BUILD) CC="$(CC)" bash tests/exercises/test-grade.sh

TEST_STEPS += test-grade
