/* ui/app.c — placeholder until the viewer lands. */
#include "../commands.h"
#include <stdio.h>
int cmd_ui(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "forklab: the viewer is coming\n"); return 1; }
int ui_run_live(const char *x) { (void)x; fprintf(stderr, "forklab: the viewer is coming\n"); return 1; }
