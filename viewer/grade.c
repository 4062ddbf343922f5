/* grade.c — placeholder. */
#include "commands.h"
#include <stdio.h>
int cmd_watch(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "forklab watch: coming\n"); return 1; }
int cmd_grade(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "forklab grade: coming\n"); return 1; }
