/*
 * learncmd.c — the learner's commands: `forklab init DIR`, `forklab
 * progress`, `forklab hint EX [N]`, `forklab reset EX`.
 *
 * They only read and write the workspace (workspace.h): the progress file,
 * the grade results, the exercise files. Exercises are named by their own
 * id and, everywhere, by the lesson that teaches them ("exercise 01-spawn,
 * lesson 02-spawn"): the two numberings differ.
 */
#include "catalogue.h"
#include "commands.h"
#include "paths.h"
#include "grade.h"
#include "hints.h"
#include "lesson.h"
#include "progress.h"
#include "workspace.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------ shared */

struct lesson_set {
    struct lesson *ls;
    size_t n;
};

static int load_catalogue(struct lesson_set *c, const char *cmd)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/lessons", forklab_home());
    int rc = lessons_load_dir(dir, &c->ls, &c->n, NULL);
    if (rc < 0) fprintf(stderr, "forklab %s: cannot read the lessons in %s: %s\n", cmd, dir, strerror(-rc));
    return rc;
}

/* The lesson that teaches exercise id (NULL when none does). */
static const struct lesson *lesson_of(const struct lesson_set *c, const char *id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->ls[i].exercise && !strcmp(c->ls[i].exercise, id)) return &c->ls[i];
    return NULL;
}

/* "exercise 01-spawn (lesson 02-spawn)" */
static void exercise_name(const struct lesson_set *c, const char *id, char *buf, size_t cap)
{
    const struct lesson *l = lesson_of(c, id);
    if (l) snprintf(buf, cap, "exercise %s (lesson %s)", id, l->id);
    else snprintf(buf, cap, "exercise %s", id);
}

/* The exercise named by arg, or NULL after saying which ones exist. */
static const char *find_exercise(const char *cmd, const char *arg)
{
    const char *id = grade_find_exercise(arg);
    if (id) return id;
    fprintf(stderr, "forklab %s: no exercise '%s'; the exercises are:", cmd, arg);
    for (size_t i = 0; i < grade_exercise_count(); i++) fprintf(stderr, " %s", grade_exercise_id(i));
    fprintf(stderr, "\n");
    return NULL;
}

static bool need_workspace(const char *cmd)
{
    if (ws_find(NULL, 0) != WS_NONE) return true;
    fprintf(stderr, "forklab %s: no workspace here: make one with `forklab init DIR`, then cd DIR\n", cmd);
    return false;
}

/* When the last grade result of id was written; 0 when never. */
static time_t last_graded(const char *id)
{
    char dir[PATH_MAX], path[PATH_MAX + 80];
    if (ws_grade_dir(dir, sizeof dir) < 0) return 0;
    snprintf(path, sizeof path, "%s/%s.result", dir, id);
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mtime : 0;
}

/* ------------------------------------------------------------ forklab init */

int cmd_init(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-') {
        fprintf(stderr, "usage: forklab init DIR   make DIR a workspace: the exercises to edit, your own progress\n");
        return argc == 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) ? 0 : 2;
    }
    char what[PATH_MAX];
    int rc = ws_init(argv[0], what, sizeof what);
    if (rc == -EEXIST) {
        fprintf(stderr, "forklab init: %s already exists: not overwriting a workspace or an exercise\n", what);
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "forklab init: %s: %s\n", what[0] ? what : argv[0], strerror(-rc));
        return 1;
    }
    printf("forklab init: workspace ready in %s\n"
           "  cd %s; then `forklab` for the lessons, edit exercises/NN-topic.c, `forklab grade NN`,\n"
           "  `forklab hint NN` when stuck, `forklab progress` for where you are (see README.md)\n",
           argv[0], argv[0]);
    return 0;
}

/* ------------------------------------------------------------ forklab progress */

static void fmt_time(time_t t, char *buf, size_t cap)
{
    struct tm tm;
    if (!t || !localtime_r(&t, &tm) || !strftime(buf, cap, "%m-%d %H:%M", &tm)) snprintf(buf, cap, "-");
}

int cmd_progress(int argc, char **argv)
{
    if (argc > 0) {
        bool help = !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help");
        fprintf(help ? stdout : stderr, "usage: forklab progress   every lesson: quiz score, exercise points, last grade\n");
        return help ? 0 : 2;
    }
    struct lesson_set c;
    if (load_catalogue(&c, "progress") < 0) return 1;
    struct progress p;
    int rc = progress_load(&p);
    if (rc < 0) {
        fprintf(stderr, "forklab progress: cannot read the progress file: %s\n", strerror(-rc));
        lessons_free(c.ls, c.n);
        return 1;
    }
    char ws[PATH_MAX] = "", path[PATH_MAX] = "";
    enum ws_kind kind = ws_find(ws, sizeof ws);
    progress_path(path, sizeof path);
    printf("progress of %s (%s)\n\n", kind == WS_NONE ? "no workspace" : ws, path);
    /* 80 columns: done mark, lesson, quiz, exercise, result, points, when */
    printf("     %-23s %-5s %-17s %-7s %-6s %s\n", "lesson", "quiz", "exercise", "result", "points", "last graded");
    int done = 0, qright = 0, qtotal = 0, pts = 0, maxpts = 0;
    for (size_t i = 0; i < c.n; i++) {
        const struct lesson *l = &c.ls[i];
        int nq = (int)l->nquiz, right = progress_quiz_right(&p, l->id, nq);
        char quiz[16] = "-", points[16] = "-", when[32] = "-";
        const char *status = "-";
        bool passes = false;
        if (nq) snprintf(quiz, sizeof quiz, "%d/%d", right, nq);
        qright += right;
        qtotal += nq;
        if (l->exercise) {
            struct grade_result r;
            int max = 10;
            if (grade_last_result(l->exercise, &r) == 0) {
                status = grade_status_name(r.status);
                passes = r.status == GRADE_PASS;
                max = r.max_points;
                snprintf(points, sizeof points, "%d/%d", r.points, r.max_points);
                pts += r.points;
                fmt_time(last_graded(l->exercise), when, sizeof when);
            } else {
                status = "not yet";
                snprintf(points, sizeof points, "0/%d", max);
            }
            maxpts += max;
        }
        bool d = progress_lesson_done(&p, l->id, nq, l->exercise != NULL, passes);
        done += d;
        printf("%c %2d %-23s %-5s %-17s %-7s %-6s %s\n", d ? '*' : ' ', l->order, l->id, quiz,
               l->exercise ? l->exercise : "-", status, points, when);
    }
    printf("\n%d of %zu lessons done; quiz %d/%d right; exercises %d/%d points\n", done, c.n, qright, qtotal, pts,
           maxpts);
    printf("* done: its quiz all right now and its exercise passing at its last grade\n");
    progress_free(&p);
    lessons_free(c.ls, c.n);
    return 0;
}

/* ------------------------------------------------------------ forklab hint */

int cmd_hint(int argc, char **argv)
{
    if (argc < 1 || argc > 2 || argv[0][0] == '-') {
        bool help = argc >= 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"));
        fprintf(help ? stdout : stderr,
                "usage: forklab hint EXERCISE [N]   the next hint (or hint N) for an exercise, one step at a time\n");
        return help ? 0 : 2;
    }
    const char *id = find_exercise("hint", argv[0]);
    if (!id) return 2;
    struct hint_steps h;
    int rc = hints_load(NULL, id, &h);
    if (rc < 0 || h.n == 0) {
        fprintf(stderr, "forklab hint: no hints for %s (%s/exercises/hints.txt: %s)\n", id, ws_home(),
                rc < 0 ? strerror(-rc) : "none listed");
        return 1;
    }
    struct lesson_set c = {0};
    load_catalogue(&c, "hint");
    struct progress p;
    if (progress_load(&p) < 0) memset(&p, 0, sizeof p);
    int shown = progress_hints(&p, id), step;
    if (argc == 2) {
        char *end;
        long n = strtol(argv[1], &end, 10);
        if (*end || n < 1 || n > h.n) {
            fprintf(stderr, "forklab hint: %s has hints 1 to %d, not '%s'\n", id, h.n, argv[1]);
            progress_free(&p);
            lessons_free(c.ls, c.n);
            return 2;
        }
        step = (int)n;
    } else {
        step = shown < h.n ? shown + 1 : h.n;
    }
    char name[160];
    exercise_name(&c, id, name, sizeof name);
    printf("hint %d of %d for %s:\n\n  %s\n\n", step, h.n, name, h.text[step - 1]);
    if (step < h.n)
        printf("(`forklab hint %s` again for a closer one)\n", id);
    else
        printf("(that was the last hint: the rest is yours; `forklab grade %s` says which check fails)\n", id);
    if (step > shown) {
        progress_set_hints(&p, id, step);
        if ((rc = progress_save(&p)) < 0)
            fprintf(stderr, "forklab hint: could not remember the step: %s\n", strerror(-rc));
    }
    progress_free(&p);
    lessons_free(c.ls, c.n);
    return 0;
}

/* ------------------------------------------------------------ forklab reset */

static int read_text(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f) return -errno;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) return -ENOMEM;
    *text = buf;
    *len = n;
    return 0;
}

int cmd_reset(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-') {
        bool help = argc == 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"));
        fprintf(help ? stdout : stderr,
                "usage: forklab reset EXERCISE   put back the original file (yours is kept as a backup)\n");
        return help ? 0 : 2;
    }
    const char *id = find_exercise("reset", argv[0]);
    if (!id) return 2;
    if (!need_workspace("reset")) return 1;
    char path[PATH_MAX], state[PATH_MAX], backup[PATH_MAX + 128];
    char *stub = NULL, *mine = NULL;
    size_t stub_len = 0, mine_len = 0;
    int rc = ws_exercise_path(id, path, sizeof path);
    if (rc == 0) rc = ws_stub_text(id, false, &stub, &stub_len);
    if (rc < 0) {
        fprintf(stderr, "forklab reset: no original of %s to restore (%s)\n", id,
                rc == -ENOENT ? "this tree is not a git checkout and holds no other copy" : strerror(-rc));
        return 1;
    }
    int have = read_text(path, &mine, &mine_len);
    if (have == 0 && mine_len == stub_len && !memcmp(mine, stub, stub_len)) {
        printf("forklab reset: %s is already the original: nothing to do\n", path);
        free(stub);
        free(mine);
        return 0;
    }
    if (have == 0) {
        /* The learner's work is never lost: it goes to STATE/backups first. */
        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        rc = ws_state_dir(state, sizeof state);
        if (rc == 0) {
            snprintf(backup, sizeof backup, "%s/backups", state);
            rc = ws_mkdirs(backup, 0755);
        }
        for (int k = 0; rc == 0; k++) { /* two resets in one second keep both */
            snprintf(backup, sizeof backup, "%s/backups/%s.c.%s%s%.0d", state, id, stamp, k ? "-" : "", k);
            struct stat st;
            if (stat(backup, &st) != 0) break;
        }
        if (rc == 0) rc = ws_write_file(backup, mine, mine_len);
        if (rc < 0) {
            fprintf(stderr, "forklab reset: could not keep a backup of %s (%s): nothing changed\n", path, strerror(-rc));
            free(stub);
            free(mine);
            return 1;
        }
    }
    rc = ws_write_file(path, stub, stub_len);
    if (rc < 0) fprintf(stderr, "forklab reset: cannot write %s: %s\n", path, strerror(-rc));
    else if (have == 0) printf("forklab reset: %s is the original again; your version is in %s\n", path, backup);
    else printf("forklab reset: %s restored\n", path);
    free(stub);
    free(mine);
    return rc < 0 ? 1 : 0;
}
