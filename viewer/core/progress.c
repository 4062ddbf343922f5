/* progress.c — the learner's progress file (format in progress.h). */
#include "progress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int progress_path(char *buf, size_t cap)
{
    const char *state = getenv("XDG_STATE_HOME");
    int n;
    if (!buf || cap == 0) return -EINVAL;
    if (state && state[0]) {
        n = snprintf(buf, cap, "%s/forklab/progress", state);
    } else {
        const char *home = getenv("HOME");
        if (!home || !home[0]) return -ENOENT;
        n = snprintf(buf, cap, "%s/.local/state/forklab/progress", home);
    }
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* mkdir -p for the directories above path. */
static int make_parents(const char *path)
{
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) return -ENAMETOOLONG;
    char *slash = strrchr(dir, '/');
    if (!slash) return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) return -errno;
        *p = '/';
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) return -errno;
    return 0;
}

static struct progress_entry *find(const struct progress *p, const char *id)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (!strcmp(p->entries[i].id, id)) return &p->entries[i];
    return NULL;
}

int progress_mark(struct progress *p, const char *id, unsigned flags)
{
    if (!p || !id || !id[0] || strlen(id) >= sizeof p->entries[0].id || strpbrk(id, " \t\n"))
        return -EINVAL;
    struct progress_entry *e = find(p, id);
    if (!e) {
        if (p->n == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 16;
            struct progress_entry *ne = realloc(p->entries, cap * sizeof *ne);
            if (!ne) return -ENOMEM;
            p->entries = ne;
            p->cap = cap;
        }
        e = &p->entries[p->n++];
        snprintf(e->id, sizeof e->id, "%s", id);
        e->flags = 0;
    }
    e->flags |= flags & (PROGRESS_QUIZ | PROGRESS_EXERCISE);
    return 0;
}

unsigned progress_get(const struct progress *p, const char *id)
{
    const struct progress_entry *e = id ? find(p, id) : NULL;
    return e ? e->flags : 0;
}

bool progress_done(const struct progress *p, const char *id)
{
    return progress_get(p, id) != 0;
}

int progress_load(struct progress *p)
{
    char path[4096], line[512];
    if (!p) return -EINVAL;
    memset(p, 0, sizeof *p);
    int rc = progress_path(path, sizeof path);
    if (rc < 0) return rc;
    FILE *f = fopen(path, "r");
    if (!f) return errno == ENOENT ? 0 : -errno;
    while (fgets(line, sizeof line, f)) {
        char *save = NULL, *id = strtok_r(line, " \t\r\n", &save);
        if (!id || id[0] == '#') continue;
        unsigned flags = 0;
        for (char *w; (w = strtok_r(NULL, " \t\r\n", &save));) {
            if (!strcmp(w, "quiz")) flags |= PROGRESS_QUIZ;
            if (!strcmp(w, "exercise")) flags |= PROGRESS_EXERCISE;
        }
        if (flags && progress_mark(p, id, flags) == -ENOMEM) {
            fclose(f);
            return -ENOMEM;
        }
    }
    fclose(f);
    return 0;
}

int progress_save(const struct progress *p)
{
    char path[4096], tmp[4200];
    if (!p) return -EINVAL;
    int rc = progress_path(path, sizeof path);
    if (rc < 0) return rc;
    if ((rc = make_parents(path)) < 0) return rc;
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return -errno;
    for (size_t i = 0; i < p->n; i++)
        fprintf(f, "%s%s%s\n", p->entries[i].id, p->entries[i].flags & PROGRESS_QUIZ ? " quiz" : "",
                p->entries[i].flags & PROGRESS_EXERCISE ? " exercise" : "");
    /* rename only a complete file, so a crash never leaves half of one. */
    if (fflush(f) != 0 || ferror(f)) {
        rc = -errno;
        fclose(f);
        unlink(tmp);
        return rc ? rc : -EIO;
    }
    fclose(f);
    if (rename(tmp, path) < 0) {
        rc = -errno;
        unlink(tmp);
        return rc;
    }
    return 0;
}

void progress_free(struct progress *p)
{
    if (!p) return;
    free(p->entries);
    memset(p, 0, sizeof *p);
}
