# tests/mpi/mpi.mk
