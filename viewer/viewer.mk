# viewer/viewer.mk — the forklab program and the viewer's unit tests.
#
# The viewer is grouped by stage (README.md, "Layout"):
#   viewer/core/  pure and curses-free: lessons, catalogue, model, formatting, paths
#   viewer/run/   starting an example and draining its trace
#   viewer/out/   the outputs: headless dump, export, grading, lint, trace command
#   viewer/ui/    the screens: the only code that uses ncurses
#   viewer/main.c the command line
# core, run and out make build/libforklab.a, which links without ncurses;
# tests/viewer/test_*.c link that library only (tests/check-layers.sh checks
# the rules). build/forklab adds ui/ and main.c.

VIEWER_STAGES := core run out

VIEWER_INC := -Iviewer $(addprefix -Iviewer/,$(VIEWER_STAGES))
VIEWER_NOUI_SRCS := $(wildcard $(addsuffix /*.c,$(addprefix viewer/,$(VIEWER_STAGES))))
VIEWER_UI_SRCS := $(wildcard viewer/ui/*.c)
VIEWER_NOUI_OBJS := $(patsubst viewer/%.c,$(BUILD)/viewer/%.o,$(VIEWER_NOUI_SRCS))
VIEWER_UI_OBJS := $(patsubst viewer/%.c,$(BUILD)/viewer/%.o,$(VIEWER_UI_SRCS) viewer/main.c)
VIEWER_HDRS := $(wildcard viewer/*.h viewer/*/*.h) $(LIB_HDRS)
LIBFORKLAB_A := $(BUILD)/libforklab.a
# Recursive (=) so pkg-config runs after `make deps` installed it.
CURSES_CFLAGS = $(shell pkg-config --cflags ncursesw 2>/dev/null)
CURSES_LIBS = $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)
YAML_LIBS = $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
VIEWER_NOUI_LDLIBS = $(YAML_LIBS) $(LIB_LDLIBS)
FORKLAB := $(BUILD)/forklab

all: $(FORKLAB)

$(BUILD)/viewer/ui/%.o: viewer/ui/%.c $(VIEWER_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CURSES_CFLAGS) $(VIEWER_INC) -Iviewer/ui -c $< -o $@

$(BUILD)/viewer/%.o: viewer/%.c $(VIEWER_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(VIEWER_INC) -c $< -o $@

$(LIBFORKLAB_A): $(VIEWER_NOUI_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(FORKLAB): $(VIEWER_UI_OBJS) $(LIBFORKLAB_A) $(LIBMP_A)
	$(CC) $(ALL_CFLAGS) -o $@ $(VIEWER_UI_OBJS) $(LIBFORKLAB_A) $(LIBMP_A) $(CURSES_LIBS) $(VIEWER_NOUI_LDLIBS)

VIEWER_TEST_SRCS := $(wildcard tests/viewer/test_*.c)
VIEWER_TESTS := $(patsubst tests/viewer/%.c,$(BUILD)/tests/viewer/%,$(VIEWER_TEST_SRCS))
all: $(VIEWER_TESTS)

# No ncurses here: the tests prove the non-UI viewer stands without it.
$(BUILD)/tests/viewer/%: tests/viewer/%.c $(LIBFORKLAB_A) $(LIBMP_A) $(TEST_HDRS) $(VIEWER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(VIEWER_INC) -Itests/lib -o $@ $< $(LIBFORKLAB_A) $(LIBMP_A) $(VIEWER_NOUI_LDLIBS) -lcriterion

.PHONY: test-viewer
test-viewer: $(VIEWER_TESTS) $(FORKLAB)
	@rc=0; for t in $(VIEWER_TESTS); do \
	  BUILD=$(BUILD) bash tests/run-suite.sh viewer-$$(basename $$t) $(SUITE_TIMEOUT) $$t --jobs 2 || rc=1; \
	done; exit $$rc
TEST_STEPS += test-viewer

# The same suites under ASan + UBSan: libforklab's sources and the tests
# built with the sanitizers, against the sanitizer flavour of libmp. The
# forklab binary the tests drive stays the plain one.
ASAN_VIEWER_OBJS := $(patsubst viewer/%.c,$(BUILD)/asan/viewer/%.o,$(VIEWER_NOUI_SRCS))
ASAN_LIBFORKLAB := $(BUILD)/asan/libforklab.a
ASAN_VIEWER_TESTS := $(patsubst tests/viewer/%.c,$(BUILD)/asan/tests/viewer/%,$(VIEWER_TEST_SRCS))

$(BUILD)/asan/viewer/%.o: viewer/%.c $(VIEWER_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) $(VIEWER_INC) -c $< -o $@

$(ASAN_LIBFORKLAB): $(ASAN_VIEWER_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/asan/tests/viewer/%: tests/viewer/%.c $(ASAN_LIBFORKLAB) $(ASAN_LIBMP) $(TEST_HDRS) $(VIEWER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) $(VIEWER_INC) -Itests/lib -o $@ $< $(ASAN_LIBFORKLAB) $(ASAN_LIBMP) $(VIEWER_NOUI_LDLIBS) -lcriterion

.PHONY: test-viewer-asan
test-viewer-asan: $(ASAN_VIEWER_TESTS) $(FORKLAB)
	@rc=0; for t in $(ASAN_VIEWER_TESTS); do \
	  $(ASAN_ENV) FORKLAB_BUILD=$(abspath $(BUILD)) BUILD=$(BUILD) \
	    bash tests/run-suite.sh asan-viewer-$$(basename $$t) $(SUITE_TIMEOUT) $$t --jobs 2 || rc=1; \
	done; exit $$rc
TEST_STEPS += test-viewer-asan

# make run: the main job, the viewer.
RUN_CMD = $(FORKLAB)

# The layering rules (only ui/ uses ncurses, lib/ stands alone, the pure
# core does no I/O), checked on the sources and the built objects.
.PHONY: check-layers
check-layers: $(LIBFORKLAB_A) $(LIBMP_A) $(FORKLAB) $(VIEWER_TESTS)
	@bash tests/check-layers.sh $(BUILD)
TEST_STEPS += check-layers
