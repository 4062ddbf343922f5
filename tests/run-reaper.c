/*
 * run-reaper — run a command so that nothing it starts can get away.
 *
 *   run-reaper [--grace SECS] [--report FILE] COMMAND [ARGS...]
 *
 * A process that loses its parent is handed to the nearest "child
 * subreaper" above it, else to PID 1, where it looks like nobody's. This
 * program is a subreaper: every process COMMAND starts stays its
 * descendant, whatever it does (double fork, setsid, exec with an empty
 * environment). COMMAND and everything below it get FORKLAB_RUN_REAPER=PID
 * (ours), so tests/check-leftovers.sh can list what a run left while it
 * is still going: descendants of PID, or carriers of the variable.
 *
 * When COMMAND has ended, processes still alive after the grace time
 * (default 0.5 s: one that is just exiting is not a leftover) are listed
 * ("PID ARGS", one a line) on FILE, or on stderr, then killed and reaped.
 * The exit status is COMMAND's (128+N after signal N). Exit 125 when it
 * cannot start. `make test` runs its driver under it, run-suite.sh each
 * suite.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reaps whatever has ended; sets *status when main_pid is among them. */
static void reap_ready(pid_t main_pid, int *status, int *main_done)
{
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, WNOHANG)) > 0)
        if (w == main_pid) *status = st, *main_done = 1;
}

/* Our children's pids (orphans come back to us), up to cap. */
static size_t children(pid_t *out, size_t cap)
{
    size_t n = 0;
    char path[300], buf[8192];
    snprintf(path, sizeof path, "/proc/%d/task", (int)getpid());
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "r");
        size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f) fclose(f);
        buf[len] = '\0';
        char *save = NULL;
        for (char *t = strtok_r(buf, " \n", &save); t && n < cap; t = strtok_r(NULL, " \n", &save))
            out[n++] = (pid_t)atoi(t);
    }
    closedir(d);
    return n;
}

/* Appends "PREFIX PID ARGS" for pid to f. */
static void describe(FILE *f, const char *prefix, pid_t pid)
{
    char path[64], args[512];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *c = fopen(path, "r");
    size_t len = c ? fread(args, 1, sizeof args - 1, c) : 0;
    if (c) fclose(c);
    for (size_t i = 0; i < len; i++)
        if (args[i] == '\0') args[i] = ' ';
    while (len > 0 && args[len - 1] == ' ') len--;
    args[len] = '\0';
    fprintf(f, "%s%d %s\n", prefix, (int)pid, len ? args : "(no command line: a zombie?)");
}

/* Lists, kills and reaps every descendant left; how many were listed. */
static int kill_leftovers(FILE *report, const char *prefix)
{
    pid_t kids[1024];
    int listed = 0;
    size_t n = children(kids, 1024);
    for (size_t i = 0; i < n; i++) {
        describe(report, prefix, kids[i]);
        listed++;
    }
    fflush(report);
    double until = now() + 5.0;
    while (now() < until) {
        n = children(kids, 1024);
        for (size_t i = 0; i < n; i++) kill(kids[i], SIGKILL);
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        if (n == 0 && waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD) break;
        usleep(5000);
    }
    return listed;
}

int main(int argc, char **argv)
{
    double grace = 0.5;
    const char *report_path = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--grace") && i + 1 < argc) grace = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--report") && i + 1 < argc) report_path = argv[++i];
        else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else {
            fprintf(stderr, "usage: run-reaper [--grace SECS] [--report FILE] COMMAND [ARGS...]\n");
            return 125;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: run-reaper [--grace SECS] [--report FILE] COMMAND [ARGS...]\n");
        return 125;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        perror("run-reaper: PR_SET_CHILD_SUBREAPER");
        return 125;
    }
    char me[32];
    snprintf(me, sizeof me, "%d", (int)getpid());
    setenv("FORKLAB_RUN_REAPER", me, 1);
    /* Like system(): a Ctrl-C is for the command; we clean up after it. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("run-reaper: fork");
        return 125;
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        execvp(argv[i], argv + i);
        fprintf(stderr, "run-reaper: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    int status = 0, done = 0;
    while (!done) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w == pid) status = st, done = 1;
        else if (w < 0 && errno != EINTR) break;
    }
    double until = now() + grace;
    pid_t kids[1];
    while (now() < until && children(kids, 1) > 0) {
        reap_ready(pid, &status, &done);
        usleep(10000);
    }
    FILE *report = report_path ? fopen(report_path, "w") : NULL;
    int left = kill_leftovers(report ? report : stderr, report ? "" : "run-reaper: left behind: ");
    if (report) fclose(report);
    if (left && !report_path) fprintf(stderr, "run-reaper: killed %d process(es) left behind by %s\n", left, argv[i]);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
