/* run.c — placeholder. */
#include "commands.h"
#include <stdio.h>
int cmd_run(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "forklab run: coming\n"); return 1; }
