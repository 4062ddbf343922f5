/* tracecmd.c — placeholder. */
#include "commands.h"
#include <stdio.h>
int cmd_trace(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "forklab trace: coming\n"); return 1; }
