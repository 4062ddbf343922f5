# lib/lib.mk — libmp: static and shared library, the sanitizer flavour, install.

# mpitrace.c is the MPI tracer, built apart with mpicc (lib/mpitrace.mk).
LIB_SRCS := $(filter-out lib/mpitrace.c,$(wildcard lib/*.c))
LIB_HDRS := $(wildcard lib/*.h)
LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
ASAN_LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/asan/lib/%.o,$(LIB_SRCS))

LIBMP_A    := $(BUILD)/libmp.a
LIBMP_SO   := $(BUILD)/libmp.so
ASAN_LIBMP := $(BUILD)/asan/libmp.a

all: $(LIBMP_A) $(LIBMP_SO)

$(BUILD)/lib/%.o: lib/%.c $(LIB_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=default -c $< -o $@

$(BUILD)/asan/lib/%.o: lib/%.c $(LIB_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -c $< -o $@

$(LIBMP_A): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBMP_SO): $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,libmp.so.0 -o $@ $^ -Wl,--as-needed $(LIB_LDLIBS) -pthread

$(ASAN_LIBMP): $(ASAN_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Programs linked against libmp: $(call link_mp,flags)
# libmp itself does not link libcrypto: a TCP manager dlopen()s it on first
# use (manager_wire.c), since mapping it at start-up and copying its page
# tables at each fork measured +10-18 % per spawn. LIB_LDLIBS still names
# -lcrypto for the programs that call it themselves (the viewer's class
# board, tests); --as-needed drops it from every other program.
LINK_MP = $(CC) $(ALL_CFLAGS) -o $@ $(filter %.c %.o,$^) $(LIBMP_A) -Wl,--as-needed $(LIB_LDLIBS)
LINK_MP_ASAN = $(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -o $@ $(filter %.c %.o,$^) $(ASAN_LIBMP) -Wl,--as-needed $(LIB_LDLIBS)

install: $(LIBMP_A) $(LIBMP_SO)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(LIBMP_A) $(DESTDIR)$(PREFIX)/lib/libmp.a
	install -m 755 $(LIBMP_SO) $(DESTDIR)$(PREFIX)/lib/libmp.so.0
	ln -sf libmp.so.0 $(DESTDIR)$(PREFIX)/lib/libmp.so
	install -m 644 lib/mp.h lib/mp_trace.h lib/mp_gate.h $(DESTDIR)$(PREFIX)/include/
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' \
	  'Name: forklab' 'Description: libmp, process-based parallelism after Python multiprocessing' \
	  'Version: $(VERSION)' 'Cflags: -I$${includedir} -pthread' \
	  'Libs: -L$${libdir} -Wl,-rpath,$${libdir} -lmp -pthread' 'Libs.private: -lm' \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/forklab.pc
	@if [ -x $(BUILD)/forklab ]; then install -d $(DESTDIR)$(PREFIX)/bin && install -m 755 $(BUILD)/forklab $(DESTDIR)$(PREFIX)/bin/; fi
