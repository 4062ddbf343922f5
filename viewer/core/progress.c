/* progress.c — the learner's progress file (format in progress.h). */
#include "progress.h"

#include "workspace.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int progress_path(char *buf, size_t cap)
{
    char dir[PATH_MAX];
    if (!buf || cap == 0) return -EINVAL;
    int rc = ws_state_dir(dir, sizeof dir);
    if (rc < 0) return rc;
    int n = snprintf(buf, cap, "%s/progress", dir);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static struct progress_entry *find(const struct progress *p, const char *id)
{
    for (size_t i = 0; p && id && i < p->n; i++)
        if (!strcmp(p->entries[i].id, id)) return &p->entries[i];
    return NULL;
}

static bool valid_id(const char *id)
{
    return id && id[0] && strlen(id) < sizeof ((struct progress_entry *)0)->id && !strpbrk(id, " \t\r\n=#");
}

/* The entry for id, made empty when new; NULL on a bad id or no memory. */
static struct progress_entry *entry(struct progress *p, const char *id)
{
    if (!p || !valid_id(id)) return NULL;
    struct progress_entry *e = find(p, id);
    if (e) return e;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct progress_entry *ne = realloc(p->entries, cap * sizeof *ne);
        if (!ne) return NULL;
        p->entries = ne;
        p->cap = cap;
    }
    e = &p->entries[p->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "%s", id);
    return e;
}

int progress_quiz_answer(struct progress *p, const char *id, int q, int nquiz, bool right)
{
    if (!valid_id(id) || nquiz <= 0 || nquiz > PROGRESS_MAX_QUIZ || q < 0 || q >= nquiz) return -EINVAL;
    struct progress_entry *e = entry(p, id);
    if (!e) return p ? -ENOMEM : -EINVAL;
    /* a quiz that changed length since: keep what still lines up */
    for (int i = (int)strlen(e->quiz); i < nquiz; i++) e->quiz[i] = '.';
    e->quiz[nquiz] = '\0';
    e->quiz[q] = right ? '+' : '-';
    return 0;
}

int progress_quiz_right(const struct progress *p, const char *id, int nquiz)
{
    const struct progress_entry *e = find(p, id);
    int right = 0;
    for (int i = 0; e && i < nquiz && e->quiz[i]; i++) right += e->quiz[i] == '+';
    return right;
}

int progress_hints(const struct progress *p, const char *id)
{
    const struct progress_entry *e = find(p, id);
    return e ? e->hints : 0;
}

int progress_set_hints(struct progress *p, const char *id, int shown)
{
    if (shown < 0 || !valid_id(id)) return -EINVAL;
    struct progress_entry *e = entry(p, id);
    if (!e) return p ? -ENOMEM : -EINVAL;
    e->hints = shown;
    return 0;
}

bool progress_lesson_done(const struct progress *p, const char *id, int nquiz, bool has_exercise,
                          bool exercise_passes)
{
    if (nquiz <= 0 && !has_exercise) return false;
    if (nquiz > 0 && progress_quiz_right(p, id, nquiz) < nquiz) return false;
    return !has_exercise || exercise_passes;
}

/* One word of a line: quiz=+-. or hints=N; anything else is skipped. */
static void parse_word(struct progress_entry *e, const char *w)
{
    if (!strncmp(w, "quiz=", 5)) {
        const char *v = w + 5;
        size_t n = strspn(v, "+-.");
        if (n == strlen(v) && n <= PROGRESS_MAX_QUIZ) snprintf(e->quiz, sizeof e->quiz, "%s", v);
    } else if (!strncmp(w, "hints=", 6)) {
        char *end;
        long h = strtol(w + 6, &end, 10);
        if (end != w + 6 && !*end && h >= 0 && h < 1000) e->hints = (int)h;
    }
}

int progress_load(struct progress *p)
{
    char path[PATH_MAX], line[512];
    if (!p) return -EINVAL;
    memset(p, 0, sizeof *p);
    int rc = progress_path(path, sizeof path);
    if (rc < 0) return rc;
    FILE *f = fopen(path, "r");
    if (!f) return errno == ENOENT ? 0 : -errno;
    while (fgets(line, sizeof line, f)) {
        char *save = NULL, *id = strtok_r(line, " \t\r\n", &save);
        if (!id || id[0] == '#' || !valid_id(id)) continue;
        struct progress_entry tmp = {{0}, {0}, 0};
        for (char *w; (w = strtok_r(NULL, " \t\r\n", &save));) parse_word(&tmp, w);
        if (!tmp.quiz[0] && !tmp.hints) continue;
        struct progress_entry *e = entry(p, id);
        if (!e) {
            fclose(f);
            return -ENOMEM;
        }
        snprintf(tmp.id, sizeof tmp.id, "%s", id);
        *e = tmp;
    }
    fclose(f);
    return 0;
}

int progress_save(const struct progress *p)
{
    char path[PATH_MAX], dir[PATH_MAX];
    if (!p) return -EINVAL;
    int rc = progress_path(path, sizeof path);
    if (rc < 0) return rc;
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if ((rc = ws_mkdirs(dir, 0700)) < 0) return rc;
    }
    size_t cap = 64 + p->n * (sizeof p->entries[0].id + PROGRESS_MAX_QUIZ + 32), len = 0;
    char *text = malloc(cap);
    if (!text) return -ENOMEM;
    len += (size_t)snprintf(text, cap, "# forklab progress: quiz answers (+ right, - wrong, . not yet), hints shown\n");
    for (size_t i = 0; i < p->n; i++) {
        const struct progress_entry *e = &p->entries[i];
        if (!e->quiz[0] && !e->hints) continue;
        len += (size_t)snprintf(text + len, cap - len, "%s", e->id);
        if (e->quiz[0]) len += (size_t)snprintf(text + len, cap - len, " quiz=%s", e->quiz);
        if (e->hints) len += (size_t)snprintf(text + len, cap - len, " hints=%d", e->hints);
        len += (size_t)snprintf(text + len, cap - len, "\n");
    }
    rc = ws_write_file(path, text, len);
    free(text);
    return rc;
}

void progress_free(struct progress *p)
{
    if (!p) return;
    free(p->entries);
    memset(p, 0, sizeof *p);
}
