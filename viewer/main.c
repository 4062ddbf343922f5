/* main.c — the forklab command line: dispatch to a subcommand. */
#include "commands.h"

#include <mp.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: forklab [LESSON]                 open the lesson list (or one lesson)\n"
            "       forklab run LESSON|EXAMPLE [--headless|--frames]\n"
            "       forklab run --mpi N PROGRAM [--headless] [-- ARGS]   N MPI ranks under mpirun, traced\n"
            "       forklab list                     the lessons in order\n"
            "       forklab lint [FILES...]          check lesson files (all of lessons/ by default)\n"
            "       forklab trace record -o FILE -- PROGRAM [ARGS...]\n"
            "       forklab trace show FILE\n"
            "       forklab trace export FILE -o OUT.json\n"
            "       forklab trace merge -o OUT FILE...   join per-rank MPI trace files\n"
            "       forklab grade [EXERCISE]         grade exercises\n"
            "       forklab explore [OPTIONS] LESSON|EXAMPLE [-- ARGS]  every interleaving's outcome\n"
            "       forklab watch [EXERCISE]         re-grade on every save\n"
            "       forklab hint EXERCISE [N]        the next hint, one step at a time\n"
            "       forklab reset EXERCISE           restore the original exercise (yours is backed up)\n"
            "       forklab progress                 quiz scores, exercise points, last grade time\n"
            "       forklab init DIR                 a workspace of your own: exercises and progress\n"
            "       forklab class serve|join|leave|sync|export   the workshop class board\n"
            "       forklab present [LESSON] [--notes]   full-screen slides for a projector (--notes: speaker's screen)\n"
            "       forklab --follow [LESSON]        follow the presenter's slides (after `forklab class join`)\n"
            "       forklab --help | --version\n");
}

/* `forklab run`: the headless modes are in out/, the live view in ui/;
 * the entry point is what joins the two. */
static int run(int argc, char **argv)
{
    return cmd_run(argc, argv, ui_run_live);
}

/* `forklab class`: the board's screen is in ui/, the rest in out/. */
static int class_cmd(int argc, char **argv)
{
    return cmd_class(argc, argv, ui_class_board);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"run", run},     {"list", cmd_list},   {"lint", cmd_lint},
        {"trace", cmd_trace}, {"watch", cmd_watch}, {"grade", cmd_grade},
        {"explore", cmd_explore},
        {"init", cmd_init},   {"hint", cmd_hint},   {"reset", cmd_reset}, {"progress", cmd_progress},
        {"class", class_cmd}, {"present", cmd_present},
    };
    if (argc >= 2) {
        const char *a = argv[1];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--version")) {
            printf("forklab %s\n", MP_VERSION);
            return 0;
        }
        if (!strcmp(a, "--follow")) return cmd_follow(argc - 2, argv + 2);
        for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
            if (!strcmp(a, cmds[i].name)) return cmds[i].fn(argc - 2, argv + 2);
        if (a[0] == '-') {
            fprintf(stderr, "forklab: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (argc > 2) {
            fprintf(stderr, "forklab: unexpected argument '%s'\n", argv[2]);
            usage(stderr);
            return 2;
        }
    }
    return cmd_ui(argc - 1, argv + 1);
}
