/* hints.c — stepped hints (hints.h). */
#include "hints.h"

#include "workspace.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The step a key names for id: 1 for "ID", N for "ID stepN", 0 otherwise. */
static int step_of(const char *key, const char *id)
{
    size_t n = strlen(id);
    if (strncmp(key, id, n) != 0) return 0;
    if (key[n] == '\0') return 1;
    if (strncmp(key + n, " step", 5) != 0) return 0;
    char *end;
    long s = strtol(key + n + 5, &end, 10);
    return *end == '\0' && s >= 2 && s <= HINT_MAX_STEPS ? (int)s : 0;
}

int hints_load(const char *path, const char *id, struct hint_steps *out)
{
    if (!id || !id[0] || !out) return -EINVAL;
    memset(out, 0, sizeof *out);
    char def[PATH_MAX];
    if (!path) {
        snprintf(def, sizeof def, "%s/exercises/hints.txt", ws_home());
        path = def;
    }
    FILE *f = fopen(path, "r");
    if (!f) return -errno;
    bool have[HINT_MAX_STEPS] = {false};
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = '\0';
        char *text = tab + 1;
        text[strcspn(text, "\r\n")] = '\0';
        int s = step_of(line, id);
        if (s == 0 || have[s - 1] || !text[0]) continue;
        have[s - 1] = true;
        snprintf(out->text[s - 1], sizeof out->text[0], "%s", text);
    }
    fclose(f);
    while (out->n < HINT_MAX_STEPS && have[out->n]) out->n++;
    return 0;
}
