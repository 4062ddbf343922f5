/* fuzz_classlog.c — arbitrary bytes as the class board's log (class_board.c)
 * and as a typed join code (class_net.c).
 *
 * The log is written in two parts: the first is loaded as a reader loads
 * it (board_open), the second appended and followed (board_follow), as
 * the board's screen reads what the server appends, cut at any byte. Then
 * the rows are made at several widths and sorts and the text table is
 * printed. Checks: names and texts stay printable ASCII of at most
 * CLASS_TEXT_MAX bytes, a student keeps at most CLASS_MAX_EXERCISES
 * results, every row fits its width; a join code's canonical form is a
 * fixed point. ASan/UBSan catch the rest. */
#include "class_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void check(int ok)
{
    if (!ok) __builtin_trap();
}

static char dir[64], path[128];

static void clean_text(const char *t)
{
    size_t n = strlen(t);
    check(n <= CLASS_TEXT_MAX);
    for (size_t i = 0; i < n; i++) check(t[i] >= 0x20 && t[i] < 0x7f && t[i] != '\t');
}

static void codes(const uint8_t *data, size_t size)
{
    char a[CLASS_CODE_LEN + 1], b[CLASS_CODE_LEN + 1];
    if (class_code_canon((const char *)data, size, a, sizeof a) == 0) {
        check(strlen(a) == CLASS_CODE_LEN);
        check(class_code_canon(a, strlen(a), b, sizeof b) == 0 && !strcmp(a, b));
    }
    uint8_t key[CLASS_KEY_MAX];
    size_t len = 0;
    if (class_key_from_text((const char *)data, size, key, &len) == 0) check(len > 0 && len <= CLASS_KEY_MAX);
}

static void rows(const struct cls_board *b)
{
    static struct crow out[CLASS_MAX_STUDENTS];
    const char *cols[CLASS_MAX_EXERCISES * 2];
    char line[2048];
    for (size_t i = 0; i < b->n; i++) {
        clean_text(b->st[i].name);
        clean_text(b->st[i].lesson);
        check(b->st[i].nres <= CLASS_MAX_EXERCISES);
        for (size_t k = 0; k < b->st[i].nres; k++) {
            clean_text(b->st[i].res[k].ex);
            clean_text(b->st[i].res[k].status);
        }
    }
    const int widths[] = {40, 80, 200};
    for (int s = 0; s < CROW__SORTS; s++) {
        struct crow_query q = {.sort = (enum crow_sort)s, .reverse = s & 1};
        if (b->n) snprintf(q.filter, sizeof q.filter, "%.3s", b->st[0].name);
        size_t n = crow_select(b, &q, 1700000000, out, CLASS_MAX_STUDENTS);
        size_t nc = crow_columns(b, q.filter, cols, sizeof cols / sizeof cols[0]);
        for (size_t w = 0; w < 3; w++) {
            struct crow_table tb = {.ex = cols, .nex = nc, .width = widths[w]};
            crow_header(&tb, line, sizeof line);
            check((int)strlen(line) <= widths[w]);
            for (size_t i = 0; i < n; i++) {
                crow_line(&tb, &out[i], line, sizeof line);
                check((int)strlen(line) <= widths[w]);
            }
        }
    }
    crow_stuck_text(b, 1700000000, line, sizeof line);
}

/* The log's directory goes when the fuzzer ends. */
static void remove_dir(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fl-fuzz-classlog-%d", (int)getpid());
        mkdir(dir, 0700);
        snprintf(path, sizeof path, "%s/board.log", dir);
        atexit(remove_dir);
    }
    codes(data, size);
    size_t cut = size ? data[0] % (size + 1) : 0;
    FILE *f = fopen(path, "w");
    check(f != NULL);
    fwrite(data, 1, cut, f);
    fclose(f);
    struct cls_board b;
    check(board_open(&b, dir, false) == 0);
    f = fopen(path, "a");
    check(f != NULL);
    fwrite(data + cut, 1, size - cut, f);
    fclose(f);
    board_follow(&b);
    rows(&b);
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        board_print(&b, null, 1700000000);
        fclose(null);
    }
    board_close(&b);
    unlink(path);
    return 0;
}
