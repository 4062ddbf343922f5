/*
 * catalogue.c — the tree's lessons, the learner's progress and the files a
 * lesson shows (catalogue.h).
 */
#include "catalogue.h"

#include "files.h"
#include "paths.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_order(const void *a, const void *b)
{
    const struct lesson *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int yaml_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".yaml");
}

int lessons_list_files(const char *dir, char ***paths, size_t *n)
{
    if (!dir || !paths || !n) return -EINVAL;
    *paths = NULL;
    *n = 0;
    struct dirent **names;
    int count = scandir(dir, &names, yaml_name, alphasort);
    if (count < 0) return -errno;
    char **v = calloc(count ? (size_t)count : 1, sizeof *v);
    size_t made = 0;
    for (int i = 0; i < count; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (v && (v[made] = strdup(path))) made++;
        free(names[i]);
    }
    free(names);
    if (!v || made < (size_t)count) {
        lessons_free_files(v, made);
        return -ENOMEM;
    }
    *paths = v;
    *n = made;
    return 0;
}

void lessons_free_files(char **paths, size_t n)
{
    for (size_t i = 0; paths && i < n; i++) free(paths[i]);
    free(paths);
}

int lessons_load_dir(const char *dir, struct lesson **out, size_t *n, size_t *nerrors)
{
    if (nerrors) *nerrors = 0;
    if (!dir || !out || !n) return -EINVAL;
    *out = NULL;
    *n = 0;
    char **paths;
    size_t count;
    int rc = lessons_list_files(dir, &paths, &count);
    if (rc < 0) return rc;
    struct lesson *ls = calloc(count ? count : 1, sizeof *ls);
    if (!ls) {
        lessons_free_files(paths, count);
        return -ENOMEM;
    }
    size_t loaded = 0;
    for (size_t i = 0; i < count; i++) {
        struct lesson_error err;
        if (lesson_load(paths[i], &ls[loaded], &err) == 0)
            loaded++;
        else if (nerrors)
            (*nerrors)++;
    }
    lessons_free_files(paths, count);
    qsort(ls, loaded, sizeof *ls, by_order);
    *out = ls;
    *n = loaded;
    return 0;
}

void lessons_free(struct lesson *ls, size_t n)
{
    if (!ls) return;
    for (size_t i = 0; i < n; i++) lesson_free(&ls[i]);
    free(ls);
}

int catalogue_load(struct catalogue *c, size_t *nerrors, int *progress_rc)
{
    if (!c) return -EINVAL;
    bool (*passed)(const char *) = c->exercise_passed;
    int (*points)(const char *, int *, int *) = c->exercise_points;
    memset(c, 0, sizeof *c);
    c->exercise_passed = passed;
    c->exercise_points = points;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/lessons", forklab_home());
    int rc = lessons_load_dir(dir, &c->lessons, &c->nlessons, nerrors);
    if (rc < 0) return rc;
    int prc = progress_load(&c->progress);
    if (progress_rc) *progress_rc = prc;
    return 0;
}

void catalogue_free(struct catalogue *c)
{
    if (!c) return;
    lessons_free(c->lessons, c->nlessons);
    c->lessons = NULL;
    c->nlessons = 0;
    progress_free(&c->progress);
}

const struct lesson *catalogue_find(const struct catalogue *c, const char *name)
{
    if (!c || !name || !name[0]) return NULL;
    char *end;
    long order = strtol(name, &end, 10);
    bool number = *end == '\0';
    for (size_t i = 0; i < c->nlessons; i++) {
        const struct lesson *l = &c->lessons[i];
        if ((l->id && !strcmp(l->id, name)) || (number && l->order == order) ||
            (l->program && !strcmp(l->program, name)))
            return l;
    }
    return NULL;
}

bool catalogue_done(const struct catalogue *c, const struct lesson *l)
{
    if (!c || !l) return false;
    /* The exercise counts as it stands at its last grade (the viewer,
     * forklab grade or make grade), so a regression undoes it. */
    bool passes = l->exercise && c->exercise_passed && c->exercise_passed(l->exercise);
    return progress_lesson_done(&c->progress, l->id, (int)l->nquiz, l->exercise != NULL, passes);
}

void catalogue_score(const struct catalogue *c, const struct lesson *l, bool compact, char *buf, size_t cap)
{
    char quiz[32] = "-", ex[96] = "-";
    if (l->nquiz) snprintf(quiz, sizeof quiz, "%d/%zu", progress_quiz_right(&c->progress, l->id, (int)l->nquiz), l->nquiz);
    if (l->exercise) {
        int pts = 0, max = 10;
        if (c->exercise_points && c->exercise_points(l->exercise, &pts, &max) < 0) pts = 0, max = 10;
        if (compact) snprintf(ex, sizeof ex, "%d/%d", pts, max);
        else snprintf(ex, sizeof ex, "exercise %s %d/%d", l->exercise, pts, max);
    }
    if (compact) snprintf(buf, cap, "%3s %5s", quiz, ex);
    else if (l->nquiz && l->exercise) snprintf(buf, cap, "quiz %s, %s", quiz, ex);
    else if (l->nquiz) snprintf(buf, cap, "quiz %s", quiz);
    else snprintf(buf, cap, "%s", l->exercise ? ex : "");
}

char *catalogue_read_file(const char *relpath)
{
    char path[PATH_MAX];
    if (!relpath) {
        errno = EINVAL;
        return NULL;
    }
    if (relpath[0] == '/')
        snprintf(path, sizeof path, "%s", relpath);
    else
        snprintf(path, sizeof path, "%s/%s", forklab_home(), relpath);
    char *text;
    size_t len;
    int rc = files_read(path, 8u << 20, &text, &len); /* a very large file: its start */
    if (rc < 0) {
        errno = -rc;
        return NULL;
    }
    return text;
}
