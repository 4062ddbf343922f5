/*
 * mpi_launch.c — mpirun command lines, teardown and the deadlock watch for
 * MPI runs (mpi_launch.h).
 *
 * Why a private directory: mpirun keeps its session files under /tmp and
 * each rank maps its shared-memory segment from /dev/shm. An orderly end
 * removes both, but a killed mpirun or rank leaves them behind. Pointing
 * both (orte_tmpdir_base, btl_vader_backing_directory) at one directory of
 * this run lets forklab remove whatever is left with the directory.
 *
 * Why the ranks need separate killing: mpirun puts every rank it forks in a
 * process group of its own, so killing mpirun's group does not reach them.
 * The tracer asks the kernel to kill each rank when mpirun dies
 * (PR_SET_PDEATHSIG), and cleanup kills the ranks the model has seen.
 */
#include "run/mpi_launch.h"

#include "catalogue.h"
#include "lesson.h"
#include "model_mpi.h"
#include "paths.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int default_ranks;
static char *const *default_args;
static size_t default_nargs;

void mpi_launch_set_default(int ranks, char *const *args, size_t nargs)
{
    default_ranks = ranks;
    default_args = args;
    default_nargs = nargs;
}

void mpi_launch_apply_default(struct runner *r)
{
    if (r->mpi_ranks || r->mpi_wrap || default_ranks <= 0) return;
    r->mpi_ranks = default_ranks;
    if (!r->nmpi_args) {
        r->mpi_args = default_args;
        r->nmpi_args = default_nargs;
    }
}

static bool executable(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* name on PATH into out; 0 | -ENOENT. */
static int which(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        int w = snprintf(out, cap, "%.*s/%s", (int)n, path, name);
        if (w > 0 && (size_t)w < cap && n && executable(out)) return 0;
        path += n;
        if (*path == ':') path++;
    }
    return -ENOENT;
}

const char *mpi_launch_tracer(void)
{
    static char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s/libmptrace.so", forklab_build_dir());
    if (access(buf, R_OK) == 0) return buf;
    /* Installed: PREFIX/bin/forklab next to PREFIX/lib/libmptrace.so. */
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return NULL;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash) return NULL;
    *slash = '\0';
    if (strlen(self) + 32 > sizeof buf) return NULL;
    memcpy(buf, self, strlen(self));
    memcpy(buf + strlen(self), "/../lib/libmptrace.so", sizeof "/../lib/libmptrace.so");
    return access(buf, R_OK) == 0 ? buf : NULL;
}

void mpi_launch_free_argv(char **argv)
{
    if (!argv) return;
    for (char **p = argv; *p; p++) free(*p);
    free(argv);
}

struct argv_b {
    char **v;
    size_t n, cap;
    bool failed;
};

static void add(struct argv_b *b, const char *s)
{
    if (b->failed) return;
    if (b->n + 2 > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 32;
        char **p = realloc(b->v, ncap * sizeof *p);
        if (!p) {
            b->failed = true;
            return;
        }
        b->v = p;
        b->cap = ncap;
    }
    char *copy = strdup(s);
    if (!copy) {
        b->failed = true;
        return;
    }
    b->v[b->n++] = copy;
    b->v[b->n] = NULL;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw);

/* A forklab killed outright (SIGKILL) cannot remove its directory: the
 * next MPI run removes those whose forklab (the pid in the name) is gone. */
static void sweep_stale_dirs(const char *tmp)
{
    DIR *d = opendir(tmp);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int pid = 0, n = 0;
        if (sscanf(e->d_name, "forklab-mpi.%d.%n", &pid, &n) != 1 || n == 0 || pid <= 0) continue;
        if (kill(pid, 0) == 0 || errno != ESRCH) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    closedir(d);
}

int mpi_launch_argv(struct runner *r, const char *path, char *const argv[], char *mpath, size_t cap, char ***out)
{
    *out = NULL;
    const char *tracer = mpi_launch_tracer();
    if (!tracer) return -ENOENT;
    if (r->mpi_wrap && strchr(path, '/')) {
        if (snprintf(mpath, cap, "%s", path) >= (int)cap) return -ENAMETOOLONG;
    } else if (which(r->mpi_wrap ? path : "mpirun", mpath, cap) < 0) {
        return -ENOENT;
    }
    const char *tmp = getenv("TMPDIR");
    tmp = tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp";
    sweep_stale_dirs(tmp);
    snprintf(r->mpi_dir, sizeof r->mpi_dir, "%s/forklab-mpi.%d.XXXXXX", tmp, (int)getpid());
    if (!mkdtemp(r->mpi_dir)) {
        int e = errno;
        r->mpi_dir[0] = '\0';
        return -e;
    }
    /* mpirun refuses root without these; they are forklab's own
     * environment, which only its children see. */
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    /* The ranks join mpirun's process group (lib/mpitrace.c): pause and
     * kill of the run reach them. */
    setenv("FORKLAB_MPI_GROUP", "1", 1);
    struct argv_b b = {0};
    char num[16], preload[PATH_MAX + 16];
    add(&b, mpath);
    if (!r->mpi_wrap) {
        snprintf(num, sizeof num, "%d", r->mpi_ranks);
        add(&b, "-np");
        add(&b, num);
    }
    add(&b, "--oversubscribe");
    const char *mca[][2] = {{"btl_vader_single_copy_mechanism", "none"},
                            {"orte_tmpdir_base", r->mpi_dir},
                            {"btl_vader_backing_directory", r->mpi_dir}};
    for (size_t i = 0; i < sizeof mca / sizeof mca[0]; i++) {
        add(&b, "--mca");
        add(&b, mca[i][0]);
        add(&b, mca[i][1]);
    }
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", tracer);
    add(&b, "-x");
    add(&b, preload);
    for (size_t i = 0; i < r->nmpi_args; i++) add(&b, r->mpi_args[i]);
    if (r->mpi_wrap) {
        for (size_t i = 1; argv[i]; i++) add(&b, argv[i]);
    } else {
        add(&b, path);
        for (size_t i = 1; argv[i]; i++) add(&b, argv[i]);
    }
    if (b.failed) {
        mpi_launch_free_argv(b.v);
        return -ENOMEM;
    }
    *out = b.v;
    return 0;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(p);
    return 0;
}

/* The parent pid of pid from /proc, 0 when gone. */
static pid_t parent_of(pid_t pid)
{
    char p[64], buf[512];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close = strrchr(buf, ')'); /* the name may hold spaces */
    int ppid = 0;
    if (!close || sscanf(close + 1, " %*c %d", &ppid) != 1) return 0;
    return ppid;
}

void mpi_launch_cleanup(struct runner *r)
{
    const struct model *m = r->model;
    if (m && m->mpi) {
        for (int i = 0; i < m->mpi->nranks; i++) {
            pid_t pid = m->mpi->ranks[i].pid;
            if (pid <= 1 || pid == getpid()) continue;
            /* Only a rank that is still ours: an orphan that came back to
             * us (a child subreaper), or mpirun's child. A pid gone and
             * reused by someone else is left alone. */
            pid_t pp = parent_of(pid);
            if (pp != getpid() && pp != r->pid) continue;
            if (kill(pid, SIGKILL) == 0 && pp == getpid()) {
                int st;
                while (waitpid(pid, &st, 0) < 0 && errno == EINTR) continue;
            }
        }
    }
    if (r->mpi_dir[0]) {
        nftw(r->mpi_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        r->mpi_dir[0] = '\0';
    }
}

bool mpi_launch_deadlocked(struct runner *r, uint64_t now_ns)
{
    if (!r->model || !(r->mpi_ranks || r->mpi_wrap)) return false;
    if (r->events != r->mpi_seen_events || !model_mpi_all_stuck(r->model)) {
        r->mpi_seen_events = r->events;
        r->mpi_stuck_since = now_ns;
        return false;
    }
    return now_ns - r->mpi_stuck_since >= MPI_LAUNCH_STUCK_NS;
}

int mpi_launch_lesson(const char *target, char ***args, size_t *nargs)
{
    *args = NULL;
    *nargs = 0;
    if (!target || strchr(target, '/')) return 0;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/lessons", forklab_home());
    struct lesson *ls;
    size_t n;
    if (lessons_load_dir(dir, &ls, &n, NULL) < 0) return 0;
    int ranks = 0;
    for (size_t i = 0; i < n && !ranks; i++) {
        bool named = (ls[i].id && !strcmp(ls[i].id, target)) || (ls[i].program && !strcmp(ls[i].program, target));
        if (!named || ls[i].mpi <= 0) continue;
        ranks = ls[i].mpi;
        if (ls[i].nmpi_args) {
            char **a = calloc(ls[i].nmpi_args + 1, sizeof *a);
            for (size_t k = 0; a && k < ls[i].nmpi_args; k++) a[k] = strdup(ls[i].mpi_args[k]);
            *args = a;
            *nargs = a ? ls[i].nmpi_args : 0;
        }
    }
    lessons_free(ls, n);
    return ranks;
}
