/* lint.c — placeholder. */
#include "commands.h"
#include <stdio.h>
int cmd_list(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "forklab list: coming\n"); return 1; }
int cmd_lint(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "forklab lint: coming\n"); return 1; }
