# lessons/lessons.mk — every lessons/NN-topic*.c is an example program.

LESSON_SRCS := $(wildcard lessons/[0-9]*.c)
LESSON_BINS := $(patsubst lessons/%.c,$(BUILD)/lessons/%,$(LESSON_SRCS))
ASAN_LESSON_BINS := $(patsubst lessons/%.c,$(BUILD)/asan/lessons/%,$(LESSON_SRCS))

all: $(LESSON_BINS)

$(BUILD)/lessons/%: lessons/%.c $(LIBMP_A)
	@mkdir -p $(@D)
	$(LINK_MP)

$(BUILD)/asan/lessons/%: lessons/%.c $(ASAN_LIBMP)
	@mkdir -p $(@D)
	$(LINK_MP_ASAN)
