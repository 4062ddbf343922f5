# viewer/viewer.mk — the forklab program and the viewer's unit tests.
#
# viewer/*.c and viewer/ui/*.c make build/forklab. Only viewer/ui/ may use
# ncurses. tests/viewer/test_*.c link every viewer object but main.o.

VIEWER_SRCS := $(wildcard viewer/*.c viewer/*/*.c)
VIEWER_OBJS := $(patsubst viewer/%.c,$(BUILD)/viewer/%.o,$(VIEWER_SRCS))
VIEWER_LIB_OBJS := $(filter-out $(BUILD)/viewer/main.o,$(VIEWER_OBJS))
VIEWER_HDRS := $(wildcard viewer/*.h viewer/*/*.h) $(LIB_HDRS)
# Recursive (=) so pkg-config runs after `make deps` installed it.
CURSES_CFLAGS = $(shell pkg-config --cflags ncursesw 2>/dev/null)
CURSES_LIBS = $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)
YAML_LIBS = $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
VIEWER_LDLIBS = $(CURSES_LIBS) $(YAML_LIBS) $(LIB_LDLIBS)
FORKLAB := $(BUILD)/forklab

all: $(FORKLAB)

$(BUILD)/viewer/ui/%.o: viewer/ui/%.c $(VIEWER_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CURSES_CFLAGS) -Iviewer -Iviewer/core -c $< -o $@

$(BUILD)/viewer/%.o: viewer/%.c $(VIEWER_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iviewer -Iviewer/core -c $< -o $@

$(FORKLAB): $(VIEWER_OBJS) $(LIBMP_A)
	$(CC) $(ALL_CFLAGS) -o $@ $(VIEWER_OBJS) $(LIBMP_A) $(VIEWER_LDLIBS)

VIEWER_TEST_SRCS := $(wildcard tests/viewer/test_*.c)
VIEWER_TESTS := $(patsubst tests/viewer/%.c,$(BUILD)/tests/viewer/%,$(VIEWER_TEST_SRCS))
all: $(VIEWER_TESTS)

$(BUILD)/tests/viewer/%: tests/viewer/%.c $(VIEWER_LIB_OBJS) $(LIBMP_A) $(TEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iviewer -Iviewer/core -Itests/lib -o $@ $< $(VIEWER_LIB_OBJS) $(LIBMP_A) $(VIEWER_LDLIBS) -lcriterion

.PHONY: test-viewer
test-viewer: $(VIEWER_TESTS) $(FORKLAB)
	@rc=0; for t in $(VIEWER_TESTS); do \
	  BUILD=$(BUILD) bash tests/run-suite.sh viewer-$$(basename $$t) $(SUITE_TIMEOUT) $$t --jobs 2 || rc=1; \
	done; exit $$rc
TEST_STEPS += test-viewer

# make run: the main job, the viewer.
RUN_CMD = $(FORKLAB)
