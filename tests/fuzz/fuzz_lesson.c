/* fuzz_lesson.c — libFuzzer target for the lesson loader.
 *
 * Any input must give either a lesson whose required fields are all set
 * (and freed without a leak), or an error with a message; never a crash,
 * a hang or a read past the buffer (libFuzzer's buffer is exactly size
 * bytes, not NUL-terminated, which is what lesson_load_buffer accepts). */
#include "lesson.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_loaded(const struct lesson *l)
{
    if (!l->id || !l->title || !l->python || !l->c_path || !l->program || !l->watch_for || !l->path) abort();
    if (l->nslides == 0 || l->nquiz == 0 || l->npanels == 0 || l->nexpect == 0) abort();
    for (size_t i = 0; i < l->nslides; i++) {
        if (!l->slides[i].title || l->slides[i].nbullets == 0) abort();
        for (size_t b = 0; b < l->slides[i].nbullets; b++)
            if (!l->slides[i].bullets[b].text || l->slides[i].bullets[b].level < 0) abort();
    }
    for (size_t q = 0; q < l->nquiz; q++)
        if (l->quiz[q].answer < 0 || (size_t)l->quiz[q].answer >= l->quiz[q].nchoices) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lesson l;
    struct lesson_error err;
    char msg[1024];
    if (lesson_load_buffer("fuzz.yaml", (const char *)data, size, &l, &err) == 0) {
        check_loaded(&l);
        lesson_free(&l);
    } else {
        lesson_error_format(&err, msg, sizeof msg);
        if (!err.message[0] || strlen(msg) >= sizeof msg) abort();
    }
    return 0;
}
