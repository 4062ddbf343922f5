# lib/mpitrace.mk — libmptrace.so, the PMPI tracer for MPI programs
# (lib/mpitrace.c), built with mpicc from libmp's own objects so that it
# joins a trace ring exactly as libmp does. Loaded with LD_PRELOAD into
# programs built with plain mpicc; `forklab run --mpi` does that itself.

MPICC ?= mpicc
LIBMPTRACE := $(BUILD)/libmptrace.so
# Every mpirun forklab starts: as root, more ranks than cores, and the
# shared-memory transport without the ptrace-based single copy that
# containers often forbid (tests/mpi and lessons use the same line).
MPIRUN_ENV := OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN_FLAGS := --oversubscribe --mca btl_vader_single_copy_mechanism none

all: $(LIBMPTRACE)

$(BUILD)/mpi/mpitrace.o: lib/mpitrace.c $(LIB_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MPICC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

# Only the MPI_* wrappers are exported: libmp's objects come from its
# archive with --exclude-libs, so its names stay out of the program's way.
$(LIBMPTRACE): $(BUILD)/mpi/mpitrace.o $(LIBMP_A)
	$(MPICC) -shared -o $@ $< $(LIBMP_A) -Wl,--exclude-libs,ALL -Wl,--as-needed $(LIB_LDLIBS) -pthread

install: install-mptrace
.PHONY: install-mptrace
install-mptrace: $(LIBMPTRACE)
	install -d $(DESTDIR)$(PREFIX)/lib
	install -m 755 $(LIBMPTRACE) $(DESTDIR)$(PREFIX)/lib/libmptrace.so
